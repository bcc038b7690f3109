import Foundation
import LastMileCore
import LastMileStorage
import Metrics

/// Moves orders along the driver workflow and the service's own transitions (§2.0.9), writing each change
/// with its callbacks in one conditional update. The driver API, the simulated drivers and the sandbox all
/// go through it, so they send the same callbacks in the same order.
public struct OrderProgression: Sendable {
    public enum Failure: Error, Equatable {
        /// The step is not legal in the order's status.
        case notAllowed(OrderStatus)
        /// Another request or process changed the order first; re-read and decide again.
        case lostRace
    }

    public let storage: any Storage
    public init(storage: any Storage) { self.storage = storage }

    /// Writes `order` (changed from `before`) with `events`; a lost race is reported, never overwritten.
    func commit(
        _ order: OrderRecord,
        from before: OrderStatus,
        _ events: [OrderEvent],
        now: Date,
        recheck: (@Sendable ([Commitment]) -> BookingDecision?)? = nil
    ) async throws -> OrderRecord {
        guard case .updated(let saved) = try await storage.updateOrder(order, expectedStatus: before, events: events, now: now, recheck: recheck)
        else { throw Failure.lostRace }
        for e in events { Counter(label: "lastmile_fulfillment_events_total", dimensions: [("event", e.type)]).increment() }
        return saved
    }

    /// A driver accepts: `acknowledged_for_delivery`, then `at_store_eta`; `late_delivery` as well when the
    /// plan already arrives after the window.
    public func accept(_ order: OrderRecord, driverID: String, plan: TripPlan, now: Date, announceLate: Bool = true) async throws -> OrderRecord {
        let before = order.status
        guard before == .staged || (before == .rescheduled && order.everStaged == true) else { throw Failure.notAllowed(before) }
        var o = order
        o.status = .acknowledgedForDelivery
        o.driverID = driverID
        o.plan = plan
        var events = [CallbackEvents.acknowledged(o, at: now), CallbackEvents.atStoreETA(o, eta: plan.atStore, at: now)]
        if announceLate, let late = lateEvent(&o, estimate: plan.arrival, now: now) { events.append(late) }
        // Under the store's lock, like every booking: the driver's assignment changes what the store's
        // drivers are committed to, so it must not land between a concurrent reserve's read of the
        // commitments and its write. The order keeps its window and handoff (it is already committed;
        // a late one is still delivered, with late_delivery).
        let keep = BookingDecision(window: DeliveryWindow(start: order.windowStart, end: order.windowEnd), handoff: order.handoffTime)
        return try await commit(o, from: before, events, now: now, recheck: { _ in keep })
    }

    public func arriveAtStore(_ order: OrderRecord, now: Date) async throws -> OrderRecord {
        try await step(order, .arriveAtStore, now: now) { o in [CallbackEvents.atStore(o, at: now)] }
    }

    public func verifyBags(_ order: OrderRecord, now: Date) async throws -> OrderRecord {
        try await step(order, .verifyBags, now: now) { o in [CallbackEvents.bagsVerified(o, at: now)] }
    }

    /// The driver leaves the store: `delivering`, then a first `order_location` at the store.
    public func depart(_ order: OrderRecord, store: GeoPoint, eta: Date, now: Date) async throws -> OrderRecord {
        try await step(order, .depart, now: now) { o in
            o.driverLocation = store
            o.lastLocationEventAt = now
            return [CallbackEvents.delivering(o, eta: eta, at: now), CallbackEvents.location(o, store, recordedAt: now, at: now)]
        }
    }

    /// The handoff: `arrival_at_customer` (unless already reported), then `delivered`.
    public func deliver(_ order: OrderRecord, now: Date) async throws -> OrderRecord {
        try await step(order, .deliver, now: now) { o in
            o.deliveredAt = Timestamp.floorToSecond(now)
            o.driverLocation = o.destination
            var events: [OrderEvent] = []
            if o.arrivedAtCustomerAt == nil {
                events.append(CallbackEvents.make(.arrivalAtCustomer, o, at: now))
                o.arrivedAtCustomerAt = now
            }
            return events + [CallbackEvents.delivered(o, at: now)]
        }
    }

    func step(_ order: OrderRecord, _ step: DriverStep, now: Date, _ change: (inout OrderRecord) -> [OrderEvent]) async throws -> OrderRecord {
        let before = order.status
        guard step.from.contains(before), before != .rescheduled else { throw Failure.notAllowed(before) }
        var o = order
        o.status = step.to
        let events = change(&o)
        return try await commit(o, from: before, events, now: now)
    }

