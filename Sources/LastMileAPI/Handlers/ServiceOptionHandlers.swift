import Foundation
import HTTPTypes
import Hummingbird
import LastMileBooking
import LastMileCore
import LastMileStorage

/// D1 (preview) and D2 (list for checkout), §2.4.
struct ServiceOptionHandlers {
    let booking: BookingService

    static func readCounts(_ r: inout FieldReader, required: Bool) -> (cart: Int64?, items: Int64?, units: Double?) {
        let cart = r.integer("cart_total_cents", required: required, min: 0, max: 100_000_000)
        let items = r.integer("items_count", required: required, min: 0, max: 10_000)
        let units = r.number("units_count", min: 0, max: 100_000)
        return (cart, items, units)
    }

    /// The listing's body as `Encodable` values: what `ListingJSON` writes directly (the tests compare them).
    static func body(_ listing: Listing) -> ServiceOptionsBody {
        ServiceOptionsBody(
            service_options: listing.options.map(ServiceOptionBody.init),
            warnings: listing.warnings.map(WarningBody.init),
            flags: FlagsBody(long_distance_delivery: listing.longDistance)
        )
    }

    // MARK: D2

    func listForCheckout(_ input: HandlerInput) async throws -> Response {
        var r = FieldReader(input.body)
        var address: AddressFields?
        if let a = r.object("address", required: true) {
            var ar = FieldReader(a, prefix: "address")
            address = AddressFields.read(&ar, lineKey: "address_line_1", includeState: false)
            r.absorb(ar.errors)
        }
        let locationCode = r.string("location_code", required: true)
        let counts = Self.readCounts(&r, required: true)
        let earliest = r.timestamp("earliest_option_start_at")
        let withETA = r.bool("with_eta_options") ?? false
        let withPriorityETA = r.bool("with_priority_eta_options") ?? false
        let withHandoff = r.bool("with_handoff_time") ?? false
        let desired = Self.readDesiredWindows(&r)
        let alcoholic = r.bool("alcoholic") ?? false
        guard r.errors.isEmpty, let address, let locationCode else { throw ServiceError.validation(r.errors) }

        var request = CheckoutListingRequest(userID: input.params["user_id"] ?? "", address: address, locationCode: locationCode)
        (request.cartTotalCents, request.itemsCount, request.unitsCount) = counts
        request.earliestOptionStart = earliest
        request.withETA = withETA
        request.withPriorityETA = withPriorityETA
        request.withHandoffTime = withHandoff
        request.desiredWindows = desired
        request.alcoholic = alcoholic
        return JSONResponse.written(ListingJSON.bytes(try await booking.listForCheckout(request, retailer: input.retailer, now: input.now)))
    }

    /// `desired_windows`: at most 10 objects with `starts_at` and a later `ends_at`.
    static func readDesiredWindows(_ r: inout FieldReader) -> [DeliveryWindow] {
        guard let list = r.array("desired_windows", maxEntries: 10) else { return [] }
        var out: [DeliveryWindow] = []
        for (i, element) in list.enumerated() {
            let path = "desired_windows[\(i)]"
            guard case .object(let o) = element else {
                r.failAtPath(path, element.isNull ? "can't be blank" : "must be an object")
                continue
            }
            var wr = FieldReader(o, prefix: path)
            let s = wr.timestamp("starts_at", required: true)
            let e = wr.timestamp("ends_at", required: true)
            if let s, let e, e <= s { wr.fail("ends_at", "must be after starts_at") }
            r.absorb(wr.errors)
            if let s, let e, e > s { out.append(DeliveryWindow(start: s, end: e)) }
        }
        return out
    }

    // MARK: D1

    func preview(_ input: HandlerInput) async throws -> Response {
        var r = FieldReader(input.body)
        if !r.has("location_code") && !r.has("postal_code") {
            r.fail("location_code", "must provide either location_code or postal_code")
        }
        let locationCode = r.string("location_code")
        let postalCode = r.formatted("postal_code", message: "is not a valid postal code", FieldRules.normalizePostalCode)
        _ = Self.readCounts(&r, required: false)
        var request = PreviewListingRequest(locationCode: locationCode, postalCode: postalCode)
        request.earliestOptionStart = r.timestamp("earliest_option_start_at")
        request.withETA = r.bool("with_eta_options") ?? false
        request.withPriorityETA = r.bool("with_priority_eta_options") ?? false
        request.alcoholic = r.bool("alcoholic") ?? false
        guard r.errors.isEmpty else { throw ServiceError.validation(r.errors) }
        // An identifier that trims to nothing was treated as absent; require one of the two again.
        guard locationCode != nil || postalCode != nil else {
            throw ServiceError.badRequest("must provide either location_code or postal_code", key: "location_code")
        }
        return JSONResponse.written(ListingJSON.bytes(try await booking.preview(request, retailer: input.retailer, now: input.now)))
    }
}
