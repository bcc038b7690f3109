import Foundation
import LastMileCore
import LastMileStorage
import PostgresNIO

extension PostgresStorage {
    public func orders(_ q: OrderQuery) async throws -> [OrderRecord] {
        let names = q.statuses.map(\.rawValue)
        let (anyDriver, noDriver, driver): (Bool, Bool, String?) =
            switch q.driver {
            case .any: (true, false, nil)
            case .none: (false, true, nil)
            case .is_(let id): (false, false, id)
            }
        return try await fetch(
            OrderRow.self,
            """
            SELECT * FROM orders WHERE retailer_id = \(q.retailerID) AND status = ANY(\(names)) AND id > \(q.afterRowID) AND id < \(q.beforeRowID)
                AND (\(q.locationCode)::TEXT IS NULL OR location_code = \(q.locationCode))
                AND (\(anyDriver) OR (\(noDriver) AND driver_id IS NULL) OR driver_id = \(driver))
            ORDER BY id \(unescaped: q.newestFirst ? "DESC" : "ASC") LIMIT \(Int64(q.limit))
            """
        ).map(\.record)
    }

    public func storesWithOrders(inStatuses statuses: [OrderStatus]) async throws -> [StoreKey] {
        let names = statuses.map(\.rawValue)
        return try await rows(
            """
            SELECT DISTINCT retailer_id, location_code FROM orders WHERE status = ANY(\(names)) ORDER BY retailer_id, location_code
            """
        ).map { StoreKey(retailerID: try $0["retailer_id"].decode(String.self), locationCode: try $0["location_code"].decode(String.self)) }
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
        // SKIP LOCKED: workers of several servers never claim the same row; the lease keeps it theirs
        // after the transaction until the attempt is recorded (or the lease runs out after a crash).
        return try await fetch(
            OrderEventRow.self,
            """
            UPDATE order_events SET lease_until = \(until) WHERE id IN (
                SELECT id FROM order_events WHERE callback_state = 'pending' AND next_attempt_at <= \(due)
                    AND (lease_until IS NULL OR lease_until <= \(leaseNow)) AND retailer_id <> ALL(\(excludingRetailers))
                    AND (\(onlyRetailer)::TEXT IS NULL OR retailer_id = \(onlyRetailer))
                ORDER BY next_attempt_at, id LIMIT \(Int64(limit)) FOR UPDATE SKIP LOCKED)
            RETURNING *
            """
        ).map(\.delivery).sorted { $0.rowID < $1.rowID }
    }

    public func recordCallbackAttempts(_ attempts: [CallbackAttempt]) async throws {
        try await transaction { conn in
            for a in attempts {
                let (state, next, _) = CallbackAttempt.columns(a.next)
                try await self.exec(Self.insert(CallbackAttemptRow(a), into: CallbackAttemptRow.table), conn)
                // The lease as read back from timestamptz (microseconds) may differ from the claimed one below a
                // millisecond; two leases of one row are minutes apart.
                try await self.exec(
                    """
                    UPDATE order_events SET attempts = attempts + 1, first_attempt_at = COALESCE(first_attempt_at, \(a.at)),
                        callback_state = \(state), next_attempt_at = \(next), lease_until = NULL, last_result = \(a.summary)
                    WHERE id = \(a.rowID) AND callback_state = 'pending'
                        AND (\(a.leaseUntil)::TIMESTAMPTZ IS NULL OR abs(extract(epoch FROM lease_until - \(a.leaseUntil)::TIMESTAMPTZ)) < 0.001)
                    """,
                    conn
                )
            }
        }
    }

    public func callbackDeliveries(retailerID: String?, orderID: String?, limit: Int) async throws -> [CallbackDelivery] {
        try await fetch(
            OrderEventRow.self,
            """
            SELECT * FROM order_events WHERE callback_state <> 'none'
                AND (\(retailerID)::TEXT IS NULL OR retailer_id = \(retailerID)) AND (\(orderID)::TEXT IS NULL OR order_id = \(orderID))
            ORDER BY id DESC LIMIT \(Int64(limit))
            """
        ).map(\.delivery)
    }

    public func callbackAttempts(rowID: Int64) async throws -> [CallbackAttempt] {
        try await fetch(CallbackAttemptRow.self, "SELECT * FROM callback_attempts WHERE event_row_id = \(rowID) ORDER BY id").map(\.record)
    }

    public func resendCallback(rowID: Int64, now: Date) async throws -> Bool {
        try await !rows(
            """
            UPDATE order_events SET callback_state = 'pending', next_attempt_at = \(now), first_attempt_at = NULL, attempts = 0, lease_until = NULL
            WHERE id = \(rowID) AND callback_state <> 'none' RETURNING id
            """
        ).isEmpty
    }

    // MARK: Sandbox

    public func insertShopper(retailerID: String, email: String?, phone: String?) async throws -> ShopperRecord? {
        do {
            var row = ShopperRow(retailerID: retailerID, email: email, phone: phone)
            row.id = try await rows(Self.insert(row, into: ShopperRow.table, "RETURNING id"))[0]["id"].decode(Int64.self)
            return row.record
        } catch let e as PSQLError where e.serverInfo?[.sqlState] == "23505" { return nil }
    }

    public func shopper(id: Int64) async throws -> ShopperRecord? {
        try await fetch(ShopperRow.self, "SELECT * FROM shoppers WHERE id = \(id)").first?.record
    }

    public func hasActiveBatch(shopperID: Int64) async throws -> Bool {
        try await !rows("SELECT 1 FROM batches WHERE shopper_id = \(shopperID) AND state <> 'completed'").isEmpty
    }

    public func insertBatch(retailerID: String, shopperID: Int64, orderIDs: [String]) async throws -> BatchRecord? {
        do {
            var row = BatchRow(retailerID: retailerID, shopperID: shopperID, orderIDs: orderIDs)
            row.id = try await rows(Self.insert(row, into: BatchRow.table, "RETURNING id"))[0]["id"].decode(Int64.self)
            return row.record
        } catch let e as PSQLError where e.serverInfo?[.sqlState] == "23505" { return nil }
    }

    public func batch(id: Int64) async throws -> BatchRecord? {
        try await fetch(BatchRow.self, "SELECT * FROM batches WHERE id = \(id)").first?.record
    }

    public func setBatchState(id: Int64, state: BatchState) async throws {
        try await exec("UPDATE batches SET state = \(state.rawValue) WHERE id = \(id)")
    }
}
