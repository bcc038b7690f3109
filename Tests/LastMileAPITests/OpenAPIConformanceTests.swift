import Foundation
import HTTPTypes
import LastMileCore
import Testing

/// Every response the service gives for the documented operations conforms to `openapi.yaml`.
@Suite("openapi.yaml matches real responses")
struct OpenAPIConformanceTests {
    @Test("successes and errors of every documented operation conform to their documented schemas", arguments: Engine.available)
    func conformance(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine)
        let checker = OpenAPIChecker.shared
        try await env.run { c in
            var checked = 0
            func check(_ r: APIResponse, _ method: String, _ path: String, sourceLocation: SourceLocation = #_sourceLocation) {
                let problems = checker.problems(r.json, path: path, method: method, status: Int(r.status.code))
                #expect(problems.isEmpty, "\(method.uppercased()) \(path) \(r.status.code): \(problems) in \(r.text)", sourceLocation: sourceLocation)
                checked += 1
            }
            let tokenPath = "/v2/oauth/token"
            let tokenResponse = try await c.post(
                tokenPath,
                #"{"client_id":"alpha","client_secret":"alpha-client-secret-1","grant_type":"client_credentials"}"#
            )
            check(tokenResponse, "post", tokenPath)
            let token = try #require(tokenResponse.json["access_token"]?.stringValue)
            check(try await c.post(tokenPath, #"{"client_id":"alpha","client_secret":"bad","grant_type":"client_credentials"}"#), "post", tokenPath)
            check(try await c.post(tokenPath, #"{"client_id":"alpha","client_secret":"alpha-client-secret-1","grant_type":"x"}"#), "post", tokenPath)
            check(try await c.post(tokenPath + "?client_secret=x", "{}"), "post", tokenPath)
            let revoke = "/v2/oauth/token/revoke"
            check(try await c.post(revoke, #"{"client_id":"alpha","client_secret":"alpha-client-secret-1","token":"nope"}"#), "post", revoke)
            check(try await c.post(revoke, #"{"client_id":"alpha","client_secret":"alpha-client-secret-1"}"#), "post", revoke)
            check(try await c.request(.get, "/health"), "get", "/health")

            let users = "/v2/fulfillment/users"
            check(try await c.post(users, token: token, #"{"user_id":"u1","first_name":"Ada","locale":"en-US"}"#), "post", users)
            check(try await c.post(users, token: token, #"{"user_id":"u1","first_name":"Bob"}"#), "post", users)  // 409
            check(try await c.post(users, token: token, #"{"user_id":"u 1"}"#), "post", users)  // 9999
            check(try await c.post(users, token: token, #"{"user_id":"u2"}"#), "post", users)  // single
            check(try await c.post(users, token: token, "[]"), "post", users)
            check(try await c.post(users, #"{}"#), "post", users)  // 401
            let pc = try await c.token("alpha-pc", "alpha-client-secret-3")
            check(try await c.post(users, token: pc, #"{}"#), "post", users)  // 403
            let address = "/v2/fulfillment/users/{user_id}/addresses"
            check(
                try await c.post(
                    "/v2/fulfillment/users/u1/addresses",
                    token: token,
                    #"{"address_line_1":"500 Howard St","postal_code":"94105","location_code":"SF-001"}"#
                ),
                "post",
                address
            )
            check(
                try await c.post("/v2/fulfillment/users/u1/addresses", token: token, #"{"address_line_1":"PO Box 1","postal_code":"94105"}"#),
                "post",
                address
            )
            check(try await c.post("/v2/fulfillment/users/u1/addresses", token: token, #"{"address_line_1":"x","postal_code":"1"}"#), "post", address)
            let user = "/v2/fulfillment/users/{user_id}"
            check(try await c.put("/v2/fulfillment/users/u1", token: token, #"{"last_name":"L"}"#), "put", user)
            check(try await c.put("/v2/fulfillment/users/ghost", token: token, "{}"), "put", user)

            let stores = "/v2/fulfillment/stores/last_mile"
            check(try await c.post(stores, token: token, #"{"find_by":{"postal_code":"94704"}}"#), "post", stores)
            check(try await c.post(stores, token: token, #"{"find_by":{}}"#), "post", stores)

            let preview = "/v2/fulfillment/service_options/last_mile"
            check(try await c.post(preview, token: token, #"{"postal_code":"94105","alcoholic":true}"#), "post", preview)
            check(try await c.post(preview, token: token, #"{"location_code":"SF-001","with_eta_options":true}"#), "post", preview)
            check(try await c.post(preview, token: token, #"{"postal_code":"10001"}"#), "post", preview)

            let checkout = "/v2/fulfillment/users/{user_id}/service_options/cart/last_mile"
            let concrete = "/v2/fulfillment/users/u1/service_options/cart/last_mile"
            let base =
                #""address":{"address_line_1":"500 Howard St","postal_code":"94105","city":"San Francisco"},"location_code":"SF-001","cart_total_cents":1,"items_count":1"#
            check(try await c.post(concrete, token: token, "{\(base)}"), "post", checkout)
            check(
                try await c.post(
                    concrete,
                    token: token,
                    "{\(base),\"with_eta_options\":true,\"with_priority_eta_options\":true,\"with_handoff_time\":true}"
                ),
                "post",
                checkout
            )
            check(try await c.post(concrete, token: token, "{\(base),\"alcoholic\":true}"), "post", checkout)
            check(
                try await c.post(
                    concrete,
                    token: token,
                    "{\(base),\"desired_windows\":[{\"starts_at\":\"2025-06-11T01:30:00Z\",\"ends_at\":\"2025-06-11T03:00:00Z\"}]}"
                ),
                "post",
                checkout
            )
            check(try await c.post("/v2/fulfillment/users/ghost/service_options/cart/last_mile", token: token, "{\(base)}"), "post", checkout)
            check(try await c.post(concrete, token: token, "{}"), "post", checkout)
            let beta = try await c.token("beta", "beta-client-secret-1")
            try await c.createUser("u1", token: beta)
            check(
                try await c.post(
                    concrete,
                    token: beta,
                    #"{"address":{"address_line_1":"1 Main","postal_code":"94105"},"location_code":"B-001","cart_total_cents":1,"items_count":1,"with_eta_options":true}"#
                ),
                "post",
                checkout
            )
            // Reservations.
            let e1 = "/v2/fulfillment/users/{user_id}/service_options/{service_option_id}/reserve"
            let e2 = "/v2/fulfillment/users/{user_id}/service_options/reserve"
            let listing = try await c.post(concrete, token: token, "{\(base)}")
            let option = try #require(listing.json["service_options"]?[0])
            check(try await c.post("/v2/fulfillment/users/u1/service_options/\(option["id"]!.int!)/reserve", token: token), "post", e1)
            check(try await c.post("/v2/fulfillment/users/u1/service_options/x/reserve", token: token), "post", e1)
            check(try await c.post("/v2/fulfillment/users/u1/service_options/999999/reserve", token: token), "post", e1)
            check(
                try await c.post(
                    "/v2/fulfillment/users/u1/service_options/reserve",
                    token: token,
                    #"{"service_option_reference":"\#(option["service_option_reference"]!.stringValue!)"}"#
                ),
                "post",
                e2
            )
            check(
                try await c.post("/v2/fulfillment/users/u1/service_options/reserve", token: token, #"{"service_option_reference":"x"}"#),
                "post",
                e2
            )
            // Orders.
            let f1 = "/v2/fulfillment/users/{user_id}/orders/last_mile"
            let holdJSON = try await c.post("/v2/fulfillment/users/u1/service_options/\(option["id"]!.int!)/reserve", token: token)
            let hold = try #require(holdJSON.json["service_option_hold"]?["id"]?.int)
            let order =
                #"{"order_id":"O1","location_code":"SF-001","service_option_hold_id":\#(hold),"first_name":"Ada","last_name":"L","user_phone":"+14155550123","items_count":1,"items_weight":1,"address":{"address_line_1":"500 Howard St","postal_code":"94105"}}"#
            check(try await c.post("/v2/fulfillment/users/u1/orders/last_mile", token: token, order), "post", f1)
            check(
                try await c.post("/v2/fulfillment/users/u1/orders/last_mile", token: token, order.replacingOccurrences(of: "Ada", with: "Bo")),
                "post",
                f1
            )
            check(try await c.post("/v2/fulfillment/users/u1/orders/last_mile", token: token, "{}"), "post", f1)
            check(
                try await c.post("/v2/fulfillment/lastmile/users/u1/orders", token: token, order),
                "post",
                "/v2/fulfillment/lastmile/users/{user_id}/orders"
            )
            check(
                try await c.request(.get, "/v2/fulfillment/users/u1/orders/O1", token: token),
                "get",
                "/v2/fulfillment/users/{user_id}/orders/{order_id}"
            )
            check(
                try await c.request(.get, "/v2/fulfillment/users/u1/orders/nope", token: token),
                "get",
                "/v2/fulfillment/users/{user_id}/orders/{order_id}"
            )
            check(
                try await c.post("/v2/fulfillment/users/u1/orders/O1/staged", token: token, #"{"bag_scan_codes":["A"]}"#),
                "post",
                "/v2/fulfillment/users/{user_id}/orders/{order_id}/staged"
            )
            check(
                try await c.post("/v2/fulfillment/users/u1/orders/O1/cancel", token: token),
                "post",
                "/v2/fulfillment/users/{user_id}/orders/{order_id}/cancel"
            )
            check(
                try await c.post("/v2/fulfillment/users/u1/orders/O1/staged", token: token),
                "post",
                "/v2/fulfillment/users/{user_id}/orders/{order_id}/staged"
            )
            // Update, tip, single call, driver location.
            let g2 = "/v2/fulfillment/users/{user_id}/orders/{order_id}/last_mile"
            let (hold2, _) = try await OrderTests.hold(c, token: token, user: "u1", index: 1)
            check(
                try await c.post(
                    "/v2/fulfillment/users/u1/orders/last_mile",
                    token: token,
                    order.replacingOccurrences(of: "O1", with: "O2").replacingOccurrences(of: "\(hold)", with: "\(hold2)")
                ),
                "post",
                f1
            )
            check(try await c.put("/v2/fulfillment/users/u1/orders/O2/last_mile", token: token, #"{"bags_count":2}"#), "put", g2)
            check(try await c.put("/v2/fulfillment/users/u1/orders/O2/last_mile", token: token, #"{"service_option_id":123456}"#), "put", g2)
            check(
                try await c.put("/v2/fulfillment/users/u1/orders/O2/tip", token: token, #"{"tip_amount_cents":5}"#),
                "put",
                "/v2/fulfillment/users/{user_id}/orders/{order_id}/tip"
            )
            check(
                try await c.post("/v2/fulfillment/lastmile/stores", token: token, #"{"find_by":{"postal_code":"94105"}}"#),
                "post",
                "/v2/fulfillment/lastmile/stores"
            )
            let h2 =
                #"{"order_id":"D1","location_code":"SF-001","start_at":"2025-06-10T19:00:00-07:00","end_at":"2025-06-10T21:00:00-07:00","first_name":"G","last_name":"H","user_phone":"+14155550188","items_count":1,"items_weight":1,"address":{"address_line_1":"600 Folsom St","postal_code":"94107"}}"#
            check(try await c.post("/v2/fulfillment/lastmile/orders", token: token, h2), "post", "/v2/fulfillment/lastmile/orders")
            check(try await c.post("/v2/fulfillment/lastmile/orders", token: token, #"{"order_id":"D2"}"#), "post", "/v2/fulfillment/lastmile/orders")
            check(try await c.request(.get, "/v2/fulfillment/lastmile/orders/D1", token: token), "get", "/v2/fulfillment/lastmile/orders/{order_id}")
            check(
                try await c.put("/v2/fulfillment/lastmile/orders/D1", token: token, #"{"bag_label":"X"}"#),
                "put",
                "/v2/fulfillment/lastmile/orders/{order_id}"
            )
            check(
                try await c.post("/v2/fulfillment/lastmile/orders/D1/staged", token: token, "{}"),
                "post",
                "/v2/fulfillment/lastmile/orders/{order_id}/staged"
            )
            check(
                try await c.post("/v2/fulfillment/lastmile/orders/D1/cancel", token: token, "{}"),
                "post",
                "/v2/fulfillment/lastmile/orders/{order_id}/cancel"
            )
            check(
                try await c.request(.get, "/v2/post_checkout/orders/D1/location", token: token),
                "get",
                "/v2/post_checkout/orders/{order_id}/location"
            )
            #expect(checked == 57)
        }
    }

    @Test("the checker itself rejects a response that breaks the schema")
    func checkerDetectsViolations() {
        let checker = OpenAPIChecker.shared
        let path = "/v2/fulfillment/users"
        let good = try! JSONValue.parse(
            Data(
                #"{"user_id":"u","first_name":"A","last_name":null,"phone_number":null,"email":null,"locale":null,"address":null,"created_at":"2025-06-11T00:35:12Z"}"#
                    .utf8
            )
        )
        #expect(checker.problems(good, path: path, method: "post", status: 200).isEmpty)
        var missing = good.objectValue!
        missing["last_name"] = nil
        #expect(!checker.problems(.object(missing), path: path, method: "post", status: 200).isEmpty)
        var extra = good.objectValue!
        extra["surprise"] = .bool(true)
        #expect(!checker.problems(.object(extra), path: path, method: "post", status: 200).isEmpty)
        #expect(!checker.problems(good, path: path, method: "post", status: 418).isEmpty)
    }
}
