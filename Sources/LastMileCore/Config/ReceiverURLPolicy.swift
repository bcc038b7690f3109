import Foundation

/// Which callback and token URLs the service may send to (issue 9, finding 6). A retailer's receiver is an
/// address on the internet; in production the service must not be usable to reach the operator's own
/// network (loopback, private ranges, link-local such as the 169.254.169.254 metadata service), and client
/// secrets and order data never travel over plain HTTP. Hosts the operator allow-lists are exempt from the
/// address rule (a receiver on the operator's own network), never from https.
public struct ReceiverURLPolicy: Sendable, Equatable {
    public var production: Bool
    /// Host names or IP literals (lower-cased) that may be internal addresses.
    public var allowedHosts: Set<String>

    public init(production: Bool, allowedHosts: [String] = []) {
        self.production = production
        self.allowedHosts = Set(allowedHosts.map { Self.normalizedHost($0) })
    }

    /// Why `url` may not be used, or nil when it may. Checks what the text shows (scheme, literal address,
    /// `localhost`); the sender checks the addresses a name resolves to as well (`internalAddress`).
    public func problem(with url: String) -> String? {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "https" || scheme == "http", let rawHost = components.host, !rawHost.isEmpty
        else { return "must be an http:// or https:// URL" }
        if components.user != nil || components.password != nil { return "must not contain a user name or password" }
        guard production else { return nil }
        if scheme != "https" { return "must be https:// in production mode" }
        let host = Self.normalizedHost(rawHost)
        if allowedHosts.contains(host) { return nil }
        if host == "localhost" || host.hasSuffix(".localhost") {
            return "must not name a loopback host in production mode (allow-list it with --allow-receiver-host)"
        }
        if let bytes = IPAddress.parse(host), IPAddress.isInternal(bytes) {
            return "must not be a loopback, private or link-local address in production mode (allow-list it with --allow-receiver-host)"
        }
        return nil
    }

    /// Whether a resolved address of `host` may be sent to.
    public func permits(host: String, resolvedAddress bytes: [UInt8]) -> Bool {
        !production || allowedHosts.contains(Self.normalizedHost(host)) || !IPAddress.isInternal(bytes)
    }

    static func normalizedHost(_ host: String) -> String {
        var h = host.lowercased()
        if h.hasPrefix("["), h.hasSuffix("]") { h = String(h.dropFirst().dropLast()) }
        if h.hasSuffix(".") { h.removeLast() }
        return h
    }
}

/// IPv4 and IPv6 addresses as bytes (4 or 16), and which of them are not on the public internet.
public enum IPAddress {
    /// A dotted-quad IPv4 or an IPv6 literal; nil for anything else (host names).
    public static func parse(_ text: String) -> [UInt8]? {
        if text.contains(":") { return parseIPv6(text) }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.allSatisfy(\.isASCII), let v = UInt8(p) else { return nil }
            bytes.append(v)
        }
        return bytes
    }

    static func parseIPv6(_ text: String) -> [UInt8]? {
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ s: String) -> [UInt16]? {
            if s.isEmpty { return [] }
            var out: [UInt16] = []
            let items = s.split(separator: ":", omittingEmptySubsequences: false)
            for (i, item) in items.enumerated() {
                if i == items.count - 1, item.contains("."), let v4 = parse(String(item)) {
                    out.append(UInt16(v4[0]) << 8 | UInt16(v4[1]))
                    out.append(UInt16(v4[2]) << 8 | UInt16(v4[3]))
                    continue
                }
                guard (1...4).contains(item.count), let v = UInt16(item, radix: 16) else { return nil }
                out.append(v)
            }
            return out
        }
        guard let head = groups(halves[0]) else { return nil }
        let tail = halves.count == 2 ? groups(halves[1]) : []
        guard let tail else { return nil }
        let missing = 8 - head.count - tail.count
        guard halves.count == 2 ? missing >= 1 : missing == 0 else { return nil }
        let all = head + Array(repeating: 0, count: halves.count == 2 ? missing : 0) + tail
        return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }

    /// Loopback, unspecified, private (RFC 1918, unique-local), carrier-grade NAT, link-local, benchmarking,
    /// multicast and reserved ranges; IPv4-mapped and NAT64 IPv6 addresses by their IPv4 part.
    public static func isInternal(_ b: [UInt8]) -> Bool {
        if b.count == 4 {
            switch (b[0], b[1]) {
            case (0, _), (10, _), (127, _): return true
            case (100, 64...127): return true
            case (169, 254): return true
            case (172, 16...31): return true
            case (192, 168): return true
            case (192, 0) where b[2] == 0 || b[2] == 2: return true
            case (198, 18...19): return true
            case (198, 51) where b[2] == 100: return true
            case (203, 0) where b[2] == 113: return true
            case (224...255, _): return true
            default: return false
            }
        }
        guard b.count == 16 else { return true }
        if b[0..<10].allSatisfy({ $0 == 0 }), b[10] == 0xFF, b[11] == 0xFF { return isInternal(Array(b[12..<16])) }
        if b[0] == 0x00, b[1] == 0x64, b[2] == 0xFF, b[3] == 0x9B, b[4..<12].allSatisfy({ $0 == 0 }) {
            return isInternal(Array(b[12..<16]))
        }
        if b[0..<15].allSatisfy({ $0 == 0 }) { return true }  // :: and ::1
        if b[0] & 0xFE == 0xFC { return true }  // fc00::/7
        if b[0] == 0xFE, b[1] & 0xC0 == 0x80 { return true }  // fe80::/10
        if b[0] == 0xFF { return true }  // multicast
        if b[0] == 0x20, b[1] == 0x01, b[2] == 0x0D, b[3] == 0xB8 { return true }  // documentation
        return false
    }
}
