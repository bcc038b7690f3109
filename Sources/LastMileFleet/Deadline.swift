/// The time an operation ran out of.
public struct DeadlineExceeded: Error, CustomStringConvertible {
    public var limit: Duration
    public var description: String { "no complete answer within \(limit)" }
}

/// Runs `operation` with one deadline over all of it. async-http-client's own deadline ends when the response
/// head arrives, so a receiver that sends its headers and then one byte every few seconds would hold an
/// attempt for as long as it liked; cancelling the task stops the body stream as well.
public func withDeadline<T: Sendable>(_ limit: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw DeadlineExceeded(limit: limit)
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
