import Foundation
import LastMileCore
import LastMileStorage

/// G2/H4's validated request: fields present in the body, nil when absent.
public struct OrderChangeRequest: Sendable {
    public var serviceOptionID: Int64?
    public var start: Date?
    public var end: Date?
    public var tip: Int64?
    public var itemsCount: Int64?
    public var bagsCount: Int64?
    public var itemsWeight: Double?
    public var cartTotal: Double?
    public var alcoholic: Bool?
    public var leaveUnattended: Bool?
    public var bagLabel: String?
    public var specialInstructions: String?
    public var smsOptOut: Bool?

    public init() {}

    /// How `start_at`/`end_at` without `service_option_id` are read: G2 narrows the current window, H4 treats
    /// them as a new desired window (§2.7.4).
    public enum WindowMode: Sendable { case narrowing, desiredWindow }
}

/// G3/H5's validated request.
public struct StageRequest: Sendable {
    public var itemsCount: Int64?
    public var bagsCount: Int64?
    public var itemsWeight: Double?
    public var bagLabel: String?
    public var bagScanCodes: [String]?

    public init() {}
}

extension BookingService {
    /// Any last-mile order of the retailer; a `userID`, when given, must be the order's user (§2.6.3, §2.7):
    /// another user's order, or none, is 404.
    public func order(retailerID: String, orderID: String, userID: String? = nil) async throws -> OrderRecord {
        guard FieldRules.isValidIdentifier(orderID), let o = try await storage.order(retailerID: retailerID, orderID: orderID),
            userID == nil || o.userID == userID
        else { throw ServiceError.notFound }
        return o
    }

    /// G2/H4: changes the fields present; a new window is booked with capacity re-checked in the update's
    /// transaction.
    public func update(
        _ current: OrderRecord,
        _ f: OrderChangeRequest,
        mode: OrderChangeRequest.WindowMode,
        now: Date
    )
        async throws -> OrderRecord
    {
        guard current.status.canUpdate else { throw BookingError.cannotUpdate }
        guard let store = try await storage.store(retailerID: current.retailerID, locationCode: current.locationCode) else {
            throw BookingError.slotGone(key: f.serviceOptionID != nil ? "service_option_id" : "start_at")
        }
        var order = current
        // The windows to try when the window changes, and the error a capacity failure is reported with.
        var windows: [DeliveryWindow]?
        var fullError = BookingError.slotGone(key: "service_option_id")
        if let optionID = f.serviceOptionID {
            let option = try await liveOption(
                optionID,
                retailerID: current.retailerID,
                locationCode: current.locationCode,
                userID: current.userID,
                now: now
            )
            windows = [try BookedWindow.narrow(option.bookedWindow(at: now), start: f.start, end: f.end)]
        } else if let s = f.start, let e = f.end {
            switch mode {
            case .narrowing:
                let window = DeliveryWindow(start: current.windowStart, end: current.windowEnd)
                windows = [try BookedWindow.narrow(window, start: s, end: e)]
                fullError = BookingError.slotGone(key: "start_at")
            case .desiredWindow:
                let plan = try Self.desiredWindowPlan(store: store, desired: DeliveryWindow(start: s, end: e), now: now, fallback: false)
                guard !plan.candidates.isEmpty else { throw BookingError.desiredWindowNotAvailable }
                windows = plan.candidates
                fullError = BookingError.noWindowsAvailable
            }
        }
        if let tip = f.tip { order.tipAmountCents = tip }
        if let v = f.itemsCount { order.itemsCount = v }
        if let v = f.bagsCount { order.bagsCount = v }
        if let v = f.itemsWeight { order.itemsWeight = v }
        if let v = f.cartTotal { order.cartTotal = v }
        if let v = f.bagLabel { order.bagLabel = v }
        if let v = f.specialInstructions { order.specialInstructions = v }
        if let v = f.smsOptOut { order.customerSMSOptOut = v }
        if let v = f.alcoholic { order.alcoholic = v }
        if let v = f.leaveUnattended, !order.alcoholic { order.leaveUnattended = v }
        if order.alcoholic { order.leaveUnattended = false }
        if order.alcoholic {
            let customer = locator.locality(city: order.address.city, located: locator.locate(postalCode: order.address.postalCode))
            let check = windows ?? [DeliveryWindow(start: order.windowStart, end: order.windowEnd)]
            let fine = check.filter { AlcoholCheck.violations(store: store, customer: customer, window: $0).isEmpty }
            if fine.isEmpty, let rule = AlcoholCheck.violations(store: store, customer: customer, window: check[0]).first {
                throw ServiceError.badRequest(rule.orderError.message, key: rule.orderError.key)
            }
            if windows != nil { windows = fine }
        }
        let recheck = windows.map {
            capacity.booking(store: store, now: now, windows: $0, destination: order.destination, travelMinutes: order.travelMinutes)
        }
        switch try await storage.updateOrder(order, expectedStatus: current.status, events: [], now: now, recheck: recheck) {
        case .updated(let o): return o
        case .statusChanged: throw BookingError.cannotUpdate
        case .full: throw fullError
        }
    }

