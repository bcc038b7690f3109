import Foundation

/// One driver on shift at a store: `[start, end)`.
public struct DriverShift: Sendable, Equatable {
    public var driverID: String
    public var start: Date
    public var end: Date
    public init(driverID: String, start: Date, end: Date) {
        self.driverID = driverID
        self.start = start
        self.end = end
    }
}

/// Something the store's drivers must serve (§2.0.5): an order or an active hold.
public struct Commitment: Sendable, Equatable {
    /// For orders in `acknowledged_for_delivery` or later: the driver keeps it and is busy until `busyUntil`.
    public struct Assignment: Sendable, Equatable {
        public var driverID: String
        public var busyUntil: Date
        public init(driverID: String, busyUntil: Date) {
            self.driverID = driverID
            self.busyUntil = busyUntil
        }
    }
    public var id: Int64
    public var createdAt: Date
    public var windowStart: Date
    public var windowEnd: Date
    public var travelMinutes: Int
    /// The order's address point, or the hold's listing address point (§2.0.5).
    public var destination: GeoPoint
    public var assignment: Assignment?

    public init(
        id: Int64,
        createdAt: Date,
        windowStart: Date,
        windowEnd: Date,
        travelMinutes: Int,
        destination: GeoPoint,
        assignment: Assignment? = nil
    ) {
        self.id = id
        self.createdAt = createdAt
        self.windowStart = windowStart
        self.windowEnd = windowEnd
        self.travelMinutes = travelMinutes
        self.destination = destination
        self.assignment = assignment
    }

    public var window: DeliveryWindow { DeliveryWindow(start: windowStart, end: windowEnd) }
}

/// The outcome of checking one candidate window.
public struct PlanOutcome: Sendable, Equatable {
    public var available: Bool
    /// The candidate's driver arrival at the store (`t0`): the handoff time.
    public var handoff: Date?
    /// The candidate's planned arrival at the customer.
    public var arrival: Date?
    /// The driver whose shift the plan gives the candidate (dispatch follows it).
    public var driverID: String? = nil
    public static let unavailable = PlanOutcome(available: false, handoff: nil, arrival: nil)
}

/// Decides whether a store's drivers can serve one more delivery window on top of its commitments (§2.0.5).
///
/// It runs the contract's reference procedure — sort by (window end, window start, creation time, id), give
/// each to the shift with the earliest feasible arrival — so it is exactly as complete as the reference and
/// sound by construction (the greedy assignment *is* the plan). The procedure for the existing commitments
/// alone is run once; each candidate replays only from its sorted position, and stops as soon as the
/// drivers' state matches that baseline again (everything after is then known to succeed).
public struct CapacityPlanner: Sendable {
    let shifts: [DriverShift]
    let pickup: TimeInterval
    let dropoff: TimeInterval
    let now: TimeInterval
    /// Unassigned commitments that some idle driver could serve, in reference order.
    let queue: [Item]
    /// Drivers' next free time before processing `queue[k]` in the baseline run (`baseline[queue.count]` = end).
    let baseline: [[Double]]
    /// Index of the first commitment the baseline could not place, if any.
    let baselineFailure: Int?

    struct Item: Sendable {
        var start: Double, end: Double, created: Double, id: Int64, travel: Double
    }

