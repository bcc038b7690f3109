import LastMileCore

/// The contract's booking errors, each spelled once.
public enum BookingError {
    public static let slotGoneMessage = "The selected time slot is no longer available. Please choose another time slot."

    /// Capacity is gone for the option, hold or window (E1, E2, F1, G2, H2, H4).
    public static func slotGone(key: String) -> ServiceError { .badRequest(slotGoneMessage, key: key) }

    public static let handoffNotConfigured = ServiceError.badRequest(
        "Handoff time calculation is not configured for this retailer.",
        key: "with_handoff_time"
    )
    public static let orderIDConflict = ServiceError(
        .conflict,
        "An order with this order_id already exists with different parameters.",
        code: 4001,
        key: "order_id"
    )
    public static let userConflict = ServiceError(
        .conflict,
        "A user with this user_id already exists with different parameters.",
        code: 4001,
        key: "user_id"
    )

    public static let holdNotFound = ServiceError.badRequest("Service option hold not found", key: "service_option_hold_id")
    public static let holdUsed = ServiceError.badRequest("Service option hold has already been used", key: "service_option_hold_id")
    public static let holdForOtherStore = ServiceError.badRequest("Service option hold is for a different store", key: "location_code")

    public static func optionNotFound(key: String) -> ServiceError { .badRequest("Service option not found", key: key) }
    public static func optionExpired(key: String) -> ServiceError {
        .badRequest("Service option has expired. Please retrieve service options again.", key: key)
    }
    public static func optionNotAvailable(key: String) -> ServiceError { .badRequest("Service option is not available.", key: key) }

    /// H2/H4 desired windows (§2.7.2).
    public static let desiredWindowNotAvailable = ServiceError.badRequest(
        "Requested delivery window not available at this store",
        key: "start_at"
    )
    public static let noWindowsAvailable = ServiceError.badRequest("No delivery windows currently available", key: "start_at")
    public static let storeClosed = ServiceError.badRequest("Store is currently closed for delivery", key: "location_code")
    public static func notOnHour(key: String) -> ServiceError { .badRequest("must be on the hour", key: key) }

    public static let cannotUpdate = ServiceError.state("Order can no longer be updated")
    public static let cannotStage = ServiceError.state("Order can no longer be staged")
    public static let cannotCancel = ServiceError.state("Order can no longer be canceled")
    public static let cannotTip = ServiceError.state("Tip can only be updated after the order is delivered")
}
