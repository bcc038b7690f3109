import Foundation

/// The window a listed option books (§2.6.1), the one rule behind holds, orders and order changes.
public enum BookedWindow {
    /// Scheduled options keep their window; immediate ones run `immediateHours` from `now`; ETA options run
    /// from `now` to the listed end.
    public static func of(type: ServiceOptionType, listed: DeliveryWindow, immediateHours: Int?, now: Date) -> DeliveryWindow {
        switch type {
        case .scheduled: return listed
        case .immediate: return DeliveryWindow(start: now, end: now.addingTimeInterval(Double(immediateHours ?? 2) * 3600))
        case .eta, .priorityETA: return DeliveryWindow(start: now, end: listed.end)
        }
    }

    /// `start_at`/`end_at` narrow a booked window and must lie inside it (§2.6.1, §2.6.2); absent, the window stays.
    public static func narrow(_ window: DeliveryWindow, start: Date?, end: Date?) throws -> DeliveryWindow {
        guard let start, let end else { return window }
        if start < window.start || start > window.end {
            throw ServiceError.badRequest("must fall within the service option window", key: "start_at")
        }
        if end > window.end { throw ServiceError.badRequest("must fall within the service option window", key: "end_at") }
        return DeliveryWindow(start: start, end: end)
    }
}
