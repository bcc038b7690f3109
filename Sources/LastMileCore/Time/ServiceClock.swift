import Foundation
import Synchronization

/// The only source of "now" in LastMile. Production uses `SystemClock`; `serve --now` uses a
/// `RunningClock` that starts at a chosen instant; tests and the sandbox test clock use `ManualClock`.
public protocol ServiceClock: Sendable {
    func now() -> Date
}

/// A clock the sandbox test clock can move (development mode).
public protocol AdjustableClock: ServiceClock {
    func set(to instant: Date)
    func advance(by seconds: TimeInterval)
}

/// Wall-clock time. The one place the system time is read.
public struct SystemClock: ServiceClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// Starts at `start` and runs at real speed from the moment it was created; it can be moved
/// (set or advanced) so development servers and the sandbox test clock can shift time.
public final class RunningClock: AdjustableClock {
    private let offset: Mutex<TimeInterval>
    private let base: any ServiceClock

    public init(startingAt start: Date, base: any ServiceClock = SystemClock()) {
        self.base = base
        self.offset = Mutex(start.timeIntervalSince(base.now()))
    }

    public func now() -> Date { base.now().addingTimeInterval(offset.withLock { $0 }) }

    public func set(to instant: Date) {
        let delta = instant.timeIntervalSince(base.now())
        offset.withLock { $0 = delta }
    }

    public func advance(by seconds: TimeInterval) {
        offset.withLock { $0 += seconds }
    }
}

/// A clock that only moves when told to. Deterministic tests use it.
public final class ManualClock: AdjustableClock {
    private let instant: Mutex<Date>
    public init(_ start: Date) { instant = Mutex(start) }
    public func now() -> Date { instant.withLock { $0 } }
    public func set(to date: Date) { instant.withLock { $0 = date } }
    public func advance(by seconds: TimeInterval) { instant.withLock { $0 = $0.addingTimeInterval(seconds) } }
}
