import ArgumentParser
import Foundation
import LastMileAPI
import LastMileCore
import LastMileFleet
import LastMilePostgres
import LastMileSQLite
import LastMileStorage
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

@main
struct LastMileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lastmile",
        abstract: "LastMile: a self-hostable last-mile delivery service with an Instacart Connect compatible API.",
        subcommands: [Serve.self, Seed.self, Migrate.self, Token.self, Callbacks.self, Clients.self, Operators.self],
        defaultSubcommand: Serve.self
    )
}

/// Options shared by every command that opens the database.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .long,
        help: "Database: a SQLite file path (default ./data/lastmile.sqlite) or postgres://user:password@host:port/database. Env: LASTMILE_DATABASE."
    )
    var database: String?

    var resolved: String { database ?? Environment.value("LASTMILE_DATABASE") ?? "./data/lastmile.sqlite" }

    /// For display: the location without a password.
    var redacted: String { isPostgres ? PostgresStorage.redacted(resolved) : resolved }

    var isPostgres: Bool { resolved.hasPrefix("postgres://") || resolved.hasPrefix("postgresql://") }

    func open() throws -> any Storage {
        let location = resolved
        if isPostgres {
            do { return try PostgresStorage(url: location) } catch { throw ValidationError("--database: \(error)") }
        }
        let path = location.hasPrefix("sqlite://") ? String(location.dropFirst("sqlite://".count)) : location
        return try SQLiteStorage(path: path)
    }
}

enum Environment {
    static func value(_ name: String) -> String? {
        guard let v = ProcessInfo.processInfo.environment[name], !v.isEmpty else { return nil }
        return v
    }

