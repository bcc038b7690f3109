import Foundation
import Synchronization

/// Each retailer's service time: the process clock plus the retailer's own offset, which only the sandbox
/// test clock sets (development mode). Like Stripe's test clocks, moving one retailer's time moves its
/// tokens, holds, windows, simulated drivers and callback retries, and nobody else's (issue 9, finding 5).
public final class RetailerClocks: Sendable {
    public let base: any ServiceClock
    private let offsets = Mutex<[String: TimeInterval]>([:])

    public init(base: any ServiceClock) { self.base = base }

    /// Whether the test clock may move time at all (the process clock is adjustable only in development).
    public var adjustable: Bool { base is any AdjustableClock }

    public func now(for retailerID: String) -> Date {
        base.now().addingTimeInterval(offsets.withLock { $0[retailerID] ?? 0 })
    }

    public func clock(for retailerID: String) -> any ServiceClock { RetailerClock(clocks: self, retailerID: retailerID) }

    /// Moves the retailer's time forward by `seconds`.
    public func advance(_ retailerID: String, by seconds: TimeInterval) {
        offsets.withLock { $0[retailerID, default: 0] += seconds }
    }

    /// Sets the retailer's time to `instant` (callers refuse moving it backwards).
    public func set(_ retailerID: String, to instant: Date) {
        let delta = instant.timeIntervalSince(base.now())
        offsets.withLock { $0[retailerID] = delta }
    }

    /// The retailers whose time differs from the process clock, with their offsets.
    public var moved: [String: TimeInterval] { offsets.withLock { $0.filter { $0.value != 0 } } }
}

/// One retailer's view of `RetailerClocks`.
public struct RetailerClock: ServiceClock {
    let clocks: RetailerClocks
    let retailerID: String
    public func now() -> Date { clocks.now(for: retailerID) }
}
