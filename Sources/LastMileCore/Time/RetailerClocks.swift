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

    /// The test clock's upper bound: far beyond any real test, far below year 10000, so every instant the
    /// service then writes stays a four-digit-year timestamp it accepts back.
    public static let latest = Timestamp.parse("2100-01-01T00:00:00Z")!

    /// The sandbox test clock (a project addition): sets the retailer's time to `target`, or advances it by
    /// `seconds`. Time only moves forward (holds, orders and queued callbacks were stamped with the current
    /// time) and never past `latest`. Returns the retailer's new time.
    public func move(_ retailerID: String, to target: Date?, advancingBy seconds: TimeInterval?) throws -> Date {
        guard adjustable else { throw ServiceError.state("The service clock of this process cannot be moved") }
        let current = now(for: retailerID)
        if let target, target < current {
            throw ServiceError.badRequest("must not be earlier than the current service time", key: "now")
        }
        if (target ?? current.addingTimeInterval(seconds ?? 0)) > Self.latest {
            throw ServiceError.badRequest(
                "must not move the service time past \(Timestamp.format(Self.latest))",
                key: target != nil ? "now" : "advance_seconds"
            )
        }
        if let target { set(retailerID, to: target) } else if let seconds { advance(retailerID, by: seconds) }
        return now(for: retailerID)
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
