import Foundation
import LastMilePostgres
import LastMileSQLite
import LastMileStorage
import Logging
import PostgresNIO
import Synchronization

/// The storage engines every behaviour test runs against. PostgreSQL is included when `PGHOST` is set
/// (`scripts/test` always sets it); otherwise the tests say so once and run on SQLite only.
public enum Engine: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite, postgres

    public var description: String { rawValue }

    /// The engines available in this environment.
    public static var available: [Engine] {
        if ProcessInfo.processInfo.environment["PGHOST"].map({ !$0.isEmpty }) == true { return [.sqlite, .postgres] }
        if !warned.withLock({
            let w = $0
            $0 = true
            return w
        }) {
            FileHandle.standardError.write(
                Data("note: PGHOST is not set; PostgreSQL tests are SKIPPED (scripts/test starts a server for them)\n".utf8)
            )
        }
        return [.sqlite]
    }

    private static let warned = Mutex(false)

    /// A fresh, migrated, empty database of this engine, and a way to reopen it (restart tests).
    public func makeDatabase() async throws -> TestDatabase {
        switch self {
        case .sqlite:
            let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("lastmile-test-\(UUID().uuidString)")
            let path = dir.appendingPathComponent("db.sqlite").path
            let db = TestDatabase(engine: self, location: path)
            return db
        case .postgres:
            let env = ProcessInfo.processInfo.environment
            let name = "lm_test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(20))"
            let admin = PostgresStorage.configuration(
                host: env["PGHOST"]!,
                port: Int(env["PGPORT"] ?? "5432") ?? 5432,
                user: env["PGUSER"] ?? "postgres",
                password: env["PGPASSWORD"],
                database: env["PGDATABASE"] ?? "postgres"
            )
            try await PostgresStorage.createDatabase(name, admin: admin)
            var config = admin
            config.database = name
            return TestDatabase(engine: self, location: name, postgres: config)
        }
    }
}

/// One test database: open it (again) as storage.
public struct TestDatabase: Sendable {
    public let engine: Engine
    /// SQLite file path or PostgreSQL database name.
    public let location: String
    /// Where the PostgreSQL database is (nil for SQLite).
    public let postgres: PostgresClient.Configuration?

    init(engine: Engine, location: String, postgres: PostgresClient.Configuration? = nil) {
        self.engine = engine
        self.location = location
        self.postgres = postgres
    }

    /// Opens the database and applies migrations.
    public func open(busyTimeout: TimeInterval = 10) async throws -> any Storage {
        let storage = try openUnmigrated(busyTimeout: busyTimeout)
        try await storage.migrate()
        return storage
    }

    /// Opens the database without migrating it (migration tests).
    public func openUnmigrated(busyTimeout: TimeInterval = 10) throws -> any Storage {
        let storage: any Storage
        switch engine {
        case .sqlite: storage = try SQLiteStorage(path: location, busyTimeout: busyTimeout)
        case .postgres:
            var logger = Logger(label: "lastmile.test.postgres")
            logger.logLevel = .error
            storage = PostgresStorage(configuration: postgres!, logger: logger)
        }
        return storage
    }
}
