import Foundation

/// Local opening interval `[open, close)` in minutes after local midnight (close may be 1440 = 24:00).
public struct DailyHours: Sendable, Equatable, Codable {
    public var open: Int
    public var close: Int
    public init(open: Int, close: Int) {
        self.open = open
        self.close = close
    }
}

/// Hours per weekday, Monday first; nil = closed that day.
public struct WeeklyHours: Sendable, Equatable, Codable {
    public var days: [DailyHours?]
    public init(days: [DailyHours?]) {
        precondition(days.count == 7)
        self.days = days
    }
    public static func everyDay(_ h: DailyHours) -> WeeklyHours { WeeklyHours(days: Array(repeating: h, count: 7)) }
    public func on(_ date: CivilDate) -> DailyHours? { days[date.weekdayIndex] }
}

public enum Country: String, Sendable, Codable {
    case US, CA
    public var defaultLocale: LocaleTag { self == .US ? .enUS : .enCA }
}

/// Scopes a token can carry (§1.3), in their canonical output order.
public enum Scope: String, Sendable, Codable, CaseIterable {
    case fulfillment = "connect:fulfillment"
    case postCheckout = "connect:post_checkout"
    /// A project addition: the driver API (drivers are OAuth clients of their retailer with only this scope).
    case driver = "lastmile:driver"

    /// What a retailer's client gets unless its config narrows it.
    public static let retailerDefault: [Scope] = [.fulfillment, .postCheckout]
}

/// A retailer (tenant) and its settings (§2.0.1).
public struct Retailer: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    public var country: Country
    public var etaOptionsEnabled: Bool
    public var handoffTimeEnabled: Bool
    public var orderURLTemplate: String?
    public var redactShopperPII: Bool
    public var rateLimitPerSecond: Int
    /// Where and how status callbacks are sent (§3.1); nil = no callbacks.
    public var callbacks: CallbackConfig?

    public init(
        id: String,
        name: String,
        country: Country = .US,
        etaOptionsEnabled: Bool = false,
        handoffTimeEnabled: Bool = false,
        orderURLTemplate: String? = nil,
        redactShopperPII: Bool = false,
        rateLimitPerSecond: Int = 50
    ) {
        self.id = id
        self.name = name
        self.country = country
        self.etaOptionsEnabled = etaOptionsEnabled
        self.handoffTimeEnabled = handoffTimeEnabled
        self.orderURLTemplate = orderURLTemplate
        self.redactShopperPII = redactShopperPII
        self.rateLimitPerSecond = rateLimitPerSecond
    }

    /// The order page URL from the retailer's template, or nil.
    public func orderURL(orderID: String) -> String? {
        orderURLTemplate.map {
            $0.replacingOccurrences(
                of: "{order_id}",
                with: orderID.addingPercentEncoding(
                    withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#"))
                ) ?? orderID
            )
        }
    }

    /// §3.1: an event is produced only if the retailer has a callback URL and subscribes to it.
    public func subscribes(to event: CallbackEventName) -> Bool {
        guard let c = callbacks else { return false }
        return c.events?.contains(event) ?? true
    }
}

/// An OAuth client of a retailer as configured by the operator (the secret is hashed before storage).
public struct OAuthClientConfig: Sendable, Equatable {
    public var clientID: String
    public var clientSecret: String
    public var scopes: [Scope]
    public var enabled: Bool
    public init(clientID: String, clientSecret: String, scopes: [Scope] = Scope.retailerDefault, enabled: Bool = true) {
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.scopes = scopes
        self.enabled = enabled
    }
}

public struct StoreAddress: Sendable, Equatable, Codable {
    public var addressLine1: String
    public var addressLine2: String?
    public var city: String
    public var state: String
    public var postalCode: String
    public init(addressLine1: String, addressLine2: String? = nil, city: String, state: String, postalCode: String) {
        self.addressLine1 = addressLine1
        self.addressLine2 = addressLine2
        self.city = city
        self.state = state
        self.postalCode = postalCode
    }
}

/// A driver shift rule: weekly recurring in store-local time, or one dated interval.
public enum ShiftRule: Sendable, Equatable, Codable {
    /// `weekdays` 0 = Monday … 6 = Sunday; local minutes `[start, end)`, end may be 1440.
    case weekly(driverID: String, weekdays: [Int], start: Int, end: Int)
    case dated(driverID: String, start: Date, end: Date)

    public var driverID: String {
        switch self {
        case .weekly(let d, _, _, _), .dated(let d, _, _): return d
        }
    }
}

/// A store and every setting of §2.0.1.
public struct Store: Sendable, Equatable, Codable {
    public var retailerID: String
    public var locationCode: String
    public var name: String
    public var address: StoreAddress
    public var county: String
    public var point: GeoPoint
    public var timeZone: String
    public var active: Bool
    public var pickup: Bool
    public var pickupOnly: Bool
    public var alcohol: Bool
    public var alcoholHours: WeeklyHours?
    public var longDistanceDelivery: Bool
    public var deliveryHours: WeeklyHours
    public var immediateFiveHour: Bool
    public var schedulingHorizonDays: Int
    public var pickupDwellMinutes: Int
    public var dropoffDwellMinutes: Int
    /// How many commitments one trip may carry (1–10, default 3; §2.0.5). Nil in configurations stored before
    /// the setting existed, which get the default.
    public var maxOrdersPerTrip: Int?
    /// Longest time from leaving the store to a handoff in a trip of two or more (15–240, default 60).
    public var maxMinutesInVehicle: Int?
    public var shifts: [ShiftRule]
    /// Windows an operator closed in the console (issue 13): not offered, not booked; orders already in them
    /// keep them. Not part of the configuration document (a configuration reload must not reopen them): the
    /// engines attach them when they read the store.
    public var closedWindows: Set<DeliveryWindow> = []

