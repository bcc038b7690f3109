import Foundation
import LastMileAPI
import LastMileCore
import Yams

/// Checks real responses against the schemas of `openapi.yaml`: a small JSON Schema (2020-12 subset)
/// validator covering what the document uses — `$ref`, `allOf`/`oneOf`/`anyOf`, `type` (with `null`),
/// `required`, `properties`, `additionalProperties`, `items`, `enum`, `const`, ranges, lengths, patterns.
struct OpenAPIChecker: Sendable {
    let root: JSONValue

    static let shared: OpenAPIChecker = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("openapi.yaml")
        let text = try! String(contentsOf: url, encoding: .utf8)
        return OpenAPIChecker(root: ConfigFile.jsonValue(try! Yams.load(yaml: text) as Any))
    }()

    func resolve(_ v: JSONValue) -> JSONValue {
        guard let ref = v["$ref"]?.stringValue, ref.hasPrefix("#/") else { return v }
        var node = root
        for part in ref.dropFirst(2).split(separator: "/") {
            guard let next = node[String(part).replacingOccurrences(of: "~1", with: "/")] else { return .null }
            node = next
        }
        return resolve(node)
    }

    /// The JSON schema of a documented response, or nil when the operation does not document that status.
    func responseSchema(path: String, method: String, status: Int) -> JSONValue? {
        guard let op = root["paths"]?[path]?[method], let responses = op["responses"],
            let response = responses[String(status)] ?? responses["default"]
        else { return nil }
        return resolve(response)["content"]?["application/json"]?["schema"]
    }

    /// Problems found (empty when the value conforms).
    func problems(_ value: JSONValue, path: String, method: String, status: Int) -> [String] {
        guard let schema = responseSchema(path: path, method: method, status: status) else {
            return ["\(method.uppercased()) \(path) documents no \(status) response with a JSON body"]
        }
        return validate(value, schema, at: "$")
    }

    func validate(_ value: JSONValue, _ rawSchema: JSONValue, at where_: String) -> [String] {
        let schema = resolve(rawSchema)
        var out: [String] = []
        if let all = schema["allOf"]?.array { for s in all { out += validate(value, s, at: where_) } }
        if let one = schema["oneOf"]?.array {
            let matching = one.filter { validate(value, $0, at: where_).isEmpty }.count
            if matching != 1 { out.append("\(where_): matches \(matching) oneOf branches") }
        }
        if let any = schema["anyOf"]?.array, !any.contains(where: { validate(value, $0, at: where_).isEmpty }) {
            out.append("\(where_): matches no anyOf branch")
        }
        if let c = schema["const"], c != value, !(c.doubleValue != nil && c.doubleValue == value.doubleValue) {
            out.append("\(where_): expected const \(c)")
        }
        if let e = schema["enum"]?.array, !e.contains(value) { out.append("\(where_): \(value) not in enum") }
        if let t = schema["type"] {
            let types = t.array?.compactMap(\.stringValue) ?? [t.stringValue ?? ""]
            guard types.contains(where: { Self.matches(value, type: $0) }) else {
                return out + ["\(where_): expected \(types.joined(separator: "|")), got \(value)"]
            }
        }
        switch value {
        case .object(let o):
            for case .string(let k) in schema["required"]?.array ?? [] where o[k] == nil { out.append("\(where_): missing required \(k)") }
            let props = schema["properties"]?.objectValue ?? [:]
            for (k, v) in o {
                if let p = props[k] {
                    out += validate(v, p, at: "\(where_).\(k)")
                } else if schema["additionalProperties"] == .bool(false) {
                    out.append("\(where_): unexpected member \(k)")
                } else if let ap = schema["additionalProperties"], ap.objectValue != nil {
                    out += validate(v, ap, at: "\(where_).\(k)")
                }
            }
        case .array(let a):
            if let items = schema["items"] { for (i, v) in a.enumerated() { out += validate(v, items, at: "\(where_)[\(i)]") } }
            if let max = schema["maxItems"]?.int, a.count > max { out.append("\(where_): more than \(max) items") }
        case .string(let s):
            if let min = schema["minLength"]?.int, s.count < min { out.append("\(where_): shorter than \(min)") }
            if let max = schema["maxLength"]?.int, s.count > max { out.append("\(where_): longer than \(max)") }
            if let p = schema["pattern"]?.stringValue, let re = try? NSRegularExpression(pattern: p),
                re.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) == nil
            {
                out.append("\(where_): \"\(s)\" does not match \(p)")
            }
        case .integer, .number:
            let d = value.doubleValue!
            if let min = schema["minimum"]?.doubleValue, d < min { out.append("\(where_): below \(min)") }
            if let max = schema["maximum"]?.doubleValue, d > max { out.append("\(where_): above \(max)") }
        default: break
        }
        return out
    }

    static func matches(_ v: JSONValue, type: String) -> Bool {
        switch (type, v) {
        case ("null", .null), ("boolean", .bool), ("integer", .integer), ("number", .integer), ("number", .number),
            ("string", .string), ("array", .array), ("object", .object):
            return true
        default: return false
        }
    }
}
