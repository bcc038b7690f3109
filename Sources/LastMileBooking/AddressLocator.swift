import Foundation
import LastMileCore
import LastMileStorage

/// A delivery address as sent in B2, C1, D2 and orders, after validation.
public struct AddressFields: Equatable, Sendable {
    public var line1: String
    public var line2: String?
    public var type: String?
    public var postalCode: String
    public var city: String?
    public var state: String?

    public init(line1: String, line2: String? = nil, type: String? = nil, postalCode: String, city: String? = nil, state: String? = nil) {
        self.line1 = line1
        self.line2 = line2
        self.type = type
        self.postalCode = postalCode
        self.city = city
        self.state = state
    }
}

/// §2.0.2 geocoding through the postal-code directory, and the retailer's last-mile stores.
public struct AddressLocator: Sendable {
    let storage: any Storage
    let directory: PostalDirectory
    let estimator: DeliveryEstimator

    public struct Located: Sendable {
        public var point: GeoPoint
        public var city: String
        public var county: String
        public var state: String
    }

    public func locate(postalCode: String) -> Located? {
        guard let e = directory.lookup(postalCode) else { return nil }
        return Located(point: e.point, city: e.city, county: e.county, state: e.state)
    }

    public func locate(_ a: AddressFields) -> Located? { locate(postalCode: a.postalCode) }

    /// The path's user of a user-scoped endpoint; a malformed or unknown id is `400 User Not Found` (§1.7).
    public func requireUser(retailerID: String, userID: String) async throws -> UserRecord {
        try requireValidUserID(userID)
        guard let user = try await storage.user(retailerID: retailerID, userID: userID)
        else { throw ServiceError.userNotFound }
        return user
    }

    /// A user id that cannot name a stored user is not found, without a read.
    public func requireValidUserID(_ userID: String) throws {
        guard FieldRules.isValidIdentifier(userID) else { throw ServiceError.userNotFound }
    }

    /// §2.0.2 outcomes 1–4 as the endpoint's errors; `areaKey` is `address` (or the endpoint's own key).
    /// Returns the travel minutes and the long-distance flag of a deliverable address.
    public func requireDeliverable(_ outcome: Deliverability, areaKey: String) throws -> (travelMinutes: Int, longDistance: Bool) {
        switch outcome {
        case .deliverable(let t, let ld): return (t, ld)
        case .cannotLocate: throw ServiceError.badRequest(Deliverability.cannotLocateMessage, key: nil)
        case .cannotDeliverToArea: throw ServiceError.badRequest(Deliverability.cannotDeliverMessage, key: areaKey)
        case .outsideStoreRange: throw ServiceError.badRequest(Deliverability.outsideStoreMessage, key: areaKey)
        }
    }

    /// An address located and checked against `store` (§2.0.2, errors keyed `areaKey`) among the retailer's
    /// last-mile stores (read when not given): the point, the trip's travel minutes and the long-distance flag.
    public func requireDeliverable(
        _ address: AddressFields,
        to store: Store,
        among lastMileStores: [Store]? = nil,
        areaKey: String = "address"
    ) async throws
        -> (located: Located, travelMinutes: Int, longDistance: Bool)
    {
        let located = locate(address)
        let stores: [Store]
        if let lastMileStores { stores = lastMileStores } else { stores = try await self.lastMileStores(retailerID: store.retailerID) }
        let outcome = AddressClassifier.classify(
            point: located?.point,
            lines: [address.line1, address.line2],
            stores: stores,
            requested: store,
            estimator: estimator
        )
        let (travel, longDistance) = try requireDeliverable(outcome, areaKey: areaKey)
        guard let located else { throw ServiceError.internalError }  // deliverable implies located
        return (located, travel, longDistance)
    }

    /// Active, non-pickup-only stores.
    public func lastMileStores(retailerID: String) async throws -> [Store] {
        try await storage.stores(retailerID: retailerID).filter(\.isAvailableForLastMile)
    }

    /// The customer's city (as sent, else the directory's) and county (always the directory's) for R2.
    public func locality(city: String?, located: Located?) -> CustomerLocality {
        CustomerLocality(city: city ?? located?.city, county: located?.county)
    }
}
