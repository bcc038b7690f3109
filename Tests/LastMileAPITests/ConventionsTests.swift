import Foundation
import GRDB
import HTTPTypes
import LastMileCore
import Testing

@Suite("Conventions (§1)")
struct ConventionsTests {
    @Test("unknown routes, wrong methods, empty segments and trailing slashes are 404/4000", arguments: Engine.available)
    func notFound(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine)
        try await env.run { c in
            let token = try await c.token()
            for (method, path) in [
                (HTTPRequest.Method.get, "/v2/nope"), (.get, "/v2/fulfillment/users"), (.post, "/v2/fulfillment/users/"),
                (.post, "/v2/fulfillment/users//service_options/cart/last_mile"), (.post, "/V2/fulfillment/users"),
                (.post, "/v2/fulfillment_sandbox/shoppers/x"),
            ] {
                let r = try await c.request(method, path, token: token, body: "{}")
                r.expectError(.notFound, "Resource not found", code: 4000, key: nil)
            }
            // Route matching comes before authentication.
            (try await c.request(.get, "/v2/nope")).expectError(.notFound, "Resource not found", code: 4000, key: nil)
        }
    }

    @Test("what a trie router would forgive is 404 before authentication: slashes, bad escapes, HEAD, wrong methods")
    func routerEdges() async throws {
        let env = try await TestEnvironment()
        try await env.run { c in
            let token = try await c.token()
            let cases: [(HTTPRequest.Method, String)] = [
                (.get, "/health/"), (.get, "//health"), (.get, "/"), (.put, "/v2/fulfillment/users//addresses"),
                (.put, "/v2/fulfillment/users/"), (.get, "/v2/fulfillment/users/u1/orders/%zz"), (.get, "/v2/fulfillment/users/u1/orders/%C3"),
                (.head, "/health"), (.delete, "/v2/fulfillment/users/u1"), (.get, "/v2/oauth/token"),
            ]
            for (method, path) in cases {
                // Without a token: the path decides first (§1.13), so no 401.
                (try await c.request(method, path, body: nil)).expectError(.notFound, "Resource not found", code: 4000, key: nil)
                (try await c.request(method, path, token: token, body: nil)).expectError(.notFound, "Resource not found", code: 4000, key: nil)
            }
            // A percent-encoded parameter is decoded exactly once.
            try await c.createUser("u1", token: token)
            let user = try await c.request(.put, "/v2/fulfillment/users/%75%31", token: token, body: #"{"last_name":"Byron"}"#)
            #expect(user.status == .ok && user.json["user_id"]?.stringValue == "u1", "\(user.text)")
            let twice = try await c.request(.put, "/v2/fulfillment/users/%2575%2531", token: token, body: "{}")
            twice.expectError(.badRequest, "User Not Found", key: "user_id")
        }
    }

    @Test("an order whose id is `last_mile` is read by G1, though F1's path ends in the same word")
    func orderNamedLastMile() async throws {
        let env = try await TestEnvironment()
        try await env.run { c in
            let token = try await c.token()
            try await c.createUser("u1", token: token)
            let r = try await c.request(.get, "/v2/fulfillment/users/u1/orders/last_mile", token: token, body: nil)
            // No such order: G1's own 404, after authentication (a missing token is 401, not the router's 404).
            r.expectError(.notFound, "Resource not found", code: 4000, key: nil)
            #expect(try await c.request(.get, "/v2/fulfillment/users/u1/orders/last_mile", body: nil).status == .unauthorized)
        }
    }

    @Test("body decoding: size, content type, JSON syntax, top-level object; absent body is {}", arguments: Engine.available)
    func bodies(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine)
        try await env.run { c in
            let token = try await c.token()
            let big = "{\"user_id\":\"" + String(repeating: "a", count: 1 << 20) + "\"}"
            (try await c.post("/v2/fulfillment/users", token: token, big))
                .expectError(.contentTooLarge, "The request body is too large.", key: "body")
            (try await c.request(.post, "/v2/fulfillment/users", token: token, body: "user_id=x", contentType: "application/x-www-form-urlencoded"))
                .expectError(.badRequest, "The request body must be sent as application/json.", key: "body")
            (try await c.post("/v2/fulfillment/users", token: token, "{\"user_id\":"))
                .expectError(.badRequest, "The request body is not valid JSON.", key: "body")
            (try await c.post("/v2/fulfillment/users", token: token, "[1,2]"))
                .expectError(.badRequest, "The request body must be a JSON object.", key: "body")
            // A charset parameter is fine; a missing Content-Type is JSON.
            let charset = try await c.request(
                .post,
                "/v2/fulfillment/users",
                token: token,
                body: #"{"user_id":"u1","first_name":"A"}"#,
                contentType: "application/json; charset=utf-8"
            )
            #expect(charset.status == .ok)
            let noType = try await c.request(
                .post,
                "/v2/fulfillment/users",
                token: token,
                body: #"{"user_id":"u2","first_name":"B"}"#,
                contentType: nil
            )
            #expect(noType.status == .ok, "\(noType.text)")
            // Absent body → {} → validation of required fields.
            let empty = try await c.request(.post, "/v2/fulfillment/users", token: token)
            #expect(empty.code == 9999)
            #expect(empty.json["error"]?["errors"]?.array?.count == 2)
        }
    }

    @Test("X-Request-Id is echoed when valid and generated otherwise", arguments: Engine.available)
    func requestID(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine)
        try await env.run { c in
            let echoed = try await c.request(.get, "/health", headers: ["X-Request-Id": "trace-123"])
            #expect(echoed.headers[HTTPField.Name("X-Request-Id")!] == "trace-123")
            #expect(echoed.json["status"]?.stringValue == "ok")
            let generated = try await c.request(.get, "/health", headers: ["X-Request-Id": String(repeating: "x", count: 129)])
            let id = try #require(generated.headers[HTTPField.Name("X-Request-Id")!])
            #expect(id.count == 36)
        }
    }

    @Test(
        "per-retailer rate limit: RateLimit-* headers, 429/2003 with Retry-After, rejected requests not counted, retailers independent",
        arguments: Engine.available
    )
    func rateLimit(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine)
        try await env.run { c in
            let beta = try await c.token("beta", "beta-client-secret-1")
            let alpha = try await c.token()
            for remaining in [2, 1, 0] {
                let r = try await c.put("/v2/fulfillment/users/nobody", token: beta, "{}")
                #expect(r.headers[HTTPField.Name("RateLimit-Limit")!] == "3")
                #expect(r.headers[HTTPField.Name("RateLimit-Remaining")!] == String(remaining))
                #expect((Int(r.headers[HTTPField.Name("RateLimit-Reset")!] ?? "") ?? 0) >= 1)
            }
            for _ in 0..<2 {
                let limited = try await c.put("/v2/fulfillment/users/nobody", token: beta, "{}")
                limited.expectError(.tooManyRequests, "Too many requests", code: 2003, key: nil)
                #expect(limited.headers[.retryAfter] == limited.headers[HTTPField.Name("RateLimit-Reset")!])
                #expect((Int(limited.headers[.retryAfter] ?? "") ?? 0) >= 1)
                #expect(limited.headers[HTTPField.Name("RateLimit-Remaining")!] == "0")
            }
            let other = try await c.put("/v2/fulfillment/users/nobody", token: alpha, "{}")
            #expect(other.headers[HTTPField.Name("RateLimit-Limit")!] == "50")
            #expect(other.headers[HTTPField.Name("RateLimit-Remaining")!] == "49")
        }
    }

    @Test("the OpenAPI document is served and health needs no token", arguments: Engine.available)
    func openAPI(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine)
        try await env.run { c in
            let r = try await c.request(.get, "/openapi.yaml")
            #expect(r.status == .ok)
            #expect(r.text.hasPrefix("openapi: 3.1"))
            #expect(r.text.contains("/v2/fulfillment/users/{user_id}/service_options/cart/last_mile"))
        }
    }
}

