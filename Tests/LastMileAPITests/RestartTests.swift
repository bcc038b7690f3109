import Foundation
import LastMileCore
import Testing

@Suite("Persistence across restarts")
struct RestartTests {
    @Test("a restarted server on the same SQLite file keeps users and tokens", arguments: Engine.available)
    func restartKeepsData(engine: Engine) async throws {
        let first = try await TestEnvironment(engine: engine)
        let token = try await first.run { c in
            let t = try await c.token()
            try await c.createUser("keeper", token: t, firstName: "Kept")
            return t
        }
        try await first.storage.close()
        let second = try await TestEnvironment(engine: engine, reopening: first.database)
        try await second.run { c in
            let r = try await c.put("/v2/fulfillment/users/keeper", token: token, "{}")
            #expect(r.status == .ok, "\(r.text)")
            #expect(r.json["first_name"]?.stringValue == "Kept")
        }
        withExtendedLifetime(first) {}
    }
}
