import AsyncHTTPClient
import Foundation
import LastMileCore
import LastMileFleet
import Testing

/// The sandbox, test clock, driver API and callback envelopes conform to `openapi.yaml`.
@Suite("openapi.yaml matches sandbox, driver API and callback bodies", .serialized)
struct FulfillmentConformanceTests {
    @Test("every new operation's successes and errors, and every callback body, conform", arguments: Engine.available)
    func conformance(engine: Engine) async throws {
        let receiver = try await CallbackReceiver.start()
        let http = CallbackOutbox.makeHTTPClient()
        let env = try await TestEnvironment(engine: engine, now: dispatchNow, config: CallbackReceiver.config(port: receiver.port, drivers: true))
        let checker = OpenAPIChecker.shared
        let checked = try await env.run { c in
            var checked = 0
            func check(_ r: APIResponse, _ method: String, _ path: String, sourceLocation: SourceLocation = #_sourceLocation) {
                let problems = checker.problems(r.json, path: path, method: method, status: Int(r.status.code))
                #expect(problems.isEmpty, "\(method.uppercased()) \(path) \(r.status.code): \(problems) in \(r.text)", sourceLocation: sourceLocation)
                checked += 1
            }
            let token = try await c.token()
            let driver = try await c.token("drv-1", "driver-client-secret-1")
            for i in 1...3 {
                #expect(try await c.post("/v2/fulfillment/lastmile/orders", token: token, dispatchBody("D-\(i)")).status == .ok)
            }
            let shoppers = "/v2/fulfillment_sandbox/shoppers"
            let shopper = try await c.post(shoppers, token: token, #"{"email":"d@example.com","phone":"+14155550001"}"#)
            check(shopper, "post", shoppers)
            check(try await c.post(shoppers, token: token, #"{"email":"x","phone":"1"}"#), "post", shoppers)
            let batches = "/v2/fulfillment_sandbox/batches"
            let batch = try await c.post(batches, token: token, #"{"shopper_id":\#(shopper.json["id"]!.int!),"orders":[{"id":"D-1"}]}"#)
            check(batch, "post", batches)
            check(try await c.post(batches, token: token, #"{"shopper_id":1,"orders":[{"id":"D-1"}]}"#), "post", batches)
            let advance = "/v2/fulfillment_sandbox/batches/{batch_id}/advance"
            check(
                try await c.post(
                    "/v2/fulfillment_sandbox/batches/\(batch.json["id"]!.int!)/advance",
                    token: token,
                    #"{"workflow_state":"completed"}"#
                ),
                "post",
                advance
            )
            check(try await c.post("/v2/fulfillment_sandbox/batches/x/advance", token: token), "post", advance)
            check(try await c.post("/v2/fulfillment_sandbox/batches/1/advance", token: token), "post", advance)
            let simulate = "/v2/fulfillment_sandbox/orders/{order_id}/callbacks"
            check(try await c.post("/v2/fulfillment_sandbox/orders/D-2/callbacks", token: token, #"{"event_name":"rescheduled"}"#), "post", simulate)
            check(try await c.post("/v2/fulfillment_sandbox/orders/D-1/callbacks", token: token, #"{"event_name":"rescheduled"}"#), "post", simulate)
            let clock = "/v2/fulfillment_sandbox/clock"
            check(try await c.request(.get, clock, token: token), "get", clock)
            check(try await c.post(clock, token: token, #"{"advance_seconds":1}"#), "post", clock)
            check(try await c.post(clock, token: token, #"{"now":"yesterday"}"#), "post", clock)

            #expect(try await c.post("/v2/fulfillment/lastmile/orders/D-3/staged", token: token, #"{"bags_count":1}"#).status == .ok)
            check(try await c.request(.get, "/driver/v1/offers", token: driver), "get", "/driver/v1/offers")
            check(try await c.request(.get, "/driver/v1/offers", token: token), "get", "/driver/v1/offers")  // 403
            let o = "/driver/v1/orders/{order_id}/"
            check(try await c.post("/driver/v1/orders/D-3/accept", token: driver), "post", o + "accept")
            check(try await c.request(.get, "/driver/v1/orders", token: driver), "get", "/driver/v1/orders")
            check(try await c.post("/driver/v1/orders/D-3/departed", token: driver), "post", o + "departed")  // 400 state
            for step in ["arrived_at_store", "bags_verified", "departed"] {
                check(try await c.post("/driver/v1/orders/D-3/\(step)", token: driver), "post", o + step)
            }
            check(
                try await c.post("/driver/v1/orders/D-3/location", token: driver, #"{"latitude":37.78,"longitude":-122.39}"#),
                "post",
                o + "location"
            )
            check(try await c.post("/driver/v1/orders/D-3/location", token: driver, "{}"), "post", o + "location")
            for step in ["customer_missing", "arrived_at_customer", "delivered"] {
                check(try await c.post("/driver/v1/orders/D-3/\(step)", token: driver), "post", o + step)
            }
            check(try await c.post("/driver/v1/orders/none/delivered", token: driver), "post", o + "delivered")
            return checked
        }
        #expect(checked == 26)
        let outbox = makeOutbox(env, client: http)
        await drain(outbox)
        let bodies = receiver.received
        let envelope = try #require(checker.root["components"]?["schemas"]?["CallbackEnvelope"])
        #expect(Set(bodies.map(\.name)).count >= 12, "\(Set(bodies.map(\.name)))")
        for b in bodies {
            let problems = checker.validate(b.json, envelope, at: "$")
            #expect(problems.isEmpty, "\(b.body): \(problems)")
        }
        try await http.shutdown()
        await receiver.stop()
    }
}
