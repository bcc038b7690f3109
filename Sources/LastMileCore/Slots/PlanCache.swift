import Foundation
import Synchronization

/// Remembers, per store, the plans `TripCapacity` built last: the plan after each prefix of the commitments
/// in creation order. The plan is a function of the commitments (and of the shifts, rules and drivers'
/// start times), so a later build with the same first commitments resumes from the longest matching prefix
/// instead of inserting everything again: a new hold or order is the newest commitment, so a booking day's
/// builds place one stop each. A released or expired hold resumes from where it was. Purely a speed-up:
/// what comes out is what a build from nothing gives (tested), so every server still agrees.
///
/// One entry per store, the last build's, replaced by every build; a few kilobytes per commitment.
public final class PlanCache: Sendable {
    struct Entry {
        /// What the first plan depends on besides the commitments.
        var start: RoutePlanner.Start
        var stops: [TripStop]
        /// `plans[i]`: the plan of `stops[..<i]`; shorter than `stops` + 1 when a stop could not be placed.
        var plans: [RoutePlanner]
        /// The improvement of the plan of all `stops` (shared by the builds that match them all).
        var improvement: Memo<RoutePlanner?>
    }

    private let entries = Mutex<[String: Entry]>([:])

    public init() {}

    /// The plans to resume from: those of the longest prefix of `stops` already built from the same start.
    func resume(_ key: String, start: RoutePlanner.Start, stops: [TripStop]) -> (plans: [RoutePlanner], improvement: Memo<RoutePlanner?>?)? {
        entries.withLock { entries in
            guard let entry = entries[key], entry.start == start else { return nil }
            var common = 0
            let limit = min(entry.stops.count, stops.count, entry.plans.count - 1)
            while common < limit && entry.stops[common] == stops[common] { common += 1 }
            let whole = common == stops.count && common == entry.stops.count
            return (Array(entry.plans[...common]), whole ? entry.improvement : nil)
        }
    }

    func remember(_ key: String, _ entry: Entry) {
        entries.withLock { $0[key] = entry }
    }
}
