import Foundation
import LastMileBooking
import LastMileCore
import LastMileStorage
import LastMileTestSupport
import Testing

/// The shipped postal directory, read from the source tree once.
let directory: PostalDirectory = {
    let csv = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/LastMileAPI/Resources/us-zipcodes.csv")
    return try! PostalDirectory.parseCSV(Data(contentsOf: csv))
}()

/// 17:35:12 in San Francisco on 2025-06-10: SF-001's 18:00–19:00 and later windows are bookable today.
let now = Timestamp.parse("2025-06-11T00:35:12Z")!

/// One retailer with a store whose single driver works 18:00–21:00, so capacity runs out after a few orders;
/// a second store without handoff settings for the named errors.
let configJSON = """
    {"retailers": [{
      "id": "acme", "name": "Acme", "country": "US", "eta_options_enabled": true, "handoff_time_enabled": false,
      "oauth_clients": [{"client_id": "acme", "client_secret": "acme-client-secret-1"}],
      "stores": [
        {"location_code": "SF-001", "name": "SoMa", "time_zone": "America/Los_Angeles",
         "address": {"address_line_1": "101 Spear St", "city": "San Francisco", "state": "CA", "postal_code": "94105"},
         "latitude": 37.7920, "longitude": -122.3934, "scheduling_horizon_days": 1,
         "delivery_hours": {"default": "08:00-21:00"},
         "driver_shifts": [{"driver_id": "d1", "start": "18:00", "end": "21:00"}]},
        {"location_code": "OAK-002", "name": "Oakland", "time_zone": "America/Los_Angeles",
         "address": {"address_line_1": "2000 Broadway", "city": "Oakland", "state": "CA", "postal_code": "94612"},
         "delivery_hours": {"default": "08:00-20:00"}},
        {"location_code": "OFF-001", "name": "Closed", "time_zone": "America/Los_Angeles", "active": false,
         "address": {"address_line_1": "1 Market St", "city": "San Francisco", "state": "CA", "postal_code": "94105"},
         "delivery_hours": {"default": "08:00-20:00"}}
      ]}]}
    """

