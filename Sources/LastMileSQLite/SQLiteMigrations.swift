import Foundation
import GRDB
import LastMileStorage

/// Versioned schema of the SQLite engine. Times are REAL seconds since the Unix epoch, lists and documents
/// JSON text; rows are read and written through the row types both engines share (LastMileStorage/Rows.swift).
enum SQLiteMigrations {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1-foundation") { db in
            try db.execute(
                sql: """
                    CREATE TABLE retailers (
                        id TEXT PRIMARY KEY,
                        config TEXT NOT NULL
                    );
                    CREATE TABLE oauth_clients (
                        client_id TEXT PRIMARY KEY,
                        retailer_id TEXT NOT NULL REFERENCES retailers(id),
                        secret_hash TEXT NOT NULL,
                        scopes TEXT NOT NULL,
                        enabled INTEGER NOT NULL
                    );
                    CREATE TABLE stores (
                        retailer_id TEXT NOT NULL REFERENCES retailers(id),
                        location_code TEXT NOT NULL,
                        config TEXT NOT NULL,
                        PRIMARY KEY (retailer_id, location_code)
                    );
                    CREATE TABLE access_tokens (
                        token_hash TEXT PRIMARY KEY,
                        client_id TEXT NOT NULL,
                        retailer_id TEXT NOT NULL,
                        scopes TEXT NOT NULL,
                        issued_at REAL NOT NULL,
                        expires_at REAL NOT NULL,
                        revoked_at REAL
                    );
                    CREATE TABLE users (
                        retailer_id TEXT NOT NULL,
                        user_id TEXT NOT NULL,
                        first_name TEXT,
                        last_name TEXT,
                        phone_number TEXT,
                        email TEXT,
                        locale TEXT,
                        address TEXT,
                        created_at REAL NOT NULL,
                        PRIMARY KEY (retailer_id, user_id)
                    );
                    CREATE TABLE id_sequences (
                        name TEXT PRIMARY KEY,
                        last_value INTEGER NOT NULL
                    );
                    INSERT INTO id_sequences (name, last_value) VALUES ('service_option', 0);
                    CREATE TABLE service_options (
                        id INTEGER PRIMARY KEY,
                        retailer_id TEXT NOT NULL,
                        user_id TEXT NOT NULL,
                        location_code TEXT NOT NULL,
                        type TEXT NOT NULL,
                        window_start REAL NOT NULL,
                        window_end REAL NOT NULL,
                        immediate_hour INTEGER,
                        local_date TEXT NOT NULL,
                        handoff_time REAL,
                        available INTEGER NOT NULL,
                        reasons TEXT NOT NULL,
                        alcoholic INTEGER NOT NULL,
                        dest_latitude REAL NOT NULL,
                        dest_longitude REAL NOT NULL,
                        travel_minutes INTEGER NOT NULL,
                        listed_at REAL NOT NULL,
                        cart_total_cents INTEGER,
                        items_count INTEGER,
                        units_count REAL
                    );
                    CREATE INDEX service_options_listed ON service_options (listed_at);
                    """
            )
        }
        m.registerMigration("v2-holds") { db in
            try db.execute(
                sql: """
                    CREATE TABLE holds (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        retailer_id TEXT NOT NULL,
                        user_id TEXT NOT NULL,
                        service_option_id INTEGER NOT NULL,
                        location_code TEXT NOT NULL,
                        window_start REAL NOT NULL,
                        window_end REAL NOT NULL,
                        dest_latitude REAL NOT NULL,
                        dest_longitude REAL NOT NULL,
                        travel_minutes INTEGER NOT NULL,
                        created_at REAL NOT NULL,
                        expires_at REAL NOT NULL,
                        status TEXT NOT NULL CHECK (status IN ('active', 'released', 'consumed'))
                    );
                    -- One hold per user: the database refuses a second unreleased, unconsumed hold.
                    CREATE UNIQUE INDEX holds_one_active_per_user ON holds (retailer_id, user_id) WHERE status = 'active';
                    CREATE INDEX holds_by_store ON holds (retailer_id, location_code, expires_at) WHERE status = 'active';
                    """
            )
        }
        m.registerMigration("v3-orders") { db in
            try db.execute(
                sql: """
                    CREATE TABLE orders (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        retailer_id TEXT NOT NULL,
                        order_id TEXT NOT NULL,
                        user_id TEXT,
                        location_code TEXT NOT NULL,
                        status TEXT NOT NULL,
                        window_start REAL NOT NULL,
                        window_end REAL NOT NULL,
                        travel_minutes INTEGER NOT NULL,
                        created_at REAL NOT NULL,
                        data TEXT NOT NULL,
                        -- order_id is unique per retailer forever, canceled orders included.
                        UNIQUE (retailer_id, order_id)
                    );
                    CREATE INDEX orders_by_store ON orders (retailer_id, location_code, status);
                    CREATE TABLE order_events (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        retailer_id TEXT NOT NULL,
                        order_id TEXT NOT NULL,
                        type TEXT NOT NULL,
                        occurred_at REAL NOT NULL
                    );
                    CREATE INDEX order_events_by_order ON order_events (retailer_id, order_id, id);
                    """
            )
        }
        m.registerMigration("v4-fulfillment") { db in
            try db.execute(
                sql: """
                    ALTER TABLE orders ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
                    -- The accepted order's driver and planned return: the capacity check keeps it with that driver.
                    ALTER TABLE orders ADD COLUMN driver_id TEXT;
                    ALTER TABLE orders ADD COLUMN busy_until REAL;
                    CREATE INDEX orders_in_fulfillment ON orders (status, id);
                    -- NULL = no callbacks; '*' = every event; else ' name name ' (what insertEvent matches).
                    ALTER TABLE retailers ADD COLUMN callback_events TEXT;
                    -- order_events doubles as the callback outbox: a subscribed event is 'pending' from the
                    -- transaction that changed the order, so a crash cannot lose it.
                    ALTER TABLE order_events ADD COLUMN metadata TEXT NOT NULL DEFAULT '{}';
                    ALTER TABLE order_events ADD COLUMN callback_state TEXT NOT NULL DEFAULT 'none';
                    ALTER TABLE order_events ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE order_events ADD COLUMN first_attempt_at REAL;
                    ALTER TABLE order_events ADD COLUMN next_attempt_at REAL;
                    ALTER TABLE order_events ADD COLUMN lease_until REAL;
                    ALTER TABLE order_events ADD COLUMN last_result TEXT;
                    CREATE INDEX order_events_due ON order_events (next_attempt_at) WHERE callback_state = 'pending';
                    CREATE TABLE callback_attempts (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        event_row_id INTEGER NOT NULL REFERENCES order_events(id),
                        attempted_at REAL NOT NULL,
                        status_code INTEGER,
                        error TEXT,
                        duration_ms INTEGER NOT NULL,
                        outcome TEXT NOT NULL
                    );
                    CREATE INDEX callback_attempts_by_event ON callback_attempts (event_row_id, id);
                    CREATE TABLE shoppers (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        retailer_id TEXT NOT NULL,
                        email TEXT,
                        phone TEXT
                    );
                    CREATE UNIQUE INDEX shoppers_phone ON shoppers (retailer_id, phone) WHERE phone IS NOT NULL;
                    CREATE TABLE batches (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        retailer_id TEXT NOT NULL,
                        shopper_id INTEGER NOT NULL REFERENCES shoppers(id),
                        state TEXT NOT NULL,
                        order_ids TEXT NOT NULL
                    );
                    -- One active batch per test driver (§4.3).
                    CREATE UNIQUE INDEX batches_one_active ON batches (shopper_id) WHERE state <> 'completed';
                    INSERT INTO sqlite_sequence (name, seq) SELECT 'shoppers', 7000 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'shoppers');
                    INSERT INTO sqlite_sequence (name, seq) SELECT 'batches', 88000 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'batches');
                    """
            )
        }
        m.registerMigration("v5-event-epoch") { db in
            // Callback event_ids are base + row id. A new database starts its rows at a random multiple of
            // 2^32 (of 2^30), so a receiver that outlives a database reset does not take the new database's
            // events for ones it has already seen; ids still increase within one database. A database that
            // already sent events keeps its numbering.
            guard try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM order_events") == 0 else { return }
            try db.execute(sql: "DELETE FROM sqlite_sequence WHERE name = 'order_events'")
            try db.execute(
                sql: "INSERT INTO sqlite_sequence (name, seq) VALUES ('order_events', ?)",
                arguments: [EventEpoch.randomStart()]
            )
        }
        m.registerMigration("v6-retention") { db in
            // The retention job deletes by these instants in small batches; without an index each batch
            // would scan its table.
            try db.execute(
                sql: """
                    CREATE INDEX access_tokens_expiry ON access_tokens (expires_at);
                    CREATE INDEX holds_expiry ON holds (expires_at);
                    CREATE INDEX callback_attempts_at ON callback_attempts (attempted_at);
                    """
            )
        }
        m.registerMigration("v7-typed-columns") { db in
            // Every list column is a JSON array (the shared row types read `[String]` columns so): scopes were
            // space-separated, and a retailer's callback events ` name name ` or `*`.
            for (table, key) in [("oauth_clients", "client_id"), ("access_tokens", "token_hash")] {
                for row in try Row.fetchAll(db, sql: "SELECT \(key) AS k, scopes FROM \(table)") {
                    let scopes = (row["scopes"] as String).split(separator: " ").map(String.init)
                    try db.execute(sql: "UPDATE \(table) SET scopes = ? WHERE \(key) = ?", arguments: [Self.json(scopes), row["k"] as String])
                }
            }
            for row in try Row.fetchAll(db, sql: "SELECT id, callback_events FROM retailers WHERE callback_events IS NOT NULL") {
                let events = (row["callback_events"] as String).split(separator: " ").map(String.init)
                try db.execute(sql: "UPDATE retailers SET callback_events = ? WHERE id = ?", arguments: [Self.json(events), row["id"] as String])
            }
        }
        m.registerMigration("v8-order-destinations") { db in
            // Multi-stop capacity (§2.0.5) plans with every commitment's address point; holds have it as columns,
            // orders only inside `data`.
            try db.execute(
                sql: """
                    ALTER TABLE orders ADD COLUMN dest_latitude REAL NOT NULL DEFAULT 0;
                    ALTER TABLE orders ADD COLUMN dest_longitude REAL NOT NULL DEFAULT 0;
                    UPDATE orders SET dest_latitude = json_extract(data, '$.destination.latitude'),
                        dest_longitude = json_extract(data, '$.destination.longitude');
                    """
            )
        }
        m.registerMigration("v9-console") { db in
            // The operator console (issue 13): accounts from the configuration file, sessions (token hashes),
            // windows operators closed, and what they did.
            try db.execute(
                sql: """
                    CREATE TABLE operators (
                        id TEXT PRIMARY KEY NOT NULL,
                        password_hash TEXT NOT NULL,
                        retailers TEXT,
                        enabled INTEGER NOT NULL
                    );
                    CREATE TABLE console_sessions (
                        token_hash TEXT PRIMARY KEY NOT NULL,
                        operator_id TEXT NOT NULL,
                        csrf_token TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        expires_at REAL NOT NULL
                    );
                    CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);
                    CREATE TABLE closed_windows (
                        retailer_id TEXT NOT NULL,
                        location_code TEXT NOT NULL,
                        window_start REAL NOT NULL,
                        window_end REAL NOT NULL,
                        closed_at REAL NOT NULL,
                        closed_by TEXT NOT NULL,
                        PRIMARY KEY (retailer_id, location_code, window_start, window_end)
                    );
                    CREATE TABLE console_audit (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        at REAL NOT NULL,
                        operator_id TEXT NOT NULL,
                        action TEXT NOT NULL,
                        retailer_id TEXT,
                        subject TEXT NOT NULL,
                        detail TEXT NOT NULL
                    );
                    """
            )
        }
        m.registerMigration("v10-listings") { db in
            // A checkout listing as one row (issue 12): options keep consecutive ids, found by the listing whose
            // first id is the greatest not above theirs.
            try db.execute(
                sql: """
                    CREATE TABLE listings (
                        first_id INTEGER PRIMARY KEY NOT NULL,
                        option_count INTEGER NOT NULL,
                        retailer_id TEXT NOT NULL,
                        user_id TEXT NOT NULL,
                        location_code TEXT NOT NULL,
                        listed_at REAL NOT NULL,
                        options TEXT NOT NULL
                    );
                    CREATE INDEX listings_listed ON listings (listed_at);
                    """
            )
        }
        return m
    }

    static func json(_ list: [String]) -> String { String(decoding: (try? JSONEncoder().encode(list)) ?? Data("[]".utf8), as: UTF8.self) }
}
