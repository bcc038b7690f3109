import Foundation
import LastMileCore

/// Builds the events of §3.6 with their metadata from an order, so every producer (API, drivers, sandbox,
/// storage engines) writes the same shapes.
public enum CallbackEvents {
    public static func make(_ name: CallbackEventName, _ order: OrderRecord, at: Date, _ extra: [String: JSONValue] = [:]) -> OrderEvent {
        var meta = extra
        meta["order_id"] = .string(order.orderID)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let text = (try? encoder.encode(JSONValue.object(meta))).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return OrderEvent(type: name.rawValue, occurredAt: Timestamp.floorToSecond(at), metadata: text)
    }

    public static func time(_ d: Date) -> JSONValue { .string(Timestamp.format(d)) }
    public static func window(_ start: Date, _ end: Date) -> JSONValue { .object(["starts_at": time(start), "ends_at": time(end)]) }
    static func optional(_ s: String?) -> JSONValue { s.map(JSONValue.string) ?? .null }

    public static func brandNew(_ o: OrderRecord, at: Date) -> OrderEvent {
        make(
            .brandNew,
            o,
            at: at,
            [
                "order_url": optional(o.orderURL), "store_location": .string(o.locationCode),
                "delivery_window": window(o.windowStart, o.windowEnd),
            ]
        )
    }
    public static func staged(_ o: OrderRecord, at: Date) -> OrderEvent {
        make(
            .staged,
            o,
            at: at,
            [
                "store_location": .string(o.locationCode), "bag_label": optional(o.bagLabel),
                "bags_count": o.bagsCount.map(JSONValue.integer) ?? .null,
            ]
        )
    }
    public static func acknowledged(_ o: OrderRecord, at: Date) -> OrderEvent {
        make(.acknowledgedForDelivery, o, at: at, ["store_location": .string(o.locationCode), "delivery_window": window(o.windowStart, o.windowEnd)])
    }
    public static func atStoreETA(_ o: OrderRecord, eta: Date, at: Date) -> OrderEvent {
        make(.atStoreETA, o, at: at, ["store_location": .string(o.locationCode), "eta": time(eta), "bag_label": optional(o.bagLabel)])
    }
    public static func atStore(_ o: OrderRecord, at: Date) -> OrderEvent { make(.atStore, o, at: at, ["store_location": .string(o.locationCode)]) }
    public static func bagsVerified(_ o: OrderRecord, at: Date) -> OrderEvent {
        make(.bagsVerified, o, at: at, ["bags_count": o.bagsCount.map(JSONValue.integer) ?? .null])
    }
    public static func delivering(_ o: OrderRecord, eta: Date, at: Date) -> OrderEvent {
        make(.delivering, o, at: at, ["delivery_window": window(o.windowStart, o.windowEnd), "eta": time(eta)])
    }
    public static func location(_ o: OrderRecord, _ p: GeoPoint, recordedAt: Date, at: Date) -> OrderEvent {
        make(
            .orderLocation,
            o,
            at: at,
            [
                "coordinates": .object(["latitude": .number(p.latitude), "longitude": .number(p.longitude)]),
                "recorded_at": time(recordedAt),
            ]
        )
    }
    public static func late(_ o: OrderRecord, start: Date, end: Date, at: Date) -> OrderEvent {
        make(.lateDelivery, o, at: at, ["new_window": window(start, end)])
    }
    public static func delivered(_ o: OrderRecord, at: Date) -> OrderEvent {
        make(.delivered, o, at: at, ["delivered_at": time(o.deliveredAt ?? at)])
    }
    public static func rescheduled(_ o: OrderRecord, previousStart: Date, previousEnd: Date, at: Date) -> OrderEvent {
        make(.rescheduled, o, at: at, ["new_window": window(o.windowStart, o.windowEnd), "previous_window": window(previousStart, previousEnd)])
    }
    public static func canceled(_ o: OrderRecord, at: Date) -> OrderEvent {
        make(.canceled, o, at: at, ["cancellation_reason": .string((o.cancellationReason ?? .other).rawValue)])
    }
    public static func tip(_ o: OrderRecord, previous: Int64, at: Date) -> OrderEvent {
        make(.tipAdjustment, o, at: at, ["tip_amount_cents": .integer(o.tipAmountCents), "previous_tip_amount_cents": .integer(previous)])
    }
}

/// One callback waiting in the outbox (or already delivered), as the delivery worker and the operator see it.
public struct CallbackDelivery: Sendable, Equatable {
    public enum State: String, Sendable { case pending, delivered, failed }
    /// Internal row id; the public `event_id` is `eventIDBase + rowID`.
    public var rowID: Int64
    public var retailerID: String
    public var orderID: String
    public var name: String
    public var occurredAt: Date
    public var metadata: String
    public var state: State
    public var attempts: Int
    public var firstAttemptAt: Date?
    public var nextAttemptAt: Date?
    public var lastResult: String?
    /// The lease this worker holds (wall clock): recording an attempt requires it still.
    public var leaseUntil: Date?

