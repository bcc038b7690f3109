import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LastMileAPI
import LastMileCore
import LastMileSQLite
import LastMileStorage
@_exported import LastMileTestSupport
import Metrics
import NIOCore
import Prometheus
import Testing

/// The process's metrics: bootstrapped once (MetricsSystem allows one bootstrap per process) and served by
/// every test environment's `/metrics`.
let sharedMetrics: PrometheusCollectorRegistry = {
    let registry = PrometheusCollectorRegistry()
    MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    return registry
}()

/// Loaded once: the shipped postal directory.
let sharedDirectory: PostalDirectory = try! Bootstrap.loadDirectory()

/// The contract examples' instant: 2025-06-11T00:35:12Z = 17:35:12 in San Francisco.
let exampleNow = Timestamp.parse("2025-06-11T00:35:12Z")!

/// Two retailers. `alpha` mirrors the contract's examples (SF-001 at 94105, open 08:00–21:00, horizon 1 day,
/// alcohol hours 10:00–20:00); `beta` has no ETA/handoff settings and a low rate limit.
let testConfigJSON = """
    {
      "retailers": [
        {
          "id": "alpha", "name": "Alpha Foods", "country": "US",
          "eta_options_enabled": true, "handoff_time_enabled": true,
          "oauth_clients": [
            { "client_id": "alpha", "client_secret": "alpha-client-secret-1" },
            { "client_id": "alpha-2", "client_secret": "alpha-client-secret-2" },
            { "client_id": "alpha-pc", "client_secret": "alpha-client-secret-3", "scopes": ["connect:post_checkout"] },
            { "client_id": "alpha-off", "client_secret": "alpha-client-secret-4", "enabled": false }
          ],
          "stores": [
            { "location_code": "SF-001", "name": "Example Market SoMa",
              "address": { "address_line_1": "101 Spear St", "city": "San Francisco", "state": "CA", "postal_code": "94105" },
              "county": "San Francisco County", "latitude": 37.7920, "longitude": -122.3934, "time_zone": "America/Los_Angeles",
              "pickup": true, "alcohol": true, "scheduling_horizon_days": 1,
              "delivery_hours": { "default": "08:00-21:00" }, "alcohol_hours": { "default": "10:00-20:00" } },
            { "location_code": "OAK-002", "name": "Example Market Uptown Oakland",
              "address": { "address_line_1": "2000 Broadway", "city": "Oakland", "state": "CA", "postal_code": "94612" },
              "time_zone": "America/Los_Angeles", "pickup": true, "long_distance_delivery": true,
              "delivery_hours": { "default": "08:00-20:00" } },
            { "location_code": "PU-001", "name": "Pickup Only Berkeley",
              "address": { "address_line_1": "2100 Shattuck Ave", "city": "Berkeley", "state": "CA", "postal_code": "94704" },
              "time_zone": "America/Los_Angeles", "pickup": true, "pickup_only": true,
              "delivery_hours": { "default": "08:00-20:00" } },
            { "location_code": "OFF-001", "name": "Closed For Good",
              "address": { "address_line_1": "1 Market St", "city": "San Francisco", "state": "CA", "postal_code": "94105" },
              "time_zone": "America/Los_Angeles", "active": false,
              "delivery_hours": { "default": "08:00-20:00" } }
          ]
        },
        {
          "id": "beta", "name": "Beta Grocers", "rate_limit_per_second": 3, "redact_shopper_pii": true,
          "oauth_clients": [ { "client_id": "beta", "client_secret": "beta-client-secret-1" } ],
          "stores": [
            { "location_code": "B-001", "name": "Beta SoMa",
              "address": { "address_line_1": "200 Folsom St", "city": "San Francisco", "state": "CA", "postal_code": "94105" },
              "time_zone": "America/Los_Angeles", "delivery_hours": { "default": "08:00-21:00" } }
          ]
        }
      ]
    }
    """

/// A response decoded for assertions.
struct APIResponse {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var json: JSONValue
    var text: String

    /// `error.message`, `error.code`, `meta.key` of an envelope.
    var message: String? { json["error"]?["message"]?.stringValue }
    var code: Int64? { if case .integer(let i)? = json["error"]?["code"] { return i } else { return nil } }
    var key: String? { json["meta"]?["key"]?.stringValue }
    var meta: [String: JSONValue]? { json["meta"]?.objectValue }

    func expectError(
        _ status: HTTPResponse.Status,
        _ message: String,
        code: Int64 = 1001,
        key: String?,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(self.status == status, "\(text)", sourceLocation: sourceLocation)
        #expect(self.message == message, "\(text)", sourceLocation: sourceLocation)
        #expect(self.code == code, "\(text)", sourceLocation: sourceLocation)
        if let key {
            #expect(self.key == key, "\(text)", sourceLocation: sourceLocation)
        } else {
            #expect(self.meta == [:], "\(text)", sourceLocation: sourceLocation)
        }
    }
}

