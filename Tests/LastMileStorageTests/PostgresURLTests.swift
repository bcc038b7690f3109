import LastMilePostgres
import LastMileStorage
import Testing

@Suite("PostgreSQL URLs: TLS modes, and passwords never in messages (issue 9, finding 10)")
struct PostgresURLTests {
    @Test("sslmode disable, require, verify-ca and verify-full are accepted; anything else is refused by name")
    func sslModes() throws {
        for mode in ["disable", "require", "verify-ca", "verify-full"] {
            let storage = try PostgresStorage(url: "postgres://u:pw@127.0.0.1:1/db?sslmode=\(mode)")
            Task { try await storage.close() }
        }
        do {
            _ = try PostgresStorage(url: "postgres://u:hunter2-secret@127.0.0.1:1/db?sslmode=prefer-not")
            Issue.record("accepted an unknown sslmode")
        } catch {
            #expect("\(error)".contains("sslmode must be disable, require, verify-ca or verify-full"))
            #expect(!"\(error)".contains("hunter2"))
        }
    }

    @Test("an invalid URL is reported without its password")
    func redaction() {
        #expect(
            PostgresStorage.redacted("postgres://lastmile:hunter2@db.internal:5432/lastmile") == "postgres://lastmile:***@db.internal:5432/lastmile"
        )
        do {
            _ = try PostgresStorage(url: "postgres://lastmile:hunter2@/nohost")
            Issue.record("accepted a URL without a host")
        } catch {
            #expect(!"\(error)".contains("hunter2"), "\(error)")
        }
    }
}
