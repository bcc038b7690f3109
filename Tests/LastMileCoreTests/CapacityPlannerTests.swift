import Foundation
import Testing

@testable import LastMileCore

/// Tiny deterministic generator (64-bit LCG with Knuth's MMIX constants). No system randomness.
struct LCG {
    private var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1 }
    mutating func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return state >> 33
    }
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }
    mutating func chance(_ percent: Int) -> Bool { int(0...99) < percent }
}

/// A straightforward implementation of the §2.0.5 trip model and reference procedure, in whole seconds,
/// written from the contract text (not from the planner).
enum ReferencePlanner {
    struct Item {
        var start: Int, end: Int, created: Int
        var id: Int64
        var travel: Int
        var isCandidate: Bool
    }

    static func seconds(_ d: Date) -> Int { Int(d.timeIntervalSince1970.rounded(.down)) }

    /// The candidate's `(t0, t_arr)` when every commitment and the candidate find a shift; nil otherwise.
    static func plan(
        shifts: [DriverShift],
        commitments: [Commitment],
        pickup: Int,
        dropoff: Int,
        now: Date,
        candidateStart: Date,
        candidateEnd: Date,
        travel: Int
    ) -> (handoff: Int, arrival: Int)? {
        let nowS = seconds(now)
        let pickupS = pickup * 60
        let dropoffS = dropoff * 60
        // Ties between shifts: earlier shift start, then lower driver ID.
        let order = shifts.indices.sorted { a, b in
            let sa = seconds(shifts[a].start)
            let sb = seconds(shifts[b].start)
            return sa != sb ? sa < sb : shifts[a].driverID < shifts[b].driverID
        }
        // A driver is at the store not before its shift start and not before now…
        let idle = shifts.map { max(seconds($0.start), nowS) }
        // …and a driver with an assigned order is busy until its planned return.
        var free = idle
        for c in commitments {
            guard let a = c.assignment else { continue }
            for i in shifts.indices where shifts[i].driverID == a.driverID {
                free[i] = max(free[i], seconds(a.busyUntil))
            }
        }
        func arrival(_ it: Item, _ freeAt: Int, _ shiftEnd: Int) -> Int? {
            // The driver may wait at the store so as not to arrive before the window.
            let t0 = max(freeAt, it.start - pickupS - it.travel)
            let arr = t0 + pickupS + it.travel
            guard it.start <= arr, arr <= it.end else { return nil }
            guard arr + dropoffS + it.travel <= shiftEnd else { return nil }
            return arr
        }
        var items: [Item] = []
        for c in commitments where c.assignment == nil {
            let it = Item(
                start: seconds(c.windowStart),
                end: seconds(c.windowEnd),
                created: seconds(c.createdAt),
                id: c.id,
                travel: c.travelMinutes * 60,
                isCandidate: false
            )
            // Ignored when not even an otherwise idle driver could serve it.
            let servable = shifts.indices.contains { arrival(it, idle[$0], seconds(shifts[$0].end)) != nil }
            if servable { items.append(it) }
        }
        items.append(
            Item(
                start: seconds(candidateStart),
                end: seconds(candidateEnd),
                created: nowS,
                id: .max,
                travel: travel * 60,
                isCandidate: true
            )
        )
        items.sort { ($0.end, $0.start, $0.created, $0.id) < ($1.end, $1.start, $1.created, $1.id) }
        var result: (handoff: Int, arrival: Int)?
        for it in items {
            var best: (shift: Int, arrival: Int)?
            for i in order {
                guard let arr = arrival(it, free[i], seconds(shifts[i].end)) else { continue }
                if let b = best, b.arrival <= arr { continue }
                best = (i, arr)
            }
            guard let chosen = best else { return nil }
            free[chosen.shift] = chosen.arrival + dropoffS + it.travel
            if it.isCandidate { result = (chosen.arrival - it.travel - pickupS, chosen.arrival) }
        }
        return result
    }
}

@Suite("Capacity planner (§2.0.5)")
struct CapacityPlannerTests {
    /// "Now" for the hand-computed cases.
    let s = ts("2025-06-10T16:00:00Z")

    func planner(
        _ shifts: [DriverShift],
        _ commitments: [Commitment] = [],
        pickup: Int = 5,
        dropoff: Int = 5,
        now: Date? = nil
    ) -> CapacityPlanner {
        CapacityPlanner(
            shifts: shifts,
            commitments: commitments,
            pickupDwellMinutes: pickup,
            dropoffDwellMinutes: dropoff,
            now: now ?? s
        )
    }