    /// A position while delivering: stored for the location endpoint; an `order_location` at most once per
    /// 60 seconds; `late_delivery` when the new estimate passes the window end.
    public func reportLocation(_ order: OrderRecord, _ point: GeoPoint, recordedAt: Date, estimate: Date?, now: Date) async throws -> OrderRecord {
        guard order.status == .delivering else { throw Failure.notAllowed(order.status) }
        var o = order
        o.driverLocation = point
        var events: [OrderEvent] = []
        if o.lastLocationEventAt.map({ now.timeIntervalSince($0) >= 60 }) ?? true {
            events.append(CallbackEvents.location(o, point, recordedAt: recordedAt, at: now))
            o.lastLocationEventAt = now
        }
        if let estimate, let late = lateEvent(&o, estimate: estimate, now: now) { events.append(late) }
        return try await commit(o, from: o.status, events, now: now)
    }

    /// The driver is at the destination (no status change).
    public func arriveAtCustomer(_ order: OrderRecord, now: Date) async throws -> OrderRecord {
        guard order.status == .delivering else { throw Failure.notAllowed(order.status) }
        if order.arrivedAtCustomerAt != nil { return order }
        var o = order
        o.arrivedAtCustomerAt = now
        o.driverLocation = o.destination
        return try await commit(o, from: o.status, [CallbackEvents.make(.arrivalAtCustomer, o, at: now)], now: now)
    }

    /// The driver cannot reach the customer (no status change).
    public func customerMissing(_ order: OrderRecord, now: Date) async throws -> OrderRecord {
        guard order.status == .delivering else { throw Failure.notAllowed(order.status) }
        return try await commit(order, from: order.status, [CallbackEvents.make(.customerMissing, order, at: now)], now: now)
    }

    /// A `late_delivery` with the given estimate (sandbox, or a plan that cannot meet the window).
    public func announceLate(_ order: OrderRecord, start: Date, end: Date, now: Date) async throws -> OrderRecord {
        guard ServiceTransition.canCancel(order.status) else { throw Failure.notAllowed(order.status) }
        var o = order
        o.announcedLateEstimate = end
        return try await commit(o, from: o.status, [CallbackEvents.late(o, start: start, end: end, at: now)], now: now)
    }

    /// The service cancels (any status but `delivered`/`canceled`); the order leaves its batch.
    public func cancel(_ order: OrderRecord, reason: CancellationReason, now: Date) async throws -> OrderRecord {
        guard ServiceTransition.canCancel(order.status) else { throw Failure.notAllowed(order.status) }
        var o = order
        o.status = .canceled
        o.cancellationReason = reason
        o.batchID = nil
        return try await commit(o, from: order.status, [CallbackEvents.canceled(o, at: now)], now: now)
    }

    /// The service moves the window of an order without a driver; the order leaves its batch. The rescheduler
    /// passes `recheck`, so the new window is booked with capacity re-checked in the same transaction (the
    /// sandbox's simulated rescheduling bypasses capacity).
    public func reschedule(
        _ order: OrderRecord,
        to window: DeliveryWindow,
        now: Date,
        recheck: (@Sendable ([Commitment]) -> BookingDecision?)? = nil
    ) async throws -> OrderRecord {
        guard ServiceTransition.canReschedule(order.status) else { throw Failure.notAllowed(order.status) }
        var o = order
        o.status = .rescheduled
        o.windowStart = window.start
        o.windowEnd = window.end
        o.batchID = nil
        o.driverID = nil
        o.plan = nil
        let event = CallbackEvents.rescheduled(o, previousStart: order.windowStart, previousEnd: order.windowEnd, at: now)
        return try await commit(o, from: order.status, [event], now: now, recheck: recheck)
    }

    /// `late_delivery` when `estimate` is after the window end and moved by 5 minutes or more since the last one.
    func lateEvent(_ o: inout OrderRecord, estimate: Date, now: Date) -> OrderEvent? {
        guard estimate > o.windowEnd else { return nil }
        if let last = o.announcedLateEstimate, abs(estimate.timeIntervalSince(last)) < 300 { return nil }
        o.announcedLateEstimate = estimate
        let w = TripPlan.lateWindow(estimate: estimate, windowStart: o.windowStart)
        return CallbackEvents.late(o, start: w.start, end: w.end, at: now)
    }
}
