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
            try await self.lock("user|\(o.retailerID)|\(o.userID)", then: Self.storeKey(o.retailerID, o.locationCode), conn)
            // Any reserve replaces the user's hold, whether or not it takes a new one.
            guard o.isLive(at: request.now), o.available else {
                try await self.exec(
                    "UPDATE holds SET status = 'released' WHERE retailer_id = \(o.retailerID) AND user_id = \(o.userID) AND status = 'active'",
                    conn
                )
                return o.isLive(at: request.now) ? .notAvailable : .expired
            }
            let commitments = try await self.loadCommitments(
                conn,
                retailerID: o.retailerID,
                locationCode: o.locationCode,
                now: request.now,
                excludingHoldOfUser: nil,
                releasingHoldsOfUser: o.userID
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
        var q = PostgresQuery(unsafeSQL: Self.insertEventSQL(firstBind: 1))
        Self.appendEventBinds(o, e, to: &q.binds)
        try await exec(q, conn)
    }

    /// The event insert with its five binds numbered from `firstBind` (so it can join another statement):
    /// retailer, order id, type, instant, metadata.
    static func insertEventSQL(firstBind b: Int) -> String {
        """
        INSERT INTO order_events (retailer_id, order_id, type, occurred_at, metadata, callback_state, next_attempt_at)
        VALUES ($\(b), $\(b + 1), $\(b + 2), $\(b + 3), $\(b + 4),
            COALESCE((SELECT CASE WHEN '*' = ANY(callback_events) OR $\(b + 2) = ANY(callback_events) THEN 'pending' END
                      FROM retailers WHERE id = $\(b)), 'none'), $\(b + 3))
        """
    }

    static func appendEventBinds(_ o: OrderRecord, _ e: OrderEvent, to binds: inout PostgresBindings) {
        binds.append(o.retailerID)
        binds.append(o.orderID)
        binds.append(e.type)
        binds.append(e.occurredAt)
        binds.append(e.metadata)
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
                // The order id and the hold in one round trip; the hold's row stays locked to the commit, so a
                // reserve elsewhere cannot release it meanwhile.
                let found = try await self.rows(
                    """
                    SELECT (SELECT id FROM orders WHERE retailer_id = \(order.retailerID) AND order_id = \(order.orderID)) AS existing,
                           (SELECT status FROM holds WHERE id = \(holdID) AND retailer_id = \(order.retailerID) FOR UPDATE) AS hold_status
                    """,
                    conn
                )[0]
                if try found["existing"].decode(Int64?.self) != nil,
                    let existing = try await self.fetch(
                        OrderRow.self,
                        "SELECT * FROM orders WHERE retailer_id = \(order.retailerID) AND order_id = \(order.orderID)",
                        conn
                    ).first
                {
                    return .existing(existing.record)
                }
                if holdID != nil {
                    guard let status = try found["hold_status"].decode(String?.self) else { return .holdNotFound }
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
                // The order, its hold consumed and its first event in one statement.
                var write = try Self.insert(OrderRow(created), into: OrderRow.table, "RETURNING id")
                let event = CallbackEvents.brandNew(created, at: now)
                let n = write.binds.count
                write.sql = """
                    WITH inserted AS (\(write.sql)),
                    consumed AS (UPDATE holds SET status = 'consumed' WHERE id = $\(n + 1)),
                    event AS (\(Self.insertEventSQL(firstBind: n + 2)))
                    SELECT id FROM inserted
                    """
                write.binds.append(holdID)
                Self.appendEventBinds(created, event, to: &write.binds)
                let row = try await self.rows(write, conn)
                created.id = try row[0]["id"].decode(Int64.self)
                created.revision = 0
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