    public init(shifts: [DriverShift], commitments: [Commitment], pickupDwellMinutes: Int, dropoffDwellMinutes: Int, now: Date) {
        let nowT = now.timeIntervalSince1970
        self.now = nowT
        // A shift over by now can serve nothing (every trip starts at `now` or later), and the calendar gives
        // a day of them before `now`: leaving them out changes no answer and shortens every scan below.
        // Ties between shifts go to the earlier shift start, then the lower driver id.
        let sortedShifts = shifts.filter { $0.end.timeIntervalSince1970 > nowT }.sorted { ($0.start, $0.driverID) < ($1.start, $1.driverID) }
        self.shifts = sortedShifts
        pickup = Double(pickupDwellMinutes * 60)
        dropoff = Double(dropoffDwellMinutes * 60)

        var initial = sortedShifts.map { max($0.start.timeIntervalSince1970, nowT) }
        for c in commitments {
            guard let a = c.assignment else { continue }
            for (i, s) in sortedShifts.enumerated() where s.driverID == a.driverID {
                initial[i] = max(initial[i], a.busyUntil.timeIntervalSince1970)
            }
        }
        let pickupD = pickup
        let dropoffD = dropoff
        let idle = sortedShifts.map { max($0.start.timeIntervalSince1970, nowT) }
        var items: [Item] = []
        for c in commitments where c.assignment == nil {
            let item = Item(
                start: c.windowStart.timeIntervalSince1970,
                end: c.windowEnd.timeIntervalSince1970,
                created: c.createdAt.timeIntervalSince1970,
                id: c.id,
                travel: Double(c.travelMinutes * 60)
            )
            // Commitments no idle driver could serve are ignored (the service reschedules them instead).
            let servable = sortedShifts.indices.contains { i in
                Self.arrival(
                    item,
                    freeAt: idle[i],
                    shiftEnd: sortedShifts[i].end.timeIntervalSince1970,
                    pickup: pickupD,
                    dropoff: dropoffD
                ) != nil
            }
            if servable { items.append(item) }
        }
        items.sort(by: Self.precedes)
        queue = items

        var states: [[Double]] = [initial]
        states.reserveCapacity(items.count + 1)
        var state = initial
        var failure: Int?
        for (k, item) in items.enumerated() {
            guard let (i, arr) = Self.bestShift(item, state: state, shifts: sortedShifts, pickup: pickupD, dropoff: dropoffD) else {
                failure = k
                break
            }
            state[i] = arr + dropoffD + item.travel
            states.append(state)
        }
        baseline = states
        baselineFailure = failure
    }

    static func precedes(_ a: Item, _ b: Item) -> Bool {
        if a.end != b.end { return a.end < b.end }
        if a.start != b.start { return a.start < b.start }
        if a.created != b.created { return a.created < b.created }
        return a.id < b.id
    }

    /// Arrival time for one trip by a driver free at `freeAt`, or nil if it cannot be made within the window
    /// and back before the shift ends. The driver waits at the store so as not to arrive before the window.
    @inline(__always)
    static func arrival(_ item: Item, freeAt: Double, shiftEnd: Double, pickup: Double, dropoff: Double) -> Double? {
        let t0 = max(freeAt, item.start - pickup - item.travel)
        let arr = t0 + pickup + item.travel
        guard arr <= item.end, arr + dropoff + item.travel <= shiftEnd else { return nil }
        return arr
    }

    /// The shift with the earliest feasible arrival (ties: earlier shift start, lower driver id — the sort order).
    @inline(__always)
    static func bestShift(_ item: Item, state: [Double], shifts: [DriverShift], pickup: Double, dropoff: Double) -> (Int, Double)? {
        var best: (Int, Double)?
        for i in shifts.indices {
            let end = shifts[i].end.timeIntervalSince1970
            if end <= item.start - item.travel - pickup { continue }
            if let arr = arrival(item, freeAt: state[i], shiftEnd: end, pickup: pickup, dropoff: dropoff),
                best == nil || arr < best!.1
            {
                best = (i, arr)
            }
        }
        return best
    }

