import Foundation
import LastMileCore
import LastMileStorage

/// §2.0.2 geocoding through the postal-code directory, and the retailer's last-mile stores.
struct AddressLocator: Sendable {
    let service: LastMileService

    struct Located: Sendable {
        var point: GeoPoint
        var city: String
        var county: String
        var state: String
    }

    func locate(postalCode: String) -> Located? {
        guard let e = service.directory.lookup(postalCode) else { return nil }
        return Located(point: e.point, city: e.city, county: e.county, state: e.state)
    }

    func locate(_ a: AddressFields) -> Located? { locate(postalCode: a.postalCode) }

    /// The path's user of a user-scoped endpoint; a malformed or unknown id is `400 User Not Found` (§1.7).
    func requireUser(retailerID: String, userID: String) async throws -> UserRecord {
        guard FieldRules.isValidIdentifier(userID), let user = try await service.storage.user(retailerID: retailerID, userID: userID)
        else { throw ServiceError.userNotFound }
        return user
    }

    /// §2.0.2 outcomes 1–4 as the endpoint's errors; `areaKey` is `address` (or the endpoint's own key).
    /// Returns the travel minutes and the long-distance flag of a deliverable address.
    func requireDeliverable(_ outcome: Deliverability, areaKey: String) throws -> (travelMinutes: Int, longDistance: Bool) {
        switch outcome {
        case .deliverable(let t, let ld): return (t, ld)
        case .cannotLocate: throw ServiceError.badRequest(Deliverability.cannotLocateMessage, key: nil)
        case .cannotDeliverToArea: throw ServiceError.badRequest(Deliverability.cannotDeliverMessage, key: areaKey)
        case .outsideStoreRange: throw ServiceError.badRequest(Deliverability.outsideStoreMessage, key: areaKey)
        }
    }

    /// An order's address (F1, H2) located and checked against `store` (§2.0.2, errors keyed `address`):
    /// the point and the trip's travel minutes.
    func requireDeliverable(_ address: AddressFields, to store: Store, retailerID: String) async throws -> (located: Located, travelMinutes: Int) {
        let located = locate(address)
        let outcome = AddressClassifier.classify(point: located?.point, lines: [address.line1, address.line2],
                                                 stores: try await lastMileStores(retailerID: retailerID), requested: store,
                                                 estimator: service.estimator)
        let travel = try requireDeliverable(outcome, areaKey: "address").travelMinutes
        guard let located else { throw ServiceError.internalError } // deliverable implies located
        return (located, travel)
    }

    /// Active, non-pickup-only stores.
    func lastMileStores(retailerID: String) async throws -> [Store] {
        try await service.storage.stores(retailerID: retailerID).filter(\.isAvailableForLastMile)
    }

    /// The customer's city (as sent, else the directory's) and county (always the directory's) for R2.
    func locality(city: String?, located: Located?) -> CustomerLocality {
        CustomerLocality(city: city ?? located?.city, county: located?.county)
    }
}
