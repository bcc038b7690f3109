import LastMileFleet
import Synchronization
import Testing

@Suite("withDeadline: one deadline over an operation, never waiting for one that ignores cancellation")
struct DeadlineTests {
    @Test("a result within the deadline is returned; errors pass through")
    func withinDeadline() async throws {
        #expect(try await withDeadline(.seconds(5)) { 42 } == 42)
        struct Boom: Error {}
        await #expect(throws: Boom.self) { try await withDeadline(.seconds(5)) { throw Boom() } }
    }

    @Test("an operation that ignores cancellation is abandoned at the deadline, not awaited")
    func stuckOperation() async throws {
        let finished = Mutex(false)
        await #expect(throws: DeadlineExceeded.self) {
            try await withDeadline(.milliseconds(200)) {
                // Blocks without checking for cancellation (as a call on a silent connection may).
                let until = ContinuousClock.now + .seconds(20)
                while ContinuousClock.now < until { try? await Task.sleep(for: .milliseconds(100)) }
                finished.withLock { $0 = true }
                return 1
            }
        }
        // Had withDeadline awaited the operation, it would have finished (20 s) before the error arrived; the
        // margin is wide so that a loaded machine (the property tests run alongside) cannot make it pass late.
        #expect(finished.withLock { $0 } == false)
    }

    @Test("cancelling the caller ends the wait at once")
    func callerCancelled() async throws {
        let task = Task {
            try await withDeadline(.seconds(30)) {
                try await Task.sleep(for: .seconds(30))
                return 1
            }
        }
        try await Task.sleep(for: .milliseconds(50))
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
    }
}
