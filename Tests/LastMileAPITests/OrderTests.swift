import Foundation
import LastMileCore
import LastMileStorage
import Testing

private func orderBody(_ orderID: String, hold: Int64, location: String = "SF-001", extra: String = "") -> String {
    #"""
    {"order_id":"\#(orderID)","location_code":"\#(location)","locale":"en-US","service_option_hold_id":\#(hold),
     "first_name":"Ada","last_name":"Lovelace","user_phone":"+14155550123","email":"ada@example.com","initial_tip_cents":500,
     "items_count":12,"bags_count":3,"items_weight":18.5,"cart_total":64.2,"bag_label":"LOVELACE-3","alcoholic":false,
     "leave_unattended":false,"special_instructions":"Ring the bell twice","customer_sms_opt_out":false,"with_handoff_time":false,
     "address":{"address_line_1":"500 Howard St","address_line_2":"Apt 4","address_type":"residential","postal_code":"94105","city":"San Francisco","state":"CA"}\#(extra)}
    """#
}

@Suite("Orders (§2.6)")
struct OrderTests {
    /// Lists SF-001 for the user and reserves the option at `index`; returns the hold id and the option.
    static func hold(_ c: TestEnvironment.Client, token: String, user: String, index: Int = 0) async throws -> (Int64, JSONValue) {
        let list = try await c.post(
            "/v2/fulfillment/users/\(user)/service_options/cart/last_mile",
            token: token,
            #"{"address":{"address_line_1":"500 Howard St","postal_code":"94105"},"location_code":"SF-001","cart_total_cents":6420,"items_count":12}"#
        )
        let option = try #require(list.json["service_options"]?[index])
        let r = try await c.post("/v2/fulfillment/users/\(user)/service_options/\(option["id"]!.int!)/reserve", token: token)
        return (try #require(r.json["service_option_hold"]?["id"]?.int, "\(r.text)"), option)
    }

    @Test(
        "journey: list → reserve → create (the contract's example body) → get → stage → re-stage → cancel, with events",
        arguments: Engine.available
    )
    func journey(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine)
        try await env.run { c in
            let token = try await c.token()
            try await c.createUser("cust-4821", token: token)
            let (holdID, option) = try await Self.hold(c, token: token, user: "cust-4821", index: 1)  // 18:00–20:00 local
            #expect(option["window"]?["start_at"]?.stringValue == "2025-06-11T01:00:00Z")
            env.clock.set(to: Timestamp.parse("2025-06-11T00:38:05Z")!)
            let created = try await c.post("/v2/fulfillment/users/cust-4821/orders/last_mile", token: token, orderBody("A-10001", hold: holdID))
            #expect(created.status == .ok, "\(created.text)")
            let expected = try JSONValue.parse(
                Data(
                    #"""
                    {"id":"A-10001","status":"brand_new","order_url":null,"created_at":"2025-06-11T00:38:05Z","locale":"en_US","cancellation_reason":null,
                     "user":{"id":"cust-4821","first_name":"Ada","last_name":"Lovelace","phone":"+14155550123"},
                     "address":{"address_line_1":"500 Howard St","address_line_2":"Apt 4","address_type":"residential","postal_code":"94105","city":"San Francisco","state":"CA"},
                     "fulfillment_details":{"store_location":"SF-001","window_starts_at":"2025-06-11T01:00:00Z","window_ends_at":"2025-06-11T03:00:00Z",
                       "handoff_time":null,"delivered_at":null,"bag_label":"LOVELACE-3","bags_count":3,"bag_count":3,"items_count":12,"items_weight":18.5,"bag_scan_codes":[]},
                     "tip_amount_cents":500,"alcoholic":false,"leave_unattended":false,"special_instructions":"Ring the bell twice"}
                    """#.utf8
                )
            )
            #expect(created.json == expected)
            let got = try await c.request(.get, "/v2/fulfillment/users/cust-4821/orders/A-10001", token: token)
            #expect(got.json == expected)
            // Same body again: the current order, no side effect. Different body: 409.
            #expect(
                try await c.post("/v2/fulfillment/users/cust-4821/orders/last_mile", token: token, orderBody("A-10001", hold: holdID)).json
                    == expected
            )
            (try await c.post(
                "/v2/fulfillment/users/cust-4821/orders/last_mile",
                token: token,
                orderBody("A-10001", hold: holdID).replacingOccurrences(of: "LOVELACE-3", with: "X")
            ))
            .expectError(.conflict, "An order with this order_id already exists with different parameters.", code: 4001, key: "order_id")
            // The deprecated alias is the same family.
            #expect(
                try await c.post("/v2/fulfillment/lastmile/users/cust-4821/orders", token: token, orderBody("A-10001", hold: holdID)).json == expected
            )

            let staged = try await c.post(
                "/v2/fulfillment/users/cust-4821/orders/A-10001/staged",
                token: token,
                #"{"bags_count":4,"items_weight":19.0,"bag_label":"LOVELACE-4","bag_scan_codes":["BAG-A10001-1","BAG-A10001-2","BAG-A10001-3","BAG-A10001-4"]}"#
            )
            #expect(staged.json["status"]?.stringValue == "staged")
            #expect(staged.json["fulfillment_details"]?["bag_count"]?.int == 4)
            #expect(staged.json["fulfillment_details"]?["bag_scan_codes"]?.array?.count == 4)
            let restaged = try await c.post("/v2/fulfillment/users/cust-4821/orders/A-10001/staged", token: token, #"{"bag_scan_codes":["ONE"]}"#)
            #expect(restaged.json["fulfillment_details"]?["bag_scan_codes"] == .array([.string("ONE")]))
            let canceled = try await c.post(
                "/v2/fulfillment/users/cust-4821/orders/A-10001/cancel",
                token: token,
                #"{"reason":"Customer changed their mind"}"#
            )
            #expect(canceled.json["status"]?.stringValue == "canceled")
            #expect(canceled.json["cancellation_reason"]?.stringValue == "retailer_driven")
            #expect(try await c.post("/v2/fulfillment/users/cust-4821/orders/A-10001/cancel", token: token).json == canceled.json)
            (try await c.post("/v2/fulfillment/users/cust-4821/orders/A-10001/staged", token: token, "{}"))
                .expectError(.badRequest, "Order can no longer be staged", code: 2000, key: nil)
            let events = try await env.storage.orderEvents(retailerID: "alpha", orderID: "A-10001").map(\.type)
            #expect(events == ["fulfillment.brand_new", "fulfillment.staged", "fulfillment.canceled"])
            // Another user cannot see it; an unknown order is 404.
            try await c.createUser("other", token: token)
            (try await c.request(.get, "/v2/fulfillment/users/other/orders/A-10001", token: token)).expectError(
                .notFound,
                "Resource not found",
                code: 4000,
                key: nil
            )
            (try await c.request(.get, "/v2/fulfillment/users/cust-4821/orders/nope", token: token)).expectError(
                .notFound,
                "Resource not found",
                code: 4000,
                key: nil
            )
        }
    }

    @Test(
        "hold rules: used, released, another user's, another store's; locale from Accept-Language; alcohol forces leave_unattended false",
        arguments: Engine.available
    )
    func holdRules(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine)
        try await env.run { c in
            let token = try await c.token()
            try await c.createUser("u1", token: token)
            try await c.createUser("u2", token: token)
            let (first, _) = try await Self.hold(c, token: token, user: "u1")
            let (second, _) = try await Self.hold(c, token: token, user: "u1")  // releases `first`
            (try await c.post("/v2/fulfillment/users/u1/orders/last_mile", token: token, orderBody("O-1", hold: first)))
                .expectError(.badRequest, "Service option hold not found", key: "service_option_hold_id")
            (try await c.post("/v2/fulfillment/users/u2/orders/last_mile", token: token, orderBody("O-1", hold: second)))
                .expectError(.badRequest, "Service option hold not found", key: "service_option_hold_id")
            (try await c.post("/v2/fulfillment/users/u1/orders/last_mile", token: token, orderBody("O-1", hold: second, location: "OAK-002")))
                .expectError(.badRequest, "Service option hold is for a different store", key: "location_code")
            (try await c.post(
                "/v2/fulfillment/users/u1/orders/last_mile",
                token: token,
                orderBody("O-1", hold: second, extra: #","start_at":"2025-06-11T00:00:00Z","end_at":"2025-06-11T02:00:00Z""#)
            ))
            .expectError(.badRequest, "must fall within the service option window", key: "start_at")
            let body = orderBody("O-1", hold: second).replacingOccurrences(of: #""locale":"en-US","#, with: "")
                .replacingOccurrences(of: #""leave_unattended":false"#, with: #""leave_unattended":true"#)
            let created = try await c.request(
                .post,
                "/v2/fulfillment/users/u1/orders/last_mile",
                token: token,
                body: body,
                headers: ["Accept-Language": "de-DE, fr-CA;q=0.8"]
            )
            #expect(created.json["locale"]?.stringValue == "fr_CA", "\(created.text)")
            #expect(created.json["leave_unattended"]?.bool == true)
            (try await c.post("/v2/fulfillment/users/u1/orders/last_mile", token: token, orderBody("O-2", hold: second)))
                .expectError(.badRequest, "Service option hold has already been used", key: "service_option_hold_id")
            let (third, _) = try await Self.hold(c, token: token, user: "u2")
            let alcoholic = try await c.post(
                "/v2/fulfillment/users/u2/orders/last_mile",
                token: token,
                orderBody("O-3", hold: third, extra: #","alcoholic":true,"leave_unattended":true"#)
            )
            #expect(alcoholic.json["leave_unattended"]?.bool == false, "\(alcoholic.text)")
            (try await c.post("/v2/fulfillment/users/u1/orders/last_mile", token: token, #"{"order_id":"a b","user_phone":"555"}"#))
                .expectError(.badRequest, "There were issues with your request", code: 9999, key: nil)
        }
    }

    @Test("an expired hold is still honoured while capacity remains, but not once its scheduled window has started", arguments: Engine.available)
    func expiredHold(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine)
        try await env.run { c in
            let token = try await c.token()
            try await c.createUser("u1", token: token)
            let (hold, option) = try await Self.hold(c, token: token, user: "u1", index: 1)  // 01:00–03:00Z
            #expect(option["window"]?["start_at"]?.stringValue == "2025-06-11T01:00:00Z")
            env.clock.advance(by: 11 * 60)  // the hold expired at 00:45:12
            let late = try await c.post("/v2/fulfillment/users/u1/orders/last_mile", token: token, orderBody("LATE-1", hold: hold))
            #expect(late.status == .ok, "\(late.text)")
            let (second, _) = try await Self.hold(c, token: token, user: "u1", index: 1)
            env.clock.set(to: Timestamp.parse("2025-06-11T01:00:00Z")!)  // expired, and the window has started
            (try await c.post("/v2/fulfillment/users/u1/orders/last_mile", token: token, orderBody("LATE-2", hold: second)))
                .expectError(
                    .badRequest,
                    "The selected time slot is no longer available. Please choose another time slot.",
                    key: "service_option_hold_id"
                )
        }
    }

    @Test("concurrent creates with one order_id make exactly one order; cancel releases capacity for the next reserve", arguments: Engine.available)
    func concurrencyAndRelease(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine, config: capacityConfigJSON, rateLimitOverride: 1_000_000)
        for u in 0..<10 { _ = try await env.storage.insertUserIfAbsent(UserRecord(retailerID: "cap", userID: "u\(u)", createdAt: exampleNow)) }
        try await env.run { c in
            let token = try await c.token("cap", "cap-client-secret-1")
            let listing =
                #"{"address":{"address_line_1":"500 Howard St","postal_code":"94105"},"location_code":"CAP-1","cart_total_cents":1,"items_count":1,"desired_windows":[{"starts_at":"2025-06-11T01:00:00Z","ends_at":"2025-06-11T03:00:00Z"}]}"#
            var holds: [Int64] = []
            for u in 0..<9 {
                let r = try await c.post("/v2/fulfillment/users/u\(u)/service_options/cart/last_mile", token: token, listing)
                let id = try #require(r.json["service_options"]?[0]?["id"]?.int)
                holds.append(
                    try #require(
                        try await c.post("/v2/fulfillment/users/u\(u)/service_options/\(id)/reserve", token: token)
                            .json["service_option_hold"]?["id"]?.int
                    )
                )
            }
            let body = orderBody("SAME", hold: holds[0], location: "CAP-1")
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<20 {
                    group.addTask { Int(try await c.post("/v2/fulfillment/users/u0/orders/last_mile", token: token, body).status.code) }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == 200 }, "\(statuses)")
            #expect(try await env.storage.orderEvents(retailerID: "cap", orderID: "SAME").count == 1)
            for u in 1..<9 {
                #expect(
                    try await c.post(
                        "/v2/fulfillment/users/u\(u)/orders/last_mile",
                        token: token,
                        orderBody("O\(u)", hold: holds[u], location: "CAP-1")
                    ).status == .ok
                )
            }
            // Nine orders fill the window; the tenth user is offered nothing until one is canceled.
            let before = try await c.post("/v2/fulfillment/users/u9/service_options/cart/last_mile", token: token, listing)
            #expect(before.json["service_options"]?.array?.isEmpty == true)
            #expect(try await c.post("/v2/fulfillment/users/u3/orders/O3/cancel", token: token).status == .ok)
            let after = try await c.post("/v2/fulfillment/users/u9/service_options/cart/last_mile", token: token, listing)
            let id = try #require(after.json["service_options"]?[0]?["id"]?.int, "\(after.text)")
            #expect(try await c.post("/v2/fulfillment/users/u9/service_options/\(id)/reserve", token: token).status == .ok)
        }
    }
}