@Suite("Storage unavailable")
struct StorageUnavailableTests {
    @Test("a write blocked by another connection's lock answers 503/2003 with Retry-After; nothing is lost")
    func busyDatabase() async throws {
        let env = try await TestEnvironment(busyTimeout: 0.2)
        try await env.run { c in
            let token = try await c.token()
            try await c.createUser("before", token: token)
            // Another process-like connection holds the write lock.
            var config = Configuration()
            config.allowsUnsafeTransactions = true  // the lock must outlive one database access
            let other = try DatabaseQueue(path: env.databasePath, configuration: config)
            try await other.writeWithoutTransaction { db in try db.execute(sql: "BEGIN IMMEDIATE") }
            let blocked = try await c.post("/v2/fulfillment/users", token: token, #"{"user_id":"during","first_name":"B"}"#)
            blocked.expectError(.serviceUnavailable, "The service is temporarily unavailable. Please try again later.", code: 2003, key: nil)
            #expect(blocked.headers[.retryAfter] == "1")
            try await other.writeWithoutTransaction { db in try db.execute(sql: "ROLLBACK") }
            try other.close()
            #expect(try await c.post("/v2/fulfillment/users", token: token, #"{"user_id":"during","first_name":"B"}"#).status == .ok)
            #expect(try await c.put("/v2/fulfillment/users/before", token: token, "{}").status == .ok)
        }
    }
}
