import Foundation
import LastMileCore
import LastMileStorage
import Testing

private let checkoutPath = "/v2/fulfillment/users/cust-4821/service_options/cart/last_mile"

@Suite("List time slots for checkout (§2.4.3) and preview (§2.4.2)")
struct ServiceOptionTests {
    /// The expected JSON of one option: id and reference are derived from the returned id.
    static func option(
        _ actual: JSONValue?,
        type: String,
        start: String? = nil,
        end: String? = nil,
        immediate: Int? = nil,
        date: String,
        handoff: String? = nil,
        available: Bool = true,
        reasons: [String] = [],
        location: String = "SF-001",
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let o = try #require(actual, sourceLocation: sourceLocation)
        let id = try #require(o["id"]?.int, sourceLocation: sourceLocation)
        let ref =
            type == "immediate"
            ? ServiceOptionReference(id: id, locationCode: location, type: .immediate, immediateHour: immediate)
            : ServiceOptionReference(
                id: id,
                locationCode: location,
                type: ServiceOptionType(rawValue: type)!,
                start: Timestamp.parse(start!),
                end: Timestamp.parse(end!)
            )
        var expected: [String: JSONValue] = [
            "id": .integer(id), "service_option_reference": .string(ref.encoded), "date": .string(date),
            "availability": .object(["available": .bool(available), "reasons": .array(reasons.map { .string($0) }), "item_codes": .array([])]),
        ]
        expected["window"] =
            type == "immediate"
            ? .object(["immediate_hour": .integer(Int64(immediate!)), "type": .string("immediate")])
            : .object(["start_at": .string(start!), "end_at": .string(end!), "type": .string(type), "asap": .bool(false)])
        if let handoff { expected["handoff_time"] = .string(handoff) }
        #expect(o == .object(expected), sourceLocation: sourceLocation)
    }

