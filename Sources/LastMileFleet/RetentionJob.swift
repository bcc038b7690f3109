import Foundation
import LastMileCore
import LastMileStorage
import Logging

/// Deletes what nothing reads any more (`RetentionPolicy`), in batches of `batchSize` rows with a pause
/// between them, so the database never holds a long delete and disk use stays bounded. Runs on every
/// server; deletes are idempotent, so several servers on one database only share the work.
public struct RetentionJob: Sendable {
    let storage: any Storage
    let clock: any ServiceClock
    let policy: RetentionPolicy
    let logger: Logger
    let batchSize: Int

    public init(
        storage: any Storage,
        clock: any ServiceClock,
        policy: RetentionPolicy = RetentionPolicy(),
        logger: Logger,
        batchSize: Int = 1_000
    ) {
        self.storage = storage
        self.clock = clock
        self.policy = policy
        self.logger = logger
        self.batchSize = batchSize
    }

    public func run(interval: Duration = .seconds(3600)) async {
        while !Task.isCancelled {
            await pass()
            try? await Task.sleep(for: interval)
        }
    }

    /// One pass over every kind; returns the rows deleted per kind.
    @discardableResult
    public func pass(pause: Duration = .milliseconds(50)) async -> [RetentionKind: Int] {
        var deleted: [RetentionKind: Int] = [:]
        let now = clock.now()
        for kind in RetentionKind.allCases {
            let before = now.addingTimeInterval(-policy.keep(kind))
            do {
                while !Task.isCancelled {
                    let n = try await storage.purge(kind, before: before, limit: batchSize)
                    deleted[kind, default: 0] += n
                    if n < batchSize { break }
                    try? await Task.sleep(for: pause)
                }
            } catch {
                logger.warning("retention: cannot purge \(kind.rawValue): \(error)")
            }
        }
        let total = deleted.values.reduce(0, +)
        if total > 0 {
            logger.info(
                "retention: deleted \(deleted.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.value) \($0.key.rawValue)" }.joined(separator: ", "))"
            )
        }
        return deleted
    }
}
