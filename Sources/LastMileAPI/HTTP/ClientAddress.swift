/// The address a request came from, for rate limits and sign-in logs (issue 9, finding 4). Behind a reverse
/// proxy every request arrives from the proxy, so one client could exhaust every retailer's OAuth budget;
/// the proxy's `X-Forwarded-For` is believed only when the socket peer is a proxy the operator trusts.
public enum ClientAddress {
    /// The socket peer when it is not a trusted proxy; otherwise the right-most `X-Forwarded-For` entry that
    /// is not a trusted proxy (entries to its left can be written by the client, so they are not believed).
    /// `peer` is nil for in-process requests (tests), which count as `local`.
    public static func resolve(peer: String?, forwardedFor: [String], trustedProxies: Set<String>) -> String {
        let socket = peer ?? "local"
        guard trustedProxies.contains(socket) else { return socket }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in hops.reversed() where !hop.isEmpty && !trustedProxies.contains(hop) {
            // An address, not arbitrary text: it becomes a rate-limit key and a log field.
            guard hop.utf8.count <= 64,
                hop.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || "0123456789.:[]".unicodeScalars.contains($0)) })
            else { return socket }
            return hop
        }
        return socket
    }
}
