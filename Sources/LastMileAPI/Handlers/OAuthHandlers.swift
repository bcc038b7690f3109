import Foundation
import HTTPTypes
import Hummingbird
import LastMileBooking
import LastMileCore
import LastMileStorage
import NIOCore

/// A1 and A2 (§2.1): client credentials in a JSON or form body, OAuth error shapes, tokens stored as hashes.
struct OAuthHandlers {
    let service: LastMileService
    /// Credentials fit in a few hundred bytes; a larger body is refused before it is parsed, since these
    /// endpoints are reachable without a token.
    static let maxBodyBytes = 4096
    /// OAuth bodies are flat: `{"client_id": …}` or a form.
    static let bodyLimits = JSONParser.Limits(maxDepth: 4, maxValues: 64)

    /// The body as string parameters; JSON non-string values count as absent.
    static func parameters(_ input: HandlerInput) async throws -> [String: String] {
        let buffer: ByteBuffer
        do { buffer = try await input.request.body.collect(upTo: maxBodyBytes) } catch { throw OAuthFailure.tooLarge }
        let data = Data(buffer: buffer)
        let media = RequestBodyDecoder.mediaType(input.request)
        if media == "application/x-www-form-urlencoded" {
            guard let text = String(validating: data, as: UTF8.self) else { throw OAuthFailure.invalidRequest }
            var out: [String: String] = [:]
            for pair in text.split(separator: "&") where !pair.isEmpty {
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                func decode(_ s: Substring) -> String? { String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncodingOnce() }
                guard let k = decode(kv[0]), let v = kv.count > 1 ? decode(kv[1]) : "" else { throw OAuthFailure.invalidRequest }
                if out[k] == nil { out[k] = v }
            }
            return out
        }
        guard media == nil || media == "application/json" else { throw OAuthFailure.invalidRequest }
        // §1.2: an absent or empty body is `{}`; whitespace alone is not JSON (RFC 8259), so it is a syntax error.
        if data.isEmpty { return [:] }
        guard let value = try? JSONValue.parse(data, limits: bodyLimits), case .object(let o) = value else { throw OAuthFailure.invalidRequest }
        return o.compactMapValues { $0.stringValue?.trimmingCharacters(in: .whitespaces) }.filter { !$0.value.isEmpty }
    }

    static func rejectCredentialsInQuery(_ input: HandlerInput, names: [String]) throws {
        guard let query = input.request.uri.query, !query.isEmpty else { return }
        let keys = query.split(separator: "&").map { pair -> String in
            let k = pair.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
            return k.removingPercentEncodingOnce() ?? k
        }
        if keys.contains(where: names.contains) { throw OAuthFailure.queryParams }
    }

    /// Authenticates the client; the secret is compared as SHA-256 digests in constant time. Every failure is
    /// logged; a known client whose secret keeps failing is slowed down (`SignInBackoff`), unknown ids are
    /// bounded by the per-address OAuth rate limit.
    func authenticateClient(_ p: [String: String], address: String) async throws -> OAuthClientRecord {
        guard let id = p["client_id"], let secret = p["client_secret"] else {
            failed(p["client_id"], address: address, reason: "no credentials")
            throw OAuthFailure.invalidClient
        }
        if let wait = service.signInBackoff.waitSeconds(clientID: id) {
            failed(id, address: address, reason: "backing off for \(wait) s")
            var slow = OAuthFailure.slowDown
            slow.retryAfter = wait
            throw slow
        }
        switch try await service.credentials.signIn(clientID: id, secret: secret) {
        case .success(let client):
            service.signInBackoff.recordSuccess(clientID: id)
            return client
        case .failure(.unknownClient):
            failed(id, address: address, reason: "unknown client")
        case .failure(.wrongSecret):
            let count = service.signInBackoff.recordFailure(clientID: id)
            failed(id, address: address, reason: "wrong secret (\(count) in a row)")
        case .failure(.disabled):
            failed(id, address: address, reason: "client disabled")
        }
        throw OAuthFailure.invalidClient
    }

    func failed(_ clientID: String?, address: String, reason: String) {
        service.logger.notice(
            "failed sign-in",
            metadata: [
                "client_id": "\(TextRules.escapedForLog(clientID ?? "-", limit: 100))", "address": "\(address)", "reason": "\(reason)",
            ]
        )
    }

    static func oauthHeaders() -> HTTPFields {
        var h = HTTPFields()
        h[.cacheControl] = "no-store"
        h[.pragma] = "no-cache"
        return h
    }

    struct TokenResponse: Encodable {
        var access_token: String
        var token_type = "Bearer"
        var expires_in = Int(Credentials.tokenLifetime)
        var scope: String
        var created_at: Int64
    }

    /// A1.
    func issueToken(_ input: HandlerInput) async throws -> Response {
        try Self.rejectCredentialsInQuery(input, names: ["client_id", "client_secret"])
        let p = try await Self.parameters(input)
        let client = try await authenticateClient(p, address: input.remoteIP)
        guard let grant = p["grant_type"] else { throw OAuthFailure.invalidRequest }
        guard grant == "client_credentials" else { throw OAuthFailure.unsupportedGrant }
        guard let scopes = Credentials.grantedScopes(requested: p["scope"], client: client) else { throw OAuthFailure.invalidScope }
        let (token, issued) = try await service.credentials.issueToken(for: client, scopes: scopes)
        return JSONResponse.make(
            TokenResponse(
                access_token: token,
                scope: scopes.map(\.rawValue).joined(separator: " "),
                created_at: Int64(issued.timeIntervalSince1970)
            ),
            headers: Self.oauthHeaders()
        )
    }

    /// A2.
    func revokeToken(_ input: HandlerInput) async throws -> Response {
        try Self.rejectCredentialsInQuery(input, names: ["client_id", "client_secret", "token"])
        let p = try await Self.parameters(input)
        let client = try await authenticateClient(p, address: input.remoteIP)
        guard let token = p["token"] else { throw OAuthFailure.invalidRequest }
        guard try await service.credentials.revoke(token: token, by: client) == .done else { throw OAuthFailure.unauthorizedClient }
        struct Empty: Encodable {}
        return JSONResponse.make(Empty(), headers: Self.oauthHeaders())
    }
}
