import Foundation

/// Runs an improvement (`RoutePlanner.improved()`): the caller's hook to time it for a metric; the plan
/// never depends on it.
public typealias ImprovementRunner = @Sendable (_ improve: () -> RoutePlanner?) -> RoutePlanner?

/// Local search over the unaccepted trips of a plan (§2.0.5): moves that make the plan cheaper to drive,
/// so that later orders find room. Every move keeps every commitment served within its window and every
/// shift within its hours (a move whose trips cannot all be timed is never taken), and accepted trips are
/// not in the plan at all (their drivers are only busy), so they never change.
///
/// The search is bounded by a number of moves tried, not by a clock: the plan must come out the same on
/// every server that recomputes it from the same commitments (see `TripCapacity`), and a wall-clock budget
/// would make it depend on how busy each server is. `BENCHMARKS.md` reports what the budget costs in time.
extension RoutePlanner {
    /// Moves tried per improvement, at most.
    public static let improvementBudget = 600

    /// The work of the plan, in seconds: every trip's driving and pickup dwell. Lower work leaves the
    /// drivers more time for later orders.
    public var work: Double {
        shifts.reduce(0) { sum, plan in plan.trips.reduce(sum) { $0 + tripDriving($1) + rules.pickupDwell } }
    }

    /// The plan after first-improvement local search, at most `budget` moves tried, in a fixed order:
    /// **relocate** (a stop to the cheapest place anywhere: another position, another trip of any shift, or a
    /// trip of its own; moving a stop out of a one-stop trip merges trips), then for each pair of trips that
    /// are close in time **exchange** (two stops swap places) and **2-opt\*** (two trips swap their tails).
    /// A move is taken when it lowers `work` by at least a second; the search restarts after each. Nil when
    /// no move does.
    public func improved(budget: Int = Self.improvementBudget) -> RoutePlanner? {
        var plan: RoutePlanner?
        var left = budget
        while left > 0, let better = (plan ?? self).firstImprovement(left: &left) { plan = better }
        return plan
    }

    /// The first move, in search order, that lowers the work; nil when none does within the budget.
    func firstImprovement(left: inout Int) -> RoutePlanner? {
        let before = work - 1
        for (s, plan) in shifts.enumerated() {
            for trip in plan.trips {
                for stop in trip.stops {
                    guard left > 0 else { return nil }
                    left -= 1
                    if let moved = relocating(stop, from: s), moved.work <= before { return moved }
                }
            }
        }
        for (a, b) in tripPairs() {
            for move in pairMoves(a, b) {
                guard left > 0 else { return nil }
                left -= 1
                if let moved = applying(move), moved.work <= before { return moved }
            }
        }
        return nil
    }

    /// The plan with `stop` taken out of shift `s` and placed again where it adds the least work.
    func relocating(_ stop: TripStop, from s: Int) -> RoutePlanner? {
        var sequences = shifts[s].trips.map(\.stops)
        for t in sequences.indices { sequences[t].removeAll { $0.id == stop.id } }
        sequences.removeAll(where: \.isEmpty)
        guard let without = retimed(sequences, in: shifts[s]) else { return nil }
        var attempt = self
        attempt.shifts[s] = without
        guard let placed = attempt.bestInsertion(stop) else { return nil }
        attempt.shifts[placed.shift] = placed.plan
        return attempt
    }

    /// A trip's place in the plan: shift and index.
    struct TripIndex: Equatable {
        var shift: Int, trip: Int
    }

    /// Pairs of trips, in plan order, that overlap in time give or take an hour: the only ones between which
    /// an exchange or a tail swap can keep windows.
    func tripPairs() -> [(TripIndex, TripIndex)] {
        let all = shifts.indices.flatMap { s in shifts[s].trips.indices.map { TripIndex(shift: s, trip: $0) } }
        var pairs: [(TripIndex, TripIndex)] = []
        for (i, a) in all.enumerated() {
            let ta = shifts[a.shift].trips[a.trip]
            for b in all[(i + 1)...] {
                let tb = shifts[b.shift].trips[b.trip]
                if tb.t0 <= ta.returnAt.addingTimeInterval(3600) && ta.t0 <= tb.returnAt.addingTimeInterval(3600) {
                    pairs.append((a, b))
                }
            }
        }
        return pairs
    }

    /// Two trips' new stop sequences.
    struct PairMove {
        var a: TripIndex, b: TripIndex
        var stopsA: [TripStop], stopsB: [TripStop]
    }

    /// Every exchange of one stop of `a` with one of `b`, then every swap of their tails (2-opt\*) that
    /// changes something and keeps both within `maxOrdersPerTrip` (a trip left empty is dropped).
    func pairMoves(_ a: TripIndex, _ b: TripIndex) -> [PairMove] {
        let sa = shifts[a.shift].trips[a.trip].stops
        let sb = shifts[b.shift].trips[b.trip].stops
        var moves: [PairMove] = []
        for i in sa.indices {
            for j in sb.indices {
                var na = sa
                var nb = sb
                na[i] = sb[j]
                nb[j] = sa[i]
                moves.append(PairMove(a: a, b: b, stopsA: na, stopsB: nb))
            }
        }
        for i in 0...sa.count {
            for j in 0...sb.count where !(i == sa.count && j == sb.count) && !(i == 0 && j == 0) {
                let na = Array(sa[..<i] + sb[j...])
                let nb = Array(sb[..<j] + sa[i...])
                guard na.count <= rules.maxOrdersPerTrip, nb.count <= rules.maxOrdersPerTrip else { continue }
                moves.append(PairMove(a: a, b: b, stopsA: na, stopsB: nb))
            }
        }
        return moves
    }

    /// The plan with a pair move made, each changed shift retimed; nil when a trip cannot be served.
    func applying(_ move: PairMove) -> RoutePlanner? {
        var attempt = self
        var sequences: [Int: [[TripStop]]] = [:]
        for s in Set([move.a.shift, move.b.shift]) { sequences[s] = shifts[s].trips.map(\.stops) }
        sequences[move.a.shift]![move.a.trip] = move.stopsA
        sequences[move.b.shift]![move.b.trip] = move.stopsB
        for (s, trips) in sequences {
            guard let plan = retimed(trips.filter { !$0.isEmpty }, in: shifts[s]) else { return nil }
            attempt.shifts[s] = plan
        }
        return attempt
    }
}