    enum CodingKeys: String, CodingKey {
        case retailerID, locationCode, name, address, county, point, timeZone, active, pickup, pickupOnly, alcohol, alcoholHours
        case longDistanceDelivery, deliveryHours, immediateFiveHour, schedulingHorizonDays, pickupDwellMinutes, dropoffDwellMinutes
        case maxOrdersPerTrip, maxMinutesInVehicle, shifts
    }

    public init(
        retailerID: String,
        locationCode: String,
        name: String,
        address: StoreAddress,
        county: String,
        point: GeoPoint,
        timeZone: String,
        active: Bool = true,
        pickup: Bool = false,
        pickupOnly: Bool = false,
        alcohol: Bool = false,
        alcoholHours: WeeklyHours? = nil,
        longDistanceDelivery: Bool = false,
        deliveryHours: WeeklyHours,
        immediateFiveHour: Bool = false,
        schedulingHorizonDays: Int = 7,
        pickupDwellMinutes: Int = 5,
        dropoffDwellMinutes: Int = 5,
        maxOrdersPerTrip: Int? = nil,
        maxMinutesInVehicle: Int? = nil,
        shifts: [ShiftRule] = []
    ) {
        self.retailerID = retailerID
        self.locationCode = locationCode
        self.name = name
        self.address = address
        self.county = county
        self.point = point
        self.timeZone = timeZone
        self.active = active
        self.pickup = pickup
        self.pickupOnly = pickupOnly
        self.alcohol = alcohol
        self.alcoholHours = alcoholHours
        self.longDistanceDelivery = longDistanceDelivery
        self.deliveryHours = deliveryHours
        self.immediateFiveHour = immediateFiveHour
        self.schedulingHorizonDays = schedulingHorizonDays
        self.pickupDwellMinutes = pickupDwellMinutes
        self.dropoffDwellMinutes = dropoffDwellMinutes
        self.maxOrdersPerTrip = maxOrdersPerTrip
        self.maxMinutesInVehicle = maxMinutesInVehicle
        self.shifts = shifts
    }

    public static let defaultMaxOrdersPerTrip = 3
    public static let defaultMaxMinutesInVehicle = 60

    /// The store's trip model settings (§2.0.5).
    public var tripRules: TripRules {
        TripRules(
            pickupDwellMinutes: pickupDwellMinutes,
            dropoffDwellMinutes: dropoffDwellMinutes,
            maxOrdersPerTrip: maxOrdersPerTrip ?? Self.defaultMaxOrdersPerTrip,
            maxMinutesInVehicle: maxMinutesInVehicle ?? Self.defaultMaxMinutesInVehicle
        )
    }

    /// §2.0.1: exists, active, not pickup-only.
    public var isAvailableForLastMile: Bool { active && !pickupOnly }

    /// Alcohol hours default to the delivery hours.
    public var effectiveAlcoholHours: WeeklyHours { alcoholHours ?? deliveryHours }

    public var zone: LocalTimeZone { LocalTimeZone(identifier: timeZone) ?? LocalTimeZone(TimeZone(identifier: "UTC")!) }
}

/// Everything an operator config file declares.
public struct OperatorConfig: Sendable, Equatable {
    public struct RetailerEntry: Sendable, Equatable {
        public var retailer: Retailer
        public var clients: [OAuthClientConfig]
        public var stores: [Store]
        public init(retailer: Retailer, clients: [OAuthClientConfig], stores: [Store]) {
            self.retailer = retailer
            self.clients = clients
            self.stores = stores
        }
    }
    public var retailers: [RetailerEntry]
    /// Console accounts (issue 13).
    public var operators: [OperatorAccount]
    public init(retailers: [RetailerEntry], operators: [OperatorAccount] = []) {
        self.retailers = retailers
        self.operators = operators
    }
}

/// An operator's console account (issue 13): a bcrypt hash, and the retailers the operator may see.
public struct OperatorAccount: Sendable, Equatable {
    public var id: String
    public var passwordHash: String
    /// nil = every retailer.
    public var retailers: [String]?
    public var enabled: Bool

    public init(id: String, passwordHash: String, retailers: [String]?, enabled: Bool = true) {
        self.id = id
        self.passwordHash = passwordHash
        self.retailers = retailers
        self.enabled = enabled
    }

    public func mayView(retailerID: String) -> Bool { retailers?.contains(retailerID) ?? true }

    /// `$2a$` or `$2b$` (the verifier refuses `$2y$`), a cost of 10–31, and the 53 characters of salt and hash.
    public static func isAcceptedHash(_ hash: String) -> Bool {
        let b = Array(hash.utf8)
        guard b.count == 60, b[0] == UInt8(ascii: "$"), b[1] == UInt8(ascii: "2"), [UInt8(ascii: "a"), UInt8(ascii: "b")].contains(b[2]),
            b[3] == UInt8(ascii: "$"), b[6] == UInt8(ascii: "$"), let cost = Int(String(decoding: b[4..<6], as: UTF8.self)), (10...31).contains(cost)
        else { return false }
        let alphabet = Set("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)
        return b[7...].allSatisfy(alphabet.contains)
    }
}
