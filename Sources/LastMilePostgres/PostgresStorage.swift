import Foundation
import LastMileCore
import LastMileStorage
import Logging
import PostgresNIO

/// The PostgreSQL engine: a pooled `PostgresClient`, for several server processes on one database.
/// Operations that must be serialised per store take a transaction-scoped advisory lock on the store (and,
/// for reserves, first on the user), so the capacity check and the write happen under one lock whichever
/// process runs them; constraints (unique order ids, one active hold per user) back them up.
public final class PostgresStorage: Storage {
    let client: PostgresClient
    let runner: Task<Void, Never>
    let logger: Logger

    public init(configuration: PostgresClient.Configuration, logger: Logger = Logger(label: "lastmile.postgres")) {
        // The pool logs a warning when a query is queued before `run()` has started, which is expected right
        // after start-up; real failures reach callers as errors (503 and a log line in the API).
        var background = logger
        background.logLevel = max(logger.logLevel, .error)
        client = PostgresClient(configuration: configuration, backgroundLogger: background)
        let c = client
        runner = Task { await c.run() }
        self.logger = logger
    }

    /// `postgres://user:password@host:port/database[?sslmode=…]`. `sslmode` as libpq names it: `disable`
    /// (the default, for loopback and private networks), `require` (encrypted, certificate not checked),
    /// `verify-ca` (certificate checked against the system roots or `sslrootcert`), `verify-full` (and the
    /// host name). Errors never repeat the password.
    public convenience init(url: String, logger: Logger = Logger(label: "lastmile.postgres")) throws {
        guard let u = URLComponents(string: url), let scheme = u.scheme, ["postgres", "postgresql"].contains(scheme),
            let host = u.host, !host.isEmpty
        else {
            throw StorageError.unavailable("not a postgres://user:password@host:port/database URL: \(Self.redacted(url))")
        }
        let database = u.path.hasPrefix("/") ? String(u.path.dropFirst()) : u.path
        var config = Self.configuration(
            host: host,
            port: u.port ?? 5432,
            user: u.user ?? "postgres",
            password: u.password,
            database: database.isEmpty ? nil : database
        )
        let query = Dictionary((u.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, b in b })
        config.tls = try Self.tls(mode: query["sslmode"] ?? "disable", rootCertificate: query["sslrootcert"])
        self.init(configuration: config, logger: logger)
    }

    /// The URL with its password replaced by `***`.
    public static func redacted(_ url: String) -> String {
        guard var c = URLComponents(string: url) else { return "(unparseable URL)" }
        if c.password != nil { c.password = "***" }
        return c.string ?? "(unparseable URL)"
    }

    static func tls(mode: String, rootCertificate: String?) throws -> PostgresClient.Configuration.TLS {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let rootCertificate { tls.trustRoots = .file(rootCertificate) }
        switch mode {
        case "disable": return .disable
        case "require":
            tls.certificateVerification = .none
            return .require(tls)
        case "verify-ca":
            tls.certificateVerification = .noHostnameVerification
            return .require(tls)
        case "verify-full": return .require(tls)
        default:
            throw StorageError.unavailable("sslmode must be disable, require, verify-ca or verify-full (got \(mode))")
        }
    }

    public func close() async throws { runner.cancel() }

    public static func configuration(host: String, port: Int, user: String, password: String?, database: String?) -> PostgresClient.Configuration {
        var config = PostgresClient.Configuration(host: host, port: port, username: user, password: password, database: database, tls: .disable)
        config.options.maximumConnections = 20
        // A server that does not answer fails a connection attempt in 3 s (the pool retries with backoff);
        // requests themselves are bounded by the API's request deadline.
        config.options.connectTimeout = .seconds(3)
        return config
    }

