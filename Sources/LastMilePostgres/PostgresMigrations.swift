/// Versioned schema of the PostgreSQL engine: the same tables as the SQLite engine (times as DOUBLE
/// PRECISION seconds since the Unix epoch, configs and order data as JSON text), so both share one storage model.
enum PostgresMigrations {
    static let all: [(String, [String])] = [
        (
            "v1-foundation",
            [
                "CREATE TABLE retailers (id TEXT PRIMARY KEY, config TEXT NOT NULL)",
                """
                CREATE TABLE oauth_clients (client_id TEXT PRIMARY KEY, retailer_id TEXT NOT NULL REFERENCES retailers(id),
                    secret_hash TEXT NOT NULL, scopes TEXT NOT NULL, enabled BOOLEAN NOT NULL)
                """,
                """
                CREATE TABLE stores (retailer_id TEXT NOT NULL REFERENCES retailers(id), location_code TEXT NOT NULL, config TEXT NOT NULL,
                    PRIMARY KEY (retailer_id, location_code))
                """,
                """
                CREATE TABLE access_tokens (token_hash TEXT PRIMARY KEY, client_id TEXT NOT NULL, retailer_id TEXT NOT NULL, scopes TEXT NOT NULL,
                    issued_at DOUBLE PRECISION NOT NULL, expires_at DOUBLE PRECISION NOT NULL, revoked_at DOUBLE PRECISION)
                """,
                """
                CREATE TABLE users (retailer_id TEXT NOT NULL, user_id TEXT NOT NULL, first_name TEXT, last_name TEXT, phone_number TEXT,
                    email TEXT, locale TEXT, address TEXT, created_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (retailer_id, user_id))
                """,
                "CREATE SEQUENCE service_option_ids",
                """
                CREATE TABLE service_options (id BIGINT PRIMARY KEY, retailer_id TEXT NOT NULL, user_id TEXT NOT NULL, location_code TEXT NOT NULL,
                    type TEXT NOT NULL, window_start DOUBLE PRECISION NOT NULL, window_end DOUBLE PRECISION NOT NULL, immediate_hour BIGINT,
                    local_date TEXT NOT NULL, handoff_time DOUBLE PRECISION, available BOOLEAN NOT NULL, reasons TEXT NOT NULL,
                    alcoholic BOOLEAN NOT NULL, dest_latitude DOUBLE PRECISION NOT NULL, dest_longitude DOUBLE PRECISION NOT NULL,
                    travel_minutes BIGINT NOT NULL, listed_at DOUBLE PRECISION NOT NULL, cart_total_cents BIGINT, items_count BIGINT,
                    units_count DOUBLE PRECISION)
                """,
                "CREATE INDEX service_options_listed ON service_options (listed_at)",
            ]
        ),
        (
            "v2-holds",
            [
                """
                CREATE TABLE holds (id BIGSERIAL PRIMARY KEY, retailer_id TEXT NOT NULL, user_id TEXT NOT NULL, service_option_id BIGINT NOT NULL,
                    location_code TEXT NOT NULL, window_start DOUBLE PRECISION NOT NULL, window_end DOUBLE PRECISION NOT NULL,
                    dest_latitude DOUBLE PRECISION NOT NULL, dest_longitude DOUBLE PRECISION NOT NULL, travel_minutes BIGINT NOT NULL,
                    created_at DOUBLE PRECISION NOT NULL, expires_at DOUBLE PRECISION NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('active', 'released', 'consumed')))
                """,
                // One hold per user: the database refuses a second unreleased, unconsumed hold.
                "CREATE UNIQUE INDEX holds_one_active_per_user ON holds (retailer_id, user_id) WHERE status = 'active'",
                "CREATE INDEX holds_by_store ON holds (retailer_id, location_code, expires_at) WHERE status = 'active'",
            ]
        ),
        (
            "v3-orders",
            [
                """
                CREATE TABLE orders (id BIGSERIAL PRIMARY KEY, retailer_id TEXT NOT NULL, order_id TEXT NOT NULL, user_id TEXT,
                    location_code TEXT NOT NULL, status TEXT NOT NULL, window_start DOUBLE PRECISION NOT NULL, window_end DOUBLE PRECISION NOT NULL,
                    travel_minutes BIGINT NOT NULL, created_at DOUBLE PRECISION NOT NULL, data TEXT NOT NULL, UNIQUE (retailer_id, order_id))
                """,
                "CREATE INDEX orders_by_store ON orders (retailer_id, location_code, status)",
                """
                CREATE TABLE order_events (id BIGSERIAL PRIMARY KEY, retailer_id TEXT NOT NULL, order_id TEXT NOT NULL, type TEXT NOT NULL,
                    occurred_at DOUBLE PRECISION NOT NULL)
                """,
                "CREATE INDEX order_events_by_order ON order_events (retailer_id, order_id, id)",
            ]
        ),
        (
            "v4-fulfillment",
            [
                "ALTER TABLE orders ADD COLUMN revision BIGINT NOT NULL DEFAULT 0",
                // The accepted order's driver and planned return: the capacity check keeps it with that driver.
                "ALTER TABLE orders ADD COLUMN driver_id TEXT, ADD COLUMN busy_until DOUBLE PRECISION",
                "CREATE INDEX orders_in_fulfillment ON orders (status, id)",
                // NULL = no callbacks; '*' = every event; else ' name name ' (what insertEvent matches).
                "ALTER TABLE retailers ADD COLUMN callback_events TEXT",
                // order_events doubles as the callback outbox, written in the transaction that changed the order.
                """
                ALTER TABLE order_events ADD COLUMN metadata TEXT NOT NULL DEFAULT '{}',
                    ADD COLUMN callback_state TEXT NOT NULL DEFAULT 'none', ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0,
                    ADD COLUMN first_attempt_at DOUBLE PRECISION, ADD COLUMN next_attempt_at DOUBLE PRECISION,
                    ADD COLUMN lease_until DOUBLE PRECISION, ADD COLUMN last_result TEXT
                """,
                "CREATE INDEX order_events_due ON order_events (next_attempt_at) WHERE callback_state = 'pending'",
                """
                CREATE TABLE callback_attempts (id BIGSERIAL PRIMARY KEY, event_row_id BIGINT NOT NULL REFERENCES order_events(id),
                    attempted_at DOUBLE PRECISION NOT NULL, status_code BIGINT, error TEXT, duration_ms BIGINT NOT NULL, outcome TEXT NOT NULL)
                """,
                "CREATE INDEX callback_attempts_by_event ON callback_attempts (event_row_id, id)",
                "CREATE SEQUENCE shopper_ids START 7001",
                "CREATE TABLE shoppers (id BIGINT PRIMARY KEY DEFAULT nextval('shopper_ids'), retailer_id TEXT NOT NULL, email TEXT, phone TEXT)",
                "CREATE UNIQUE INDEX shoppers_phone ON shoppers (retailer_id, phone) WHERE phone IS NOT NULL",
                "CREATE SEQUENCE batch_ids START 88001",
                """
                CREATE TABLE batches (id BIGINT PRIMARY KEY DEFAULT nextval('batch_ids'), retailer_id TEXT NOT NULL,
                    shopper_id BIGINT NOT NULL REFERENCES shoppers(id), state TEXT NOT NULL, order_ids TEXT NOT NULL)
                """,
                // One active batch per test driver (§4.3).
                "CREATE UNIQUE INDEX batches_one_active ON batches (shopper_id) WHERE state <> 'completed'",
            ]
        ),
        // Callback event_ids are base + row id; a new database starts its rows at a random multiple of 2^32
        // (see the SQLite migration of the same name). A database that already has events keeps its numbering.
        (
            "v5-event-epoch",
            [
                """
                SELECT setval('order_events_id_seq', (floor(random() * 1073741823)::bigint + 1) << 32, false)
                WHERE NOT EXISTS (SELECT 1 FROM order_events)
                """
            ]
        ),
        // The retention job deletes by these instants in small batches (see the SQLite migration).
        (
            "v6-retention",
            [
                "CREATE INDEX access_tokens_expiry ON access_tokens (expires_at)",
                "CREATE INDEX holds_expiry ON holds (expires_at)",
                "CREATE INDEX callback_attempts_at ON callback_attempts (attempted_at)",
            ]
        ),
    ]
}
