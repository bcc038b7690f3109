import Foundation
import LastMileCore
import LastMileStorage

/// Dispatch by the capacity plan (§2.0.5): an order goes to the driver and trip the store's plan gives it,
/// the same plan that admitted it (accepted trips stay with their drivers until their planned return).
public struct CapacityDispatcher: Sendable {
    let capacity: CapacityService

    public init(booking: BookingService) { capacity = booking.capacity }

    /// The plan's driving time between two points (`est`, §2.0.3).
    public var travel: @Sendable (GeoPoint, GeoPoint) -> TimeInterval { TripCapacity.travel(capacity.estimator) }

    /// The store's plan of all its commitments at `now`.
    public func plan(for store: Store, now: Date) async throws -> TripCapacity {
        try await capacity.planner(for: store, now: now, excludingHoldOfUser: nil)
    }

    /// The store's commitments at `now` (orders and active holds).
    public func commitments(for store: Store, now: Date) async throws -> [Commitment] {
        try await capacity.storage.commitments(retailerID: store.retailerID, locationCode: store.locationCode, now: now, excludingHoldOfUser: nil)
    }

    /// The store's plan of these commitments at `now`.
    public func plan(for store: Store, commitments: [Commitment], now: Date) -> TripCapacity {
        capacity.planner(for: store, now: now, commitments: commitments)
    }
}
