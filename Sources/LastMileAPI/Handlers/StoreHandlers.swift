import Foundation
import HTTPTypes
import Hummingbird
import LastMileBooking
import LastMileCore

/// C1 (§2.3.1) and H1 (§2.7.1): the retailer's active stores whose service range contains a point, nearest first.
struct StoreHandlers {
    let booking: BookingService
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
            address = Address(
                address_line_1: s.address.addressLine1,
                address_line_2: s.address.addressLine2,
                city: s.address.city,
                state: s.address.state,
                postal_code: s.address.postalCode
            )
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
            return booking.locator.locate(address)?.point
        }
        guard present("postal_code") else { throw ServiceError.badRequest(Self.formMessage, key: "find_by") }
        let postal = r.formatted("postal_code", required: true, message: "is not a valid postal code", FieldRules.normalizePostalCode)
        guard r.errors.isEmpty, let postal else { throw ServiceError.validation(r.errors) }
        return booking.locator.locate(postalCode: postal)?.point
    }

    func find(_ input: HandlerInput) async throws -> Response {
        JSONResponse.make(StoresBody(stores: try await search(input)))
    }

    /// C1's selection (shared with H1).
    func search(_ input: HandlerInput) async throws -> [StoreBody] {
        guard let point = try searchPoint(input.body) else { return [] }
        return try await booking.storesNear(point, retailerID: input.retailer.id).map { StoreBody($0.store, distance: $0.miles) }
    }

    struct DispatchStoresBody: Encodable {
        struct Entry: Encodable {
            struct Flags: Encodable {
                var alcohol: Bool, pickup: Bool, pickup_only: Bool, long_distance_delivery: Bool, is_partial: Bool
            }
            var location_code: String
            var name: String
            var address: StoreBody.Address
            var distance: Double
            var flags: Flags
        }
        var stores: [Entry]
    }

    /// H1: as C1, with `flags.is_partial` true for every result of a postal-code-only search.
    func findForDispatch(_ input: HandlerInput) async throws -> Response {
        let found = try await search(input)
        let partial =
            input.body["find_by"]?.objectValue.map { fb in
                fb.filter { !$0.value.isNull }.keys.sorted() == ["postal_code"]
            } ?? false
        return JSONResponse.make(
            DispatchStoresBody(
                stores: found.map { s in
                    DispatchStoresBody.Entry(
                        location_code: s.location_code,
                        name: s.name,
                        address: s.address,
                        distance: s.distance,
                        flags: .init(
                            alcohol: s.flags.alcohol,
                            pickup: s.flags.pickup,
                            pickup_only: s.flags.pickup_only,
                            long_distance_delivery: s.flags.long_distance_delivery,
                            is_partial: partial
                        )
                    )
                }
            )
        )
    }
}
