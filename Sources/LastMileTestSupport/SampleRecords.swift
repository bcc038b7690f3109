import Foundation
import LastMileCore
import LastMileStorage

/// An order of store `S1` whose window is one to two hours after `now` (storage and use-case tests).
public func sampleOrder(_ id: String, retailer: String = "r1", at now: Date) -> OrderRecord {
    OrderRecord(
        retailerID: retailer,
        orderID: id,
        userID: nil,
        family: .dispatch,
        fingerprint: id,
        locationCode: "S1",
        windowStart: now.addingTimeInterval(3600),
        windowEnd: now.addingTimeInterval(7200),
        createdAt: now,
        locale: .enUS,
        firstName: "A",
        lastName: "B",
        phone: "+14155550123",
        email: nil,
        address: UserAddress(addressLine1: "1 Main St", addressLine2: nil, addressType: nil, postalCode: "94105", city: nil, state: nil),
        destination: GeoPoint(latitude: 37.78, longitude: -122.40),
        travelMinutes: 10,
        itemsCount: 1,
        itemsWeight: 1,
        alcoholic: false,
        leaveUnattended: false,
        customerSMSOptOut: false,
        withHandoffTime: false
    )
}
