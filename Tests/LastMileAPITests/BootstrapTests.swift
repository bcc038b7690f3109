import Foundation
import LastMileAPI
import LastMileCore
import LastMileSQLite
import Testing

@Suite("Start-up: demo data, config files")
struct BootstrapTests {
    func freshStorage() throws -> SQLiteStorage {
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("lastmile-boot-\(UUID().uuidString)")
        return try SQLiteStorage(path: dir.appendingPathComponent("db.sqlite").path)
    }

    @Test("development mode loads the demo once: ≥ 6 stores in two time zones, long-distance, alcohol and pickup-only stores")
    func demo() async throws {
        let storage = try freshStorage()
        var config = AppConfiguration()
        config.mode = .development
        #expect(try await Bootstrap.prepare(storage: storage, configuration: config, directory: sharedDirectory))
        #expect(try await Bootstrap.prepare(storage: storage, configuration: config, directory: sharedDirectory) == false)
        let stores = try await storage.stores(retailerID: "demo")
        #expect(stores.count >= 6)
        #expect(Set(stores.map(\.timeZone)).count >= 2)
        #expect(stores.contains { $0.longDistanceDelivery && $0.isAvailableForLastMile })
        #expect(stores.contains { $0.alcohol && $0.isAvailableForLastMile })
        #expect(stores.contains { $0.pickupOnly })
        #expect(stores.contains { !$0.shifts.isEmpty })
        let client = try #require(try await storage.oauthClient(id: "demo"))
        #expect(client.enabled && client.retailerID == "demo")
    }

    @Test("production mode never creates the demo")
    func production() async throws {
        let storage = try freshStorage()
        var config = AppConfiguration()
        config.mode = .production
        #expect(try await Bootstrap.prepare(storage: storage, configuration: config, directory: sharedDirectory) == false)
        #expect(try await storage.hasRetailers() == false)
        #expect(try await storage.oauthClient(id: "demo") == nil)
    }

    @Test("a YAML config file loads like its JSON twin; an invalid file names every problem and loads nothing")
    func configFiles() async throws {
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("lastmile-cfg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let yaml = dir.appendingPathComponent("stores.yaml")
        try """
        retailers:
          - id: yml
            eta_options_enabled: true
            oauth_clients:
              - client_id: yml
                client_secret: yml-client-secret-1
            stores:
              - location_code: Y-1
                name: Yaml Market
                address: { address_line_1: 1 Main St, postal_code: "94105" }
                delivery_hours: { default: "08:00-21:00", sunday: null }
                driver_shifts:
                  - { driver_id: d1, days: [mon, tue], start: "09:00", end: "17:00" }
        """.write(to: yaml, atomically: true, encoding: .utf8)
        let parsed = try ConfigFile.load(path: yaml.path, directory: sharedDirectory)
        let store = try #require(parsed.retailers.first?.stores.first)
        #expect(store.timeZone == "America/Los_Angeles" && store.address.city == "San Francisco" && store.county == "San Francisco County")
        #expect(store.deliveryHours.days[6] == nil && store.deliveryHours.days[0] == DailyHours(open: 480, close: 1260))
        #expect(store.shifts == [.weekly(driverID: "d1", weekdays: [0, 1], start: 540, end: 1020)])
        #expect(parsed.retailers.first?.retailer.etaOptionsEnabled == true)

        let bad = dir.appendingPathComponent("bad.json")
        try
            #"{"retailers":[{"id":"bad","stores":[{"location_code":"B","name":"B","address":{"address_line_1":"x","postal_code":"94105"},"time_zone":"Mars/Base","delivery_hours":{"monday":"9-5"}}]}]}"#
            .write(to: bad, atomically: true, encoding: .utf8)
        let storage = try freshStorage()
        try await storage.migrate()
        var config = AppConfiguration()
        config.configFile = bad.path
        config.mode = .production
        do {
            try await Bootstrap.prepare(storage: storage, configuration: config, directory: sharedDirectory)
            Issue.record("an invalid config file must be rejected")
        } catch let e as ConfigFile.LoadError {
            #expect(e.description.contains("retailers[0].stores[0].time_zone"))
            #expect(e.description.contains("retailers[0].stores[0].delivery_hours.monday"))
            #expect(e.description.contains("nothing was loaded"))
        }
        #expect(try await storage.hasRetailers() == false)

        let broken = dir.appendingPathComponent("broken.json")
        try "{\n  \"retailers\": [\n    {\"id\": }\n  ]\n}".write(to: broken, atomically: true, encoding: .utf8)
        #expect(throws: ConfigFile.LoadError.self) { try ConfigFile.load(path: broken.path, directory: sharedDirectory) }
    }
}
