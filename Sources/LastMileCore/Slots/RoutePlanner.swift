import Foundation

/// Multi-stop trips for a store's shifts (§2.0.5), built by insertion: each commitment, in the order given
/// (`TripCapacity` gives creation order), goes where it adds the least work (into an unaccepted trip, at any
/// position, or as a new trip on any shift), keeping every earlier commitment served; when it fits nowhere,
/// one placed stop may move to make room, and when that fails too the plan is improved by local search
/// (`improved()`, deterministic) and the stop tried again.
public struct RoutePlanner: Sendable {
    /// A shift's trips in time order, each timed from the return of the one before.
    public struct ShiftPlan: Sendable, Equatable {
        public var shift: DriverShift
        /// When the driver can start a first trip: the shift start, now, or the return of an accepted trip.
        public var freeAt: Date
        public var trips: [TimedTrip]
    }

    public let store: GeoPoint
    public let rules: TripRules
    let travel: @Sendable (GeoPoint, GeoPoint) -> TimeInterval
    /// The plan of the commitments so far.
    public internal(set) var shifts: [ShiftPlan]
    /// Runs each improvement `insert` needs (a hook for timing it).
    var runImprovement: ImprovementRunner = { $0() }
    /// Commitments no insertion could place (the reference procedure may still place them).
    public private(set) var unplaced: [Int64] = []

    /// What a plan starts from before any commitment: the store, the rules and the shifts with the time
    /// each driver is free (`PlanCache` resumes only from the same start).
    struct Start: Equatable {
        var store: GeoPoint
        var rules: TripRules
        var shifts: [ShiftPlan]
    }

    var start: Start { Start(store: store, rules: rules, shifts: shifts) }

    /// `busyUntil` holds, per driver, the planned return of the trip that driver has accepted (fixed, §2.0.5).
    public init(
        store: GeoPoint,
        shifts: [DriverShift],
        busyUntil: [String: Date] = [:],
        now: Date,
        rules: TripRules,
        travel: @escaping @Sendable (GeoPoint, GeoPoint) -> TimeInterval
    ) {
        self.store = store
        self.rules = rules
        self.travel = travel
        // Ties between shifts go to the earlier start, then the lower driver id (as in the reference).
        self.shifts = shifts.sorted { ($0.start, $0.driverID) < ($1.start, $1.driverID) }.map { s in
            ShiftPlan(shift: s, freeAt: max(s.start, now, busyUntil[s.driverID] ?? s.start), trips: [])
        }
    }

    /// Places `stop` where it adds the least work, or else makes room for it by moving one placed stop (see
    /// `withEjection`), or else in the plan improved by local search (`improved()`, which is kept); false
    /// when none works, with every placed stop still served.
    @discardableResult
    public mutating func insert(_ stop: TripStop) -> Bool {
        if let made = placing(stop) {
            self = made
            settled = false
            return true
        }
        // Local search once per plan: a plan it has settled is not searched again until something changes.
        if !settled {
            let better = runImprovement { improved() }
            if let better { self = better }
            settled = true
            if better != nil, let made = placing(stop) {
                self = made
                settled = false
                return true
            }
        }
        unplaced.append(stop.id)
        return false
    }

    /// Whether local search has run on the plan as it is (and kept what it found): set by `insert` when a
    /// stop fits nowhere, cleared when a stop is placed.
    public internal(set) var settled = false

    /// This plan with `stop` placed where it adds the least work, or else after moving one placed stop.
    func placing(_ stop: TripStop) -> RoutePlanner? {
        if let best = bestInsertion(stop) {
            var placed = self
            placed.shifts[best.shift] = best.plan
            return placed
        }
        return withEjection(stop)
    }

