import Foundation
import LastMileCore
import Yams

/// Reads an operator configuration file: JSON, or YAML (`.yaml`/`.yml`) converted to the same structure.
public enum ConfigFile {
    public struct LoadError: Error, CustomStringConvertible {
        public var description: String
    }

    public static func load(path: String, directory: PostalDirectory) throws -> OperatorConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LoadError(description: "\(path): cannot read the file")
        }
        return try parse(data, yaml: path.hasSuffix(".yaml") || path.hasSuffix(".yml"), name: path, directory: directory)
    }

    public static func parse(_ data: Data, yaml: Bool, name: String, directory: PostalDirectory) throws -> OperatorConfig {
        let root: JSONValue
        if yaml {
            guard let text = String(data: data, encoding: .utf8) else { throw LoadError(description: "\(name): not UTF-8") }
            do {
                root = jsonValue(try Yams.load(yaml: text) as Any)
            } catch let e as YamlError {
                throw LoadError(description: "\(name): YAML syntax error: \(e)")
            }
        } else {
            do {
                root = try JSONValue.parse(data)
            } catch {
                throw LoadError(description: "\(name): JSON syntax error\(jsonErrorLocation(error, data: data))")
            }
        }
        do {
            return try OperatorConfigParser.parse(root, directory: directory)
        } catch let e as ConfigError {
            throw LoadError(description: "\(name): \(e.description)")
        }
    }

    /// Line number of a JSON syntax error, when the decoder reports a byte offset.
    static func jsonErrorLocation(_ error: Error, data: Data) -> String {
        let text = "\(error)"
        guard let range = text.range(of: #"(?:offset|character) (\d+)"#, options: .regularExpression) else { return ": \(text)" }
        let digits = text[range].split(separator: " ").last.flatMap { Int($0) } ?? 0
        let line = data.prefix(digits).filter { $0 == 0x0A }.count + 1
        return " near line \(line)"
    }

    /// A value loaded by Yams (or JSONSerialization) as a `JSONValue`.
    public static func jsonValue(_ any: Any) -> JSONValue {
        switch any {
        case is NSNull: return .null
        case let b as Bool: return .bool(b)
        case let i as Int: return .integer(Int64(i))
        case let d as Double: return d.rounded() == d && abs(d) < 9e18 ? .integer(Int64(d)) : .number(d)
        case let s as String: return .string(s)
        case let a as [Any]: return .array(a.map(jsonValue))
        case let o as [String: Any]: return .object(o.mapValues(jsonValue))
        case let o as [AnyHashable: Any]:
            return .object(Dictionary(uniqueKeysWithValues: o.map { ("\($0.key)", jsonValue($0.value)) }))
        case Optional<Any>.none: return .null
        default: return .string("\(any)")
        }
    }
}
