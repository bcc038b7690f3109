import Foundation
import LastMileCore

// One definition per stored row, shared by both engines. Each row type mirrors its table: the property
// names are the column names, and the property types say how a column is stored:
// - `Date`: an instant (SQLite REAL seconds since 1970, PostgreSQL `timestamptz`);
// - `[String]`: a list (SQLite JSON text, PostgreSQL `text[]`);
// - `Retailer`, `Store`, `UserAddress`, `OrderRecord`: a JSON document (SQLite JSON text, PostgreSQL `jsonb`);
// - `String`, `Int64`, `Double`, `Bool` and their optionals as themselves.
// Engines decode and encode rows through `Codable` (GRDB's records; the PostgreSQL engine's row coder);
// each row converts to and from its domain record here, once.

/// `retailers`: the retailer's configuration, and the callback events it subscribes to (nil = none, `*` = all).
public struct RetailerRow: Codable, Sendable {
    public static let table = "retailers"
    public var id: String
    public var config: Retailer
    public var callback_events: [String]?

    public init(_ r: Retailer) {
        id = r.id
        config = r
        callback_events = r.callbacks.map { c in c.events.map { $0.map(\.rawValue) } ?? ["*"] }
    }
}

/// `stores`
public struct StoreRow: Codable, Sendable {
    public static let table = "stores"
    public var retailer_id: String
    public var location_code: String
    public var config: Store

    public init(_ s: Store) {
        retailer_id = s.retailerID
        location_code = s.locationCode
        config = s
    }
}

/// `oauth_clients`
public struct OAuthClientRow: Codable, Sendable {
    public static let table = "oauth_clients"
    public var client_id: String
    public var retailer_id: String
    public var secret_hash: String
    public var scopes: [String]
    public var enabled: Bool

    public init(_ c: OAuthClientRecord) {
        client_id = c.clientID
        retailer_id = c.retailerID
        secret_hash = c.secretHash
        scopes = c.scopes.map(\.rawValue)
        enabled = c.enabled
    }

    /// A configured client of `retailerID`: the secret kept only as its SHA-256 digest.
    public init(_ c: OAuthClientConfig, retailerID: String) {
        self.init(
            OAuthClientRecord(
                clientID: c.clientID,
                retailerID: retailerID,
                secretHash: SecretHash.hex(c.clientSecret),
                scopes: c.scopes,
                enabled: c.enabled
            )
        )
    }

    public var record: OAuthClientRecord {
        OAuthClientRecord(
            clientID: client_id,
            retailerID: retailer_id,
            secretHash: secret_hash,
            scopes: scopes.compactMap(Scope.init(rawValue:)),
            enabled: enabled
        )
    }
}

/// `access_tokens`
public struct AccessTokenRow: Codable, Sendable {
    public static let table = "access_tokens"
    public var token_hash: String
    public var client_id: String
    public var retailer_id: String
    public var scopes: [String]
    public var issued_at: Date
    public var expires_at: Date
    public var revoked_at: Date?

    public init(_ t: AccessTokenRecord) {
        token_hash = t.tokenHash
        client_id = t.clientID
        retailer_id = t.retailerID
        scopes = t.scopes.map(\.rawValue)
        issued_at = t.issuedAt
        expires_at = t.expiresAt
        revoked_at = t.revokedAt
    }

    public var record: AccessTokenRecord {
        AccessTokenRecord(
            tokenHash: token_hash,
            clientID: client_id,
            retailerID: retailer_id,
            scopes: scopes.compactMap(Scope.init(rawValue:)),
            issuedAt: issued_at,
            expiresAt: expires_at,
            revokedAt: revoked_at
        )
    }
}

/// `users`
public struct UserRow: Codable, Sendable {
    public static let table = "users"
    public var retailer_id: String
    public var user_id: String
    public var first_name: String?
    public var last_name: String?
    public var phone_number: String?
    public var email: String?
    public var locale: String?
    public var address: UserAddress?
    public var created_at: Date

