import Foundation

/// The callback event names of §3.6.
public enum CallbackEventName: String, Sendable, Codable, CaseIterable {
    case brandNew = "fulfillment.brand_new"
    case staged = "fulfillment.staged"
    case acknowledgedForDelivery = "fulfillment.acknowledged_for_delivery"
    case atStoreETA = "fulfillment.at_store_eta"
    case atStore = "fulfillment.at_store"
    case bagsVerified = "fulfillment.bags_verified"
    case delivering = "fulfillment.delivering"
    case orderLocation = "fulfillment.order_location"
    case lateDelivery = "fulfillment.late_delivery"
    case customerMissing = "fulfillment.customer_missing"
    case arrivalAtCustomer = "fulfillment.arrival_at_customer"
    case delivered = "fulfillment.delivered"
    case rescheduled = "fulfillment.rescheduled"
    case canceled = "fulfillment.canceled"
    case tipAdjustment = "fulfillment.tip_adjustment"
}

/// A retailer's callback settings (§3.1), managed by the operator in the config file.
public struct CallbackConfig: Sendable, Equatable, Codable {
    public var url: String
    /// nil = every event.
    public var events: [CallbackEventName]?
    public var tokenURL: String?
    public var clientID: String?
    public var clientSecret: String?
    public var scope: String?
    /// Up to two `whsec_…` secrets (rotation); every one active signs.
    public var signingSecrets: [String]

    public init(
        url: String,
        events: [CallbackEventName]? = nil,
        tokenURL: String? = nil,
        clientID: String? = nil,
        clientSecret: String? = nil,
        scope: String? = nil,
        signingSecrets: [String] = []
    ) {
        self.url = url
        self.events = events
        self.tokenURL = tokenURL
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.scope = scope
        self.signingSecrets = signingSecrets
    }

    /// The key bytes of a `whsec_` secret: Base64 of 24–64 bytes (§3.1); nil when malformed.
    public static func signingKey(_ secret: String) -> [UInt8]? {
        guard secret.hasPrefix("whsec_"), let data = Data(base64Encoded: String(secret.dropFirst(6))),
            (24...64).contains(data.count)
        else { return nil }
        return Array(data)
    }
}

/// A driver who uses the driver API: an OAuth client of the retailer with only the `lastmile:driver` scope.
public struct DriverAccount: Sendable, Equatable {
    public var id: String
    public var secret: String
    public var name: String
    public init(id: String, secret: String, name: String) {
        self.id = id
        self.secret = secret
        self.name = name
    }
}
