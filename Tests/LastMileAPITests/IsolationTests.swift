import Foundation
import HTTPTypes
import LastMileCore
import LastMileStorage
import Testing

/// §1.4: another retailer's resource answers exactly as a resource that does not exist, and is left as it was.
@Suite("Retailer isolation (§1.4) across every endpoint that names a resource")
struct IsolationTests {
    static let userAddress = #"{"address_line_1":"500 Howard St","postal_code":"94105"}"#

    @Test(
        "retailer B's token against retailer A's orders, holds and options gets the not-found answer; A's data is unchanged",
        arguments: Engine.available
    )
    func retailerIsolation(engine: Engine) async throws {
        let env = try await TestEnvironment(
            engine: engine,
            now: dispatchNow,
            config: CallbackReceiver.config(port: 9, drivers: true)
                .replacingOccurrences(
                    of: #""oauth_clients": [ { "client_id": "beta", "client_secret": "beta-client-secret-1" } ],"#,
                    with:
                        #""oauth_clients": [ { "client_id": "beta", "client_secret": "beta-client-secret-1" } ], "drivers": [ { "id": "beta-drv", "secret": "beta-driver-secret-1" } ],"#
                )
        )
        try await env.run { c in
            let alpha = try await c.token()
            let beta = try await c.token("beta", "beta-client-secret-1")
            // A: an integrated order, a live hold, a listed option, a dispatch order.
            try await c.createUser("cust-a", token: alpha)
            let (holdA, _) = try await OrderTests.hold(c, token: alpha, user: "cust-a", index: 1)
            let created = try await c.post(
                "/v2/fulfillment/users/cust-a/orders/last_mile",
                token: alpha,
                #"""
                {"order_id":"A-1","location_code":"SF-001","service_option_hold_id":\#(holdA),"first_name":"Ada","last_name":"L",
                 "user_phone":"+14155550123","items_count":3,"items_weight":2.5,"address":\#(Self.userAddress)}
                """#
            )
            #expect(created.status == .ok, "\(created.text)")
            let (liveHold, option) = try await OrderTests.hold(c, token: alpha, user: "cust-a", index: 2)
            let optionA = try #require(option["id"]?.int)
            #expect(try await c.post("/v2/fulfillment/lastmile/orders", token: alpha, dispatchBody("D-A")).status == .ok)
            let beforeA1 = try await c.request(.get, "/v2/fulfillment/users/cust-a/orders/A-1", token: alpha).json
            let beforeDA = try await c.request(.get, "/v2/fulfillment/lastmile/orders/D-A", token: alpha).json

            // B's own orders, to point at A's option.
            try await c.createUser("cust-a", token: beta)
            let bDispatch = dispatchBody("D-B").replacingOccurrences(of: #""location_code":"SF-001""#, with: #""location_code":"B-001""#)
            let bCreated = try await c.post("/v2/fulfillment/lastmile/orders", token: beta, bDispatch)
            #expect(bCreated.status == .ok, "\(bCreated.text)")

            /// B's answer for A's resource must equal B's answer for a resource that does not exist.
            func same(
                _ method: HTTPRequestMethod,
                _ path: String,
                missing: String,
                body: String? = nil,
                missingBody: String? = nil,
                sourceLocation: SourceLocation = #_sourceLocation
            ) async throws {
                let real = try await c.request(method.value, path, token: beta, body: body)
                env.nextRateLimitWindow()
                let absent = try await c.request(method.value, missing, token: beta, body: missingBody ?? body)
                env.nextRateLimitWindow()
                #expect(
                    real.status == absent.status && real.json == absent.json,
                    "\(path): \(real.text) vs \(absent.text)",
                    sourceLocation: sourceLocation
                )
                #expect([400, 404].contains(real.status.code), "\(path): \(real.text)", sourceLocation: sourceLocation)
            }
            try await same(.get, "/v2/fulfillment/users/cust-a/orders/A-1", missing: "/v2/fulfillment/users/cust-a/orders/NOPE")
            try await same(
                .put,
                "/v2/fulfillment/users/cust-a/orders/A-1/last_mile",
                missing: "/v2/fulfillment/users/cust-a/orders/NOPE/last_mile",
                body: #"{"bags_count":9}"#
            )
            try await same(
                .post,
                "/v2/fulfillment/users/cust-a/orders/A-1/staged",
                missing: "/v2/fulfillment/users/cust-a/orders/NOPE/staged",
                body: #"{"bags_count":1}"#
            )
            try await same(
                .put,
                "/v2/fulfillment/users/cust-a/orders/A-1/tip",
                missing: "/v2/fulfillment/users/cust-a/orders/NOPE/tip",
                body: #"{"tip_cents":100}"#
            )
            try await same(
                .post,
                "/v2/fulfillment/users/cust-a/orders/A-1/cancel",
                missing: "/v2/fulfillment/users/cust-a/orders/NOPE/cancel",
                body: "{}"
            )
            try await same(.get, "/v2/fulfillment/lastmile/orders/D-A", missing: "/v2/fulfillment/lastmile/orders/NOPE")
            try await same(.put, "/v2/fulfillment/lastmile/orders/D-A", missing: "/v2/fulfillment/lastmile/orders/NOPE", body: #"{"bags_count":9}"#)
            try await same(
                .post,
                "/v2/fulfillment/lastmile/orders/D-A/staged",
                missing: "/v2/fulfillment/lastmile/orders/NOPE/staged",
                body: #"{"bags_count":1}"#
            )
            try await same(.post, "/v2/fulfillment/lastmile/orders/D-A/cancel", missing: "/v2/fulfillment/lastmile/orders/NOPE/cancel", body: "{}")
            try await same(.get, "/v2/post_checkout/orders/D-A/location", missing: "/v2/post_checkout/orders/NOPE/location")
            // A's option and hold, named in B's requests.
            try await same(
                .post,
                "/v2/fulfillment/users/cust-a/service_options/\(optionA)/reserve",
                missing: "/v2/fulfillment/users/cust-a/service_options/987654321/reserve"
            )
            let f1 = { (hold: Int64) in
                #"""
                {"order_id":"B-1","location_code":"B-001","service_option_hold_id":\#(hold),"first_name":"Ada","last_name":"L",
                 "user_phone":"+14155550123","items_count":3,"items_weight":2.5,"address":\#(Self.userAddress)}
                """#
            }
            try await same(
                .post,
                "/v2/fulfillment/users/cust-a/orders/last_mile",
                missing: "/v2/fulfillment/users/cust-a/orders/last_mile",
                body: f1(liveHold),
                missingBody: f1(987_654_321)
            )
            try await same(
                .put,
                "/v2/fulfillment/lastmile/orders/D-B",
                missing: "/v2/fulfillment/lastmile/orders/D-B",
                body: #"{"service_option_id":\#(optionA)}"#,
                missingBody: #"{"service_option_id":987654321}"#
            )
            let h2 = { (id: Int64) in bDispatch.replacingOccurrences(of: #""order_id":"D-B""#, with: #""order_id":"D-B2","service_option_id":\#(id)"#)
            }
            try await same(
                .post,
                "/v2/fulfillment/lastmile/orders",
                missing: "/v2/fulfillment/lastmile/orders",
                body: h2(optionA),
                missingBody: h2(987_654_321)
            )

            // B's driver sees none of A's orders and can act on none of them.
            let driverB = try await c.token("beta-drv", "beta-driver-secret-1")
            #expect(try await c.request(.get, "/driver/v1/offers", token: driverB).json["offers"]?.array?.isEmpty == true)
            for step in ["accept", "arrived_at_store", "bags_verified", "departed", "arrived_at_customer", "customer_missing", "delivered"] {
                let real = try await c.post("/driver/v1/orders/D-A/\(step)", token: driverB, "{}")
                let absent = try await c.post("/driver/v1/orders/NOPE/\(step)", token: driverB, "{}")
                #expect(real.status == absent.status && real.json == absent.json, "\(step): \(real.text)")
            }

            // Nothing of A's changed, and A's live hold still reserves nothing for B.
            #expect(try await c.request(.get, "/v2/fulfillment/users/cust-a/orders/A-1", token: alpha).json == beforeA1)
            #expect(try await c.request(.get, "/v2/fulfillment/lastmile/orders/D-A", token: alpha).json == beforeDA)
            #expect(try await env.storage.hold(id: liveHold)?.status == .active)
            #expect(try await env.storage.order(retailerID: "beta", orderID: "B-1") == nil)
        }
    }
}

enum HTTPRequestMethod {
    case get, put, post
    var value: HTTPRequest.Method {
        switch self {
        case .get: .get
        case .put: .put
        case .post: .post
        }
    }
}
