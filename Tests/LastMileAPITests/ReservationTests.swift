import Foundation
import LastMileCore
import LastMileStorage
import Testing

/// One store, one driver on shift 08:00–21:00 local, 2 minutes from 94105: a trip takes 5 + 2 + 5 + 2 = 14
/// minutes, so the 18:00–20:00 window (01:00–03:00Z) fits arrivals at 01:00, 01:14, …, 02:52: exactly 9.
let capacityConfigJSON = """
    { "retailers": [ { "id": "cap", "oauth_clients": [ { "client_id": "cap", "client_secret": "cap-client-secret-1" } ],
      "stores": [ { "location_code": "CAP-1", "name": "One Driver",
        "address": { "address_line_1": "101 Spear St", "city": "San Francisco", "state": "CA", "postal_code": "94105" },
        "latitude": 37.7920, "longitude": -122.3934, "time_zone": "America/Los_Angeles", "scheduling_horizon_days": 1,
        "delivery_hours": { "default": "08:00-21:00" },
        "max_orders_per_trip": 1,
        "driver_shifts": [ { "driver_id": "solo", "start": "08:00", "end": "21:00" } ] } ] } ] }
    """

let windowBody =
    #"{"address":{"address_line_1":"500 Howard St","postal_code":"94105"},"location_code":"CAP-1","cart_total_cents":1,"items_count":1,"desired_windows":[{"starts_at":"2025-06-11T01:00:00Z","ends_at":"2025-06-11T03:00:00Z"}]}"#

