import Foundation

public enum ServiceOptionType: String, Sendable, Codable {
    case scheduled, immediate, eta
    case priorityETA = "priority_eta"
}

/// A delivery time window `[start, end]`.
public struct DeliveryWindow: Sendable, Equatable, Hashable {
    public var start: Date
    public var end: Date
    public init(start: Date, end: Date) {
        self.start = start
        self.end = end
    }
}

/// A time slot computed for a listing, before it is given an id (§2.0.4).
public struct SlotCandidate: Sendable, Equatable {
    public var type: ServiceOptionType
    /// The window used for capacity and alcohol checks. Immediate: `[now, now + N h]`; ETA: `[now, end]`.
    public var window: DeliveryWindow
    public var immediateHour: Int?
    /// Local date of the window start (immediate and ETA: today's local date).
    public var date: CivilDate
    /// Present on ETA options when the handoff time was requested.
    public var handoffTime: Date?
    public var available: Bool
    public var reasons: [String]

    public init(
        type: ServiceOptionType,
        window: DeliveryWindow,
        immediateHour: Int? = nil,
        date: CivilDate,
        handoffTime: Date? = nil,
        available: Bool = true,
        reasons: [String] = []
    ) {
        self.type = type
        self.window = window
        self.immediateHour = immediateHour
        self.date = date
        self.handoffTime = handoffTime
        self.available = available
        self.reasons = reasons
    }
}

/// A warning entry of a listing (§2.4.1).
public struct ListingWarning: Sendable, Equatable {
    public var message: String
    public var code: Int
    public static let etaNotEnabled = ListingWarning(message: "ETA options are not enabled for this retailer.", code: 1001)
}