    public init(_ u: UserRecord) {
        retailer_id = u.retailerID
        user_id = u.userID
        first_name = u.firstName
        last_name = u.lastName
        phone_number = u.phoneNumber
        email = u.email
        locale = u.locale?.rawValue
        address = u.address
        created_at = u.createdAt
    }

    public var record: UserRecord {
        UserRecord(
            retailerID: retailer_id,
            userID: user_id,
            firstName: first_name,
            lastName: last_name,
            phoneNumber: phone_number,
            email: email,
            locale: locale.flatMap(LocaleTag.init(rawValue:)),
            address: address,
            createdAt: created_at
        )
    }
}

/// `service_options`: listed options, kept so they can be reserved (§2.0.7).
public struct ServiceOptionRow: Codable, Sendable {
    public static let table = "service_options"
    public var id: Int64
    public var retailer_id: String
    public var user_id: String
    public var location_code: String
    public var type: String
    public var window_start: Date
    public var window_end: Date
    public var immediate_hour: Int64?
    /// The store-local civil date, as the API prints it (`2026-11-23`).
    public var local_date: String
    public var handoff_time: Date?
    public var available: Bool
    public var reasons: [String]
    public var alcoholic: Bool
    public var dest_latitude: Double
    public var dest_longitude: Double
    public var travel_minutes: Int64
    public var listed_at: Date
    public var cart_total_cents: Int64?
    public var items_count: Int64?
    public var units_count: Double?

    public init(_ o: StoredServiceOption) {
        id = o.id
        retailer_id = o.retailerID
        user_id = o.userID
        location_code = o.locationCode
        type = o.type.rawValue
        window_start = o.windowStart
        window_end = o.windowEnd
        immediate_hour = o.immediateHour.map(Int64.init)
        local_date = o.date.description
        handoff_time = o.handoffTime
        available = o.available
        reasons = o.reasons
        alcoholic = o.alcoholic
        dest_latitude = o.destination.latitude
        dest_longitude = o.destination.longitude
        travel_minutes = Int64(o.travelMinutes)
        listed_at = o.listedAt
        cart_total_cents = o.cartTotalCents
        items_count = o.itemsCount
        units_count = o.unitsCount
    }

    public var record: StoredServiceOption {
        StoredServiceOption(
            id: id,
            retailerID: retailer_id,
            userID: user_id,
            locationCode: location_code,
            type: ServiceOptionType(rawValue: type) ?? .scheduled,
            windowStart: window_start,
            windowEnd: window_end,
            immediateHour: immediate_hour.map(Int.init),
            date: CivilDate(local_date) ?? CivilDate(year: 1970, month: 1, day: 1),
            handoffTime: handoff_time,
            available: available,
            reasons: reasons,
            alcoholic: alcoholic,
            destination: GeoPoint(latitude: dest_latitude, longitude: dest_longitude),
            travelMinutes: Int(travel_minutes),
            listedAt: listed_at,
            cartTotalCents: cart_total_cents,
            itemsCount: items_count,
            unitsCount: units_count
        )
    }
}

/// `holds` (§2.0.8). `id` is nil until the database numbers a new hold.
public struct HoldRow: Codable, Sendable {
    public static let table = "holds"
    public var id: Int64?
    public var retailer_id: String
    public var user_id: String
    public var service_option_id: Int64
    public var location_code: String
    public var window_start: Date
    public var window_end: Date
    public var dest_latitude: Double
    public var dest_longitude: Double
    public var travel_minutes: Int64
    public var created_at: Date
    public var expires_at: Date
    public var status: String

    public init(_ h: HoldRecord) {
        id = h.id == 0 ? nil : h.id
        retailer_id = h.retailerID
        user_id = h.userID
        service_option_id = h.serviceOptionID
        location_code = h.locationCode
        window_start = h.windowStart
        window_end = h.windowEnd
        dest_latitude = h.destination.latitude
        dest_longitude = h.destination.longitude
        travel_minutes = Int64(h.travelMinutes)
        created_at = h.createdAt
        expires_at = h.expiresAt
        status = h.status.rawValue
    }

