import Logging
import Synchronization
import Testing

@testable import LastMileFleet

@Suite("Callback outbox: backing off while the database is down (issue 9, finding 10)")
struct OutboxBackoffTests {
    /// Collects log messages.
    final class Captured: Sendable {
        let messages = Mutex<[String]>([])
    }

    struct CapturingHandler: LogHandler {
        let captured: Captured
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt)
        {
            captured.messages.withLock { $0.append("\(level): \(message)") }
        }
    }

    struct Down: Error {}

    @Test("pauses double from 0.2 s to a 30 s cap; one warning for the outage and one notice when it ends")
    func backoff() {
        let captured = Captured()
        let logger = Logger(label: "test") { _ in CapturingHandler(captured: captured) }
        let backoff = CallbackOutbox.Backoff()
        let pauses = (0..<12).map { _ in backoff.failed(Down(), logger) }
        #expect(pauses.prefix(4) == [.milliseconds(200), .milliseconds(400), .milliseconds(800), .milliseconds(1600)])
        #expect(pauses.suffix(3).allSatisfy { $0 == .seconds(30) })
        backoff.succeeded(logger)
        backoff.succeeded(logger)
        #expect(backoff.failed(Down(), logger) == .milliseconds(200))
        let messages = captured.messages.withLock { $0 }
        #expect(messages.filter { $0.hasPrefix("warning") }.count == 2, "\(messages)")  // one per outage
        #expect(messages.filter { $0.contains("reachable again after 12 failed claims") }.count == 1, "\(messages)")
    }
}