/// A booking service over a fresh database of `engine` holding `configJSON`.
func makeBooking(_ engine: Engine) async throws -> (BookingService, Retailer) {
    let storage = try await engine.makeDatabase().open()
    let config = try OperatorConfigParser.parse(try JSONValue.parse(Data(configJSON.utf8)), directory: directory)
    try await storage.applyConfiguration(config)
    let booking = BookingService(storage: storage, directory: directory, virtualDrivers: false)
    return (booking, try #require(try await storage.retailer(id: "acme")))
}

let home = AddressFields(line1: "500 Howard St", postalCode: "94105")

func orderRequest(_ orderID: String, holdID: Int64?, locationCode: String = "SF-001", firstName: String = "Ada") -> NewOrderRequest {
    NewOrderRequest(
        orderID: orderID,
        locationCode: locationCode,
        locale: nil,
        holdID: holdID,
        start: nil,
        end: nil,
        firstName: firstName,
        lastName: "Lovelace",
        phone: "+14155550100",
        email: nil,
        tip: nil,
        itemsCount: 3,
        bagsCount: nil,
        itemsWeight: 2,
        cartTotal: nil,
        bagLabel: nil,
        alcoholic: false,
        leaveUnattended: false,
        specialInstructions: nil,
        smsOptOut: false,
        withHandoff: false,
        address: home,
        normalized: ["order_id": .string(orderID), "first_name": .string(firstName)]
    )
}

@Suite("Booking use cases (no HTTP, real database)")
struct BookingTests {
    @Test("list → reserve → create books the listed window; a repeat returns the order; another body conflicts", arguments: Engine.available)
    func checkout(engine: Engine) async throws {
        let (booking, acme) = try await makeBooking(engine)
        _ = try await booking.createUser(retailerID: "acme", userID: "u1", profile: UserProfile(), now: now)
        let listing = try await booking.listForCheckout(
            CheckoutListingRequest(userID: "u1", address: home, locationCode: "SF-001"),
            retailer: acme,
            now: now
        )
        let option = try #require(listing.options.first { $0.available && $0.type == .scheduled })
        #expect(option.id > 0)
        let held = try await booking.reserve(optionID: option.id, userID: "u1", retailer: acme, now: now)
        #expect(held.hold.windowStart == option.windowStart && held.hold.expiresAt == now.addingTimeInterval(600))

        let order = try await booking.createOrder(
            orderRequest("o-1", holdID: held.hold.id),
            userID: "u1",
            retailer: acme,
            acceptLanguage: nil,
            now: now
        )
        #expect(order.windowStart == option.windowStart && order.windowEnd == option.windowEnd && order.status == .brandNew)
        let again = try await booking.createOrder(
            orderRequest("o-1", holdID: held.hold.id),
            userID: "u1",
            retailer: acme,
            acceptLanguage: nil,
            now: now
        )
        #expect(again.id == order.id)
        await #expect(throws: BookingError.orderIDConflict) {
            try await booking.createOrder(
                orderRequest("o-1", holdID: held.hold.id, firstName: "Grace"),
                userID: "u1",
                retailer: acme,
                acceptLanguage: nil,
                now: now
            )
        }
        // The hold was consumed by the order: a second order on it is refused with the named error.
        await #expect(throws: BookingError.holdUsed) {
            try await booking.createOrder(orderRequest("o-2", holdID: held.hold.id), userID: "u1", retailer: acme, acceptLanguage: nil, now: now)
        }
    }

    @Test("one driver's evening fills up: what was offered is booked, then the window is no longer offered", arguments: Engine.available)
    func capacityRunsOut(engine: Engine) async throws {
        let (booking, acme) = try await makeBooking(engine)
        // 19:00–21:00 local, the evening's only window with room after the listing lead time.
        let window = DeliveryWindow(start: Timestamp.parse("2025-06-11T02:00:00Z")!, end: Timestamp.parse("2025-06-11T04:00:00Z")!)
        var booked = 0
        var refused: ServiceError?
        for i in 0..<20 {
            let user = "u\(i)"
            _ = try await booking.createUser(retailerID: "acme", userID: user, profile: UserProfile(), now: now)
            let listing = try await booking.listForCheckout(
                CheckoutListingRequest(userID: user, address: home, locationCode: "SF-001"),
                retailer: acme,
                now: now
            )
            // A full window is no longer offered as available.
            guard let option = listing.options.first(where: { $0.windowStart == window.start && $0.windowEnd == window.end }),
                option.available
            else { break }
            do {
                let held = try await booking.reserve(optionID: option.id, userID: user, retailer: acme, now: now)
                _ = try await booking.createOrder(
                    orderRequest("o\(i)", holdID: held.hold.id),
                    userID: user,
                    retailer: acme,
                    acceptLanguage: nil,
                    now: now
                )
                booked += 1
            } catch let e as ServiceError {
                refused = e
                break
            }
        }
        // A listing offers a window only with a plan for it, so nothing offered is refused at reserve time.
        #expect(refused == nil, "\(String(describing: refused))")
        // Once full, a new customer is no longer offered the window.
        _ = try await booking.createUser(retailerID: "acme", userID: "late", profile: UserProfile(), now: now)
        let late = try await booking.listForCheckout(
            CheckoutListingRequest(userID: "late", address: home, locationCode: "SF-001"),
            retailer: acme,
            now: now
        )
        #expect(!late.options.contains { $0.windowStart == window.start && $0.available })
        // One driver, two hours, ~10-minute round trips: a handful of orders fit, never all twenty.
        #expect(booked >= 1 && booked < 20, "booked \(booked)")
        let commitments = try await booking.storage.commitments(retailerID: "acme", locationCode: "SF-001", now: now, excludingHoldOfUser: nil)
        #expect(commitments.count == booked)
    }

    @Test("the named errors: store not available, handoff not configured, hold for another store", arguments: Engine.available)
    func namedErrors(engine: Engine) async throws {
        let (booking, acme) = try await makeBooking(engine)
        _ = try await booking.createUser(retailerID: "acme", userID: "u1", profile: UserProfile(), now: now)
        await #expect(throws: ServiceError.storeNotAvailable) {
            try await booking.listForCheckout(CheckoutListingRequest(userID: "u1", address: home, locationCode: "OFF-001"), retailer: acme, now: now)
        }
        var handoff = CheckoutListingRequest(userID: "u1", address: home, locationCode: "SF-001")
        handoff.withHandoffTime = true
        await #expect(throws: BookingError.handoffNotConfigured) { try await booking.listForCheckout(handoff, retailer: acme, now: now) }
        await #expect(throws: ServiceError.userNotFound) {
            try await booking.listForCheckout(
                CheckoutListingRequest(userID: "nobody", address: home, locationCode: "SF-001"),
                retailer: acme,
                now: now
            )
        }
        let listing = try await booking.listForCheckout(
            CheckoutListingRequest(userID: "u1", address: home, locationCode: "SF-001"),
            retailer: acme,
            now: now
        )
        let held = try await booking.reserve(
            optionID: try #require(listing.options.first { $0.available }).id,
            userID: "u1",
            retailer: acme,
            now: now
        )
        await #expect(throws: BookingError.holdForOtherStore) {
            try await booking.createOrder(
                orderRequest("o-x", holdID: held.hold.id, locationCode: "OAK-002"),
                userID: "u1",
                retailer: acme,
                acceptLanguage: nil,
                now: now
            )
        }
        _ = try await booking.createUser(retailerID: "acme", userID: "u2", profile: UserProfile(), now: now)
        await #expect(throws: ServiceError.notFound) {
            try await booking.reserve(optionID: held.option.id, userID: "u2", retailer: acme, now: now)
        }
    }

    @Test("a desired window books the first candidate with room, and stage then cancel follow the status rules", arguments: Engine.available)
    func dispatchStageCancel(engine: Engine) async throws {
        let (booking, acme) = try await makeBooking(engine)
        var request = orderRequest("d-1", holdID: nil)
        request.start = Timestamp.parse("2025-06-11T01:00:00Z")!
        request.end = Timestamp.parse("2025-06-11T03:00:00Z")!
        let order = try await booking.createDispatchOrder(
            request,
            choice: DispatchWindowChoice(serviceOptionID: nil, fallbackToSoonestSameDay: false),
            userID: nil,
            retailer: acme,
            acceptLanguage: .frCA,
            now: now
        )
        #expect(order.windowStart >= request.start! && order.windowEnd <= request.end! && order.locale == .frCA)
        let staged = try await booking.stage(order, StageRequest(), now: now)
        #expect(staged.status == .staged && staged.everStaged == true)
        let canceled = try await booking.cancelByRetailer(staged, reason: "customer called", now: now)
        #expect(canceled.status == .canceled && canceled.cancellationReason == .retailerDriven)
        await #expect(throws: BookingError.cannotStage) { try await booking.stage(canceled, StageRequest(), now: now) }
        #expect(try await booking.order(retailerID: "acme", orderID: "d-1").status == .canceled)
    }
}
