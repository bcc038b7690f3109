import Crypto
import Foundation
import LastMileCore

/// Standard Webhooks signatures (§3.3): `v1,` + Base64(HMAC-SHA256(key, id.timestamp.body)), one per
/// active secret, separated by a space.
public enum WebhookSigner {
    public static func signature(eventID: String, timestamp: Int, body: [UInt8], secrets: [String]) -> String? {
        let signed = Array("\(eventID).\(timestamp).".utf8) + body
        let parts = secrets.compactMap(CallbackConfig.signingKey).map { key -> String in
            let mac = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: key))
            return "v1," + Data(mac).base64EncodedString()
        }
        return parts.isEmpty ? nil : parts.joined(separator: " ")
    }
}
