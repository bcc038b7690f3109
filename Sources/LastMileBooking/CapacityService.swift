import Foundation
import LastMileCore
import LastMileStorage
import Metrics

/// Builds a store's `TripCapacity` (multi-stop plan, §2.0.5) from its shifts and its commitments, and the
/// decisions a booking takes inside its storage transaction.
public struct CapacityService: Sendable {
    let storage: any Storage
    /// Development mode: stores without configured shifts get virtual drivers.
    let virtualDrivers: Bool
    let estimator: DeliveryEstimator
    /// Plans built before, resumed from (always with this `estimator`'s travel times).
    let plans: PlanCache

    /// The store's concrete driver shifts around `now`.
    public func shifts(for store: Store, now: Date) -> [DriverShift] {
        let horizonEnd = now.addingTimeInterval(Double(store.schedulingHorizonDays + 1) * 86_400)
        return ShiftCalendar.shifts(
            for: store,
            from: now.addingTimeInterval(-86_400),
            to: horizonEnd,
            virtualDrivers: virtualDrivers
        )
    }

    /// The store's plan of `commitments` at `now`.
    public func planner(for store: Store, now: Date, commitments: [Commitment]) -> TripCapacity {
        planner(for: store, now: now, shifts: shifts(for: store, now: now), commitments: commitments)
    }

    func planner(for store: Store, now: Date, shifts: [DriverShift], commitments: [Commitment], cache: PlanCache? = nil) -> TripCapacity {
        var planner = TripCapacity(
            store: store.point,
            shifts: shifts,
            commitments: commitments,
            rules: store.tripRules,
            now: now,
            estimator: estimator,
            cache: (cache ?? plans, key: store.retailerID + "/" + store.locationCode),
            runImprovement: Self.timedImprovement
        )
        planner.closedWindows = store.closedWindows
        return planner
    }

    /// Runs a plan's local search, timed by `lastmile_plan_improvement_seconds` (the search is bounded by
    /// moves tried, so that every server computes the same plan; this is what the bound costs).
    static let timedImprovement: ImprovementRunner = { improve in
        let started = ContinuousClock.now
        defer { Timer(label: "lastmile_plan_improvement_seconds", preferredDisplayUnit: .seconds).record(duration: ContinuousClock.now - started) }
        return improve()
    }

    /// A planner over the store's stored commitments, read outside any transaction (listings).
    public func planner(for store: Store, now: Date, excludingHoldOfUser userID: String?) async throws -> TripCapacity {
        let commitments = try await storage.commitments(
            retailerID: store.retailerID,
            locationCode: store.locationCode,
            now: now,
            excludingHoldOfUser: userID
        )
        return planner(for: store, now: now, commitments: commitments)
    }

    /// The first of `windows` that still fits for a delivery to `destination`, with its plan's handoff time
    /// (orders: F1 books one window, H2 tries a desired window's candidates in order). Runs inside the
    /// booking's transaction, on the commitments read there.
    public func booking(
        store: Store,
        now: Date,
        windows: [DeliveryWindow],
        destination: GeoPoint,
        travelMinutes: Int
    )
        -> @Sendable ([Commitment]) -> BookingDecision?
    {
        let shifts = shifts(for: store, now: now)
        return { commitments in
            let planner = planner(for: store, now: now, shifts: shifts, commitments: commitments)
            for w in windows {
                let plan = planner.evaluate(window: w, destination: destination, travelMinutes: travelMinutes)
                if plan.available { return BookingDecision(window: w, handoff: plan.handoff) }
            }
            return nil
        }
    }

    /// Whether a booking still fits (reserve).
    public func fits(store: Store, now: Date, window: DeliveryWindow, destination: GeoPoint, travelMinutes: Int) -> @Sendable ([Commitment]) -> Bool {
        let book = booking(store: store, now: now, windows: [window], destination: destination, travelMinutes: travelMinutes)
        return { book($0) != nil }
    }

    /// How many more orders to `destination` each window could still take, counting up to `limit` (the
    /// console's fill ratio). Each count books imaginary orders one after another on top of the stored
    /// commitments; they are planned with a private cache, so checkout's plans are not disturbed and each
    /// imaginary order costs one insertion.
    public func room(
        store: Store,
        now: Date,
        commitments: [Commitment],
        windows: [DeliveryWindow],
        destination: GeoPoint,
        travelMinutes: Int,
        limit: Int
    ) -> [DeliveryWindow: Int] {
        let shifts = shifts(for: store, now: now)
        let scratch = PlanCache()
        var out: [DeliveryWindow: Int] = [:]
        for window in windows {
            var imaginary: [Commitment] = []
            var planner = planner(for: store, now: now, shifts: shifts, commitments: commitments, cache: scratch)
            while imaginary.count < limit, planner.evaluate(window: window, destination: destination, travelMinutes: travelMinutes).available {
                // Created after every stored commitment, so each plan resumes from the one before.
                imaginary.append(
                    Commitment(
                        id: -1 - Int64(imaginary.count),
                        createdAt: Date.distantFuture.addingTimeInterval(Double(imaginary.count)),
                        windowStart: window.start,
                        windowEnd: window.end,
                        travelMinutes: travelMinutes,
                        destination: destination
                    )
                )
                planner = self.planner(for: store, now: now, shifts: shifts, commitments: commitments + imaginary, cache: scratch)
            }
            out[window] = imaginary.count
        }
        return out
    }
}
