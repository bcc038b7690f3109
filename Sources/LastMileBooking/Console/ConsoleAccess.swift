import Foundation
import HummingbirdBcrypt
import LastMileCore
import LastMileStorage
import NIOPosix

/// Operators signing in to the console and their sessions (issue 13). Console sessions and API tokens are
/// different things in different tables: neither opens the other.
public struct ConsoleAccess: Sendable {
    let storage: any Storage
    /// The process clock (sessions live in wall-clock time, not in a retailer's sandbox time).
    let clock: any ServiceClock
    /// A session ends this long after sign-in, used or not (an operator's working day).
    public static let sessionLifetime: TimeInterval = 8 * 3600

    public init(storage: any Storage, clock: any ServiceClock) {
        self.storage = storage
        self.clock = clock
    }

    /// A signed-in operator: the account as stored now, and the session.
    public struct SignedIn: Sendable {
        public var account: OperatorAccount
        public var session: ConsoleSession
        public func mayView(retailerID: String) -> Bool { account.mayView(retailerID: retailerID) }
    }

    public enum SignInFailure: Error, Equatable, Sendable {
        case unknownOperator, wrongPassword, disabled
    }

    /// Checks the password against the stored bcrypt hash (off the cooperative pool: it takes a quarter of
    /// a second on purpose) and opens a session. Returns the cookie token; only its hash is stored.
    public func signIn(operatorID: String, password: String) async throws -> Result<(token: String, SignedIn), SignInFailure> {
        let account = try await storage.operatorAccount(id: operatorID)
        // An unknown operator costs a bcrypt check too, so timing does not tell which ids exist.
        let hash = account?.passwordHash
        let matches = try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash ?? Self.decoyHash) }
        guard let account else { return .failure(.unknownOperator) }
        guard matches else { return .failure(.wrongPassword) }
        guard account.enabled else { return .failure(.disabled) }
        let token = Credentials.newToken()
        let now = clock.now()
        let session = ConsoleSession(
            tokenHash: SecretHash.hex(token),
            operatorID: account.id,
            csrfToken: Credentials.newToken(),
            createdAt: now,
            expiresAt: now.addingTimeInterval(Self.sessionLifetime)
        )
        try await storage.insertConsoleSession(session)
        return .success((token, SignedIn(account: account, session: session)))
    }

    /// The operator of a session cookie: the session exists and is unexpired, and the account is still
    /// configured and enabled (a disabled operator is out at their next request).
    public func session(token: String) async throws -> SignedIn? {
        guard let session = try await storage.consoleSession(tokenHash: SecretHash.hex(token)), session.expiresAt > clock.now(),
            let account = try await storage.operatorAccount(id: session.operatorID), account.enabled
        else { return nil }
        return SignedIn(account: account, session: session)
    }

    public func signOut(token: String) async throws {
        try await storage.deleteConsoleSession(tokenHash: SecretHash.hex(token))
    }

    /// A bcrypt hash for the configuration file (`lastmile operators hash-password`).
    public static func hashPassword(_ password: String, cost: UInt8 = 12) -> String { Bcrypt.hash(password, cost: cost) }

    /// Compares CSRF tokens in constant time.
    public static func tokensMatch(_ a: String, _ b: String) -> Bool {
        Credentials.constantTimeEqual(SecretHash.hex(a), SecretHash.hex(b))
    }

    /// A hash of a random password nobody has, of the usual cost (made once, on the first unknown id).
    static let decoyHash = Bcrypt.hash(Credentials.newToken(), cost: 12)
}
