import Foundation
import LastMileCore
import LastMileStorage

/// D2's validated request: a user's cart at a store.
public struct CheckoutListingRequest: Sendable {
    public var userID: String
    public var address: AddressFields
    public var locationCode: String
    public var cartTotalCents: Int64?
    public var itemsCount: Int64?
    public var unitsCount: Double?
    public var earliestOptionStart: Date?
    public var withETA = false
    public var withPriorityETA = false
    public var withHandoffTime = false
    public var desiredWindows: [DeliveryWindow] = []
    public var alcoholic = false

    public init(userID: String, address: AddressFields, locationCode: String) {
        self.userID = userID
        self.address = address
        self.locationCode = locationCode
    }
}

/// D1's validated request: a store, a postal code, or both.
public struct PreviewListingRequest: Sendable {
    public var locationCode: String?
    public var postalCode: String?
    public var earliestOptionStart: Date?
    public var withETA = false
    public var withPriorityETA = false
    public var alcoholic = false

    public init(locationCode: String?, postalCode: String?) {
        self.locationCode = locationCode
        self.postalCode = postalCode
    }
}

/// A listing's answer: its options (stored ones for D2, id-only ones for D1), warnings and flag.
public struct Listing: Sendable {
    public var options: [StoredServiceOption]
    public var warnings: [ListingWarning]
    public var longDistance: Bool
}

extension BookingService {
    /// D2 (§2.4.2): the user's options at the store, capacity-checked against every commitment but the
    /// user's own hold, stored so they can be reserved.
    public func listForCheckout(_ request: CheckoutListingRequest, retailer: Retailer, now: Date) async throws -> Listing {
        // The user, the stores and the commitments in one read (the checks keep their order).
        let reads = try await storage.checkoutReads(retailerID: retailer.id, userID: request.userID, locationCode: request.locationCode, now: now)
        guard FieldRules.isValidIdentifier(request.userID), reads.user != nil else { throw ServiceError.userNotFound }
        try Self.requireHandoffAllowed(request.withHandoffTime, retailer: retailer)
        let lastMileStores = reads.stores.filter(\.isAvailableForLastMile)
        guard let store = lastMileStores.first(where: { $0.locationCode == request.locationCode }) else { throw ServiceError.storeNotAvailable }
        let (located, travel, longDistance) = try await locator.requireDeliverable(request.address, to: store, among: lastMileStores)

        var q = SlotQuery(now: now, travelMinutes: travel)
        q.destination = located.point
        q.withETA = request.withETA
        q.withPriorityETA = request.withPriorityETA
        q.withHandoffTime = request.withHandoffTime
        q.desiredWindows = request.desiredWindows
        q.earliestOptionStart = request.earliestOptionStart
        q.alcoholic = request.alcoholic
        q.customer = locator.locality(city: request.address.city, located: located)
        q.etaOptionsEnabled = retailer.etaOptionsEnabled
        let planner = capacity.planner(for: store, now: now, commitments: reads.commitments)
        let listing = TimeSlotBuilder.list(store: store, query: q, planner: planner)

        let drafts = listing.options.map { c in
            StoredServiceOption(
                id: 0,
                retailerID: retailer.id,
                userID: request.userID,
                locationCode: store.locationCode,
                type: c.type,
                windowStart: c.window.start,
                windowEnd: c.window.end,
                immediateHour: c.immediateHour,
                date: c.date,
                handoffTime: c.handoffTime,
                available: c.available,
                reasons: c.reasons,
                alcoholic: request.alcoholic,
                destination: located.point,
                travelMinutes: travel,
                listedAt: now,
                cartTotalCents: request.cartTotalCents,
                itemsCount: request.itemsCount,
                unitsCount: request.unitsCount
            )
        }
        return Listing(options: try await storage.insertListing(drafts), warnings: listing.warnings, longDistance: longDistance)
    }

    /// D1 (§2.4.1): a store's options before the customer is known. Preview ids come from the same sequence
    /// but are never stored, so they can never be reserved.
    public func preview(_ request: PreviewListingRequest, retailer: Retailer, now: Date) async throws -> Listing {
        var q = SlotQuery(now: now, travelMinutes: 1)
        q.earliestOptionStart = request.earliestOptionStart
        q.withETA = request.withETA
        q.withPriorityETA = request.withPriorityETA
        q.alcoholic = request.alcoholic
        var store: Store?
        if let code = request.locationCode { store = try await requireStore(retailerID: retailer.id, locationCode: code) }
        var longDistance = false
        var located: AddressLocator.Located?
        if let postalCode = request.postalCode {
            guard let l = locator.locate(postalCode: postalCode) else {
                throw ServiceError.badRequest(Deliverability.cannotLocateMessage, key: nil)
            }
            located = l
            if store == nil {
                store = AddressClassifier.nearestInRange(
                    point: l.point,
                    stores: try await locator.lastMileStores(retailerID: retailer.id),
                    estimator: estimator
                )
                if store == nil { throw ServiceError.badRequest(Deliverability.cannotDeliverMessage, key: "postal_code") }
            }
            let est = estimator.estimatedMinutes(from: store!.point, to: l.point)
            guard DeliveryEstimator.isInRange(estimatedMinutes: est, longDistanceStore: store!.longDistanceDelivery) else {
                throw ServiceError.badRequest(Deliverability.outsideStoreMessage, key: "postal_code")
            }
            q.travelMinutes = est
            q.destination = l.point
            q.customer = locator.locality(city: nil, located: l)
            longDistance = DeliveryEstimator.isLongDistance(estimatedMinutes: est, longDistanceStore: store!.longDistanceDelivery)
        }
        guard let store else { throw ServiceError.internalError }  // the request names a store or a postal code
        if located == nil { q.travelMinutes = estimator.estimatedMinutes(from: store.point, to: store.point) }
        q.etaOptionsEnabled = retailer.etaOptionsEnabled
        let planner = try await capacity.planner(for: store, now: now, excludingHoldOfUser: nil)
        let listing = TimeSlotBuilder.list(store: store, query: q, planner: planner)
        let ids = try await storage.allocateServiceOptionIDs(count: listing.options.count)
        let options = zip(ids, listing.options).map { id, c in
            StoredServiceOption(
                id: id,
                retailerID: retailer.id,
                userID: "",
                locationCode: store.locationCode,
                type: c.type,
                windowStart: c.window.start,
                windowEnd: c.window.end,
                immediateHour: c.immediateHour,
                date: c.date,
                handoffTime: nil,
                available: c.available,
                reasons: c.reasons,
                alcoholic: q.alcoholic,
                destination: located?.point ?? store.point,
                travelMinutes: q.travelMinutes,
                listedAt: now,
                cartTotalCents: nil,
                itemsCount: nil,
                unitsCount: nil
            )
        }
        return Listing(options: options, warnings: listing.warnings, longDistance: longDistance)
    }
}