    /// Event ids exceed 2^53 (§3.5 says they may), so receivers that parse them as doubles fail early.
    public static let eventIDBase: Int64 = 1_874_400_000_000_000_000

    /// The row id of a public `event_id`; nil when no row can have that id.
    public static func rowID(eventID: Int64) -> Int64? {
        let (row, overflow) = eventID.subtractingReportingOverflow(eventIDBase)
        return overflow || row <= 0 ? nil : row
    }
    public var eventID: Int64 { Self.eventIDBase + rowID }

    public init(
        rowID: Int64,
        retailerID: String,
        orderID: String,
        name: String,
        occurredAt: Date,
        metadata: String,
        state: State,
        attempts: Int,
        firstAttemptAt: Date?,
        nextAttemptAt: Date?,
        lastResult: String?,
        leaseUntil: Date? = nil
    ) {
        self.rowID = rowID
        self.retailerID = retailerID
        self.orderID = orderID
        self.name = name
        self.occurredAt = occurredAt
        self.metadata = metadata
        self.state = state
        self.attempts = attempts
        self.firstAttemptAt = firstAttemptAt
        self.nextAttemptAt = nextAttemptAt
        self.lastResult = lastResult
        self.leaseUntil = leaseUntil
    }

    /// The envelope of §3.5, byte-identical on every retry (built only from stored values).
    public var body: String {
        let name = String(decoding: (try? JSONEncoder().encode(self.name)) ?? Data(), as: UTF8.self)
        return
            "{\"event_id\":\(eventID),\"event_name\":\(name),\"event_timestamp\":\"\(Timestamp.format(occurredAt))\",\"event_metadata\":\(metadata)}"
    }
}

/// The result of one delivery attempt, recorded in the delivery log.
public struct CallbackAttempt: Sendable, Equatable {
    public enum Next: Sendable, Equatable {
        case delivered
        case retry(at: Date)
        case abandon
    }
    public var rowID: Int64
    public var at: Date
    public var statusCode: Int?
    public var error: String?
    public var durationMilliseconds: Int
    public var next: Next
    /// The lease the attempt was made under; a record whose lease was lost (expired and taken by another
    /// worker, or reset by a resend) changes nothing.
    public var leaseUntil: Date?
    public init(rowID: Int64, at: Date, statusCode: Int?, error: String?, durationMilliseconds: Int, next: Next, leaseUntil: Date? = nil) {
        self.rowID = rowID
        self.at = at
        self.statusCode = statusCode
        self.error = error
        self.durationMilliseconds = durationMilliseconds
        self.next = next
        self.leaseUntil = leaseUntil
    }
    public var summary: String { statusCode.map { "HTTP \($0)" } ?? (error ?? "error") }

    /// The stored form of `next`: callback state, next attempt time, attempt outcome.
    public static func columns(_ next: Next) -> (state: String, nextAttemptAt: Date?, outcome: String) {
        switch next {
        case .delivered: return ("delivered", nil, "delivered")
        case .retry(let at): return ("pending", at, "retry")
        case .abandon: return ("failed", nil, "abandoned")
        }
    }
}

/// A sandbox test driver (§4.2).
public struct ShopperRecord: Sendable, Equatable {
    public var id: Int64
    public var retailerID: String
    public var email: String?
    public var phone: String?
    public init(id: Int64, retailerID: String, email: String?, phone: String?) {
        self.id = id
        self.retailerID = retailerID
        self.email = email
        self.phone = phone
    }
}

/// A sandbox batch's workflow state (§4.1), in order.
public enum BatchState: String, Sendable, CaseIterable, Comparable {
    case brandNew = "brand_new"
    case acknowledgedForDelivery = "acknowledged_for_delivery"
    case atStore = "at_store"
    case bagsVerified = "bags_verified"
    case delivering
    case completed

    public static func < (a: BatchState, b: BatchState) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// A sandbox batch (§4.3): a test driver and up to ten orders moving together through the batch states.
public struct BatchRecord: Sendable, Equatable {
    public var id: Int64
    public var retailerID: String
    public var shopperID: Int64
    public var state: BatchState
    public var orderIDs: [String]
    public init(id: Int64, retailerID: String, shopperID: Int64, state: BatchState, orderIDs: [String]) {
        self.id = id
        self.retailerID = retailerID
        self.shopperID = shopperID
        self.state = state
        self.orderIDs = orderIDs
    }
}

/// Where a new SQLite database starts numbering its events (its `v5-event-epoch` migration; PostgreSQL's
/// draws from the same range in SQL).
public enum EventEpoch {
    /// A random multiple of 2^32 from 2^32 to 2^62: with `eventIDBase` every event_id stays below Int64.max
    /// and above 2^53, and two databases collide with probability 2^-30.
    public static func randomStart() -> Int64 {
        Int64.random(in: 1...(1 << 30)) << 32
    }
}
