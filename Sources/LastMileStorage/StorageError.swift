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
    /// Lowercase hex, as every stored digest is. Written from a table: `String(format:)` per byte was 3 % of
    /// a booking's server time in the B2 profile, when every request hashed its token.
    public static func hex(_ s: String) -> String {
        let digits = Array("0123456789abcdef".utf8)
        let digest = SHA256.hash(data: Data(s.utf8))
        return String(unsafeUninitializedCapacity: 2 * SHA256.byteCount) { out in
            var i = 0
            for byte in digest {
                out[i] = digits[Int(byte >> 4)]
                out[i + 1] = digits[Int(byte & 0x0f)]
                i += 2
            }
            return i
        }
    }
}