    /// A comma-separated list (`LASTMILE_TRUSTED_PROXIES=10.0.0.2, 10.0.0.3`).
    static func list(_ name: String) -> [String] {
        value(name)?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } ?? []
    }

    /// `--mode`, else `LASTMILE_MODE`, else development.
    static func mode(_ option: String?) throws -> ServiceMode {
        guard let m = ServiceMode(rawValue: option ?? value("LASTMILE_MODE") ?? "development") else {
            throw ValidationError("--mode must be development or production")
        }
        return m
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start the HTTP server (SIGINT/SIGTERM finish in-flight requests, then stop)."
    )

    @Option(help: "Interface to listen on. Env: LASTMILE_HOST. Default 127.0.0.1.") var host: String?
    @Option(help: "Port to listen on. Env: LASTMILE_PORT. Default 8080.") var port: Int?
    @OptionGroup var db: DatabaseOptions
    @Option(help: "development | production. Env: LASTMILE_MODE. Default development.") var mode: String?
    @Option(
        name: .customLong("log-level"),
        help: "trace | debug | info | notice | warning | error | critical. Env: LASTMILE_LOG_LEVEL. Default info."
    )
    var logLevel: String?
    @Option(help: "Operator configuration file (JSON or YAML) loaded at start. Env: LASTMILE_CONFIG.") var config: String?
    @Option(help: "Development only: start the service clock at this ISO 8601 instant (it then runs). Env: LASTMILE_NOW.")
    var now: String?
    @Option(name: .customLong("rate-limit"), help: "Replace every retailer's requests-per-second limit (benchmarks). Env: LASTMILE_RATE_LIMIT.")
    var rateLimit: Int?
    @Option(
        name: .customLong("simulate-drivers"),
        help:
            "Simulated drivers accept and deliver staged orders: true | false. Env: LASTMILE_SIMULATE_DRIVERS. Default true in development mode; not allowed in production."
    )
    var simulateDrivers: Bool?
    @Option(
        name: .customLong("speed-up"),
        help: "Simulated drivers run their plans this many times faster than the service clock. Env: LASTMILE_SPEED_UP. Default 60."
    )
    var speedUp: Double?
    @Option(
        name: .customLong("simulate-interval"),
        help: "Seconds between two passes of the simulated drivers (0.01 to 60). Env: LASTMILE_SIMULATE_INTERVAL. Default 0.5."
    )
    var simulateInterval: Double?
    @Option(
        name: .customLong("postal-directory"),
        help:
            "An operator's postal-code directory (CSV with the columns of the shipped us-zipcodes.csv) used instead of the shipped one. Env: LASTMILE_POSTAL_DIRECTORY."
    )
    var postalDirectory: String?
    @Flag(name: .customLong("no-demo"), help: "Do not load the demo retailer on first start in development mode.")
    var noDemo = false
    @Flag(
        name: .customLong("allow-remote-development"),
        help: "Let development mode (sandbox, test clock, demo credentials) listen on a non-loopback --host."
    )
    var allowRemoteDevelopment = false
    @Option(
        name: .customLong("allow-receiver-host"),
        help:
            "Production: a callback/token receiver host that may be a loopback, private or link-local address (repeatable). Env: LASTMILE_ALLOW_RECEIVER_HOSTS (comma-separated)."
    )
    var allowReceiverHost: [String] = []
    @Option(
        name: .customLong("trusted-proxy"),
        help: "A reverse proxy's address whose X-Forwarded-For names the client (repeatable). Env: LASTMILE_TRUSTED_PROXIES (comma-separated)."
    )
    var trustedProxy: [String] = []
    @Option(
        name: .customLong("metrics-port"),
        help: "Serve /metrics (Prometheus) on this port of --metrics-host; 0 = any free port. Env: LASTMILE_METRICS_PORT. Default: not served."
    )
    var metricsPort: Int?
    @Option(name: .customLong("metrics-host"), help: "Interface of the metrics listener. Env: LASTMILE_METRICS_HOST. Default 127.0.0.1.")
    var metricsHost: String?
    @Option(
        name: .customLong("idle-timeout"),
        help: "Seconds a connection may stay idle (or trickle a request) before it is closed. Env: LASTMILE_IDLE_TIMEOUT. Default 60."
    )
    var idleTimeout: Int?
    @Option(
        name: .customLong("max-connections"),
        help: "Connections served at once; more wait in the listen backlog. Env: LASTMILE_MAX_CONNECTIONS. Default 2048."
    )
    var maxConnections: Int?
    @Option(
        name: .customLong("retain"),
        help: ArgumentHelp(
            "How long to keep old rows, as KIND=HOURS (repeatable): service_options (default 48), access_tokens (24, after expiry), holds (168, after expiry), callback_attempts (720).",
            valueName: "kind=hours"
        )
    )
    var retain: [String] = []
    @Option(
        name: .customLong("request-timeout"),
        help:
            "Seconds before a request is answered 503 with Retry-After (e.g. the database does not answer). Env: LASTMILE_REQUEST_TIMEOUT. Default 5."
    )
    var requestTimeout: Int?

    func run() async throws {
        let started = DispatchTime.now()
        var cfg = AppConfiguration()
        cfg.host = host ?? Environment.value("LASTMILE_HOST") ?? "127.0.0.1"
        guard let p = port ?? Environment.value("LASTMILE_PORT").flatMap(Int.init) ?? Optional(8080), (0...65535).contains(p) else {
            throw ValidationError("--port must be 0…65535")
        }
        cfg.port = p
        let m = try Environment.mode(mode)
        cfg.mode = m
        let levelName = logLevel ?? Environment.value("LASTMILE_LOG_LEVEL") ?? "info"
        guard let level = Logger.Level(rawValue: levelName) else { throw ValidationError("--log-level: unknown level \(levelName)") }
        cfg.logLevel = level
        cfg.configFile = config ?? Environment.value("LASTMILE_CONFIG")
        cfg.rateLimitOverride = rateLimit ?? Environment.value("LASTMILE_RATE_LIMIT").flatMap(Int.init)
        cfg.loadDemo = !noDemo
        cfg.allowRemoteDevelopment = allowRemoteDevelopment
        cfg.allowedReceiverHosts = allowReceiverHost + Environment.list("LASTMILE_ALLOW_RECEIVER_HOSTS")
        cfg.trustedProxies = trustedProxy + Environment.list("LASTMILE_TRUSTED_PROXIES")
        if let problem = cfg.startProblem() { throw ValidationError(problem) }
        cfg.metricsPort = metricsPort ?? Environment.value("LASTMILE_METRICS_PORT").flatMap(Int.init)
        cfg.metricsHost = metricsHost ?? Environment.value("LASTMILE_METRICS_HOST") ?? "127.0.0.1"
        if let p = cfg.metricsPort, !(0...65535).contains(p) { throw ValidationError("--metrics-port must be 0…65535") }
        let idle = idleTimeout ?? Environment.value("LASTMILE_IDLE_TIMEOUT").flatMap(Int.init) ?? 60
        guard (1...3600).contains(idle) else { throw ValidationError("--idle-timeout must be 1…3600 seconds") }
        cfg.idleTimeout = .seconds(idle)
        cfg.maxConnections = maxConnections ?? Environment.value("LASTMILE_MAX_CONNECTIONS").flatMap(Int.init) ?? 2048
        guard (1...1_000_000).contains(cfg.maxConnections) else { throw ValidationError("--max-connections must be 1…1000000") }
        let deadline = requestTimeout ?? Environment.value("LASTMILE_REQUEST_TIMEOUT").flatMap(Int.init) ?? 5
        guard (1...300).contains(deadline) else { throw ValidationError("--request-timeout must be 1…300 seconds") }
        cfg.requestTimeout = .seconds(deadline)

        // Development mode always runs a movable clock (the sandbox test clock moves it); production reads
        // the system clock only.
        var clock: any ServiceClock = m == .development ? RunningClock(startingAt: SystemClock().now()) : SystemClock()
        if let nowText = now ?? Environment.value("LASTMILE_NOW") {
            guard m == .development else { throw ValidationError("--now is only allowed in development mode") }
            guard let start = Timestamp.parse(nowText) else { throw ValidationError("--now must be an ISO 8601 timestamp with an offset") }
            clock = RunningClock(startingAt: start)
        }
        cfg.simulateDrivers =
            simulateDrivers ?? Environment.value("LASTMILE_SIMULATE_DRIVERS").map { $0 == "true" || $0 == "1" } ?? (m == .development)
        if cfg.simulateDrivers && m != .development { throw ValidationError("--simulate-drivers is only allowed in development mode") }
        cfg.speedUp = speedUp ?? Environment.value("LASTMILE_SPEED_UP").flatMap(Double.init) ?? 60
        guard cfg.speedUp >= 1, cfg.speedUp <= 100_000 else { throw ValidationError("--speed-up must be from 1 to 100000") }
        let interval = simulateInterval ?? Environment.value("LASTMILE_SIMULATE_INTERVAL").flatMap(Double.init) ?? 0.5
        guard interval >= 0.01, interval <= 60 else { throw ValidationError("--simulate-interval must be from 0.01 to 60") }
        cfg.simulateInterval = .milliseconds(Int64((interval * 1000).rounded()))
        cfg.retention = try Self.retentionPolicy(retain)

        let directory: PostalDirectory
        do {
            directory = try Bootstrap.loadDirectory(path: postalDirectory ?? Environment.value("LASTMILE_POSTAL_DIRECTORY"))
        } catch let e as ConfigFile.LoadError {
            throw ValidationError(e.description)
        }
        let storage = try db.open()
        let demo: Bool
        do {
            demo = try await Bootstrap.prepare(storage: storage, configuration: cfg, directory: directory)
        } catch let e as ConfigFile.LoadError {
            throw ValidationError(e.description)
        }
        // Whether the banner may print the demo's credentials: the demo is in this database (loaded now or before).
        let leftovers = try await Bootstrap.demoLeftovers(storage: storage, directory: directory)
        let demoPresent = m == .development && !leftovers.isEmpty
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let startup = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e6
        let (host, metricsHost, serviceClock, database) = (cfg.host, cfg.metricsHost, clock, db.redacted)
        let server = buildServer(
            configuration: cfg,
            storage: storage,
            clock: clock,
            directory: directory,
            metrics: registry,
            shutdownSignals: [.sigterm, .sigint],
            onServerRunning: { channel in
                // Written unbuffered so it shows up at once even when stdout is a file or a pipe.
                let banner = Banner.text(
                    host: host,
                    port: channel.localAddress?.port ?? 0,
                    mode: m,
                    database: database,
                    demo: demo,
                    demoPresent: demoPresent,
                    startupMillis: startup,
                    now: serviceClock.now()
                )
                FileHandle.standardOutput.write(Data((banner + "\n").utf8))
            },
            onMetricsRunning: { channel in
                FileHandle.standardOutput.write(Data("Metrics on http://\(metricsHost):\(channel.localAddress?.port ?? 0)/metrics\n".utf8))
            }
        )
        try await server.run()
        try await storage.close()
    }
}

