import Foundation

/// A step of the driver workflow (§2.0.9): the driver API, the simulated drivers and the sandbox all move
/// orders only through these.
public enum DriverStep: String, Sendable, CaseIterable {
    case accept
    case arriveAtStore = "arrived_at_store"
    case verifyBags = "bags_verified"
    case depart = "departed"
    case deliver = "delivered"

    /// The statuses the step may start from. A rescheduled order may be accepted only if it was staged
    /// before (checked by the caller, which knows the history).
    public var from: Set<OrderStatus> {
        switch self {
        case .accept: return [.staged, .rescheduled]
        case .arriveAtStore: return [.acknowledgedForDelivery]
        case .verifyBags: return [.atStore]
        case .depart: return [.bagsVerified]
        case .deliver: return [.delivering]
        }
    }

    public var to: OrderStatus {
        switch self {
        case .accept: return .acknowledgedForDelivery
        case .arriveAtStore: return .atStore
        case .verifyBags: return .bagsVerified
        case .depart: return .delivering
        case .deliver: return .delivered
        }
    }
}

/// Service-side transitions (§2.0.9, last rows): who may cancel and reschedule what.
public enum ServiceTransition {
    /// The service may cancel anything that has not ended.
    public static func canCancel(_ s: OrderStatus) -> Bool { s != .delivered && s != .canceled }
    /// The service may move the window of an order that has no driver yet.
    public static func canReschedule(_ s: OrderStatus) -> Bool { s == .brandNew || s == .staged || s == .rescheduled }
}
