import Foundation
import HTTPTypes
import Hummingbird
import LastMileCore
import LastMileStorage

/// D1 (preview) and D2 (list for checkout), §2.4.
struct ServiceOptionHandlers {
    let service: LastMileService
    let locator: AddressLocator
    let capacity: CapacityService

    /// The listing flags shared by D1 and D2, in table order.
    struct ListingFlags {
        var earliest: Date?
        var withETA = false
        var withPriorityETA = false
        var withHandoff = false
    }

    static func readCounts(_ r: inout FieldReader, required: Bool) -> (cart: Int64?, items: Int64?, units: Double?) {
        let cart = r.integer("cart_total_cents", required: required, min: 0, max: 100_000_000)
        let items = r.integer("items_count", required: required, min: 0, max: 10_000)
        let units = r.number("units_count", min: 0, max: 100_000)
        return (cart, items, units)
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
        var flags = ListingFlags()
        flags.earliest = r.timestamp("earliest_option_start_at")
        flags.withETA = r.bool("with_eta_options") ?? false
        flags.withPriorityETA = r.bool("with_priority_eta_options") ?? false
        flags.withHandoff = r.bool("with_handoff_time") ?? false
        let desired = Self.readDesiredWindows(&r)
        let alcoholic = r.bool("alcoholic") ?? false
        guard r.errors.isEmpty, let address, let locationCode else { throw ServiceError.validation(r.errors) }

        let retailer = input.retailer
        let userID = input.params["user_id"] ?? ""
        _ = try await locator.requireUser(retailerID: retailer.id, userID: userID)
        if flags.withHandoff && !retailer.handoffTimeEnabled {
            throw ServiceError.badRequest("Handoff time calculation is not configured for this retailer.", key: "with_handoff_time")
        }
        guard let store = try await service.storage.store(retailerID: retailer.id, locationCode: locationCode), store.isAvailableForLastMile
        else { throw ServiceError.storeNotAvailable }
        let located = locator.locate(address)
        let outcome = AddressClassifier.classify(point: located?.point, lines: [address.line1, address.line2],
                                                 stores: try await locator.lastMileStores(retailerID: retailer.id),
                                                 requested: store, estimator: service.estimator)
        let (travel, longDistance) = try locator.requireDeliverable(outcome, areaKey: "address")
        guard let located else { throw ServiceError.internalError }

        var q = SlotQuery(now: input.now, travelMinutes: travel)
        q.withETA = flags.withETA
        q.withPriorityETA = flags.withPriorityETA
        q.withHandoffTime = flags.withHandoff
        q.desiredWindows = desired
        q.earliestOptionStart = flags.earliest
        q.alcoholic = alcoholic
        q.customer = locator.locality(city: address.city, located: located)
        q.etaOptionsEnabled = retailer.etaOptionsEnabled
        let planner = try await capacity.planner(for: store, now: input.now, excludingHoldOfUser: userID)
        let listing = TimeSlotBuilder.list(store: store, query: q, planner: planner)

        let drafts = listing.options.map { c in
            StoredServiceOption(id: 0, retailerID: retailer.id, userID: userID, locationCode: store.locationCode, type: c.type,
                                windowStart: c.window.start, windowEnd: c.window.end, immediateHour: c.immediateHour, date: c.date,
                                handoffTime: c.handoffTime, available: c.available, reasons: c.reasons, alcoholic: alcoholic,
                                destination: located.point, travelMinutes: travel, listedAt: input.now,
                                cartTotalCents: counts.cart, itemsCount: counts.items, unitsCount: counts.units)
        }
        let stored = try await service.storage.insertListing(drafts)
        return JSONResponse.make(ServiceOptionsBody(service_options: stored.map(ServiceOptionBody.init),
                                                    warnings: listing.warnings.map(WarningBody.init),
                                                    flags: FlagsBody(long_distance_delivery: longDistance)))
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
        var q = SlotQuery(now: input.now, travelMinutes: 1)
        q.earliestOptionStart = r.timestamp("earliest_option_start_at")
        q.withETA = r.bool("with_eta_options") ?? false
        q.withPriorityETA = r.bool("with_priority_eta_options") ?? false
        q.alcoholic = r.bool("alcoholic") ?? false
        guard r.errors.isEmpty else { throw ServiceError.validation(r.errors) }
        // An identifier that trims to nothing was treated as absent; require one of the two again.
        guard locationCode != nil || postalCode != nil else {
            throw ServiceError.badRequest("must provide either location_code or postal_code", key: "location_code")
        }

        let retailer = input.retailer
        var store: Store?
        if let locationCode {
            guard let s = try await service.storage.store(retailerID: retailer.id, locationCode: locationCode), s.isAvailableForLastMile
            else { throw ServiceError.storeNotAvailable }
            store = s
        }
        var longDistance = false
        var located: AddressLocator.Located?
        if let postalCode {
            guard let l = locator.locate(postalCode: postalCode) else {
                throw ServiceError.badRequest(Deliverability.cannotLocateMessage, key: nil)
            }
            located = l
            if store == nil {
                guard let nearest = AddressClassifier.nearestInRange(point: l.point, stores: try await locator.lastMileStores(retailerID: retailer.id),
                                                                     estimator: service.estimator)
                else { throw ServiceError.badRequest(Deliverability.cannotDeliverMessage, key: "postal_code") }
                store = nearest
            }
            let est = service.estimator.estimatedMinutes(from: store!.point, to: l.point)
            guard DeliveryEstimator.isInRange(estimatedMinutes: est, longDistanceStore: store!.longDistanceDelivery) else {
                throw ServiceError.badRequest(Deliverability.outsideStoreMessage, key: "postal_code")
            }
            q.travelMinutes = est
            q.customer = locator.locality(city: nil, located: l)
            longDistance = DeliveryEstimator.isLongDistance(estimatedMinutes: est, longDistanceStore: store!.longDistanceDelivery)
        }
        guard let store else { throw ServiceError.internalError }
        if located == nil { q.travelMinutes = service.estimator.estimatedMinutes(from: store.point, to: store.point) }
        q.etaOptionsEnabled = retailer.etaOptionsEnabled
        let planner = try await capacity.planner(for: store, now: input.now, excludingHoldOfUser: nil)
        let listing = TimeSlotBuilder.list(store: store, query: q, planner: planner)
        // Preview ids come from the same sequence but are never stored, so they can never be reserved.
        let ids = try await service.storage.allocateServiceOptionIDs(count: listing.options.count)
        let options = zip(ids, listing.options).map { id, c in
            ServiceOptionBody(StoredServiceOption(
                id: id, retailerID: retailer.id, userID: "", locationCode: store.locationCode, type: c.type, windowStart: c.window.start,
                windowEnd: c.window.end, immediateHour: c.immediateHour, date: c.date, handoffTime: nil, available: c.available,
                reasons: c.reasons, alcoholic: q.alcoholic, destination: located?.point ?? store.point, travelMinutes: q.travelMinutes,
                listedAt: input.now, cartTotalCents: nil, itemsCount: nil, unitsCount: nil))
        }
        return JSONResponse.make(ServiceOptionsBody(service_options: options, warnings: listing.warnings.map(WarningBody.init),
                                                    flags: FlagsBody(long_distance_delivery: longDistance)))
    }
}