    func shift(_ id: String, _ start: Date, _ end: Date) -> DriverShift { DriverShift(driverID: id, start: start, end: end) }

    func commitment(
        _ id: Int64,
        _ start: Date,
        _ end: Date,
        travel: Int = 10,
        created: Date? = nil,
        assignedTo driver: String? = nil,
        busyUntil: Date? = nil
    ) -> Commitment {
        var c = Commitment(
            id: id,
            createdAt: created ?? s.plus(hours: -1),
            windowStart: start,
            windowEnd: end,
            travelMinutes: travel,
            destination: GeoPoint(latitude: 0, longitude: 0)  // the reference procedure uses travelMinutes only
        )
        if let driver, let busyUntil { c.assignment = Commitment.Assignment(driverID: driver, busyUntil: busyUntil) }
        return c
    }

    // MARK: Trip model

    @Test func windowTheDriverCanReachIsAvailable() {
        // pickup 5 + est 10: the driver leaves at t0 + 5 and arrives at t0 + 15.
        let p = planner([shift("d1", s, s.plus(hours: 8))])
        let o = p.evaluate(windowStart: s.plus(hours: 1), windowEnd: s.plus(hours: 3), travelMinutes: 10)
        #expect(o.available)
        #expect(o.handoff == s.plus(minutes: 45))  // waits at the store so as not to arrive early
        #expect(o.arrival == s.plus(hours: 1))
        // Earliest possible arrival: now + pickup + est.
        let exact = p.evaluate(windowStart: s, windowEnd: s.plus(minutes: 15), travelMinutes: 10)
        #expect(exact.available)
        #expect(exact.handoff == s)
        #expect(exact.arrival == s.plus(minutes: 15))
    }

    @Test func windowEndingBeforeNowPlusPickupPlusTravelIsUnavailable() {
        let p = planner([shift("d1", s, s.plus(hours: 8))])
        #expect(p.evaluate(windowStart: s, windowEnd: s.plus(seconds: 899), travelMinutes: 10) == PlanOutcome.unavailable)
        #expect(!p.evaluate(windowStart: s, windowEnd: s.plus(minutes: 14), travelMinutes: 10).available)
        #expect(!p.evaluate(windowStart: s.plus(hours: -2), windowEnd: s.plus(hours: -1), travelMinutes: 10).available)
    }

    @Test func driverMustBeBackByShiftEnd() {
        let p = planner([shift("d1", s, s.plus(hours: 8))])
        // Arrival 7:45 after now, back at 7:45 + 5 + 10 = 8:00 = shift end: allowed.
        #expect(p.evaluate(windowStart: s.plus(minutes: 465), windowEnd: s.plus(hours: 9), travelMinutes: 10).available)
        // One minute later the return is after the shift end.
        #expect(!p.evaluate(windowStart: s.plus(minutes: 466), windowEnd: s.plus(hours: 9), travelMinutes: 10).available)
    }

    @Test func driverIsNotAtTheStoreBeforeTheShiftStarts() {
        let p = planner([shift("d1", s.plus(hours: 1), s.plus(hours: 8))])
        #expect(!p.evaluate(windowStart: s, windowEnd: s.plus(hours: 1), travelMinutes: 10).available)
        let o = p.evaluate(windowStart: s, windowEnd: s.plus(minutes: 75), travelMinutes: 10)
        #expect(o.available)
        #expect(o.handoff == s.plus(hours: 1))
        // Nor before now, when the shift started earlier.
        let started = planner([shift("d1", s.plus(hours: -3), s.plus(hours: 8))])
        #expect(started.evaluate(windowStart: s.plus(hours: -1), windowEnd: s.plus(hours: 1), travelMinutes: 10).handoff == s)
    }

