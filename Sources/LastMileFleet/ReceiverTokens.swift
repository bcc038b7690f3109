import AsyncHTTPClient
import Foundation
import LastMileCore
import NIOCore
import NIOHTTP1

/// OAuth 2.0 client-credentials tokens of the retailers' callback receivers (§3.2), cached per retailer
/// configuration until `expires_in` (refreshed 60 s early; 3600 s when absent). Expiry runs on the wall
/// clock: it is the receiver's real token lifetime, not service time.
actor ReceiverTokens {
    struct Failure: Error, CustomStringConvertible { var description: String }
    private var cache: [String: (token: String, until: Date)] = [:]
    /// One fetch per configuration at a time: concurrent callbacks wait for the same token.
    private var inFlight: [String: Task<(token: String, lifetime: TimeInterval), any Error>] = [:]
    private let client: HTTPClient
    private let wallClock: any ServiceClock
    private let receivers: ReceiverGuard
    private let limits: CallbackOutbox.Limits

    init(client: HTTPClient, wallClock: any ServiceClock, receivers: ReceiverGuard, limits: CallbackOutbox.Limits) {
        self.client = client
        self.wallClock = wallClock
        self.receivers = receivers
        self.limits = limits
    }

    static func key(_ retailerID: String, _ c: CallbackConfig) -> String {
        [retailerID, c.tokenURL ?? "", c.clientID ?? "", c.clientSecret ?? "", c.scope ?? ""].joined(separator: "\u{1F}")
    }

    func token(retailerID: String, config c: CallbackConfig) async throws -> String {
        let key = Self.key(retailerID, c)
        if let cached = cache[key], wallClock.now() < cached.until { return cached.token }
        if let running = inFlight[key] { return try await running.value.token }
        // The fetch has its own deadline: callers waiting for it may give up (theirs), the fetch still ends.
        let limit = limits.attemptTimeout
        let task = Task { try await withDeadline(limit) { try await self.fetch(c) } }
        inFlight[key] = task
        defer { inFlight[key] = nil }
        let fetched = try await task.value
        cache[key] = (fetched.token, wallClock.now().addingTimeInterval(max(fetched.lifetime - 60, 0)))
        return fetched.token
    }

    /// Forgets the cached token after a 401, unless a concurrent callback already replaced it.
    func discard(retailerID: String, config: CallbackConfig, ifStill token: String) {
        let key = Self.key(retailerID, config)
        if cache[key]?.token == token { cache[key] = nil }
    }

    func fetch(_ c: CallbackConfig) async throws -> (token: String, lifetime: TimeInterval) {
        guard let url = c.tokenURL else { throw Failure(description: "no token_url") }
        try await receivers.check(url)
        var form = URLComponents()
        form.queryItems =
            [
                URLQueryItem(name: "grant_type", value: "client_credentials"),
                URLQueryItem(name: "client_id", value: c.clientID ?? ""),
                URLQueryItem(name: "client_secret", value: c.clientSecret ?? ""),
            ]
            + (c.scope.map { [URLQueryItem(name: "scope", value: $0)] } ?? [])
        // URLComponents leaves "+" unescaped, which form decoding would read as a space.
        let body = (form.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
        let response: HTTPClientResponse
        do { response = try await client.execute(request, timeout: .seconds(10)) } catch {
            throw Failure(description: "token request failed: \(error)")
        }
        // A token response is small; a larger one is refused rather than read.
        let data: ByteBuffer
        do { data = try await response.body.collect(upTo: 64 * 1024) } catch {
            throw Failure(description: "token response larger than 64 KiB or cut off: \(error)")
        }
        guard (200..<300).contains(Int(response.status.code)) else { throw Failure(description: "token endpoint answered \(response.status.code)") }
        guard let json = try? JSONSerialization.jsonObject(with: Data(data.readableBytesView)) as? [String: Any],
            let token = json["access_token"] as? String, !token.isEmpty
        else { throw Failure(description: "token response has no access_token") }
        let lifetime = (json["expires_in"] as? NSNumber).map { $0.doubleValue } ?? 3600
        return (token, lifetime)
    }
}
