import Foundation

/// §2.0.7 `service_option_reference`: URL-safe Base64 (with padding) of a compact JSON object whose members
/// come in a fixed order.
public struct ServiceOptionReference: Sendable, Equatable {
    public var id: Int64
    public var locationCode: String
    public var type: ServiceOptionType
    public var start: Date?
    public var end: Date?
    public var immediateHour: Int?

    public init(id: Int64, locationCode: String, type: ServiceOptionType, start: Date? = nil, end: Date? = nil, immediateHour: Int? = nil) {
        self.id = id
        self.locationCode = locationCode
        self.type = type
        self.start = start
        self.end = end
        self.immediateHour = immediateHour
    }

    public var json: String {
        var bytes: [UInt8] = []
        writeJSON(into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `json`'s bytes appended to `out` (listings write one per option).
    public func writeJSON(into out: inout [UInt8]) {
        out += #"{"id":"#.utf8
        out += String(id).utf8
        out += #","location_code":"#.utf8
        out += Self.quote(locationCode).utf8
        out += #","type":""#.utf8
        out += type.rawValue.utf8
        if type == .immediate {
            out += #"","immediate_hour":"#.utf8
            out += String(immediateHour ?? 0).utf8
            out += "}".utf8
        } else {
            out += #"","start_at":""#.utf8
            Timestamp.write(start ?? .distantPast, into: &out)
            out += #"","end_at":""#.utf8
            Timestamp.write(end ?? .distantPast, into: &out)
            out += #""}"#.utf8
        }
    }

    /// Base64url on the bytes: listings encode ~90 references per request, and bridged
    /// `replacingOccurrences` made that a fifth of the listing's CPU time.
    public var encoded: String {
        String(
            decoding: Data(json.utf8).base64EncodedData().map {
                $0 == UInt8(ascii: "+") ? UInt8(ascii: "-") : $0 == UInt8(ascii: "/") ? UInt8(ascii: "_") : $0
            },
            as: UTF8.self
        )
    }

    /// Decodes a reference; nil when it is not Base64url of such an object. Padding is optional on input.
    public static func decode(_ text: String) -> ServiceOptionReference? {
        var b64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        guard b64.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+/=".contains($0)) }) else { return nil }
        while b64.count % 4 != 0 { b64 += "=" }
        guard let data = Data(base64Encoded: b64), let value = try? JSONValue.parse(data), let o = value.objectValue else { return nil }
        guard case .integer(let id)? = o["id"], case .string(let code)? = o["location_code"],
            case .string(let typeName)? = o["type"], let type = ServiceOptionType(rawValue: typeName)
        else { return nil }
        if type == .immediate {
            guard o.count == 4, case .integer(let h)? = o["immediate_hour"] else { return nil }
            return ServiceOptionReference(id: id, locationCode: code, type: type, immediateHour: Int(h))
        }
        guard o.count == 5, let s = o["start_at"]?.stringValue.flatMap(Timestamp.parse),
            let e = o["end_at"]?.stringValue.flatMap(Timestamp.parse)
        else { return nil }
        return ServiceOptionReference(id: id, locationCode: code, type: type, start: s, end: e)
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}
