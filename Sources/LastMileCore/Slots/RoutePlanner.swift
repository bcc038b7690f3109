import Foundation

/// Multi-stop trips for a store's shifts (§2.0.5), built by insertion: each commitment, in reference order,
/// goes where it adds the least driving (into an unaccepted trip, at any position, or as a new trip on any
/// shift), keeping every earlier commitment served. `TripCapacity` builds it from a store's commitments.
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
    public private(set) var shifts: [ShiftPlan]
    /// Commitments no insertion could place (the reference procedure may still place them).
    public private(set) var unplaced: [Int64] = []

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

    /// Places `stop` where it adds the least driving; false (and nothing changes) when it fits nowhere.
    @discardableResult
    public mutating func insert(_ stop: TripStop) -> Bool {
        guard let best = bestInsertion(stop) else {
            unplaced.append(stop.id)
            return false
        }
        shifts[best.shift] = best.plan
        return true
    }

    /// Where `stop` would go, without placing it: the shift, its new plan, and the trip that serves `stop`.
    ///
    /// Of the feasible insertions it takes the one that adds the least driving (room for later orders is
    /// driving time not spent), then the one that moves the planned handoffs of the commitments already
    /// placed the least (their customers were given those plans; a later order joins without reshuffling
    /// them), then the one whose shift is back earliest, then the earliest shift.
    public func bestInsertion(_ stop: TripStop) -> (shift: Int, plan: ShiftPlan, trip: TimedTrip)? {
        var best: (cost: (Double, Double, Date, Int), shift: Int, plan: ShiftPlan, trip: TimedTrip)?
        for (s, plan) in shifts.enumerated() {
            // A shift that ends before the window opens, or is busy past its end, cannot take it.
            guard plan.shift.end > stop.window.start, plan.freeAt <= stop.window.end else { continue }
            let before = driving(plan)
            var handoffs: [Int64: Date] = [:]
            for trip in plan.trips {
                for (i, placed) in trip.stops.enumerated() { handoffs[placed.id] = trip.handoffs[i] }
            }
            for option in options(for: stop, in: plan) {
                guard let retimed = retime(option.trips, in: plan) else { continue }
                var moved = 0.0
                for trip in retimed.trips {
                    for (i, placed) in trip.stops.enumerated() {
                        if let old = handoffs[placed.id] { moved += abs(trip.handoffs[i].timeIntervalSince(old)) }
                    }
                }
                let cost = (driving(retimed) - before, moved, retimed.trips.last?.returnAt ?? retimed.freeAt, s)
                if best == nil || cost < best!.cost {
                    best = (cost, s, retimed, retimed.trips[option.tripIndex])
                }
            }
        }
        return best.map { ($0.shift, $0.plan, $0.trip) }
    }

    /// Every way to add `stop` to one shift: at each position of each trip with room, or as a trip of its own
    /// before, between or after the others.
    func options(for stop: TripStop, in plan: ShiftPlan) -> [(trips: [[TripStop]], tripIndex: Int)] {
        let sequences = plan.trips.map(\.stops)
        var out: [(trips: [[TripStop]], tripIndex: Int)] = []
        for (t, stops) in sequences.enumerated() where stops.count < rules.maxOrdersPerTrip {
            for position in 0...stops.count {
                var changed = sequences
                changed[t].insert(stop, at: position)
                out.append((changed, t))
            }
        }
        for t in 0...sequences.count {
            var changed = sequences
            changed.insert([stop], at: t)
            out.append((changed, t))
        }
        return out
    }

    /// The shift with these trips, each timed from the return of the one before; nil when one cannot be served.
    func retime(_ sequences: [[TripStop]], in plan: ShiftPlan) -> ShiftPlan? {
        var result = plan
        result.trips = []
        var free = plan.freeAt
        for stops in sequences {
            guard let trip = TripTiming.time(stops, store: store, earliest: free, latestReturn: plan.shift.end, rules: rules, travel: travel)
            else { return nil }
            result.trips.append(trip)
            free = trip.returnAt
        }
        return result
    }

    /// Total driving time of a shift's trips.
    func driving(_ plan: ShiftPlan) -> Double {
        plan.trips.reduce(0) { total, trip in
            var here = store
            var sum = 0.0
            for stop in trip.stops {
                sum += travel(here, stop.destination)
                here = stop.destination
            }
            return total + sum + travel(here, store)
        }
    }
}
