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
        let phone = r.formatted("phone", message: "Invalid phone number") { Self.isE164($0) ? $0 : nil }
        guard r.errors.isEmpty else { throw ServiceError.validation(r.errors) }
        guard let shopper = try await service.storage.insertShopper(retailerID: input.retailer.id, email: email, phone: phone) else {
            throw ServiceError.badRequest("An account already exists with this number", key: "phone")
        }
        return JSONResponse.make(IDBody(id: shopper.id))
    }

    static func isE164(_ s: String) -> Bool {
        guard s.first == "+" else { return false }
        let digits = s.dropFirst()
        return (8...15).contains(digits.count) && digits.allSatisfy(\.isASCII) && digits.allSatisfy(\.isNumber) && digits.first != "0"
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
        for var o in orders {
            // Staged first (with its callback), and joined to the batch in the same write.
            let before = o.status
            o.batchID = batch.id
            o.driverID = "shopper-\(shopper.id)"
            var events: [OrderEvent] = []
            if before != .staged {
                o.status = .staged
                o.everStaged = true
                events.append(CallbackEvents.staged(o, at: now))
            }
            _ = try await service.storage.updateOrder(o, expectedStatus: before, events: events, now: now, recheck: nil)
        }
        batch = try await enter(batch, upTo: target, now: now)
        return JSONResponse.make(BatchBody(id: batch.id, workflow_state: batch.state))
    }

    // MARK: K3

    func advanceBatch(_ input: HandlerInput) async throws -> Response {
        var r = FieldReader(input.body)
        let raw = input.params["batch_id"] ?? ""
        let batchID = Int64(raw)
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

    func apply(_ state: String, to order: OrderRecord, now: Date) async throws {
        let p = progression
        switch state {
        case "acknowledged_for_delivery":
            let eta = now.addingTimeInterval(15 * 60)
            let arrival = eta.addingTimeInterval(Double(order.travelMinutes) * 60)
            let plan = TripPlan(acceptedAt: now, atStore: eta, departure: eta, arrival: arrival, delivered: arrival)
            _ = try await p.accept(order, driverID: order.driverID ?? "sandbox", plan: plan, now: now, announceLate: false)
        case "at_store": _ = try await p.arriveAtStore(order, now: now)
        case "bags_verified": _ = try await p.verifyBags(order, now: now)
        case "delivering":
            guard let store = try await service.storage.store(retailerID: order.retailerID, locationCode: order.locationCode) else { return }
            _ = try await p.depart(order, store: store.point, eta: now.addingTimeInterval(Double(order.travelMinutes) * 60), now: now)
        case "completed": _ = try await p.deliver(order, now: now)
        default: break
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
        do {
            switch name {
            case "canceled": _ = try await progression.cancel(order, reason: .instacartDriven, now: input.now)
            case "rescheduled":
                let window = DeliveryWindow(start: order.windowStart.addingTimeInterval(7200), end: order.windowEnd.addingTimeInterval(7200))
                _ = try await progression.reschedule(order, to: window, now: input.now)
            default:
                _ = try await progression.announceLate(order, start: order.windowStart, end: order.windowEnd.addingTimeInterval(1800), now: input.now)
            }
        } catch OrderProgression.Failure.notAllowed { throw notAllowed } catch OrderProgression.Failure.lostRace {
            throw ServiceError(.conflict, "The order changed while the event was applied; try again.", code: 4001)
        }
        return JSONResponse.make(SuccessBody(success: true))
    }

    // MARK: Test clock (project addition)

    func readClock(_ input: HandlerInput) async throws -> Response {
        JSONResponse.make(ClockBody(now: Timestamp.format(service.clock.now()), adjustable: service.clock is any AdjustableClock))
    }

    /// Sets (`now`) or advances (`advance_seconds`) the service clock of this process.
    func moveClock(_ input: HandlerInput) async throws -> Response {
        var r = FieldReader(input.body)
        let target = r.timestamp("now")
        let seconds = r.integer("advance_seconds", min: 0, max: 366 * 86_400)
        if target != nil && seconds != nil { r.fail("advance_seconds", "cannot be combined with now") }
        if target == nil && seconds == nil && r.errors.isEmpty { r.fail("now", "can't be blank") }
        guard r.errors.isEmpty else { throw ServiceError.validation(r.errors) }
        guard let clock = service.clock as? any AdjustableClock else {
            throw ServiceError.state("The service clock of this process cannot be moved")
        }
        if let target { clock.set(to: target) } else if let seconds { clock.advance(by: TimeInterval(seconds)) }
        return JSONResponse.make(ClockBody(now: Timestamp.format(clock.now()), adjustable: true))
    }
}

struct IDBody: Encodable { var id: Int64 }
struct BatchBody: Encodable { var id: Int64; var workflow_state: String }
struct SuccessBody: Encodable { var success: Bool }
struct ClockBody: Encodable { var now: String; var adjustable: Bool }