    /// Creates a database (tests and `lastmile` tooling); the admin configuration names an existing one.
    public static func createDatabase(_ name: String, admin: PostgresClient.Configuration) async throws {
        precondition(name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" })
        var logger = Logger(label: "lastmile.postgres.admin")
        logger.logLevel = .error  // the query may be queued before run() starts: expected here
        let client = PostgresClient(configuration: admin, backgroundLogger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
            group.cancelAll()
        }
    }

    // MARK: Helpers

    /// Runs `body`, mapping connection failures and transient server errors to `StorageError.unavailable`
    /// (503 with Retry-After in the API, §1.14), never to a 500.
    func guarded<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let e as PostgresTransactionError {
            // withTransaction wraps whatever failed; what counts is the error inside. A failed COMMIT
            // leaves the outcome unknown to us: the client retries (creates are idempotent on order_id).
            guard let inner = e.closureError ?? e.commitError ?? e.beginError else { throw e }
            return try await guarded { throw inner }
        } catch let e as PSQLError {
            let state = e.serverInfo?[.sqlState]
            if state == nil || Self.isTransient(sqlState: state!) {
                throw StorageError.unavailable("postgres: \(state ?? "\(e.code)") \(e.serverInfo?[.message] ?? "")")
            }
            throw e
        } catch let e where String(describing: type(of: e)).contains("ConnectionPoolError") {
            // postgres-nio's pool (an unstable module, so matched by name): shut down, request cancelled, or
            // its circuit breaker open because no connection could be made for a while.
            throw StorageError.unavailable("postgres pool: \(e)")
        } catch is CancellationError {
            throw StorageError.unavailable("postgres: request cancelled")
        }
    }

    /// SQLSTATEs that say "not now" rather than "never": connection exceptions (08), serialization failure
    /// and deadlock, insufficient resources (53), operator intervention (57: shutdown, cannot connect now,
    /// query canceled) and read-only transaction (25006, e.g. a replica during failover).
    static func isTransient(sqlState: String) -> Bool {
        sqlState.hasPrefix("08") || sqlState.hasPrefix("53") || sqlState.hasPrefix("57")
            || ["40001", "40P01", "25006"].contains(sqlState)
    }

    func rows(_ q: PostgresQuery, _ conn: PostgresConnection? = nil) async throws -> [PostgresRandomAccessRow] {
        try await guarded {
            let seq: PostgresRowSequence
            if let conn { seq = try await conn.query(q, logger: logger) } else { seq = try await client.query(q, logger: logger) }
            return try await seq.collect().map { $0.makeRandomAccess() }
        }
    }

    func exec(_ q: PostgresQuery, _ conn: PostgresConnection? = nil) async throws {
        _ = try await rows(q, conn)
    }