    @Test func identicalCommitmentsSaturateAShiftExactly() {
        // pickup 7, est 12, dropoff 3: one trip = 7 + 12 + 3 + 12 = 34 minutes. 7 trips = 238 minutes.
        let windowEnd = s.plus(hours: 6)
        func commitments(_ n: Int) -> [Commitment] {
            (1...n).map { commitment(Int64($0), s, windowEnd, travel: 12) }
        }
        func check(_ n: Int, shiftMinutes: Double) -> PlanOutcome {
            planner([shift("d1", s, s.plus(minutes: shiftMinutes))], commitments(n), pickup: 7, dropoff: 3)
                .evaluate(windowStart: s, windowEnd: windowEnd, travelMinutes: 12)
        }
        // 6 commitments + the candidate = 7 trips in 238 minutes: the candidate (created now) goes last.
        let fits = check(6, shiftMinutes: 238)
        #expect(fits.available)
        #expect(fits.handoff == s.plus(minutes: 6 * 34))
        #expect(fits.arrival == s.plus(minutes: 6 * 34 + 19))
        #expect(!check(6, shiftMinutes: 237).available)
        #expect(!check(7, shiftMinutes: 238).available)
        #expect(check(7, shiftMinutes: 272).available)
    }

    @Test func assignedCommitmentBlocksItsDriverUntilBusyUntil() {
        let busy = commitment(1, s.plus(hours: -1), s.plus(minutes: 30), assignedTo: "d1", busyUntil: s.plus(hours: 2))
        let p = planner([shift("d1", s, s.plus(hours: 8))], [busy])
        #expect(!p.evaluate(windowStart: s, windowEnd: s.plus(hours: 1), travelMinutes: 10).available)
        #expect(!p.evaluate(windowStart: s, windowEnd: s.plus(minutes: 134), travelMinutes: 10).available)
        let o = p.evaluate(windowStart: s, windowEnd: s.plus(minutes: 135), travelMinutes: 10)
        #expect(o.available)
        #expect(o.handoff == s.plus(hours: 2))
        #expect(o.arrival == s.plus(minutes: 135))
        // An assignment to another driver does not block d1.
        let other = commitment(1, s.plus(hours: -1), s.plus(minutes: 30), assignedTo: "d2", busyUntil: s.plus(hours: 2))
        #expect(
            planner([shift("d1", s, s.plus(hours: 8))], [other])
                .evaluate(windowStart: s, windowEnd: s.plus(hours: 1), travelMinutes: 10).available
        )
        // A planned return in the past does not delay the driver.
        let done = commitment(1, s.plus(hours: -2), s.plus(hours: -1), assignedTo: "d1", busyUntil: s.plus(minutes: -10))
        #expect(
            planner([shift("d1", s, s.plus(hours: 8))], [done])
                .evaluate(windowStart: s, windowEnd: s.plus(minutes: 15), travelMinutes: 10).handoff == s
        )
    }

    // MARK: Reference procedure

    @Test func earlyEndingCommitmentIsServedFirst() {
        // One driver, trips of 30 minutes. The commitment ends at +20 min, the candidate at +2 h:
        // sorted by window end the commitment goes first (arrival +15), the candidate after the return (+30).
        let early = commitment(1, s, s.plus(minutes: 20))
        let o = planner([shift("d1", s, s.plus(hours: 8))], [early])
            .evaluate(windowStart: s, windowEnd: s.plus(hours: 2), travelMinutes: 10)
        #expect(o.available)
        #expect(o.handoff == s.plus(minutes: 30))
        #expect(o.arrival == s.plus(minutes: 45))
        // The other way round the candidate goes first.
        let late = commitment(1, s, s.plus(hours: 3))
        let first = planner([shift("d1", s, s.plus(hours: 8))], [late])
            .evaluate(windowStart: s, windowEnd: s.plus(minutes: 20), travelMinutes: 10)
        #expect(first.available)
        #expect(first.handoff == s)
    }

    @Test func equalWindowEndsAreOrderedByStartThenCreation() {
        // Same window end; the commitment starting earlier goes first although it was created after the
        // candidate (window start is compared before creation time).
        let c = commitment(1, s, s.plus(hours: 2), created: s.plus(minutes: 1))
        let o = planner([shift("d1", s, s.plus(hours: 8))], [c])
            .evaluate(windowStart: s.plus(minutes: 30), windowEnd: s.plus(hours: 2), travelMinutes: 10)
        // Commitment: t0 = now, back at +30. Candidate: arrival max(+30 + 15, +30) = +45.
        #expect(o.handoff == s.plus(minutes: 30))
        // Same window: the commitment (created before now) precedes the candidate (created now).
        let same = planner([shift("d1", s, s.plus(hours: 8))], [commitment(1, s, s.plus(hours: 2))])
            .evaluate(windowStart: s, windowEnd: s.plus(hours: 2), travelMinutes: 10)
        #expect(same.handoff == s.plus(minutes: 30))
    }

    /// Two drivers free now with the same arrival for C1: the tie goes to `zed` (earlier shift start) although
    /// `amy` has the lower ID. Only then can the candidate arrive in time (worked out by hand in the comments).
    @Test func arrivalTiesGoToTheEarlierShiftStart() {
        // zed [−1 h, +40 min] (one trip only); amy [now, +90 min].
        let shifts = [shift("amy", s, s.plus(minutes: 90)), shift("zed", s.plus(hours: -1), s.plus(minutes: 40))]
        let c1 = commitment(1, s, s.plus(minutes: 20))  // arrival +15 with either driver
        let c2 = commitment(2, s.plus(minutes: 40), s.plus(minutes: 45))  // zed cannot be back by +40
        // Correct: C1→zed; C2→amy (t0 +25, arr +40, back +55); candidate→amy (t0 +55, arr +70 ≤ +72).
        // Wrong (C1→amy): C2→amy (arr +45, back +60); candidate arr +75 > +72.
        let o = planner(shifts, [c1, c2]).evaluate(windowStart: s.plus(minutes: 70), windowEnd: s.plus(minutes: 72), travelMinutes: 10)
        #expect(o.available)
        #expect(o.handoff == s.plus(minutes: 55))
        #expect(o.arrival == s.plus(minutes: 70))
    }

    @Test func arrivalTiesWithEqualShiftStartsGoToTheLowerDriverID() {
        // Same construction; both shifts start at −1 h: the tie goes to "al" (lower ID), the one-trip shift.
        let shifts = [shift("bo", s.plus(hours: -1), s.plus(minutes: 90)), shift("al", s.plus(hours: -1), s.plus(minutes: 40))]
        let c1 = commitment(1, s, s.plus(minutes: 20))
        let c2 = commitment(2, s.plus(minutes: 40), s.plus(minutes: 45))
        let o = planner(shifts, [c1, c2]).evaluate(windowStart: s.plus(minutes: 70), windowEnd: s.plus(minutes: 72), travelMinutes: 10)
        #expect(o.available)
        #expect(o.handoff == s.plus(minutes: 55))
        // Swapping the IDs sends C1 to the long shift and the candidate no longer fits.
        let swapped = [shift("al", s.plus(hours: -1), s.plus(minutes: 90)), shift("bo", s.plus(hours: -1), s.plus(minutes: 40))]
        #expect(!planner(swapped, [c1, c2]).evaluate(windowStart: s.plus(minutes: 70), windowEnd: s.plus(minutes: 72), travelMinutes: 10).available)
    }

    @Test func commitmentNoIdleDriverCouldServeIsIgnored() {
        let shifts = [shift("d1", s, s.plus(hours: 8))]
        let past = commitment(1, s.plus(hours: -2), s.plus(hours: -1))
        let tooClose = commitment(2, s.plus(hours: -1), s.plus(minutes: 10))  // earliest arrival is +15
        let o = planner(shifts, [past, tooClose]).evaluate(windowStart: s, windowEnd: s.plus(minutes: 20), travelMinutes: 10)
        #expect(o.available)
        #expect(o.handoff == s)
        // Control: a servable commitment in the same slot does take the driver.
        let servable = commitment(3, s, s.plus(minutes: 20))
        #expect(!planner(shifts, [servable]).evaluate(windowStart: s, windowEnd: s.plus(minutes: 20), travelMinutes: 10).available)
    }

    @Test func unservableSetOfCommitmentsMakesEveryCandidateUnavailable() {
        // Two servable commitments competing for the single driver's only slot: no plan serves both.
        let shifts = [shift("d1", s, s.plus(hours: 8))]
        let cs = [commitment(1, s, s.plus(minutes: 20)), commitment(2, s, s.plus(minutes: 20))]
        let p = planner(shifts, cs)
        #expect(!p.evaluate(windowStart: s.plus(hours: 3), windowEnd: s.plus(hours: 5), travelMinutes: 10).available)
        #expect(!p.evaluate(windowStart: s, windowEnd: s.plus(minutes: 16), travelMinutes: 10).available)
    }

    // MARK: Earliest arrival

    @Test func earliestArrivalIsTheFirstWholeMinute() throws {
        let now = s.plus(seconds: 30)
        let limit = now.plus(hours: 5)
        let idle = planner([shift("d1", s.plus(hours: -1), s.plus(hours: 8))], now: now)
        // now + 5 + 10 min = 16:15:30 → 16:16:00.
        let a = try #require(idle.earliestArrival(travelMinutes: 10, limit: limit))
        #expect(a == ts("2025-06-10T16:16:00Z"))
        #expect(a.timeIntervalSince1970.truncatingRemainder(dividingBy: 60) == 0)
        // Shift starting at 17:00: 17:15:00 exactly.
        let later = planner([shift("d1", s.plus(hours: 1), s.plus(hours: 8))], now: now)
        #expect(later.earliestArrival(travelMinutes: 10, limit: limit) == ts("2025-06-10T17:15:00Z"))
        #expect(later.earliestArrival(travelMinutes: 10, limit: ts("2025-06-10T17:14:59Z")) == nil)
        #expect(later.earliestArrival(travelMinutes: 10, limit: ts("2025-06-10T17:15:00Z")) == ts("2025-06-10T17:15:00Z"))
        // Busy (assigned) until 16:20:10 → arrival 16:35:10 → 16:36:00.
        let busy = commitment(9, s.plus(hours: -1), s.plus(minutes: 30), assignedTo: "d1", busyUntil: ts("2025-06-10T16:20:10Z"))
        let blocked = planner([shift("d1", s.plus(hours: -1), s.plus(hours: 8))], [busy], now: now)
        #expect(blocked.earliestArrival(travelMinutes: 10, limit: limit) == ts("2025-06-10T16:36:00Z"))
        // No driver at all.
        #expect(planner([], now: now).earliestArrival(travelMinutes: 10, limit: limit) == nil)
    }

    // MARK: Agreement with the reference procedure

    /// For seeded random stores, the planner's answer must equal a plain run of the reference procedure:
    /// available exactly when every commitment and the candidate find a shift, with the same handoff and arrival.
    @Test func agreesWithTheReferenceProcedureOnRandomScenarios() {
        let base = ts("2025-06-10T16:00:00Z")
        let names = ["amy", "bob", "cy", "dee"]
        var available = 0
        var unavailable = 0
        for seed in UInt64(1)...UInt64(150) {
            var rng = LCG(seed: seed)
            let now = base.plus(seconds: Double(rng.int(0...59) * 60 + 17))
            let pickup = rng.int(0...10)
            let dropoff = rng.int(0...10)
            let shiftCount = rng.int(1...3)
            let nameOffset = rng.int(0...3)
            var shifts: [DriverShift] = []
            for k in 0..<shiftCount {
                let start = base.plus(minutes: Double(15 * rng.int(-4...8)))
                let end = start.plus(minutes: Double(30 * rng.int(1...16)))
                shifts.append(DriverShift(driverID: names[(k + nameOffset) % names.count], start: start, end: end))
            }
            var commitments: [Commitment] = []
            for k in 0..<rng.int(0...10) {
                let start = base.plus(minutes: Double(15 * rng.int(-8...24)))
                let end = start.plus(minutes: Double(15 * rng.int(1...10)))
                let created = base.plus(minutes: Double(-10 * rng.int(1...4)))
                var c = Commitment(
                    id: Int64(100 + (k * 37) % 101),
                    createdAt: created,
                    windowStart: start,
                    windowEnd: end,
                    travelMinutes: rng.int(1...30),
                    destination: GeoPoint(latitude: 0, longitude: 0)
                )
                if rng.chance(15) {
                    let driver = rng.chance(80) ? shifts[rng.int(0...(shiftCount - 1))].driverID : "ghost"
                    c.assignment = Commitment.Assignment(driverID: driver, busyUntil: base.plus(minutes: Double(rng.int(-30...180))))
                }
                commitments.append(c)
            }
            let planner = CapacityPlanner(
                shifts: shifts,
                commitments: commitments,
                pickupDwellMinutes: pickup,
                dropoffDwellMinutes: dropoff,
                now: now
            )
            for _ in 0..<8 {
                let start = rng.chance(25) ? now : base.plus(minutes: Double(15 * rng.int(-2...24)))
                let end = start.plus(minutes: Double(15 * rng.int(1...12)))
                let travel = rng.int(1...30)
                let got = planner.evaluate(windowStart: start, windowEnd: end, travelMinutes: travel)
                let want = ReferencePlanner.plan(
                    shifts: shifts,
                    commitments: commitments,
                    pickup: pickup,
                    dropoff: dropoff,
                    now: now,
                    candidateStart: start,
                    candidateEnd: end,
                    travel: travel
                )
                #expect(got.available == (want != nil), "seed \(seed): [\(Timestamp.format(start)), \(Timestamp.format(end))] est \(travel)")
                if let want {
                    available += 1
                    #expect(got.handoff == Date(timeIntervalSince1970: Double(want.handoff)), "seed \(seed)")
                    #expect(got.arrival == Date(timeIntervalSince1970: Double(want.arrival)), "seed \(seed)")
                } else {
                    unavailable += 1
                }
            }
            // Earliest arrival: brute force over whole minutes with the reference procedure.
            let travel = rng.int(1...30)
            let limit = now.plus(hours: 5)
            var expected: Date?
            var a = Date(timeIntervalSince1970: (now.timeIntervalSince1970 / 60).rounded(.up) * 60)
            while a <= limit {
                if ReferencePlanner.plan(
                    shifts: shifts,
                    commitments: commitments,
                    pickup: pickup,
                    dropoff: dropoff,
                    now: now,
                    candidateStart: now,
                    candidateEnd: a,
                    travel: travel
                ) != nil {
                    expected = a
                    break
                }
                a = a.plus(minutes: 1)
            }
            #expect(planner.earliestArrival(travelMinutes: travel, limit: limit) == expected, "seed \(seed)")
        }
        // The scenarios exercise both outcomes.
        #expect(available >= 100)
        #expect(unavailable >= 100)
    }
}