extension Serve {
    /// `--retain service_options=24` and the like over the defaults.
    static func retentionPolicy(_ settings: [String]) throws -> RetentionPolicy {
        var policy = RetentionPolicy()
        for setting in settings {
            let parts = setting.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let kind = RetentionKind(rawValue: parts[0]), let hours = Double(parts[1]), hours >= 1, hours <= 87_600 else {
                throw ValidationError(
                    "--retain: expected KIND=HOURS (1…87600) with KIND one of \(RetentionKind.allCases.map(\.rawValue).joined(separator: ", ")), got \(setting)"
                )
            }
            switch kind {
            case .serviceOptions: policy.serviceOptions = hours * 3600
            case .accessTokens: policy.accessTokens = hours * 3600
            case .holds: policy.holds = hours * 3600
            case .callbackAttempts: policy.callbackAttempts = hours * 3600
            case .consoleSessions: policy.consoleSessions = hours * 3600
            }
        }
        return policy
    }
}

/// OAuth clients: revoking every token of a client (a leaked secret, a retired integration).
struct Clients: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage OAuth clients' tokens.", subcommands: [RevokeTokens.self])

    struct RevokeTokens: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "revoke-tokens",
            abstract: "Revoke every unexpired token of a client at once (rotate its secret in the configuration file as well)."
        )
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "The client_id.") var clientID: String

        func run() async throws {
            let storage = try db.open()
            try await storage.migrate()
            guard try await storage.oauthClient(id: clientID) != nil else {
                try await storage.close()
                throw ValidationError("no client \(clientID)")
            }
            let n = try await storage.revokeTokens(clientID: clientID, at: SystemClock().now())
            try await storage.close()
            print("Revoked \(n) token(s) of client \(clientID).")
        }
    }
}