    @Test("example A: priority ETA, ETA with handoff time, then scheduled windows dated in the store's zone", arguments: Engine.available)
    func exampleA(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine)
        try await env.run { c in
            let token = try await c.token()
            try await c.createUser("cust-4821", token: token)
            let r = try await c.post(
                checkoutPath,
                token: token,
                #"""
                {"address":{"address_line_1":"500 Howard St","address_line_2":"Apt 4","address_type":"residential","postal_code":"94105","city":"San Francisco"},
                 "location_code":"SF-001","cart_total_cents":6420,"items_count":12,"units_count":15,
                 "with_eta_options":true,"with_priority_eta_options":true,"with_handoff_time":true}
                """#
            )
            #expect(r.status == .ok, "\(r.text)")
            let options = try #require(r.json["service_options"]?.array)
            #expect(options.count == 4)
            // Idle drivers: A = now + 5 min dwell + 2 min travel, so the priority end is now + 45 min rounded up.
            try Self.option(
                options[0],
                type: "priority_eta",
                start: "2025-06-11T00:35:12Z",
                end: "2025-06-11T01:21:00Z",
                date: "2025-06-10",
                handoff: "2025-06-11T00:35:12Z"
            )
            try Self.option(
                options[1],
                type: "eta",
                start: "2025-06-11T00:35:12Z",
                end: "2025-06-11T02:36:00Z",
                date: "2025-06-10",
                handoff: "2025-06-11T00:35:12Z"
            )
            try Self.option(options[2], type: "scheduled", start: "2025-06-11T01:00:00Z", end: "2025-06-11T03:00:00Z", date: "2025-06-10")
            try Self.option(options[3], type: "scheduled", start: "2025-06-11T02:00:00Z", end: "2025-06-11T04:00:00Z", date: "2025-06-10")
            #expect(r.json["warnings"] == .array([]))
            #expect(r.json["flags"] == .object(["long_distance_delivery": .bool(false)]))
            // Each option was stored with the listing's cart figures.
            let stored = try #require(try await env.storage.serviceOption(id: options[2]["id"]!.int!))
            #expect(stored.cartTotalCents == 6420 && stored.itemsCount == 12 && stored.unitsCount == 15)
            #expect(stored.userID == "cust-4821" && stored.listedAt == exampleNow)
        }
    }

    @Test("example B: alcoholic order — immediate 2 and windows outside alcohol hours listed unavailable", arguments: Engine.available)
    func exampleB(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine, now: Timestamp.parse("2025-06-11T00:35:40Z")!)
        try await env.run { c in
            let token = try await c.token()
            try await c.createUser("cust-4821", token: token)
            let r = try await c.post(
                checkoutPath,
                token: token,
                #"""
                {"address":{"address_line_1":"500 Howard St","postal_code":"94105","city":"San Francisco"},
                 "location_code":"SF-001","cart_total_cents":8990,"items_count":9,"alcoholic":true}
                """#
            )
            let options = try #require(r.json["service_options"]?.array)
            #expect(options.count == 3, "\(r.text)")
            try Self.option(options[0], type: "immediate", immediate: 2, date: "2025-06-10")
            try Self.option(options[1], type: "scheduled", start: "2025-06-11T01:00:00Z", end: "2025-06-11T03:00:00Z", date: "2025-06-10")
            try Self.option(
                options[2],
                type: "scheduled",
                start: "2025-06-11T02:00:00Z",
                end: "2025-06-11T04:00:00Z",
                date: "2025-06-10",
                available: false,
                reasons: ["Alcohol delivery not allowed at this time"]
            )
            // A customer city that differs from the store's adds R2 on every option.
            let oakland = try await c.post(
                checkoutPath,
                token: token,
                #"""
                {"address":{"address_line_1":"1 Main","postal_code":"94105","city":"Oakland"},"location_code":"SF-001","cart_total_cents":1,"items_count":1,"alcoholic":true}
                """#
            )
            #expect(oakland.json["service_options"]?[0]?["availability"]?["reasons"] == .array([.string("Unmatched city and county")]))
            #expect(
                oakland.json["service_options"]?[2]?["availability"]?["reasons"]
                    == .array([.string("Unmatched city and county"), .string("Alcohol delivery not allowed at this time")])
            )
        }
    }

    @Test("example C: desired windows replace all other options; out-of-horizon ones are omitted; duplicates collapse", arguments: Engine.available)
    func exampleC(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine, now: Timestamp.parse("2025-06-11T00:36:00Z")!)
        try await env.run { c in
            let token = try await c.token()
            try await c.createUser("cust-5177", token: token)
            let r = try await c.post(
                "/v2/fulfillment/users/cust-5177/service_options/cart/last_mile",
                token: token,
                #"""
                {"address":{"address_line_1":"500 Howard St","postal_code":"94105"},"location_code":"SF-001","cart_total_cents":6420,"items_count":12,
                 "with_eta_options":true,
                 "desired_windows":[{"starts_at":"2025-06-10T18:30:00-07:00","ends_at":"2025-06-10T20:00:00-07:00"},
                                    {"starts_at":"2025-06-11T09:00:00-07:00","ends_at":"2025-06-11T11:00:00-07:00"},
                                    {"starts_at":"2025-06-11T01:30:00Z","ends_at":"2025-06-11T03:00:00Z"}]}
                """#
            )
            let options = try #require(r.json["service_options"]?.array)
            #expect(options.count == 1, "\(r.text)")
            try Self.option(options[0], type: "scheduled", start: "2025-06-11T01:30:00Z", end: "2025-06-11T03:00:00Z", date: "2025-06-10")
            #expect(r.json["warnings"] == .array([]))
        }
    }

    @Test("earliest_option_start_at removes earlier options (inclusive) including immediate ones", arguments: Engine.available)
    func earliestStart(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine)
        try await env.run { c in
            let token = try await c.token()
            try await c.createUser("cust-4821", token: token)
            let r = try await c.post(
                checkoutPath,
                token: token,
                #"""
                {"address":{"address_line_1":"500 Howard St","postal_code":"94105"},"location_code":"SF-001","cart_total_cents":1,"items_count":1,
                 "earliest_option_start_at":"2025-06-10T19:00:00-07:00"}
                """#
            )
            let options = try #require(r.json["service_options"]?.array)
            #expect(options.count == 1)
            #expect(options.first?["window"]?["start_at"]?.stringValue == "2025-06-11T02:00:00Z")
        }
    }

    @Test(
        "ETA requested from a retailer without ETA: immediate options plus the warning; long-distance flag for the address",
        arguments: Engine.available
    )
    func etaWarningAndFlags(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine)
        try await env.run { c in
            let beta = try await c.token("beta", "beta-client-secret-1")
            try await c.createUser("cust-4821", token: beta)
            let r = try await c.post(
                checkoutPath,
                token: beta,
                #"""
                {"address":{"address_line_1":"500 Howard St","postal_code":"94105"},"location_code":"B-001","cart_total_cents":1,"items_count":1,"with_eta_options":true}
                """#
            )
            #expect(r.json["service_options"]?[0]?["window"]?["type"]?.stringValue == "immediate")
            #expect(
                r.json["warnings"]
                    == (try JSONValue.parse(
                        Data(#"[{"error":{"message":"ETA options are not enabled for this retailer.","error_code":1001},"meta":{"items":[]}}]"#.utf8)
                    ))
            )

            let alpha = try await c.token()
            try await c.createUser("far", token: alpha)
            let ld = try await c.post(
                "/v2/fulfillment/users/far/service_options/cart/last_mile",
                token: alpha,
                #"""
                {"address":{"address_line_1":"1 Mt Diablo Blvd","postal_code":"94549"},"location_code":"OAK-002","cart_total_cents":1,"items_count":1}
                """#
            )
            #expect(ld.json["flags"]?["long_distance_delivery"]?.bool == true, "\(ld.text)")
        }
    }

    @Test("every 4XX row of the seed's error table, with its exact message, code and meta", arguments: Engine.available)
    func seedErrorTable(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine)
        try await env.run { c in
            let alpha = try await c.token()
            let beta = try await c.token("beta", "beta-client-secret-1")
            try await c.createUser("cust-4821", token: alpha)
            try await c.createUser("cust-4821", token: beta)
            func body(postal: String = "94105", line1: String = "500 Howard St", location: String = "SF-001", extra: String = "") -> String {
                #"{"address":{"address_line_1":"\#(line1)","postal_code":"\#(postal)"},"location_code":"\#(location)","cart_total_cents":1,"items_count":1\#(extra)}"#
            }
            (try await c.post(checkoutPath, token: beta, body(location: "B-001", extra: #","with_handoff_time":true"#)))
                .expectError(.badRequest, "Handoff time calculation is not configured for this retailer.", key: "with_handoff_time")
            for code in ["NOPE", "PU-001", "OFF-001", "B-001"] {
                (try await c.post(checkoutPath, token: alpha, body(location: code)))
                    .expectError(.badRequest, "Specified store is not available for lastmile.", key: "location_code")
            }
            (try await c.post(checkoutPath, token: alpha, body(postal: "00000")))
                .expectError(.badRequest, "No store location found for given address.", key: nil)
            (try await c.post(checkoutPath, token: alpha, body(line1: "PO Box 77")))
                .expectError(.badRequest, "Unfortunately, we cannot deliver to that area.", key: "address")
            (try await c.post(checkoutPath, token: alpha, body(postal: "10001")))
                .expectError(.badRequest, "Unfortunately, we cannot deliver to that area.", key: "address")
            (try await c.post(checkoutPath, token: alpha, body(postal: "94611")))
                .expectError(.badRequest, "We do not currently support delivery from this store to the selected address.", key: "address")
            (try await c.post("/v2/fulfillment/users/ghost/service_options/cart/last_mile", token: alpha, body()))
                .expectError(.badRequest, "User Not Found", key: "user_id")
            (try await c.post("/v2/fulfillment/users/a%2Fb/service_options/cart/last_mile", token: alpha, body()))
                .expectError(.badRequest, "User Not Found", key: "user_id")
            (try await c.post("/v2/fulfillment/users//service_options/cart/last_mile", token: alpha, body()))
                .expectError(.notFound, "Resource not found", code: 4000, key: nil)
            // User Not Found is checked before the handoff configuration and the store.
            (try await c.post(
                "/v2/fulfillment/users/ghost/service_options/cart/last_mile",
                token: beta,
                body(location: "NOPE", extra: #","with_handoff_time":true"#)
            ))
            .expectError(.badRequest, "User Not Found", key: "user_id")
        }
    }

    @Test("field validation of D2: each rule, and several fields at once as 9999 in request-table order", arguments: Engine.available)
    func fieldValidation(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine)
        try await env.run { c in
            let token = try await c.token()
            try await c.createUser("cust-4821", token: token)
            func check(_ body: String, _ message: String, _ key: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
                (try await c.post(checkoutPath, token: token, body)).expectError(.badRequest, message, key: key, sourceLocation: sourceLocation)
            }
            let base = #""location_code":"SF-001","cart_total_cents":1,"items_count":1"#
            let addr = #""address":{"address_line_1":"500 Howard St","postal_code":"94105"}"#
            try await check("{\(base)}", "can't be blank", "address")
            try await check(#"{"address":[],\#(base)}"#, "must be an object", "address")
            try await check(#"{"address":{"postal_code":"94105"},\#(base)}"#, "can't be blank", "address.address_line_1")
            try await check(#"{"address":{"address_line_1":"x","postal_code":"941"},\#(base)}"#, "is not a valid postal code", "address.postal_code")
            try await check(#"{\#(addr),"cart_total_cents":1,"items_count":1}"#, "can't be blank", "location_code")
            try await check(#"{\#(addr),"location_code":"SF-001","cart_total_cents":1.5,"items_count":1}"#, "must be an integer", "cart_total_cents")
            try await check(
                #"{\#(addr),"location_code":"SF-001","cart_total_cents":-1,"items_count":1}"#,
                "must be greater than or equal to 0",
                "cart_total_cents"
            )
            try await check(
                #"{\#(addr),"location_code":"SF-001","cart_total_cents":100000001,"items_count":1}"#,
                "must be less than or equal to 100000000",
                "cart_total_cents"
            )
            try await check(#"{\#(addr),"location_code":"SF-001","cart_total_cents":1}"#, "can't be blank", "items_count")
            try await check(
                #"{\#(addr),"location_code":"SF-001","cart_total_cents":1,"items_count":10001}"#,
                "must be less than or equal to 10000",
                "items_count"
            )
            try await check(#"{\#(addr),\#(base),"units_count":"3"}"#, "must be a number", "units_count")
            try await check(
                #"{\#(addr),\#(base),"earliest_option_start_at":"2025-06-11 10:00"}"#,
                "must be an ISO 8601 timestamp with a UTC offset",
                "earliest_option_start_at"
            )
            try await check(#"{\#(addr),\#(base),"with_eta_options":"yes"}"#, "must be a boolean", "with_eta_options")
            try await check(#"{\#(addr),\#(base),"alcoholic":1}"#, "must be a boolean", "alcoholic")
            try await check(#"{\#(addr),\#(base),"desired_windows":{}}"#, "must be an array", "desired_windows")
            let eleven = Array(repeating: #"{"starts_at":"2025-06-11T01:00:00Z","ends_at":"2025-06-11T03:00:00Z"}"#, count: 11).joined(separator: ",")
            try await check(#"{\#(addr),\#(base),"desired_windows":[\#(eleven)]}"#, "is too long (maximum is 10 entries)", "desired_windows")
            try await check(
                #"{\#(addr),\#(base),"desired_windows":[{"starts_at":"2025-06-11T03:00:00Z","ends_at":"2025-06-11T01:00:00Z"}]}"#,
                "must be after starts_at",
                "desired_windows[0].ends_at"
            )
            try await check(
                #"{"address":{"address_line_1":"\#(String(repeating: "a", count: 256))","postal_code":"94105"},\#(base)}"#,
                "is too long (maximum is 255 characters)",
                "address.address_line_1"
            )
            // 3.0 is an integer.
            #expect(
                try await c.post(checkoutPath, token: token, #"{\#(addr),"location_code":"SF-001","cart_total_cents":3.0,"items_count":1}"#).status
                    == .ok
            )

            let multi = try await c.post(
                checkoutPath,
                token: token,
                #"{"alcoholic":"no","items_count":-2,"address":{"postal_code":"x"},"desired_windows":[{"starts_at":"bad"}]}"#
            )
            #expect(multi.code == 9999)
            let keys = multi.json["error"]?["errors"]?.array?.compactMap { $0["meta"]?["key"]?.stringValue }
            #expect(
                keys == [
                    "address.address_line_1", "address.postal_code", "location_code", "cart_total_cents", "items_count",
                    "desired_windows[0].starts_at", "desired_windows[0].ends_at", "alcoholic",
                ]
            )
        }
    }

    @Test("preview (D1): the contract example, errors, and preview ids are never stored", arguments: Engine.available)
    func preview(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine, now: Timestamp.parse("2025-06-11T00:34:00Z")!)
        try await env.run { c in
            let token = try await c.token()
            let r = try await c.post(
                "/v2/fulfillment/service_options/last_mile",
                token: token,
                #"{"postal_code":"94105","cart_total_cents":6420,"items_count":12}"#
            )
            let options = try #require(r.json["service_options"]?.array)
            #expect(options.count == 3, "\(r.text)")
            try Self.option(options[0], type: "immediate", immediate: 2, date: "2025-06-10")
            try Self.option(options[1], type: "scheduled", start: "2025-06-11T01:00:00Z", end: "2025-06-11T03:00:00Z", date: "2025-06-10")
            try Self.option(options[2], type: "scheduled", start: "2025-06-11T02:00:00Z", end: "2025-06-11T04:00:00Z", date: "2025-06-10")
            #expect(try await env.storage.serviceOption(id: options[0]["id"]!.int!) == nil)
            // Ids come from the same sequence as stored options.
            let ids = options.compactMap { $0["id"]?.int }
            #expect(ids == ids.sorted() && Set(ids).count == 3)

            (try await c.post("/v2/fulfillment/service_options/last_mile", token: token, "{}"))
                .expectError(.badRequest, "must provide either location_code or postal_code", key: "location_code")
            (try await c.post("/v2/fulfillment/service_options/last_mile", token: token, #"{"location_code":"PU-001"}"#))
                .expectError(.badRequest, "Specified store is not available for lastmile.", key: "location_code")
            (try await c.post("/v2/fulfillment/service_options/last_mile", token: token, #"{"postal_code":"00000"}"#))
                .expectError(.badRequest, "No store location found for given address.", key: nil)
            (try await c.post("/v2/fulfillment/service_options/last_mile", token: token, #"{"postal_code":"10001"}"#))
                .expectError(.badRequest, "Unfortunately, we cannot deliver to that area.", key: "postal_code")
            (try await c.post("/v2/fulfillment/service_options/last_mile", token: token, #"{"postal_code":"94611","location_code":"SF-001"}"#))
                .expectError(.badRequest, "We do not currently support delivery from this store to the selected address.", key: "postal_code")
            let byStore = try await c.post("/v2/fulfillment/service_options/last_mile", token: token, #"{"location_code":"OAK-002"}"#)
            #expect(
                byStore.json["service_options"]?[0]?["service_option_reference"]?.stringValue.flatMap(ServiceOptionReference.decode)?.locationCode
                    == "OAK-002"
            )
            #expect(byStore.json["flags"]?["long_distance_delivery"]?.bool == false)
        }
    }
}
