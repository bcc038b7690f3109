import Foundation
import GRDB
import LastMileCore
import LastMileStorage

/// The console's tables (issue 13). Instants are REAL seconds, like every other table of this engine.
extension SQLiteStorage {
    static func upsertOperators(_ accounts: [OperatorAccount], _ db: Database) throws {
        for a in accounts {
            try db.execute(
                sql: """
                    INSERT INTO operators (id, password_hash, retailers, enabled) VALUES (?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET password_hash = excluded.password_hash, retailers = excluded.retailers,
                        enabled = excluded.enabled
                    """,
                arguments: [a.id, a.passwordHash, a.retailers.map(SQLiteMigrations.json), a.enabled]
            )
        }
    }

    public func retailerIDs() async throws -> [String] {
        try await read { db in try String.fetchAll(db, sql: "SELECT id FROM retailers ORDER BY id") }
    }

    public func operatorAccount(id: String) async throws -> OperatorAccount? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM operators WHERE id = ?", arguments: [id]).map { row in
                let grant = (row["retailers"] as String?).map { (try? JSONDecoder().decode([String].self, from: Data($0.utf8))) ?? [] }
                return OperatorAccount(id: row["id"], passwordHash: row["password_hash"], retailers: grant, enabled: row["enabled"])
            }
        }
    }

    public func insertConsoleSession(_ s: ConsoleSession) async throws {
        try await write { db in
            try db.execute(
                sql: "INSERT INTO console_sessions (token_hash, operator_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [s.tokenHash, s.operatorID, s.csrfToken, s.createdAt.timeIntervalSince1970, s.expiresAt.timeIntervalSince1970]
            )
        }
    }

    public func consoleSession(tokenHash: String) async throws -> ConsoleSession? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM console_sessions WHERE token_hash = ?", arguments: [tokenHash]).map { row in
                ConsoleSession(
                    tokenHash: row["token_hash"],
                    operatorID: row["operator_id"],
                    csrfToken: row["csrf_token"],
                    createdAt: Date(timeIntervalSince1970: row["created_at"]),
                    expiresAt: Date(timeIntervalSince1970: row["expires_at"])
                )
            }
        }
    }

    public func deleteConsoleSession(tokenHash: String) async throws {
        try await write { db in try db.execute(sql: "DELETE FROM console_sessions WHERE token_hash = ?", arguments: [tokenHash]) }
    }

    public func closedWindows(retailerID: String, locationCode: String, endingAfter: Date) async throws -> [ClosedWindow] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM closed_windows WHERE retailer_id = ? AND location_code = ? AND window_end > ?
                    ORDER BY window_start, window_end
                    """,
                arguments: [retailerID, locationCode, endingAfter.timeIntervalSince1970]
            ).map { row in
                ClosedWindow(
                    retailerID: row["retailer_id"],
                    locationCode: row["location_code"],
                    window: DeliveryWindow(
                        start: Date(timeIntervalSince1970: row["window_start"]),
                        end: Date(timeIntervalSince1970: row["window_end"])
                    ),
                    closedAt: Date(timeIntervalSince1970: row["closed_at"]),
                    closedBy: row["closed_by"]
                )
            }
        }
    }

    public func setWindow(_ w: ClosedWindow, closed: Bool, audit: AuditEntry) async throws -> Bool {
        try await write { db in
            let key: StatementArguments = [w.retailerID, w.locationCode, w.window.start.timeIntervalSince1970, w.window.end.timeIntervalSince1970]
            if closed {
                try db.execute(
                    sql: """
                        INSERT INTO closed_windows (retailer_id, location_code, window_start, window_end, closed_at, closed_by)
                        VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                        """,
                    arguments: key + [w.closedAt.timeIntervalSince1970, w.closedBy]
                )
            } else {
                try db.execute(
                    sql: "DELETE FROM closed_windows WHERE retailer_id = ? AND location_code = ? AND window_start = ? AND window_end = ?",
                    arguments: key
                )
            }
            guard db.changesCount > 0 else { return false }
            try Self.insertAudit(audit, db)
            return true
        }
    }

    static func insertAudit(_ e: AuditEntry, _ db: Database) throws {
        try db.execute(
            sql: "INSERT INTO console_audit (at, operator_id, action, retailer_id, subject, detail) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [e.at.timeIntervalSince1970, e.operatorID, e.action, e.retailerID, e.subject, e.detail]
        )
    }

    public func appendAudit(_ entry: AuditEntry) async throws {
        try await write { db in try Self.insertAudit(entry, db) }
    }

    public func auditEntries(retailerIDs: [String]?, limit: Int) async throws -> [AuditEntry] {
        try await read { db in
            var sql = "SELECT * FROM console_audit"
            var arguments: StatementArguments = []
            if let ids = retailerIDs {
                sql += " WHERE retailer_id IN (\(databaseQuestionMarks(count: ids.count)))"
                arguments += StatementArguments(ids)
                if ids.isEmpty { return [] }
            }
            sql += " ORDER BY id DESC LIMIT ?"
            arguments += [limit]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                AuditEntry(
                    id: row["id"],
                    at: Date(timeIntervalSince1970: row["at"]),
                    operatorID: row["operator_id"],
                    action: row["action"],
                    retailerID: row["retailer_id"],
                    subject: row["subject"],
                    detail: row["detail"]
                )
            }
        }
    }

    public func changeMarks() async throws -> ChangeMarks {
        try await read { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT (SELECT COALESCE(MAX(id), 0) FROM order_events) AS e, (SELECT COALESCE(MAX(id), 0) FROM holds) AS h,
                        (SELECT COALESCE(MAX(id), 0) FROM console_audit) AS a
                    """
            )!
            return ChangeMarks(events: row["e"], holds: row["h"], audit: row["a"])
        }
    }
}