struct Seed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load or update an operator configuration file (idempotent; a file with any error loads nothing)."
    )
    @Option(help: "The configuration file (JSON or YAML).") var file: String
    @OptionGroup var db: DatabaseOptions
    @Option(help: "The mode the servers on this database run in: production checks receivers as serve does. Env: LASTMILE_MODE. Default development.")
    var mode: String?
    @Option(name: .customLong("allow-receiver-host"), help: "As for serve (repeatable).") var allowReceiverHost: [String] = []

    func run() async throws {
        let directory = try Bootstrap.loadDirectory(path: Environment.value("LASTMILE_POSTAL_DIRECTORY"))
        var cfg = AppConfiguration()
        cfg.mode = try Environment.mode(mode)
        cfg.allowedReceiverHosts = allowReceiverHost + Environment.list("LASTMILE_ALLOW_RECEIVER_HOSTS")
        let config: OperatorConfig
        do { config = try ConfigFile.load(path: file, directory: directory, rules: cfg.configRules) } catch let e as ConfigFile.LoadError {
            throw ValidationError(e.description)
        }
        let storage = try db.open()
        try await storage.migrate()
        try await storage.applyConfiguration(config)
        try await storage.close()
        let stores = config.retailers.reduce(0) { $0 + $1.stores.count }
        print("Loaded \(config.retailers.count) retailer(s), \(stores) store(s) into \(db.redacted).")
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations.")
    @OptionGroup var db: DatabaseOptions

    func run() async throws {
        let storage = try db.open()
        try await storage.migrate()
        try await storage.close()
        print("Database \(db.redacted) is up to date.")
    }
}

struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the curl command that obtains an access token from a running server."
    )
    @Option(name: .customLong("client-id")) var clientID = "demo"
    @Option(name: .customLong("client-secret")) var clientSecret = "demo-secret"
    @Option(help: "Base URL of the server. Default http://127.0.0.1 at port LASTMILE_PORT (8080 when unset), as serve listens.")
    var url: String?

    func run() async throws {
        let base = url ?? "http://127.0.0.1:\(Environment.value("LASTMILE_PORT") ?? "8080")"
        print(
            """
            curl -s -X POST \(base)/v2/oauth/token -H 'Content-Type: application/json' \\
              -d '{"client_id":"\(clientID)","client_secret":"\(clientSecret)","grant_type":"client_credentials"}'
            """
        )
    }
}
