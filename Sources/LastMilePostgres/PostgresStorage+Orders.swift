import Foundation
import LastMileCore
import LastMileStorage
import PostgresNIO

extension PostgresStorage {
    // MARK: Holds

    public func reserve(_ request: ReserveRequest, check: @escaping @Sendable ([Commitment]) -> Bool) async throws -> ReserveOutcome {
        let o = request.option
        return try await transaction { conn in
            // User first, then store: every path takes them in this order, so none can deadlock.
            try await self.lock("user|\(o.retailerID)|\(o.userID)", conn)
            try await self.lock(Self.storeKey(o.retailerID, o.locationCode), conn)
            try await self.exec(
                "UPDATE holds SET status = 'released' WHERE retailer_id = \(o.retailerID) AND user_id = \(o.userID) AND status = 'active'",
                conn
            )
            guard o.isLive(at: request.now) else { return .expired }
            guard o.available else { return .notAvailable }
            let commitments = try await self.loadCommitments(
                conn,
                retailerID: o.retailerID,
                locationCode: o.locationCode,
                now: request.now,
                excludingHoldOfUser: nil
            )
            guard check(commitments) else { return .full }
            var hold = request.newHold
            let row = try await self.rows(Self.insert(HoldRow(hold), into: HoldRow.table, "RETURNING id"), conn)
            hold.id = try row[0]["id"].decode(Int64.self)
            return .held(hold)
        }
    }

    public func hold(id: Int64) async throws -> HoldRecord? {
        try await fetch(HoldRow.self, "SELECT * FROM holds WHERE id = \(id)").first?.record
    }

    // MARK: Orders

    /// Records the event; it is also a pending callback when the retailer subscribes to it now (§3.1).
    func insertEvent(_ o: OrderRecord, _ e: OrderEvent, _ conn: PostgresConnection) async throws {
        try await exec(
            """
            INSERT INTO order_events (retailer_id, order_id, type, occurred_at, metadata, callback_state, next_attempt_at)
            VALUES (\(o.retailerID), \(o.orderID), \(e.type), \(e.occurredAt), \(e.metadata),
                COALESCE((SELECT CASE WHEN '*' = ANY(callback_events) OR \(e.type) = ANY(callback_events) THEN 'pending' END
                          FROM retailers WHERE id = \(o.retailerID)), 'none'), \(e.occurredAt))
            """,
            conn
        )
    }

    public func createOrder(
        _ order: OrderRecord,
        holdID: Int64?,
        now: Date,
        decide: @escaping @Sendable ([Commitment]) -> BookingDecision?
    ) async throws -> CreateOrderOutcome {
        do {
            return try await transaction { conn in
                try await self.lock(Self.storeKey(order.retailerID, order.locationCode), conn)
                if let existing = try await self.fetch(
                    OrderRow.self,
                    "SELECT * FROM orders WHERE retailer_id = \(order.retailerID) AND order_id = \(order.orderID)",
                    conn
                ).first {
                    return .existing(existing.record)
                }
                if let holdID {
                    guard
                        let h = try await self.rows(
                            "SELECT status FROM holds WHERE id = \(holdID) AND retailer_id = \(order.retailerID) FOR UPDATE",
                            conn
                        ).first
                    else { return .holdNotFound }
                    let status = try h["status"].decode(String.self)
                    if status == HoldRecord.Status.consumed.rawValue { return .holdUsed }
                    if status == HoldRecord.Status.released.rawValue { return .holdNotFound }
                }
                let commitments = try await self.loadCommitments(
                    conn,
                    retailerID: order.retailerID,
                    locationCode: order.locationCode,
                    now: now,
                    excludingHoldOfUser: nil
                ).filter { $0.id != holdID }
                guard let decision = decide(commitments) else { return .full }
                var created = order
                created.holdID = holdID
                created.book(decision)
                let row = try await self.rows(Self.insert(OrderRow(created), into: OrderRow.table, "RETURNING id"), conn)
                created.id = try row[0]["id"].decode(Int64.self)
                created.revision = 0
                if let holdID { try await self.exec("UPDATE holds SET status = 'consumed' WHERE id = \(holdID)", conn) }
                try await self.insertEvent(created, CallbackEvents.brandNew(created, at: now), conn)
                return .created(created)
            }
        } catch let e as PSQLError where e.serverInfo?[.sqlState] == "23505" {
            // The same order_id was created at another store meanwhile (different store locks): it exists now.
            guard let existing = try await self.order(retailerID: order.retailerID, orderID: order.orderID) else { throw e }
            return .existing(existing)
        }
    }

    public func order(retailerID: String, orderID: String) async throws -> OrderRecord? {
        try await fetch(OrderRow.self, "SELECT * FROM orders WHERE retailer_id = \(retailerID) AND order_id = \(orderID)").first?.record
    }

    public func updateOrder(
        _ order: OrderRecord,
        expectedStatus: OrderStatus,
        events: [OrderEvent],
        now: Date,
        recheck: (@Sendable ([Commitment]) -> BookingDecision?)?
    ) async throws -> OrderUpdateOutcome {
        try await transaction { conn in
            var order = order
            if let recheck {
                try await self.lock(Self.storeKey(order.retailerID, order.locationCode), conn)
                let own = order.id + OrderRecord.commitmentIDOffset
                let commitments = try await self.loadCommitments(
                    conn,
                    retailerID: order.retailerID,
                    locationCode: order.locationCode,
                    now: now,
                    excludingHoldOfUser: nil
                ).filter { $0.id != own }
                guard let decision = recheck(commitments) else { return .full }
                order.book(decision)
            }
            let revision = order.revision ?? 0
            let row = OrderRow(order)
            let updated = try await self.rows(
                """
                UPDATE orders SET status = \(row.status), window_start = \(row.window_start), window_end = \(row.window_end),
                    travel_minutes = \(row.travel_minutes), data = \(row.data), revision = revision + 1, driver_id = \(row.driver_id),
                    busy_until = \(row.busy_until), dest_latitude = \(row.dest_latitude), dest_longitude = \(row.dest_longitude)
                WHERE retailer_id = \(order.retailerID) AND order_id = \(order.orderID) AND status = \(expectedStatus.rawValue)
                    AND revision = \(revision)
                RETURNING id
                """,
                conn
            )
            guard !updated.isEmpty else { return .statusChanged }
            for event in events { try await self.insertEvent(order, event, conn) }
            order.revision = revision + 1
            return .updated(order)
        }
    }

    public func orderEvents(retailerID: String, orderID: String) async throws -> [OrderEvent] {
        try await fetch(
            OrderEventRow.self,
            "SELECT * FROM order_events WHERE retailer_id = \(retailerID) AND order_id = \(orderID) ORDER BY id"
        ).map(\.event)
    }
}
