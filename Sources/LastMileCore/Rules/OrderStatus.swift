import Foundation

/// §2.0.9 order statuses and what a retailer may do in each.
public enum OrderStatus: String, Sendable, Codable, CaseIterable {
    case brandNew = "brand_new"
    case staged
    case acknowledgedForDelivery = "acknowledged_for_delivery"
    case atStore = "at_store"
    case bagsVerified = "bags_verified"
    case delivering
    case delivered
    case canceled
    case rescheduled

    /// Orders in these statuses occupy driver capacity (§2.0.5).
    public var isCommitment: Bool {
        switch self {
        case .brandNew, .rescheduled, .staged, .acknowledgedForDelivery, .atStore, .bagsVerified, .delivering: return true
        case .delivered, .canceled: return false
        }
    }

    /// A driver has accepted the order and keeps it until delivery (§2.0.5: "acknowledged_for_delivery or later").
    public var isWithDriver: Bool {
        switch self {
        case .acknowledgedForDelivery, .atStore, .bagsVerified, .delivering: return true
        default: return false
        }
    }

    public var canUpdate: Bool { self == .brandNew || self == .rescheduled }
    public var canStage: Bool { self == .brandNew || self == .rescheduled || self == .staged }
    /// Retailer cancel (G5/H6); `canceled` is a no-op handled separately.
    public var canCancelByRetailer: Bool {
        switch self {
        case .brandNew, .rescheduled, .staged, .acknowledgedForDelivery, .atStore, .bagsVerified: return true
        default: return false
        }
    }
    public var canTip: Bool { self == .delivered }
}

public enum CancellationReason: String, Sendable, Codable {
    case customerDriven = "customer_driven"
    case instacartDriven = "instacart_driven"
    case retailerDriven = "retailer_driven"
    case shopperDriven = "shopper_driven"
    case unbatchable, other
}
