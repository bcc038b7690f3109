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

    func planner(for store: Store, now: Date, shifts: [DriverShift], commitments: [Commitment]) -> TripCapacity {
        TripCapacity(
            store: store.point,
            shifts: shifts,
            commitments: commitments,
            rules: store.tripRules,
            now: now,
            estimator: estimator,
            cache: (plans, key: store.retailerID + "/" + store.locationCode),
            runImprovement: Self.timedImprovement
        )
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
}
