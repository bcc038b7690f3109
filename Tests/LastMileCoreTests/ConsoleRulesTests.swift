import Foundation
import Testing

@testable import LastMileCore

/// The domain side of the operator console (issue 13): operator accounts in the configuration and closed
/// windows in the capacity decision.
@Suite("Console rules")
struct ConsoleRulesTests {
    static let hash = "$2b$10$zFtdi12EvsYEOG9aqLZdUu6yvtcydZlZhdbx863bHiEnq0s3mnnVG"

    func parse(_ operators: String) throws -> OperatorConfig {
        try OperatorConfigParser.parse(JSONValue.parse(Data(#"{"operators": \#(operators), "retailers": []}"#.utf8)), directory: nil)
    }

    func issues(_ operators: String) -> [String] {
        do {
            _ = try parse(operators)
            return []
        } catch let e as ConfigError {
            return e.issues.map { "\($0.path): \($0.message)" }
        } catch { return ["\(error)"] }
    }

    @Test func operatorsParseWithTheirGrants() throws {
        let config = try parse(
            #"[{"id":"all","password_hash":"\#(Self.hash)"},{"id":"two","password_hash":"\#(Self.hash)","retailers":["a","b"],"enabled":false}]"#
        )
        #expect(
            config.operators == [
                OperatorAccount(id: "all", passwordHash: Self.hash, retailers: nil),
                OperatorAccount(id: "two", passwordHash: Self.hash, retailers: ["a", "b"], enabled: false),
            ]
        )
        #expect(config.operators[0].mayView(retailerID: "anyone"))
        #expect(config.operators[1].mayView(retailerID: "b") && !config.operators[1].mayView(retailerID: "c"))
    }

    @Test func passwordsMustBeSlowHashes() {
        #expect(issues(#"[{"id":"x","password_hash":"hunter2"}]"#).first?.hasPrefix("operators[0].password_hash: must be a bcrypt hash") == true)
        // Cost 4 is too fast to slow a guesser down; $2y$ is refused because the verifier refuses it.
        let cheap = Self.hash.replacingOccurrences(of: "$10$", with: "$04$")
        #expect(issues(#"[{"id":"x","password_hash":"\#(cheap)"}]"#).count == 1)
        let y = Self.hash.replacingOccurrences(of: "$2b$", with: "$2y$")
        #expect(issues(#"[{"id":"x","password_hash":"\#(y)"}]"#).count == 1)
        #expect(
            issues(#"[{"id":"x","password_hash":"\#(Self.hash)","retailers":"some"},{"id":"x","password_hash":"\#(Self.hash)","pasword_hash":1}]"#)
                == [
                    "operators[0].retailers: must be \"all\" or an array of retailer ids",
                    #"operators[1].pasword_hash: unknown key (did you mean "password_hash"?)"#,
                    "operators[1].id: duplicate operator id \"x\"",
                ]
        )
    }

    @Test func aClosedWindowFitsNothingWhateverTheDrivers() {
        let store = Fixtures.store()
        let now = ts("2025-06-10T16:00:00Z")
        let window = DeliveryWindow(start: ts("2025-06-10T20:00:00Z"), end: ts("2025-06-10T22:00:00Z"))
        var planner = Fixtures.amplePlanner(store: store, now: now)
        let destination = Fixtures.point(10, from: store.point)
        #expect(planner.evaluate(window: window, destination: destination, travelMinutes: 10).available)
        planner.closedWindows = [window]
        #expect(!planner.evaluate(window: window, destination: destination, travelMinutes: 10).available)
        let next = DeliveryWindow(start: window.start.plus(hours: 1), end: window.end.plus(hours: 1))
        #expect(planner.evaluate(window: next, destination: destination, travelMinutes: 10).available, "only that window closes")
    }

    @Test func aConfigurationDocumentNeverCarriesClosedWindows() throws {
        var store = Fixtures.store()
        store.closedWindows = [DeliveryWindow(start: ts("2025-06-10T20:00:00Z"), end: ts("2025-06-10T22:00:00Z"))]
        let decoded = try JSONDecoder().decode(Store.self, from: try JSONEncoder().encode(store))
        #expect(decoded.closedWindows.isEmpty)
        store.closedWindows = []
        #expect(decoded == store)
    }
}