    func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await guarded { try await client.withTransaction(logger: logger) { conn in try await body(conn) } }
    }

    /// Serialises writers on one key for the rest of the transaction, across every server process.
    func lock(_ key: String, _ conn: PostgresConnection) async throws {
        try await exec("SELECT pg_advisory_xact_lock(hashtextextended(\(key), 0))", conn)
    }

    static func storeKey(_ retailer: String, _ location: String) -> String { "store|\(retailer)|\(location)" }

    // MARK: Migrations

    public func migrate() async throws {
        try await guarded {
            try await client.withConnection { conn in
                // A session lock: two servers starting together apply each migration once.
                _ = try await conn.query("SELECT pg_advisory_lock(727001)", logger: logger).collect()
                do {
                    _ = try await conn.query(
                        "CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
                        logger: logger
                    ).collect()
                    let done = Set(
                        try await conn.query("SELECT version FROM schema_migrations", logger: logger).collect()
                            .map { try $0.makeRandomAccess()["version"].decode(String.self) }
                    )
                    for (version, statements) in PostgresMigrations.all where !done.contains(version) {
                        try await conn.withTransaction(logger: logger) { tx in
                            for sql in statements { _ = try await tx.query(PostgresQuery(unsafeSQL: sql), logger: logger).collect() }
                            _ = try await tx.query("INSERT INTO schema_migrations (version) VALUES (\(version))", logger: logger).collect()
                        }
                    }
                } catch {
                    _ = try? await conn.query("SELECT pg_advisory_unlock(727001)", logger: logger).collect()
                    throw error
                }
                _ = try await conn.query("SELECT pg_advisory_unlock(727001)", logger: logger).collect()
            }
        }
    }

    // MARK: Configuration

    public func applyConfiguration(_ config: OperatorConfig) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let retailers = try config.retailers.map { entry in
            (
                entry, String(decoding: try encoder.encode(entry.retailer), as: UTF8.self),
                try entry.stores.map { ($0.locationCode, String(decoding: try encoder.encode($0), as: UTF8.self)) }
            )
        }
        try await transaction { conn in
            try await self.lock("config", conn)
            for (entry, retailerJSON, stores) in retailers {
                let r = entry.retailer
                let events = Codecs.callbackEvents(r)
                try await self.exec(
                    """
                    INSERT INTO retailers (id, config, callback_events) VALUES (\(r.id), \(retailerJSON), \(events))
                    ON CONFLICT (id) DO UPDATE SET config = excluded.config, callback_events = excluded.callback_events
                    """,
                    conn
                )
                for c in entry.clients {
                    let owner = try await self.rows("SELECT retailer_id FROM oauth_clients WHERE client_id = \(c.clientID)", conn).first
                    if let owner, try owner["retailer_id"].decode(String.self) != r.id {
                        throw StorageError.conflict("client_id \(c.clientID) belongs to another retailer")
                    }
                    let hash = SecretHash.hex(c.clientSecret)
                    let scopes = Codecs.scopes(c.scopes)
                    try await self.exec(
                        """
                        INSERT INTO oauth_clients (client_id, retailer_id, secret_hash, scopes, enabled) VALUES (\(c.clientID), \(r.id), \(hash), \(scopes), \(c.enabled))
                        ON CONFLICT (client_id) DO UPDATE SET secret_hash = excluded.secret_hash, scopes = excluded.scopes, enabled = excluded.enabled
                        """,
                        conn
                    )
                }
                for (code, json) in stores {
                    try await self.exec(
                        """
                        INSERT INTO stores (retailer_id, location_code, config) VALUES (\(r.id), \(code), \(json))
                        ON CONFLICT (retailer_id, location_code) DO UPDATE SET config = excluded.config
                        """,
                        conn
                    )
                }
            }
        }
    }

    public func hasRetailers() async throws -> Bool {
        try await guarded { try await !rows("SELECT 1 FROM retailers LIMIT 1").isEmpty }
    }

    public func retailer(id: String) async throws -> Retailer? {
        try await guarded {
            try await rows("SELECT config FROM retailers WHERE id = \(id)").first.map {
                try JSONDecoder().decode(Retailer.self, from: Data(try $0["config"].decode(String.self).utf8))
            }
        }
    }

    public func oauthClient(id: String) async throws -> OAuthClientRecord? {
        try await guarded {
            try await rows("SELECT * FROM oauth_clients WHERE client_id = \(id)").first.map { r in
                OAuthClientRecord(
                    clientID: try r["client_id"].decode(String.self),
                    retailerID: try r["retailer_id"].decode(String.self),
                    secretHash: try r["secret_hash"].decode(String.self),
                    scopes: Codecs.scopes(try r["scopes"].decode(String.self)),
                    enabled: try r["enabled"].decode(Bool.self)
                )
            }
        }
    }

    // MARK: Tokens

    public func insertToken(_ t: AccessTokenRecord) async throws {
        let scopes = Codecs.scopes(t.scopes)
        let issued = t.issuedAt.timeIntervalSince1970
        let expires = t.expiresAt.timeIntervalSince1970
        let revoked = t.revokedAt?.timeIntervalSince1970
        try await guarded {
            try await exec(
                """
                INSERT INTO access_tokens (token_hash, client_id, retailer_id, scopes, issued_at, expires_at, revoked_at)
                VALUES (\(t.tokenHash), \(t.clientID), \(t.retailerID), \(scopes), \(issued), \(expires), \(revoked))
                """
            )
        }
    }

    public func token(hash: String) async throws -> AccessTokenRecord? {
        try await guarded {
            try await rows("SELECT * FROM access_tokens WHERE token_hash = \(hash)").first.map { r in
                AccessTokenRecord(
                    tokenHash: try r["token_hash"].decode(String.self),
                    clientID: try r["client_id"].decode(String.self),
                    retailerID: try r["retailer_id"].decode(String.self),
                    scopes: Codecs.scopes(try r["scopes"].decode(String.self)),
                    issuedAt: Codecs.date(try r["issued_at"].decode(Double.self)),
                    expiresAt: Codecs.date(try r["expires_at"].decode(Double.self)),
                    revokedAt: try r["revoked_at"].decode(Double?.self).map(Codecs.date)
                )
            }
        }
    }

    public func revokeToken(hash: String, at: Date) async throws {
        let t = at.timeIntervalSince1970
        try await guarded { try await exec("UPDATE access_tokens SET revoked_at = \(t) WHERE token_hash = \(hash) AND revoked_at IS NULL") }
    }

    public func revokeTokens(clientID: String, at: Date) async throws -> Int {
        let t = at.timeIntervalSince1970
        return try await rows(
            """
            UPDATE access_tokens SET revoked_at = \(t) WHERE client_id = \(clientID) AND revoked_at IS NULL AND expires_at > \(t)
            RETURNING 1
            """
        ).count
    }

    public func purge(_ kind: RetentionKind, before: Date, limit: Int) async throws -> Int {
        let t = before.timeIntervalSince1970
        let n = Int64(limit)
        // Names come from the enum, never from input.
        let (table, key, column) = kind.columns
        var query = PostgresQuery(
            unsafeSQL: """
                DELETE FROM \(table) WHERE \(key) IN (SELECT \(key) FROM \(table) WHERE \(column) < $1 LIMIT $2) RETURNING 1
                """
        )
        query.binds.append(t)
        query.binds.append(n)
        return try await rows(query).count
    }

    // MARK: Stores

    public func stores(retailerID: String) async throws -> [Store] {
        try await guarded {
            try await rows("SELECT config FROM stores WHERE retailer_id = \(retailerID) ORDER BY location_code").map {
                try JSONDecoder().decode(Store.self, from: Data(try $0["config"].decode(String.self).utf8))
            }
        }
    }

    public func store(retailerID: String, locationCode: String) async throws -> Store? {
        try await guarded {
            try await rows("SELECT config FROM stores WHERE retailer_id = \(retailerID) AND location_code = \(locationCode)").first.map {
                try JSONDecoder().decode(Store.self, from: Data(try $0["config"].decode(String.self).utf8))
            }
        }
    }

    // MARK: Users

    static func user(_ r: PostgresRandomAccessRow) throws -> UserRecord {
        UserRecord(
            retailerID: try r["retailer_id"].decode(String.self),
            userID: try r["user_id"].decode(String.self),
            firstName: try r["first_name"].decode(String?.self),
            lastName: try r["last_name"].decode(String?.self),
            phoneNumber: try r["phone_number"].decode(String?.self),
            email: try r["email"].decode(String?.self),
            locale: try r["locale"].decode(String?.self).flatMap(LocaleTag.init(rawValue:)),
            address: try r["address"].decode(String?.self).map { try JSONDecoder().decode(UserAddress.self, from: Data($0.utf8)) },
            createdAt: Codecs.date(try r["created_at"].decode(Double.self))
        )
    }

    public func user(retailerID: String, userID: String) async throws -> UserRecord? {
        try await guarded {
            try await rows("SELECT * FROM users WHERE retailer_id = \(retailerID) AND user_id = \(userID)").first.map(Self.user)
        }
    }

    static func addressJSON(_ u: UserRecord) throws -> String? {
        try u.address.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
    }

    public func insertUserIfAbsent(_ u: UserRecord) async throws -> (UserRecord, created: Bool) {
        let address = try Self.addressJSON(u)
        let locale = u.locale?.rawValue
        let created = u.createdAt.timeIntervalSince1970
        return try await guarded {
            let inserted = try await rows(
                """
                INSERT INTO users (retailer_id, user_id, first_name, last_name, phone_number, email, locale, address, created_at)
                VALUES (\(u.retailerID), \(u.userID), \(u.firstName), \(u.lastName), \(u.phoneNumber), \(u.email), \(locale), \(address), \(created))
                ON CONFLICT (retailer_id, user_id) DO NOTHING RETURNING user_id
                """
            )
            let stored = try await rows("SELECT * FROM users WHERE retailer_id = \(u.retailerID) AND user_id = \(u.userID)")
            return (try Self.user(stored[0]), !inserted.isEmpty)
        }
    }

    public func saveUser(_ u: UserRecord) async throws {
        let address = try Self.addressJSON(u)
        let locale = u.locale?.rawValue
        let created = u.createdAt.timeIntervalSince1970
        try await guarded {
            try await exec(
                """
                INSERT INTO users (retailer_id, user_id, first_name, last_name, phone_number, email, locale, address, created_at)
                VALUES (\(u.retailerID), \(u.userID), \(u.firstName), \(u.lastName), \(u.phoneNumber), \(u.email), \(locale), \(address), \(created))
                ON CONFLICT (retailer_id, user_id) DO UPDATE SET first_name = excluded.first_name, last_name = excluded.last_name,
                    phone_number = excluded.phone_number, email = excluded.email, locale = excluded.locale, address = excluded.address
                """
            )
        }
    }

    // MARK: Service options

    public func allocateServiceOptionIDs(count: Int) async throws -> [Int64] {
        guard count > 0 else { return [] }
        return try await guarded {
            try await rows("SELECT nextval('service_option_ids') AS id FROM generate_series(1, \(count))")
                .map { try $0["id"].decode(Int64.self) }.sorted()
        }
    }

    public func insertListing(_ drafts: [StoredServiceOption]) async throws -> [StoredServiceOption] {
        guard !drafts.isEmpty else { return [] }
        return try await transaction { conn in
            let ids = try await self.rows("SELECT nextval('service_option_ids') AS id FROM generate_series(1, \(drafts.count))", conn)
                .map { try $0["id"].decode(Int64.self) }.sorted()
            var options = drafts
            for i in options.indices { options[i].id = ids[i] }
            try await self.insert(options, conn)
            return options
        }
    }

    func insert(_ options: [StoredServiceOption], _ conn: PostgresConnection) async throws {
        for o in options {
            let type = o.type.rawValue
            let ws = o.windowStart.timeIntervalSince1970
            let we = o.windowEnd.timeIntervalSince1970
            let hour = o.immediateHour.map(Int64.init)
            let date = o.date.description
            let handoff = o.handoffTime?.timeIntervalSince1970
            let reasons = Codecs.strings(o.reasons)
            let listed = o.listedAt.timeIntervalSince1970
            let travel = Int64(o.travelMinutes)
            try await self.exec(
                """
                INSERT INTO service_options (id, retailer_id, user_id, location_code, type, window_start, window_end, immediate_hour,
                    local_date, handoff_time, available, reasons, alcoholic, dest_latitude, dest_longitude, travel_minutes, listed_at,
                    cart_total_cents, items_count, units_count)
                VALUES (\(o.id), \(o.retailerID), \(o.userID), \(o.locationCode), \(type), \(ws), \(we), \(hour), \(date), \(handoff),
                    \(o.available), \(reasons), \(o.alcoholic), \(o.destination.latitude), \(o.destination.longitude), \(travel), \(listed),
                    \(o.cartTotalCents), \(o.itemsCount), \(o.unitsCount))
                """,
                conn
            )
        }
    }

    public func serviceOption(id: Int64) async throws -> StoredServiceOption? {
        try await guarded {
            try await rows("SELECT * FROM service_options WHERE id = \(id)").first.map { r in
                StoredServiceOption(
                    id: try r["id"].decode(Int64.self),
                    retailerID: try r["retailer_id"].decode(String.self),
                    userID: try r["user_id"].decode(String.self),
                    locationCode: try r["location_code"].decode(String.self),
                    type: ServiceOptionType(rawValue: try r["type"].decode(String.self)) ?? .scheduled,
                    windowStart: Codecs.date(try r["window_start"].decode(Double.self)),
                    windowEnd: Codecs.date(try r["window_end"].decode(Double.self)),
                    immediateHour: try r["immediate_hour"].decode(Int64?.self).map(Int.init),
                    date: CivilDate(try r["local_date"].decode(String.self)) ?? CivilDate(year: 1970, month: 1, day: 1),
                    handoffTime: try r["handoff_time"].decode(Double?.self).map(Codecs.date),
                    available: try r["available"].decode(Bool.self),
                    reasons: Codecs.strings(try r["reasons"].decode(String.self)),
                    alcoholic: try r["alcoholic"].decode(Bool.self),
                    destination: GeoPoint(
                        latitude: try r["dest_latitude"].decode(Double.self),
                        longitude: try r["dest_longitude"].decode(Double.self)
                    ),
                    travelMinutes: Int(try r["travel_minutes"].decode(Int64.self)),
                    listedAt: Codecs.date(try r["listed_at"].decode(Double.self)),
                    cartTotalCents: try r["cart_total_cents"].decode(Int64?.self),
                    itemsCount: try r["items_count"].decode(Int64?.self),
                    unitsCount: try r["units_count"].decode(Double?.self)
                )
            }
        }
    }

    // MARK: Capacity

    public func commitments(retailerID: String, locationCode: String, now: Date, excludingHoldOfUser: String?) async throws -> [Commitment] {
        try await guarded {
            try await loadCommitments(nil, retailerID: retailerID, locationCode: locationCode, now: now, excludingHoldOfUser: excludingHoldOfUser)
        }
    }

    func loadCommitments(
        _ conn: PostgresConnection?,
        retailerID: String,
        locationCode: String,
        now: Date,
        excludingHoldOfUser: String?
    ) async throws -> [Commitment] {
        let t = now.timeIntervalSince1970
        let holds = try await rows(
            """
            SELECT id, created_at, window_start, window_end, travel_minutes FROM holds
            WHERE retailer_id = \(retailerID) AND location_code = \(locationCode) AND status = 'active' AND expires_at > \(t)
              AND user_id IS DISTINCT FROM \(excludingHoldOfUser)
            """,
            conn
        )
        let statuses = OrderStatus.allCases.filter(\.isCommitment).map(\.rawValue)
        let orders = try await rows(
            """
            SELECT id, created_at, window_start, window_end, travel_minutes, status, driver_id, busy_until FROM orders
            WHERE retailer_id = \(retailerID) AND location_code = \(locationCode) AND status = ANY(\(statuses))
            """,
            conn
        )
        func commitment(_ r: PostgresRandomAccessRow, offset: Int64) throws -> Commitment {
            Commitment(
                id: try r["id"].decode(Int64.self) + offset,
                createdAt: Codecs.date(try r["created_at"].decode(Double.self)),
                windowStart: Codecs.date(try r["window_start"].decode(Double.self)),
                windowEnd: Codecs.date(try r["window_end"].decode(Double.self)),
                travelMinutes: Int(try r["travel_minutes"].decode(Int64.self))
            )
        }
        return try holds.map { try commitment($0, offset: 0) }
            + orders.map { r in
                var c = try commitment(r, offset: OrderRecord.commitmentIDOffset)
                c.assignment = OrderRecord.assignment(
                    status: try r["status"].decode(String.self),
                    driverID: try r["driver_id"].decode(String?.self),
                    busyUntil: try r["busy_until"].decode(Double?.self),
                    now: now
                )
                return c
            }
    }
}
