import Foundation
import LastMileCore
import Testing

@Suite("Find stores (§2.3.1)")
struct StoreTests {
    @Test("address, postal-code and coordinate forms return in-range active stores nearest first, pickup-only flagged", arguments: Engine.available)
    func forms(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine)
        try await env.run { c in
            let token = try await c.token()
            let r = try await c.post(
                "/v2/fulfillment/stores/last_mile",
                token: token,
                #"{"find_by":{"address_line_1":"500 Howard St","postal_code":"94105","city":"San Francisco"}}"#
            )
            let stores = try #require(r.json["stores"]?.array)
            // PU-001 (Berkeley, 29 minutes away) is in range and listed although it offers pickup only.
            #expect(stores.compactMap { $0["location_code"]?.stringValue } == ["SF-001", "OAK-002", "PU-001"])
            let sf = try #require(stores.first)
            #expect(sf["name"]?.stringValue == "Example Market SoMa")
            #expect(
                sf["address"]
                    == (try JSONValue.parse(
                        Data(
                            #"{"address_line_1":"101 Spear St","address_line_2":null,"city":"San Francisco","state":"CA","postal_code":"94105"}"#.utf8
                        )
                    ))
            )
            // Straight-line miles from the 94105 centroid, 2 decimals.
            let expected = DeliveryEstimator.roundedMiles(
                GeoPoint(latitude: 37.7920, longitude: -122.3934)
                    .haversineMiles(to: sharedDirectory.lookup("94105")!.point)
            )
            #expect(sf["distance"]?.doubleValue == expected)
            #expect(
                sf["flags"] == (try JSONValue.parse(Data(#"{"alcohol":true,"pickup":true,"pickup_only":false,"long_distance_delivery":false}"#.utf8)))
            )
            #expect(stores[1]["flags"]?["long_distance_delivery"]?.bool == true)

            // Berkeley: the pickup-only store is listed (flagged), the inactive one never is.
            let berkeley = try await c.post("/v2/fulfillment/stores/last_mile", token: token, #"{"find_by":{"postal_code":"94704"}}"#)
            let codes = berkeley.json["stores"]?.array?.compactMap { $0["location_code"]?.stringValue }
            #expect(codes == ["PU-001", "OAK-002", "SF-001"])
            #expect(berkeley.json["stores"]?[0]?["flags"]?["pickup_only"]?.bool == true)
            let coords = try await c.post(
                "/v2/fulfillment/stores/last_mile",
                token: token,
                #"{"find_by":{"latitude":37.8085,"longitude":-122.2668}}"#
            )
            #expect(coords.json["stores"]?[0]?["location_code"]?.stringValue == "OAK-002")
            #expect(coords.json["stores"]?[0]?["distance"]?.doubleValue == 0)
            // Far away or unknown: an empty list, not an error.
            #expect(
                try await c.post("/v2/fulfillment/stores/last_mile", token: token, #"{"find_by":{"postal_code":"10001"}}"#).text == #"{"stores":[]}"#
            )
            #expect(
                try await c.post("/v2/fulfillment/stores/last_mile", token: token, #"{"find_by":{"postal_code":"00000"}}"#).text == #"{"stores":[]}"#
            )
        }
    }

    @Test("find_by errors of the table", arguments: Engine.available)
    func errors(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine)
        try await env.run { c in
            let token = try await c.token()
            func check(
                _ body: String,
                _ message: String,
                _ key: String?,
                code: Int64 = 1001,
                sourceLocation: SourceLocation = #_sourceLocation
            ) async throws {
                (try await c.post("/v2/fulfillment/stores/last_mile", token: token, body))
                    .expectError(.badRequest, message, code: code, key: key, sourceLocation: sourceLocation)
            }
            let form = "must contain exactly one of: coordinates, address, postal code"
            try await check("{}", "can't be blank", "find_by")
            try await check(#"{"find_by":"94105"}"#, "must be an object", "find_by")
            try await check(#"{"find_by":{}}"#, form, "find_by")
            try await check(#"{"find_by":{"latitude":1,"longitude":2,"postal_code":"94105"}}"#, form, "find_by")
            try await check(#"{"find_by":{"latitude":37.7}}"#, "can't be blank", "find_by.longitude")
            try await check(#"{"find_by":{"latitude":91,"longitude":0}}"#, "must be less than or equal to 90", "find_by.latitude")
            try await check(#"{"find_by":{"latitude":0,"longitude":-181}}"#, "must be greater than or equal to -180", "find_by.longitude")
            try await check(#"{"find_by":{"latitude":"x","longitude":0}}"#, "must be a number", "find_by.latitude")
            try await check(#"{"find_by":{"city":"Oakland","postal_code":"94612"}}"#, "can't be blank", "find_by.address_line_1")
            try await check(#"{"find_by":{"address_line_1":"1 Main"}}"#, "can't be blank", "find_by.postal_code")
            try await check(#"{"find_by":{"postal_code":"ABC"}}"#, "is not a valid postal code", "find_by.postal_code")
            try await check(
                #"{"find_by":{"address_line_1":"1 Main","postal_code":"94105","city":"\#(String(repeating: "c", count: 101))"}}"#,
                "is too long (maximum is 100 characters)",
                "find_by.city"
            )
            try await check(#"{"find_by":{"latitude":100,"longitude":200}}"#, "There were issues with your request", nil, code: 9999)
        }
    }
}
