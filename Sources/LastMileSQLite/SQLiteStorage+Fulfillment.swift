import Foundation
import GRDB
import LastMileCore
import LastMileStorage

extension SQLiteStorage {
    public func orders(_ q: OrderQuery) async throws -> [OrderRecord] {
        guard !q.statuses.isEmpty else { return [] }
        let marks = Array(repeating: "?", count: q.statuses.count).joined(separator: ", ")
        let names = q.statuses.map(\.rawValue)
        var sql = "SELECT * FROM orders WHERE retailer_id = ? AND status IN (\(marks)) AND id > ? AND id < ?"
        var text: [String] = []
        if let code = q.locationCode {
            sql += " AND location_code = ?"
            text.append(code)
        }
        switch q.driver {
        case .any: break
        case .none: sql += " AND driver_id IS NULL"
        case .is_(let id):
            sql += " AND driver_id = ?"
            text.append(id)
        }
        sql += q.newestFirst ? " ORDER BY id DESC LIMIT ?" : " ORDER BY id LIMIT ?"
        let statement = sql
        let extra = text
        let retailer = q.retailerID
        let after = q.afterRowID
        let before = q.beforeRowID
        let limit = q.limit
        return try await read { db in
            let arguments: [any DatabaseValueConvertible] = [retailer] + names + [after, before] + extra + [limit]
            return try OrderRow.fetchAll(db, sql: statement, arguments: StatementArguments(arguments)).map(\.record)
        }
    }

