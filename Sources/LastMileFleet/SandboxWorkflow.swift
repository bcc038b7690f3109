import Foundation
import LastMileBooking
import LastMileCore
import LastMileStorage

/// The stateful sandbox's use cases (§4, development mode only): test drivers, batches that play the
/// driver's part through the same `OrderProgression` as real drivers, and simulated service events.
public struct SandboxWorkflow: Sendable {
    let booking: BookingService
    var storage: any Storage { booking.storage }
    var progression: OrderProgression { booking.progression }

    public init(booking: BookingService) { self.booking = booking }

    /// An order named in a new batch, as the request names it.
    public struct BatchEntry: Sendable {
        public var orderID: String
        public var userID: String?
        public init(orderID: String, userID: String?) {
            self.orderID = orderID
            self.userID = userID
        }
    }

    /// The events K4 simulates.
    public enum SimulatedEvent: String, Sendable, CaseIterable {
        case canceled, rescheduled
        case lateDelivery = "late_delivery"
    }

    /// K1: a test driver; nil when the phone number is taken.
    public func createShopper(retailerID: String, email: String?, phone: String?) async throws -> ShopperRecord {
        guard let shopper = try await storage.insertShopper(retailerID: retailerID, email: email, phone: phone) else {
            throw ServiceError.badRequest("An account already exists with this number", key: "phone")
        }
        return shopper
    }

    /// K2: a batch of the shopper's orders, entered up to `target`.
    public func createBatch(
        retailerID: String,
        shopperID: Int64,
        entries: [BatchEntry],
        target: BatchState,
        now: Date
    ) async throws
        -> BatchRecord
    {
        guard let shopper = try await storage.shopper(id: shopperID), shopper.retailerID == retailerID else {
            throw ServiceError.badRequest("Shopper not found", key: "shopper_id")
        }
        let busy = ServiceError.state("Shopper already has an active batch", key: "shopper_id")
        if try await storage.hasActiveBatch(shopperID: shopper.id) { throw busy }
        var orders: [OrderRecord] = []
        for (i, e) in entries.enumerated() {
            let key = "orders[\(i)].id"
            guard FieldRules.isValidIdentifier(e.orderID), let o = try await storage.order(retailerID: retailerID, orderID: e.orderID),
                e.userID == nil || e.userID == o.userID
            else { throw ServiceError.badRequest("Order not found", key: key) }
            guard [.brandNew, .rescheduled, .staged].contains(o.status) else {
                throw ServiceError.state("Order cannot be batched in its current status", key: key)
            }
            if let b = o.batchID, let batch = try await storage.batch(id: b), batch.state != .completed {
                throw ServiceError.state("Order is already assigned to a batch", key: key)
            }
            if orders.contains(where: { $0.orderID == o.orderID }) {
                throw ServiceError.state("Order is already assigned to a batch", key: key)
            }
            orders.append(o)
        }
        guard let batch = try await storage.insertBatch(retailerID: retailerID, shopperID: shopper.id, orderIDs: orders.map(\.orderID))
        else { throw busy }
        var claimed: [OrderRecord] = []
        for (i, order) in orders.enumerated() {
            // Staged first (with its callback) and joined to the batch in one conditional write. An order
            // that changed meanwhile (another batch, a simulated driver, the retailer) fails the request;
            // the batch is closed so the test driver is free again.
            var o = order
            let before = o.status
            o.batchID = batch.id
            o.driverID = "shopper-\(shopper.id)"
            o.sandboxManaged = true
            var events: [OrderEvent] = []
            if before != .staged {
                o.status = .staged
                o.everStaged = true
                events.append(CallbackEvents.staged(o, at: now))
            }
            guard case .updated(let saved) = try await storage.updateOrder(o, expectedStatus: before, events: events, now: now, recheck: nil)
            else {
                for var c in claimed {
                    c.batchID = nil
                    c.driverID = nil
                    _ = try? await storage.updateOrder(c, expectedStatus: c.status, events: [], now: now, recheck: nil)
                }
                try await storage.setBatchState(id: batch.id, state: .completed)
                throw ServiceError.state("Order is already assigned to a batch", key: "orders[\(i)].id")
            }
            claimed.append(saved)
        }
        return try await enter(batch, upTo: target, now: now)
    }

    /// K3: the batch moves to `requested`, else to its next state.
    public func advanceBatch(id: Int64, retailerID: String, to requested: BatchState?, now: Date) async throws -> BatchRecord {
        guard let batch = try await storage.batch(id: id), batch.retailerID == retailerID else { throw ServiceError.notFound }
        let states = BatchState.allCases
        let current = states.firstIndex(of: batch.state) ?? 0
        guard current < states.count - 1 else { throw ServiceError.state("Batch cannot be advanced further") }
        let target = requested ?? states[current + 1]
        guard target > batch.state else {
            throw ServiceError.badRequest("must be a later state than the current workflow state", key: "workflow_state")
        }
        guard try await !activeOrders(batch).isEmpty else { throw ServiceError.state("Batch has no active orders") }
        return try await enter(batch, upTo: target, now: now)
    }

