import Foundation

/// What the retention job deletes (issue 9, finding 8): rows nothing reads any more once they are old.
public enum RetentionKind: String, Sendable, CaseIterable {
    /// Listed service options, by when they were listed (holds and orders keep their own copy of the window).
    case serviceOptions = "service_options"
    /// Access tokens, by expiry (an expired token authenticates nothing).
    case accessTokens = "access_tokens"
    /// Holds, by expiry (released, consumed or lapsed: an order keeps its own copy).
    case holds
    /// Callback delivery attempts, by when they were made (the event itself stays with its order).
    case callbackAttempts = "callback_attempts"
    /// Console sessions, by expiry (an expired session opens nothing).
    case consoleSessions = "console_sessions"

    /// Where each kind lives: its table, key column and reference instant column (both engines).
    public var columns: (table: String, key: String, instant: String) {
        switch self {
        case .serviceOptions: ("service_options", "id", "listed_at")
        case .accessTokens: ("access_tokens", "token_hash", "expires_at")
        case .holds: ("holds", "id", "expires_at")
        case .callbackAttempts: ("callback_attempts", "id", "attempted_at")
        case .consoleSessions: ("console_sessions", "token_hash", "expires_at")
        }
    }
}

/// How long each kind is kept past its reference instant.
public struct RetentionPolicy: Sendable, Equatable {
    public var serviceOptions: TimeInterval = 2 * 86_400
    public var accessTokens: TimeInterval = 86_400
    public var holds: TimeInterval = 7 * 86_400
    public var callbackAttempts: TimeInterval = 30 * 86_400
    public var consoleSessions: TimeInterval = 86_400

    public init() {}

    public func keep(_ kind: RetentionKind) -> TimeInterval {
        switch kind {
        case .serviceOptions: serviceOptions
        case .accessTokens: accessTokens
        case .holds: holds
        case .callbackAttempts: callbackAttempts
        case .consoleSessions: consoleSessions
        }
    }
}
