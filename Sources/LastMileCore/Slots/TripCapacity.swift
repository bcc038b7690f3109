import Foundation
import Synchronization

/// A store's capacity with multi-stop trips (§2.0.5): the plan of its commitments, and whether one more
/// candidate fits into it.
///
/// **The plan** is recomputed from the stored commitments, never stored: the unassigned commitments some idle
/// driver could serve are inserted one by one in the order they were made (creation time, then id) by the
/// `RoutePlanner` (which, when nothing fits, may move one placed stop to make room, and then improves the plan
/// by a bounded local search and tries again), on top of the trips drivers have accepted (fixed, their
/// drivers busy until the planned return). A new candidate is the newest commitment, so the plan that admits
/// it is exactly the plan every later recomputation starts from: what was checked at booking is what dispatch
/// follows, on any server. A `PlanCache` lets a build resume from the plan of the commitments it shares with
/// the last build; it changes how long a build takes, never what it gives.
///
/// **Completeness**: when insertion cannot place a commitment, the contract's reference procedure (one
/// commitment per trip, `CapacityPlanner`) is tried on the same commitments; if it serves them all, its plan
/// is the one kept. So the check is never less complete than the reference, and every answer it gives comes
/// with a plan that serves every commitment and the candidate.
public struct TripCapacity: Sendable {
    public let rules: TripRules
    public let now: Date
    /// The plan by insertion of the counted commitments.
    public let routes: RoutePlanner
    /// The reference procedure over the same commitments.
    public let reference: CapacityPlanner
    /// Whether insertion placed every counted commitment.
    public let insertionServesAll: Bool
    /// Each counted commitment as a stop.
    let stops: [Int64: TripStop]
    /// Windows an operator closed (issue 13): no candidate fits them, whatever the drivers could do.
    public var closedWindows: Set<DeliveryWindow> = []

    public init(
        store: GeoPoint,
        shifts: [DriverShift],
        commitments: [Commitment],
        rules: TripRules,
        now: Date,
        estimator: DeliveryEstimator = DeliveryEstimator(),
        cache: (PlanCache, key: String)? = nil,
        runImprovement: @escaping ImprovementRunner = { $0() }
    ) {
        self.rules = rules
        self.now = now
        reference = CapacityPlanner(
            shifts: shifts,
            commitments: commitments,
            pickupDwellMinutes: Int(rules.pickupDwell / 60),
            dropoffDwellMinutes: Int(rules.dropoffDwell / 60),
            now: now
        )
        var busy: [String: Date] = [:]
        for c in commitments {
            guard let a = c.assignment else { continue }
            busy[a.driverID] = max(busy[a.driverID] ?? a.busyUntil, a.busyUntil)
        }
        var initial = RoutePlanner(store: store, shifts: shifts, busyUntil: busy, now: now, rules: rules, travel: Self.travel(estimator))
        initial.runImprovement = runImprovement
        // The same commitments the reference counts (those an idle driver could serve), in creation order.
        let counted = Set(reference.counted)
        let ordered = commitments.filter { $0.assignment == nil && counted.contains($0.id) }
            .sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
            .map { TripStop(id: $0.id, window: $0.window, destination: $0.destination) }
        stops = Dictionary(uniqueKeysWithValues: ordered.map { ($0.id, $0) })
        // With one order a trip the contract's reference procedure is the whole model (§2.0.5): no insertion.
        guard rules.maxOrdersPerTrip > 1 else {
            routes = initial
            insertionServesAll = false
            improvement = Memo<RoutePlanner?>()
            return
        }
        let start = initial.start
        let resumed = cache.flatMap { $0.0.resume($0.key, start: start, stops: ordered) }
        var plans = resumed?.plans ?? [initial]
        var planner = plans[plans.count - 1]
        var placedAll = true
        for stop in ordered[(plans.count - 1)...] {
            guard planner.insert(stop) else {
                placedAll = false
                break
            }
            plans.append(planner)
        }
        routes = planner
        insertionServesAll = placedAll
        improvement = resumed?.improvement ?? Memo<RoutePlanner?>()
        if let (cache, key) = cache {
            cache.remember(key, PlanCache.Entry(start: start, stops: ordered, plans: plans, improvement: improvement))
        }
    }

    /// Driving time between two points in seconds: `est` in whole minutes (§2.0.3), for every leg.
    public static func travel(_ estimator: DeliveryEstimator) -> @Sendable (GeoPoint, GeoPoint) -> TimeInterval {
        { a, b in Double(estimator.estimatedMinutes(from: a, to: b) * 60) }
    }

