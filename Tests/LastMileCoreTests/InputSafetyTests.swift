import Foundation
import Testing

@testable import LastMileCore

@Suite("Input safety: the JSON parser, text rules, receiver URLs, config keys (issue 9)")
struct InputSafetyTests {
    // MARK: JSON parser

    @Test("parses what JSON allows into the values Foundation's decoder produced (3.0 is an integer, escapes, surrogates)")
    func parsesJSON() throws {
        let v = try JSONValue.parse(
            Data(#" {"a":[1,-2,3.0,1e3,2.5,-0.5,12345678901234567890,null,true,false],"s":"x\"\\\/\b\f\n\r\tA\u00e9\ud83d\ude00","o":{}} "#.utf8)
        )
        #expect(
            v["a"]
                == .array([
                    .integer(1), .integer(-2), .integer(3), .integer(1000), .number(2.5), .number(-0.5),
                    .number(12_345_678_901_234_567_890), .null, .bool(true), .bool(false),
                ])
        )
        #expect(v["s"] == .string("x\"\\/\u{8}\u{c}\n\r\tAé😀"))
        #expect(v["o"] == .object([:]))
        #expect(try JSONValue.parse(Data(#"{"k":1,"k":2}"#.utf8))["k"] == .integer(2))
    }

    @Test(
        "refuses what JSON does not allow",
        arguments: [
            "", "{", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "-", "1e", "+1", "tru", "nul", "[1 2]", "{\"a\" 1}", "{a:1}",
            "\"\\x\"", "\"\\ud800\"", "\"\\udc00x\"", "\"\\ud800\\u0041\"", "\"a\u{01}b\"", "1e400", "[1]x", "'a'", "NaN",
        ]
    )
    func refusesInvalid(_ text: String) {
        #expect(throws: JSONParser.Failure.self) { try JSONValue.parse(Data(text.utf8)) }
    }

    @Test("refuses invalid UTF-8 inside strings")
    func invalidUTF8() {
        #expect(throws: JSONParser.Failure.self) { try JSONValue.parse(Data([0x22, 0xC3, 0x28, 0x22])) }
    }

    @Test("nesting beyond the limit and values beyond the count are refused, at the limit accepted")
    func limits() throws {
        let limits = JSONParser.Limits(maxDepth: 64, maxValues: 1000)
        let at = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(throws: Never.self) { try JSONParser.parse(Array(at.utf8), limits: limits) }
        let over = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: JSONParser.Failure.tooDeep(limit: 64)) { try JSONParser.parse(Array(over.utf8), limits: limits) }
        // Mixed objects and arrays count alike.
        let mixed = String(repeating: #"{"a":["#, count: 33) + String(repeating: "]}", count: 33)
        #expect(throws: JSONParser.Failure.tooDeep(limit: 64)) { try JSONParser.parse(Array(mixed.utf8), limits: limits) }
        let many = "[" + Array(repeating: "1", count: 1000).joined(separator: ",") + "]"
        #expect(throws: JSONParser.Failure.tooManyValues(limit: 1000)) { try JSONParser.parse(Array(many.utf8), limits: limits) }
        // The worst 1 MiB bodies end in a refusal, not a stack overflow or a hang.
        let deep = Array(String(repeating: "[", count: 1 << 20).utf8)
        #expect(throws: JSONParser.Failure.tooDeep(limit: 64)) { try JSONParser.parse(deep) }
        let wide = Array(("[" + String(repeating: "0,", count: (1 << 19) - 1) + "0]").utf8)
        #expect(throws: JSONParser.Failure.tooManyValues(limit: 65_536)) { try JSONParser.parse(wide) }
    }