    /// The plan with `stop` placed after moving one placed stop elsewhere, when `stop` fits nowhere as the plan
    /// is: tries each stop of the trips around `stop`'s window (an hour either side), in plan order, takes it
    /// out, places `stop`, and places the taken stop again; the first that works is the answer.
    public func withEjection(_ stop: TripStop) -> RoutePlanner? {
        let from = stop.window.start.addingTimeInterval(-3600)
        let to = stop.window.end.addingTimeInterval(3600)
        for (s, plan) in shifts.enumerated() {
            for (t, trip) in plan.trips.enumerated() where trip.t0 <= to && trip.returnAt >= from {
                for ejected in trip.stops {
                    var sequences = plan.trips.map(\.stops)
                    sequences[t].removeAll { $0.id == ejected.id }
                    if sequences[t].isEmpty { sequences.remove(at: t) }
                    guard let without = retimed(sequences, in: plan) else { continue }
                    var attempt = self
                    attempt.shifts[s] = without
                    // `stop` fitted nowhere before and only shift `s` changed: only `s` can take it now.
                    guard let placed = attempt.bestInsertion(stop, onlyShift: s) else { continue }
                    attempt.shifts[placed.shift] = placed.plan
                    guard let replaced = attempt.bestInsertion(ejected) else { continue }
                    attempt.shifts[replaced.shift] = replaced.plan
                    return attempt
                }
            }
        }
        return nil
    }

    /// The trip that serves commitment `id`, with its driver.
    public func trip(serving id: Int64) -> (driverID: String, trip: TimedTrip)? {
        for plan in shifts {
            for trip in plan.trips where trip.stops.contains(where: { $0.id == id }) { return (plan.shift.driverID, trip) }
        }
        return nil
    }

    /// A shift with these trips, each timed from the return of the one before; nil when one cannot be served.
    func retimed(_ sequences: [[TripStop]], in plan: ShiftPlan) -> ShiftPlan? {
        var result = plan
        result.trips = []
        var free = plan.freeAt
        for stops in sequences {
            guard let trip = time(stops, from: free, in: plan) else { return nil }
            result.trips.append(trip)
            free = trip.returnAt
        }
        return result
    }

    /// Where `stop` would go, without placing it: the shift, its new plan, and the trip that serves `stop`.
    ///
    /// Of the feasible insertions it takes the one that adds the least work (room for later orders is driver
    /// time not spent): the added driving, plus the pickup dwell for a trip of its own or `seatCost` for a
    /// seat in an existing trip; then the one that moves the planned handoffs of the commitments already
    /// placed the least (their customers were given those plans; a later order joins without reshuffling
    /// them), then the one whose shift is back earliest, then the earliest shift.
    public func bestInsertion(_ stop: TripStop, onlyShift: Int? = nil) -> (shift: Int, plan: ShiftPlan, trip: TimedTrip)? {
        var best: (cost: Cost, shift: Int, change: Change)?
        for (s, plan) in shifts.enumerated() where onlyShift == nil || onlyShift == s {
            // A shift that ends before the window opens, or is busy past its end, cannot take it.
            guard plan.shift.end > stop.window.start, plan.freeAt <= stop.window.end else { continue }
            for option in options(for: stop, in: plan) {
                guard let change = retime(option, in: plan) else { continue }
                let cost = Cost(
                    work: tripDriving(change.trips[0])
                        - (option.newTrip ? -rules.pickupDwell : tripDriving(plan.trips[option.index]) - Self.seatCost),
                    moved: change.moved,
                    back: change.back,
                    shift: s
                )
                if best == nil || cost < best!.cost { best = (cost, s, change) }
            }
        }
        guard let best else { return nil }
        var plan = shifts[best.shift]
        let change = best.change
        plan.trips.replaceSubrange(change.replaced, with: change.trips)
        return (best.shift, plan, change.trips[0])
    }

    /// What taking a seat of an existing trip costs, in seconds of work: a seat is kept for a customer close
    /// to the trip's other stops. Without it every new order joined any trip with room whose detour was
    /// shorter than a trip of its own, filling seats with far-apart stops early in the day. Eight minutes was
    /// the best of 0, 4, 8 and 12 on the capacity benchmark's heavy scenarios (BENCHMARKS.md).
    static let seatCost: TimeInterval = 8 * 60

    /// How an insertion is ranked (lexicographic; see `bestInsertion`).
    struct Cost: Comparable {
        var work: Double, moved: Double, back: Date, shift: Int
        static func < (a: Cost, b: Cost) -> Bool {
            (a.work, a.moved, a.back, a.shift) < (b.work, b.moved, b.back, b.shift)
        }
    }

