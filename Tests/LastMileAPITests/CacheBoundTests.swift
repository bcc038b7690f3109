import Foundation
import LastMileAPI
import LastMileCore
import LastMileStorage
import Testing

/// What a server keeps between requests (issue 12) and how stale it may be: token holders for at most
/// one second; stores, users and commitments never (read on every request).
@Suite("Cached state and its bound")
struct CacheBoundTests {
    static let listing =
        #"{"address":{"address_line_1":"500 Howard St","postal_code":"94105"},"location_code":"SF-001","cart_total_cents":1,"items_count":1}"#

    @Test("a token revoked on another server stops working within one second; one revoked here, at once", arguments: Engine.available)
    func revokedElsewhere(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine)
        try await env.run { c in
            let token = try await c.token()
            let other = try await c.token()
            try await c.createUser("cust-1", token: token)
            // Another server (or `lastmile clients revoke-tokens`) revokes the token in the database.
            try await env.storage.revokeToken(hash: SecretHash.hex(token), at: env.clock.now())
            let within = try await c.post("/v2/fulfillment/users/cust-1/service_options/cart/last_mile", token: token, Self.listing)
            #expect(within.status == .ok, "inside the documented bound the holder read before the revocation is still used")
            env.nextRateLimitWindow()  // one second later on the server's monotonic clock
            let after = try await c.post("/v2/fulfillment/users/cust-1/service_options/cart/last_mile", token: token, Self.listing)
            #expect(after.status == .unauthorized)

            // Revoked through this server (A2): refused at the very next request.
            #expect(try await c.post("/v2/fulfillment/users/cust-1/service_options/cart/last_mile", token: other, Self.listing).status == .ok)
            let revoke = try await c.request(
                .post,
                "/v2/oauth/token/revoke",
                body: "token=\(other)&client_id=alpha&client_secret=alpha-client-secret-1",
                contentType: "application/x-www-form-urlencoded"
            )
            #expect(revoke.status == .ok, "\(revoke.text)")
            #expect(
                try await c.post("/v2/fulfillment/users/cust-1/service_options/cart/last_mile", token: other, Self.listing).status == .unauthorized
            )
        }
    }

    @Test("disabling a client ends its tokens within one second", arguments: Engine.available)
    func clientDisabled(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine)
        try await env.run { c in
            let token = try await c.token("alpha-2", "alpha-client-secret-2")
            #expect(try await c.request(.get, "/v2/fulfillment/lastmile/orders/none", token: token).status == .notFound)
            let disabled = testConfigJSON.replacingOccurrences(
                of: #"{ "client_id": "alpha-2", "client_secret": "alpha-client-secret-2" }"#,
                with: #"{ "client_id": "alpha-2", "client_secret": "alpha-client-secret-2", "enabled": false }"#
            )
            #expect(disabled != testConfigJSON)
            try await env.storage.applyConfiguration(
                try ConfigFile.parse(Data(disabled.utf8), yaml: false, name: "changed", directory: sharedDirectory)
            )
            env.nextRateLimitWindow()
            #expect(try await c.request(.get, "/v2/fulfillment/lastmile/orders/none", token: token).status == .unauthorized)
            #expect(try await c.request(.get, "/v2/fulfillment/lastmile/orders/none", token: try await c.token()).status == .notFound)
        }
    }

    @Test("a store deactivated on another server is refused at the next request", arguments: Engine.available)
    func storeDeactivatedElsewhere(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine)
        try await env.run { c in
            let token = try await c.token()
            try await c.createUser("cust-1", token: token)
            #expect(try await c.post("/v2/fulfillment/users/cust-1/service_options/cart/last_mile", token: token, Self.listing).status == .ok)
            let config = try ConfigFile.parse(
                Data(
                    testConfigJSON.replacingOccurrences(
                        of: #""pickup": true, "alcohol": true"#,
                        with: #""pickup": true, "alcohol": true, "active": false"#
                    ).utf8
                ),
                yaml: false,
                name: "changed",
                directory: sharedDirectory
            )
            try await env.storage.applyConfiguration(config)
            let r = try await c.post("/v2/fulfillment/users/cust-1/service_options/cart/last_mile", token: token, Self.listing)
            r.expectError(.badRequest, "Specified store is not available for lastmile.", key: "location_code")
        }
    }
}
