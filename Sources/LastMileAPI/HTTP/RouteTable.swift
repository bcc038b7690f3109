import HTTPTypes

/// How a route is protected.
public enum RouteAccess: Sendable {
    /// No authentication (health, OpenAPI document).
    case open
    /// The OAuth endpoints: client credentials in the body, per-IP rate limit, OAuth error shape.
    case oauth
    /// A bearer token granting one of these scopes.
    case bearer([String])
}

/// What a route does with a request body (§1.2).
public enum BodyHandling: Sendable { case json, none }

public struct Route<Handler: Sendable>: Sendable {
    public var method: HTTPRequest.Method
    /// Segments; `{name}` captures one segment.
    public var segments: [String]
    public var access: RouteAccess
    public var body: BodyHandling
    public var sandbox: Bool
    public var handler: Handler
    public var pattern: String { "/" + segments.joined(separator: "/") }
}

/// Exact, case-sensitive matching on path segments (§1.1). Unlike a trie router it keeps empty segments,
/// so `/v2/fulfillment/users//addresses` matches nothing, and a trailing slash is significant.
public struct RouteTable<Handler: Sendable>: Sendable {
    public private(set) var routes: [Route<Handler>] = []

    public init() {}

    public mutating func add(_ method: HTTPRequest.Method, _ path: String, access: RouteAccess, body: BodyHandling = .json,
                             sandbox: Bool = false, _ handler: Handler) {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        routes.append(Route(method: method, segments: segments, access: access, body: body, sandbox: sandbox, handler: handler))
    }

    /// The route and its percent-decoded path parameters, or nil (→ 404/4000, also for a wrong method).
    public func match(method: HTTPRequest.Method, path: String) -> (Route<Handler>, [String: String])? {
        guard path.hasPrefix("/") else { return nil }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        outer: for route in routes where route.method == method && route.segments.count == parts.count {
            var params: [String: String] = [:]
            for (pattern, part) in zip(route.segments, parts) {
                if pattern.hasPrefix("{") {
                    guard !part.isEmpty, let decoded = String(part).removingPercentEncodingOnce() else { continue outer }
                    params[String(pattern.dropFirst().dropLast())] = decoded
                } else if pattern != part {
                    continue outer
                }
            }
            return (route, params)
        }
        return nil
    }
}

extension String {
    /// Percent-decodes once; nil when an escape is malformed or the bytes are not UTF-8.
    func removingPercentEncodingOnce() -> String? {
        guard contains("%") else { return self }
        var bytes: [UInt8] = []
        var it = Array(utf8).makeIterator()
        while let c = it.next() {
            if c == UInt8(ascii: "%") {
                guard let h = it.next(), let l = it.next(), let hv = hexValue(h), let lv = hexValue(l) else { return nil }
                bytes.append(hv << 4 | lv)
            } else {
                bytes.append(c)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}

private func hexValue(_ c: UInt8) -> UInt8? {
    switch c {
    case 48...57: return c - 48
    case 65...70: return c - 55
    case 97...102: return c - 87
    default: return nil
    }
}
