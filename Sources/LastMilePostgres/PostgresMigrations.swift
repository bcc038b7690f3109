/// Versioned schema of the PostgreSQL engine: the same tables and columns as the SQLite engine, read and
/// written through the same row types (LastMileStorage/Rows.swift). Since v7 the columns have PostgreSQL's
/// own types: `timestamptz` for instants, `jsonb` for documents, `text[]` for lists, CHECK constraints for
/// states. Migrations before v7 are kept as they were first applied (seconds and JSON text).
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
        // Real types, converting the rows in place. Event `metadata` stays text: it is the exact signed
        // callback body, which jsonb would re-serialise. `local_date` stays text: a store-local civil date as
        // the API prints it, never compared as an instant.
        (
            "v7-typed-columns",
            [
                """
                ALTER TABLE retailers ALTER COLUMN config TYPE jsonb USING config::jsonb,
                    ALTER COLUMN callback_events TYPE text[] USING CASE WHEN callback_events IS NULL THEN NULL
                        WHEN callback_events = '*' THEN ARRAY['*'] ELSE array_remove(string_to_array(callback_events, ' '), '') END
                """,
                "ALTER TABLE stores ALTER COLUMN config TYPE jsonb USING config::jsonb",
                "ALTER TABLE oauth_clients ALTER COLUMN scopes TYPE text[] USING array_remove(string_to_array(scopes, ' '), '')",
                """
                ALTER TABLE access_tokens ALTER COLUMN scopes TYPE text[] USING array_remove(string_to_array(scopes, ' '), ''),
                    ALTER COLUMN issued_at TYPE timestamptz USING to_timestamp(issued_at),
                    ALTER COLUMN expires_at TYPE timestamptz USING to_timestamp(expires_at),
                    ALTER COLUMN revoked_at TYPE timestamptz USING to_timestamp(revoked_at)
                """,
                """
                ALTER TABLE users ALTER COLUMN address TYPE jsonb USING address::jsonb,
                    ALTER COLUMN created_at TYPE timestamptz USING to_timestamp(created_at)
                """,
                """
                ALTER TABLE service_options ALTER COLUMN window_start TYPE timestamptz USING to_timestamp(window_start),
                    ALTER COLUMN window_end TYPE timestamptz USING to_timestamp(window_end),
                    ALTER COLUMN handoff_time TYPE timestamptz USING to_timestamp(handoff_time),
                    ALTER COLUMN listed_at TYPE timestamptz USING to_timestamp(listed_at),
                    ADD COLUMN reasons_list text[]
                """,
                // A conversion with a subquery cannot be an ALTER ... USING: a new column, filled, then renamed.
                "UPDATE service_options SET reasons_list = ARRAY(SELECT jsonb_array_elements_text(reasons::jsonb))",
                "ALTER TABLE service_options DROP COLUMN reasons",
                "ALTER TABLE service_options RENAME COLUMN reasons_list TO reasons",
                "ALTER TABLE service_options ALTER COLUMN reasons SET NOT NULL",
                """
                ALTER TABLE holds ALTER COLUMN window_start TYPE timestamptz USING to_timestamp(window_start),
                    ALTER COLUMN window_end TYPE timestamptz USING to_timestamp(window_end),
                    ALTER COLUMN created_at TYPE timestamptz USING to_timestamp(created_at),
                    ALTER COLUMN expires_at TYPE timestamptz USING to_timestamp(expires_at)
                """,
                """
                ALTER TABLE orders ALTER COLUMN window_start TYPE timestamptz USING to_timestamp(window_start),
                    ALTER COLUMN window_end TYPE timestamptz USING to_timestamp(window_end),
                    ALTER COLUMN created_at TYPE timestamptz USING to_timestamp(created_at),
                    ALTER COLUMN busy_until TYPE timestamptz USING to_timestamp(busy_until),
                    ALTER COLUMN data TYPE jsonb USING data::jsonb,
                    ADD CONSTRAINT orders_status CHECK (status IN ('brand_new', 'staged', 'acknowledged_for_delivery', 'at_store',
                        'bags_verified', 'delivering', 'delivered', 'canceled', 'rescheduled'))
                """,
                """
                ALTER TABLE order_events ALTER COLUMN occurred_at TYPE timestamptz USING to_timestamp(occurred_at),
                    ALTER COLUMN first_attempt_at TYPE timestamptz USING to_timestamp(first_attempt_at),
                    ALTER COLUMN next_attempt_at TYPE timestamptz USING to_timestamp(next_attempt_at),
                    ALTER COLUMN lease_until TYPE timestamptz USING to_timestamp(lease_until),
                    ADD CONSTRAINT order_events_callback_state CHECK (callback_state IN ('none', 'pending', 'delivered', 'failed'))
                """,
                """
                ALTER TABLE callback_attempts ALTER COLUMN attempted_at TYPE timestamptz USING to_timestamp(attempted_at),
                    ADD CONSTRAINT callback_attempts_outcome CHECK (outcome IN ('delivered', 'retry', 'abandoned'))
                """,
                "ALTER TABLE batches ADD COLUMN order_ids_list text[]",
                "UPDATE batches SET order_ids_list = ARRAY(SELECT jsonb_array_elements_text(order_ids::jsonb))",
                "ALTER TABLE batches DROP COLUMN order_ids",
                "ALTER TABLE batches RENAME COLUMN order_ids_list TO order_ids",
                "ALTER TABLE batches ALTER COLUMN order_ids SET NOT NULL",
                """
                ALTER TABLE batches ADD CONSTRAINT batches_state CHECK (state IN ('brand_new', 'acknowledged_for_delivery', 'at_store',
                    'bags_verified', 'delivering', 'completed'))
                """,
            ]
        ),
        // Multi-stop capacity (§2.0.5) plans with every commitment's address point (see the SQLite migration).
        (
            "v8-order-destinations",
            [
                "ALTER TABLE orders ADD COLUMN dest_latitude double precision NOT NULL DEFAULT 0, ADD COLUMN dest_longitude double precision NOT NULL DEFAULT 0",
                "UPDATE orders SET dest_latitude = (data->'destination'->>'latitude')::float8, dest_longitude = (data->'destination'->>'longitude')::float8",
            ]
        ),
        // The operator console (issue 13; see the SQLite migration of the same name).
        (
            "v9-console",
            [
                "CREATE TABLE operators (id text PRIMARY KEY, password_hash text NOT NULL, retailers text[], enabled boolean NOT NULL)",
                """
                CREATE TABLE console_sessions (token_hash text PRIMARY KEY, operator_id text NOT NULL, csrf_token text NOT NULL,
                    created_at timestamptz NOT NULL, expires_at timestamptz NOT NULL)
                """,
                "CREATE INDEX console_sessions_expiry ON console_sessions (expires_at)",
                """
                CREATE TABLE closed_windows (retailer_id text NOT NULL, location_code text NOT NULL, window_start timestamptz NOT NULL,
                    window_end timestamptz NOT NULL, closed_at timestamptz NOT NULL, closed_by text NOT NULL,
                    PRIMARY KEY (retailer_id, location_code, window_start, window_end))
                """,
                """
                CREATE TABLE console_audit (id bigserial PRIMARY KEY, at timestamptz NOT NULL, operator_id text NOT NULL, action text NOT NULL,
                    retailer_id text, subject text NOT NULL, detail text NOT NULL)
                """,
            ]
        ),
    ]
}