@Suite("Reservations (§2.5, §2.0.8)")
struct ReservationTests {
    @Test("E1 holds a listed option for 10 minutes and returns it exactly as listed; E2 does the same by reference", arguments: Engine.available)
    func reserve(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine)
        try await env.run { c in
            let token = try await c.token()
            try await c.createUser("cust-4821", token: token)
            let list = try await c.post(
                "/v2/fulfillment/users/cust-4821/service_options/cart/last_mile",
                token: token,
                #"{"address":{"address_line_1":"500 Howard St","postal_code":"94105"},"location_code":"SF-001","cart_total_cents":1,"items_count":1}"#
            )
            let listed = try #require(list.json["service_options"]?[1])
            let id = try #require(listed["id"]?.int)
            env.clock.advance(by: 88)
            let r = try await c.post("/v2/fulfillment/users/cust-4821/service_options/\(id)/reserve", token: token)
            #expect(r.status == .ok, "\(r.text)")
            let hold = try #require(r.json["service_option_hold"])
            #expect(hold["expires_at"]?.stringValue == "2025-06-11T00:46:40Z")
            #expect(hold["service_option"] == listed)
            #expect((hold["id"]?.int ?? 0) > 0)

            let ref = try #require(listed["service_option_reference"]?.stringValue)
            let byRef = try await c.post(
                "/v2/fulfillment/users/cust-4821/service_options/reserve",
                token: token,
                #"{"service_option_reference":"\#(ref)"}"#
            )
            #expect(byRef.status == .ok, "\(byRef.text)")
            #expect(byRef.json["service_option_hold"]?["service_option"] == listed)
            #expect(byRef.json["service_option_hold"]?["id"] != hold["id"])
            // The first hold was released by the second reserve: one hold per user.
            #expect(try await env.storage.hold(id: hold["id"]!.int!)?.status == .released)
        }
    }

    @Test("E1 error rows in check order", arguments: Engine.available)
    func e1Errors(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine)
        try await env.run { c in
            let token = try await c.token()
            let beta = try await c.token("beta", "beta-client-secret-1")
            try await c.createUser("u1", token: token)
            try await c.createUser("u2", token: token)
            try await c.createUser("u1", token: beta)
            for bad in ["abc", "0", "-1", "9223372036854775808", "1.5", "+5"] {
                (try await c.post("/v2/fulfillment/users/u1/service_options/\(bad)/reserve", token: token))
                    .expectError(.badRequest, "must be an integer", key: "service_option_id")
            }
            let list = try await c.post(
                "/v2/fulfillment/users/u1/service_options/cart/last_mile",
                token: token,
                #"{"address":{"address_line_1":"500 Howard St","postal_code":"94105","city":"San Francisco"},"location_code":"SF-001","cart_total_cents":1,"items_count":1,"alcoholic":true}"#
            )
            let options = try #require(list.json["service_options"]?.array)
            let good = try #require(options.first?["id"]?.int)
            let unavailable = try #require(options.first { $0["availability"]?["available"]?.bool == false }?["id"]?.int)
            (try await c.post("/v2/fulfillment/users/ghost/service_options/\(good)/reserve", token: token))
                .expectError(.badRequest, "User Not Found", key: "user_id")
            for (user, t, option) in [("u1", token, Int64(999_999)), ("u2", token, good), ("u1", beta, good)] {
                (try await c.post("/v2/fulfillment/users/\(user)/service_options/\(option)/reserve", token: t))
                    .expectError(.notFound, "Resource not found", code: 4000, key: nil)
            }
            let preview = try await c.post("/v2/fulfillment/service_options/last_mile", token: token, #"{"postal_code":"94105"}"#)
            let previewID = try #require(preview.json["service_options"]?[0]?["id"]?.int)
            (try await c.post("/v2/fulfillment/users/u1/service_options/\(previewID)/reserve", token: token))
                .expectError(.notFound, "Resource not found", code: 4000, key: nil)
            (try await c.post("/v2/fulfillment/users/u1/service_options/\(unavailable)/reserve", token: token))
                .expectError(.badRequest, "Service option is not available.", key: "service_option_id")
            // Live for 30 minutes after listing (scheduled ones at most until their start).
            let held = try await c.post("/v2/fulfillment/users/u1/service_options/\(good)/reserve", token: token)
            #expect(held.status == .ok)
            let holdID = try #require(held.json["service_option_hold"]?["id"]?.int)
            env.clock.advance(by: 30 * 60)
            (try await c.post("/v2/fulfillment/users/u1/service_options/\(good)/reserve", token: token))
                .expectError(.badRequest, "Service option has expired. Please retrieve service options again.", key: "service_option_id")
            // The previous hold was released even though the new reserve failed.
            #expect(try await env.storage.hold(id: holdID)?.status == .released)
        }
    }

    @Test("E2 error rows: field rules, undecodable, foreign or tampered references", arguments: Engine.available)
    func e2Errors(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine)
        try await env.run { c in
            let token = try await c.token()
            try await c.createUser("u1", token: token)
            try await c.createUser("u2", token: token)
            let path = "/v2/fulfillment/users/u1/service_options/reserve"
            (try await c.post(path, token: token, "{}")).expectError(.badRequest, "can't be blank", key: "service_option_reference")
            (try await c.post(path, token: token, #"{"service_option_reference":5}"#)).expectError(
                .badRequest,
                "must be a string",
                key: "service_option_reference"
            )
            (try await c.post(path, token: token, #"{"service_option_reference":"\#(String(repeating: "a", count: 2049))"}"#))
                .expectError(.badRequest, "is too long (maximum is 2048 characters)", key: "service_option_reference")
            (try await c.post("/v2/fulfillment/users/ghost/service_options/reserve", token: token, #"{"service_option_reference":"x"}"#))
                .expectError(.badRequest, "User Not Found", key: "user_id")
            let list = try await c.post(
                "/v2/fulfillment/users/u2/service_options/cart/last_mile",
                token: token,
                #"{"address":{"address_line_1":"500 Howard St","postal_code":"94105"},"location_code":"SF-001","cart_total_cents":1,"items_count":1}"#
            )
            let option = try #require(list.json["service_options"]?[1])
            let ref = try #require(option["service_option_reference"]?.stringValue)
            let decoded = try #require(ServiceOptionReference.decode(ref))
            var tampered = decoded
            tampered.end = decoded.end!.addingTimeInterval(3600)
            // `ref` is u2's option.
            for reference in ["not base64 !", "e30=", ref, tampered.encoded] {
                (try await c.post(path, token: token, #"{"service_option_reference":"\#(reference)"}"#))
                    .expectError(.badRequest, "Service option not found", key: "service_option_reference")
            }
        }
    }

    @Test(
        "200 concurrent reserves against a window with capacity for 9: exactly 9 holds, the rest 'no longer available'",
        arguments: Engine.available
    )
    func concurrentReservesNeverOverbook(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine, config: capacityConfigJSON, rateLimitOverride: 1_000_000)
        let users = (0..<200).map { "user-\($0)" }
        for u in users { _ = try await env.storage.insertUserIfAbsent(UserRecord(retailerID: "cap", userID: u, createdAt: exampleNow)) }
        try await env.run { c in
            let token = try await c.token("cap", "cap-client-secret-1")
            var optionIDs: [String: Int64] = [:]
            for u in users {
                let r = try await c.post("/v2/fulfillment/users/\(u)/service_options/cart/last_mile", token: token, windowBody)
                optionIDs[u] = try #require(r.json["service_options"]?[0]?["id"]?.int, "\(r.text)")
            }
            let ids = optionIDs
            let results = try await withThrowingTaskGroup(of: APIResponse.self) { group in
                for u in users {
                    group.addTask { try await c.post("/v2/fulfillment/users/\(u)/service_options/\(ids[u]!)/reserve", token: token) }
                }
                return try await group.reduce(into: [APIResponse]()) { $0.append($1) }
            }
            let held = results.filter { $0.status == .ok }
            #expect(held.count == 9)
            for r in results where r.status != .ok {
                r.expectError(
                    .badRequest,
                    "The selected time slot is no longer available. Please choose another time slot.",
                    key: "service_option_id"
                )
            }
            // The planner agrees: with those 9 holds committed, the window no longer fits a 10th delivery.
            let commitments = try await env.storage.commitments(retailerID: "cap", locationCode: "CAP-1", now: exampleNow, excludingHoldOfUser: nil)
            #expect(commitments.count == 9)
            let holderOfNothing = users.first { u in !held.contains { $0.json["service_option_hold"]?["service_option"]?["id"]?.int == ids[u] } }!
            let other = try await c.post("/v2/fulfillment/users/\(holderOfNothing)/service_options/cart/last_mile", token: token, windowBody)
            #expect(other.json["service_options"]?.array?.isEmpty == true, "\(other.text)")
        }
    }

    @Test("concurrent reserves by one user leave exactly one active hold", arguments: Engine.available)
    func concurrentReservesBySameUser(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine, rateLimitOverride: 1_000_000)
        try await env.run { c in
            let token = try await c.token()
            try await c.createUser("u1", token: token)
            let list = try await c.post(
                "/v2/fulfillment/users/u1/service_options/cart/last_mile",
                token: token,
                #"{"address":{"address_line_1":"500 Howard St","postal_code":"94105"},"location_code":"SF-001","cart_total_cents":1,"items_count":1}"#
            )
            let ids = try #require(list.json["service_options"]?.array?.compactMap { $0["id"]?.int })
            let statuses = try await withThrowingTaskGroup(of: Bool.self) { group in
                for i in 0..<30 {
                    let id = ids[i % ids.count]
                    group.addTask { try await c.post("/v2/fulfillment/users/u1/service_options/\(id)/reserve", token: token).status == .ok }
                }
                return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
            #expect(statuses == 30)
            let active = try await env.storage.commitments(retailerID: "alpha", locationCode: "SF-001", now: exampleNow, excludingHoldOfUser: nil)
            #expect(active.count == 1)
        }
    }

    @Test("holds are commitments: capacity comes back when a hold expires, with no background job", arguments: Engine.available)
    func holdExpiryReleasesCapacity(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine, config: capacityConfigJSON, rateLimitOverride: 1_000_000)
        for u in 0..<10 { _ = try await env.storage.insertUserIfAbsent(UserRecord(retailerID: "cap", userID: "u\(u)", createdAt: exampleNow)) }
        try await env.run { c in
            let token = try await c.token("cap", "cap-client-secret-1")
            for u in 0..<9 {
                let r = try await c.post("/v2/fulfillment/users/u\(u)/service_options/cart/last_mile", token: token, windowBody)
                let id = try #require(r.json["service_options"]?[0]?["id"]?.int)
                #expect(try await c.post("/v2/fulfillment/users/u\(u)/service_options/\(id)/reserve", token: token).status == .ok)
            }
            let full = try await c.post("/v2/fulfillment/users/u9/service_options/cart/last_mile", token: token, windowBody)
            #expect(full.json["service_options"]?.array?.isEmpty == true)
            // A user's own hold does not count against that user's listing.
            let own = try await c.post("/v2/fulfillment/users/u0/service_options/cart/last_mile", token: token, windowBody)
            #expect(own.json["service_options"]?.array?.count == 1)
            env.clock.advance(by: 600)
            let back = try await c.post("/v2/fulfillment/users/u9/service_options/cart/last_mile", token: token, windowBody)
            #expect(back.json["service_options"]?.array?.count == 1, "\(back.text)")
        }
    }
}