/// A real SQLite file in a fresh temporary directory, the test config, a manual clock, and the real router.
final class TestEnvironment: Sendable {
    let database: TestDatabase
    let clock: ManualClock
    let storage: any Storage
    /// The SQLite file (SQLite-only tests).
    var databasePath: String { database.location }
    let service: LastMileService
    let mode: ServiceMode
    /// The rate limiter's monotonic seconds: fixed unless a test moves to the next window.
    let monotonic = ManualClock(Date(timeIntervalSince1970: 1_000.25))

    init(
        engine: Engine = .sqlite,
        now: Date = exampleNow,
        mode: ServiceMode = .development,
        config: String = testConfigJSON,
        reopening existing: TestDatabase? = nil,
        oauthRateLimit: Int = 1_000,
        busyTimeout: TimeInterval = 10,
        rateLimitOverride: Int? = nil,
        unauthenticatedRateLimit: Int = 1_000,
        trustedProxies: [String] = [],
        requestTimeout: Duration = .seconds(120)
    ) async throws {
        if let existing { database = existing } else { database = try await engine.makeDatabase() }
        clock = ManualClock(now)
        self.mode = mode
        storage = try await database.open(busyTimeout: busyTimeout)
        let parsed = try ConfigFile.parse(Data(config.utf8), yaml: false, name: "test-config", directory: sharedDirectory)
        try await storage.applyConfiguration(parsed)
        // Rate-limit windows never roll over in tests: the monotonic source is fixed.
        _ = sharedMetrics  // the process's metrics factory, before any request records a metric
        service = LastMileService(
            storage: storage,
            clock: clock,
            directory: sharedDirectory,
            mode: mode,
            oauthRateLimit: oauthRateLimit,
            rateLimitOverride: rateLimitOverride,
            trustedProxies: trustedProxies,
            unauthenticatedRateLimit: unauthenticatedRateLimit,
            // Generous: a busy test machine is not an outage (scripts/outage-check tests the deadline).
            requestTimeout: requestTimeout,
            monotonicSeconds: { [monotonic] in monotonic.now().timeIntervalSince1970 }
        )
    }

    /// Starts the next one-second rate-limit window.
    func nextRateLimitWindow() { monotonic.advance(by: 1) }

    var app: some ApplicationProtocol {
        var c = AppConfiguration()
        c.mode = mode
        return buildApplication(service: service, configuration: c)
    }

    /// Runs `body` with an in-process client against the real router.
    func run<T: Sendable>(_ body: @Sendable (Client) async throws -> T) async throws -> T {
        try await app.test(.router) { client in try await body(Client(client: client)) }
    }

    struct Client: Sendable {
        let client: any TestClientProtocol

        func request(
            _ method: HTTPRequest.Method,
            _ path: String,
            token: String? = nil,
            body: String? = nil,
            contentType: String? = "application/json",
            headers extra: [String: String] = [:]
        ) async throws -> APIResponse {
            var headers = HTTPFields()
            if let token { headers[.authorization] = "Bearer \(token)" }
            if body != nil, let contentType { headers[.contentType] = contentType }
            for (k, v) in extra { headers[HTTPField.Name(k)!] = v }
            return try await client.execute(
                uri: path,
                method: method,
                headers: headers,
                body: body.map { ByteBuffer(string: $0) }
            ) { r in
                let text = String(buffer: r.body)
                let json = (try? JSONValue.parse(Data(text.utf8))) ?? .null
                return APIResponse(status: r.status, headers: r.headers, json: json, text: text)
            }
        }

        func post(_ path: String, token: String? = nil, _ body: String? = nil) async throws -> APIResponse {
            try await request(.post, path, token: token, body: body)
        }

        func put(_ path: String, token: String? = nil, _ body: String? = nil) async throws -> APIResponse {
            try await request(.put, path, token: token, body: body)
        }

        /// A fresh token for a configured client.
        func token(_ clientID: String = "alpha", _ secret: String = "alpha-client-secret-1", scope: String? = nil) async throws -> String {
            var body = #"{"client_id":"\#(clientID)","client_secret":"\#(secret)","grant_type":"client_credentials""#
            if let scope { body += #","scope":"\#(scope)""# }
            body += "}"
            let r = try await post("/v2/oauth/token", body)
            #expect(r.status == .ok, "\(r.text)")
            return try #require(r.json["access_token"]?.stringValue)
        }

        /// Creates a user (B1).
        @discardableResult
        func createUser(_ userID: String, token: String, firstName: String = "Ada") async throws -> APIResponse {
            let r = try await post("/v2/fulfillment/users", token: token, #"{"user_id":"\#(userID)","first_name":"\#(firstName)"}"#)
            #expect(r.status == .ok, "\(r.text)")
            return r
        }
    }

}

extension JSONValue {
    var int: Int64? { if case .integer(let i) = self { return i } else { return nil } }
    var bool: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    var array: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }
    subscript(index: Int) -> JSONValue? { array.flatMap { index < $0.count ? $0[index] : nil } }
}
