import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import LastMileBooking
import LastMileCore
import LastMileFleet
import LastMileStorage
import Logging
import NIOCore
import Prometheus

/// Settings of one server process.
public struct AppConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    public var mode: ServiceMode = .development
    /// Operator configuration file loaded at start (JSON or YAML).
    public var configFile: String?
    /// When set, every retailer's rate limit is replaced by this value (benchmarks).
    public var rateLimitOverride: Int?
    public var oauthRateLimit = 10
    public var logLevel: Logger.Level = .info
    /// Load the built-in demo retailer when the database has no retailer (development mode only).
    public var loadDemo = true
    /// Development mode on an interface other than loopback (it has the sandbox, the test clock and the
    /// published demo credentials, so it must be asked for explicitly).
    public var allowRemoteDevelopment = false
    /// Receiver hosts that may be internal addresses in production (an operator's own network).
    public var allowedReceiverHosts: [String] = []
    /// Socket peers whose `X-Forwarded-For` is believed (the operator's reverse proxies).
    public var trustedProxies: [String] = []
    /// A connection with no request activity for this long is closed (also one trickling its headers).
    public var idleTimeout: Duration = .seconds(60)
    /// Connections served at once; past it new ones wait in the listen backlog until one closes.
    public var maxConnections = 2048
    /// `/metrics` (Prometheus) listens here, apart from the API; nil = not served.
    public var metricsHost = "127.0.0.1"
    public var metricsPort: Int?
    /// A request not answered within this is answered 503 with `Retry-After` (the database stopped answering).
    public var requestTimeout: Duration = .seconds(5)
    /// Simulated drivers accept and deliver staged orders (development mode only).
    public var simulateDrivers = false
    /// Simulated drivers run their plans this many times faster than the service clock.
    public var speedUp: Double = 60
    /// How often simulated drivers look at the orders (each pass counts `lastmile_simulated_driver_passes_total`).
    public var simulateInterval: Duration = .milliseconds(500)
    /// How long old rows are kept.
    public var retention = RetentionPolicy()

    public init() {}

    /// The rules a configuration file must satisfy in this process's mode.
    public var configRules: ConfigRules {
        ConfigRules(receivers: ReceiverURLPolicy(production: mode == .production, allowedHosts: allowedReceiverHosts))
    }

    /// Settings that must not be combined; nil when the configuration may start.
    public func startProblem() -> String? {
        if mode == .development, !allowRemoteDevelopment, !Self.isLoopback(host) {
            return """
                development mode listens only on loopback (it serves the sandbox, the test clock and the published demo \
                credentials): use --host 127.0.0.1, run with --mode production, or pass --allow-remote-development \
                to expose development mode on \(host) on purpose
                """
        }
        return nil
    }

    static func isLoopback(_ host: String) -> Bool {
        let h = host.lowercased()
        if h == "localhost" || h == "::1" || h == "[::1]" { return true }
        guard let bytes = IPAddress.parse(h) else { return false }
        return bytes.count == 4 && bytes[0] == 127
    }
}