    @Test("round trip: 2,000 seeded random documents encoded by JSONEncoder parse back to the same value")
    func roundTrip() throws {
        var rng = SplitMix(seed: 42)
        for _ in 0..<2_000 {
            let value = randomValue(&rng, depth: 0)
            let data = try JSONEncoder().encode(value)
            #expect(try JSONValue.parse(data) == value, "\(String(decoding: data, as: UTF8.self))")
        }
    }

    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    func randomValue(_ rng: inout SplitMix, depth: Int) -> JSONValue {
        let scalars: [Unicode.Scalar] = ["a", "\"", "\\", "/", "\u{0}", "\u{1f}", "é", "\u{2028}", "😀", "\u{202e}", " "]
        switch Int.random(in: 0..<(depth > 4 ? 5 : 7), using: &rng) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2: return .integer(Int64.random(in: Int64.min...Int64.max, using: &rng))
        case 3: return .number(Double.random(in: -1e6...1e6, using: &rng).rounded(.down) + 0.5)
        case 4:
            var s = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0..<8, using: &rng) { s.append(scalars.randomElement(using: &rng)!) }
            return .string(String(s))
        case 5: return .array((0..<Int.random(in: 0..<4, using: &rng)).map { _ in randomValue(&rng, depth: depth + 1) })
        default:
            var o: [String: JSONValue] = [:]
            for i in 0..<Int.random(in: 0..<4, using: &rng) { o["k\(i)\(scalars.randomElement(using: &rng)!)"] = randomValue(&rng, depth: depth + 1) }
            return .object(o)
        }
    }

    // MARK: Text

    @Test("text fields: code points are counted, control and bidi characters refused, line breaks only where multiline")
    func textRules() {
        var r = FieldReader([
            "a": .string("e" + String(repeating: "\u{301}", count: 10)), "b": .string("x\u{0}y"), "c": .string("one\ntwo"),
            "d": .string("one\ntwo"), "e": .string("\u{202e}abc"), "f": .string("a\u{85}b"), "g": .string("ok 😀 ça"),
        ])
        #expect(r.string("a", max: 10) == nil)
        #expect(r.string("b") == nil)
        #expect(r.string("c") == nil)
        #expect(r.string("d", multiline: true) == "one\ntwo")
        #expect(r.string("e") == nil)
        #expect(r.string("f") == nil)
        #expect(r.string("g", max: 8) == "ok 😀 ça")
        #expect(r.errors.map(\.key) == ["a", "b", "c", "e", "f"])
        #expect(r.errors.map(\.message) == ["is too long (maximum is 10 characters)"] + Array(repeating: TextRules.controlCharacterMessage, count: 4))
        #expect(FieldRules.identifierError("e" + String(repeating: "\u{301}", count: 255)) == "is too long (maximum is 255 characters)")
    }

    @Test("names, e-mails and identifiers are checked per code point; timestamps stay within years 1…9999 in UTC")
    func perCodePoint() {
        #expect(!FieldRules.isValidName("a/\u{301}"))
        #expect(FieldRules.isValidName("Zoë"))
        #expect(FieldRules.isValidEmail("a@\u{301}b.c"))
        #expect(!FieldRules.isValidEmail("a@b"))
        #expect(!FieldRules.isValidIdentifier("a\u{202e}b"))
        #expect(Timestamp.parse("9999-12-31T23:59:59-23:59") == nil)
        #expect(Timestamp.parse("0001-01-01T00:00:00+00:01") == nil)
        #expect(Timestamp.parse("9999-12-31T23:59:59Z").map(Timestamp.format) == "9999-12-31T23:59:59Z")
        #expect(Timestamp.parse("0001-01-01T00:00:00Z").map(Timestamp.format) == "0001-01-01T00:00:00Z")
    }

    @Test("log values: control characters escaped, length cut")
    func logEscaping() {
        #expect(TextRules.escapedForLog("ok\nFAKE level=error\u{1b}[2J\\") == "ok\\u{a}FAKE level=error\\u{1b}[2J\\\\")
        #expect(TextRules.escapedForLog(String(repeating: "x", count: 300), limit: 10) == "xxxxxxxxxx…")
    }

    // MARK: Receivers

    @Test("receiver URLs: anything http(s) in development; https to public hosts in production unless allow-listed")
    func receiverPolicy() {
        let dev = ReceiverURLPolicy(production: false)
        #expect(dev.problem(with: "http://127.0.0.1:9090/callbacks") == nil)
        #expect(dev.problem(with: "ftp://x.example/") == "must be an http:// or https:// URL")
        #expect(dev.problem(with: "https://user:pw@x.example/") == "must not contain a user name or password")
        let prod = ReceiverURLPolicy(production: true, allowedHosts: ["hooks.internal", "10.9.8.7"])
        #expect(prod.problem(with: "https://hooks.example.com/cb") == nil)
        #expect(prod.problem(with: "http://hooks.example.com/cb") == "must be https:// in production mode")
        for blocked in [
            "https://127.0.0.1/", "https://localhost/", "https://api.localhost/", "https://10.0.0.1/", "https://172.20.1.1/",
            "https://192.168.1.1/", "https://169.254.169.254/", "https://100.64.0.1/", "https://0.0.0.0/", "https://[::1]/",
            "https://[fe80::1]/", "https://[fd00::1]/", "https://[::ffff:127.0.0.1]/", "https://[::ffff:a9fe:a9fe]/",
        ] {
            #expect(prod.problem(with: blocked) != nil, "\(blocked)")
        }
        #expect(prod.problem(with: "https://hooks.internal/cb") == nil)
        #expect(prod.problem(with: "https://10.9.8.7/cb") == nil)
        #expect(prod.problem(with: "https://8.8.8.8/cb") == nil)
        #expect(prod.problem(with: "https://[2606:4700::1111]/cb") == nil)
        #expect(prod.permits(host: "x.example", resolvedAddress: [93, 184, 216, 34]))
        #expect(!prod.permits(host: "x.example", resolvedAddress: [169, 254, 169, 254]))
        #expect(prod.permits(host: "hooks.internal", resolvedAddress: [10, 0, 0, 1]))
        #expect(dev.permits(host: "x.example", resolvedAddress: [127, 0, 0, 1]))
    }

    // MARK: Configuration

    @Test("unknown configuration keys are errors with their path and a suggestion; short secrets are refused")
    func configKeys() {
        let json = """
            {"retailers":[{"id":"r1","oauth_clients":[{"client_id":"c","client_secret":"short-secret"}],
              "stores":[{"location_code":"S1","name":"One","address":{"address_line_1":"1 Main St","postal_code":"94105","colour":"red"},
                "delivery_hours":{"default":"08:00-21:00"},"max_order_per_trip":3}]}],
             "retailer":[]}
            """
        do {
            _ = try OperatorConfigParser.parse(JSONValue.parse(Data(json.utf8)), directory: nil)
            Issue.record("accepted")
        } catch let e as ConfigError {
            let found = Dictionary(e.issues.map { ($0.path, $0.message) }, uniquingKeysWith: { a, _ in a })
            #expect(found["retailer"] == "unknown key (did you mean \"retailers\"?)")
            // A near miss of a real setting is named; a key like nothing known is not.
            #expect(found["retailers[0].stores[0].max_order_per_trip"] == "unknown key (did you mean \"max_orders_per_trip\"?)")
            #expect(found["retailers[0].stores[0].address.colour"] == "unknown key")
            #expect(found["retailers[0].oauth_clients[0].client_secret"] == "must be at least 16 characters")
        } catch { Issue.record("\(error)") }
        #expect(KeySuggestion.closest(to: "pickup_dwel_minutes", among: ["pickup_dwell_minutes", "pickup"]) == "pickup_dwell_minutes")
        #expect(KeySuggestion.closest(to: "zzz", among: ["pickup"]) == nil)
    }
}
