import Foundation
import LastMileCore
import LastMileStorage
import Testing

/// The contract's H2 example instant: 2025-06-10T23:05:00Z = 16:05 in San Francisco.
let dispatchNow = Timestamp.parse("2025-06-10T23:05:00Z")!

func dispatchBody(
    _ orderID: String,
    start: String = "2025-06-10T18:00:00-07:00",
    end: String = "2025-06-10T21:00:00-07:00",
    extra: String = ""
) -> String {
    #"""
    {"order_id":"\#(orderID)","location_code":"SF-001","start_at":"\#(start)","end_at":"\#(end)","fallback_to_soonest_sameday":true,
     "first_name":"Grace","last_name":"Hopper","user_phone":"+14155550188","items_count":7,"bags_count":2,"items_weight":11.0,
     "cart_total":38.75,"bag_label":"HOPPER-2","address":{"address_line_1":"600 Folsom St","postal_code":"94107","city":"San Francisco","state":"CA"}\#(extra)}
    """#
}

@Suite("Single-call flow (§2.7), update (§2.6.4), tip (§2.6.6), driver location (§2.8)")
struct DispatchTests {
    @Test("H2 example: the first grid window inside the desired window is booked; H3/H4/H5/H6 by order_id", arguments: Engine.available)
    func dispatchJourney(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine, now: dispatchNow)
        try await env.run { c in
            let token = try await c.token()
            let r = try await c.post("/v2/fulfillment/lastmile/orders", token: token, dispatchBody("D-20001"))
            #expect(
                r.json
                    == (try JSONValue.parse(
                        Data(
                            #"""
                            {"id":"D-20001","status":"brand_new","order_url":null,"created_at":"2025-06-10T23:05:00Z","locale":"en_US","cancellation_reason":null,
                             "user":{"id":null,"first_name":"Grace","last_name":"Hopper","phone":"+14155550188"},
                             "address":{"address_line_1":"600 Folsom St","address_line_2":null,"address_type":null,"postal_code":"94107","city":"San Francisco","state":"CA"},
                             "fulfillment_details":{"store_location":"SF-001","window_starts_at":"2025-06-11T01:00:00Z","window_ends_at":"2025-06-11T03:00:00Z",
                               "handoff_time":null,"delivered_at":null,"bag_label":"HOPPER-2","bags_count":2,"bag_count":2,"items_count":7,"items_weight":11.0,"bag_scan_codes":[]},
                             "tip_amount_cents":0,"alcoholic":false,"leave_unattended":false,"special_instructions":null}
                            """#.utf8
                        )
                    )),
                "\(r.text)"
            )
            #expect(try await c.post("/v2/fulfillment/lastmile/orders", token: token, dispatchBody("D-20001")).json == r.json)
            #expect(try await c.request(.get, "/v2/fulfillment/lastmile/orders/D-20001", token: token).json == r.json)
            (try await c.request(.get, "/v2/fulfillment/lastmile/orders/D-20001?user_id=someone", token: token))
                .expectError(.notFound, "Resource not found", code: 4000, key: nil)
            // H4: a new desired window 19:00–21:00 local.
            env.clock.set(to: Timestamp.parse("2025-06-10T23:20:00Z")!)
            let moved = try await c.put(
                "/v2/fulfillment/lastmile/orders/D-20001",
                token: token,
                #"{"start_at":"2025-06-10T19:00:00-07:00","end_at":"2025-06-10T21:00:00-07:00","special_instructions":"Leave with the front desk"}"#
            )
            #expect(moved.json["fulfillment_details"]?["window_starts_at"]?.stringValue == "2025-06-11T02:00:00Z", "\(moved.text)")
            #expect(moved.json["fulfillment_details"]?["window_ends_at"]?.stringValue == "2025-06-11T04:00:00Z")
            #expect(moved.json["special_instructions"]?.stringValue == "Leave with the front desk")
            let staged = try await c.post("/v2/fulfillment/lastmile/orders/D-20001/staged", token: token, #"{"bags_count":2,"bag_label":"HOPPER-2"}"#)
            #expect(staged.json["status"]?.stringValue == "staged")
            (try await c.put("/v2/fulfillment/lastmile/orders/D-20001", token: token, #"{"items_count":3}"#))
                .expectError(.badRequest, "Order can no longer be updated", code: 2000, key: nil)
            (try await c.post("/v2/fulfillment/lastmile/orders/D-20001/cancel", token: token, #"{"user_id":"someone"}"#))
                .expectError(.notFound, "Resource not found", code: 4000, key: nil)
            let canceled = try await c.post("/v2/fulfillment/lastmile/orders/D-20001/cancel", token: token, #"{"reason":"Duplicate order"}"#)
            #expect(canceled.json["status"]?.stringValue == "canceled" && canceled.json["cancellation_reason"]?.stringValue == "retailer_driven")
            // order_id is unique across both families, canceled orders included.
            try await c.createUser("cust-1", token: token)
            let (hold, _) = try await OrderTests.hold(c, token: token, user: "cust-1")
            let reuse =
                #"{"order_id":"D-20001","location_code":"SF-001","service_option_hold_id":\#(hold),"first_name":"A","last_name":"B","user_phone":"+14155550123","items_count":1,"items_weight":1,"address":{"address_line_1":"500 Howard St","postal_code":"94105"}}"#
            (try await c.post("/v2/fulfillment/users/cust-1/orders/last_mile", token: token, reuse))
                .expectError(.conflict, "An order with this order_id already exists with different parameters.", code: 4001, key: "order_id")
        }
    }

    @Test(
        "H2 window-path errors: on the hour, one hour minimum, closed date, no candidate, no capacity; fallback same day",
        arguments: Engine.available
    )
    func dispatchErrors(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine, now: dispatchNow)
        try await env.run { c in
            let token = try await c.token()
            func check(
                _ body: String,
                _ message: String,
                _ key: String?,
                code: Int64 = 1001,
                sourceLocation: SourceLocation = #_sourceLocation
            ) async throws {
                (try await c.post("/v2/fulfillment/lastmile/orders", token: token, body)).expectError(
                    .badRequest,
                    message,
                    code: code,
                    key: key,
                    sourceLocation: sourceLocation
                )
            }
            let none = dispatchBody("E1").replacingOccurrences(
                of: #""start_at":"2025-06-10T18:00:00-07:00","end_at":"2025-06-10T21:00:00-07:00","#,
                with: ""
            )
            try await check(none, "must provide either service_option_id or start_at and end_at", "service_option_id")
            try await check(dispatchBody("E2", end: "2025-06-10T18:30:00-07:00"), "must be at least one hour after start_at", "end_at")
            try await check(dispatchBody("E3", start: "2025-06-10T18:30:00-07:00"), "must be on the hour", "start_at")
            try await check(
                dispatchBody("E4", start: "2025-06-10T21:00:00-07:00", end: "2025-06-10T23:00:00-07:00").replacingOccurrences(
                    of: "true",
                    with: "false"
                ),
                "Requested delivery window not available at this store",
                "start_at"
            )
            try await check(
                dispatchBody("E5", start: "2025-06-12T10:00:00-07:00", end: "2025-06-12T12:00:00-07:00").replacingOccurrences(
                    of: "true",
                    with: "false"
                ),
                "Requested delivery window not available at this store",
                "start_at"
            )  // beyond the one-day horizon
            try await check(dispatchBody("E6", extra: #","user_id":"ghost""#), "User Not Found", "user_id")
            try await check(
                dispatchBody("E7", extra: #","alcoholic":true"#).replacingOccurrences(of: #""city":"San Francisco""#, with: #""city":"Oakland""#),
                "Invalid zip code for alcohol",
                "address.postal_code"
            )
            let multi = try await c.post("/v2/fulfillment/lastmile/orders", token: token, #"{"user_phone":"x","start_at":"2025-06-10T18:00:00Z"}"#)
            #expect(multi.code == 9999)
            let keys = multi.json["error"]?["errors"]?.array?.compactMap { $0["meta"]?["key"]?.stringValue } ?? []
            #expect(Array(keys.prefix(4)) == ["order_id", "location_code", "end_at", "first_name"], "\(keys)")
            // Fallback: a desired window that is over (15:00–16:00 < now 16:05) books the soonest window today instead.
            let fb = try await c.post(
                "/v2/fulfillment/lastmile/orders",
                token: token,
                dispatchBody("F1", start: "2025-06-10T14:00:00-07:00", end: "2025-06-10T16:00:00-07:00")
            )
            #expect(fb.json["fulfillment_details"]?["window_starts_at"]?.stringValue == "2025-06-11T00:00:00Z", "\(fb.text)")
        }
    }

    @Test("H2 with a full store: 'No delivery windows currently available'; H1 flags postal-code searches as partial", arguments: Engine.available)
    func dispatchCapacityAndStores(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine, config: capacityConfigJSON, rateLimitOverride: 1_000_000)
        try await env.run { c in
            let token = try await c.token("cap", "cap-client-secret-1")
            func body(_ id: String) -> String {
                dispatchBody(id, start: "2025-06-10T18:00:00-07:00", end: "2025-06-10T20:00:00-07:00")
                    .replacingOccurrences(of: "SF-001", with: "CAP-1").replacingOccurrences(of: "true", with: "false")
                    .replacingOccurrences(of: "94107", with: "94105")
            }
            for i in 0..<9 { #expect(try await c.post("/v2/fulfillment/lastmile/orders", token: token, body("C\(i)")).status == .ok) }
            (try await c.post("/v2/fulfillment/lastmile/orders", token: token, body("C9")))
                .expectError(.badRequest, "No delivery windows currently available", key: "start_at")
            let partial = try await c.post("/v2/fulfillment/lastmile/stores", token: token, #"{"find_by":{"postal_code":"94105"}}"#)
            #expect(partial.json["stores"]?[0]?["flags"]?["is_partial"]?.bool == true, "\(partial.text)")
            let full = try await c.post(
                "/v2/fulfillment/lastmile/stores",
                token: token,
                #"{"find_by":{"address_line_1":"1 Main","postal_code":"94105"}}"#
            )
            #expect(full.json["stores"]?[0]?["flags"]?["is_partial"]?.bool == false)
        }
    }

    @Test("G2 moves an order to another listed option and narrows windows; capacity and status rules apply", arguments: Engine.available)
    func integratedUpdate(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine)
        try await env.run { c in
            let token = try await c.token()
            try await c.createUser("cust-4821", token: token)
            let (hold, _) = try await OrderTests.hold(c, token: token, user: "cust-4821", index: 1)
            #expect(
                try await c.post(
                    "/v2/fulfillment/users/cust-4821/orders/last_mile",
                    token: token,
                    #"{"order_id":"A-10001","location_code":"SF-001","service_option_hold_id":\#(hold),"first_name":"Ada","last_name":"Lovelace","user_phone":"+14155550123","items_count":12,"bags_count":3,"items_weight":18.5,"address":{"address_line_1":"500 Howard St","postal_code":"94105"}}"#
                ).status == .ok
            )
            let list = try await c.post(
                "/v2/fulfillment/users/cust-4821/service_options/cart/last_mile",
                token: token,
                #"{"address":{"address_line_1":"500 Howard St","postal_code":"94105"},"location_code":"SF-001","cart_total_cents":1,"items_count":1}"#
            )
            let later = try #require(list.json["service_options"]?.array?.first { $0["window"]?["start_at"]?.stringValue == "2025-06-11T02:00:00Z" })
            let path = "/v2/fulfillment/users/cust-4821/orders/A-10001/last_mile"
            let moved = try await c.put(path, token: token, #"{"service_option_id":\#(later["id"]!.int!),"initial_tip_cents":700,"bags_count":4}"#)
            #expect(moved.json["fulfillment_details"]?["window_starts_at"]?.stringValue == "2025-06-11T02:00:00Z", "\(moved.text)")
            #expect(moved.json["tip_amount_cents"]?.int == 700 && moved.json["fulfillment_details"]?["bag_count"]?.int == 4)
            let narrowed = try await c.put(path, token: token, #"{"start_at":"2025-06-11T02:30:00Z","end_at":"2025-06-11T03:30:00Z"}"#)
            #expect(narrowed.json["fulfillment_details"]?["window_starts_at"]?.stringValue == "2025-06-11T02:30:00Z")
            (try await c.put(path, token: token, #"{"start_at":"2025-06-11T01:00:00Z","end_at":"2025-06-11T03:30:00Z"}"#))
                .expectError(.badRequest, "must fall within the service option window", key: "start_at")
            (try await c.put(path, token: token, #"{"service_option_id":999999}"#)).expectError(
                .badRequest,
                "Service option not found",
                key: "service_option_id"
            )
            (try await c.put(path, token: token, #"{"start_at":"2025-06-11T02:30:00Z"}"#)).expectError(.badRequest, "can't be blank", key: "end_at")
            (try await c.put(path, token: token, #"{"alcoholic":true}"#)).expectError(
                .badRequest,
                "Alcohol delivery not allowed at this time",
                key: "alcoholic"
            )
            // Setting alcoholic forces leave_unattended false; clearing it does not restore it.
            let unattended = try await c.put(path, token: token, #"{"leave_unattended":true}"#)
            #expect(unattended.json["leave_unattended"]?.bool == true)
            (try await c.put("/v2/fulfillment/users/cust-4821/orders/nope/last_mile", token: token, "{}")).expectError(
                .notFound,
                "Resource not found",
                code: 4000,
                key: nil
            )
            #expect(try await env.storage.orderEvents(retailerID: "alpha", orderID: "A-10001").map(\.type) == ["fulfillment.brand_new"])
        }
    }

    @Test("G4 tips only delivered orders, with an event only when the amount changes; I1 location only while delivering", arguments: Engine.available)
    func tipAndLocation(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine, now: dispatchNow)
        try await env.run { c in
            let token = try await c.token()
            try await c.createUser("cust-1", token: token)
            #expect(
                try await c.post("/v2/fulfillment/lastmile/orders", token: token, dispatchBody("T-1", extra: #","user_id":"cust-1""#)).status == .ok
            )
            let tipPath = "/v2/fulfillment/users/cust-1/orders/T-1/tip"
            (try await c.put(tipPath, token: token, #"{"tip_amount_cents":900}"#))
                .expectError(.badRequest, "Tip can only be updated after the order is delivered", code: 2000, key: nil)
            (try await c.put(tipPath, token: token, "{}")).expectError(.badRequest, "can't be blank", key: "tip_amount_cents")
            (try await c.put(tipPath, token: token, #"{"tip_amount_cents":100001}"#)).expectError(
                .badRequest,
                "must be less than or equal to 100000",
                key: "tip_amount_cents"
            )
            let location = "/v2/post_checkout/orders/T-1/location"
            #expect(try await c.request(.get, location, token: token).text == "{}")
            // Move the order along through storage (the driver workflow has its own tests).
            var order = try #require(try await env.storage.order(retailerID: "alpha", orderID: "T-1"))
            order.status = .delivering
            guard
                case .updated(let saved) = try await env.storage.updateOrder(
                    order,
                    expectedStatus: .brandNew,
                    events: [],
                    now: dispatchNow,
                    recheck: nil
                )
            else {
                Issue.record("not updated")
                return
            }
            order = saved
            let pc = try await c.token("alpha-pc", "alpha-client-secret-3")
            let moving = try await c.request(.get, location, token: pc)
            #expect(moving.json == (try JSONValue.parse(Data(#"{"coordinates":{"latitude":37.792,"longitude":-122.3934}}"#.utf8))), "\(moving.text)")
            order.status = .delivered
            _ = try await env.storage.updateOrder(order, expectedStatus: .delivering, events: [], now: dispatchNow, recheck: nil)
            let tipped = try await c.put(tipPath, token: token, #"{"tip_amount_cents":900}"#)
            #expect(tipped.json["tip_amount_cents"]?.int == 900, "\(tipped.text)")
            #expect(try await c.put(tipPath, token: token, #"{"tip_amount_cents":900}"#).status == .ok)
            #expect(
                try await env.storage.orderEvents(retailerID: "alpha", orderID: "T-1").map(\.type) == [
                    "fulfillment.brand_new", "fulfillment.tip_adjustment",
                ]
            )
            #expect(try await c.request(.get, location, token: token).text == "{}")
            (try await c.request(.get, "/v2/post_checkout/orders/none/location", token: token)).expectError(
                .notFound,
                "Resource not found",
                code: 4000,
                key: nil
            )

            // A retailer that redacts shopper PII gets 403 `Shopper PII` with a null code.
            let beta = try await c.token("beta", "beta-client-secret-1")
            #expect(
                try await c.post(
                    "/v2/fulfillment/lastmile/orders",
                    token: beta,
                    dispatchBody("P-1").replacingOccurrences(of: "SF-001", with: "B-001")
                ).status == .ok
            )
            let pii = try await c.request(.get, "/v2/post_checkout/orders/P-1/location", token: beta)
            #expect(pii.status == .forbidden)
            #expect(pii.json == (try JSONValue.parse(Data(#"{"error":{"message":"Shopper PII","code":null},"meta":{}}"#.utf8))), "\(pii.text)")
        }
    }
}
