import AsyncHTTPClient
import Foundation
import HTTPTypes
import HummingbirdTesting
import LastMileAPI
import LastMileCore
import LastMileFleet
import LastMileSQLite
import LastMileStorage
import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing

/// Issue 9: hostile input, production safety, sign-in abuse and slow receivers. Each test fails without its fix.
@Suite("Hardening: hostile input, production safety, sign-in limits, slow receivers", .serialized)
struct HardeningTests {
    static func nested(_ depth: Int) -> String { String(repeating: "[", count: depth) + String(repeating: "]", count: depth) }

    @Test("a deeply nested body answers 400 before any other work, with or without a token (finding 1)")
    func deepBodies() async throws {
        let env = try await TestEnvironment()
        try await env.run { c in
            // 1 MiB of nesting (the largest body allowed): refused at depth 65, not walked.
            let deep = #"{"a":"# + Self.nested(500_000) + "}"
            let oauth = try await c.post("/v2/oauth/token", deep)
            #expect(oauth.status == .contentTooLarge || oauth.status == .badRequest, "\(oauth.text)")
            let small = #"{"client_id":"# + Self.nested(2_000) + "}"
            let smallAnswer = try await c.post("/v2/oauth/token", small)
            #expect(smallAnswer.status == .badRequest && smallAnswer.json["error"]?.stringValue == "invalid_request", "\(smallAnswer.text)")
            let token = try await c.token()
            let r = try await c.post("/v2/fulfillment/users", token: token, deep)
            r.expectError(.badRequest, "The request body is nested too deeply (maximum depth is 64).", key: "body")
            let many = "{\"a\":[" + Array(repeating: "0", count: 100_000).joined(separator: ",") + "]}"
            try await c.post("/v2/fulfillment/users", token: token, many)
                .expectError(.badRequest, "The request body has too many values (maximum is 65536).", key: "body")
            // Depth 64 is still a valid request body (the field is then just the wrong type).
            let ok = try await c.post("/v2/fulfillment/users", token: token, #"{"first_name":"Ada","user_id":"# + Self.nested(63) + "}")
            ok.expectError(.badRequest, "must be a string", key: "user_id")
            // Whitespace alone is not JSON (found by fuzzing); an empty body is still `{}` (§1.2).
            try await c.put("/v2/fulfillment/users/u-1", token: token, "\n")
                .expectError(.badRequest, "The request body is not valid JSON.", key: "body")
            #expect(try await c.request(.get, "/health").status == .ok)
        }
    }

    @Test("OAuth bodies are limited to 4 KiB (413 in the OAuth error shape)")
    func oauthBodyLimit() async throws {
        let env = try await TestEnvironment()
        try await env.run { c in
            let padding = String(repeating: "x", count: 5_000)
            let r = try await c.post(
                "/v2/oauth/token",
                #"{"client_id":"alpha","client_secret":"alpha-client-secret-1","grant_type":"client_credentials","pad":"\#(padding)"}"#
            )
            #expect(r.status == .contentTooLarge && r.json["error"]?.stringValue == "invalid_request", "\(r.text)")
        }
    }

    @Test("text fields: lengths in code points, control and bidi-override characters refused, NUL never stored (finding 10)")
    func hostileText() async throws {
        let env = try await TestEnvironment()
        try await env.run { c in
            let token = try await c.token()
            // 300 combining accents on one letter: one grapheme cluster, 301 code points.
            let accents = "e" + String(repeating: "\u{0301}", count: 300)
            try await c.post("/v2/fulfillment/users", token: token, #"{"user_id":"\#(accents)","first_name":"Ada"}"#)
                .expectError(.badRequest, "is too long (maximum is 255 characters)", key: "user_id")
            for bad in [#"Ada\u0000Lovelace"#, #"Ada\u001b[31m"#, #"Ada\nLovelace"#, #"Ada\u202eecalevoL"#] {
                try await c.post("/v2/fulfillment/users", token: token, #"{"user_id":"u-ctl","first_name":"\#(bad)"}"#)
                    .expectError(.badRequest, "must not contain control characters", key: "first_name")
            }
            #expect(try await env.storage.user(retailerID: "alpha", userID: "u-ctl") == nil)
            // Bag scan codes follow the same rules as every other text field.
            #expect(try await c.post("/v2/fulfillment/lastmile/orders", token: token, dispatchBody("S-1")).status == .ok)
            let long = String(repeating: "a\u{301}", count: 51)
            let staged = try await c.post("/v2/fulfillment/lastmile/orders/S-1/staged", token: token, #"{"bag_scan_codes":["\#(long)","A\u0001B"]}"#)
            #expect(
                staged.json["error"]?["errors"]?.array?.compactMap { $0["error"]?["message"]?.stringValue }
                    == ["is too long (maximum is 100 characters)", "must not contain control characters"],
                "\(staged.text)"
            )
            // Sandbox: any E.164 phone; batch ids in decimal digits only.
            #expect(try await c.post("/v2/fulfillment_sandbox/shoppers", token: token, #"{"phone":"+1234567"}"#).status == .ok)
            try await c.post("/v2/fulfillment_sandbox/batches/+1/advance", token: token)
                .expectError(.badRequest, "must be an integer", key: "batch_id")
        }
    }

    @Test("an address that keeps presenting bad tokens gets 429 without a database read; a new window lets it try again (finding 4)")
    func unauthenticatedLimit() async throws {
        let env = try await TestEnvironment(unauthenticatedRateLimit: 3)
        try await env.run { c in
            for _ in 0..<3 {
                #expect(try await c.request(.get, "/v2/fulfillment/users/u/orders/o", token: "forged").status == .unauthorized)
            }
            let limited = try await c.request(.get, "/v2/fulfillment/users/u/orders/o", token: "forged")
            limited.expectError(.tooManyRequests, "Too many requests", code: 2003, key: nil)
            #expect(limited.headers[.retryAfter] == "1")
            env.nextRateLimitWindow()
            #expect(try await c.request(.get, "/v2/fulfillment/users/u/orders/o", token: "forged").status == .unauthorized)
        }
    }

    @Test("after 5 wrong secrets a client backs off (429 slow_down with Retry-After), even with the right secret; success resets (finding 4)")
    func signInBackoff() async throws {
        let env = try await TestEnvironment()
        try await env.run { c in
            let wrong = #"{"client_id":"alpha","client_secret":"not-the-secret-000","grant_type":"client_credentials"}"#
            for _ in 0..<6 { #expect(try await c.post("/v2/oauth/token", wrong).status == .unauthorized) }
            let blocked = try await c.post(
                "/v2/oauth/token",
                #"{"client_id":"alpha","client_secret":"alpha-client-secret-1","grant_type":"client_credentials"}"#
            )
            #expect(blocked.status == .tooManyRequests && blocked.json["error"]?.stringValue == "slow_down", "\(blocked.text)")
            #expect(blocked.headers[.retryAfter].flatMap(Int.init).map { $0 >= 1 } == true)
            // Another client is not affected.
            #expect(
                try await c.post(
                    "/v2/oauth/token",
                    #"{"client_id":"alpha-2","client_secret":"alpha-client-secret-2","grant_type":"client_credentials"}"#
                ).status == .ok
            )
            env.monotonic.advance(by: 2)
            _ = try await c.token()
            // Success cleared the count: one more wrong secret is an ordinary 401.
            #expect(try await c.post("/v2/oauth/token", wrong).status == .unauthorized)
            #expect(
                try await c.post(
                    "/v2/oauth/token",
                    #"{"client_id":"alpha","client_secret":"alpha-client-secret-1","grant_type":"client_credentials"}"#
                ).status == .ok
            )
        }
    }

    @Test("the OAuth limit is per client address: behind a trusted proxy X-Forwarded-For separates clients (finding 4)")
    func forwardedFor() async throws {
        // In-process requests have no socket peer ("local"): trusting it stands for a local proxy.
        let env = try await TestEnvironment(oauthRateLimit: 2, trustedProxies: ["local"])
        try await env.run { c in
            let body = #"{"client_id":"alpha","client_secret":"alpha-client-secret-1","grant_type":"client_credentials"}"#
            var statuses: [HTTPResponse.Status] = []
            for address in ["198.51.100.1", "198.51.100.1", "198.51.100.1", "198.51.100.2"] {
                statuses.append(
                    try await c.request(
                        .post,
                        "/v2/oauth/token",
                        body: body,
                        headers: ["X-Forwarded-For": "203.0.113.9, \(address)"]
                    ).status
                )
            }
            #expect(statuses == [.ok, .ok, .tooManyRequests, .ok])
        }
        #expect(ClientAddress.resolve(peer: "10.0.0.5", forwardedFor: ["1.2.3.4"], trustedProxies: []) == "10.0.0.5")
        #expect(ClientAddress.resolve(peer: "10.0.0.5", forwardedFor: ["1.2.3.4, 10.0.0.6"], trustedProxies: ["10.0.0.5", "10.0.0.6"]) == "1.2.3.4")
        #expect(ClientAddress.resolve(peer: "10.0.0.5", forwardedFor: ["<script>"], trustedProxies: ["10.0.0.5"]) == "10.0.0.5")
    }

    @Test("production refuses a database that development seeded with the demo, and says what to do (finding 2)")
    func productionRefusesDemo() async throws {
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("lastmile-prod-\(UUID().uuidString)")
        let storage = try SQLiteStorage(path: dir.appendingPathComponent("db.sqlite").path)
        var config = AppConfiguration()
        #expect(try await Bootstrap.prepare(storage: storage, configuration: config, directory: sharedDirectory))
        config.mode = .production
        do {
            try await Bootstrap.prepare(storage: storage, configuration: config, directory: sharedDirectory)
            Issue.record("production started on a demo database")
        } catch let e as ConfigFile.LoadError {
            #expect(e.description.contains("the demo retailer \"demo\""))
            #expect(e.description.contains("client \"demo\" with its published secret"))
            #expect(e.description.contains("--database"))
        }
        try await storage.close()
    }

    @Test("development mode refuses a non-loopback host unless asked explicitly (finding 2)")
    func developmentOnLoopback() {
        var config = AppConfiguration()
        for host in ["127.0.0.1", "localhost", "::1", "127.0.0.2"] {
            config.host = host
            #expect(config.startProblem() == nil, "\(host)")
        }
        config.host = "0.0.0.0"
        #expect(config.startProblem()?.contains("--allow-remote-development") == true)
        config.allowRemoteDevelopment = true
        #expect(config.startProblem() == nil)
        config.allowRemoteDevelopment = false
        config.mode = .production
        #expect(config.startProblem() == nil)
    }

    @Test("production configuration: receivers must be https and public unless allow-listed, token_url included (finding 6)")
    func receiverURLsAtLoad() throws {
        func load(_ callbackURL: String, tokenURL: String, production: Bool, allow: [String] = []) -> String? {
            let config = CallbackReceiver.config(port: 1)
                .replacingOccurrences(of: "http://127.0.0.1:1/callbacks", with: callbackURL)
                .replacingOccurrences(of: "http://127.0.0.1:1/oauth/token", with: tokenURL)
            var app = AppConfiguration()
            app.mode = production ? .production : .development
            app.allowedReceiverHosts = allow
            do {
                _ = try ConfigFile.parse(Data(config.utf8), yaml: false, name: "c", directory: sharedDirectory, rules: app.configRules)
                return nil
            } catch { return "\(error)" }
        }
        #expect(load("http://127.0.0.1:1/callbacks", tokenURL: "http://127.0.0.1:1/oauth/token", production: false) == nil)
        #expect(load("https://hooks.example.com/cb", tokenURL: "https://auth.example.com/token", production: true) == nil)
        #expect(
            load("https://hooks.example.com/cb", tokenURL: "http://auth.example.com/token", production: true)?
                .contains("callbacks.token_url: must be https:// in production mode") == true
        )
        #expect(
            load("https://169.254.169.254/latest", tokenURL: "https://auth.example.com/token", production: true)?
                .contains("callbacks.callback_url: must not be a loopback, private or link-local address") == true
        )
        #expect(
            load("https://hooks.example.com/cb", tokenURL: "https://localhost/token", production: true)?
                .contains("callbacks.token_url: must not name a loopback host") == true
        )
        #expect(load("https://10.1.2.3/cb", tokenURL: "https://auth.example.com/token", production: true, allow: ["10.1.2.3"]) == nil)
    }

    @Test("YAML with a key given twice is an error with its path, not a crash (finding 10)")
    func duplicateYAMLKeys() throws {
        let yaml = """
            retailers:
              - id: dup
                id: dup-again
            """
        #expect(throws: ConfigFile.LoadError.self) {
            try ConfigFile.parse(Data(yaml.utf8), yaml: true, name: "dup.yaml", directory: sharedDirectory)
        }
        do {
            _ = try ConfigFile.parse(Data(yaml.utf8), yaml: true, name: "dup.yaml", directory: sharedDirectory)
        } catch {
            #expect("\(error)".contains("retailers[0].id: duplicate key"))
        }
    }

    @Test("a receiver that trickles its answer is cut at the attempt deadline and holds back no other retailer (finding 3)")
    func slowReceiver() async throws {
        let receiver = try await CallbackReceiver.start()
        let http = CallbackOutbox.makeHTTPClient()
        // alpha's receiver trickles; beta's (same server, the ordinary route) answers at once.
        var config = CallbackReceiver.config(port: receiver.port).replacingOccurrences(of: "/callbacks\"", with: "/trickle\"")
        let betaCallbacks = """
            "callbacks": { "callback_url": "http://127.0.0.1:\(receiver.port)/callbacks", "token_url": "http://127.0.0.1:\(receiver.port)/oauth/token",
              "client_id": "\(CallbackReceiver.clientID)", "client_secret": "\(CallbackReceiver.clientSecret)", "scope": "callbacks" },
            """
        config = config.replacingOccurrences(
            of: #""id": "beta", "name": "Beta Grocers","#,
            with: #""id": "beta", "name": "Beta Grocers", "# + betaCallbacks
        )
        .replacingOccurrences(of: #""location_code": "B-001""#, with: #""location_code": "SF-001""#)
        let env = try await TestEnvironment(now: dispatchNow, config: config)
        var limits = CallbackOutbox.Limits()
        limits.attemptTimeout = .seconds(2)
        limits.perRetailer = 2
        let outbox = CallbackOutbox(
            storage: env.storage,
            clock: env.clock,
            client: http,
            logger: Logger(label: "test-outbox"),
            seed: 7,
            limits: limits,
            clocks: env.service.clocks
        )
        try await env.run { c in
            let alpha = try await c.token()
            for i in 1...4 { #expect(try await c.post("/v2/fulfillment/lastmile/orders", token: alpha, dispatchBody("A-\(i)")).status == .ok) }
            let beta = try await c.token("beta", "beta-client-secret-1")
            let b = try await c.post("/v2/fulfillment/lastmile/orders", token: beta, dispatchBody("B-1"))
            #expect(b.status == .ok, "\(b.text)")
        }
        let worker = Task { await outbox.run(idle: .milliseconds(20)) }
        defer { worker.cancel() }
        // beta's callback arrives while alpha's receiver is still trickling (bounded wait).
        let started = ContinuousClock.now
        while receiver.received.isEmpty, ContinuousClock.now - started < .seconds(10) { try await Task.sleep(for: .milliseconds(50)) }
        #expect(receiver.received.map(\.name) == ["fulfillment.brand_new"])
        #expect(receiver.received.first?.json["event_metadata"]?["order_id"]?.stringValue == "B-1")
        // alpha's attempts end at the 2 s deadline (the receiver would take a minute), two at a time.
        var alphaAttempts: [CallbackDelivery] = []
        while ContinuousClock.now - started < .seconds(20) {
            alphaAttempts = try await env.storage.callbackDeliveries(retailerID: "alpha", orderID: nil, limit: 10).filter { $0.attempts > 0 }
            if alphaAttempts.count == 4 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(alphaAttempts.count == 4)
        #expect(alphaAttempts.allSatisfy { $0.lastResult?.contains("no complete answer within 2") == true }, "\(alphaAttempts.map(\.lastResult))")
        #expect(receiver.state.withLock { $0.trickleStarted } == 4)
        worker.cancel()
        _ = await worker.value
        await receiver.stop()
        try await http.shutdown()
    }

    @Test("the test clock moves only the calling retailer's time: its tokens expire, other retailers' do not (finding 5)")
    func testClockPerRetailer() async throws {
        let env = try await TestEnvironment()
        try await env.run { c in
            let alpha = try await c.token()
            let beta = try await c.token("beta", "beta-client-secret-1")
            let moved = try await c.post("/v2/fulfillment_sandbox/clock", token: alpha, #"{"advance_seconds":90000}"#)
            #expect(moved.json["now"]?.stringValue == "2025-06-12T01:35:12Z", "\(moved.text)")
            // 25 hours later for alpha: its token has expired. beta's time and token are untouched.
            #expect(try await c.request(.get, "/v2/fulfillment_sandbox/clock", token: alpha).status == .unauthorized)
            #expect(try await c.request(.get, "/v2/fulfillment_sandbox/clock", token: beta).json["now"]?.stringValue == "2025-06-11T00:35:12Z")
            env.nextRateLimitWindow()
            let fresh = try await c.token()
            #expect(try await c.request(.get, "/v2/fulfillment_sandbox/clock", token: fresh).json["now"]?.stringValue == "2025-06-12T01:35:12Z")
            #expect(try await env.storage.token(hash: SecretHash.hex(fresh))?.issuedAt == Timestamp.parse("2025-06-12T01:35:12Z"))
            // Bounded: never past 2100, so every timestamp it stamps stays valid input.
            try await c.post("/v2/fulfillment_sandbox/clock", token: fresh, #"{"now":"9999-12-31T23:59:59Z"}"#)
                .expectError(.badRequest, "must not move the service time past 2100-01-01T00:00:00Z", key: "now")
        }
        #expect(env.clock.now() == exampleNow)
    }

    @Test("a connection that sends nothing is closed after the idle timeout (finding 10)")
    func idleConnectionsClosed() async throws {
        let env = try await TestEnvironment()
        var config = AppConfiguration()
        config.port = 0
        config.idleTimeout = .seconds(1)
        try await buildApplication(service: env.service, configuration: config).test(.live) { client in
            let port = try #require(client.port)
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: port).get()
            let started = ContinuousClock.now
            try await withDeadline(.seconds(10)) { try await channel.closeFuture.get() }
            #expect(ContinuousClock.now - started < .seconds(5))
        }
    }

    @Test("past --max-connections a new connection waits unanswered until one closes (finding 10)")
    func connectionLimit() async throws {
        let env = try await TestEnvironment()
        var config = AppConfiguration()
        config.port = 0
        config.maxConnections = 1
        // Run as `serve` does (the testing framework's live mode rebuilds the configuration without the limit).
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = buildApplication(service: env.service, configuration: config) { channel in
            continuation.yield(channel.localAddress?.port ?? 0)
            continuation.finish()
        }
        let server = Task { try await app.runService(gracefulShutdownSignals: []) }
        defer { server.cancel() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        do {
            let group = MultiThreadedEventLoopGroup.singleton
            let first = try await ClientBootstrap(group: group).connect(host: "127.0.0.1", port: port).get()
            try await Task.sleep(for: .milliseconds(300))  // accepted: the server is at its limit
            let answer = FirstBytes()
            let second = try await ClientBootstrap(group: group)
                .channelInitializer { channel in channel.pipeline.addHandler(answer) }
                .connect(host: "127.0.0.1", port: port).get()
            try await second.writeAndFlush(ByteBuffer(string: "GET /health HTTP/1.1\r\nHost: x\r\n\r\n")).get()
            try await Task.sleep(for: .seconds(1))
            #expect(answer.text.withLock { $0 }.isEmpty, "served past the connection limit")
            try await first.close().get()
            let started = ContinuousClock.now
            while answer.text.withLock({ $0 }).isEmpty, ContinuousClock.now - started < .seconds(10) {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(answer.text.withLock { $0 }.hasPrefix("HTTP/1.1 200"))
            try? await second.close().get()
        }
    }
}

/// Keeps what a raw connection receives.
final class FirstBytes: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let text = Mutex("")
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        text.withLock { $0 += String(buffer: buffer) }
    }
}
