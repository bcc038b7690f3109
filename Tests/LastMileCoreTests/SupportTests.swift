import Foundation
import Testing

@testable import LastMileCore

/// §1.2 / §1.12: field reading and validation messages.
@Suite("Field reader and validation messages (§1.12)")
struct FieldReaderTests {
    func object(_ json: String) throws -> [String: JSONValue] {
        try #require(try JSONValue.parse(Data(json.utf8)).objectValue)
    }

    @Test func presenceAndTypeMessages() throws {
        var r = FieldReader(try object(#"{"a": null, "b": "  ", "c": 5, "d": " ok ", "e": "toolong"}"#))
        #expect(r.string("missing", required: true) == nil)
        #expect(r.string("a", required: true) == nil)  // null = absent
        #expect(r.string("b", required: true) == nil)  // empty after trimming
        #expect(r.string("b") == nil)  // empty optional = absent, no error
        #expect(r.string("c") == nil)
        #expect(r.string("d") == "ok")  // trimmed
        #expect(r.string("e", max: 3) == nil)
        #expect(
            r.errors == [
                FieldError(key: "missing", message: "can't be blank"),
                FieldError(key: "a", message: "can't be blank"),
                FieldError(key: "b", message: "can't be blank"),
                FieldError(key: "c", message: "must be a string"),
                FieldError(key: "e", message: "is too long (maximum is 3 characters)"),
            ]
        )
    }

    @Test func numbersBooleansTimestamps() throws {
        var r = FieldReader(
            try object(
                #"""
                {"i": "3", "j": 3.0, "k": 3.5, "l": -1, "m": 100001, "n": -90.5, "o": "yes", "p": "2025-06-10T17:35:12", "q": "2025-06-10T17:35:12Z"}
                """#
            ),
            prefix: "body"
        )
        #expect(r.integer("i") == nil)
        #expect(r.integer("j") == 3)
        #expect(r.integer("k") == nil)
        #expect(r.integer("l", min: 0) == nil)
        #expect(r.number("m", min: 0, max: 100_000) == nil)
        #expect(r.number("n", min: -90, max: 90) == nil)
        #expect(r.bool("o") == nil)
        #expect(r.timestamp("p") == nil)
        #expect(r.timestamp("q") == ts("2025-06-10T17:35:12Z"))
        #expect(r.errors.map(\.key) == ["body.i", "body.k", "body.l", "body.m", "body.n", "body.o", "body.p"])
        #expect(
            r.errors.map(\.message) == [
                "must be an integer",
                "must be an integer",
                "must be greater than or equal to 0",
                "must be less than or equal to 100000",
                "must be greater than or equal to -90",
                "must be a boolean",
                "must be an ISO 8601 timestamp with a UTC offset",
            ]
        )
    }

    @Test func objectsAndArrays() throws {
        var r = FieldReader(try object(#"{"o": [], "a": {}, "big": [1,2,3]}"#))
        #expect(r.object("o") == nil)
        #expect(r.array("a") == nil)
        #expect(r.array("big", maxEntries: 2) == nil)
        #expect(r.errors.map(\.message) == ["must be an object", "must be an array", "is too long (maximum is 2 entries)"])
    }

    @Test func validationErrorForm() {
        let one = ServiceError.validation([FieldError(key: "user_id", message: "is invalid")])
        #expect(one.code == 1001)
        #expect(one.key == "user_id")
        #expect(one.message == "is invalid")
        let two = ServiceError.validation([FieldError(key: "a", message: "x"), FieldError(key: "b", message: "y")])
        #expect(two.code == 9999)
        #expect(two.message == "There were issues with your request")
        #expect(two.fields.count == 2)
    }
}
