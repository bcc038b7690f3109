import Foundation
import HTTPTypes
import LastMileCore
import Testing

@Suite("OAuth (§2.1)")
struct OAuthTests {
    @Test("JSON and form bodies issue 24-hour bearer tokens with the client's scopes", arguments: Engine.available)
    func issuesTokens(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine)
        try await env.run { c in
            let json = try await c.post(
                "/v2/oauth/token",
                #"{"client_id":"alpha","client_secret":"alpha-client-secret-1","grant_type":"client_credentials","scope":"connect:fulfillment"}"#
            )
            #expect(json.status == .ok)
            #expect(json.json["token_type"]?.stringValue == "Bearer")
            #expect(json.json["expires_in"]?.int == 86_400)
            #expect(json.json["scope"]?.stringValue == "connect:fulfillment")
            #expect(json.json["created_at"]?.int == Int64(exampleNow.timeIntervalSince1970))
            let token = try #require(json.json["access_token"]?.stringValue)
            #expect(token.count >= 43)
            #expect(token.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
            #expect(json.headers[.cacheControl] == "no-store")
            #expect(json.headers[HTTPField.Name("Pragma")!] == "no-cache")

            let form = try await c.request(
                .post,
                "/v2/oauth/token",
                body:
                    "client_id=alpha&client_secret=alpha-client-secret-1&grant_type=client_credentials&scope=connect%3Apost_checkout%2Cconnect%3Afulfillment",
                contentType: "application/x-www-form-urlencoded"
            )
            #expect(form.status == .ok, "\(form.text)")
            // Comma-separated scopes come back space-separated in canonical order.
            #expect(form.json["scope"]?.stringValue == "connect:fulfillment connect:post_checkout")
            #expect(form.json["access_token"]?.stringValue != token)
        }
    }

    @Test("token errors in the documented order and shapes", arguments: Engine.available)
    func tokenErrors(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine)
        try await env.run { c in
            func expectOAuth(_ r: APIResponse, _ status: HTTPResponse.Status, _ error: String, sourceLocation: SourceLocation = #_sourceLocation) {
                #expect(r.status == status, "\(r.text)", sourceLocation: sourceLocation)
                #expect(r.json["error"]?.stringValue == error, "\(r.text)", sourceLocation: sourceLocation)
                #expect(r.json["error_description"]?.stringValue != nil, sourceLocation: sourceLocation)
            }
            let good = #"{"client_id":"alpha","client_secret":"alpha-client-secret-1","grant_type":"client_credentials"}"#
            let q = try await c.post("/v2/oauth/token?client_id=alpha", good)
            expectOAuth(q, .forbidden, "query_params_forbidden")
            #expect(
                q.json["error_description"]?.stringValue
                    == "Providing OAuth credentials as query parameters may cause them to be compromised. Please reach out to Instacart's security team and have the credentials rotated."
            )
            expectOAuth(try await c.post("/v2/oauth/token", "{not json"), .badRequest, "invalid_request")
            expectOAuth(try await c.request(.post, "/v2/oauth/token", body: "x", contentType: "text/plain"), .badRequest, "invalid_request")
            let wrong = try await c.post("/v2/oauth/token", #"{"client_id":"alpha","client_secret":"nope","grant_type":"client_credentials"}"#)
            expectOAuth(wrong, .unauthorized, "invalid_client")
            #expect(
                wrong.json["error_description"]?.stringValue
                    == "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method."
            )
            expectOAuth(
                try await c.post(
                    "/v2/oauth/token",
                    #"{"client_id":"ghost","client_secret":"alpha-client-secret-1","grant_type":"client_credentials"}"#
                ),
                .unauthorized,
                "invalid_client"
            )
            expectOAuth(
                try await c.post(
                    "/v2/oauth/token",
                    #"{"client_id":"alpha-off","client_secret":"alpha-client-secret-4","grant_type":"client_credentials"}"#
                ),
                .unauthorized,
                "invalid_client"
            )
            // Client authentication is checked before grant_type.
            expectOAuth(try await c.post("/v2/oauth/token", #"{"client_secret":"alpha-client-secret-1"}"#), .unauthorized, "invalid_client")
            expectOAuth(
                try await c.post("/v2/oauth/token", #"{"client_id":"alpha","client_secret":"alpha-client-secret-1"}"#),
                .badRequest,
                "invalid_request"
            )
            let grant = try await c.post("/v2/oauth/token", #"{"client_id":"alpha","client_secret":"alpha-client-secret-1","grant_type":"password"}"#)
            expectOAuth(grant, .badRequest, "unsupported_grant_type")
            expectOAuth(
                try await c.post(
                    "/v2/oauth/token",
                    #"{"client_id":"alpha-pc","client_secret":"alpha-client-secret-3","grant_type":"client_credentials","scope":"connect:fulfillment"}"#
                ),
                .badRequest,
                "invalid_scope"
            )
            expectOAuth(
                try await c.post(
                    "/v2/oauth/token",
                    #"{"client_id":"alpha","client_secret":"alpha-client-secret-1","grant_type":"client_credentials","scope":"admin"}"#
                ),
                .badRequest,
                "invalid_scope"
            )
        }
    }

    @Test("OAuth requests are limited to 10 per second per client IP with slow_down", arguments: Engine.available)
    func oauthRateLimit(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine, oauthRateLimit: 10)
        try await env.run { c in
            for _ in 0..<10 {
                #expect(
                    try await c.post(
                        "/v2/oauth/token",
                        #"{"client_id":"alpha","client_secret":"alpha-client-secret-1","grant_type":"client_credentials"}"#
                    ).status == .ok
                )
            }
            let r = try await c.post(
                "/v2/oauth/token",
                #"{"client_id":"alpha","client_secret":"alpha-client-secret-1","grant_type":"client_credentials"}"#
            )
            #expect(r.status == .tooManyRequests)
            #expect(r.json["error"]?.stringValue == "slow_down")
            #expect(r.json["error_description"]?.stringValue == "Too many requests")
            #expect(r.headers[.retryAfter] != nil)
        }
    }

    @Test("revocation: own token revoked (then 401), unknown token no-op, sibling client refused", arguments: Engine.available)
    func revoke(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine)
        try await env.run { c in
            let token = try await c.token()
            #expect(try await c.post("/v2/fulfillment/users", token: token, #"{"user_id":"u1","first_name":"A"}"#).status == .ok)
            let sibling = try await c.post(
                "/v2/oauth/token/revoke",
                #"{"client_id":"alpha-2","client_secret":"alpha-client-secret-2","token":"\#(token)"}"#
            )
            #expect(sibling.status == .forbidden)
            #expect(sibling.json["error"]?.stringValue == "unauthorized_client")
            #expect(sibling.json["error_description"]?.stringValue == "You are not authorized to revoke this token")
            // Another retailer's client: success without effect.
            let foreign = try await c.post(
                "/v2/oauth/token/revoke",
                #"{"client_id":"beta","client_secret":"beta-client-secret-1","token":"\#(token)"}"#
            )
            #expect(foreign.status == .ok)
            #expect(foreign.text == "{}")
            #expect(try await c.put("/v2/fulfillment/users/u1", token: token, "{}").status == .ok)
            let missing = try await c.post("/v2/oauth/token/revoke", #"{"client_id":"alpha","client_secret":"alpha-client-secret-1"}"#)
            #expect(missing.json["error"]?.stringValue == "invalid_request")
            #expect(
                try await c.post("/v2/oauth/token/revoke", #"{"client_id":"alpha","client_secret":"alpha-client-secret-1","token":"unknown"}"#).status
                    == .ok
            )
            let own = try await c.post(
                "/v2/oauth/token/revoke",
                #"{"client_id":"alpha","client_secret":"alpha-client-secret-1","token":"\#(token)"}"#
            )
            #expect(own.status == .ok)
            let after = try await c.put("/v2/fulfillment/users/u1", token: token, "{}")
            after.expectError(.unauthorized, "The access token is invalid or has expired.", code: 4001, key: nil)
            #expect(after.headers[.wwwAuthenticate] == #"Bearer realm="connect", error="invalid_token""#)
            // Revoking again succeeds without effect.
            #expect(
                try await c.post("/v2/oauth/token/revoke", #"{"client_id":"alpha","client_secret":"alpha-client-secret-1","token":"\#(token)"}"#)
                    .status == .ok
            )
        }
    }

    @Test("tokens expire after 86 400 seconds; missing, malformed and unknown tokens get 401; wrong scope 403", arguments: Engine.available)
    func authFailures(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine)
        try await env.run { c in
            let token = try await c.token()
            let none = try await c.post("/v2/fulfillment/users", #"{"user_id":"u1","first_name":"A"}"#)
            none.expectError(.unauthorized, "The access token is missing.", code: 4001, key: nil)
            #expect(none.headers[.wwwAuthenticate] == #"Bearer realm="connect""#)
            let basic = try await c.request(.post, "/v2/fulfillment/users", body: "{}", headers: ["Authorization": "Basic abc"])
            basic.expectError(.unauthorized, "The access token is missing.", code: 4001, key: nil)
            let lower = try await c.request(
                .post,
                "/v2/fulfillment/users",
                body: #"{"user_id":"u1","first_name":"A"}"#,
                headers: ["Authorization": "bearer \(token)"]
            )
            #expect(lower.status == .ok, "the scheme is case-insensitive")
            (try await c.post("/v2/fulfillment/users", token: "not-a-token", "{}"))
                .expectError(.unauthorized, "The access token is invalid or has expired.", code: 4001, key: nil)
            let pc = try await c.token("alpha-pc", "alpha-client-secret-3")
            (try await c.post("/v2/fulfillment/users", token: pc, "{}"))
                .expectError(.forbidden, "The access token does not grant access to this resource.", code: 4001, key: nil)

            env.clock.advance(by: 86_399)
            #expect(try await c.put("/v2/fulfillment/users/u1", token: token, "{}").status == .ok)
            env.clock.advance(by: 1)
            (try await c.put("/v2/fulfillment/users/u1", token: token, "{}"))
                .expectError(.unauthorized, "The access token is invalid or has expired.", code: 4001, key: nil)
        }
    }
}
