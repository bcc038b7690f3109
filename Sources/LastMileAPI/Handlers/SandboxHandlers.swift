import Foundation
import Hummingbird
import LastMileCore
import LastMileFleet
import LastMileStorage

/// The stateful sandbox (§4, development mode only): test drivers, batches that play the driver's part
/// through the same `OrderProgression` as real drivers, simulated service events, and the test clock.
struct SandboxHandlers {
    let service: LastMileService
    var progression: OrderProgression { OrderProgression(storage: service.storage) }

    /// Batch workflow states, in order (§4.1).
    static let states = ["brand_new", "acknowledged_for_delivery", "at_store", "bags_verified", "delivering", "completed"]

    // MARK: K1

    func createShopper(_ input: HandlerInput) async throws -> Response {
        var r = FieldReader(input.body)
        let email = r.formatted("email", message: "Invalid email") { FieldRules.isValidEmail($0) ? $0 : nil }
        let phone = r.formatted("phone", message: "Invalid phone number") { FieldRules.isValidPhone($0) ? $0 : nil }
        guard r.errors.isEmpty else { throw ServiceError.validation(r.errors) }
        guard let shopper = try await service.storage.insertShopper(retailerID: input.retailer.id, email: email, phone: phone) else {
            throw ServiceError.badRequest("An account already exists with this number", key: "phone")
        }
        return JSONResponse.make(IDBody(id: shopper.id))
    }

    // MARK: K2