    /// One way to add a stop to a shift: into trip `index` at `position`, or as a new trip before trip `index`.
    struct Option {
        var index: Int
        var position: Int
        var newTrip: Bool
        var stops: [TripStop]
    }

    /// The trips an insertion retimes: `trips` replace `replaced` of the shift's trips (the first is the trip
    /// that serves the new stop); `moved` is how far the handoffs already planned moved in all; `back` is
    /// when the shift's last trip returns.
    struct Change {
        var replaced: Range<Int>
        var trips: [TimedTrip]
        var moved: Double
        var back: Date
    }

    /// Every way to add `stop` to one shift that its window allows: at each position of each trip with room,
    /// or as a trip of its own before, between or after the others. Trips that cannot reach the window are
    /// skipped: those the driver cannot start before it closes, and shared trips whose stops close more than
    /// the freshness limit before it opens.
    func options(for stop: TripStop, in plan: ShiftPlan) -> [Option] {
        var out: [Option] = []
        let open = stop.window.start
        let close = stop.window.end
        for (t, trip) in plan.trips.enumerated() {
            let free = t == 0 ? plan.freeAt : plan.trips[t - 1].returnAt
            if free > close { break }  // this trip and every later one start too late
            if trip.stops.count < rules.maxOrdersPerTrip,
                let earliestClose = trip.stops.map(\.window.end).min(),
                open.timeIntervalSince(earliestClose) <= rules.maxInVehicle
            {
                for position in 0...trip.stops.count {
                    var stops = trip.stops
                    stops.insert(stop, at: position)
                    out.append(Option(index: t, position: position, newTrip: false, stops: stops))
                }
            }
            out.append(Option(index: t, position: 0, newTrip: true, stops: [stop]))
        }
        if (plan.trips.last?.returnAt ?? plan.freeAt) <= close {
            out.append(Option(index: plan.trips.count, position: 0, newTrip: true, stops: [stop]))
        }
        return out
    }

    /// The shift's trips from the changed one on, each timed from the return of the one before, until one is
    /// timed as before (the rest is then unchanged); nil when one cannot be served.
    func retime(_ option: Option, in plan: ShiftPlan) -> Change? {
        let t = option.index
        var free = t == 0 ? plan.freeAt : plan.trips[t - 1].returnAt
        guard let first = time(option.stops, from: free, in: plan) else { return nil }
        var trips = [first]
        var moved = 0.0
        if !option.newTrip {
            let old = plan.trips[t]
            for (i, s) in old.stops.enumerated() {
                if let j = first.stops.firstIndex(where: { $0.id == s.id }) { moved += abs(first.handoffs[j].timeIntervalSince(old.handoffs[i])) }
            }
        }
        free = first.returnAt
        // The trips after the changed one, in their old order.
        var next = option.newTrip ? t : t + 1
        while next < plan.trips.count {
            let old = plan.trips[next]
            if free <= (next == 0 ? plan.freeAt : plan.trips[next - 1].returnAt) && old.t0 >= free {
                break  // back no later than before: this trip and all after it keep their times
            }
            guard let trip = time(old.stops, from: free, in: plan) else { return nil }
            for (i, h) in trip.handoffs.enumerated() { moved += abs(h.timeIntervalSince(old.handoffs[i])) }
            trips.append(trip)
            free = trip.returnAt
            next += 1
        }
        let back = next < plan.trips.count ? plan.trips[plan.trips.count - 1].returnAt : free
        return Change(replaced: t..<next, trips: trips, moved: moved, back: back)
    }

    func time(_ stops: [TripStop], from free: Date, in plan: ShiftPlan) -> TimedTrip? {
        TripTiming.time(stops, store: store, earliest: free, latestReturn: plan.shift.end, rules: rules, travel: travel)
    }

    /// Driving time of one trip: store, each stop in turn, store.
    func tripDriving(_ trip: TimedTrip) -> Double {
        var here = store
        var sum = 0.0
        for stop in trip.stops {
            sum += travel(here, stop.destination)
            here = stop.destination
        }
        return sum + travel(here, store)
    }
}
