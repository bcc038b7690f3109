import Foundation
import HTTPTypes
import LastMileCore
import Testing

@Suite("Users (§2.2)")
struct UserTests {
    @Test("B1 creates a user as in the contract example and is idempotent on user_id", arguments: Engine.available)
    func create(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine)
        try await env.run { c in
            let token = try await c.token()
            let body =
                #"{"user_id":" cust-4821 ","first_name":"Ada","last_name":"Lovelace","phone_number":"+14155550123","email":"ada@example.com","locale":"en-US"}"#
            let r = try await c.post("/v2/fulfillment/users", token: token, body)
            #expect(r.status == .ok)
            #expect(
                r.json
                    == (try JSONValue.parse(
                        Data(
                            #"{"user_id":"cust-4821","first_name":"Ada","last_name":"Lovelace","phone_number":"+14155550123","email":"ada@example.com","locale":"en_US","address":null,"created_at":"2025-06-11T00:35:12Z"}"#
                                .utf8
                        )
                    ))
            )
            env.clock.advance(by: 60)
            // Same values (locale in another form): the stored user, unchanged.
            let again = try await c.post("/v2/fulfillment/users", token: token, #"{"user_id":"cust-4821","first_name":"Ada","locale":"en_us"}"#)
            #expect(again.status == .ok)
            #expect(again.json["created_at"]?.stringValue == "2025-06-11T00:35:12Z")
            (try await c.post("/v2/fulfillment/users", token: token, #"{"user_id":"cust-4821","first_name":"Grace"}"#))
                .expectError(.conflict, "A user with this user_id already exists with different parameters.", code: 4001, key: "user_id")
        }
    }

    @Test("B1 field validation: every row of its table, and the 9999 form in table order", arguments: Engine.available)
    func createValidation(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine)
        try await env.run { c in
            let token = try await c.token()
            func check(_ body: String, _ message: String, _ key: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
                (try await c.post("/v2/fulfillment/users", token: token, body)).expectError(
                    .badRequest,
                    message,
                    key: key,
                    sourceLocation: sourceLocation
                )
            }
            try await check(#"{"first_name":"A"}"#, "can't be blank", "user_id")
            try await check(#"{"user_id":"   ","first_name":"A"}"#, "can't be blank", "user_id")
            try await check(
                #"{"user_id":"\#(String(repeating: "u", count: 256))","first_name":"A"}"#,
                "is too long (maximum is 255 characters)",
                "user_id"
            )
            try await check(#"{"user_id":"a b","first_name":"A"}"#, "is invalid", "user_id")
            try await check(#"{"user_id":"a/b","first_name":"A"}"#, "is invalid", "user_id")
            try await check(#"{"user_id":"u"}"#, "can't be blank", "first_name")
            try await check(#"{"user_id":"u","first_name":"A<b"}"#, "Invalid first name", "first_name")
            try await check(#"{"user_id":"u","first_name":"\#(String(repeating: "a", count: 101))"}"#, "Invalid first name", "first_name")
            try await check(#"{"user_id":"u","first_name":"A","last_name":"B?"}"#, "Invalid last name", "last_name")
            try await check(#"{"user_id":"u","first_name":"A","phone_number":"4155550123"}"#, "must be a valid E.164 phone number", "phone_number")
            try await check(#"{"user_id":"u","first_name":"A","email":"nope"}"#, "is not a valid email address", "email")
            try await check(#"{"user_id":"u","first_name":"A","locale":"de-DE"}"#, "is not included in the list", "locale")
            try await check(#"{"user_id":5,"first_name":"A"}"#, "must be a string", "user_id")
            let multi = try await c.post("/v2/fulfillment/users", token: token, #"{"locale":"xx","user_id":"a b","email":"bad","first_name":null}"#)
            #expect(multi.status == .badRequest)
            #expect(multi.message == "There were issues with your request")
            #expect(multi.code == 9999)
            #expect(multi.meta == [:])
            let entries = try #require(multi.json["error"]?["errors"]?.array)
            #expect(entries.map { $0["meta"]?["key"]?.stringValue } == ["user_id", "first_name", "email", "locale"])
            #expect(
                entries.map { $0["error"]?["message"]?.stringValue } == [
                    "is invalid", "can't be blank", "is not a valid email address", "is not included in the list",
                ]
            )
            #expect(entries.allSatisfy { $0["error"]?["code"]?.int == 1001 })
        }
    }

    @Test("B2 validates an address, stores it when deliverable, and creates or updates the user", arguments: Engine.available)
    func addresses(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine)
        try await env.run { c in
            let token = try await c.token()
            let r = try await c.post(
                "/v2/fulfillment/users/cust-4821/addresses",
                token: token,
                #"{"address_line_1":"500 Howard St","address_line_2":"Apt 4","address_type":"residential","postal_code":"94105","city":"San Francisco","location_code":"SF-001","first_name":"Ada"}"#
            )
            #expect(
                r.json
                    == (try JSONValue.parse(
                        Data(
                            #"{"user_id":"cust-4821","address_line_1":"500 Howard St","address_line_2":"Apt 4","address_type":"residential","postal_code":"94105","city":"San Francisco","state":"CA","valid":true,"reason":null,"flags":{"long_distance_delivery":false}}"#
                                .utf8
                        )
                    )),
                "\(r.text)"
            )
            let user = try await c.put("/v2/fulfillment/users/cust-4821", token: token, #"{"phone_number":"+14155550199","locale":"en-US"}"#)
            #expect(user.json["first_name"]?.stringValue == "Ada")
            #expect(user.json["phone_number"]?.stringValue == "+14155550199")
            #expect(user.json["address"]?["address_line_2"]?.stringValue == "Apt 4")
            #expect(user.json["address"]?["state"]?.stringValue == "CA")

            // Outcome 4: in range of OAK-002 but not SF-001; the stored address is unchanged.
            let far = try await c.post(
                "/v2/fulfillment/users/cust-4821/addresses",
                token: token,
                #"{"address_line_1":"1 Oak St","postal_code":"94611","location_code":"SF-001"}"#
            )
            #expect(far.json["valid"]?.bool == false)
            #expect(far.json["reason"]?.stringValue == "We do not currently support delivery from this store to the selected address.")
            #expect(far.json["city"]?.stringValue == "Oakland")
            // Without location_code the nearest in-range store (OAK-002, long distance at 33 minutes) decides the flag.
            let lafayette = try await c.post(
                "/v2/fulfillment/users/cust-4821/addresses",
                token: token,
                #"{"address_line_1":"1 Mt Diablo Blvd","postal_code":"94549"}"#
            )
            #expect(lafayette.json["valid"]?.bool == true)
            #expect(lafayette.json["flags"]?["long_distance_delivery"]?.bool == true)
            let pobox = try await c.post(
                "/v2/fulfillment/users/cust-4821/addresses",
                token: token,
                #"{"address_line_1":"P.O. Box 12","postal_code":"94105"}"#
            )
            #expect(pobox.json["reason"]?.stringValue == "Unfortunately, we cannot deliver to that area.")
            let unknown = try await c.post(
                "/v2/fulfillment/users/cust-4821/addresses",
                token: token,
                #"{"address_line_1":"1 Nowhere","postal_code":"00000"}"#
            )
            #expect(unknown.json["reason"]?.stringValue == "No store location found for given address.")
            #expect(unknown.json["city"] == .null)
            let stored = try await c.put("/v2/fulfillment/users/cust-4821", token: token, "{}")
            #expect(stored.json["address"]?["postal_code"]?.stringValue == "94549")

            (try await c.post(
                "/v2/fulfillment/users/cust-4821/addresses",
                token: token,
                #"{"address_line_1":"1 Main","postal_code":"94105","location_code":"PU-001"}"#
            ))
            .expectError(.badRequest, "Specified store is not available for lastmile.", key: "location_code")
            (try await c.post("/v2/fulfillment/users/a%20b/addresses", token: token, #"{"address_line_1":"1 Main","postal_code":"94105"}"#))
                .expectError(.badRequest, "is invalid", key: "user_id")
            (try await c.post("/v2/fulfillment/users/u9/addresses", token: token, #"{"postal_code":"9410"}"#)).expectError(
                .badRequest,
                "There were issues with your request",
                code: 9999,
                key: nil
            )
        }
    }

    @Test("B3 updates present fields only, and answers User Not Found for unknown and malformed ids", arguments: Engine.available)
    func update(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine)
        try await env.run { c in
            let token = try await c.token()
            try await c.createUser("u1", token: token)
            let r = try await c.put("/v2/fulfillment/users/u1", token: token, #"{"last_name":"King","first_name":"  "}"#)
            #expect(r.json["first_name"]?.stringValue == "Ada")
            #expect(r.json["last_name"]?.stringValue == "King")
            (try await c.put("/v2/fulfillment/users/u2", token: token, "{}")).expectError(.badRequest, "User Not Found", key: "user_id")
            (try await c.put("/v2/fulfillment/users/u1", token: token, #"{"email":"x"}"#)).expectError(
                .badRequest,
                "is not a valid email address",
                key: "email"
            )
        }
    }

    @Test("retailer isolation: another retailer's user and store are indistinguishable from missing ones", arguments: Engine.available)
    func isolation(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine)
        try await env.run { c in
            let alpha = try await c.token()
            let beta = try await c.token("beta", "beta-client-secret-1")
            try await c.createUser("shared", token: alpha, firstName: "Alpha")
            (try await c.put("/v2/fulfillment/users/shared", token: beta, "{}")).expectError(.badRequest, "User Not Found", key: "user_id")
            // Same user_id in another retailer is a different user.
            let b = try await c.createUser("shared", token: beta, firstName: "Beta")
            #expect(b.json["first_name"]?.stringValue == "Beta")
            let slots =
                #"{"address":{"address_line_1":"500 Howard St","postal_code":"94105"},"location_code":"SF-001","cart_total_cents":1,"items_count":1}"#
            (try await c.post("/v2/fulfillment/users/shared/service_options/cart/last_mile", token: beta, slots))
                .expectError(.badRequest, "Specified store is not available for lastmile.", key: "location_code")
            env.nextRateLimitWindow()  // beta allows 3 requests per second
            let stores = try await c.post("/v2/fulfillment/stores/last_mile", token: beta, #"{"find_by":{"postal_code":"94105"}}"#)
            #expect(stores.json["stores"]?.array?.compactMap { $0["location_code"]?.stringValue } == ["B-001"])
        }
    }
}
