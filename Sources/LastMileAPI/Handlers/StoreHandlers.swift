import Foundation
import HTTPTypes
import Hummingbird
import LastMileCore

/// C1 (§2.3.1): the retailer's active stores whose service range contains a point, nearest first.
struct StoreHandlers {
    let service: LastMileService
    let locator: AddressLocator
    static let maxResults = 20
    static let formMessage = "must contain exactly one of: coordinates, address, postal code"

    struct StoreBody: Encodable {
        struct Address: Encodable {
            var address_line_1: String
            @Nullable var address_line_2: String?
            var city: String
            var state: String
            var postal_code: String
        }
        struct Flags: Encodable {
            var alcohol: Bool
            var pickup: Bool
            var pickup_only: Bool
            var long_distance_delivery: Bool
        }
        var location_code: String
        var name: String
        var address: Address
        var distance: Double
        var flags: Flags

        init(_ s: Store, distance: Double) {
            location_code = s.locationCode
            name = s.name
            address = Address(address_line_1: s.address.addressLine1, address_line_2: s.address.addressLine2,
                              city: s.address.city, state: s.address.state, postal_code: s.address.postalCode)
            self.distance = DeliveryEstimator.roundedMiles(distance)
            flags = Flags(alcohol: s.alcohol, pickup: s.pickup, pickup_only: s.pickupOnly, long_distance_delivery: s.longDistanceDelivery)
        }
    }

    struct StoresBody: Encodable { var stores: [StoreBody] }

    /// The search point from `find_by`, or nil when it cannot be located. Throws the field errors.
    func searchPoint(_ body: [String: JSONValue]) throws -> GeoPoint? {
        var root = FieldReader(body)
        guard let findBy = root.object("find_by", required: true) else { throw ServiceError.validation(root.errors) }
        func present(_ k: String) -> Bool { findBy[k].map { !$0.isNull } ?? false }
        let coordinates = present("latitude") || present("longitude")
        let addressMembers = ["address_line_1", "address_line_2", "address_type", "city"].contains(where: present)
        var r = FieldReader(findBy, prefix: "find_by")
        if coordinates {
            guard !addressMembers && !present("postal_code") else { throw ServiceError.badRequest(Self.formMessage, key: "find_by") }
            let lat = r.number("latitude", required: true, min: -90, max: 90)
            let lon = r.number("longitude", required: true, min: -180, max: 180)
            guard r.errors.isEmpty, let lat, let lon else { throw ServiceError.validation(r.errors) }
            return GeoPoint(latitude: lat, longitude: lon)
        }
        if addressMembers {
            let address = AddressFields.read(&r, lineKey: "address_line_1", includeState: false)
            guard r.errors.isEmpty, let address else { throw ServiceError.validation(r.errors) }
            return locator.locate(address)?.point
        }
        guard present("postal_code") else { throw ServiceError.badRequest(Self.formMessage, key: "find_by") }
        let postal = r.formatted("postal_code", required: true, message: "is not a valid postal code", FieldRules.normalizePostalCode)
        guard r.errors.isEmpty, let postal else { throw ServiceError.validation(r.errors) }
        return locator.locate(postalCode: postal)?.point
    }

    func find(_ input: HandlerInput) async throws -> Response {
        JSONResponse.make(StoresBody(stores: try await search(input)))
    }

    /// C1's selection (shared with H1): in-range active stores, nearest first, at most 20.
    func search(_ input: HandlerInput) async throws -> [StoreBody] {
        guard let point = try searchPoint(input.body) else { return [] }
        let stores = try await service.storage.stores(retailerID: input.retailer.id).filter(\.active)
        let found = stores.compactMap { s -> (Store, Double)? in
            let est = service.estimator.estimatedMinutes(from: s.point, to: point)
            guard DeliveryEstimator.isInRange(estimatedMinutes: est, longDistanceStore: s.longDistanceDelivery) else { return nil }
            return (s, s.point.haversineMiles(to: point))
        }
        .sorted { (DeliveryEstimator.roundedMiles($0.1), $0.0.locationCode) < (DeliveryEstimator.roundedMiles($1.1), $1.0.locationCode) }
        .prefix(Self.maxResults)
        return found.map { StoreBody($0.0, distance: $0.1) }
    }
}
