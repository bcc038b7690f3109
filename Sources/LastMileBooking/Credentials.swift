import Foundation
import LastMileCore
import LastMileStorage
import Synchronization

/// OAuth clients and their bearer tokens (§1.3, §2.1): what sign-in and every authenticated request read.
public struct Credentials: Sendable {
    let storage: any Storage
    /// Each retailer's time (its sandbox test clock may have moved it): tokens are issued and expire on it.
    let clocks: RetailerClocks
    /// Token holders recently read (see `TokenHolderCache`).
    let holders: TokenHolderCache
    public static let tokenLifetime: TimeInterval = 86_400

    /// `seconds`: a monotonic clock for the holder cache's bound (not the service's business time).
    public init(storage: any Storage, clocks: RetailerClocks, seconds: @escaping @Sendable () -> Double) {
        self.storage = storage
        self.clocks = clocks
        holders = TokenHolderCache(seconds: seconds)
    }

    /// A token's holder, once the token is known, unexpired and unrevoked.
    public struct Holder: Sendable {
        public var retailer: Retailer
        public var clientID: String
        public var scopes: [Scope]
    }

    /// Why a sign-in with client credentials failed (the answer is the same `invalid_client` for each; the
    /// reason is logged, and wrong secrets slow the client down).
    public enum SignInFailure: Error, Equatable, Sendable {
        case unknownClient
        case wrongSecret
        case disabled
    }

    /// The client whose id and secret these are; the secret is compared as SHA-256 digests in constant time.
    public func signIn(clientID: String, secret: String) async throws -> Result<OAuthClientRecord, SignInFailure> {
        guard let client = try await storage.oauthClient(id: clientID) else { return .failure(.unknownClient) }
        guard Self.constantTimeEqual(SecretHash.hex(secret), client.secretHash) else { return .failure(.wrongSecret) }
        guard client.enabled else { return .failure(.disabled) }
        return .success(client)
    }

    /// The scopes a token gets (§2.1): the client's, or the requested ones (space- or comma-separated), each
    /// of which the client must have; nil when the request names none or one the client lacks.
    public static func grantedScopes(requested: String?, client: OAuthClientRecord) -> [Scope]? {
        guard let requested else { return client.scopes }
        let names = requested.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
        guard !names.isEmpty else { return nil }
        var granted = Set<Scope>()
        for name in names {
            guard let scope = Scope(rawValue: name), client.scopes.contains(scope) else { return nil }
            granted.insert(scope)
        }
        return Scope.allCases.filter(granted.contains)
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in x.indices { diff |= x[i] ^ y[i] }
        return diff == 0
    }

    /// A new token for `client` with `scopes`: 256 bits from the system CSPRNG, URL-safe Base64 without
    /// padding; only its hash is stored. Returns the token and when it was issued.
    public func issueToken(for client: OAuthClientRecord, scopes: [Scope]) async throws -> (token: String, issuedAt: Date) {
        let token = Self.newToken()
        let issued = Timestamp.floorToSecond(clocks.now(for: client.retailerID))
        try await storage.insertToken(
            AccessTokenRecord(
                tokenHash: SecretHash.hex(token),
                clientID: client.clientID,
                retailerID: client.retailerID,
                scopes: scopes,
                issuedAt: issued,
                expiresAt: issued.addingTimeInterval(Self.tokenLifetime)
            )
        )
        return (token, issued)
    }

    public enum RevocationOutcome: Sendable, Equatable {
        /// Revoked now, or there was nothing of this retailer's to revoke (RFC 7009 answers both alike).
        case done
        /// The token is another client's of the same retailer.
        case otherClient
    }

    /// A2: revokes a token of the client's retailer that the client holds.
    public func revoke(token: String, by client: OAuthClientRecord) async throws -> RevocationOutcome {
        let hash = SecretHash.hex(token)
        guard let record = try await storage.token(hash: hash), record.retailerID == client.retailerID else { return .done }
        guard record.clientID == client.clientID else { return .otherClient }
        try await storage.revokeToken(hash: hash, at: clocks.now(for: client.retailerID))
        holders.remove(token)
        return .done
    }

    /// The holder of a bearer token, or nil when it is unknown, expired (on its retailer's time) or revoked.
    /// A holder is read from storage at most once per `TokenHolderCache.bound` per server; expiry is still
    /// checked on every request.
    public func holder(ofToken token: String) async throws -> Holder? {
        switch cachedHolder(ofToken: token) {
        case .holder(let holder): return holder
        case .expired: return nil
        case .notCached:
            let hash = SecretHash.hex(token)
            guard let (record, retailer) = try await storage.tokenHolder(hash: hash) else { return nil }
            let entry = TokenHolderCache.Entry(
                holder: Holder(retailer: retailer, clientID: record.clientID, scopes: record.scopes),
                expiresAt: record.expiresAt
            )
            holders.put(token, entry)
            return valid(entry)
        }
    }

    /// What this server's token-holder cache says of a token, without waiting for anything: the API answers
    /// from it without arming a deadline (most requests, since a client reuses its token).
    public enum CachedHolder: Sendable {
        case holder(Holder)
        /// Known, and expired on its retailer's time.
        case expired
        /// Not cached (or past the cache's bound): `holder(ofToken:)` reads it.
        case notCached
    }

    public func cachedHolder(ofToken token: String) -> CachedHolder {
        guard let entry = holders.get(token) else { return .notCached }
        return valid(entry).map(CachedHolder.holder) ?? .expired
    }

    private func valid(_ entry: TokenHolderCache.Entry) -> Holder? {
        entry.expiresAt > clocks.now(for: entry.holder.retailer.id) ? entry.holder : nil
    }

    static func newToken() -> String {
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}

/// Token holders (the token's client and scopes, and its retailer's configuration) kept for at most `bound`
/// seconds, so that a burst of requests with one token reads it once. The documented bound: a token revoked,
/// a client disabled or a retailer reconfigured on another server (or by `lastmile clients revoke-tokens`,
/// `seed`) is seen here within `bound`; a token revoked through this server (A2) is dropped at once.
final class TokenHolderCache: Sendable {
    struct Entry: Sendable {
        var holder: Credentials.Holder
        var expiresAt: Date
    }

    static let bound: Double = 1
    /// Past this many tokens the cache starts again (a flood of distinct tokens costs reads, not memory).
    static let capacity = 10_000
    private let seconds: @Sendable () -> Double
    /// Keyed by the token itself, which lives only in memory here as in the request: a request with a
    /// cached token computes no digest.
    private let entries = Mutex<[String: (entry: Entry, at: Double)]>([:])

    init(seconds: @escaping @Sendable () -> Double) { self.seconds = seconds }

    func get(_ token: String) -> Entry? {
        let now = seconds()
        return entries.withLock { table in
            guard let found = table[token], now - found.at < Self.bound, now >= found.at else { return nil }
            return found.entry
        }
    }

    func put(_ token: String, _ entry: Entry) {
        let now = seconds()
        entries.withLock { table in
            if table.count >= Self.capacity { table.removeAll(keepingCapacity: true) }
            table[token] = (entry, now)
        }
    }

    func remove(_ token: String) { _ = entries.withLock { $0.removeValue(forKey: token) } }
}
