import Foundation
import GRDB
import LastMileCore
import LastMilePostgres
import LastMileSQLite
import LastMileStorage
import LastMileTestSupport
import PostgresNIO
import Testing

/// v7 gave both engines typed columns read through the shared row types (PostgreSQL: timestamptz, jsonb,
/// text[]; SQLite: JSON lists). These tests write rows the way the v6 schema stored them, migrate, and read
/// every one back through the storage API.
@Suite("Migration v7: rows written before it read back unchanged")
struct MigrationTests {
    let t0 = 1_750_000_000.5

    /// Runs SQL on the database directly, as an older server would have.
    func execute(_ sql: [String], on db: TestDatabase) async throws {
        switch db.engine {
        case .sqlite:
            let queue = try DatabaseQueue(path: db.location)
            try await queue.write { conn in for s in sql { try conn.execute(sql: s) } }
            try queue.close()
        case .postgres:
            let client = PostgresClient(configuration: db.postgres!)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await client.run() }
                for s in sql { _ = try await client.query(PostgresQuery(unsafeSQL: s)).collect() }
                group.cancelAll()
            }
        }
    }

    func literal(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }
    func json<T: Encodable>(_ value: T, sorted: Bool = false) throws -> String {
        let encoder = JSONEncoder()
        if sorted { encoder.outputFormatting = .sortedKeys }
        return literal(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    func migrate(_ storage: any Storage, upTo version: String?) async throws {
        switch storage {
        case let s as SQLiteStorage: try await s.migrate(upTo: version)
        case let s as PostgresStorage: try await s.migrate(upTo: version)
        default: Issue.record("unknown engine")
        }
    }

    @Test("every kind of row survives the conversion, and callbacks are still subscribed", arguments: Engine.available)
    func keepsRows(engine: Engine) async throws {
        let db = try await engine.makeDatabase()
        let storage = try db.openUnmigrated()
        try await migrate(storage, upTo: "v6-retention")

        var retailer = Retailer(id: "r1", name: "R1", etaOptionsEnabled: true)
        retailer.callbacks = CallbackConfig(url: "https://example.com/cb", events: [.staged, .delivered])
        let store = sampleStore("S1")
        let address = sampleAddress
        var order = sampleOrder(
            windowStart: Date(timeIntervalSince1970: t0 + 3600),
            windowEnd: Date(timeIntervalSince1970: t0 + 7200),
            createdAt: Date(timeIntervalSince1970: 1_750_000_000)
        )
        order.bagScanCodes = ["B1", "B2"]
        let reason = "Alcohol delivery not allowed at this time"
        try await execute(
            [
                "INSERT INTO retailers (id, config, callback_events) VALUES ('r1', \(try json(retailer, sorted: true)), ' fulfillment.staged fulfillment.delivered ')",
                "INSERT INTO stores (retailer_id, location_code, config) VALUES ('r1', 'S1', \(try json(store, sorted: true)))",
                "INSERT INTO oauth_clients (client_id, retailer_id, secret_hash, scopes, enabled) VALUES ('c1', 'r1', 'hash', 'connect:fulfillment connect:post_checkout', TRUE)",
                "INSERT INTO access_tokens (token_hash, client_id, retailer_id, scopes, issued_at, expires_at, revoked_at) VALUES ('th', 'c1', 'r1', 'connect:fulfillment', \(t0), \(t0 + 86_400), NULL)",
                "INSERT INTO users (retailer_id, user_id, first_name, last_name, phone_number, email, locale, address, created_at) VALUES ('r1', 'u1', 'Ada', NULL, NULL, 'a@example.com', 'fr_CA', \(try json(address)), \(t0))",
                """
                INSERT INTO service_options (id, retailer_id, user_id, location_code, type, window_start, window_end, immediate_hour, local_date,
                    handoff_time, available, reasons, alcoholic, dest_latitude, dest_longitude, travel_minutes, listed_at, cart_total_cents,
                    items_count, units_count)
                VALUES (41, 'r1', 'u1', 'S1', 'scheduled', \(t0 + 3600), \(t0 + 7200), NULL, '2025-06-15', \(t0 + 900), FALSE, \(literal("[\"\(reason)\"]")),
                    TRUE, 37.7, -122.4, 12, \(t0), 6420, 12, 15.5)
                """,
                """
                INSERT INTO holds (id, retailer_id, user_id, service_option_id, location_code, window_start, window_end, dest_latitude, dest_longitude,
                    travel_minutes, created_at, expires_at, status)
                VALUES (5, 'r1', 'u1', 41, 'S1', \(t0 + 3600), \(t0 + 7200), 37.7, -122.4, 12, \(t0), \(t0 + 600), 'active')
                """,
                """
                INSERT INTO orders (id, retailer_id, order_id, user_id, location_code, status, window_start, window_end, travel_minutes, created_at, data,
                    revision, driver_id, busy_until)
                VALUES (9, 'r1', 'o-1', 'u1', 'S1', 'brand_new', \(t0 + 3600), \(t0 + 7200), 12, 1750000000, \(try json(order)), 3, NULL, NULL)
                """,
                """
                INSERT INTO order_events (id, retailer_id, order_id, type, occurred_at, metadata, callback_state, attempts, first_attempt_at,
                    next_attempt_at, lease_until, last_result)
                VALUES (77, 'r1', 'o-1', 'fulfillment.staged', \(t0), '{"order_id":"o-1"}', 'pending', 1, \(t0 + 1), \(t0 + 31), \(t0 + 301), 'HTTP 500')
                """,
                """
                INSERT INTO callback_attempts (event_row_id, attempted_at, status_code, error, duration_ms, outcome)
                VALUES (77, \(t0 + 1), 500, NULL, 40, 'retry')
                """,
                "INSERT INTO shoppers (id, retailer_id, email, phone) VALUES (7001, 'r1', NULL, '+14155550001')",
                "INSERT INTO batches (id, retailer_id, shopper_id, state, order_ids) VALUES (88001, 'r1', 7001, 'at_store', \(literal("[\"o-1\",\"o-2\"]")))",
            ],
            on: db
        )

        try await migrate(storage, upTo: nil)

        #expect(try await storage.retailer(id: "r1") == retailer)
        #expect(try await storage.store(retailerID: "r1", locationCode: "S1") == store)
        #expect(try await storage.oauthClient(id: "c1")?.scopes == [.fulfillment, .postCheckout])
        #expect(
            try await storage.token(hash: "th")
                == AccessTokenRecord(
                    tokenHash: "th",
                    clientID: "c1",
                    retailerID: "r1",
                    scopes: [.fulfillment],
                    issuedAt: Date(timeIntervalSince1970: t0),
                    expiresAt: Date(timeIntervalSince1970: t0 + 86_400)
                )
        )
        let user = try #require(try await storage.user(retailerID: "r1", userID: "u1"))
        #expect(user.address == address && user.locale == .frCA && user.email == "a@example.com" && user.createdAt == Date(timeIntervalSince1970: t0))
        let option = try #require(try await storage.serviceOption(id: 41))
        #expect(option.reasons == [reason] && option.handoffTime == Date(timeIntervalSince1970: t0 + 900) && option.unitsCount == 15.5)
        #expect(option.date == CivilDate(year: 2025, month: 6, day: 15) && option.windowEnd == Date(timeIntervalSince1970: t0 + 7200))
        let hold = try #require(try await storage.hold(id: 5))
        #expect(hold.status == .active && hold.expiresAt == Date(timeIntervalSince1970: t0 + 600) && hold.serviceOptionID == 41)
        var expected = order
        expected.id = 9
        expected.revision = 3
        let stored = try #require(try await storage.order(retailerID: "r1", orderID: "o-1"))
        #expect(stored == expected)
        // v8: the order's address point is a column the capacity check reads (§2.0.5).
        let commitments = try await storage.commitments(
            retailerID: "r1",
            locationCode: "S1",
            now: Date(timeIntervalSince1970: t0),
            excludingHoldOfUser: nil
        )
        #expect(commitments.map(\.destination) == [GeoPoint(latitude: 37.7, longitude: -122.4), order.destination])
        let delivery = try #require(try await storage.callbackDeliveries(retailerID: "r1", orderID: "o-1", limit: 5).first)
        #expect(delivery.rowID == 77 && delivery.state == .pending && delivery.attempts == 1 && delivery.metadata == #"{"order_id":"o-1"}"#)
        #expect(delivery.nextAttemptAt == Date(timeIntervalSince1970: t0 + 31) && delivery.lastResult == "HTTP 500")
        let attempts = try await storage.callbackAttempts(rowID: 77)
        #expect(attempts.map(\.statusCode) == [500] && attempts.first?.next == .retry(at: Date(timeIntervalSince1970: t0 + 1)))
        #expect(try await storage.shopper(id: 7001)?.phone == "+14155550001")
        #expect(
            try await storage.batch(id: 88001)
                == BatchRecord(id: 88001, retailerID: "r1", shopperID: 7001, state: .atStore, orderIDs: ["o-1", "o-2"])
        )

        // The converted subscription still decides which new events are callbacks.
        var staged = stored
        staged.status = .staged
        let now = Date(timeIntervalSince1970: t0 + 60)
        let outcome = try await storage.updateOrder(
            staged,
            expectedStatus: .brandNew,
            events: [CallbackEvents.staged(staged, at: now), CallbackEvents.tip(staged, previous: 0, at: now)],
            now: now,
            recheck: nil
        )
        guard case .updated(let saved) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(saved.revision == 4)
        let log = try await storage.callbackDeliveries(retailerID: "r1", orderID: "o-1", limit: 10)
        #expect(log.map(\.name) == ["fulfillment.staged", "fulfillment.staged"])
        #expect(
            try await storage.orderEvents(retailerID: "r1", orderID: "o-1").map(\.type).suffix(2) == [
                "fulfillment.staged", "fulfillment.tip_adjustment",
            ]
        )
        try await storage.close()
        if engine == .postgres { try await expectTypedColumns(db) }
    }

    /// No instant is a number any more, no list a string: only coordinates and unit counts are doubles.
    func expectTypedColumns(_ db: TestDatabase) async throws {
        let client = PostgresClient(configuration: db.postgres!)
        let columns = try await withThrowingTaskGroup(of: [String: String].self) { group in
            group.addTask {
                await client.run()
                return [:]
            }
            let rows = try await client.query(
                "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public'"
            ).collect()
            group.cancelAll()
            return Dictionary(
                uniqueKeysWithValues: try rows.map { r in
                    let (table, column, type) = try r.decode((String, String, String).self)
                    return ("\(table).\(column)", type)
                }
            )
        }
        #expect(
            columns.filter { $0.value == "double precision" }.keys.sorted()
                == [
                    "holds.dest_latitude", "holds.dest_longitude", "orders.dest_latitude", "orders.dest_longitude", "service_options.dest_latitude",
                    "service_options.dest_longitude",
                    "service_options.units_count",
                ]
        )
        #expect(columns["orders.window_start"] == "timestamp with time zone" && columns["order_events.lease_until"] == "timestamp with time zone")
        #expect(columns["orders.data"] == "jsonb" && columns["retailers.config"] == "jsonb" && columns["users.address"] == "jsonb")
        #expect(
            columns["oauth_clients.scopes"] == "ARRAY" && columns["retailers.callback_events"] == "ARRAY" && columns["batches.order_ids"] == "ARRAY"
        )
        #expect(columns["order_events.metadata"] == "text")
    }
}
