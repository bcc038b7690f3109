import Foundation
import PropertyBased
import Testing

@testable import LastMileCore

/// Property tests of multi-stop capacity (§2.0.5) over thousands of generated stores: shifts, settings,
/// commitments (some on accepted trips), a `now` and a candidate. Every plan is checked by `TripChecker`,
/// written from the contract apart from the planner; completeness is checked against `ReferencePlanner`,
/// the tests' own one-order-per-trip reference procedure.
@Suite("Multi-stop capacity properties (§2.0.5)")
struct TripCapacityPropertyTests {
    static let store = GeoPoint(latitude: 37.792, longitude: -122.3934)
    static let estimator = DeliveryEstimator()
    static let day = ts("2025-06-11T15:00:00Z")  // 08:00 in San Francisco

    /// One generated store and candidate.
    struct Scenario: CustomStringConvertible {
        var rules: TripRules
        var shifts: [DriverShift]
        var commitments: [Commitment]
        var now: Date
        var candidate: Commitment

        var description: String {
            "rules \(rules), now \(Timestamp.format(now)), \(shifts.count) shifts, \(commitments.count) commitments, candidate \(candidate.window)"
        }

        /// The answer `capacity` gives for the candidate.
        func candidateOutcome(_ capacity: TripCapacity) -> PlanOutcome {
            capacity.evaluate(window: candidate.window, destination: candidate.destination, travelMinutes: candidate.travelMinutes)
        }

        var capacity: TripCapacity {
            TripCapacity(store: store, shifts: shifts, commitments: commitments, rules: rules, now: now)
        }
    }

    /// A scenario from a seed: 1–4 drivers with shifts in a 14-hour day, up to 30 commitments within 1–6
    /// miles in 1–3-hour windows, some accepted by a driver who is then busy for a while, `now` anywhere from
    /// before the day to its middle.
    static func scenario(_ seed: UInt64) -> Scenario {
        var rng = SeededGenerator(state: seed)
        func minutes(_ range: ClosedRange<Int>) -> Date { day.addingTimeInterval(Double(Int.random(in: range, using: &rng) * 60)) }
        let rules = TripRules(
            pickupDwellMinutes: Int.random(in: 1...8, using: &rng),
            dropoffDwellMinutes: Int.random(in: 1...8, using: &rng),
            maxOrdersPerTrip: Int.random(in: 1...5, using: &rng),
            maxMinutesInVehicle: Int.random(in: 15...120, using: &rng)
        )
        let shifts = (0..<Int.random(in: 1...4, using: &rng)).map { n -> DriverShift in
            let start = minutes(-60...300)
            return DriverShift(driverID: "d\(n)", start: start, end: start.addingTimeInterval(Double(Int.random(in: 120...780, using: &rng) * 60)))
        }
        let now = minutes(-120...360)
        let radius = Double.random(in: 1...6, using: &rng)
        func commitment(_ id: Int64, created: Date) -> Commitment {
            let miles = radius * Double.random(in: 0...1, using: &rng).squareRoot()
            let bearing = Double.random(in: 0...(2 * .pi), using: &rng)
            let point = GeoPoint(
                latitude: ((store.latitude + miles / 69.05 * cos(bearing)) * 10_000).rounded() / 10_000,
                longitude: ((store.longitude + miles / 54.6 * sin(bearing)) * 10_000).rounded() / 10_000
            )
            let start = minutes(0...720)
            return Commitment(
                id: id,
                createdAt: created,
                windowStart: start,
                windowEnd: start.addingTimeInterval(Double(Int.random(in: 1...3, using: &rng) * 3600)),
                travelMinutes: estimator.estimatedMinutes(from: store, to: point),
                destination: point
            )
        }
        var commitments: [Commitment] = []
        for k in 0..<Int.random(in: 0...30, using: &rng) {
            var c = commitment(Int64(k + 1), created: now.addingTimeInterval(-Double(Int.random(in: 1...100_000, using: &rng))))
            if Int.random(in: 0..<100, using: &rng) < 10, let s = shifts.randomElement(using: &rng) {
                c.assignment = Commitment.Assignment(
                    driverID: s.driverID,
                    busyUntil: now.addingTimeInterval(Double(Int.random(in: 0...7200, using: &rng)))
                )
            }
            commitments.append(c)
        }
        return Scenario(rules: rules, shifts: shifts, commitments: commitments, now: now, candidate: commitment(.max, created: now))
    }

    /// Checks a kept plan against §2.0.5 without the planner's code: each shift's trips in sequence from when
    /// its driver is free (shift start, now, an accepted trip's return), each trip valid by `TripChecker`, and
    /// every commitment in `mustServe` served exactly once. Returns the problems found.
    static func problems(of plan: [RoutePlanner.ShiftPlan], in s: Scenario, mustServe: Set<Int64>) -> [String] {
        let checker = TripChecker(store: store, rules: s.rules, travel: TripCapacity.travel(estimator))
        var problems: [String] = []
        var served: [Int64] = []
        for shift in plan {
            var free = max(shift.shift.start, s.now)
            for c in s.commitments { if let a = c.assignment, a.driverID == shift.shift.driverID { free = max(free, a.busyUntil) } }
            for trip in shift.trips {
                if !checker.isValid(trip, earliest: free, latestReturn: shift.shift.end) {
                    problems.append("invalid trip \(trip.stops.map(\.id)) on \(shift.shift.driverID)")
                }
                free = trip.returnAt
                served += trip.stops.map(\.id)
            }
        }
        if Set(served).count != served.count { problems.append("a commitment is served twice: \(served)") }
        if !mustServe.isSubset(of: Set(served)) { problems.append("not served: \(mustServe.subtracting(served).sorted())") }
        if served.contains(where: { id in s.commitments.first { $0.id == id }?.assignment != nil }) {
            problems.append("an accepted commitment was planned again")
        }
        return problems
    }

