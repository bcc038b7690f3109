import Foundation
import LastMileCore
import LastMileStorage
import PostgresNIO

/// The console's tables (issue 13).
extension PostgresStorage {
    func upsertOperators(_ accounts: [OperatorAccount], _ conn: PostgresConnection) async throws {
        for a in accounts {
            try await exec(
                """
                INSERT INTO operators (id, password_hash, retailers, enabled) VALUES (\(a.id), \(a.passwordHash), \(a.retailers), \(a.enabled))
                ON CONFLICT (id) DO UPDATE SET password_hash = excluded.password_hash, retailers = excluded.retailers, enabled = excluded.enabled
                """,
                conn
            )
        }
    }

    public func retailerIDs() async throws -> [String] {
        try await rows("SELECT id FROM retailers ORDER BY id").map { try $0["id"].decode(String.self) }
    }

    public func operatorAccount(id: String) async throws -> OperatorAccount? {
        guard let row = try await rows("SELECT id, password_hash, retailers, enabled FROM operators WHERE id = \(id)").first else { return nil }
        return OperatorAccount(
            id: try row["id"].decode(String.self),
            passwordHash: try row["password_hash"].decode(String.self),
            retailers: try row["retailers"].decode([String]?.self),
            enabled: try row["enabled"].decode(Bool.self)
        )
    }

    public func insertConsoleSession(_ s: ConsoleSession) async throws {
        try await exec(
            """
            INSERT INTO console_sessions (token_hash, operator_id, csrf_token, created_at, expires_at)
            VALUES (\(s.tokenHash), \(s.operatorID), \(s.csrfToken), \(s.createdAt), \(s.expiresAt))
            """
        )
    }

    public func consoleSession(tokenHash: String) async throws -> ConsoleSession? {
        guard let row = try await rows("SELECT * FROM console_sessions WHERE token_hash = \(tokenHash)").first else { return nil }
        return ConsoleSession(
            tokenHash: try row["token_hash"].decode(String.self),
            operatorID: try row["operator_id"].decode(String.self),
            csrfToken: try row["csrf_token"].decode(String.self),
            createdAt: try row["created_at"].decode(Date.self),
            expiresAt: try row["expires_at"].decode(Date.self)
        )
    }

    public func deleteConsoleSession(tokenHash: String) async throws {
        try await exec("DELETE FROM console_sessions WHERE token_hash = \(tokenHash)")
    }

    public func closedWindows(retailerID: String, locationCode: String, endingAfter: Date) async throws -> [ClosedWindow] {
        try await rows(
            """
            SELECT * FROM closed_windows WHERE retailer_id = \(retailerID) AND location_code = \(locationCode) AND window_end > \(endingAfter)
            ORDER BY window_start, window_end
            """
        ).map { row in
            ClosedWindow(
                retailerID: try row["retailer_id"].decode(String.self),
                locationCode: try row["location_code"].decode(String.self),
                window: DeliveryWindow(start: try row["window_start"].decode(Date.self), end: try row["window_end"].decode(Date.self)),
                closedAt: try row["closed_at"].decode(Date.self),
                closedBy: try row["closed_by"].decode(String.self)
            )
        }
    }

    public func setWindow(_ w: ClosedWindow, closed: Bool, audit: AuditEntry) async throws -> Bool {
        try await transaction { conn in
            let changed: [PostgresRandomAccessRow]
            if closed {
                changed = try await self.rows(
                    """
                    INSERT INTO closed_windows (retailer_id, location_code, window_start, window_end, closed_at, closed_by)
                    VALUES (\(w.retailerID), \(w.locationCode), \(w.window.start), \(w.window.end), \(w.closedAt), \(w.closedBy))
                    ON CONFLICT DO NOTHING RETURNING 1
                    """,
                    conn
                )
            } else {
                changed = try await self.rows(
                    """
                    DELETE FROM closed_windows WHERE retailer_id = \(w.retailerID) AND location_code = \(w.locationCode)
                        AND window_start = \(w.window.start) AND window_end = \(w.window.end) RETURNING 1
                    """,
                    conn
                )
            }
            guard !changed.isEmpty else { return false }
            try await self.insertAudit(audit, conn)
            return true
        }
    }

    func insertAudit(_ e: AuditEntry, _ conn: PostgresConnection? = nil) async throws {
        try await exec(
            """
            INSERT INTO console_audit (at, operator_id, action, retailer_id, subject, detail)
            VALUES (\(e.at), \(e.operatorID), \(e.action), \(e.retailerID), \(e.subject), \(e.detail))
            """,
            conn
        )
    }

    public func appendAudit(_ entry: AuditEntry) async throws { try await insertAudit(entry) }

    public func auditEntries(retailerIDs: [String]?, limit: Int) async throws -> [AuditEntry] {
        let found: [PostgresRandomAccessRow]
        if let ids = retailerIDs {
            found = try await rows("SELECT * FROM console_audit WHERE retailer_id = ANY(\(ids)) ORDER BY id DESC LIMIT \(limit)")
        } else {
            found = try await rows("SELECT * FROM console_audit ORDER BY id DESC LIMIT \(limit)")
        }
        return try found.map { row in
            AuditEntry(
                id: try row["id"].decode(Int64.self),
                at: try row["at"].decode(Date.self),
                operatorID: try row["operator_id"].decode(String.self),
                action: try row["action"].decode(String.self),
                retailerID: try row["retailer_id"].decode(String?.self),
                subject: try row["subject"].decode(String.self),
                detail: try row["detail"].decode(String.self)
            )
        }
    }

    public func changeMarks() async throws -> ChangeMarks {
        let row = try await rows(
            """
            SELECT (SELECT COALESCE(MAX(id), 0) FROM order_events)::int8 AS e, (SELECT COALESCE(MAX(id), 0) FROM holds)::int8 AS h,
                (SELECT COALESCE(MAX(id), 0) FROM console_audit)::int8 AS a
            """
        )[0]
        return ChangeMarks(events: try row["e"].decode(Int64.self), holds: try row["h"].decode(Int64.self), audit: try row["a"].decode(Int64.self))
    }
}