/// Turning shift rules into concrete shifts (§2.0.5 drivers; development-mode virtual drivers).
@Suite("Shift calendar")
struct ShiftCalendarTests {
    @Test func weeklyShiftsAreInStoreLocalTime() {
        // Tuesday 08:00–15:00 PDT = 15:00Z–22:00Z on 2025-06-10.
        let store = Fixtures.store(shifts: [.weekly(driverID: "ann", weekdays: [1], start: hm(8), end: hm(15))])
        let shifts = ShiftCalendar.shifts(
            for: store,
            from: ts("2025-06-10T00:00:00Z"),
            to: ts("2025-06-11T00:00:00Z"),
            virtualDrivers: true
        )
        #expect(shifts == [DriverShift(driverID: "ann", start: ts("2025-06-10T15:00:00Z"), end: ts("2025-06-10T22:00:00Z"))])
    }

    @Test func datedShiftsAreKeptWhenTheyOverlap() {
        let store = Fixtures.store(shifts: [
            .dated(driverID: "hal", start: ts("2025-06-10T18:00:00Z"), end: ts("2025-06-10T20:00:00Z")),
            .dated(driverID: "ivy", start: ts("2025-06-12T18:00:00Z"), end: ts("2025-06-12T20:00:00Z")),
        ])
        let shifts = ShiftCalendar.shifts(
            for: store,
            from: ts("2025-06-10T19:00:00Z"),
            to: ts("2025-06-11T19:00:00Z"),
            virtualDrivers: true
        )
        #expect(shifts.map(\.driverID) == ["hal"])
    }

    @Test func driverlessStoreGetsThreeVirtualDriversDuringDeliveryHours() {
        let store = Fixtures.store()
        let shifts = ShiftCalendar.shifts(
            for: store,
            from: ts("2025-06-10T15:00:00Z"),
            to: ts("2025-06-10T16:00:00Z"),
            virtualDrivers: true
        )
        #expect(shifts.count == ShiftCalendar.virtualDriverCount)
        #expect(ShiftCalendar.virtualDriverCount == 3)
        #expect(Set(shifts.map(\.driverID)).count == 3)
        #expect(shifts.allSatisfy { $0.start == ts("2025-06-10T15:00:00Z") && $0.end == ts("2025-06-11T04:00:00Z") })
        #expect(
            ShiftCalendar.shifts(
                for: store,
                from: ts("2025-06-10T15:00:00Z"),
                to: ts("2025-06-10T16:00:00Z"),
                virtualDrivers: false
            ).isEmpty
        )
    }
}