    public var record: HoldRecord {
        HoldRecord(
            id: id ?? 0,
            retailerID: retailer_id,
            userID: user_id,
            serviceOptionID: service_option_id,
            locationCode: location_code,
            windowStart: window_start,
            windowEnd: window_end,
            destination: GeoPoint(latitude: dest_latitude, longitude: dest_longitude),
            travelMinutes: Int(travel_minutes),
            createdAt: created_at,
            expiresAt: expires_at,
            status: HoldRecord.Status(rawValue: status) ?? .released
        )
    }
}

/// `orders`: the order as one document, and the columns queries and the capacity check read. `revision`
/// counts updates (the conditional update compares it); `driver_id`/`busy_until` keep an accepted order
/// with its driver in the capacity check (§2.0.5).
public struct OrderRow: Codable, Sendable {
    public static let table = "orders"
    public var id: Int64?
    public var retailer_id: String
    public var order_id: String
    public var user_id: String?
    public var location_code: String
    public var status: String
    public var window_start: Date
    public var window_end: Date
    public var travel_minutes: Int64
    public var created_at: Date
    public var data: OrderRecord
    public var revision: Int64
    public var driver_id: String?
    public var busy_until: Date?
    /// The address point, as a column so the capacity check reads it without decoding `data` (§2.0.5).
    public var dest_latitude: Double
    public var dest_longitude: Double

    public init(_ o: OrderRecord) {
        id = o.id == 0 ? nil : o.id
        retailer_id = o.retailerID
        order_id = o.orderID
        user_id = o.userID
        location_code = o.locationCode
        status = o.status.rawValue
        window_start = o.windowStart
        window_end = o.windowEnd
        travel_minutes = Int64(o.travelMinutes)
        created_at = o.createdAt
        data = o
        revision = o.revision ?? 0
        driver_id = o.capacityAssignment?.driverID
        busy_until = o.capacityAssignment?.busyUntil
        dest_latitude = o.destination.latitude
        dest_longitude = o.destination.longitude
    }

    public var record: OrderRecord {
        var o = data
        o.id = id ?? 0
        o.revision = revision
        return o
    }
}

/// The columns of `holds` and `orders` a capacity check reads (orders add their status and driver).
public struct CommitmentRow: Codable, Sendable {
    public var id: Int64
    public var created_at: Date
    public var window_start: Date
    public var window_end: Date
    public var travel_minutes: Int64
    public var dest_latitude: Double
    public var dest_longitude: Double
    public var status: String?
    public var driver_id: String?
    public var busy_until: Date?

    public init(
        id: Int64,
        created_at: Date,
        window_start: Date,
        window_end: Date,
        travel_minutes: Int64,
        dest_latitude: Double,
        dest_longitude: Double,
        status: String? = nil,
        driver_id: String? = nil,
        busy_until: Date? = nil
    ) {
        self.id = id
        self.created_at = created_at
        self.window_start = window_start
        self.window_end = window_end
        self.travel_minutes = travel_minutes
        self.dest_latitude = dest_latitude
        self.dest_longitude = dest_longitude
        self.status = status
        self.driver_id = driver_id
        self.busy_until = busy_until
    }

    /// Hold ids as they are; order ids offset by `OrderRecord.commitmentIDOffset` so the two never tie.
    public func commitment(isOrder: Bool, now: Date) -> Commitment {
        var c = Commitment(
            id: id + (isOrder ? OrderRecord.commitmentIDOffset : 0),
            createdAt: created_at,
            windowStart: window_start,
            windowEnd: window_end,
            travelMinutes: Int(travel_minutes),
            destination: GeoPoint(latitude: dest_latitude, longitude: dest_longitude)
        )
        if isOrder, let status, let driver_id, let busy_until, OrderStatus(rawValue: status)?.isWithDriver == true {
            c.assignment = Commitment.Assignment(driverID: driver_id, busyUntil: max(busy_until, now))
        }
        return c
    }

