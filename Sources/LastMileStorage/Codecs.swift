import Crypto
import Foundation
import LastMileCore

public enum StorageError: Error, CustomStringConvertible {
    /// The configuration contradicts stored data (e.g. a client id owned by another retailer).
    case conflict(String)
    /// The database cannot serve the request right now (busy, unreachable, out of space); retry later.
    case unavailable(String)
    public var description: String {
        switch self {
        case .conflict(let m), .unavailable(let m): return m
        }
    }
}

/// Small encodings shared by both engines so they store identical values.
public enum Codecs {
    /// The `retailers.callback_events` column: nil = no callbacks, `*` = all, else ` name name `.
    public static func callbackEvents(_ r: Retailer) -> String? {
        guard let c = r.callbacks else { return nil }
        guard let events = c.events else { return "*" }
        return " " + events.map(\.rawValue).joined(separator: " ") + " "
    }
    public static func scopes(_ s: [Scope]) -> String { s.map(\.rawValue).joined(separator: " ") }
    public static func scopes(_ s: String) -> [Scope] { s.split(separator: " ").compactMap { Scope(rawValue: String($0)) } }
    public static func date(_ seconds: Double) -> Date { Date(timeIntervalSince1970: seconds) }
    public static func strings(_ list: [String]) -> String {
        String(decoding: (try? JSONEncoder().encode(list)) ?? Data("[]".utf8), as: UTF8.self)
    }
    public static func strings(_ json: String) -> [String] {
        (try? JSONDecoder().decode([String].self, from: Data(json.utf8))) ?? []
    }
}

/// SHA-256 hex digests for secrets and tokens at rest.
public enum SecretHash {
    public static func hex(_ s: String) -> String {
        SHA256.hash(data: Data(s.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
