import Foundation
import LastMileCore
import LastMileStorage

/// Dispatch by the capacity plan: the order goes to the shift the reference procedure gives it, among the
/// store's other commitments (accepted ones stay with their drivers until their planned return).
public struct CapacityDispatcher: Sendable {
    let capacity: CapacityService

    public init(booking: BookingService) { capacity = booking.capacity }

    /// The driver the plan gives the order and its earliest pickup (`t0`), or nil when the plan has no room.
    public func assign(_ order: OrderRecord, store: Store, now: Date) async throws -> (driverID: String, pickup: Date)? {
        let own = order.id + OrderRecord.commitmentIDOffset
        let others = try await capacity.storage.commitments(
            retailerID: order.retailerID,
            locationCode: order.locationCode,
            now: now,
            excludingHoldOfUser: nil
        ).filter { $0.id != own }
        let plan = capacity.planner(for: store, now: now, commitments: others)
            .evaluate(windowStart: order.windowStart, windowEnd: order.windowEnd, travelMinutes: order.travelMinutes)
        guard plan.available, let driver = plan.driverID, let pickup = plan.handoff else { return nil }
        return (driver, pickup)
    }
}