    /// The columns to select.
    public static let holdColumns = "id, created_at, window_start, window_end, travel_minutes, dest_latitude, dest_longitude"
    public static let orderColumns =
        "id, created_at, window_start, window_end, travel_minutes, dest_latitude, dest_longitude, status, driver_id, busy_until"
}

/// `order_events`: every event of an order, and the callback outbox (§3): a subscribed event is `pending`
/// from the transaction that changed the order. `metadata` is the exact JSON text every retry sends (a
/// document would be re-serialised, and the body is signed).
public struct OrderEventRow: Codable, Sendable {
    public static let table = "order_events"
    public var id: Int64
    public var retailer_id: String
    public var order_id: String
    public var type: String
    public var occurred_at: Date
    public var metadata: String
    public var callback_state: String
    public var attempts: Int64
    public var first_attempt_at: Date?
    public var next_attempt_at: Date?
    public var lease_until: Date?
    public var last_result: String?

    public var event: OrderEvent { OrderEvent(type: type, occurredAt: occurred_at, metadata: metadata) }

    public var delivery: CallbackDelivery {
        CallbackDelivery(
            rowID: id,
            retailerID: retailer_id,
            orderID: order_id,
            name: type,
            occurredAt: occurred_at,
            metadata: metadata,
            state: CallbackDelivery.State(rawValue: callback_state) ?? .pending,
            attempts: Int(attempts),
            firstAttemptAt: first_attempt_at,
            nextAttemptAt: next_attempt_at,
            lastResult: last_result,
            leaseUntil: lease_until
        )
    }
}

/// `callback_attempts`: the delivery log.
public struct CallbackAttemptRow: Codable, Sendable {
    public static let table = "callback_attempts"
    public var id: Int64?
    public var event_row_id: Int64
    public var attempted_at: Date
    public var status_code: Int64?
    public var error: String?
    public var duration_ms: Int64
    public var outcome: String

    public init(_ a: CallbackAttempt) {
        event_row_id = a.rowID
        attempted_at = a.at
        status_code = a.statusCode.map(Int64.init)
        error = a.error
        duration_ms = Int64(a.durationMilliseconds)
        outcome = CallbackAttempt.columns(a.next).outcome
    }

    public var record: CallbackAttempt {
        let next: CallbackAttempt.Next =
            switch outcome {
            case "delivered": .delivered
            case "retry": .retry(at: attempted_at)
            default: .abandon
            }
        return CallbackAttempt(
            rowID: event_row_id,
            at: attempted_at,
            statusCode: status_code.map(Int.init),
            error: error,
            durationMilliseconds: Int(duration_ms),
            next: next
        )
    }
}

/// `shoppers`: sandbox test drivers (§4.2).
public struct ShopperRow: Codable, Sendable {
    public static let table = "shoppers"
    public var id: Int64?
    public var retailer_id: String
    public var email: String?
    public var phone: String?

    public init(retailerID: String, email: String?, phone: String?) {
        retailer_id = retailerID
        self.email = email
        self.phone = phone
    }

    public var record: ShopperRecord { ShopperRecord(id: id ?? 0, retailerID: retailer_id, email: email, phone: phone) }
}

/// `batches`: sandbox batches (§4.3).
public struct BatchRow: Codable, Sendable {
    public static let table = "batches"
    public var id: Int64?
    public var retailer_id: String
    public var shopper_id: Int64
    public var state: String
    public var order_ids: [String]

    public init(retailerID: String, shopperID: Int64, orderIDs: [String]) {
        retailer_id = retailerID
        shopper_id = shopperID
        state = BatchState.brandNew.rawValue
        order_ids = orderIDs
    }

    public var record: BatchRecord {
        BatchRecord(
            id: id ?? 0,
            retailerID: retailer_id,
            shopperID: shopper_id,
            state: BatchState(rawValue: state) ?? .completed,
            orderIDs: order_ids
        )
    }
}