    public func storesWithOrders(inStatuses statuses: [OrderStatus]) async throws -> [StoreKey] {
        guard !statuses.isEmpty else { return [] }
        let marks = Array(repeating: "?", count: statuses.count).joined(separator: ", ")
        let names = statuses.map(\.rawValue)
        return try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT retailer_id, location_code FROM orders WHERE status IN (\(marks)) ORDER BY retailer_id, location_code
                    """,
                arguments: StatementArguments(names)
            ).map { StoreKey(retailerID: $0["retailer_id"], locationCode: $0["location_code"]) }
        }
    }

    // MARK: Callback outbox

    public func claimCallbacks(
        due: Date,
        leaseNow: Date,
        limit: Int,
        lease: TimeInterval,
        excludingRetailers: [String],
        onlyRetailer: String?
    ) async throws -> [CallbackDelivery] {
        let until = leaseNow.addingTimeInterval(lease)
        let excluded = String(decoding: try JSONEncoder().encode(excludingRetailers), as: UTF8.self)
        // One write transaction: SQLite's single writer makes select-then-lease atomic across processes.
        return try await write { db in
            var rows = try OrderEventRow.fetchAll(
                db,
                sql: """
                    SELECT * FROM order_events WHERE callback_state = 'pending' AND next_attempt_at <= ?
                        AND (lease_until IS NULL OR lease_until <= ?) AND retailer_id NOT IN (SELECT value FROM json_each(?))
                        AND (? IS NULL OR retailer_id = ?)
                    ORDER BY next_attempt_at, id LIMIT ?
                    """,
                arguments: [due.timeIntervalSince1970, leaseNow.timeIntervalSince1970, excluded, onlyRetailer, onlyRetailer, limit]
            )
            for i in rows.indices {
                try db.execute(
                    sql: "UPDATE order_events SET lease_until = ? WHERE id = ?",
                    arguments: [until.timeIntervalSince1970, rows[i].id]
                )
                rows[i].lease_until = until
            }
            return rows.map(\.delivery)
        }
    }

    public func recordCallbackAttempts(_ attempts: [CallbackAttempt]) async throws {
        try await write { db in
            for a in attempts {
                let (state, next, _) = CallbackAttempt.columns(a.next)
                try CallbackAttemptRow(a).insert(db)
                // The lease is compared within a millisecond: REAL seconds read back through Date may differ in
                // the last bits, and two leases of one row are minutes apart.
                try db.execute(
                    sql: """
                        UPDATE order_events SET attempts = attempts + 1, first_attempt_at = COALESCE(first_attempt_at, ?), callback_state = ?,
                            next_attempt_at = ?, lease_until = NULL, last_result = ?
                        WHERE id = ? AND callback_state = 'pending' AND (? IS NULL OR abs(lease_until - ?) < 0.001)
                        """,
                    arguments: [
                        a.at.timeIntervalSince1970, state, next?.timeIntervalSince1970, a.summary, a.rowID,
                        a.leaseUntil?.timeIntervalSince1970, a.leaseUntil?.timeIntervalSince1970,
                    ]
                )
            }
        }
    }

    public func callbackDeliveries(retailerID: String?, orderID: String?, limit: Int) async throws -> [CallbackDelivery] {
        try await read { db in
            try OrderEventRow.fetchAll(
                db,
                sql: """
                    SELECT * FROM order_events WHERE callback_state <> 'none' AND (? IS NULL OR retailer_id = ?) AND (? IS NULL OR order_id = ?)
                    ORDER BY id DESC LIMIT ?
                    """,
                arguments: [retailerID, retailerID, orderID, orderID, limit]
            ).map(\.delivery)
        }
    }

    public func callbackAttempts(rowID: Int64) async throws -> [CallbackAttempt] {
        try await read { db in
            try CallbackAttemptRow.fetchAll(db, sql: "SELECT * FROM callback_attempts WHERE event_row_id = ? ORDER BY id", arguments: [rowID])
                .map(\.record)
        }
    }

    public func resendCallback(rowID: Int64, now: Date) async throws -> Bool {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE order_events SET callback_state = 'pending', next_attempt_at = ?, first_attempt_at = NULL, attempts = 0, lease_until = NULL
                    WHERE id = ? AND callback_state <> 'none'
                    """,
                arguments: [now.timeIntervalSince1970, rowID]
            )
            return db.changesCount == 1
        }
    }

    // MARK: Sandbox

    public func insertShopper(retailerID: String, email: String?, phone: String?) async throws -> ShopperRecord? {
        try await write { db in
            if let phone,
                try Bool.fetchOne(
                    db,
                    sql: "SELECT EXISTS (SELECT 1 FROM shoppers WHERE retailer_id = ? AND phone = ?)",
                    arguments: [retailerID, phone]
                ) == true
            {
                return nil
            }
            var row = ShopperRow(retailerID: retailerID, email: email, phone: phone)
            try row.insert(db)
            row.id = db.lastInsertedRowID
            return row.record
        }
    }

    public func shopper(id: Int64) async throws -> ShopperRecord? {
        try await read { db in try ShopperRow.fetchOne(db, sql: "SELECT * FROM shoppers WHERE id = ?", arguments: [id])?.record }
    }

    public func hasActiveBatch(shopperID: Int64) async throws -> Bool {
        try await read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM batches WHERE shopper_id = ? AND state <> 'completed')", arguments: [shopperID])
                ?? false
        }
    }

    public func insertBatch(retailerID: String, shopperID: Int64, orderIDs: [String]) async throws -> BatchRecord? {
        try await write { db in
            if try Bool.fetchOne(
                db,
                sql: "SELECT EXISTS (SELECT 1 FROM batches WHERE shopper_id = ? AND state <> 'completed')",
                arguments: [shopperID]
            ) == true {
                return nil
            }
            var row = BatchRow(retailerID: retailerID, shopperID: shopperID, orderIDs: orderIDs)
            try row.insert(db)
            row.id = db.lastInsertedRowID
            return row.record
        }
    }

    public func batch(id: Int64) async throws -> BatchRecord? {
        try await read { db in try BatchRow.fetchOne(db, sql: "SELECT * FROM batches WHERE id = ?", arguments: [id])?.record }
    }

    public func setBatchState(id: Int64, state: BatchState) async throws {
        try await write { db in try db.execute(sql: "UPDATE batches SET state = ? WHERE id = ?", arguments: [state.rawValue, id]) }
    }
}
