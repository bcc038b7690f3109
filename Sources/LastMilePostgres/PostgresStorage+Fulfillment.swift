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
        return try await rows(
            """
            SELECT * FROM orders WHERE retailer_id = \(q.retailerID) AND status = ANY(\(names)) AND id > \(q.afterRowID)
                AND (\(q.locationCode)::TEXT IS NULL OR location_code = \(q.locationCode))
                AND (\(anyDriver) OR (\(noDriver) AND driver_id IS NULL) OR driver_id = \(driver))
            ORDER BY id LIMIT \(Int64(q.limit))
            """
        ).map(Self.decodeOrder)
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

    static func delivery(_ r: PostgresRandomAccessRow) throws -> CallbackDelivery {
        CallbackDelivery(
            rowID: try r["id"].decode(Int64.self),
            retailerID: try r["retailer_id"].decode(String.self),
            orderID: try r["order_id"].decode(String.self),
            name: try r["type"].decode(String.self),
            occurredAt: Codecs.date(try r["occurred_at"].decode(Double.self)),
            metadata: try r["metadata"].decode(String.self),
            state: CallbackDelivery.State(rawValue: try r["callback_state"].decode(String.self)) ?? .pending,
            attempts: Int(try r["attempts"].decode(Int64.self)),
            firstAttemptAt: try r["first_attempt_at"].decode(Double?.self).map(Codecs.date),
            nextAttemptAt: try r["next_attempt_at"].decode(Double?.self).map(Codecs.date),
            lastResult: try r["last_result"].decode(String?.self),
            leaseUntil: try r["lease_until"].decode(Double?.self)
        )
    }

    public func claimCallbacks(
        due: Date,
        leaseNow: Date,
        limit: Int,
        lease: TimeInterval,
        excludingRetailers: [String],
        onlyRetailer: String?
    ) async throws -> [CallbackDelivery] {
        let t = due.timeIntervalSince1970
        let w = leaseNow.timeIntervalSince1970
        let until = w + lease
        let n = Int64(limit)
        // SKIP LOCKED: workers of several servers never claim the same row; the lease keeps it theirs
        // after the transaction until the attempt is recorded (or the lease runs out after a crash).
        return try await guarded {
            try await rows(
                """
                UPDATE order_events SET lease_until = \(until) WHERE id IN (
                    SELECT id FROM order_events WHERE callback_state = 'pending' AND next_attempt_at <= \(t)
                        AND (lease_until IS NULL OR lease_until <= \(w)) AND retailer_id <> ALL(\(excludingRetailers))
                        AND (\(onlyRetailer)::TEXT IS NULL OR retailer_id = \(onlyRetailer))
                    ORDER BY next_attempt_at, id LIMIT \(n) FOR UPDATE SKIP LOCKED)
                RETURNING *
                """
            ).map(Self.delivery).sorted { $0.rowID < $1.rowID }
        }
    }

    public func recordCallbackAttempts(_ attempts: [CallbackAttempt]) async throws {
        try await transaction { conn in
            for a in attempts {
                let (state, next, outcome) = CallbackAttempt.columns(a.next)
                let at = a.at.timeIntervalSince1970
                let code = a.statusCode.map(Int64.init)
                let ms = Int64(a.durationMilliseconds)
                let summary = a.summary
                try await self.exec(
                    """
                    INSERT INTO callback_attempts (event_row_id, attempted_at, status_code, error, duration_ms, outcome)
                    VALUES (\(a.rowID), \(at), \(code), \(a.error), \(ms), \(outcome))
                    """,
                    conn
                )
                try await self.exec(
                    """
                    UPDATE order_events SET attempts = attempts + 1, first_attempt_at = COALESCE(first_attempt_at, \(at)),
                        callback_state = \(state), next_attempt_at = \(next), lease_until = NULL, last_result = \(summary)
                    WHERE id = \(a.rowID) AND callback_state = 'pending' AND (\(a.leaseUntil)::DOUBLE PRECISION IS NULL OR lease_until = \(a.leaseUntil))
                    """,
                    conn
                )
            }
        }
    }

    public func callbackDeliveries(retailerID: String?, orderID: String?, limit: Int) async throws -> [CallbackDelivery] {
        try await guarded {
            try await rows(
                """
                SELECT * FROM order_events WHERE callback_state <> 'none'
                    AND (\(retailerID)::TEXT IS NULL OR retailer_id = \(retailerID)) AND (\(orderID)::TEXT IS NULL OR order_id = \(orderID))
                ORDER BY id DESC LIMIT \(Int64(limit))
                """
            ).map(Self.delivery)
        }
    }

    public func callbackAttempts(rowID: Int64) async throws -> [CallbackAttempt] {
        try await guarded {
            try await rows("SELECT * FROM callback_attempts WHERE event_row_id = \(rowID) ORDER BY id").map { r in
                let outcome = try r["outcome"].decode(String.self)
                let at = Codecs.date(try r["attempted_at"].decode(Double.self))
                return CallbackAttempt(
                    rowID: rowID,
                    at: at,
                    statusCode: try r["status_code"].decode(Int64?.self).map(Int.init),
                    error: try r["error"].decode(String?.self),
                    durationMilliseconds: Int(try r["duration_ms"].decode(Int64.self)),
                    next: outcome == "delivered" ? .delivered : outcome == "retry" ? .retry(at: at) : .abandon
                )
            }
        }
    }

    public func resendCallback(rowID: Int64, now: Date) async throws -> Bool {
        let t = now.timeIntervalSince1970
        return try await guarded {
            try await !rows(
                """
                UPDATE order_events SET callback_state = 'pending', next_attempt_at = \(t), first_attempt_at = NULL, attempts = 0, lease_until = NULL
                WHERE id = \(rowID) AND callback_state <> 'none' RETURNING id
                """
            ).isEmpty
        }
    }

    // MARK: Sandbox

    public func insertShopper(retailerID: String, email: String?, phone: String?) async throws -> ShopperRecord? {
        do {
            return try await guarded {
                let r = try await rows("INSERT INTO shoppers (retailer_id, email, phone) VALUES (\(retailerID), \(email), \(phone)) RETURNING id")
                return ShopperRecord(id: try r[0]["id"].decode(Int64.self), retailerID: retailerID, email: email, phone: phone)
            }
        } catch let e as PSQLError where e.serverInfo?[.sqlState] == "23505" { return nil }
    }

    public func shopper(id: Int64) async throws -> ShopperRecord? {
        try await guarded {
            try await rows("SELECT * FROM shoppers WHERE id = \(id)").first.map {
                ShopperRecord(
                    id: try $0["id"].decode(Int64.self),
                    retailerID: try $0["retailer_id"].decode(String.self),
                    email: try $0["email"].decode(String?.self),
                    phone: try $0["phone"].decode(String?.self)
                )
            }
        }
    }

    public func hasActiveBatch(shopperID: Int64) async throws -> Bool {
        try await guarded { try await !rows("SELECT 1 FROM batches WHERE shopper_id = \(shopperID) AND state <> 'completed'").isEmpty }
    }

    public func insertBatch(retailerID: String, shopperID: Int64, orderIDs: [String]) async throws -> BatchRecord? {
        let ids = Codecs.strings(orderIDs)
        do {
            return try await guarded {
                let r = try await rows(
                    """
                    INSERT INTO batches (retailer_id, shopper_id, state, order_ids) VALUES (\(retailerID), \(shopperID), 'brand_new', \(ids)) RETURNING id
                    """
                )
                return BatchRecord(
                    id: try r[0]["id"].decode(Int64.self),
                    retailerID: retailerID,
                    shopperID: shopperID,
                    state: .brandNew,
                    orderIDs: orderIDs
                )
            }
        } catch let e as PSQLError where e.serverInfo?[.sqlState] == "23505" { return nil }
    }

    public func batch(id: Int64) async throws -> BatchRecord? {
        try await guarded {
            try await rows("SELECT * FROM batches WHERE id = \(id)").first.map {
                BatchRecord(
                    id: try $0["id"].decode(Int64.self),
                    retailerID: try $0["retailer_id"].decode(String.self),
                    shopperID: try $0["shopper_id"].decode(Int64.self),
                    state: BatchState(rawValue: try $0["state"].decode(String.self)) ?? .completed,
                    orderIDs: Codecs.strings(try $0["order_ids"].decode(String.self))
                )
            }
        }
    }

    public func setBatchState(id: Int64, state: BatchState) async throws {
        try await guarded { try await exec("UPDATE batches SET state = \(state.rawValue) WHERE id = \(id)") }
    }
}
