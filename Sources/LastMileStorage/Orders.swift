import Foundation
import LastMileCore

/// Which create endpoint made an order: F1/F1a (integrated) or H2 (dispatch); idempotency compares within a family.
public enum OrderFamily: String, Sendable, Codable { case integrated, dispatch }

/// A last-mile order as stored (§2.6.1).
public struct OrderRecord: Sendable, Equatable, Codable {
    /// Internal numeric id (capacity tie-break, foreign keys).
    public var id: Int64 = 0
    /// Incremented by every update; read from its column (the conditional update compares it).
    public var revision: Int64?
    public var retailerID: String
    public var orderID: String
    public var userID: String?
    public var family: OrderFamily
    /// The normalised create request, for idempotent repeats.
    public var fingerprint: String
    public var status: OrderStatus = .brandNew
    public var cancellationReason: CancellationReason?
    public var locationCode: String
    public var windowStart: Date
    public var windowEnd: Date
    public var handoffTime: Date?
    public var deliveredAt: Date?
    public var createdAt: Date
    public var locale: LocaleTag
    public var firstName: String
    public var lastName: String
    public var phone: String
    public var email: String?
    public var address: UserAddress
    public var destination: GeoPoint
    public var travelMinutes: Int
    public var tipAmountCents: Int64 = 0
    public var itemsCount: Int64
    public var bagsCount: Int64?
    public var itemsWeight: Double
    public var cartTotal: Double?
    public var bagLabel: String?
    public var alcoholic: Bool
    public var leaveUnattended: Bool
    public var specialInstructions: String?
    public var customerSMSOptOut: Bool
    public var withHandoffTime: Bool
    public var bagScanCodes: [String] = []
    public var holdID: Int64?
    /// The driver's last reported position (driver location endpoint, §2.8).
    public var driverLocation: GeoPoint?
    /// The order page URL at creation (`fulfillment.brand_new` metadata).
    public var orderURL: String?
    /// The driver who accepted the order (a driver account, a simulated driver or a sandbox shopper).
    public var driverID: String?
    /// The sandbox batch the order is in.
    public var batchID: Int64?
    /// The accepted trip's planned times.
    public var plan: TripPlan?
    /// Whether the order was ever staged (a rescheduled order may be accepted only then, §2.0.9).
    public var everStaged: Bool?
    /// When the last `fulfillment.order_location` was produced (at most one per 60 s).
    public var lastLocationEventAt: Date?
    /// The last announced arrival estimate (`late_delivery` repeats only when it moves).
    public var announcedLateEstimate: Date?
    /// When the driver reported arriving at the destination.
    public var arrivedAtCustomerAt: Date?
    /// Moved by the sandbox (batches, simulated rescheduling), which bypasses capacity: the service's own
    /// rescheduler leaves such orders alone.
    public var sandboxManaged: Bool?
    /// Accepted by a simulated driver (development mode), which moves it on.
    public var simulatedDriver: Bool?

    /// The driver an accepted order stays with, and until when it keeps them busy (§2.0.5), as stored in
    /// the `driver_id`/`busy_until` columns the capacity check reads.
    public var capacityAssignment: (driverID: String, busyUntil: Date)? {
        guard status.isWithDriver, let driverID, let back = plan?.returnAt ?? plan?.arrival else { return nil }
        return (driverID, back)
    }

    /// Books the window (and, when the order asked for one, the handoff time) a capacity check decided.
    public mutating func book(_ decision: BookingDecision) {
        windowStart = decision.window.start
        windowEnd = decision.window.end
        if withHandoffTime { handoffTime = decision.handoff.map(Timestamp.floorToSecond) }
    }

    /// The statuses drivers move orders out of: `staged` … `delivering`.
    public static let inFulfillment: [OrderStatus] = [.staged] + OrderStatus.allCases.filter(\.isWithDriver)

    /// Added to an order's internal id in capacity commitments so it never ties with a hold id (both
    /// engines use it, so the planner sees the same ids whichever runs).
    public static let commitmentIDOffset: Int64 = 1 << 48

    public init(
        retailerID: String,
        orderID: String,
        userID: String?,
        family: OrderFamily,
        fingerprint: String,
        locationCode: String,
        windowStart: Date,
        windowEnd: Date,
        createdAt: Date,
        locale: LocaleTag,
        firstName: String,
        lastName: String,
        phone: String,
        email: String?,
        address: UserAddress,
        destination: GeoPoint,
        travelMinutes: Int,
        itemsCount: Int64,
        itemsWeight: Double,
        alcoholic: Bool,
        leaveUnattended: Bool,
        customerSMSOptOut: Bool,
        withHandoffTime: Bool
    ) {
        self.retailerID = retailerID
        self.orderID = orderID
        self.userID = userID
        self.family = family
        self.fingerprint = fingerprint
        self.locationCode = locationCode
        self.windowStart = windowStart
        self.windowEnd = windowEnd
        self.createdAt = createdAt
        self.locale = locale
        self.firstName = firstName
        self.lastName = lastName
        self.phone = phone
        self.email = email
        self.address = address
        self.destination = destination
        self.travelMinutes = travelMinutes
        self.itemsCount = itemsCount
        self.itemsWeight = itemsWeight
        self.alcoholic = alcoholic
        self.leaveUnattended = leaveUnattended
        self.customerSMSOptOut = customerSMSOptOut
        self.withHandoffTime = withHandoffTime
    }
}

/// A status change or other order event, written in the same transaction as the change. When the
/// retailer subscribes to it (§3.1) the same row is the callback outbox entry: nothing is lost between
/// the change and its callback.
public struct OrderEvent: Sendable, Equatable {
    public var type: String
    public var occurredAt: Date
    /// `event_metadata` as JSON text (sorted keys), `order_id` included; frozen at creation so every retry
    /// sends a byte-identical body.
    public var metadata: String
    public init(type: String, occurredAt: Date, metadata: String = "{}") {
        self.type = type
        self.occurredAt = occurredAt
        self.metadata = metadata
    }
}

/// What a booking's capacity check decided inside the transaction: the window to book and the plan's
/// handoff time; nil when nothing fits.
public struct BookingDecision: Sendable, Equatable {
    public var window: DeliveryWindow
    public var handoff: Date?
    public init(window: DeliveryWindow, handoff: Date?) {
        self.window = window
        self.handoff = handoff
    }
}

public enum OrderUpdateOutcome: Sendable, Equatable {
    case updated(OrderRecord)
    /// The stored status was no longer the expected one.
    case statusChanged
    /// The capacity re-check failed.
    case full
}

public enum CreateOrderOutcome: Sendable, Equatable {
    case created(OrderRecord)
    /// An order with this `order_id` already exists (compare fingerprints for idempotency).
    case existing(OrderRecord)
    case holdNotFound
    case holdUsed
    case full
}
