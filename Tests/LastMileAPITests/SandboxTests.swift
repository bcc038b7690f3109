import Foundation
import LastMileAPI
import LastMileBooking
import LastMileCore
import LastMileFleet
import LastMileStorage
import Logging
import Testing

@Suite("Sandbox (§4), test clock, simulated drivers")
struct SandboxTests {
    @Test("K1–K4 errors follow their tables; the sandbox does not exist in production", arguments: Engine.available)
    func errors(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine, now: dispatchNow)
        try await env.run { c in
            let token = try await c.token()
            let shoppers = "/v2/fulfillment_sandbox/shoppers"
            (try await c.post(shoppers, token: token, #"{"email":"nope"}"#)).expectError(.badRequest, "Invalid email", key: "email")
            (try await c.post(shoppers, token: token, #"{"phone":"555"}"#)).expectError(.badRequest, "Invalid phone number", key: "phone")
            let both = try await c.post(shoppers, token: token, #"{"email":"nope","phone":"555"}"#)
            both.expectError(.badRequest, "There were issues with your request", code: 9999, key: nil)
            let first = try await c.post(shoppers, token: token, #"{"email":"d1@example.com","phone":"+14155550001"}"#)
            let shopper = try #require(first.json["id"]?.int)
            (try await c.post(shoppers, token: token, #"{"phone":"+14155550001"}"#))
                .expectError(.badRequest, "An account already exists with this number", key: "phone")

            let batches = "/v2/fulfillment_sandbox/batches"
            (try await c.post(batches, token: token, #"{"orders":[{"id":"X"}]}"#)).expectError(.badRequest, "can't be blank", key: "shopper_id")
            (try await c.post(batches, token: token, #"{"shopper_id":\#(shopper),"orders":[]}"#)).expectError(
                .badRequest,
                "can't be blank",
                key: "orders"
            )
            let eleven = (0..<11).map { #"{"id":"O-\#($0)"}"# }.joined(separator: ",")
            (try await c.post(batches, token: token, #"{"shopper_id":\#(shopper),"orders":[\#(eleven)]}"#))
                .expectError(.badRequest, "is too long (maximum is 10 entries)", key: "orders")
            (try await c.post(batches, token: token, #"{"shopper_id":\#(shopper),"batch_type":"pickup","orders":[{"id":"X"}]}"#))
                .expectError(.badRequest, "is not included in the list", key: "batch_type")
            (try await c.post(batches, token: token, #"{"shopper_id":\#(shopper),"orders":[{}]}"#)).expectError(
                .badRequest,
                "can't be blank",
                key: "orders[0].id"
            )
            (try await c.post(batches, token: token, #"{"shopper_id":999999,"orders":[{"id":"X"}]}"#)).expectError(
                .badRequest,
                "Shopper not found",
                key: "shopper_id"
            )
            (try await c.post(batches, token: token, #"{"shopper_id":\#(shopper),"orders":[{"id":"X"}]}"#)).expectError(
                .badRequest,
                "Order not found",
                key: "orders[0].id"
            )
            #expect(try await c.post("/v2/fulfillment/lastmile/orders", token: token, dispatchBody("D-1")).status == .ok)
            #expect(try await c.post("/v2/fulfillment/lastmile/orders", token: token, dispatchBody("D-2")).status == .ok)
            (try await c.post(batches, token: token, #"{"shopper_id":\#(shopper),"orders":[{"id":"D-1","user_id":"someone"}]}"#))
                .expectError(.badRequest, "Order not found", key: "orders[0].id")
            #expect(try await c.post("/v2/fulfillment/lastmile/orders/D-2/cancel", token: token, "{}").status == .ok)
            (try await c.post(batches, token: token, #"{"shopper_id":\#(shopper),"orders":[{"id":"D-1"},{"id":"D-2"}]}"#))
                .expectError(.badRequest, "Order cannot be batched in its current status", code: 2000, key: "orders[1].id")
            let made = try await c.post(batches, token: token, #"{"shopper_id":\#(shopper),"workflow_state":"brand_new","orders":[{"id":"D-1"}]}"#)
            #expect(made.json["workflow_state"]?.stringValue == "brand_new", "\(made.text)")
            let batchID = try #require(made.json["id"]?.int)
            // Batch creation staged the order (brand_new state changes nothing else).
            #expect(try await c.request(.get, "/v2/fulfillment/lastmile/orders/D-1", token: token).json["status"]?.stringValue == "staged")
            (try await c.post(batches, token: token, #"{"shopper_id":\#(shopper),"orders":[{"id":"D-1"}]}"#))
                .expectError(.badRequest, "Shopper already has an active batch", code: 2000, key: "shopper_id")
            let other = try #require(try await c.post(shoppers, token: token, "{}").json["id"]?.int)
            (try await c.post(batches, token: token, #"{"shopper_id":\#(other),"orders":[{"id":"D-1"}]}"#))
                .expectError(.badRequest, "Order is already assigned to a batch", code: 2000, key: "orders[0].id")

            let advance = "/v2/fulfillment_sandbox/batches/\(batchID)/advance"
            (try await c.post("/v2/fulfillment_sandbox/batches/abc/advance", token: token)).expectError(
                .badRequest,
                "must be an integer",
                key: "batch_id"
            )
            (try await c.post(advance, token: token, #"{"workflow_state":"flying"}"#)).expectError(
                .badRequest,
                "is not included in the list",
                key: "workflow_state"
            )
            (try await c.post("/v2/fulfillment_sandbox/batches/1/advance", token: token)).expectError(
                .notFound,
                "Resource not found",
                code: 4000,
                key: nil
            )
            (try await c.post(advance, token: token, #"{"workflow_state":"brand_new"}"#))
                .expectError(.badRequest, "must be a later state than the current workflow state", key: "workflow_state")
            #expect(try await c.post(advance, token: token).json["workflow_state"]?.stringValue == "acknowledged_for_delivery")
            #expect(
                try await c.request(.get, "/v2/fulfillment/lastmile/orders/D-1", token: token).json["status"]?.stringValue
                    == "acknowledged_for_delivery"
            )
            let callbacks = "/v2/fulfillment_sandbox/orders/D-1/callbacks"
            (try await c.post(callbacks, token: token, "{}")).expectError(.badRequest, "can't be blank", key: "event_name")
            (try await c.post(callbacks, token: token, #"{"event_name":"delivered"}"#)).expectError(
                .badRequest,
                "is not included in the list",
                key: "event_name"
            )
            (try await c.post("/v2/fulfillment_sandbox/orders/none/callbacks", token: token, #"{"event_name":"canceled"}"#))
                .expectError(.notFound, "Resource not found", code: 4000, key: nil)
            (try await c.post(callbacks, token: token, #"{"event_name":"rescheduled"}"#))
                .expectError(.badRequest, "Event cannot be simulated for an order in its current status", code: 2000, key: "event_name")
            #expect(try await c.post(callbacks, token: token, #"{"event_name":"canceled"}"#).status == .ok)
            let order = try await c.request(.get, "/v2/fulfillment/lastmile/orders/D-1", token: token)
            #expect(order.json["status"]?.stringValue == "canceled" && order.json["cancellation_reason"]?.stringValue == "instacart_driven")
            (try await c.post(advance, token: token)).expectError(.badRequest, "Batch has no active orders", code: 2000, key: nil)
            (try await c.post(callbacks, token: token, #"{"event_name":"late_delivery"}"#))
                .expectError(.badRequest, "Event cannot be simulated for an order in its current status", code: 2000, key: "event_name")
            // Another retailer sees none of it.
            let beta = try await c.token("beta", "beta-client-secret-1")
            (try await c.post(advance, token: beta)).expectError(.notFound, "Resource not found", code: 4000, key: nil)
        }
        let production = try await TestEnvironment(engine: engine, now: dispatchNow, mode: .production)
        try await production.run { c in
            let token = try await c.token()
            (try await c.post("/v2/fulfillment_sandbox/shoppers", token: token, "{}")).expectError(
                .notFound,
                "Resource not found",
                code: 4000,
                key: nil
            )
            (try await c.request(.get, "/v2/fulfillment_sandbox/clock", token: token)).expectError(
                .notFound,
                "Resource not found",
                code: 4000,
                key: nil
            )
        }
    }

    @Test("the test clock reads, sets and advances service time; advancing expires holds", arguments: Engine.available)
    func testClockExpiresHolds(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine, config: capacityConfigJSON, rateLimitOverride: 1_000_000)
        for u in 0..<10 { _ = try await env.storage.insertUserIfAbsent(UserRecord(retailerID: "cap", userID: "u\(u)", createdAt: exampleNow)) }
        try await env.run { c in
            let token = try await c.token("cap", "cap-client-secret-1")
            #expect(
                try await c.request(.get, "/v2/fulfillment_sandbox/clock", token: token).json
                    == .object(["now": .string("2025-06-11T00:35:12Z"), "adjustable": .bool(true)])
            )
            for u in 0..<9 {
                let r = try await c.post("/v2/fulfillment/users/u\(u)/service_options/cart/last_mile", token: token, windowBody)
                let id = try #require(r.json["service_options"]?[0]?["id"]?.int)
                #expect(try await c.post("/v2/fulfillment/users/u\(u)/service_options/\(id)/reserve", token: token).status == .ok)
            }
            #expect(
                try await c.post("/v2/fulfillment/users/u9/service_options/cart/last_mile", token: token, windowBody).json["service_options"]?.array?
                    .isEmpty == true
            )
            let moved = try await c.post("/v2/fulfillment_sandbox/clock", token: token, #"{"advance_seconds":600}"#)
            #expect(moved.json["now"]?.stringValue == "2025-06-11T00:45:12Z", "\(moved.text)")
            #expect(
                try await c.post("/v2/fulfillment/users/u9/service_options/cart/last_mile", token: token, windowBody).json["service_options"]?.array?
                    .count == 1
            )
            #expect(
                try await c.post("/v2/fulfillment_sandbox/clock", token: token, #"{"now":"2025-06-11T02:00:00+01:00"}"#).json["now"]?.stringValue
                    == "2025-06-11T01:00:00Z"
            )
            // The retailer's time moved; the process clock (every other retailer's time) did not.
            #expect(env.service.clocks.now(for: "cap") == Timestamp.parse("2025-06-11T01:00:00Z"))
            #expect(env.clock.now() == exampleNow)
            (try await c.post("/v2/fulfillment_sandbox/clock", token: token, "{}")).expectError(.badRequest, "can't be blank", key: "now")
            (try await c.post("/v2/fulfillment_sandbox/clock", token: token, #"{"now":"2025-06-10T00:00:00Z"}"#))
                .expectError(.badRequest, "must not be earlier than the current service time", key: "now")
            (try await c.post("/v2/fulfillment_sandbox/clock", token: token, #"{"advance_seconds":-5}"#))
                .expectError(.badRequest, "must be greater than or equal to 0", key: "advance_seconds")
        }
    }

    @Test("simulated drivers deliver a staged order by its plan on the service clock, with the documented events", arguments: Engine.available)
    func simulatedDrivers(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine, now: dispatchNow)
        let simulator = DriverSimulator(
            storage: env.storage,
            clock: env.clock,
            speedUp: 60,
            logger: Logger(label: "sim"),
            dispatcher: CapacityDispatcher(booking: env.service.booking)
        )
        try await env.run { c in
            let token = try await c.token()
            #expect(try await c.post("/v2/fulfillment/lastmile/orders", token: token, dispatchBody("D-1")).status == .ok)
            #expect(try await c.post("/v2/fulfillment/lastmile/orders", token: token, dispatchBody("D-2")).status == .ok)
            #expect(try await c.post("/v2/fulfillment/lastmile/orders/D-1/staged", token: token, #"{"bags_count":2}"#).status == .ok)
        }
        // Nothing is taken before its trip is due: the trip stays open to new orders until 20 minutes before
        // its pickup (the window opens 01:00Z, 7 minutes away: pickup at 00:48Z, taken from 00:28Z).
        #expect(await simulator.tick() == 0)
        env.clock.set(to: Timestamp.parse("2025-06-11T00:28:00Z")!)
        // Unstaged orders are left alone; the staged one is accepted.
        #expect(await simulator.tick() == 1)
        var order = try #require(try await env.storage.order(retailerID: "alpha", orderID: "D-1"))
        // Dispatched to a shift of the plan (D-2, booked in the same window, is not staged: it stays behind).
        #expect(
            order.status == .acknowledgedForDelivery && order.driverID?.hasPrefix("virtual-SF-001-") == true && order.simulatedDriver == true,
            "\(order.driverID ?? "nil")"
        )
        let plan = try #require(order.plan)
        // Compressed 60×, the drive takes seconds; the handoff still waits for the window to open (§2.0.5).
        #expect(plan.delivered == order.windowStart, "\(plan)")
        #expect(plan.arrival <= plan.delivered && plan.arrival < env.clock.now().addingTimeInterval(60), "\(plan)")
        for _ in 0..<100 where order.status != .delivered {
            env.clock.advance(by: 30)
            await simulator.tick()
            order = try #require(try await env.storage.order(retailerID: "alpha", orderID: "D-1"))
        }
        #expect(order.status == .delivered)
        let events = try await env.storage.orderEvents(retailerID: "alpha", orderID: "D-1").map(\.type)
        let expected = [
            "brand_new", "staged", "acknowledged_for_delivery", "at_store_eta", "at_store", "bags_verified", "delivering",
            "order_location", "arrival_at_customer", "delivered",
        ].map { "fulfillment.\($0)" }
        #expect(events.filter { $0 != "fulfillment.order_location" } == expected.filter { $0 != "fulfillment.order_location" })
        #expect(events.contains("fulfillment.order_location"))
        #expect(try await env.storage.order(retailerID: "alpha", orderID: "D-2")?.status == .brandNew)
        #expect(order.deliveredAt != nil && order.deliveredAt! >= order.windowStart)
    }

    @Test("dispatch follows the capacity plan: one driver takes two orders one after the other", arguments: Engine.available)
    func dispatchFollowsThePlan(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine, config: capacityConfigJSON, rateLimitOverride: 1_000_000)
        let simulator = DriverSimulator(
            storage: env.storage,
            clock: env.clock,
            speedUp: 1,
            logger: Logger(label: "sim"),
            dispatcher: CapacityDispatcher(booking: env.service.booking)
        )
        try await env.run { c in
            let token = try await c.token("cap", "cap-client-secret-1")
            for id in ["C-1", "C-2"] {
                let body =
                    #"{"order_id":"\#(id)","location_code":"CAP-1","start_at":"2025-06-11T01:00:00Z","end_at":"2025-06-11T03:00:00Z","first_name":"A","last_name":"B","user_phone":"+14155550123","items_count":1,"items_weight":1,"address":{"address_line_1":"500 Howard St","postal_code":"94105"}}"#
                #expect(try await c.post("/v2/fulfillment/lastmile/orders", token: token, body).status == .ok)
                #expect(try await c.post("/v2/fulfillment/lastmile/orders/\(id)/staged", token: token, "{}").status == .ok)
            }
        }
        // One order a trip here, one driver: C-1's trip is due now, C-2's only once the driver is nearly back.
        #expect(await simulator.tick() == 1)
        let first = try #require(try await env.storage.order(retailerID: "cap", orderID: "C-1"))
        let p1 = try #require(first.plan)
        #expect(first.driverID == "solo" && p1.arrival >= first.windowStart && p1.arrival <= first.windowEnd)
        env.clock.set(to: p1.returnAt!.addingTimeInterval(-15 * 60))
        #expect(await simulator.tick() >= 1)
        let second = try #require(try await env.storage.order(retailerID: "cap", orderID: "C-2"))
        #expect(second.driverID == "solo")
        let p2 = try #require(second.plan)
        // The second trip starts when the only driver is back from the first.
        #expect(p2.pickup >= p1.returnAt!, "\(p1) \(p2)")
        #expect(p2.arrival <= second.windowEnd)
        // Accepted trips stay with their driver in the capacity check (§2.0.5).
        let commitments = try await env.storage.commitments(retailerID: "cap", locationCode: "CAP-1", now: env.clock.now(), excludingHoldOfUser: nil)
        #expect(commitments.compactMap(\.assignment?.driverID) == ["solo", "solo"])
    }

    @Test(
        "a multi-stop trip is taken as a whole: its staged orders go together, in the plan's order, and nothing waits in vain",
        arguments: Engine.available
    )
    func multiStopTrip(engine: Engine) async throws {
        let config = capacityConfigJSON.replacingOccurrences(of: #""max_orders_per_trip": 1,"#, with: #""max_orders_per_trip": 3,"#)
        let env = try await TestEnvironment(engine: engine, config: config, rateLimitOverride: 1_000_000)
        let simulator = DriverSimulator(
            storage: env.storage,
            clock: env.clock,
            speedUp: 1,
            logger: Logger(label: "sim"),
            dispatcher: CapacityDispatcher(booking: env.service.booking)
        )
        try await env.run { c in
            let token = try await c.token("cap", "cap-client-secret-1")
            for (id, street) in [("M-1", "500 Howard St"), ("M-2", "200 Mission St"), ("M-3", "1 Market St")] {
                let body =
                    #"{"order_id":"\#(id)","location_code":"CAP-1","start_at":"2025-06-11T01:00:00Z","end_at":"2025-06-11T03:00:00Z","first_name":"A","last_name":"B","user_phone":"+14155550123","items_count":1,"items_weight":1,"address":{"address_line_1":"\#(street)","postal_code":"94105"}}"#
                #expect(try await c.post("/v2/fulfillment/lastmile/orders", token: token, body).status == .ok)
            }
            // M-3 is not ready: it stays behind and is planned again.
            for id in ["M-1", "M-2"] { #expect(try await c.post("/v2/fulfillment/lastmile/orders/\(id)/staged", token: token, "{}").status == .ok) }
        }
        #expect(await simulator.tick() >= 1)
        let m1 = try #require(try await env.storage.order(retailerID: "cap", orderID: "M-1"))
        let m2 = try #require(try await env.storage.order(retailerID: "cap", orderID: "M-2"))
        let p1 = try #require(m1.plan)
        let p2 = try #require(m2.plan)
        #expect(m1.driverID == "solo" && m2.driverID == "solo")
        // One trip: one pickup, one return, two stops in sequence, each handed off inside its window.
        #expect(p1.pickup == p2.pickup && p1.returnAt == p2.returnAt && p1.stops == 2 && p2.stops == 2)
        #expect(Set([p1.stop, p2.stop]) == [1, 2])
        for (o, p) in [(m1, p1), (m2, p2)] { #expect(p.delivered >= o.windowStart && p.delivered <= o.windowEnd, "\(p)") }
        #expect(try await env.storage.order(retailerID: "cap", orderID: "M-3")?.status == .brandNew)
        let commitments = try await env.storage.commitments(retailerID: "cap", locationCode: "CAP-1", now: env.clock.now(), excludingHoldOfUser: nil)
        #expect(commitments.compactMap(\.assignment?.busyUntil) == [p1.returnAt!, p1.returnAt!])
    }

    @Test("two simulators on one database never apply a step twice", arguments: Engine.available)
    func competingSimulators(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine, now: dispatchNow)
        let a = DriverSimulator(storage: env.storage, clock: env.clock, speedUp: 600, logger: Logger(label: "a"))
        let b = DriverSimulator(storage: env.storage, clock: env.clock, speedUp: 600, logger: Logger(label: "b"))
        try await env.run { c in
            let token = try await c.token()
            for i in 1...5 {
                #expect(try await c.post("/v2/fulfillment/lastmile/orders", token: token, dispatchBody("D-\(i)")).status == .ok)
                #expect(try await c.post("/v2/fulfillment/lastmile/orders/D-\(i)/staged", token: token, "{}").status == .ok)
            }
        }
        // The handoffs wait for the window (01:00Z, two hours away).
        for _ in 0..<130 {
            env.clock.advance(by: 60)
            async let x = a.tick()
            async let y = b.tick()
            _ = await (x, y)
        }
        for i in 1...5 {
            let events = try await env.storage.orderEvents(retailerID: "alpha", orderID: "D-\(i)").map(\.type)
            #expect(try await env.storage.order(retailerID: "alpha", orderID: "D-\(i)")?.status == .delivered)
            for once in ["acknowledged_for_delivery", "at_store", "bags_verified", "delivering", "arrival_at_customer", "delivered"] {
                #expect(events.filter { $0 == "fulfillment.\(once)" }.count == 1, "D-\(i): \(events)")
            }
        }
    }
}

@Suite("Service rescheduling (§2.0.9)")
struct ReschedulerTests {
    @Test(
        "an unassigned order whose window can no longer be served moves to the soonest feasible window, or is canceled unbatchable",
        arguments: Engine.available
    )
    func reschedulesOrCancels(engine: Engine) async throws {
        let twoDays = testConfigJSON.replacingOccurrences(of: #""scheduling_horizon_days": 1"#, with: #""scheduling_horizon_days": 2"#)
        let env = try await TestEnvironment(engine: engine, now: dispatchNow, config: twoDays)
        let rescheduler = Rescheduler(booking: env.service.booking, clocks: env.service.clocks)
        try await env.run { c in
            let token = try await c.token()
            #expect(try await c.post("/v2/fulfillment/lastmile/orders", token: token, dispatchBody("D-1")).status == .ok)
            #expect(try await c.post("/v2/fulfillment/lastmile/orders/D-1/staged", token: token, "{}").status == .ok)
        }
        #expect(await rescheduler.tick() == 0)  // feasible as booked
        env.clock.set(to: Timestamp.parse("2025-06-11T02:58:00Z")!)  // too late for 01:00–03:00Z
        #expect(await rescheduler.tick() == 1)
        let moved = try #require(try await env.storage.order(retailerID: "alpha", orderID: "D-1"))
        #expect(moved.status == .rescheduled)
        #expect(Timestamp.format(moved.windowStart) == "2025-06-11T15:00:00Z" && Timestamp.format(moved.windowEnd) == "2025-06-11T17:00:00Z")
        let event = try #require(try await env.storage.orderEvents(retailerID: "alpha", orderID: "D-1").last)
        #expect(event.type == "fulfillment.rescheduled")
        #expect(
            try JSONValue.parse(Data(event.metadata.utf8))
                == JSONValue.parse(
                    Data(
                        #"""
                        {"order_id":"D-1","new_window":{"starts_at":"2025-06-11T15:00:00Z","ends_at":"2025-06-11T17:00:00Z"},
                         "previous_window":{"starts_at":"2025-06-11T01:00:00Z","ends_at":"2025-06-11T03:00:00Z"}}
                        """#.utf8
                    )
                )
        )
        #expect(await rescheduler.tick() == 0)  // stable once moved
        // A window the sandbox moved (bypassing capacity) is left alone.
        try await env.run { c in
            let token = try await c.token()
            #expect(
                try await c.post(
                    "/v2/fulfillment/lastmile/orders",
                    token: token,
                    dispatchBody("D-3", start: "2025-06-11T08:00:00-07:00", end: "2025-06-11T10:00:00-07:00")
                ).status == .ok
            )
            #expect(try await c.post("/v2/fulfillment_sandbox/orders/D-3/callbacks", token: token, #"{"event_name":"rescheduled"}"#).status == .ok)
        }
        env.clock.set(to: Timestamp.parse("2025-06-12T02:58:00Z")!)  // long after its window (D-1 is moved again)
        await rescheduler.tick()
        let d3 = try #require(try await env.storage.order(retailerID: "alpha", orderID: "D-3"))
        #expect(d3.status == .rescheduled && Timestamp.format(d3.windowStart) == "2025-06-11T17:00:00Z", "\(d3.windowStart)")

        let oneDay = try await TestEnvironment(engine: engine, now: dispatchNow)
        try await oneDay.run { c in
            let token = try await c.token()
            #expect(try await c.post("/v2/fulfillment/lastmile/orders", token: token, dispatchBody("D-2")).status == .ok)
        }
        oneDay.clock.set(to: Timestamp.parse("2025-06-11T02:58:00Z")!)
        #expect(await Rescheduler(booking: oneDay.service.booking, clocks: oneDay.service.clocks).tick() == 1)
        let canceled = try #require(try await oneDay.storage.order(retailerID: "alpha", orderID: "D-2"))
        #expect(canceled.status == .canceled && canceled.cancellationReason == .unbatchable)
    }
}
