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

    /// Active, non-pickup-only stores.
    func lastMileStores(retailerID: String) async throws -> [Store] {
        try await service.storage.stores(retailerID: retailerID).filter(\.isAvailableForLastMile)
    }

    /// The customer's city (as sent, else the directory's) and county (always the directory's) for R2.
    func locality(city: String?, located: Located?) -> CustomerLocality {
        CustomerLocality(city: city ?? located?.city, county: located?.county)
    }
}
