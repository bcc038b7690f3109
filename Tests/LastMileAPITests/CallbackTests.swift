import AsyncHTTPClient
import Foundation
import HummingbirdTesting
import LastMileAPI
import LastMileCore
import LastMileFleet
import LastMileStorage
import Logging
import Testing

/// An outbox bound to a test environment's storage and manual clock, with seeded jitter.
func makeOutbox(_ env: TestEnvironment, client: HTTPClient) -> CallbackOutbox {
    CallbackOutbox(
        storage: env.storage,
        clock: env.clock,
        client: client,
        logger: Logger(label: "test-outbox"),
        seed: 7,
        clocks: env.service.clocks
    )
}

/// Delivers until nothing is due (bounded).
func drain(_ outbox: CallbackOutbox) async {
    for _ in 0..<20 where await outbox.deliverDue() > 0 {}
}

@Suite("Callbacks (§3): outbox, OAuth, signatures, retries", .serialized)
struct CallbackTests {
    @Test(
        "one order through the sandbox: every event of §3.6 arrives with its envelope, a Bearer token and a valid signature",
        arguments: Engine.available
    )
    func lifecycle(engine: Engine) async throws {
        let receiver = try await CallbackReceiver.start()
        let http = CallbackOutbox.makeHTTPClient()
        let env = try await TestEnvironment(engine: engine, now: dispatchNow, config: CallbackReceiver.config(port: receiver.port))
        let outbox = makeOutbox(env, client: http)
        try await env.run { c in
            let token = try await c.token()
            #expect(try await c.post("/v2/fulfillment/lastmile/orders", token: token, dispatchBody("D-1")).status == .ok)
            #expect(
                try await c.post("/v2/fulfillment/lastmile/orders/D-1/staged", token: token, #"{"bags_count":3,"bag_label":"HOPPER-3"}"#).status
                    == .ok
            )
            #expect(
                try await c.post("/v2/fulfillment_sandbox/orders/D-1/callbacks", token: token, #"{"event_name":"late_delivery"}"#).json["success"]?
                    .bool == true
            )
            let shopper = try #require(
                try await c.post("/v2/fulfillment_sandbox/shoppers", token: token, #"{"phone":"+14155550001"}"#).json["id"]?.int
            )
            let batch = try await c.post("/v2/fulfillment_sandbox/batches", token: token, #"{"shopper_id":\#(shopper),"orders":[{"id":"D-1"}]}"#)
            #expect(batch.json["workflow_state"]?.stringValue == "acknowledged_for_delivery", "\(batch.text)")
            let batchID = try #require(batch.json["id"]?.int)
            #expect(
                try await c.post("/v2/fulfillment_sandbox/batches/\(batchID)/advance", token: token).json["workflow_state"]?.stringValue == "at_store"
            )
            let done = try await c.post("/v2/fulfillment_sandbox/batches/\(batchID)/advance", token: token, #"{"workflow_state":"completed"}"#)
            #expect(done.json["workflow_state"]?.stringValue == "completed")
            let order = try await c.request(.get, "/v2/fulfillment/lastmile/orders/D-1", token: token)
            #expect(order.json["status"]?.stringValue == "delivered")
            // A second order: rescheduled, then canceled by the service.
            #expect(try await c.post("/v2/fulfillment/lastmile/orders", token: token, dispatchBody("D-2")).status == .ok)
            #expect(try await c.post("/v2/fulfillment_sandbox/orders/D-2/callbacks", token: token, #"{"event_name":"rescheduled"}"#).status == .ok)
            #expect(try await c.post("/v2/fulfillment_sandbox/orders/D-2/callbacks", token: token, #"{"event_name":"canceled"}"#).status == .ok)
        }
        await drain(outbox)
        // Delivered concurrently, so in any order (§3.4); event ids follow the order of occurrence.
        let got = receiver.received.sorted { Int64($0.eventID)! < Int64($1.eventID)! }
        let d1 = got.filter { $0.json["event_metadata"]?["order_id"]?.stringValue == "D-1" }.map(\.name)
        #expect(
            d1
                == [
                    "brand_new", "staged", "late_delivery", "acknowledged_for_delivery", "at_store_eta", "at_store", "bags_verified",
                    "delivering", "order_location", "arrival_at_customer", "delivered",
                ].map { "fulfillment.\($0)" }
        )
        let d2 = got.filter { $0.json["event_metadata"]?["order_id"]?.stringValue == "D-2" }.map(\.name)
        #expect(d2 == ["fulfillment.brand_new", "fulfillment.rescheduled", "fulfillment.canceled"])
        // One token for all of them, fetched with form-encoded client credentials and the scope.
        let tokenRequests = receiver.state.withLock { $0.tokenRequests }
        #expect(tokenRequests.count == 1)
        #expect(tokenRequests.first?.contains("scope=callbacks") == true)
        for r in got {
            #expect(r.headers[.authorization] == "Bearer tok-1")
            #expect(r.headers[.contentType] == "application/json")
            let id = try #require(r.headers[.init("webhook-id")!])
            let ts = try #require(r.headers[.init("webhook-timestamp")!].flatMap(Int.init))
            #expect(id == r.eventID && Int64(id)! > 1 << 53)
            #expect(
                r.headers[.init("webhook-signature")!]
                    == WebhookSigner.signature(
                        eventID: id,
                        timestamp: ts,
                        body: Array(r.body.utf8),
                        secrets: ["whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcY"]
                    )
            )
            #expect(r.json["event_timestamp"]?.stringValue?.hasSuffix("Z") == true)
        }
        func meta(_ name: String, _ order: String = "D-1") -> JSONValue? {
            got.first { $0.name == "fulfillment.\(name)" && $0.json["event_metadata"]?["order_id"]?.stringValue == order }?.json["event_metadata"]
        }
        #expect(
            meta("brand_new")
                == (try JSONValue.parse(
                    Data(
                        #"{"order_id":"D-1","order_url":null,"store_location":"SF-001","delivery_window":{"starts_at":"2025-06-11T01:00:00Z","ends_at":"2025-06-11T03:00:00Z"}}"#
                            .utf8
                    )
                ))
        )
        #expect(
            meta("staged") == (try JSONValue.parse(Data(#"{"order_id":"D-1","store_location":"SF-001","bag_label":"HOPPER-3","bags_count":3}"#.utf8)))
        )
        #expect(
            meta("late_delivery")?["new_window"]
                == (try JSONValue.parse(Data(#"{"starts_at":"2025-06-11T01:00:00Z","ends_at":"2025-06-11T03:30:00Z"}"#.utf8)))
        )
        #expect(meta("at_store_eta")?["eta"]?.stringValue == "2025-06-10T23:20:00Z")  // now + 15 minutes
        #expect(meta("at_store_eta")?["bag_label"]?.stringValue == "HOPPER-3")
        #expect(meta("bags_verified")?["bags_count"]?.int == 3)
        #expect(meta("order_location")?["coordinates"] == .object(["latitude": .number(37.792), "longitude": .number(-122.3934)]))
        #expect(meta("delivering")?["eta"] != nil && meta("delivering")?["delivery_window"] != nil)
        #expect(meta("delivered")?["delivered_at"]?.stringValue == "2025-06-10T23:05:00Z")
        #expect(
            meta("rescheduled", "D-2")
                == (try JSONValue.parse(
                    Data(
                        #"{"order_id":"D-2","new_window":{"starts_at":"2025-06-11T03:00:00Z","ends_at":"2025-06-11T05:00:00Z"},"previous_window":{"starts_at":"2025-06-11T01:00:00Z","ends_at":"2025-06-11T03:00:00Z"}}"#
                            .utf8
                    )
                ))
        )
        #expect(meta("canceled", "D-2")?["cancellation_reason"]?.stringValue == "instacart_driven")
        // The delivery log agrees: all delivered, one attempt each.
        let log = try await env.storage.callbackDeliveries(retailerID: "alpha", orderID: nil, limit: 100)
        #expect(log.count == got.count && log.allSatisfy { $0.state == .delivered && $0.attempts == 1 })
        try await http.shutdown()
        await receiver.stop()
    }

    @Test("a 500 is retried after the backoff; the 200 is recorded as delivered, once", arguments: Engine.available)
    func retryAfterServerError(engine: Engine) async throws {
        let receiver = try await CallbackReceiver.start(failFirst: 1)
        let http = CallbackOutbox.makeHTTPClient()
        let env = try await TestEnvironment(engine: engine, now: dispatchNow, config: CallbackReceiver.config(port: receiver.port))
        let outbox = makeOutbox(env, client: http)
        try await env.run { c in
            let token = try await c.token()
            #expect(try await c.post("/v2/fulfillment/lastmile/orders", token: token, dispatchBody("D-1")).status == .ok)
        }
        #expect(await outbox.deliverDue() == 1)
        var log = try await env.storage.callbackDeliveries(retailerID: nil, orderID: "D-1", limit: 10)
        #expect(log.first?.state == .pending && log.first?.attempts == 1 && log.first?.lastResult == "HTTP 500")
        let wait = try #require(log.first?.nextAttemptAt).timeIntervalSince(dispatchNow)
        #expect(wait >= 24 && wait <= 36)  // 30 s ± 20 %
        #expect(await outbox.deliverDue() == 0)  // not due yet
        env.clock.advance(by: 37)
        #expect(await outbox.deliverDue() == 1)
        log = try await env.storage.callbackDeliveries(retailerID: nil, orderID: "D-1", limit: 10)
        #expect(log.first?.state == .delivered && log.first?.attempts == 2)
        let attempts = try await env.storage.callbackAttempts(rowID: try #require(log.first?.rowID))
        #expect(attempts.map(\.statusCode) == [500, 200])
        #expect(receiver.received.count == 1)
        // The operator's view: attempts by outcome and requests by route, in Prometheus text format.
        // /metrics is on its own listener, never on the API's.
        #expect(try await env.run { c in try await c.request(.get, "/metrics") }.status == .notFound)
        let metrics = try await buildMetricsApplication(registry: sharedMetrics, host: "127.0.0.1", port: 0).test(.router) { client in
            try await TestEnvironment.Client(client: client).request(.get, "/metrics")
        }
        #expect(metrics.status == .ok && metrics.headers[.contentType]?.hasPrefix("text/plain") == true)
        #expect(metrics.text.contains(#"lastmile_callback_attempts_total{outcome="retry"}"#))
        #expect(metrics.text.contains(#"lastmile_callback_attempts_total{outcome="delivered"}"#))
        #expect(
            metrics.text.contains(#"lastmile_http_requests_total{route="POST /v2/fulfillment/lastmile/orders",status="200"}"#),
            "\(metrics.text.prefix(2000))"
        )
        // Unknown paths share one label (the /metrics request above, and a trailing slash the trie would have matched).
        #expect(metrics.text.contains(#"lastmile_http_requests_total{route="unmatched",status="404"}"#))
        #expect(!metrics.text.contains("/metrics\""))
        env.clock.advance(by: 3600)
        #expect(await outbox.deliverDue() == 0)
        try await http.shutdown()
        await receiver.stop()
    }

    @Test("receiver down: events wait and retry, then all arrive once it is back", arguments: Engine.available)
    func receiverDownThenBack(engine: Engine) async throws {
        let port = try await CallbackReceiver.vacantPort()
        let http = CallbackOutbox.makeHTTPClient()
        let env = try await TestEnvironment(engine: engine, now: dispatchNow, config: CallbackReceiver.config(port: port))
        let outbox = makeOutbox(env, client: http)
        try await env.run { c in
            let token = try await c.token()
            for i in 1...3 { #expect(try await c.post("/v2/fulfillment/lastmile/orders", token: token, dispatchBody("D-\(i)")).status == .ok) }
            #expect(try await c.post("/v2/fulfillment/lastmile/orders/D-1/staged", token: token, "{}").status == .ok)
        }
        #expect(await outbox.deliverDue() == 4)
        env.clock.advance(by: 40)
        #expect(await outbox.deliverDue() == 4)
        var log = try await env.storage.callbackDeliveries(retailerID: nil, orderID: nil, limit: 10)
        #expect(log.allSatisfy { $0.state == .pending && $0.attempts == 2 })
        let receiver = try await CallbackReceiver.start(port: port)
        env.clock.advance(by: 80)
        await drain(outbox)
        log = try await env.storage.callbackDeliveries(retailerID: nil, orderID: nil, limit: 10)
        #expect(log.count == 4 && log.allSatisfy { $0.state == .delivered && $0.attempts == 3 })
        #expect(Set(receiver.received.map(\.eventID)).count == 4 && receiver.received.count == 4)
        try await http.shutdown()
        await receiver.stop()
    }

    @Test("no attempt starts more than 24 hours after the first: a late retry is abandoned unsent", arguments: Engine.available)
    func abandonAfterADay(engine: Engine) async throws {
        let port = try await CallbackReceiver.vacantPort()
        let http = CallbackOutbox.makeHTTPClient()
        let env = try await TestEnvironment(engine: engine, now: dispatchNow, config: CallbackReceiver.config(port: port))
        let outbox = makeOutbox(env, client: http)
        try await env.run { c in
            let token = try await c.token()
            #expect(try await c.post("/v2/fulfillment/lastmile/orders", token: token, dispatchBody("D-1")).status == .ok)
        }
        #expect(await outbox.deliverDue() == 1)  // refused
        let receiver = try await CallbackReceiver.start(port: port)
        env.clock.advance(by: 25 * 3600)  // e.g. the service was down for a day
        #expect(await outbox.deliverDue() == 1)
        let log = try await env.storage.callbackDeliveries(retailerID: nil, orderID: "D-1", limit: 1)
        #expect(log.first?.state == .failed && log.first?.attempts == 2, "\(log)")
        #expect(receiver.received.isEmpty)
        try await http.shutdown()
        await receiver.stop()
    }

    @Test("only subscribed events are queued; a 401 refreshes the token and re-sends within the same attempt", arguments: Engine.available)
    func subscriptionsAndTokenRefresh(engine: Engine) async throws {
        let receiver = try await CallbackReceiver.start()
        let http = CallbackOutbox.makeHTTPClient()
        let env = try await TestEnvironment(
            engine: engine,
            now: dispatchNow,
            config: CallbackReceiver.config(port: receiver.port, events: ["fulfillment.staged", "canceled"])
        )
        let outbox = makeOutbox(env, client: http)
        try await env.run { c in
            let token = try await c.token()
            #expect(try await c.post("/v2/fulfillment/lastmile/orders", token: token, dispatchBody("D-1")).status == .ok)
            #expect(try await c.post("/v2/fulfillment/lastmile/orders/D-1/staged", token: token, "{}").status == .ok)
        }
        await drain(outbox)
        #expect(receiver.received.map(\.name) == ["fulfillment.staged"])
        // The receiver forgets its tokens (rotation): the cached one now gets 401.
        receiver.state.withLock { $0.issued = ["rotated-away"] }
        try await env.run { c in
            let token = try await c.token()
            #expect(try await c.post("/v2/fulfillment/lastmile/orders/D-1/cancel", token: token, "{}").status == .ok)
        }
        await drain(outbox)
        #expect(receiver.received.map(\.name) == ["fulfillment.staged", "fulfillment.canceled"])
        #expect(receiver.received.last?.headers[.authorization] == "Bearer tok-2")
        let log = try await env.storage.callbackDeliveries(retailerID: nil, orderID: "D-1", limit: 10)
        #expect(log.allSatisfy { $0.attempts == 1 && $0.state == .delivered })
        #expect(
            try await env.storage.orderEvents(retailerID: "alpha", orderID: "D-1").map(\.type)
                == ["fulfillment.brand_new", "fulfillment.staged", "fulfillment.canceled"]
        )
        try await http.shutdown()
        await receiver.stop()
    }
}