    @Test("sound: an available candidate comes with a plan, checked apart from the planner, that serves it and every commitment")
    func sound() async {
        await propertyCheck(count: 2000, input: Gen.int(in: 0...Int(UInt32.max))) { seed in
            let s = Self.scenario(UInt64(seed))
            let outcome = s.candidateOutcome(s.capacity)
            guard outcome.available else { return }
            // The plan kept once the candidate is booked: the commitments' plan with the candidate, recomputed.
            var booked = s
            booked.commitments.append(s.candidate)
            let after = booked.capacity
            let counted = Set(after.reference.counted)
            let issues = Self.problems(of: after.keptPlan, in: booked, mustServe: counted.union([s.candidate.id]))
            #expect(issues.isEmpty, "seed \(seed): \(issues)")
            // The handoff time offered is the t0 of the candidate's trip in that plan.
            #expect(after.trip(serving: s.candidate.id)?.trip.t0 == outcome.handoff, "seed \(seed)")
        }
    }

    @Test("at least as complete as the reference procedure (one order per trip), implemented apart in the tests")
    func complete() async {
        await propertyCheck(count: 2000, input: Gen.int(in: 0...Int(UInt32.max))) { seed in
            let s = Self.scenario(UInt64(seed))
            let reference = ReferencePlanner.plan(
                shifts: s.shifts,
                commitments: s.commitments,
                pickup: Int(s.rules.pickupDwell / 60),
                dropoff: Int(s.rules.dropoffDwell / 60),
                now: s.now,
                candidateStart: s.candidate.windowStart,
                candidateEnd: s.candidate.windowEnd,
                travel: s.candidate.travelMinutes
            )
            guard reference != nil else { return }
            let outcome = s.candidateOutcome(s.capacity)
            #expect(outcome.available, "seed \(seed): the reference serves the candidate")
        }
    }

    @Test("deterministic: the same commitments in any order give the same answer and the same plan")
    func deterministic() async {
        await propertyCheck(count: 1000, input: Gen.int(in: 0...Int(UInt32.max))) { seed in
            let s = Self.scenario(UInt64(seed))
            var shuffled = s
            var rng = SeededGenerator(state: UInt64(seed) &+ 1)
            shuffled.commitments.shuffle(using: &rng)
            shuffled.shifts.shuffle(using: &rng)
            let a = s.capacity
            let b = shuffled.capacity
            #expect(a.keptPlan == b.keptPlan, "seed \(seed)")
            #expect(s.candidateOutcome(a) == s.candidateOutcome(b), "seed \(seed)")
        }
    }

    @Test("every plan of the commitments alone is valid, and never moves an accepted trip's driver before its return")
    func everyPlanIsValid() async {
        await propertyCheck(count: 2000, input: Gen.int(in: 0...Int(UInt32.max))) { seed in
            let s = Self.scenario(UInt64(seed))
            let capacity = s.capacity
            // What the plan serves it serves validly; when it claims to serve all counted commitments, it does.
            let claimed = capacity.insertionServesAll || capacity.reference.servesAll
            let issues = Self.problems(of: capacity.keptPlan, in: s, mustServe: claimed ? Set(capacity.reference.counted) : [])
            #expect(issues.isEmpty, "seed \(seed): \(issues)")
        }
    }

    @Test("local search keeps every commitment served, every trip valid, and lowers the work of the plan")
    func improvementKeepsThePlanValid() async {
        await propertyCheck(count: 1000, input: Gen.int(in: 0...Int(UInt32.max))) { seed in
            let s = Self.scenario(UInt64(seed))
            let capacity = s.capacity
            guard capacity.insertionServesAll, let improved = capacity.routes.improved() else { return }
            let issues = Self.problems(of: improved.shifts, in: s, mustServe: Set(capacity.reference.counted))
            #expect(issues.isEmpty, "seed \(seed): \(issues)")
            #expect(improved.work < capacity.routes.work, "seed \(seed)")
        }
    }

    @Test("a plan resumed from the cache is the plan built from nothing, whatever was built before")
    func cachedPlanIsThePlanFromNothing() async {
        await propertyCheck(count: 1000, input: Gen.int(in: 0...Int(UInt32.max))) { seed in
            let s = Self.scenario(UInt64(seed))
            var rng = SeededGenerator(state: UInt64(seed) &+ 7)
            // Built before: the same store with one commitment gone (a hold that expired) or one more (the
            // candidate booked), or the same commitments.
            var before = s.commitments
            switch Int.random(in: 0..<3, using: &rng) {
            case 0: if !before.isEmpty { before.remove(at: Int.random(in: 0..<before.count, using: &rng)) }
            case 1: before.append(s.candidate)
            default: break
            }
            let cache = PlanCache()
            _ = TripCapacity(store: Self.store, shifts: s.shifts, commitments: before, rules: s.rules, now: s.now, cache: (cache, key: "s"))
            let resumed = TripCapacity(
                store: Self.store,
                shifts: s.shifts,
                commitments: s.commitments,
                rules: s.rules,
                now: s.now,
                cache: (cache, key: "s")
            )
            let fresh = s.capacity
            #expect(resumed.keptPlan == fresh.keptPlan, "seed \(seed)")
            #expect(s.candidateOutcome(resumed) == s.candidateOutcome(fresh), "seed \(seed)")
        }
    }
}