    /// The batch's orders that are still in it and not canceled.
    func activeOrders(_ batch: BatchRecord) async throws -> [OrderRecord] {
        var result: [OrderRecord] = []
        for id in batch.orderIDs {
            if let o = try await storage.order(retailerID: batch.retailerID, orderID: id), o.batchID == batch.id, o.status != .canceled {
                result.append(o)
            }
        }
        return result
    }

    /// Enters every state after the current one up to `target`, with each state's effects on each active
    /// order (§4.1 table), bypassing capacity.
    func enter(_ batch: BatchRecord, upTo target: BatchState, now: Date) async throws -> BatchRecord {
        var batch = batch
        for state in BatchState.allCases where state > batch.state && state <= target {
            for o in try await activeOrders(batch) {
                try await apply(state, to: o, now: now)
            }
            try await storage.setBatchState(id: batch.id, state: state)
            batch.state = state
        }
        return batch
    }

    /// The order status each batch state leads to.
    static let statusOfState: [BatchState: OrderStatus] = [
        .brandNew: .staged, .acknowledgedForDelivery: .acknowledgedForDelivery, .atStore: .atStore,
        .bagsVerified: .bagsVerified, .delivering: .delivering, .completed: .delivered,
    ]

    /// Applies a state to one order, idempotently: an order already there (or past it), canceled or out of
    /// the batch is left alone; a lost race re-reads the order and tries again.
    func apply(_ state: BatchState, to order: OrderRecord, now: Date) async throws {
        let p = progression
        for _ in 0..<3 {
            guard let o = try await storage.order(retailerID: order.retailerID, orderID: order.orderID),
                o.batchID == order.batchID, o.status != .canceled,
                let target = Self.statusOfState[state], let step = DriverStep.allCases.first(where: { $0.to == target }),
                step.from.contains(o.status)
            else { return }
            do {
                switch state {
                case .acknowledgedForDelivery:
                    let eta = now.addingTimeInterval(15 * 60)
                    let arrival = eta.addingTimeInterval(Double(o.travelMinutes) * 60)
                    let plan = TripPlan(acceptedAt: now, atStore: eta, departure: eta, arrival: arrival, delivered: arrival)
                    _ = try await p.accept(o, driverID: o.driverID ?? "sandbox", plan: plan, now: now, announceLate: false)
                case .atStore: _ = try await p.arriveAtStore(o, now: now)
                case .bagsVerified: _ = try await p.verifyBags(o, now: now)
                case .delivering:
                    let store = try await storage.store(retailerID: o.retailerID, locationCode: o.locationCode)
                    let eta = now.addingTimeInterval(Double(o.travelMinutes) * 60)
                    _ = try await p.depart(o, store: store?.point ?? o.destination, eta: eta, now: now)
                case .completed: _ = try await p.deliver(o, now: now)
                case .brandNew: return
                }
                return
            } catch OrderProgression.Failure.lostRace {
                continue
            } catch OrderProgression.Failure.notAllowed {
                return
            }
        }
    }

    /// K4: the service's own event on an order, as the real service would send it.
    public func simulate(_ event: SimulatedEvent, orderID: String, retailerID: String, now: Date) async throws {
        guard FieldRules.isValidIdentifier(orderID), var current = try await storage.order(retailerID: retailerID, orderID: orderID)
        else { throw ServiceError.notFound }
        let notAllowed = ServiceError.state("Event cannot be simulated for an order in its current status", key: "event_name")
        for attempt in 0..<3 {
            do {
                switch event {
                case .canceled: _ = try await progression.cancel(current, reason: .instacartDriven, now: now)
                case .rescheduled:
                    var o = current
                    o.sandboxManaged = true  // the rescheduler leaves windows the sandbox moved alone
                    let window = DeliveryWindow(start: o.windowStart.addingTimeInterval(7200), end: o.windowEnd.addingTimeInterval(7200))
                    _ = try await progression.reschedule(o, to: window, now: now)
                case .lateDelivery:
                    _ = try await progression.announceLate(
                        current,
                        start: current.windowStart,
                        end: current.windowEnd.addingTimeInterval(1800),
                        now: now
                    )
                }
                return
            } catch OrderProgression.Failure.notAllowed {
                throw notAllowed
            } catch OrderProgression.Failure.lostRace where attempt < 2 {
                // Changed meanwhile (a driver step, the retailer): decide again on the fresh order.
                guard let fresh = try await storage.order(retailerID: retailerID, orderID: orderID) else { throw ServiceError.notFound }
                current = fresh
            }
        }
        throw ServiceError.unavailable
    }
}
