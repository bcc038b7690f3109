import Foundation
import LastMileCore
import LastMileStorage

/// Builds a store's `CapacityPlanner` from its shifts and its stored commitments.
struct CapacityService: Sendable {
    let service: LastMileService

    func planner(for store: Store, now: Date, excludingHoldOfUser userID: String?) async throws -> CapacityPlanner {
        let horizonEnd = now.addingTimeInterval(Double(store.schedulingHorizonDays + 1) * 86_400)
        let shifts = ShiftCalendar.shifts(for: store, from: now.addingTimeInterval(-86_400), to: horizonEnd,
                                          virtualDrivers: service.mode == .development)
        let commitments = try await service.storage.commitments(retailerID: store.retailerID, locationCode: store.locationCode,
                                                                 now: now, excludingHoldOfUser: userID)
        return CapacityPlanner(shifts: shifts, commitments: commitments, pickupDwellMinutes: store.pickupDwellMinutes,
                               dropoffDwellMinutes: store.dropoffDwellMinutes, now: now)
    }
}
