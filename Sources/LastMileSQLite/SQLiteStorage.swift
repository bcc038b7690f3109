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
    public func migrate() async throws {
        let fd = open(path + ".migrate-lock", O_CREAT | O_RDWR, 0o644)
        guard fd >= 0 else { throw StorageError.unavailable("cannot open \(path).migrate-lock") }
        defer { closeDescriptor(fd) }
        guard flock(fd, LOCK_EX) == 0 else { throw StorageError.unavailable("cannot lock \(path).migrate-lock") }
        defer { flock(fd, LOCK_UN) }
        try SQLiteMigrations.migrator.migrate(pool)
    }

    public func close() async throws {
        try pool.close()
    }

    // MARK: Configuration

    public func applyConfiguration(_ config: OperatorConfig) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        try await write { db in
            for entry in config.retailers {
                let r = entry.retailer
                try db.execute(
                    sql: """
                        INSERT INTO retailers (id, config, callback_events) VALUES (?, ?, ?)
                        ON CONFLICT (id) DO UPDATE SET config = excluded.config, callback_events = excluded.callback_events
                        """,
                    arguments: [r.id, String(decoding: try encoder.encode(r), as: UTF8.self), Codecs.callbackEvents(r)]
                )
                for c in entry.clients {
                    let owner = try String.fetchOne(db, sql: "SELECT retailer_id FROM oauth_clients WHERE client_id = ?", arguments: [c.clientID])
                    if let owner, owner != r.id { throw StorageError.conflict("client_id \(c.clientID) belongs to retailer \(owner)") }
                    try db.execute(
                        sql: """
                            INSERT INTO oauth_clients (client_id, retailer_id, secret_hash, scopes, enabled) VALUES (?, ?, ?, ?, ?)
                            ON CONFLICT (client_id) DO UPDATE SET secret_hash = excluded.secret_hash, scopes = excluded.scopes,
                                enabled = excluded.enabled
                            """,
                        arguments: [c.clientID, r.id, SecretHash.hex(c.clientSecret), Codecs.scopes(c.scopes), c.enabled]
                    )
                }
                for s in entry.stores {
                    try db.execute(
                        sql: """
                            INSERT INTO stores (retailer_id, location_code, config) VALUES (?, ?, ?)
                            ON CONFLICT (retailer_id, location_code) DO UPDATE SET config = excluded.config
                            """,
                        arguments: [r.id, s.locationCode, String(decoding: try encoder.encode(s), as: UTF8.self)]
                    )
                }
            }
        }
    }

    public func hasRetailers() async throws -> Bool {
        try await read { db in try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM retailers)") ?? false }
    }

    public func retailer(id: String) async throws -> Retailer? {
        let json = try await read { db in try String.fetchOne(db, sql: "SELECT config FROM retailers WHERE id = ?", arguments: [id]) }
        return try json.map { try JSONDecoder().decode(Retailer.self, from: Data($0.utf8)) }
    }

    public func oauthClient(id: String) async throws -> OAuthClientRecord? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM oauth_clients WHERE client_id = ?", arguments: [id]).map { row in
                OAuthClientRecord(
                    clientID: row["client_id"],
                    retailerID: row["retailer_id"],
                    secretHash: row["secret_hash"],
                    scopes: Codecs.scopes(row["scopes"] as String),
                    enabled: row["enabled"]
                )
            }
        }
    }

    // MARK: Tokens

    public func insertToken(_ t: AccessTokenRecord) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO access_tokens (token_hash, client_id, retailer_id, scopes, issued_at, expires_at, revoked_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    t.tokenHash, t.clientID, t.retailerID, Codecs.scopes(t.scopes), t.issuedAt.timeIntervalSince1970,
                    t.expiresAt.timeIntervalSince1970, t.revokedAt?.timeIntervalSince1970,
                ]
            )
        }
    }

    public func token(hash: String) async throws -> AccessTokenRecord? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM access_tokens WHERE token_hash = ?", arguments: [hash]).map { row in
                AccessTokenRecord(
                    tokenHash: row["token_hash"],
                    clientID: row["client_id"],
                    retailerID: row["retailer_id"],
                    scopes: Codecs.scopes(row["scopes"] as String),
                    issuedAt: Codecs.date(row["issued_at"]),
                    expiresAt: Codecs.date(row["expires_at"]),
                    revokedAt: (row["revoked_at"] as Double?).map(Codecs.date)
                )
            }
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
        let (table, key, column) = kind.columns
        return try await write { db in
            try db.execute(
                sql: "DELETE FROM \(table) WHERE \(key) IN (SELECT \(key) FROM \(table) WHERE \(column) < ? LIMIT ?)",
                arguments: [before.timeIntervalSince1970, limit]
            )
            return db.changesCount
        }
    }

    // MARK: Stores

    public func stores(retailerID: String) async throws -> [Store] {
        let rows = try await read { db in
            try String.fetchAll(db, sql: "SELECT config FROM stores WHERE retailer_id = ? ORDER BY location_code", arguments: [retailerID])
        }
        let decoder = JSONDecoder()
        return try rows.map { try decoder.decode(Store.self, from: Data($0.utf8)) }
    }

    public func store(retailerID: String, locationCode: String) async throws -> Store? {
        let json = try await read { db in
            try String.fetchOne(
                db,
                sql: "SELECT config FROM stores WHERE retailer_id = ? AND location_code = ?",
                arguments: [retailerID, locationCode]
            )
        }
        return try json.map { try JSONDecoder().decode(Store.self, from: Data($0.utf8)) }
    }

    // MARK: Users

    static func user(_ row: Row) throws -> UserRecord {
        UserRecord(
            retailerID: row["retailer_id"],
            userID: row["user_id"],
            firstName: row["first_name"],
            lastName: row["last_name"],
            phoneNumber: row["phone_number"],
            email: row["email"],
            locale: (row["locale"] as String?).flatMap(LocaleTag.init(rawValue:)),
            address: try (row["address"] as String?).map { try JSONDecoder().decode(UserAddress.self, from: Data($0.utf8)) },
            createdAt: Codecs.date(row["created_at"])
        )
    }

    public func user(retailerID: String, userID: String) async throws -> UserRecord? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM users WHERE retailer_id = ? AND user_id = ?", arguments: [retailerID, userID]).map(Self.user)
        }
    }

    static func userArguments(_ u: UserRecord) throws -> StatementArguments {
        let address = try u.address.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        return [
            u.retailerID, u.userID, u.firstName, u.lastName, u.phoneNumber, u.email, u.locale?.rawValue, address,
            u.createdAt.timeIntervalSince1970,
        ]
    }

    public func insertUserIfAbsent(_ u: UserRecord) async throws -> (UserRecord, created: Bool) {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO users (retailer_id, user_id, first_name, last_name, phone_number, email, locale, address, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (retailer_id, user_id) DO NOTHING
                    """,
                arguments: try Self.userArguments(u)
            )
            let created = db.changesCount > 0
            let row = try Row.fetchOne(db, sql: "SELECT * FROM users WHERE retailer_id = ? AND user_id = ?", arguments: [u.retailerID, u.userID])!
            return (try Self.user(row), created)
        }
    }

    public func saveUser(_ u: UserRecord) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO users (retailer_id, user_id, first_name, last_name, phone_number, email, locale, address, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (retailer_id, user_id) DO UPDATE SET first_name = excluded.first_name, last_name = excluded.last_name,
                        phone_number = excluded.phone_number, email = excluded.email, locale = excluded.locale, address = excluded.address
                    """,
                arguments: try Self.userArguments(u)
            )
        }
    }

    // MARK: Service options

    public func allocateServiceOptionIDs(count: Int) async throws -> [Int64] {
        guard count > 0 else { return [] }
        let last = try await write { db in
            try Int64.fetchOne(
                db,
                sql: "UPDATE id_sequences SET last_value = last_value + ? WHERE name = 'service_option' RETURNING last_value",
                arguments: [count]
            )!
        }
        return Array((last - Int64(count) + 1)...last)
    }

    public func insertListing(_ drafts: [StoredServiceOption]) async throws -> [StoredServiceOption] {
        guard !drafts.isEmpty else { return [] }
        return try await write { db in
            let last = try Int64.fetchOne(
                db,
                sql: "UPDATE id_sequences SET last_value = last_value + ? WHERE name = 'service_option' RETURNING last_value",
                arguments: [drafts.count]
            )!
            var options = drafts
            for i in options.indices { options[i].id = last - Int64(drafts.count) + 1 + Int64(i) }
            try Self.insert(options, db)
            return options
        }
    }

    static func insert(_ options: [StoredServiceOption], _ db: Database) throws {
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO service_options (id, retailer_id, user_id, location_code, type, window_start, window_end, immediate_hour,
                    local_date, handoff_time, available, reasons, alcoholic, dest_latitude, dest_longitude, travel_minutes, listed_at,
                    cart_total_cents, items_count, units_count)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        )
        for o in options {
            try statement.execute(arguments: [
                o.id, o.retailerID, o.userID, o.locationCode, o.type.rawValue, o.windowStart.timeIntervalSince1970,
                o.windowEnd.timeIntervalSince1970, o.immediateHour, o.date.description, o.handoffTime?.timeIntervalSince1970,
                o.available, Codecs.strings(o.reasons), o.alcoholic, o.destination.latitude, o.destination.longitude,
                o.travelMinutes, o.listedAt.timeIntervalSince1970, o.cartTotalCents, o.itemsCount, o.unitsCount,
            ])
        }
    }

    public func serviceOption(id: Int64) async throws -> StoredServiceOption? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM service_options WHERE id = ?", arguments: [id]).map { row in
                StoredServiceOption(
                    id: row["id"],
                    retailerID: row["retailer_id"],
                    userID: row["user_id"],
                    locationCode: row["location_code"],
                    type: ServiceOptionType(rawValue: row["type"]) ?? .scheduled,
                    windowStart: Codecs.date(row["window_start"]),
                    windowEnd: Codecs.date(row["window_end"]),
                    immediateHour: row["immediate_hour"],
                    date: CivilDate(row["local_date"] as String) ?? CivilDate(year: 1970, month: 1, day: 1),
                    handoffTime: (row["handoff_time"] as Double?).map(Codecs.date),
                    available: row["available"],
                    reasons: Codecs.strings(row["reasons"] as String),
                    alcoholic: row["alcoholic"],
                    destination: GeoPoint(latitude: row["dest_latitude"], longitude: row["dest_longitude"]),
                    travelMinutes: row["travel_minutes"],
                    listedAt: Codecs.date(row["listed_at"]),
                    cartTotalCents: row["cart_total_cents"],
                    itemsCount: row["items_count"],
                    unitsCount: row["units_count"]
                )
            }
        }
    }

    // MARK: Capacity

    public func commitments(retailerID: String, locationCode: String, now: Date, excludingHoldOfUser: String?) async throws -> [Commitment] {
        try await read { db in
            try Self.loadCommitments(db, retailerID: retailerID, locationCode: locationCode, now: now, excludingHoldOfUser: excludingHoldOfUser)
        }
    }

    /// Active (unexpired, unreleased, unconsumed) holds of the store. Expired holds simply stop matching,
    /// so no background job is needed for capacity to come back.
    static func loadCommitments(
        _ db: Database,
        retailerID: String,
        locationCode: String,
        now: Date,
        excludingHoldOfUser: String?
    ) throws -> [Commitment] {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT id, created_at, window_start, window_end, travel_minutes FROM holds
                WHERE retailer_id = ? AND location_code = ? AND status = 'active' AND expires_at > ? AND user_id IS NOT ?
                """,
            arguments: [retailerID, locationCode, now.timeIntervalSince1970, excludingHoldOfUser]
        )
        // Order ids are offset so they never tie with hold ids in the planner's (…, id) ordering.
        let statuses = OrderStatus.allCases.filter(\.isCommitment).map { "'\($0.rawValue)'" }.joined(separator: ", ")
        let orders = try Row.fetchAll(
            db,
            sql: """
                SELECT id, created_at, window_start, window_end, travel_minutes, status, driver_id, busy_until FROM orders
                WHERE retailer_id = ? AND location_code = ? AND status IN (\(statuses))
                """,
            arguments: [retailerID, locationCode]
        )
        func commitment(_ row: Row, offset: Int64) -> Commitment {
            Commitment(
                id: (row["id"] as Int64) + offset,
                createdAt: Codecs.date(row["created_at"]),
                windowStart: Codecs.date(row["window_start"]),
                windowEnd: Codecs.date(row["window_end"]),
                travelMinutes: row["travel_minutes"]
            )
        }
        return rows.map { commitment($0, offset: 0) }
            + orders.map { row in
                var c = commitment(row, offset: OrderRecord.commitmentIDOffset)
                c.assignment = OrderRecord.assignment(status: row["status"], driverID: row["driver_id"], busyUntil: row["busy_until"], now: now)
                return c
            }
    }

    // MARK: Orders

    static func encode(_ o: OrderRecord) throws -> String { String(decoding: try JSONEncoder().encode(o), as: UTF8.self) }

    static func decodeOrder(_ row: Row) throws -> OrderRecord {
        var o = try JSONDecoder().decode(OrderRecord.self, from: Data((row["data"] as String).utf8))
        o.id = row["id"]
        o.revision = row["revision"]
        return o
    }

    public func createOrder(
        _ order: OrderRecord,
        holdID: Int64?,
        now: Date,
        decide: @escaping @Sendable ([Commitment]) -> BookingDecision?
    ) async throws -> CreateOrderOutcome {
        try await write { db in
            if let row = try Row.fetchOne(
                db,
                sql: "SELECT * FROM orders WHERE retailer_id = ? AND order_id = ?",
                arguments: [order.retailerID, order.orderID]
            ) {
                return .existing(try Self.decodeOrder(row))
            }
            if let holdID {
                guard
                    let status = try String.fetchOne(
                        db,
                        sql: "SELECT status FROM holds WHERE id = ? AND retailer_id = ?",
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
            try db.execute(
                sql: """
                    INSERT INTO orders (retailer_id, order_id, user_id, location_code, status, window_start, window_end, travel_minutes, created_at, data)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    created.retailerID, created.orderID, created.userID, created.locationCode, created.status.rawValue,
                    created.windowStart.timeIntervalSince1970, created.windowEnd.timeIntervalSince1970, created.travelMinutes,
                    created.createdAt.timeIntervalSince1970, try Self.encode(created),
                ]
            )
            created.id = db.lastInsertedRowID
            if let holdID { try db.execute(sql: "UPDATE holds SET status = 'consumed' WHERE id = ?", arguments: [holdID]) }
            try Self.insertEvent(db, created, CallbackEvents.brandNew(created, at: now))
            return .created(created)
        }
    }

    /// Records the event; it is also a pending callback when the retailer subscribes to it now (§3.1).
    static func insertEvent(_ db: Database, _ o: OrderRecord, _ e: OrderEvent) throws {
        let at = e.occurredAt.timeIntervalSince1970
        try db.execute(
            sql: """
                INSERT INTO order_events (retailer_id, order_id, type, occurred_at, metadata, callback_state, next_attempt_at)
                VALUES (?, ?, ?, ?, ?, COALESCE((SELECT CASE WHEN callback_events = '*' OR instr(callback_events, ' ' || ? || ' ') > 0
                                                 THEN 'pending' END FROM retailers WHERE id = ?), 'none'), ?)
                """,
            arguments: [o.retailerID, o.orderID, e.type, at, e.metadata, e.type, o.retailerID, at]
        )
    }

    public func order(retailerID: String, orderID: String) async throws -> OrderRecord? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM orders WHERE retailer_id = ? AND order_id = ?", arguments: [retailerID, orderID])
                .map(Self.decodeOrder)
        }
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
            try db.execute(
                sql: """
                    UPDATE orders SET status = ?, window_start = ?, window_end = ?, travel_minutes = ?, data = ?, revision = revision + 1,
                        driver_id = ?, busy_until = ?
                    WHERE retailer_id = ? AND order_id = ? AND status = ? AND revision = ?
                    """,
                arguments: [
                    order.status.rawValue, order.windowStart.timeIntervalSince1970, order.windowEnd.timeIntervalSince1970,
                    order.travelMinutes, try Self.encode(order), order.capacityAssignment?.driverID,
                    order.capacityAssignment?.busyUntil.timeIntervalSince1970, order.retailerID, order.orderID,
                    expectedStatus.rawValue, order.revision ?? 0,
                ]
            )
            guard db.changesCount == 1 else { return .statusChanged }
            for event in events { try Self.insertEvent(db, order, event) }
            order.revision = (order.revision ?? 0) + 1
            return .updated(order)
        }
    }

    public func orderEvents(retailerID: String, orderID: String) async throws -> [OrderEvent] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT type, occurred_at, metadata FROM order_events WHERE retailer_id = ? AND order_id = ? ORDER BY id",
                arguments: [retailerID, orderID]
            )
            .map { OrderEvent(type: $0["type"], occurredAt: Codecs.date($0["occurred_at"]), metadata: $0["metadata"]) }
        }
    }

    // MARK: Holds

    public func reserve(_ request: ReserveRequest, check: @escaping @Sendable ([Commitment]) -> Bool) async throws -> ReserveOutcome {
        // One write transaction: SQLite admits one writer at a time, so the capacity check and the insert
        // cannot interleave with another reserve.
        try await write { db in
            let o = request.option
            try db.execute(
                sql: "UPDATE holds SET status = 'released' WHERE retailer_id = ? AND user_id = ? AND status = 'active'",
                arguments: [o.retailerID, o.userID]
            )
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
            let expires = request.now.addingTimeInterval(ReserveRequest.holdLifetime)
            try db.execute(
                sql: """
                    INSERT INTO holds (retailer_id, user_id, service_option_id, location_code, window_start, window_end, dest_latitude,
                        dest_longitude, travel_minutes, created_at, expires_at, status)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active')
                    """,
                arguments: [
                    o.retailerID, o.userID, o.id, o.locationCode, request.window.start.timeIntervalSince1970,
                    request.window.end.timeIntervalSince1970, o.destination.latitude, o.destination.longitude,
                    o.travelMinutes, request.now.timeIntervalSince1970, expires.timeIntervalSince1970,
                ]
            )
            return .held(
                HoldRecord(
                    id: db.lastInsertedRowID,
                    retailerID: o.retailerID,
                    userID: o.userID,
                    serviceOptionID: o.id,
                    locationCode: o.locationCode,
                    windowStart: request.window.start,
                    windowEnd: request.window.end,
                    destination: o.destination,
                    travelMinutes: o.travelMinutes,
                    createdAt: request.now,
                    expiresAt: expires,
                    status: .active
                )
            )
        }
    }

    public func hold(id: Int64) async throws -> HoldRecord? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM holds WHERE id = ?", arguments: [id]).map { row in
                HoldRecord(
                    id: row["id"],
                    retailerID: row["retailer_id"],
                    userID: row["user_id"],
                    serviceOptionID: row["service_option_id"],
                    locationCode: row["location_code"],
                    windowStart: Codecs.date(row["window_start"]),
                    windowEnd: Codecs.date(row["window_end"]),
                    destination: GeoPoint(latitude: row["dest_latitude"], longitude: row["dest_longitude"]),
                    travelMinutes: row["travel_minutes"],
                    createdAt: Codecs.date(row["created_at"]),
                    expiresAt: Codecs.date(row["expires_at"]),
                    status: HoldRecord.Status(rawValue: row["status"]) ?? .released
                )
            }
        }
    }
}
