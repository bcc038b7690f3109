import Foundation

/// One invalid field: the contract's `{"error":{"message":…,"code":1001},"meta":{"key":…}}`.
public struct FieldError: Error, Equatable, Sendable {
    public var key: String
    public var message: String
    public init(key: String, message: String) {
        self.key = key
        self.message = message
    }
}

/// Reads typed fields out of a JSON object, collecting one error per invalid field (first failing rule:
/// presence, type, then format/range) in the order fields are read — callers read in request-table order.
public struct FieldReader {
    public private(set) var errors: [FieldError] = []
    public let object: [String: JSONValue]
    public let prefix: String

    public init(_ object: [String: JSONValue], prefix: String = "") {
        self.object = object
        self.prefix = prefix
    }

    public func path(_ key: String) -> String { prefix.isEmpty ? key : "\(prefix).\(key)" }

    public mutating func fail(_ key: String, _ message: String) {
        errors.append(FieldError(key: path(key), message: message))
    }

    public mutating func failAtPath(_ fullPath: String, _ message: String) {
        errors.append(FieldError(key: fullPath, message: message))
    }

    public mutating func absorb(_ other: [FieldError]) { errors.append(contentsOf: other) }

    /// The raw value, with JSON null treated as absent (§1.2).
    public func raw(_ key: String) -> JSONValue? {
        guard let v = object[key], !v.isNull else { return nil }
        return v
    }

    public func has(_ key: String) -> Bool { raw(key) != nil }

    /// A trimmed string. Empty optional strings are absent; empty required ones are blank. Lengths count
    /// Unicode code points, as JSON Schema's `maxLength` does, so N characters are at most 4N UTF-8 bytes
    /// (counting grapheme clusters let 100 KB of combining marks pass as one character). Control and
    /// bidirectional-override characters are refused; `multiline` fields may hold line breaks and tabs.
    public mutating func string(_ key: String, required: Bool = false, max: Int? = nil, multiline: Bool = false) -> String? {
        guard let v = raw(key) else {
            if required { fail(key, "can't be blank") }
            return nil
        }
        guard case .string(let s) = v else {
            fail(key, "must be a string")
            return nil
        }
        let t = s.trimmingCharacters(in: .whitespacesAndNewlines)
        if t.isEmpty {
            if required { fail(key, "can't be blank") }
            return nil
        }
        if let max, t.unicodeScalars.count > max {
            fail(key, "is too long (maximum is \(max) characters)")
            return nil
        }
        if TextRules.containsForbiddenCharacter(t, multiline: multiline) {
            fail(key, TextRules.controlCharacterMessage)
            return nil
        }
        return t
    }

    public mutating func integer(_ key: String, required: Bool = false, min: Int64? = nil, max: Int64? = nil) -> Int64? {
        guard let v = raw(key) else {
            if required { fail(key, "can't be blank") }
            return nil
        }
        guard case .integer(let i) = v else {
            fail(key, "must be an integer")
            return nil
        }
        if let min, i < min {
            fail(key, "must be greater than or equal to \(min)")
            return nil
        }
        if let max, i > max {
            fail(key, "must be less than or equal to \(max)")
            return nil
        }
        return i
    }

    public mutating func number(_ key: String, required: Bool = false, min: Double? = nil, max: Double? = nil) -> Double? {
        guard let v = raw(key) else {
            if required { fail(key, "can't be blank") }
            return nil
        }
        guard let d = v.doubleValue else {
            fail(key, "must be a number")
            return nil
        }
        if let min, d < min {
            fail(key, "must be greater than or equal to \(Self.show(min))")
            return nil
        }
        if let max, d > max {
            fail(key, "must be less than or equal to \(Self.show(max))")
            return nil
        }
        return d
    }

    public mutating func bool(_ key: String, required: Bool = false) -> Bool? {
        guard let v = raw(key) else {
            if required { fail(key, "can't be blank") }
            return nil
        }
        guard case .bool(let b) = v else {
            fail(key, "must be a boolean")
            return nil
        }
        return b
    }

    public mutating func timestamp(_ key: String, required: Bool = false) -> Date? {
        guard let s = string(key, required: required) else { return nil }
        guard let d = Timestamp.parse(s) else {
            fail(key, "must be an ISO 8601 timestamp with a UTC offset")
            return nil
        }
        return d
    }

    /// An object member; reports `must be an object` for other types.
    public mutating func object(_ key: String, required: Bool = false) -> [String: JSONValue]? {
        guard let v = raw(key) else {
            if required { fail(key, "can't be blank") }
            return nil
        }
        guard case .object(let o) = v else {
            fail(key, "must be an object")
            return nil
        }
        return o
    }

    public mutating func array(_ key: String, required: Bool = false, maxEntries: Int? = nil) -> [JSONValue]? {
        guard let v = raw(key) else {
            if required { fail(key, "can't be blank") }
            return nil
        }
        guard case .array(let a) = v else {
            fail(key, "must be an array")
            return nil
        }
        if let maxEntries, a.count > maxEntries {
            fail(key, "is too long (maximum is \(maxEntries) entries)")
            return nil
        }
        return a
    }

    /// A string checked by a format rule; the rule returns the normalised value or nil.
    public mutating func formatted(
        _ key: String,
        required: Bool = false,
        max: Int? = nil,
        message: String,
        _ rule: (String) -> String?
    ) -> String? {
        guard let s = string(key, required: required, max: max) else { return nil }
        guard let ok = rule(s) else {
            fail(key, message)
            return nil
        }
        return ok
    }

    /// Numbers in messages are printed as in the contract's tables: `0`, `100000`, `-90`.
    static func show(_ d: Double) -> String {
        d.rounded() == d && abs(d) < 1e15 ? String(Int64(d)) : String(d)
    }
}