public enum Bootstrap {
    /// The postal-code directory: the operator's own file (same columns as the shipped
    /// `us-zipcodes.csv`) when `path` names one, else the shipped one.
    public static func loadDirectory(path: String? = nil) throws -> PostalDirectory {
        if let path {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ConfigFile.LoadError(description: "cannot read the postal-code directory \(path)")
            }
            return try PostalDirectory.parseCSV(data)
        }
        guard let url = Bundle.module.url(forResource: "us-zipcodes", withExtension: "csv") else {
            throw ConfigFile.LoadError(description: "the postal-code directory resource is missing")
        }
        return try PostalDirectory.parseCSV(Data(contentsOf: url))
    }

    /// The demo console operator's password, published like the demo client's secret (development only).
    public static let demoOperator = (id: "demo", password: "demo-console-password")

    /// The built-in demo configuration.
    public static func demoConfiguration(directory: PostalDirectory) throws -> OperatorConfig {
        guard let url = Bundle.module.url(forResource: "demo-config", withExtension: "json") else {
            throw ConfigFile.LoadError(description: "the demo configuration resource is missing")
        }
        // The demo's secrets are published in the README; it exists only in development mode on loopback.
        return try ConfigFile.parse(
            Data(contentsOf: url),
            yaml: false,
            name: "demo-config.json",
            directory: directory,
            rules: ConfigRules(minimumSecretLength: 8)
        )
    }

    /// What of the demo is in the database: its retailer, and any client or driver that still signs in with
    /// the secret the README publishes. Production refuses to start on such a database.
    public static func demoLeftovers(storage: any Storage, directory: PostalDirectory) async throws -> [String] {
        var found: [String] = []
        let demo = try demoConfiguration(directory: directory)
        for account in demo.operators {
            if let stored = try await storage.operatorAccount(id: account.id), stored.passwordHash == account.passwordHash {
                found.append("console operator \"\(account.id)\" with its published password")
            }
        }
        for entry in demo.retailers {
            if try await storage.retailer(id: entry.retailer.id) != nil { found.append("the demo retailer \"\(entry.retailer.id)\"") }
            for client in entry.clients {
                if let stored = try await storage.oauthClient(id: client.clientID), stored.secretHash == SecretHash.hex(client.clientSecret) {
                    found.append("client \"\(client.clientID)\" with its published secret")
                }
            }
        }
        return found
    }

    /// Migrates, loads the config file, and seeds the demo on first start in development mode.
    /// Returns whether the demo was loaded.
    @discardableResult
    public static func prepare(storage: any Storage, configuration: AppConfiguration, directory: PostalDirectory) async throws -> Bool {
        try await storage.migrate()
        if let file = configuration.configFile {
            // §3.1 and issue 9: receivers are https:// and public in production (ConfigRules).
            let config = try ConfigFile.load(path: file, directory: directory, rules: configuration.configRules)
            try await storage.applyConfiguration(config)
        }
        if configuration.mode == .production {
            let leftovers = try await demoLeftovers(storage: storage, directory: directory)
            if !leftovers.isEmpty {
                throw ConfigFile.LoadError(
                    description: """
                        refusing to start in production mode: this database was seeded by development mode and holds \
                        \(leftovers.joined(separator: ", ")), whose credentials are published. Start production on a database \
                        that development mode never used (e.g. --database ./data/production.sqlite, or a new PostgreSQL database) \
                        and load your configuration there.
                        """
                )
            }
        }
        guard configuration.mode == .development, configuration.loadDemo, try await !storage.hasRetailers() else { return false }
        try await storage.applyConfiguration(try demoConfiguration(directory: directory))
        return true
    }
}