    func createBatch(_ input: HandlerInput) async throws -> Response {
        var r = FieldReader(input.body)
        let shopperID = r.integer("shopper_id", required: true)
        if let t = r.string("batch_type"), t != "delivery_only" { r.fail("batch_type", "is not included in the list") }
        var target = "acknowledged_for_delivery"
        if let w = r.string("workflow_state") {
            if Self.states.contains(w) { target = w } else { r.fail("workflow_state", "is not included in the list") }
        }
        var entries: [(id: String, userID: String?)] = []
        if let list = r.array("orders", required: true, maxEntries: 10) {
            if list.isEmpty { r.fail("orders", "can't be blank") }
            for (i, item) in list.enumerated() {
                guard case .object(let o) = item else { r.failAtPath("orders[\(i)]", "must be an object"); continue }
                var e = FieldReader(o, prefix: "orders[\(i)]")
                let id = e.string("id", required: true)
                let user = e.string("user_id")
                r.absorb(e.errors)
                if let id { entries.append((id, user)) }
            }
        }
        guard r.errors.isEmpty, let shopperID else { throw ServiceError.validation(r.errors) }
        let retailer = input.retailer
        guard let shopper = try await service.storage.shopper(id: shopperID), shopper.retailerID == retailer.id else {
            throw ServiceError.badRequest("Shopper not found", key: "shopper_id")
        }
        let busy = ServiceError.state("Shopper already has an active batch", key: "shopper_id")
        if try await service.storage.hasActiveBatch(shopperID: shopper.id) { throw busy }
        var orders: [OrderRecord] = []
        for (i, e) in entries.enumerated() {
            let key = "orders[\(i)].id"
            guard FieldRules.isValidIdentifier(e.id), let o = try await service.storage.order(retailerID: retailer.id, orderID: e.id),
                  e.userID == nil || e.userID == o.userID else { throw ServiceError.badRequest("Order not found", key: key) }
            guard [.brandNew, .rescheduled, .staged].contains(o.status) else {
                throw ServiceError.state("Order cannot be batched in its current status", key: key)
            }
            if let b = o.batchID, let batch = try await service.storage.batch(id: b), batch.state != "completed" {
                throw ServiceError.state("Order is already assigned to a batch", key: key)
            }
            if orders.contains(where: { $0.orderID == o.orderID }) { throw ServiceError.state("Order is already assigned to a batch", key: key) }
            orders.append(o)
        }
        guard var batch = try await service.storage.insertBatch(retailerID: retailer.id, shopperID: shopper.id, orderIDs: orders.map(\.orderID))
        else { throw busy }
        let now = input.now
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
            guard case .updated(let saved) = try await service.storage.updateOrder(o, expectedStatus: before, events: events, now: now, recheck: nil)
            else {
                for var c in claimed {
                    c.batchID = nil; c.driverID = nil
                    _ = try? await service.storage.updateOrder(c, expectedStatus: c.status, events: [], now: now, recheck: nil)
                }
                try await service.storage.setBatchState(id: batch.id, state: "completed")
                throw ServiceError.state("Order is already assigned to a batch", key: "orders[\(i)].id")
            }
            claimed.append(saved)
        }
        batch = try await enter(batch, upTo: target, now: now)
        return JSONResponse.make(BatchBody(id: batch.id, workflow_state: batch.state))
    }

    // MARK: K3

    func advanceBatch(_ input: HandlerInput) async throws -> Response {
        var r = FieldReader(input.body)
        let raw = input.params["batch_id"] ?? ""
        // §1.7: decimal digits only (Int64("+5") would accept a sign).
        let batchID = raw.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) ? Int64(raw) : nil
        if batchID == nil { r.fail("batch_id", "must be an integer") }
        let requested = r.string("workflow_state")
        if let requested, !Self.states.contains(requested) { r.fail("workflow_state", "is not included in the list") }
        guard r.errors.isEmpty, let batchID else { throw ServiceError.validation(r.errors) }
        guard let batch = try await service.storage.batch(id: batchID), batch.retailerID == input.retailer.id else { throw ServiceError.notFound }
        let current = Self.states.firstIndex(of: batch.state) ?? 0
        guard current < Self.states.count - 1 else { throw ServiceError.state("Batch cannot be advanced further") }
        let target = requested ?? Self.states[current + 1]
        guard let t = Self.states.firstIndex(of: target), t > current else {
            throw ServiceError.badRequest("must be a later state than the current workflow state", key: "workflow_state")
        }
        guard try await !activeOrders(batch).isEmpty else { throw ServiceError.state("Batch has no active orders") }
        let advanced = try await enter(batch, upTo: target, now: input.now)
        return JSONResponse.make(BatchBody(id: advanced.id, workflow_state: advanced.state))
    }

    /// The batch's orders that are still in it and not canceled.
    func activeOrders(_ batch: BatchRecord) async throws -> [OrderRecord] {
        var result: [OrderRecord] = []
        for id in batch.orderIDs {
            if let o = try await service.storage.order(retailerID: batch.retailerID, orderID: id), o.batchID == batch.id, o.status != .canceled {
                result.append(o)
            }
        }
        return result
    }

    /// Enters every state after the current one up to `target`, with each state's effects on each active
    /// order (§4.1 table), bypassing capacity.
    func enter(_ batch: BatchRecord, upTo target: String, now: Date) async throws -> BatchRecord {
        var batch = batch
        guard let from = Self.states.firstIndex(of: batch.state), let to = Self.states.firstIndex(of: target), to > from else { return batch }
        for state in Self.states[(from + 1)...to] {
            for o in try await activeOrders(batch) {
                try await apply(state, to: o, now: now)
            }
            try await service.storage.setBatchState(id: batch.id, state: state)
            batch.state = state
        }
        return batch
    }

    /// The order status each batch state leads to.
    static let statusOfState: [String: OrderStatus] = [
        "brand_new": .staged, "acknowledged_for_delivery": .acknowledgedForDelivery, "at_store": .atStore,
        "bags_verified": .bagsVerified, "delivering": .delivering, "completed": .delivered,
    ]

    /// Applies a state to one order, idempotently: an order already there (or past it), canceled or out of
    /// the batch is left alone; a lost race re-reads the order and tries again.
    func apply(_ state: String, to order: OrderRecord, now: Date) async throws {
        let p = progression
        let order0 = order
        for _ in 0..<3 {
            guard let o = try await service.storage.order(retailerID: order0.retailerID, orderID: order0.orderID),
                  o.batchID == order0.batchID, o.status != .canceled,
                  let target = Self.statusOfState[state], let step = DriverStep.allCases.first(where: { $0.to == target }),
                  step.from.contains(o.status) else { return }
            do {
                switch state {
                case "acknowledged_for_delivery":
                    let eta = now.addingTimeInterval(15 * 60)
                    let arrival = eta.addingTimeInterval(Double(o.travelMinutes) * 60)
                    let plan = TripPlan(acceptedAt: now, atStore: eta, departure: eta, arrival: arrival, delivered: arrival)
                    _ = try await p.accept(o, driverID: o.driverID ?? "sandbox", plan: plan, now: now, announceLate: false)
                case "at_store": _ = try await p.arriveAtStore(o, now: now)
                case "bags_verified": _ = try await p.verifyBags(o, now: now)
                case "delivering":
                    let store = try await service.storage.store(retailerID: o.retailerID, locationCode: o.locationCode)
                    _ = try await p.depart(o, store: store?.point ?? o.destination, eta: now.addingTimeInterval(Double(o.travelMinutes) * 60), now: now)
                case "completed": _ = try await p.deliver(o, now: now)
                default: return
                }
                return
            } catch OrderProgression.Failure.lostRace {
                continue
            } catch OrderProgression.Failure.notAllowed {
                return
            }
        }
    }

    // MARK: K4

    func simulateEvent(_ input: HandlerInput) async throws -> Response {
        var r = FieldReader(input.body)
        let name = r.string("event_name", required: true)
        if let name, !["canceled", "rescheduled", "late_delivery"].contains(name) { r.fail("event_name", "is not included in the list") }
        guard r.errors.isEmpty, let name else { throw ServiceError.validation(r.errors) }
        let orderID = input.params["order_id"] ?? ""
        guard FieldRules.isValidIdentifier(orderID), let order = try await service.storage.order(retailerID: input.retailer.id, orderID: orderID)
        else { throw ServiceError.notFound }
        let notAllowed = ServiceError.state("Event cannot be simulated for an order in its current status", key: "event_name")
        var current = order
        for attempt in 0..<3 {
            do {
                switch name {
                case "canceled": _ = try await progression.cancel(current, reason: .instacartDriven, now: input.now)
                case "rescheduled":
                    var o = current
                    o.sandboxManaged = true // the rescheduler leaves windows the sandbox moved alone
                    let window = DeliveryWindow(start: o.windowStart.addingTimeInterval(7200), end: o.windowEnd.addingTimeInterval(7200))
                    _ = try await progression.reschedule(o, to: window, now: input.now)
                default:
                    _ = try await progression.announceLate(current, start: current.windowStart, end: current.windowEnd.addingTimeInterval(1800),
                                                           now: input.now)
                }
                return JSONResponse.make(SuccessBody(success: true))
            } catch OrderProgression.Failure.notAllowed { throw notAllowed } catch OrderProgression.Failure.lostRace where attempt < 2 {
                // Changed meanwhile (a driver step, the retailer): decide again on the fresh order.
                guard let fresh = try await service.storage.order(retailerID: order.retailerID, orderID: order.orderID) else { throw ServiceError.notFound }
                current = fresh
            }
        }
        throw ServiceError.unavailable
    }

    // MARK: Test clock (project addition)

    func readClock(_ input: HandlerInput) async throws -> Response {
        JSONResponse.make(ClockBody(now: Timestamp.format(service.clocks.now(for: input.retailer.id)), adjustable: service.clocks.adjustable))
    }

    /// The test clock's upper bound: far beyond any real test, far below year 10000.
    static let latestClock = Timestamp.parse("2100-01-01T00:00:00Z")!

    /// Sets (`now`) or advances (`advance_seconds`) the calling retailer's service time in this process; other
    /// retailers' time does not move.
    func moveClock(_ input: HandlerInput) async throws -> Response {
        var r = FieldReader(input.body)
        let target = r.timestamp("now")
        let seconds = r.integer("advance_seconds", min: 0, max: 366 * 86_400)
        if target != nil && seconds != nil { r.fail("advance_seconds", "cannot be combined with now") }
        if target == nil && seconds == nil && r.errors.isEmpty { r.fail("now", "can't be blank") }
        guard r.errors.isEmpty else { throw ServiceError.validation(r.errors) }
        let retailer = input.retailer.id
        let clock = service.clocks.clock(for: retailer)
        guard service.clocks.adjustable else {
            throw ServiceError.state("The service clock of this process cannot be moved")
        }
        // Time only moves forward: holds, orders and queued callbacks were stamped with the current time.
        if let target, target < clock.now() {
            throw ServiceError.badRequest("must not be earlier than the current service time", key: "now")
        }
        // Bounded so every instant the service then writes stays a four-digit-year timestamp it accepts back.
        let result = target ?? clock.now().addingTimeInterval(TimeInterval(seconds ?? 0))
        if result > Self.latestClock {
            throw ServiceError.badRequest("must not move the service time past \(Timestamp.format(Self.latestClock))",
                                          key: target != nil ? "now" : "advance_seconds")
        }
        if let target { service.clocks.set(retailer, to: target) } else if let seconds { service.clocks.advance(retailer, by: TimeInterval(seconds)) }
        return JSONResponse.make(ClockBody(now: Timestamp.format(clock.now()), adjustable: true))
    }
}

struct IDBody: Encodable { var id: Int64 }
struct BatchBody: Encodable { var id: Int64; var workflow_state: String }
struct SuccessBody: Encodable { var success: Bool }
struct ClockBody: Encodable { var now: String; var adjustable: Bool }
