import Foundation
import GRDB
import LastMileCore
import LastMileStorage

#if canImport(Glibc)
import Glibc
private func closeDescriptor(_ fd: Int32) { _ = Glibc.close(fd) }
#else
import Darwin
private func closeDescriptor(_ fd: Int32) { _ = Darwin.close(fd) }
#endif

/// The embedded engine: one SQLite file in WAL mode through a GRDB `DatabasePool`. Writes are serialised by
/// SQLite itself (one writer at a time), which is what makes capacity checks and bookings atomic.
public final class SQLiteStorage: Storage {
    let pool: DatabasePool
    /// Store and retailer configurations decoded once per distinct stored text (read on every request).
    let storeConfigs = DecodedDocuments<Store>()
    let retailerConfigs = DecodedDocuments<Retailer>()
    let path: String

    /// Opens (creating if needed) the database file. Parent directories are created.
    /// - Parameter busyTimeout: how long a write waits for another writer's lock before giving up (503).
    public init(path: String, busyTimeout: TimeInterval = 10) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        self.path = path
        var config = Configuration()
        config.busyMode = .timeout(busyTimeout)
        config.label = "lastmile"
        // WAL with synchronous NORMAL: a commit is durable once in the WAL, which survives the process being
        // killed (kill -9 is tested); only an operating-system crash or power loss can lose the last commits,
        // never corrupt the file. FULL syncs the WAL on every commit, the largest cost of a booking.
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        pool = try DatabasePool(path: path, configuration: config)
    }

    /// Reads and writes map transient engine failures (busy, locked, I/O, disk full) to
    /// `StorageError.unavailable`, which the API answers with 503 and `Retry-After`.
    func read<T: Sendable>(_ body: @Sendable (Database) throws -> T) async throws -> T {
        do { return try await pool.read(body) } catch let e as DatabaseError { throw Self.translate(e) }
    }

    func write<T: Sendable>(_ body: @Sendable (Database) throws -> T) async throws -> T {
        do { return try await pool.write(body) } catch let e as DatabaseError { throw Self.translate(e) }
    }

    static func translate(_ e: DatabaseError) -> Error {
        switch e.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_IOERR, .SQLITE_FULL, .SQLITE_CANTOPEN, .SQLITE_READONLY:
            return StorageError.unavailable("\(e.resultCode): \(e.message ?? "")")
        default:
            return e
        }
    }

    /// GRDB reads the applied migrations before applying the others, each in its own transaction, so two
    /// processes migrating one file at once could both apply the same one. An exclusive `flock` on a lock
    /// file beside the database makes migrating one process at a time (PostgreSQL uses an advisory lock).
    public func migrate() async throws { try await migrate(upTo: nil) }

    /// Applies the migrations up to and including `version` (all when nil): a migration's data conversion is
    /// tested on rows written by the schema before it.
    public func migrate(upTo version: String?) async throws {
        let fd = open(path + ".migrate-lock", O_CREAT | O_RDWR, 0o644)
        guard fd >= 0 else { throw StorageError.unavailable("cannot open \(path).migrate-lock") }
        defer { closeDescriptor(fd) }
        guard flock(fd, LOCK_EX) == 0 else { throw StorageError.unavailable("cannot lock \(path).migrate-lock") }
        defer { flock(fd, LOCK_UN) }
        if let version { try SQLiteMigrations.migrator.migrate(pool, upTo: version) } else { try SQLiteMigrations.migrator.migrate(pool) }
    }

    public func close() async throws {
        try pool.close()
    }

    // MARK: Configuration

    public func applyConfiguration(_ config: OperatorConfig) async throws {
        try await write { db in
            for entry in config.retailers {
                let r = entry.retailer
                try RetailerRow(r).upsert(db)
                for c in entry.clients {
                    let owner = try String.fetchOne(db, sql: "SELECT retailer_id FROM oauth_clients WHERE client_id = ?", arguments: [c.clientID])
                    if let owner, owner != r.id { throw StorageError.conflict("client_id \(c.clientID) belongs to retailer \(owner)") }
                    try OAuthClientRow(c, retailerID: r.id).upsert(db)
                }
                for store in entry.stores { try StoreRow(store).upsert(db) }
            }
            try Self.upsertOperators(config.operators, db)
        }
    }

    public func hasRetailers() async throws -> Bool {
        try await read { db in try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM retailers)") ?? false }
    }

    public func retailer(id: String) async throws -> Retailer? {
        try await read { [retailerConfigs] db in
            try String.fetchOne(db, sql: "SELECT config FROM retailers WHERE id = ?", arguments: [id]).map(retailerConfigs.decode)
        }
    }

    public func oauthClient(id: String) async throws -> OAuthClientRecord? {
        try await read { db in try OAuthClientRow.fetchOne(db, sql: "SELECT * FROM oauth_clients WHERE client_id = ?", arguments: [id])?.record }
    }

    // MARK: Tokens

    public func insertToken(_ t: AccessTokenRecord) async throws {
        try await write { db in try AccessTokenRow(t).insert(db) }
    }

    public func token(hash: String) async throws -> AccessTokenRecord? {
        try await read { db in
            try AccessTokenRow.fetchOne(db, sql: "SELECT * FROM access_tokens WHERE token_hash = ?", arguments: [hash])?.record
        }
    }

    public func revokeToken(hash: String, at: Date) async throws {
        try await write { db in
            try db.execute(
                sql: "UPDATE access_tokens SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL",
                arguments: [at.timeIntervalSince1970, hash]
            )
        }
    }

    public func revokeTokens(clientID: String, at: Date) async throws -> Int {
        try await write { db in
            try db.execute(
                sql: "UPDATE access_tokens SET revoked_at = ? WHERE client_id = ? AND revoked_at IS NULL AND expires_at > ?",
                arguments: [at.timeIntervalSince1970, clientID, at.timeIntervalSince1970]
            )
            return db.changesCount
        }
    }

    public func purge(_ kind: RetentionKind, before: Date, limit: Int) async throws -> Int {
        // Names come from the enum, never from input.
        // Listed options live in listings (one row each) and, for older ones or odd batches, in service_options.
        let tables = kind == .serviceOptions ? [("listings", "first_id", "listed_at"), kind.columns] : [kind.columns]
        return try await write { db in
            var deleted = 0
            for (table, key, column) in tables where deleted < limit {
                try db.execute(
                    sql: "DELETE FROM \(table) WHERE \(key) IN (SELECT \(key) FROM \(table) WHERE \(column) < ? LIMIT ?)",
                    arguments: [before.timeIntervalSince1970, limit - deleted]
                )
                deleted += db.changesCount
            }
            return deleted
        }
    }

    // MARK: Stores

    public func stores(retailerID: String) async throws -> [Store] {
        try await read { [storeConfigs] db in try Self.stores(db, retailerID: retailerID, storeConfigs) }
    }

    public func store(retailerID: String, locationCode: String) async throws -> Store? {
        try await read { [storeConfigs] db in try Self.store(db, retailerID: retailerID, locationCode: locationCode, storeConfigs) }
    }

    static func store(_ db: Database, retailerID: String, locationCode: String, _ configs: DecodedDocuments<Store>) throws -> Store? {
        try Row.fetchOne(
            db.cachedStatement(sql: "SELECT config, \(closedWindowsColumn) FROM stores WHERE retailer_id = ? AND location_code = ?"),
            arguments: [retailerID, locationCode]
        ).map { try store($0, configs) }
    }

    /// A store's closed windows (issue 13) as `start,end;start,end` seconds, read with its configuration in
    /// the same statement.
    static let closedWindowsColumn = """
        (SELECT group_concat(CAST(window_start AS INTEGER) || ',' || CAST(window_end AS INTEGER), ';') FROM closed_windows c
            WHERE c.retailer_id = stores.retailer_id AND c.location_code = stores.location_code) AS closed
        """

    static func stores(_ db: Database, retailerID: String, _ configs: DecodedDocuments<Store>) throws -> [Store] {
        try Row.fetchAll(
            db.cachedStatement(sql: "SELECT config, \(closedWindowsColumn) FROM stores WHERE retailer_id = ? ORDER BY location_code"),
            arguments: [retailerID]
        ).map { try store($0, configs) }
    }

    static func store(_ row: Row, _ configs: DecodedDocuments<Store>) throws -> Store {
        var store = try configs.decode(row["config"])
        store.closedWindows = ClosedWindowList.parse(row["closed"])
        return store
    }

    // MARK: Users

    /// One read transaction (one hop to a reader, one consistent snapshot) instead of three.
    public func checkoutReads(retailerID: String, userID: String, locationCode: String, now: Date) async throws -> CheckoutReads {
        try await read { [storeConfigs] db in
            CheckoutReads(
                user: try Self.user(db, retailerID: retailerID, userID: userID),
                stores: try Self.stores(db, retailerID: retailerID, storeConfigs),
                commitments: try Self.loadCommitments(db, retailerID: retailerID, locationCode: locationCode, now: now, excludingHoldOfUser: userID)
            )
        }
    }

    /// One read transaction instead of three hops.
    public func reservationReads(retailerID: String, userID: String, optionID: Int64) async throws -> ReservationReads {
        try await read { [storeConfigs] db in
            let option = try Self.serviceOption(db, id: optionID)
            return ReservationReads(
                user: try Self.user(db, retailerID: retailerID, userID: userID),
                option: option,
                store: try option.flatMap { o in
                    o.retailerID == retailerID ? try Self.store(db, retailerID: retailerID, locationCode: o.locationCode, storeConfigs) : nil
                }
            )
        }
    }

    /// One read transaction instead of five hops.
    public func orderCreationReads(retailerID: String, userID: String, orderID: String, holdID: Int64?) async throws -> OrderCreationReads {
        try await read { [storeConfigs] db in
            let hold = try holdID.flatMap { try Self.hold(db, id: $0) }
            return OrderCreationReads(
                user: try Self.user(db, retailerID: retailerID, userID: userID),
                existing: try Self.order(db, retailerID: retailerID, orderID: orderID),
                stores: try Self.stores(db, retailerID: retailerID, storeConfigs),
                hold: hold,
                option: try hold.flatMap { try Self.serviceOption(db, id: $0.serviceOptionID) }
            )
        }
    }

    public func tokenHolder(hash: String) async throws -> (token: AccessTokenRecord, retailer: Retailer)? {
        try await read { [retailerConfigs] db in
            guard let token = try AccessTokenRow.fetchOne(db, sql: "SELECT * FROM access_tokens WHERE token_hash = ?", arguments: [hash])?.record,
                token.revokedAt == nil,
                try Bool.fetchOne(db, sql: "SELECT enabled FROM oauth_clients WHERE client_id = ?", arguments: [token.clientID]) == true,
                let retailer = try String.fetchOne(db, sql: "SELECT config FROM retailers WHERE id = ?", arguments: [token.retailerID])
                    .map(retailerConfigs.decode)
            else { return nil }
            return (token, retailer)
        }
    }

    public func user(retailerID: String, userID: String) async throws -> UserRecord? {
        try await read { db in try Self.user(db, retailerID: retailerID, userID: userID) }
    }

    static func user(_ db: Database, retailerID: String, userID: String) throws -> UserRecord? {
        try UserRow.fetchOne(db.cachedStatement(sql: "SELECT * FROM users WHERE retailer_id = ? AND user_id = ?"), arguments: [retailerID, userID])?
            .record
    }

    public func insertUserIfAbsent(_ u: UserRecord) async throws -> (UserRecord, created: Bool) {
        try await write { db in
            try UserRow(u).insert(db, onConflict: .ignore)
            let created = db.changesCount > 0
            guard let stored = try Self.user(db, retailerID: u.retailerID, userID: u.userID) else {
                throw StorageError.unavailable("user \(u.userID) vanished")
            }
            return (stored, created)
        }
    }

    /// Inserts or replaces the profile and address; a stored user keeps its creation time.
    public func saveUser(_ u: UserRecord) async throws {
        try await write { db in
            _ = try UserRow(u).upsertAndFetch(db, onConflict: ["retailer_id", "user_id"]) { _ in [Column("created_at").noOverwrite] }
        }
    }

    // MARK: Service options

    public func allocateServiceOptionIDs(count: Int) async throws -> [Int64] {
        guard count > 0 else { return [] }
        let last = try await write { db in try Self.takeServiceOptionIDs(db, count: count) }
        return Array((last - Int64(count) + 1)...last)
    }

    /// Advances the service-option sequence by `count`; returns its last value.
    static func takeServiceOptionIDs(_ db: Database, count: Int) throws -> Int64 {
        try Int64.fetchOne(
            db,
            sql: "UPDATE id_sequences SET last_value = last_value + ? WHERE name = 'service_option' RETURNING last_value",
            arguments: [count]
        )!
    }

    public func insertListing(_ drafts: [StoredServiceOption]) async throws -> [StoredServiceOption] {
        guard !drafts.isEmpty else { return [] }
        return try await write { db in
            let last = try Self.takeServiceOptionIDs(db, count: drafts.count)
            var options = drafts
            for i in options.indices { options[i].id = last - Int64(drafts.count) + 1 + Int64(i) }
            if Self.isOneListing(options) {
                try Self.insertListingRow(options, db)
                return options
            }
            // Up to `rowsPerInsert` options per prepared, cached statement (a listing has ~80): one statement
            // per option spent more on binding and stepping than on the rows (and Codable records, before
            // that, a sixth of a listing's time).
            var reasonsJSON: [[String]: String] = [:]
            var start = 0
            while start < options.count {
                let chunk = options[start..<min(start + Self.rowsPerInsert, options.count)]
                var values: [(any DatabaseValueConvertible)?] = []
                values.reserveCapacity(chunk.count * 20)
                for o in chunk {
                    let reasons = try reasonsJSON[o.reasons] ?? Self.jsonText(o.reasons)
                    reasonsJSON[o.reasons] = reasons
                    values += [
                        o.id, o.retailerID, o.userID, o.locationCode, o.type.rawValue,
                        o.windowStart.timeIntervalSince1970, o.windowEnd.timeIntervalSince1970, o.immediateHour.map { Int64($0) },
                        o.date.description, o.handoffTime?.timeIntervalSince1970, o.available, reasons, o.alcoholic,
                        o.destination.latitude, o.destination.longitude, Int64(o.travelMinutes), o.listedAt.timeIntervalSince1970,
                        o.cartTotalCents, o.itemsCount, o.unitsCount,
                    ]
                }
                try db.cachedStatement(sql: Self.insertServiceOptionsSQL[chunk.count]).execute(arguments: StatementArguments(values))
                start += chunk.count
            }
            return options
        }
    }

    /// 40 rows of 20 columns: 800 parameters, under SQLite's smallest parameter limit (999).
    static let rowsPerInsert = 40

    /// The columns of `ServiceOptionRow`, written as its record would write them (instants as REAL seconds,
    /// lists as JSON text), for `rows` options; the storage contract tests read them back through the record.
    static let insertServiceOptionsSQL = (0...rowsPerInsert).map(insertServiceOptionsSQL(rows:))

    static func insertServiceOptionsSQL(rows: Int) -> String {
        let row = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        return """
            INSERT INTO service_options (id, retailer_id, user_id, location_code, type, window_start, window_end,
                immediate_hour, local_date, handoff_time, available, reasons, alcoholic, dest_latitude, dest_longitude,
                travel_minutes, listed_at, cart_total_cents, items_count, units_count)
            VALUES \(Array(repeating: row, count: rows).joined(separator: ", "))
            """
    }

    /// A list as the records write it: JSON text from the rows' encoder.
    static func jsonText(_ list: [String]) throws -> String {
        String(decoding: try ServiceOptionRow.databaseJSONEncoder(for: "reasons").encode(list), as: UTF8.self)
    }

    public func serviceOption(id: Int64) async throws -> StoredServiceOption? {
        try await read { db in try Self.serviceOption(db, id: id) }
    }

    static func serviceOption(_ db: Database, id: Int64) throws -> StoredServiceOption? {
        // Options listed before listings were rows of their own stay in service_options until retention.
        try listedOption(db, id: id)
            ?? ServiceOptionRow.fetchOne(db, sql: "SELECT * FROM service_options WHERE id = ?", arguments: [id])?.record
    }

    // MARK: Capacity

    public func commitments(retailerID: String, locationCode: String, now: Date, excludingHoldOfUser: String?) async throws -> [Commitment] {
        try await read { db in
            try Self.loadCommitments(db, retailerID: retailerID, locationCode: locationCode, now: now, excludingHoldOfUser: excludingHoldOfUser)
        }
    }

    /// Active (unexpired, unreleased, unconsumed) holds of the store, and its orders that still take capacity.
    /// Expired holds simply stop matching, so no background job is needed for capacity to come back.
    static func loadCommitments(
        _ db: Database,
        retailerID: String,
        locationCode: String,
        now: Date,
        excludingHoldOfUser: String?
    ) throws -> [Commitment] {
        let statuses = OrderStatus.allCases.filter(\.isCommitment).map { "'\($0.rawValue)'" }.joined(separator: ", ")
        let holds = try commitmentRows(
            db,
            sql: """
                SELECT \(CommitmentRow.holdColumns) FROM holds
                WHERE retailer_id = ? AND location_code = ? AND status = 'active' AND expires_at > ? AND user_id IS NOT ?
                """,
            arguments: [retailerID, locationCode, now.timeIntervalSince1970, excludingHoldOfUser]
        )
        let orders = try commitmentRows(
            db,
            sql: """
                SELECT \(CommitmentRow.orderColumns) FROM orders
                WHERE retailer_id = ? AND location_code = ? AND status IN (\(statuses))
                """,
            arguments: [retailerID, locationCode]
        )
        return holds.map { $0.commitment(isOrder: false, now: now) } + orders.map { $0.commitment(isOrder: true, now: now) }
    }

    /// Commitment rows read column by column through a cached statement: every booking and listing reads
    /// all of a store's commitments, and decoding them through Codable was a sixth of a booking's time.
    /// Columns in `CommitmentRow.holdColumns` / `orderColumns` order; instants are REAL seconds.
    static func commitmentRows(_ db: Database, sql: String, arguments: StatementArguments) throws -> [CommitmentRow] {
        let rows = try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: arguments)
        var out: [CommitmentRow] = []
        while let row = try rows.next() {
            let withDriver = row.count > 7
            out.append(
                CommitmentRow(
                    id: row[0],
                    created_at: Date(timeIntervalSince1970: row[1]),
                    window_start: Date(timeIntervalSince1970: row[2]),
                    window_end: Date(timeIntervalSince1970: row[3]),
                    travel_minutes: row[4],
                    dest_latitude: row[5],
                    dest_longitude: row[6],
                    status: withDriver ? row[7] : nil,
                    driver_id: withDriver ? row[8] : nil,
                    busy_until: withDriver ? (row[9] as Double?).map(Date.init(timeIntervalSince1970:)) : nil
                )
            )
        }
        return out
    }

    // MARK: Orders

    static func order(_ db: Database, retailerID: String, orderID: String) throws -> OrderRecord? {
        try OrderRow.fetchOne(
            db.cachedStatement(sql: "SELECT * FROM orders WHERE retailer_id = ? AND order_id = ?"),
            arguments: [retailerID, orderID]
        )?.record
    }

    public func createOrder(
        _ order: OrderRecord,
        holdID: Int64?,
        now: Date,
        decide: @escaping @Sendable ([Commitment]) -> BookingDecision?
    ) async throws -> CreateOrderOutcome {
        try await write { db in
            if let existing = try Self.order(db, retailerID: order.retailerID, orderID: order.orderID) { return .existing(existing) }
            if let holdID {
                guard
                    let status = try String.fetchOne(
                        db.cachedStatement(sql: "SELECT status FROM holds WHERE id = ? AND retailer_id = ?"),
                        arguments: [holdID, order.retailerID]
                    )
                else { return .holdNotFound }
                if status == HoldRecord.Status.consumed.rawValue { return .holdUsed }
                if status == HoldRecord.Status.released.rawValue { return .holdNotFound }
            }
            let commitments = try Self.loadCommitments(
                db,
                retailerID: order.retailerID,
                locationCode: order.locationCode,
                now: now,
                excludingHoldOfUser: nil
            ).filter { $0.id != holdID }
            guard let decision = decide(commitments) else { return .full }
            var created = order
            created.holdID = holdID
            created.book(decision)
            try OrderRow(created).insert(db)
            created.id = db.lastInsertedRowID
            created.revision = 0
            if let holdID { try db.cachedStatement(sql: "UPDATE holds SET status = 'consumed' WHERE id = ?").execute(arguments: [holdID]) }
            try Self.insertEvent(db, created, CallbackEvents.brandNew(created, at: now))
            return .created(created)
        }
    }

    /// Records the event; it is also a pending callback when the retailer subscribes to it now (§3.1).
    static func insertEvent(_ db: Database, _ o: OrderRecord, _ e: OrderEvent) throws {
        let at = e.occurredAt.timeIntervalSince1970
        try db.cachedStatement(
            sql: """
                INSERT INTO order_events (retailer_id, order_id, type, occurred_at, metadata, callback_state, next_attempt_at)
                VALUES (?, ?, ?, ?, ?, COALESCE((SELECT 'pending' FROM retailers, json_each(retailers.callback_events)
                                                 WHERE retailers.id = ? AND json_each.value IN ('*', ?) LIMIT 1), 'none'), ?)
                """
        ).execute(arguments: [o.retailerID, o.orderID, e.type, at, e.metadata, o.retailerID, e.type, at])
    }

    public func order(retailerID: String, orderID: String) async throws -> OrderRecord? {
        try await read { db in try Self.order(db, retailerID: retailerID, orderID: orderID) }
    }

    public func updateOrder(
        _ order: OrderRecord,
        expectedStatus: OrderStatus,
        events: [OrderEvent],
        now: Date,
        recheck: (@Sendable ([Commitment]) -> BookingDecision?)?
    ) async throws -> OrderUpdateOutcome {
        try await write { db in
            var order = order
            if let recheck {
                let own = order.id + OrderRecord.commitmentIDOffset
                let commitments = try Self.loadCommitments(
                    db,
                    retailerID: order.retailerID,
                    locationCode: order.locationCode,
                    now: now,
                    excludingHoldOfUser: nil
                ).filter { $0.id != own }
                guard let decision = recheck(commitments) else { return .full }
                order.book(decision)
            }
            let revision = order.revision ?? 0
            // The row as it will be, written only where the status and revision are still those it was read with.
            var next = OrderRow(order)
            next.revision = revision + 1
            let values = try next.databaseDictionary
            let changed = [
                "status", "window_start", "window_end", "travel_minutes", "data", "revision", "driver_id", "busy_until", "dest_latitude",
                "dest_longitude",
            ]
            try db.execute(
                sql: """
                    UPDATE orders SET \(changed.map { "\($0) = ?" }.joined(separator: ", "))
                    WHERE retailer_id = ? AND order_id = ? AND status = ? AND revision = ?
                    """,
                arguments: StatementArguments(changed.map { values[$0] ?? .null })
                    + [order.retailerID, order.orderID, expectedStatus.rawValue, revision]
            )
            guard db.changesCount == 1 else { return .statusChanged }
            for event in events { try Self.insertEvent(db, order, event) }
            order.revision = revision + 1
            return .updated(order)
        }
    }

    public func orderEvents(retailerID: String, orderID: String) async throws -> [OrderEvent] {
        try await read { db in
            try OrderEventRow.fetchAll(
                db,
                sql: "SELECT * FROM order_events WHERE retailer_id = ? AND order_id = ? ORDER BY id",
                arguments: [retailerID, orderID]
            ).map(\.event)
        }
    }

    // MARK: Holds

    public func reserve(_ request: ReserveRequest, check: @escaping @Sendable ([Commitment]) -> Bool) async throws -> ReserveOutcome {
        // One write transaction: SQLite admits one writer at a time, so the capacity check and the insert
        // cannot interleave with another reserve.
        try await write { db in
            let o = request.option
            try db.cachedStatement(sql: "UPDATE holds SET status = 'released' WHERE retailer_id = ? AND user_id = ? AND status = 'active'")
                .execute(arguments: [o.retailerID, o.userID])
            guard o.isLive(at: request.now) else { return .expired }
            guard o.available else { return .notAvailable }
            let commitments = try Self.loadCommitments(
                db,
                retailerID: o.retailerID,
                locationCode: o.locationCode,
                now: request.now,
                excludingHoldOfUser: nil
            )
            guard check(commitments) else { return .full }
            var hold = request.newHold
            try HoldRow(hold).insert(db)
            hold.id = db.lastInsertedRowID
            return .held(hold)
        }
    }

    public func hold(id: Int64) async throws -> HoldRecord? {
        try await read { db in try Self.hold(db, id: id) }
    }

    static func hold(_ db: Database, id: Int64) throws -> HoldRecord? {
        try HoldRow.fetchOne(db.cachedStatement(sql: "SELECT * FROM holds WHERE id = ?"), arguments: [id])?.record
    }
}
