import Foundation
import Hummingbird
import LastMileBooking
import LastMileCore
import LastMileFleet
import LastMileStorage

/// The stateful sandbox (§4, development mode only): test drivers, batches that play the driver's part
/// through the same `OrderProgression` as real drivers, simulated service events, and the test clock.
struct SandboxHandlers {
    let sandbox: SandboxWorkflow
    let clocks: RetailerClocks

    // MARK: K1

    func createShopper(_ input: HandlerInput) async throws -> Response {
        var r = FieldReader(input.body)
        let email = r.formatted("email", message: "Invalid email") { FieldRules.isValidEmail($0) ? $0 : nil }
        let phone = r.formatted("phone", message: "Invalid phone number") { FieldRules.isValidPhone($0) ? $0 : nil }
        guard r.errors.isEmpty else { throw ServiceError.validation(r.errors) }
        let shopper = try await sandbox.createShopper(retailerID: input.retailer.id, email: email, phone: phone)
        return JSONResponse.make(IDBody(id: shopper.id))
    }

    // MARK: K2

    func createBatch(_ input: HandlerInput) async throws -> Response {
        var r = FieldReader(input.body)
        let shopperID = r.integer("shopper_id", required: true)
        if let t = r.string("batch_type"), t != "delivery_only" { r.fail("batch_type", "is not included in the list") }
        var target = BatchState.acknowledgedForDelivery
        if let w = r.string("workflow_state") {
            if let state = BatchState(rawValue: w) { target = state } else { r.fail("workflow_state", "is not included in the list") }
        }
        var entries: [SandboxWorkflow.BatchEntry] = []
        if let list = r.array("orders", required: true, maxEntries: 10) {
            if list.isEmpty { r.fail("orders", "can't be blank") }
            for (i, item) in list.enumerated() {
                guard case .object(let o) = item else {
                    r.failAtPath("orders[\(i)]", "must be an object")
                    continue
                }
                var e = FieldReader(o, prefix: "orders[\(i)]")
                let id = e.string("id", required: true)
                let user = e.string("user_id")
                r.absorb(e.errors)
                if let id { entries.append(.init(orderID: id, userID: user)) }
            }
        }
        guard r.errors.isEmpty, let shopperID else { throw ServiceError.validation(r.errors) }
        let batch = try await sandbox.createBatch(
            retailerID: input.retailer.id,
            shopperID: shopperID,
            entries: entries,
            target: target,
            now: input.now
        )
        return JSONResponse.make(BatchBody(id: batch.id, workflow_state: batch.state.rawValue))
    }

    // MARK: K3

    func advanceBatch(_ input: HandlerInput) async throws -> Response {
        var r = FieldReader(input.body)
        let raw = input.params["batch_id"] ?? ""
        // §1.7: decimal digits only (Int64("+5") would accept a sign).
        let batchID = raw.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) ? Int64(raw) : nil
        if batchID == nil { r.fail("batch_id", "must be an integer") }
        var requested: BatchState?
        if let name = r.string("workflow_state") {
            requested = BatchState(rawValue: name)
            if requested == nil { r.fail("workflow_state", "is not included in the list") }
        }
        guard r.errors.isEmpty, let batchID else { throw ServiceError.validation(r.errors) }
        let batch = try await sandbox.advanceBatch(id: batchID, retailerID: input.retailer.id, to: requested, now: input.now)
        return JSONResponse.make(BatchBody(id: batch.id, workflow_state: batch.state.rawValue))
    }

    // MARK: K4

    func simulateEvent(_ input: HandlerInput) async throws -> Response {
        var r = FieldReader(input.body)
        let name = r.string("event_name", required: true)
        let event = name.flatMap(SandboxWorkflow.SimulatedEvent.init(rawValue:))
        if name != nil, event == nil { r.fail("event_name", "is not included in the list") }
        guard r.errors.isEmpty, let event else { throw ServiceError.validation(r.errors) }
        try await sandbox.simulate(event, orderID: input.params["order_id"] ?? "", retailerID: input.retailer.id, now: input.now)
        return JSONResponse.make(SuccessBody(success: true))
    }

    // MARK: Test clock (project addition)

    func readClock(_ input: HandlerInput) async throws -> Response {
        JSONResponse.make(ClockBody(now: Timestamp.format(clocks.now(for: input.retailer.id)), adjustable: clocks.adjustable))
    }

    /// Sets (`now`) or advances (`advance_seconds`) the calling retailer's service time in this process; other
    /// retailers' time does not move.
    func moveClock(_ input: HandlerInput) async throws -> Response {
        var r = FieldReader(input.body)
        let target = r.timestamp("now")
        let seconds = r.integer("advance_seconds", min: 0, max: 366 * 86_400)
        if target != nil && seconds != nil { r.fail("advance_seconds", "cannot be combined with now") }
        if target == nil && seconds == nil && r.errors.isEmpty { r.fail("now", "can't be blank") }
        guard r.errors.isEmpty else { throw ServiceError.validation(r.errors) }
        let now = try clocks.move(input.retailer.id, to: target, advancingBy: seconds.map(TimeInterval.init))
        return JSONResponse.make(ClockBody(now: Timestamp.format(now), adjustable: true))
    }
}

struct IDBody: Encodable { var id: Int64 }
struct BatchBody: Encodable {
    var id: Int64
    var workflow_state: String
}
struct SuccessBody: Encodable { var success: Bool }
struct ClockBody: Encodable {
    var now: String
    var adjustable: Bool
}