    /// Whether a candidate with this window and destination fits on top of every commitment, with the plan's
    /// `t0` for it (the handoff time), its arrival and its driver.
    public func evaluate(window: DeliveryWindow, destination: GeoPoint, travelMinutes: Int) -> PlanOutcome {
        if closedWindows.contains(window) { return .unavailable }
        let candidate = TripStop(id: Self.candidateID, window: window, destination: destination)
        func outcome(_ driver: String, _ trip: TimedTrip) -> PlanOutcome? {
            guard let index = trip.stops.firstIndex(where: { $0.id == Self.candidateID }) else { return nil }
            return PlanOutcome(available: true, handoff: trip.t0, arrival: trip.arrivals[index], driverID: driver)
        }
        if insertionServesAll {
            // `placing` without building the placed plan: a listing asks this of ~80 windows, and copying the
            // whole plan for each was most of the multi-stop listing's extra cost over the reference.
            if let best = routes.bestInsertion(candidate) {
                if let found = outcome(routes.shifts[best.shift].shift.driverID, best.trip) { return found }
            } else if let placed = routes.withEjection(candidate) ?? improvedRoutes()?.placing(candidate),
                let (driver, trip) = placed.trip(serving: Self.candidateID), let found = outcome(driver, trip)
            {
                return found
            }
        }
        return reference.evaluate(windowStart: window.start, windowEnd: window.end, travelMinutes: travelMinutes)
    }

    /// The plan improved by local search, made once per `TripCapacity` and only when a candidate does not
    /// fit the plan as it is (the same for every candidate, so a listing pays for it at most once). Made
    /// under the cache's lock: concurrent listings of the same commitments wait for it rather than
    /// search the same plan twice.
    func improvedRoutes() -> RoutePlanner? {
        improvement.get { routes.settled ? nil : routes.runImprovement { routes.improved() } }
    }

    /// `improvedRoutes()` once made (nil inside: no move lowered the work).
    let improvement: Memo<RoutePlanner?>

    /// §2.0.5 earliest arrival `A`: the earliest whole minute such that a candidate `[now, A]` is available,
    /// searched up to `limit`.
    public func earliestArrival(destination: GeoPoint, travelMinutes: Int, limit: Date) -> Date? {
        var a = Timestamp.ceilToMinute(now.addingTimeInterval(rules.pickupDwell + Double(travelMinutes * 60)))
        while a <= limit {
            if evaluate(window: DeliveryWindow(start: now, end: a), destination: destination, travelMinutes: travelMinutes).available {
                return a
            }
            a = a.addingTimeInterval(60)
        }
        return nil
    }

    /// The trip that serves commitment `id` in the kept plan, with its driver: the insertion plan when it
    /// serves everything, else the reference plan when that does (one commitment per trip), else the
    /// insertion plan as far as it goes.
    public func trip(serving id: Int64) -> (driverID: String, trip: TimedTrip)? {
        guard keepsReferencePlan else { return routes.trip(serving: id) }
        for plan in keptPlan {
            for trip in plan.trips where trip.stops.contains(where: { $0.id == id }) { return (plan.shift.driverID, trip) }
        }
        return nil
    }

    /// Whether the kept plan is the reference procedure's (insertion could not place everything, it could).
    var keepsReferencePlan: Bool { !insertionServesAll && reference.servesAll }

    /// The kept plan, shift by shift (see `trip(serving:)`): each shift's trips in order, and when its driver
    /// is free to start the first (shift start, now, or the return of an accepted trip).
    public var keptPlan: [RoutePlanner.ShiftPlan] {
        guard keepsReferencePlan else { return routes.shifts }
        // Made once: dispatch asks for the trip of every order.
        return referencePlan.get {
            let byShift = Dictionary(grouping: reference.referenceTrips(), by: { $0.shift.driverID + "@" + Timestamp.format($0.shift.start) })
            return routes.shifts.map { plan in
                var kept = plan
                kept.trips = (byShift[plan.shift.driverID + "@" + Timestamp.format(plan.shift.start)] ?? []).compactMap { entry in
                    stops[entry.id].map { stop in
                        TripTiming.schedule(
                            [stop],
                            store: routes.store,
                            departure: entry.t0.timeIntervalSince1970 + rules.pickupDwell,
                            rules: rules,
                            travel: routes.travel
                        )
                    }
                }
                return kept
            }
        }
    }

    let referencePlan = Memo<[RoutePlanner.ShiftPlan]>()

    /// The candidate's id in a check: after every stored commitment.
    static let candidateID = Int64.max
}

/// A value made at most once, on first use, and shared by every copy of its holder: a listing evaluates many
/// candidates on one `TripCapacity`, and dispatch asks it for every order's trip. Made under the lock, so
/// concurrent users wait for the one computation rather than repeat it.
final class Memo<Value: Sendable>: Sendable {
    private let value = Mutex<Value?>(nil)

    func get(_ make: () -> Value) -> Value {
        value.withLock { cached in
            if let cached { return cached }
            let made = make()
            cached = made
            return made
        }
    }
}
