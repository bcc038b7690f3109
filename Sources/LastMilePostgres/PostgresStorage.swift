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
    /// Stores' configurations decoded once per distinct document (every booking reads its store).
    let storeConfigs = DecodedDocuments<Store>()

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

    /// `lock(first)` then `lock(second)`, in one round trip: the subquery (kept apart by `OFFSET 0`) is
    /// evaluated before the outer select, so the order that prevents deadlocks holds.
    func lock(_ first: String, then second: String, _ conn: PostgresConnection) async throws {
        try await exec(
            """
            SELECT pg_advisory_xact_lock(hashtextextended(\(second), 0))
            FROM (SELECT pg_advisory_xact_lock(hashtextextended(\(first), 0)) OFFSET 0) AS first
            """,
            conn
        )
    }

    static func storeKey(_ retailer: String, _ location: String) -> String { "store|\(retailer)|\(location)" }

    // MARK: Migrations

    public func migrate() async throws { try await migrate(upTo: nil) }

    /// Applies the migrations up to and including `version` (all when nil): a migration's data conversion is
    /// tested on rows written by the schema before it.
    public func migrate(upTo version: String?) async throws {
        let last = version.flatMap { v in PostgresMigrations.all.firstIndex { $0.0 == v } } ?? PostgresMigrations.all.count - 1
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
                    for (version, statements) in PostgresMigrations.all.prefix(last + 1) where !done.contains(version) {
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
        try await transaction { conn in
            try await self.lock("config", conn)
            for entry in config.retailers {
                let r = entry.retailer
                try await self.exec(
                    Self.insert(
                        RetailerRow(r),
                        into: RetailerRow.table,
                        "ON CONFLICT (id) DO UPDATE SET config = excluded.config, callback_events = excluded.callback_events"
                    ),
                    conn
                )
                for c in entry.clients {
                    let owner = try await self.rows("SELECT retailer_id FROM oauth_clients WHERE client_id = \(c.clientID)", conn).first
                    if let owner, try owner["retailer_id"].decode(String.self) != r.id {
                        throw StorageError.conflict("client_id \(c.clientID) belongs to another retailer")
                    }
                    try await self.exec(
                        Self.insert(
                            OAuthClientRow(c, retailerID: r.id),
                            into: OAuthClientRow.table,
                            """
                            ON CONFLICT (client_id) DO UPDATE SET secret_hash = excluded.secret_hash, scopes = excluded.scopes,
                                enabled = excluded.enabled
                            """
                        ),
                        conn
                    )
                }
                for store in entry.stores {
                    try await self.exec(
                        Self.insert(
                            StoreRow(store),
                            into: StoreRow.table,
                            "ON CONFLICT (retailer_id, location_code) DO UPDATE SET config = excluded.config"
                        ),
                        conn
                    )
                }
            }
            try await self.upsertOperators(config.operators, conn)
        }
    }

    public func hasRetailers() async throws -> Bool {
        try await guarded { try await !rows("SELECT 1 FROM retailers LIMIT 1").isEmpty }
    }

    public func retailer(id: String) async throws -> Retailer? {
        try await fetch(RetailerRow.self, "SELECT * FROM retailers WHERE id = \(id)").first?.config
    }

    public func oauthClient(id: String) async throws -> OAuthClientRecord? {
        try await fetch(OAuthClientRow.self, "SELECT * FROM oauth_clients WHERE client_id = \(id)").first?.record
    }

    // MARK: Tokens

    public func insertToken(_ t: AccessTokenRecord) async throws {
        try await exec(Self.insert(AccessTokenRow(t), into: AccessTokenRow.table))
    }

    public func token(hash: String) async throws -> AccessTokenRecord? {
        try await fetch(AccessTokenRow.self, "SELECT * FROM access_tokens WHERE token_hash = \(hash)").first?.record
    }

    public func revokeToken(hash: String, at: Date) async throws {
        try await exec("UPDATE access_tokens SET revoked_at = \(at) WHERE token_hash = \(hash) AND revoked_at IS NULL")
    }

    public func revokeTokens(clientID: String, at: Date) async throws -> Int {
        try await rows(
            """
            UPDATE access_tokens SET revoked_at = \(at) WHERE client_id = \(clientID) AND revoked_at IS NULL AND expires_at > \(at)
            RETURNING 1
            """
        ).count
    }

    public func purge(_ kind: RetentionKind, before: Date, limit: Int) async throws -> Int {
        // Names come from the enum, never from input.
        let (table, key, column) = kind.columns
        var query = PostgresQuery(
            unsafeSQL: """
                DELETE FROM \(table) WHERE \(key) IN (SELECT \(key) FROM \(table) WHERE \(column) < $1 LIMIT $2) RETURNING 1
                """
        )
        query.binds.append(before)
        query.binds.append(Int64(limit))
        return try await rows(query).count
    }

    // MARK: Stores

    public func stores(retailerID: String) async throws -> [Store] {
        try await storeRows(
            "SELECT config::text, \(unescaped: Self.closedWindowsColumn) FROM stores WHERE retailer_id = \(retailerID) ORDER BY location_code"
        )
    }

    public func store(retailerID: String, locationCode: String) async throws -> Store? {
        try await storeRows(
            "SELECT config::text, \(unescaped: Self.closedWindowsColumn) FROM stores WHERE retailer_id = \(retailerID) AND location_code = \(locationCode)"
        ).first
    }

    /// Rows of (configuration text, closed windows) as stores: the text is decoded only when it changed.
    func storeRows(_ q: PostgresQuery) async throws -> [Store] {
        try await rows(q).map { row in
            var store = try storeConfigs.decode(try row[0].decode(String.self))
            store.closedWindows = ClosedWindowList.parse(try row[1].decode(String?.self))
            return store
        }
    }

    /// A store's closed windows (issue 13) read with its configuration in the same statement.
    static let closedWindowsColumn = """
        (SELECT string_agg(extract(epoch FROM window_start)::bigint || ',' || extract(epoch FROM window_end)::bigint, ';') FROM closed_windows c
            WHERE c.retailer_id = stores.retailer_id AND c.location_code = stores.location_code) AS closed
        """

    // MARK: Users

    public func user(retailerID: String, userID: String) async throws -> UserRecord? {
        try await fetch(UserRow.self, "SELECT * FROM users WHERE retailer_id = \(retailerID) AND user_id = \(userID)").first?.record
    }

    public func insertUserIfAbsent(_ u: UserRecord) async throws -> (UserRecord, created: Bool) {
        let inserted = try await rows(
            Self.insert(UserRow(u), into: UserRow.table, "ON CONFLICT (retailer_id, user_id) DO NOTHING RETURNING user_id")
        )
        guard let stored = try await user(retailerID: u.retailerID, userID: u.userID) else { throw StorageError.unavailable("user vanished") }
        return (stored, !inserted.isEmpty)
    }

    public func saveUser(_ u: UserRecord) async throws {
        try await exec(
            Self.insert(
                UserRow(u),
                into: UserRow.table,
                """
                ON CONFLICT (retailer_id, user_id) DO UPDATE SET first_name = excluded.first_name, last_name = excluded.last_name,
                    phone_number = excluded.phone_number, email = excluded.email, locale = excluded.locale, address = excluded.address
                """
            )
        )
    }

    // MARK: Service options

    public func allocateServiceOptionIDs(count: Int) async throws -> [Int64] {
        guard count > 0 else { return [] }
        return try await rows("SELECT nextval('service_option_ids') AS id FROM generate_series(1, \(count))")
            .map { try $0["id"].decode(Int64.self) }.sorted()
    }

    /// Numbers the options from the sequence and stores them in one statement.
    public func insertListing(_ drafts: [StoredServiceOption]) async throws -> [StoredServiceOption] {
        guard !drafts.isEmpty else { return [] }
        return try await transaction { conn in
            let ids = try await self.rows("SELECT nextval('service_option_ids') AS id FROM generate_series(1, \(drafts.count))", conn)
                .map { try $0["id"].decode(Int64.self) }.sorted()
            var options = drafts
            for i in options.indices { options[i].id = ids[i] }
            try await self.exec(Self.insert(options.map(ServiceOptionRow.init), into: ServiceOptionRow.table), conn)
            return options
        }
    }

    public func serviceOption(id: Int64) async throws -> StoredServiceOption? {
        try await fetch(ServiceOptionRow.self, "SELECT * FROM service_options WHERE id = \(id)").first?.record
    }

    // MARK: Capacity

    public func commitments(retailerID: String, locationCode: String, now: Date, excludingHoldOfUser: String?) async throws -> [Commitment] {
        try await loadCommitments(nil, retailerID: retailerID, locationCode: locationCode, now: now, excludingHoldOfUser: excludingHoldOfUser)
    }

    /// Active (unexpired, unreleased, unconsumed) holds of the store, and its orders that still take capacity:
    /// one statement, its columns decoded by position (decoding them by name through Codable was a sixth of
    /// a PostgreSQL booking's server time).
    func loadCommitments(
        _ conn: PostgresConnection?,
        retailerID: String,
        locationCode: String,
        now: Date,
        excludingHoldOfUser: String?,
        releasingHoldsOfUser releasing: String? = nil
    ) async throws -> [Commitment] {
        let statuses = OrderStatus.allCases.filter(\.isCommitment).map(\.rawValue)
        // `releasing`: the user's active holds are released in the same statement (a reserve replaces them).
        // The select sees the rows as they were before the update, so it leaves the released ones out by id.
        let release =
            releasing == nil
            ? ""
            : """
            WITH released AS (UPDATE holds SET status = 'released' WHERE retailer_id = $1 AND user_id = $6 AND status = 'active' RETURNING id)
            """
        var q = PostgresQuery(
            unsafeSQL: """
                \(release)
                SELECT FALSE, \(CommitmentRow.holdColumns), NULL::text, NULL::text, NULL::timestamptz FROM holds
                WHERE retailer_id = $1 AND location_code = $2 AND status = 'active' AND expires_at > $3 AND user_id IS DISTINCT FROM $4
                  \(releasing == nil ? "" : "AND id NOT IN (SELECT id FROM released)")
                UNION ALL
                SELECT TRUE, \(CommitmentRow.orderColumns) FROM orders WHERE retailer_id = $1 AND location_code = $2 AND status = ANY($5)
                """
        )
        q.binds.append(retailerID)
        q.binds.append(locationCode)
        q.binds.append(now)
        q.binds.append(excludingHoldOfUser)
        q.binds.append(statuses)
        if let releasing { q.binds.append(releasing) }
        return try await guarded {
            let seq: PostgresRowSequence
            if let conn { seq = try await conn.query(q, logger: logger) } else { seq = try await client.query(q, logger: logger) }
            var out: [Commitment] = []
            // Cell by cell with concrete types: the tuple decoder's parameter packs are not specialised
            // across modules, and their runtime metadata lookups cost more than the decoding.
            for try await row in seq {
                var cells = row.makeIterator()
                func next<T: PostgresDecodable>(_ type: T.Type) throws -> T {
                    guard let cell = cells.next() else { throw RowCodingError.unsupported("commitment row ended early") }
                    return try cell.decode(T.self)
                }
                let isOrder = try next(Bool.self)
                let row = CommitmentRow(
                    id: try next(Int64.self),
                    created_at: try next(Date.self),
                    window_start: try next(Date.self),
                    window_end: try next(Date.self),
                    travel_minutes: try next(Int64.self),
                    dest_latitude: try next(Double.self),
                    dest_longitude: try next(Double.self),
                    status: try next(String?.self),
                    driver_id: try next(String?.self),
                    busy_until: try next(Date?.self)
                )
                out.append(row.commitment(isOrder: isOrder, now: now))
            }
            return out
        }
    }
}
