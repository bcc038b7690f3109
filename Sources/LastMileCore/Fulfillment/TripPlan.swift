import Foundation

/// The planned times of one trip (§2.0.5 trip model) for an order a driver accepted at `acceptedAt`.
/// Simulated drivers follow it; the driver API reports against it (late delivery, ETA moves).
public struct TripPlan: Sendable, Equatable, Codable {
    public var acceptedAt: Date
    /// The driver reaches the store (the `at_store_eta`).
    public var atStore: Date
    /// The pickup starts (`t0`): later than `atStore` when the driver waits for the window.
    public var pickup: Date
    public var departure: Date
    public var arrival: Date
    public var delivered: Date
    /// Back at the store (the driver is busy with this trip until then, §2.0.5).
    public var returnAt: Date?

    public init(acceptedAt: Date, atStore: Date, pickup: Date? = nil, departure: Date, arrival: Date, delivered: Date, returnAt: Date? = nil) {
        self.acceptedAt = acceptedAt
        self.atStore = atStore
        self.pickup = pickup ?? atStore
        self.departure = departure
        self.arrival = arrival
        self.delivered = delivered
        self.returnAt = returnAt
    }

    /// The trip model: the driver waits at the store until arriving at the window start is possible,
    /// leaves after the pickup dwell, drives `travelMinutes`, hands off within the dropoff dwell.
    /// `toStoreMinutes` is the driver's way to the store (0 for drivers waiting there).
    /// `speedUp` (≥ 1) compresses every duration after acceptance, for demos and tests.
    /// `notBefore` is the earliest pickup the capacity plan gives the driver (busy with earlier trips).
    public static func plan(
        acceptedAt now: Date,
        windowStart: Date,
        travelMinutes: Int,
        pickupDwellMinutes: Int,
        dropoffDwellMinutes: Int,
        toStoreMinutes: Int = 0,
        notBefore: Date? = nil,
        speedUp: Double = 1
    ) -> TripPlan {
        let minute = 60.0
        let earliestUseful = windowStart.addingTimeInterval(-Double(pickupDwellMinutes + travelMinutes) * minute)
        var reachStore = now.addingTimeInterval(Double(toStoreMinutes) * minute)
        // A pickup the plan puts later than the window needs means the driver is busy until then.
        if let notBefore, notBefore > earliestUseful { reachStore = max(reachStore, notBefore) }
        let t0 = max(reachStore, earliestUseful)
        let departure = t0.addingTimeInterval(Double(pickupDwellMinutes) * minute)
        let arrival = departure.addingTimeInterval(Double(travelMinutes) * minute)
        let handoff = arrival.addingTimeInterval(Double(min(dropoffDwellMinutes, 2)) * minute)
        let k = max(speedUp, 1)
        func compress(_ d: Date) -> Date { now.addingTimeInterval(d.timeIntervalSince(now) / k) }
        let back = arrival.addingTimeInterval(Double(dropoffDwellMinutes + travelMinutes) * minute)
        return TripPlan(
            acceptedAt: now,
            atStore: compress(reachStore),
            pickup: compress(t0),
            departure: compress(departure),
            arrival: compress(arrival),
            delivered: compress(handoff),
            returnAt: compress(back)
        )
    }

    /// The window announced in `fulfillment.late_delivery`: half an hour centred on the new estimate,
    /// never starting before the original window start.
    public static func lateWindow(estimate: Date, windowStart: Date) -> (start: Date, end: Date) {
        let rounded = Date(timeIntervalSince1970: (estimate.timeIntervalSince1970 / 60).rounded(.up) * 60)
        return (max(windowStart, rounded.addingTimeInterval(-15 * 60)), rounded.addingTimeInterval(15 * 60))
    }

    /// A point `fraction` (0…1) of the way from `a` to `b`: positions the simulated driver reports.
    public static func position(from a: GeoPoint, to b: GeoPoint, fraction: Double) -> GeoPoint {
        let f = min(max(fraction, 0), 1)
        func r4(_ x: Double) -> Double { (x * 10_000).rounded() / 10_000 }
        return GeoPoint(latitude: r4(a.latitude + (b.latitude - a.latitude) * f), longitude: r4(a.longitude + (b.longitude - a.longitude) * f))
    }
}
