import Foundation
import LastMileCore
import LastMileStorage

/// §2.6.1 Order.
struct OrderBody: Encodable {
    struct User: Encodable {
        @Nullable var id: String?
        var first_name: String
        var last_name: String
        var phone: String
    }
    struct Details: Encodable {
        var store_location: String
        var window_starts_at: String
        var window_ends_at: String
        @Nullable var handoff_time: String?
        @Nullable var delivered_at: String?
        @Nullable var bag_label: String?
        @Nullable var bags_count: Int64?
        @Nullable var bag_count: Int64?
        var items_count: Int64
        var items_weight: Double
        var bag_scan_codes: [String]
    }
    var id: String
    var status: String
    @Nullable var order_url: String?
    var created_at: String
    var locale: String
    @Nullable var cancellation_reason: String?
    var user: User
    var address: UserAddressBody
    var fulfillment_details: Details
    var tip_amount_cents: Int64
    var alcoholic: Bool
    var leave_unattended: Bool
    @Nullable var special_instructions: String?

    init(_ o: OrderRecord, retailer: Retailer) {
        id = o.orderID
        status = o.status.rawValue
        order_url = retailer.orderURL(orderID: o.orderID)
        created_at = Timestamp.format(o.createdAt)
        locale = o.locale.rawValue
        cancellation_reason = o.status == .canceled ? o.cancellationReason?.rawValue : nil
        user = User(id: o.userID, first_name: o.firstName, last_name: o.lastName, phone: o.phone)
        address = UserAddressBody(o.address)
        fulfillment_details = Details(
            store_location: o.locationCode,
            window_starts_at: Timestamp.format(o.windowStart),
            window_ends_at: Timestamp.format(o.windowEnd),
            handoff_time: o.handoffTime.map(Timestamp.format),
            delivered_at: o.deliveredAt.map(Timestamp.format),
            bag_label: o.bagLabel,
            bags_count: o.bagsCount,
            bag_count: o.bagsCount,
            items_count: o.itemsCount,
            items_weight: o.itemsWeight,
            bag_scan_codes: o.bagScanCodes
        )
        tip_amount_cents = o.tipAmountCents
        alcoholic = o.alcoholic
        leave_unattended = o.alcoholic ? false : o.leaveUnattended
        special_instructions = o.specialInstructions
    }
}
