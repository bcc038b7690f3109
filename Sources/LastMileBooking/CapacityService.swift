import Foundation
import LastMileCore
import LastMileStorage

/// Builds a store's `CapacityPlanner` from its shifts and its commitments, and the decisions a booking
/// takes inside its storage transaction.
public struct CapacityService: Sendable {
    let storage: any Storage
    /// Development mode: stores without configured shifts get virtual drivers.
    let virtualDrivers: Bool

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

    public func planner(for store: Store, now: Date, commitments: [Commitment]) -> CapacityPlanner {
        CapacityPlanner(
            shifts: shifts(for: store, now: now),
            commitments: commitments,
            pickupDwellMinutes: store.pickupDwellMinutes,
            dropoffDwellMinutes: store.dropoffDwellMinutes,
            now: now
        )
    }

    /// A planner over the store's stored commitments, read outside any transaction (listings).
    public func planner(for store: Store, now: Date, excludingHoldOfUser userID: String?) async throws -> CapacityPlanner {
        let commitments = try await storage.commitments(
            retailerID: store.retailerID,
            locationCode: store.locationCode,
            now: now,
            excludingHoldOfUser: userID
        )
        return planner(for: store, now: now, commitments: commitments)
    }

    /// The first of `windows` that still fits, with its plan's handoff time (orders: F1 books one window,
    /// H2 tries a desired window's candidates in order). Runs inside the booking's transaction.
    public func booking(
        store: Store,
        now: Date,
        windows: [DeliveryWindow],
        travelMinutes: Int
    )
        -> @Sendable ([Commitment]) -> BookingDecision?
    {
        let shifts = shifts(for: store, now: now)
        return { commitments in
            let planner = CapacityPlanner(
                shifts: shifts,
                commitments: commitments,
                pickupDwellMinutes: store.pickupDwellMinutes,
                dropoffDwellMinutes: store.dropoffDwellMinutes,
                now: now
            )
            for w in windows {
                let plan = planner.evaluate(windowStart: w.start, windowEnd: w.end, travelMinutes: travelMinutes)
                if plan.available { return BookingDecision(window: w, handoff: plan.handoff) }
            }
            return nil
        }
    }

    /// Whether a booking still fits (reserve).
    public func fits(store: Store, now: Date, window: DeliveryWindow, travelMinutes: Int) -> @Sendable ([Commitment]) -> Bool {
        let book = booking(store: store, now: now, windows: [window], travelMinutes: travelMinutes)
        return { book($0) != nil }
    }
}