/// The routes of the contract (and the project's additions) on Hummingbird's router. Around every route,
/// outermost first: metrics, then the contract's rules (path shape, error envelope, request id); then, per
/// group, authentication and scope, then the retailer's rate limit (§1.13); then the body and the handler.
/// Authentication sits on groups, not on the router, so an unknown path is 404 before any token is read.
public func buildRouter(_ service: LastMileService) -> Router<LastMileRequestContext> {
    let booking = service.booking
    let oauth = OAuthHandlers(service: service)
    let users = UserHandlers(booking: booking)
    let stores = StoreHandlers(booking: booking)
    let options = ServiceOptionHandlers(booking: booking)
    let reservations = ReservationHandlers(booking: booking)
    let orders = OrderHandlers(booking: booking)
    let dispatch = DispatchHandlers(booking: booking)
    let sandbox = SandboxHandlers(sandbox: SandboxWorkflow(booking: booking), clocks: service.clocks)
    let drivers = DriverHandlers(workflow: DriverWorkflow(booking: booking))
    func bearer(_ router: Router<LastMileRequestContext>, _ prefix: String, _ scopes: Set<Scope>) -> RouterGroup<LastMileRequestContext> {
        router.group(RouterPath(prefix))
            .add(middleware: BearerAuthMiddleware(service: service, scopes: scopes))
            .add(middleware: RetailerRateLimitMiddleware(service: service))
    }
    func route(
        body: BodyHandling = .json,
        fixed: [String: String] = [:],
        _ h: @escaping Handler
    )
        -> @Sendable (Request, LastMileRequestContext) async throws -> Response
    {
        endpoint(service, body: body, fixed: fixed, h)
    }

    let router = Router(context: LastMileRequestContext.self)
    router.add(middleware: RouteMetricsMiddleware())
    router.add(middleware: ContractMiddleware(service: service))
    router.get("/health", use: route(body: .none) { _ in JSONResponse.make(["status": "ok"]) })
    router.get("/openapi.yaml", use: route(body: .none) { _ in OpenAPIDocument.response() })

    let token = router.group("/v2/oauth").add(middleware: OAuthGuardMiddleware(service: service))
    token.post("/token", use: route(body: .none, oauth.issueToken))
    token.post("/token/revoke", use: route(body: .none, oauth.revokeToken))

    let f = bearer(router, "/v2/fulfillment", [.fulfillment])
    f.post("/users", use: route(users.create))
    f.post("/users/{user_id}/addresses", use: route(users.validateAddress))
    f.put("/users/{user_id}", use: route(users.update))
    f.post("/stores/last_mile", use: route(stores.find))
    f.post("/service_options/last_mile", use: route(options.preview))
    f.post("/users/{user_id}/service_options/cart/last_mile", use: route(options.listForCheckout))
    f.post("/users/{user_id}/service_options/{service_option_id}/reserve", use: route(body: .none, reservations.reserveByID))
    f.post("/users/{user_id}/service_options/reserve", use: route(reservations.reserveByReference))
    f.post("/users/{user_id}/orders/last_mile", use: route(orders.create))
    // G1 of an order whose id is `last_mile`: the trie prefers F1's constant segment and does not fall back
    // to `{order_id}` on a method mismatch.
    f.get("/users/{user_id}/orders/last_mile", use: route(body: .none, fixed: ["order_id": "last_mile"], orders.get))
    f.post("/lastmile/users/{user_id}/orders", use: route(orders.create))
    f.get("/users/{user_id}/orders/{order_id}", use: route(body: .none, orders.get))
    f.post("/users/{user_id}/orders/{order_id}/staged", use: route(orders.stage))
    f.post("/users/{user_id}/orders/{order_id}/cancel", use: route(orders.cancel))
    f.put("/users/{user_id}/orders/{order_id}/last_mile", use: route(orders.update))
    f.put("/users/{user_id}/orders/{order_id}/tip", use: route(orders.tip))
    f.post("/lastmile/stores", use: route(stores.findForDispatch))
    f.post("/lastmile/orders", use: route(dispatch.create))
    f.get("/lastmile/orders/{order_id}", use: route(body: .none, dispatch.get))
    f.put("/lastmile/orders/{order_id}", use: route(dispatch.update))
    f.post("/lastmile/orders/{order_id}/staged", use: route(dispatch.stage))
    f.post("/lastmile/orders/{order_id}/cancel", use: route(dispatch.cancel))

    bearer(router, "/v2/post_checkout", [.fulfillment, .postCheckout])
        .get("/orders/{order_id}/location", use: route(body: .none, dispatch.driverLocation))

    // §4 sandbox and the test clock (a project addition): development mode only, 404 otherwise.
    if service.mode == .development {
        let s = bearer(router, "/v2/fulfillment_sandbox", [.fulfillment])
        s.post("/shoppers", use: route(sandbox.createShopper))
        s.post("/batches", use: route(sandbox.createBatch))
        s.post("/batches/{batch_id}/advance", use: route(sandbox.advanceBatch))
        s.post("/orders/{order_id}/callbacks", use: route(sandbox.simulateEvent))
        s.get("/clock", use: route(body: .none, sandbox.readClock))
        s.post("/clock", use: route(sandbox.moveClock))
    }

    // The operator console (issue 13): HTML pages under /console, opened by operator sessions only.
    ConsoleRoutes(service: service).register(on: router)

    // The driver API (a project addition).
    let d = bearer(router, "/driver/v1", [.driver])
    d.get("/offers", use: route(body: .none, drivers.offers))
    d.get("/orders", use: route(body: .none, drivers.assigned))
    d.get("/trips", use: route(body: .none, drivers.trips))
    d.post("/trips/{trip_id}/accept", use: route(drivers.acceptTrip))
    d.post("/orders/{order_id}/accept", use: route(drivers.accept))
    d.post("/orders/{order_id}/arrived_at_store", use: route(drivers.arrivedAtStore))
    d.post("/orders/{order_id}/bags_verified", use: route(drivers.bagsVerified))
    d.post("/orders/{order_id}/departed", use: route(drivers.departed))
    d.post("/orders/{order_id}/location", use: route(drivers.location))
    d.post("/orders/{order_id}/arrived_at_customer", use: route(drivers.arrivedAtCustomer))
    d.post("/orders/{order_id}/customer_missing", use: route(drivers.customerMissing))
    d.post("/orders/{order_id}/delivered", use: route(drivers.delivered))
    return router
}

/// The Hummingbird application: tests call this too (`app.test(.router)`).
public func buildApplication(
    service: LastMileService,
    configuration: AppConfiguration,
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
)
    -> some ApplicationProtocol
{
    var logger = Logger(label: "lastmile")
    logger.logLevel = configuration.logLevel
    return Application(
        router: buildRouter(service),
        server: .http1(configuration: .init(idleTimeout: TimeAmount(configuration.idleTimeout))),
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port),
            serverName: "LastMile",
            availableConnectionsDelegate: MaximumAvailableConnections(configuration.maxConnections, logger: logger)
        ),
        onServerRunning: onServerRunning,
        logger: logger
    )
}

/// `/metrics` in Prometheus text format on a listener of its own (loopback by default): the public API
/// port never serves it, so it is not reachable through the load balancer.
public func buildMetricsApplication(
    registry: PrometheusCollectorRegistry,
    host: String,
    port: Int,
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
)
    -> some ApplicationProtocol
{
    let router = Router()
    router.get("/metrics") { _, _ in
        Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer()))
        )
    }
    var logger = Logger(label: "lastmile.metrics")
    logger.logLevel = .warning
    return Application(
        router: router,
        configuration: .init(address: .hostname(host, port: port), serverName: "LastMile"),
        onServerRunning: onServerRunning,
        logger: logger
    )
}
