import Foundation
import LastMileCore
import Yams

/// Reads an operator configuration file: JSON, or YAML (`.yaml`/`.yml`) converted to the same structure.
public enum ConfigFile {
    public struct LoadError: Error, CustomStringConvertible {
        public var description: String
    }

    public static func load(path: String, directory: PostalDirectory, rules: ConfigRules = ConfigRules()) throws -> OperatorConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LoadError(description: "\(path): cannot read the file")
        }
        return try parse(data, yaml: path.hasSuffix(".yaml") || path.hasSuffix(".yml"), name: path, directory: directory, rules: rules)
    }

    public static func parse(
        _ data: Data,
        yaml: Bool,
        name: String,
        directory: PostalDirectory,
        rules: ConfigRules = ConfigRules()
    ) throws -> OperatorConfig {
        let root: JSONValue
        if yaml {
            guard let text = String(data: data, encoding: .utf8) else { throw LoadError(description: "\(name): not UTF-8") }
            do {
                guard let node = try Yams.compose(yaml: text) else { throw LoadError(description: "\(name): the file is empty") }
                root = try jsonValue(node, path: "")
            } catch let e as YamlError {
                throw LoadError(description: "\(name): YAML syntax error: \(e)")
            } catch let e as LoadError {
                throw LoadError(description: "\(name): \(e.description)")
            }
        } else {
            do {
                root = try JSONValue.parse(data, limits: configLimits)
            } catch {
                throw LoadError(description: "\(name): \(jsonError(error, data: data))")
            }
        }
        do {
            return try OperatorConfigParser.parse(root, directory: directory, rules: rules)
        } catch let e as ConfigError {
            throw LoadError(description: "\(name): \(e.description)")
        }
    }

    /// A configuration describes many stores; it is the operator's own file, so its limits are generous.
    static let configLimits = JSONParser.Limits(maxDepth: 64, maxValues: 10_000_000)

    /// What is wrong with a JSON file, with the line of a syntax error.
    static func jsonError(_ error: JSONParser.Failure, data: Data) -> String {
        switch error {
        case .syntax(let offset):
            let line = data.prefix(offset).filter { $0 == 0x0A }.count + 1
            return "JSON syntax error near line \(line)"
        case .tooDeep(let limit): return "JSON nested deeper than \(limit) levels"
        case .tooManyValues(let limit): return "JSON with more than \(limit) values"
        }
    }

    /// A YAML document as a `JSONValue`. A key repeated in one mapping is an error (YAML forbids it, and
    /// silently keeping one of the two values would hide an operator's mistake).
    static func jsonValue(_ node: Node, path: String) throws -> JSONValue {
        switch node {
        case .scalar:
            return jsonValue(node.any)
        case .sequence(let sequence):
            return .array(try sequence.enumerated().map { try jsonValue($0.element, path: "\(path)[\($0.offset)]") })
        case .mapping(let mapping):
            var object: [String: JSONValue] = [:]
            for (keyNode, valueNode) in mapping {
                let key = keyNode.string ?? "\(keyNode.any)"
                let keyPath = path.isEmpty ? key : "\(path).\(key)"
                guard object[key] == nil else {
                    let line = keyNode.mark.map { " (line \($0.line))" } ?? ""
                    throw LoadError(description: "\(keyPath): duplicate key\(line)")
                }
                object[key] = try jsonValue(valueNode, path: keyPath)
            }
            return .object(object)
        }
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
            return .object(Dictionary(o.map { ("\($0.key)", jsonValue($0.value)) }, uniquingKeysWith: { a, _ in a }))
        case Optional<Any>.none: return .null
        default: return .string("\(any)")
        }
    }
}