    /// Whether a new commitment with this window and travel time can be served on top of all others.
    public func evaluate(windowStart: Date, windowEnd: Date, travelMinutes: Int) -> PlanOutcome {
        let candidate = Item(
            start: windowStart.timeIntervalSince1970,
            end: windowEnd.timeIntervalSince1970,
            created: now,
            id: .max,
            travel: Double(travelMinutes * 60)
        )
        // Position of the candidate in reference order.
        var lo = 0
        var hi = queue.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if Self.precedes(queue[mid], candidate) { lo = mid + 1 } else { hi = mid }
        }
        let position = lo
        if let f = baselineFailure, f < position { return .unavailable }
        var state = baseline[position]
        guard let (ci, arr) = Self.bestShift(candidate, state: state, shifts: shifts, pickup: pickup, dropoff: dropoff) else {
            return .unavailable
        }
        let t0 = arr - travelMinutesSeconds(travelMinutes) - pickup
        state[ci] = arr + dropoff + candidate.travel
        var k = position
        while k < queue.count {
            if baselineFailure == nil, state == baseline[k] { break }  // same as the baseline from here: all served
            guard let (i, a) = Self.bestShift(queue[k], state: state, shifts: shifts, pickup: pickup, dropoff: dropoff) else {
                return .unavailable
            }
            state[i] = a + dropoff + queue[k].travel
            k += 1
        }
        return PlanOutcome(
            available: true,
            handoff: Date(timeIntervalSince1970: t0),
            arrival: Date(timeIntervalSince1970: arr),
            driverID: shifts[ci].driverID
        )
    }

    private func travelMinutesSeconds(_ m: Int) -> Double { Double(m * 60) }

    /// The ids of the unassigned commitments the check counts (those some idle driver could serve).
    public var counted: [Int64] { queue.map(\.id) }

    /// Whether the reference procedure serves every counted commitment.
    public var servesAll: Bool { baselineFailure == nil }

    /// The reference procedure's own plan, one commitment per trip: for each counted commitment its shift and
    /// its `t0` (empty past the first commitment it cannot place).
    func referenceTrips() -> [(id: Int64, shift: DriverShift, t0: Date)] {
        var out: [(id: Int64, shift: DriverShift, t0: Date)] = []
        var state = baseline[0]
        for item in queue {
            guard let (i, arr) = Self.bestShift(item, state: state, shifts: shifts, pickup: pickup, dropoff: dropoff) else { break }
            out.append((item.id, shifts[i], Date(timeIntervalSince1970: arr - item.travel - pickup)))
            state[i] = arr + dropoff + item.travel
        }
        return out
    }

    /// §2.0.5 earliest arrival `A`: the earliest whole minute such that a candidate `[now, A]` is available,
    /// searched up to `limit`.
    public func earliestArrival(travelMinutes: Int, limit: Date) -> Date? {
        let nowDate = Date(timeIntervalSince1970: now)
        var a = Timestamp.ceilToMinute(nowDate.addingTimeInterval(pickup + Double(travelMinutes * 60)))
        while a <= limit {
            if evaluate(windowStart: nowDate, windowEnd: a, travelMinutes: travelMinutes).available { return a }
            a = a.addingTimeInterval(60)
        }
        return nil
    }
}

/// Turns a store's shift rules into concrete shifts, and gives driverless stores their development-mode
/// virtual drivers (§2.0.5).
public enum ShiftCalendar {
    public static let virtualDriverCount = 3

    public static func shifts(for store: Store, from: Date, to: Date, virtualDrivers: Bool) -> [DriverShift] {
        let zone = store.zone
        var out: [DriverShift] = []
        let firstDay = zone.localDate(of: from).adding(days: -1)
        let lastDay = zone.localDate(of: to).adding(days: 1)
        func eachDay(_ body: (CivilDate) -> Void) {
            var d = firstDay
            while d <= lastDay {
                body(d)
                d = d.adding(days: 1)
            }
        }
        for rule in store.shifts {
            switch rule {
            case .dated(let driver, let s, let e):
                if e > from && s < to { out.append(DriverShift(driverID: driver, start: s, end: e)) }
            case .weekly(let driver, let weekdays, let start, let end):
                eachDay { d in
                    guard weekdays.contains(d.weekdayIndex) else { return }
                    let s = zone.resolve(date: d, minuteOfDay: start)
                    let e = zone.resolve(date: d, minuteOfDay: end)
                    if e > s, e > from, s < to { out.append(DriverShift(driverID: driver, start: s, end: e)) }
                }
            }
        }
        if store.shifts.isEmpty && virtualDrivers {
            eachDay { d in
                guard let h = store.deliveryHours.on(d) else { return }
                let s = zone.resolve(date: d, minuteOfDay: h.open)
                let e = zone.resolve(date: d, minuteOfDay: h.close)
                guard e > s, e > from, s < to else { return }
                for n in 1...virtualDriverCount {
                    out.append(DriverShift(driverID: "virtual-\(store.locationCode)-\(n)", start: s, end: e))
                }
            }
        }
        return out
    }
}
