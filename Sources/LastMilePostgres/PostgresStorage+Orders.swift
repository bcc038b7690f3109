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
            let expires = request.now.addingTimeInterval(ReserveRequest.holdLifetime)
            let ws = request.window.start.timeIntervalSince1970
            let we = request.window.end.timeIntervalSince1970
            let now = request.now.timeIntervalSince1970
            let exp = expires.timeIntervalSince1970
            let travel = Int64(o.travelMinutes)
            let row = try await self.rows(
                """
                INSERT INTO holds (retailer_id, user_id, service_option_id, location_code, window_start, window_end, dest_latitude,
                    dest_longitude, travel_minutes, created_at, expires_at, status)
                VALUES (\(o.retailerID), \(o.userID), \(o.id), \(o.locationCode), \(ws), \(we), \(o.destination.latitude),
                    \(o.destination.longitude), \(travel), \(now), \(exp), 'active') RETURNING id
                """,
                conn
            )
            return .held(
                HoldRecord(
                    id: try row[0]["id"].decode(Int64.self),
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
        try await guarded {
            try await rows("SELECT * FROM holds WHERE id = \(id)").first.map { r in
                HoldRecord(
                    id: try r["id"].decode(Int64.self),
                    retailerID: try r["retailer_id"].decode(String.self),
                    userID: try r["user_id"].decode(String.self),
                    serviceOptionID: try r["service_option_id"].decode(Int64.self),
                    locationCode: try r["location_code"].decode(String.self),
                    windowStart: Codecs.date(try r["window_start"].decode(Double.self)),
                    windowEnd: Codecs.date(try r["window_end"].decode(Double.self)),
                    destination: GeoPoint(
                        latitude: try r["dest_latitude"].decode(Double.self),
                        longitude: try r["dest_longitude"].decode(Double.self)
                    ),
                    travelMinutes: Int(try r["travel_minutes"].decode(Int64.self)),
                    createdAt: Codecs.date(try r["created_at"].decode(Double.self)),
                    expiresAt: Codecs.date(try r["expires_at"].decode(Double.self)),
                    status: HoldRecord.Status(rawValue: try r["status"].decode(String.self)) ?? .released
                )
            }
        }
    }

    // MARK: Orders

    static func encode(_ o: OrderRecord) throws -> String { String(decoding: try JSONEncoder().encode(o), as: UTF8.self) }

    static func decodeOrder(_ r: PostgresRandomAccessRow) throws -> OrderRecord {
        var o = try JSONDecoder().decode(OrderRecord.self, from: Data(try r["data"].decode(String.self).utf8))
        o.id = try r["id"].decode(Int64.self)
        o.revision = try r["revision"].decode(Int64.self)
        return o
    }

    /// Records the event; it is also a pending callback when the retailer subscribes to it now (§3.1).
    func insertEvent(_ o: OrderRecord, _ e: OrderEvent, _ conn: PostgresConnection) async throws {
        let t = e.occurredAt.timeIntervalSince1970
        try await exec(
            """
            INSERT INTO order_events (retailer_id, order_id, type, occurred_at, metadata, callback_state, next_attempt_at)
            VALUES (\(o.retailerID), \(o.orderID), \(e.type), \(t), \(e.metadata),
                COALESCE((SELECT CASE WHEN callback_events = '*' OR strpos(callback_events, ' ' || \(e.type) || ' ') > 0 THEN 'pending' END
                          FROM retailers WHERE id = \(o.retailerID)), 'none'), \(t))
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
                if let row = try await self.rows("SELECT * FROM orders WHERE retailer_id = \(order.retailerID) AND order_id = \(order.orderID)", conn)
                    .first
                {
                    return .existing(try Self.decodeOrder(row))
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
                let status = created.status.rawValue
                let ws = created.windowStart.timeIntervalSince1970
                let we = created.windowEnd.timeIntervalSince1970
                let travel = Int64(created.travelMinutes)
                let at = created.createdAt.timeIntervalSince1970
                let data = try Self.encode(created)
                let row = try await self.rows(
                    """
                    INSERT INTO orders (retailer_id, order_id, user_id, location_code, status, window_start, window_end, travel_minutes, created_at, data)
                    VALUES (\(created.retailerID), \(created.orderID), \(created.userID), \(created.locationCode), \(status), \(ws), \(we), \(travel), \(at), \(data))
                    RETURNING id
                    """,
                    conn
                )
                created.id = try row[0]["id"].decode(Int64.self)
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
        try await guarded {
            try await rows("SELECT * FROM orders WHERE retailer_id = \(retailerID) AND order_id = \(orderID)").first.map(Self.decodeOrder)
        }
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
            let status = order.status.rawValue
            let ws = order.windowStart.timeIntervalSince1970
            let we = order.windowEnd.timeIntervalSince1970
            let travel = Int64(order.travelMinutes)
            let data = try Self.encode(order)
            let expected = expectedStatus.rawValue
            let revision = order.revision ?? 0
            let driver = order.capacityAssignment?.driverID
            let busy = order.capacityAssignment?.busyUntil.timeIntervalSince1970
            let updated = try await self.rows(
                """
                UPDATE orders SET status = \(status), window_start = \(ws), window_end = \(we), travel_minutes = \(travel), data = \(data),
                    revision = revision + 1, driver_id = \(driver), busy_until = \(busy)
                WHERE retailer_id = \(order.retailerID) AND order_id = \(order.orderID) AND status = \(expected) AND revision = \(revision)
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
        try await guarded {
            try await rows(
                "SELECT type, occurred_at, metadata FROM order_events WHERE retailer_id = \(retailerID) AND order_id = \(orderID) ORDER BY id"
            )
            .map {
                OrderEvent(
                    type: try $0["type"].decode(String.self),
                    occurredAt: Codecs.date(try $0["occurred_at"].decode(Double.self)),
                    metadata: try $0["metadata"].decode(String.self)
                )
            }
        }
    }
}
