import Foundation
import LastMileCore

/// An OAuth client as stored: the secret only as a SHA-256 hex digest.
public struct OAuthClientRecord: Sendable, Equatable {
    public var clientID: String
    public var retailerID: String
    public var secretHash: String
    public var scopes: [Scope]
    public var enabled: Bool
    public init(clientID: String, retailerID: String, secretHash: String, scopes: [Scope], enabled: Bool) {
        self.clientID = clientID
        self.retailerID = retailerID
        self.secretHash = secretHash
        self.scopes = scopes
        self.enabled = enabled
    }
}

/// An issued bearer token, stored by the SHA-256 hex digest of the token (the token itself is never stored).
public struct AccessTokenRecord: Sendable, Equatable {
    public var tokenHash: String
    public var clientID: String
    public var retailerID: String
    public var scopes: [Scope]
    public var issuedAt: Date
    public var expiresAt: Date
    public var revokedAt: Date?
    public init(tokenHash: String, clientID: String, retailerID: String, scopes: [Scope], issuedAt: Date, expiresAt: Date, revokedAt: Date? = nil) {
        self.tokenHash = tokenHash
        self.clientID = clientID
        self.retailerID = retailerID
        self.scopes = scopes
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
    }
}

/// The user's stored address (§2.2.1 UserAddress).
public struct UserAddress: Sendable, Equatable, Codable {
    public var addressLine1: String
    public var addressLine2: String?
    public var addressType: String?
    public var postalCode: String
    public var city: String?
    public var state: String?
    public init(addressLine1: String, addressLine2: String?, addressType: String?, postalCode: String, city: String?, state: String?) {
        self.addressLine1 = addressLine1
        self.addressLine2 = addressLine2
        self.addressType = addressType
        self.postalCode = postalCode
        self.city = city
        self.state = state
    }
}

public struct UserRecord: Sendable, Equatable {
    public var retailerID: String
    public var userID: String
    public var firstName: String?
    public var lastName: String?
    public var phoneNumber: String?
    public var email: String?
    public var locale: LocaleTag?
    public var address: UserAddress?
    public var createdAt: Date
    public init(
        retailerID: String,
        userID: String,
        firstName: String? = nil,
        lastName: String? = nil,
        phoneNumber: String? = nil,
        email: String? = nil,
        locale: LocaleTag? = nil,
        address: UserAddress? = nil,
        createdAt: Date
    ) {
        self.retailerID = retailerID
        self.userID = userID
        self.firstName = firstName
        self.lastName = lastName
        self.phoneNumber = phoneNumber
        self.email = email
        self.locale = locale
        self.address = address
        self.createdAt = createdAt
    }
}

/// A service option listed by D2 and stored so it can be reserved (§2.0.7).
public struct StoredServiceOption: Sendable, Equatable {
    public var id: Int64
    public var retailerID: String
    public var userID: String
    public var locationCode: String
    public var type: ServiceOptionType
    public var windowStart: Date
    public var windowEnd: Date
    public var immediateHour: Int?
    public var date: CivilDate
    public var handoffTime: Date?
    public var available: Bool
    public var reasons: [String]
    public var alcoholic: Bool
    public var destination: GeoPoint
    public var travelMinutes: Int
    public var listedAt: Date
    public var cartTotalCents: Int64?
    public var itemsCount: Int64?
    public var unitsCount: Double?

    public init(
        id: Int64,
        retailerID: String,
        userID: String,
        locationCode: String,
        type: ServiceOptionType,
        windowStart: Date,
        windowEnd: Date,
        immediateHour: Int?,
        date: CivilDate,
        handoffTime: Date?,
        available: Bool,
        reasons: [String],
        alcoholic: Bool,
        destination: GeoPoint,
        travelMinutes: Int,
        listedAt: Date,
        cartTotalCents: Int64?,
        itemsCount: Int64?,
        unitsCount: Double?
    ) {
        self.id = id
        self.retailerID = retailerID
        self.userID = userID
        self.locationCode = locationCode
        self.type = type
        self.windowStart = windowStart
        self.windowEnd = windowEnd
        self.immediateHour = immediateHour
        self.date = date
        self.handoffTime = handoffTime
        self.available = available
        self.reasons = reasons
        self.alcoholic = alcoholic
        self.destination = destination
        self.travelMinutes = travelMinutes
        self.listedAt = listedAt
        self.cartTotalCents = cartTotalCents
        self.itemsCount = itemsCount
        self.unitsCount = unitsCount
    }

    /// §2.0.7: live until listing + 30 minutes and, for scheduled options, until the window starts.
    public var liveUntil: Date {
        let byAge = listedAt.addingTimeInterval(30 * 60)
        return type == .scheduled ? min(byAge, windowStart) : byAge
    }

    public func isLive(at now: Date) -> Bool { now < liveUntil }

    /// The window this option books at `now` (§2.6.1).
    public func bookedWindow(at now: Date) -> DeliveryWindow {
        BookedWindow.of(type: type, listed: DeliveryWindow(start: windowStart, end: windowEnd), immediateHours: immediateHour, now: now)
    }

    public var reference: ServiceOptionReference {
        type == .immediate
            ? ServiceOptionReference(id: id, locationCode: locationCode, type: type, immediateHour: immediateHour)
            : ServiceOptionReference(id: id, locationCode: locationCode, type: type, start: windowStart, end: windowEnd)
    }
}
