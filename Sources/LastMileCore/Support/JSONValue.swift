import Foundation

/// A decoded JSON document. Request bodies and the operator config are decoded into this first, so that
/// field validation can report every wrong field (with its JSON path) instead of stopping at the first.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// A number with no fractional part that fits in Int64 (`3` and `3.0`).
    case integer(Int64)
    /// Any other number.
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public var isNull: Bool { if case .null = self { return true } else { return false } }

    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] } else { return nil }
    }

    public var objectValue: [String: JSONValue]? { if case .object(let o) = self { return o } else { return nil } }
    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }

    public var doubleValue: Double? {
        switch self {
        case .integer(let i): return Double(i)
        case .number(let d): return d
        default: return nil
        }
    }

    /// Parses UTF-8 JSON in one linear pass (`JSONParser`), refusing nesting and value counts beyond `limits`.
    public static func parse(_ data: Data, limits: JSONParser.Limits = .standard) throws(JSONParser.Failure) -> JSONValue {
        try JSONParser.parse(data, limits: limits)
    }
}

// Encodable only: values are decoded by `JSONParser`, never by trying each `Codable` type in turn, whose
// cost explodes with nesting depth.
extension JSONValue: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .integer(let i): try c.encode(i)
        case .number(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }
}