    /// G3/H5: the retailer's bags are ready (`staged`, announced once).
    public func stage(_ current: OrderRecord, _ f: StageRequest, now: Date) async throws -> OrderRecord {
        var order = current
        let before = order.status
        guard before.canStage else { throw BookingError.cannotStage }
        if let v = f.itemsCount { order.itemsCount = v }
        if let v = f.bagsCount { order.bagsCount = v }
        if let v = f.itemsWeight { order.itemsWeight = v }
        if let v = f.bagLabel { order.bagLabel = v }
        if let v = f.bagScanCodes { order.bagScanCodes = v }
        order.status = .staged
        order.everStaged = true
        let events = before == .staged ? [] : [CallbackEvents.staged(order, at: now)]
        guard case .updated(let saved) = try await storage.updateOrder(order, expectedStatus: before, events: events, now: now, recheck: nil)
        else { throw BookingError.cannotStage }
        return saved
    }

    /// G5/H6: the retailer cancels; a canceled order is returned unchanged. The optional `reason` is kept for
    /// audit only (logged), never returned.
    public func cancelByRetailer(_ current: OrderRecord, reason: String?, now: Date) async throws -> OrderRecord {
        var order = current
        if order.status == .canceled { return order }
        let before = order.status
        guard before.canCancelByRetailer else { throw BookingError.cannotCancel }
        order.status = .canceled
        order.cancellationReason = .retailerDriven
        guard
            case .updated(let saved) = try await storage.updateOrder(
                order,
                expectedStatus: before,
                events: [CallbackEvents.canceled(order, at: now)],
                now: now,
                recheck: nil
            )
        else { throw BookingError.cannotCancel }
        logger.info(
            "order canceled by retailer",
            metadata: [
                "order_id": "\(TextRules.escapedForLog(order.orderID))",
                "reason": "\(TextRules.escapedForLog(reason ?? "", limit: 500))",
            ]
        )
        return saved
    }

    /// G4: a delivered order's tip (`tip_updated` when it changes).
    public func tip(_ current: OrderRecord, cents: Int64, now: Date) async throws -> OrderRecord {
        var order = current
        guard order.status.canTip else { throw BookingError.cannotTip }
        guard cents != order.tipAmountCents else { return order }
        let previous = order.tipAmountCents
        order.tipAmountCents = cents
        let event = CallbackEvents.tip(order, previous: previous, at: now)
        guard case .updated(let o) = try await storage.updateOrder(order, expectedStatus: .delivered, events: [event], now: now, recheck: nil)
        else { throw BookingError.cannotTip }
        return o
    }

    /// I1 (§2.8.1): the driver's position while `delivering` (the store's before the first report), else nil.
    public func driverPosition(_ order: OrderRecord) async throws -> GeoPoint? {
        guard order.status == .delivering else { return nil }
        if let point = order.driverLocation { return point }
        return try await storage.store(retailerID: order.retailerID, locationCode: order.locationCode)?.point
    }

    /// C1's selection (and H1's): the retailer's active stores in range of `point`, nearest first, at most 20.
    public func storesNear(_ point: GeoPoint, retailerID: String, limit: Int = 20) async throws -> [(store: Store, miles: Double)] {
        let stores = try await storage.stores(retailerID: retailerID).filter(\.active)
        let found = stores.compactMap { s -> (Store, Double)? in
            let est = estimator.estimatedMinutes(from: s.point, to: point)
            guard DeliveryEstimator.isInRange(estimatedMinutes: est, longDistanceStore: s.longDistanceDelivery) else { return nil }
            return (s, s.point.haversineMiles(to: point))
        }
        .sorted {
            (DeliveryEstimator.roundedMiles($0.1), $0.0.locationCode) < (DeliveryEstimator.roundedMiles($1.1), $1.0.locationCode)
        }
        return Array(found.prefix(limit)).map { (store: $0.0, miles: $0.1) }
    }
}
