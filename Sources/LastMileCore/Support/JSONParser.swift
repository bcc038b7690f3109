import Foundation

/// A single-pass JSON parser (RFC 8259) that builds a `JSONValue` in time linear in the input's size.
///
/// Request bodies reach it before authentication (OAuth) and before any other check, so it must never do
/// work out of proportion to the bytes received: no backtracking, no per-value error objects, a nesting
/// limit (recursion depth) and a limit on the number of values. Decoding through `Codable` by trying each
/// type in turn was quadratic-to-exponential in the nesting depth (issue 9, finding 1).
public struct JSONParser {
    public struct Limits: Sendable {
        /// Arrays and objects nested deeper than this are refused.
        public var maxDepth: Int
        /// Values (scalars, arrays, objects, and object keys) beyond this count are refused.
        public var maxValues: Int

        public init(maxDepth: Int = 64, maxValues: Int = 65_536) {
            self.maxDepth = maxDepth
            self.maxValues = maxValues
        }

        public static let standard = Limits()
    }

    public enum Failure: Error, Equatable, Sendable {
        /// Not JSON (syntax, invalid UTF-8, unpaired surrogate escapes, trailing bytes).
        case syntax(offset: Int)
        case tooDeep(limit: Int)
        case tooManyValues(limit: Int)
    }

    /// Parses UTF-8 JSON text (any top-level value).
    public static func parse(_ data: Data, limits: Limits = .standard) throws(Failure) -> JSONValue {
        let bytes = [UInt8](data)
        return try parse(bytes, limits: limits)
    }

    public static func parse(_ bytes: [UInt8], limits: Limits = .standard) throws(Failure) -> JSONValue {
        var parser = Parser(bytes: bytes, limits: limits)
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw .syntax(offset: parser.index) }
        return value
    }
}

private struct Parser {
    let bytes: [UInt8]
    let limits: JSONParser.Limits
    var index = 0
    var values = 0

    init(bytes: [UInt8], limits: JSONParser.Limits) {
        self.bytes = bytes
        self.limits = limits
    }

    var syntax: JSONParser.Failure { .syntax(offset: index) }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    mutating func count() throws(JSONParser.Failure) {
        values += 1
        if values > limits.maxValues { throw .tooManyValues(limit: limits.maxValues) }
    }

    mutating func value(depth: Int) throws(JSONParser.Failure) -> JSONValue {
        guard index < bytes.count else { throw syntax }
        try count()
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw syntax
        }
    }

    mutating func literal(_ word: StaticString) throws(JSONParser.Failure) {
        let n = word.utf8CodeUnitCount
        guard index + n <= bytes.count else { throw syntax }
        let expected = UnsafeBufferPointer(start: word.utf8Start, count: n)
        for i in 0..<n where bytes[index + i] != expected[i] { throw syntax }
        index += n
    }

    mutating func object(depth: Int) throws(JSONParser.Failure) -> JSONValue {
        guard depth <= limits.maxDepth else { throw .tooDeep(limit: limits.maxDepth) }
        index += 1  // {
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw syntax }
            try count()
            let key = try string()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw syntax }
            index += 1
            skipWhitespace()
            // A repeated key keeps its last value, as Foundation's decoder did.
            members[key] = try value(depth: depth)
            skipWhitespace()
            guard index < bytes.count else { throw syntax }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            guard bytes[index] == UInt8(ascii: "}") else { throw syntax }
            index += 1
            return .object(members)
        }
    }

    mutating func array(depth: Int) throws(JSONParser.Failure) -> JSONValue {
        guard depth <= limits.maxDepth else { throw .tooDeep(limit: limits.maxDepth) }
        index += 1  // [
        var elements: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try value(depth: depth))
            skipWhitespace()
            guard index < bytes.count else { throw syntax }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            guard bytes[index] == UInt8(ascii: "]") else { throw syntax }
            index += 1
            return .array(elements)
        }
    }

    /// A string token starting at its opening quote; validates UTF-8 and escapes.
    mutating func string() throws(JSONParser.Failure) -> String {
        index += 1  // opening quote
        var out: [UInt8] = []
        var runStart = index
        while true {
            guard index < bytes.count else { throw syntax }
            let b = bytes[index]
            if b == UInt8(ascii: "\"") {
                out.append(contentsOf: bytes[runStart..<index])
                index += 1
                break
            }
            if b < 0x20 { throw syntax }  // raw control characters must be escaped
            if b != UInt8(ascii: "\\") {
                index += 1
                continue
            }
            out.append(contentsOf: bytes[runStart..<index])
            index += 1
            guard index < bytes.count else { throw syntax }
            let e = bytes[index]
            index += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    // A high surrogate must be followed by an escaped low surrogate.
                    guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                    else { throw syntax }
                    index += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw syntax }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw syntax
                }
                guard let u = Unicode.Scalar(scalar) else { throw syntax }
                out.append(contentsOf: Array(String(Character(u)).utf8))
            default:
                throw syntax
            }
            runStart = index
        }
        guard let s = String(validating: out, as: UTF8.self) else { throw syntax }
        return s
    }

    mutating func hex4() throws(JSONParser.Failure) -> UInt32 {
        guard index + 4 <= bytes.count else { throw syntax }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[index]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw syntax
            }
            v = v << 4 | d
            index += 1
        }
        return v
    }

    /// A number token. Integers that fit Int64 — and other numbers with no fractional part within Int64's
    /// range, such as `3.0` or `1e3` — are `.integer` (§1.2: `3` and `3.0` are integers); the rest `.number`.
    mutating func number() throws(JSONParser.Failure) -> JSONValue {
        let start = index
        var isInteger = true
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count else { throw syntax }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else if (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(bytes[index]) {
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
        } else {
            throw syntax
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            let digits = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            guard index > digits else { throw syntax }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            let digits = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            guard index > digits else { throw syntax }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if isInteger, let i = Int64(text) { return .integer(i) }
        guard let d = Double(text), d.isFinite else { throw .syntax(offset: start) }
        if d.rounded() == d, abs(d) < 9.2e18 { return .integer(Int64(d)) }
        return .number(d)
    }
}
