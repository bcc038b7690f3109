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

/// SHA-256 hex digests for secrets and tokens at rest.
public enum SecretHash {
    public static func hex(_ s: String) -> String {
        SHA256.hash(data: Data(s.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
