import Foundation
import LastMileCore

/// A signed-in operator's session (issue 13). The cookie carries a random token; only its SHA-256 is stored,
/// like API tokens, so a database dump opens no console.
public struct ConsoleSession: Sendable, Equatable {
    public var tokenHash: String
    public var operatorID: String
    /// Every state-changing form carries it (synchroniser token): a cross-site form cannot know it.
    public var csrfToken: String
    public var createdAt: Date
    public var expiresAt: Date

    public init(tokenHash: String, operatorID: String, csrfToken: String, createdAt: Date, expiresAt: Date) {
        self.tokenHash = tokenHash
        self.operatorID = operatorID
        self.csrfToken = csrfToken
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// A delivery window an operator closed: it is no longer offered or booked; orders already in it keep it.
public struct ClosedWindow: Sendable, Equatable {
    public var retailerID: String
    public var locationCode: String
    public var window: DeliveryWindow
    public var closedAt: Date
    public var closedBy: String

    public init(retailerID: String, locationCode: String, window: DeliveryWindow, closedAt: Date, closedBy: String) {
        self.retailerID = retailerID
        self.locationCode = locationCode
        self.window = window
        self.closedAt = closedAt
        self.closedBy = closedBy
    }
}

/// One operator action, kept for accountability (closing a window, cancelling an order, resending a callback,
/// signing in or failing to).
public struct AuditEntry: Sendable, Equatable {
    public var id: Int64
    public var at: Date
    public var operatorID: String
    public var action: String
    public var retailerID: String?
    public var subject: String
    public var detail: String

    public init(id: Int64 = 0, at: Date, operatorID: String, action: String, retailerID: String?, subject: String, detail: String = "") {
        self.id = id
        self.at = at
        self.operatorID = operatorID
        self.action = action
        self.retailerID = retailerID
        self.subject = subject
        self.detail = detail
    }
}

/// Row-id high-water marks of what the console shows: when any grows, something changed. Cheap to read (each is
/// a primary-key maximum), so every open page can ask every second, on any server of the database.
public struct ChangeMarks: Sendable, Equatable {
    public var events: Int64
    public var holds: Int64
    public var audit: Int64
    public init(events: Int64, holds: Int64, audit: Int64) {
        self.events = events
        self.holds = holds
        self.audit = audit
    }
}

/// The console's persistence (issue 13), part of every engine.
public protocol ConsoleStorage: Sendable {
    /// Every configured retailer's id, sorted.
    func retailerIDs() async throws -> [String]
    func operatorAccount(id: String) async throws -> OperatorAccount?

    func insertConsoleSession(_ session: ConsoleSession) async throws
    func consoleSession(tokenHash: String) async throws -> ConsoleSession?
    func deleteConsoleSession(tokenHash: String) async throws

    /// The store's closed windows that end after `endingAfter`.
    func closedWindows(retailerID: String, locationCode: String, endingAfter: Date) async throws -> [ClosedWindow]
    /// Closes (`closed`) or reopens a window and records `audit` in the same transaction. Returns false when
    /// the window already was in that state (nothing written, nothing audited).
    func setWindow(_ window: ClosedWindow, closed: Bool, audit: AuditEntry) async throws -> Bool

    func appendAudit(_ entry: AuditEntry) async throws
    /// Newest first; `retailerIDs` nil = every retailer (entries without one included).
    func auditEntries(retailerIDs: [String]?, limit: Int) async throws -> [AuditEntry]

    func changeMarks() async throws -> ChangeMarks
}

/// Closed windows as engines read them beside a store's configuration: `start,end;start,end` in whole seconds.
public enum ClosedWindowList {
    public static func parse(_ text: String?) -> Set<DeliveryWindow> {
        guard let text, !text.isEmpty else { return [] }
        var out = Set<DeliveryWindow>()
        for pair in text.split(separator: ";") {
            let parts = pair.split(separator: ",")
            guard parts.count == 2, let s = Int64(parts[0]), let e = Int64(parts[1]) else { continue }
            out.insert(DeliveryWindow(start: Date(timeIntervalSince1970: Double(s)), end: Date(timeIntervalSince1970: Double(e))))
        }
        return out
    }
}
