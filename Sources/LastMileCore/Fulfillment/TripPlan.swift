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
    /// A multi-stop trip's way to this order's stop: where the driver is when (store at departure, each
    /// earlier stop at its arrival and when the driver leaves it, this stop at arrival). Positions are
    /// interpolated along it. Nil for a trip straight to the order.
    public var path: [Waypoint]?
    /// The order's place in its trip (1-based) and the trip's size.
    public var stop: Int?
    public var stops: Int?

    public struct Waypoint: Sendable, Equatable, Codable {
        public var point: GeoPoint
        public var at: Date
        public init(point: GeoPoint, at: Date) {
            self.point = point
            self.at = at
        }
    }

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
        // Compressed or not, no handoff starts before the window opens (§2.0.5): the driver waits at the door.
        let delivered = max(compress(handoff), windowStart)
        return TripPlan(
            acceptedAt: now,
            atStore: compress(reachStore),
            pickup: compress(t0),
            departure: compress(departure),
            arrival: min(compress(arrival), delivered),
            delivered: delivered,
            returnAt: compress(back)
        )
    }

    /// Stop `index` of a planned multi-stop trip (§2.0.5), for a driver who accepted the trip at `now` and
    /// waits at the store until `t0` (a driver on the way reaches the store at `atStore`). `speedUp` compresses the durations after acceptance (demos and tests),
    /// but never so much that a handoff starts before the order's window opens: the driver waits at the door.
    /// `returnAt` is the trip's planned return, uncompressed: the driver is busy with it until then.
    public static func plan(
        stop index: Int,
        of trip: TimedTrip,
        store: GeoPoint,
        acceptedAt now: Date,
        atStore: Date? = nil,
        dropoffDwellMinutes: Int,
        speedUp: Double = 1
    ) -> TripPlan {
        let k = max(speedUp, 1)
        func compress(_ d: Date) -> Date { d <= now ? d : now.addingTimeInterval(d.timeIntervalSince(now) / k) }
        let windowStart = trip.stops[index].window.start
        let handoff = trip.handoffs[index].addingTimeInterval(Double(min(dropoffDwellMinutes, 2)) * 60)
        let delivered = max(compress(handoff), windowStart)
        var path = [Waypoint(point: store, at: compress(trip.departure))]
        for i in 0..<index {
            path.append(Waypoint(point: trip.stops[i].destination, at: compress(trip.arrivals[i])))
            path.append(
                Waypoint(point: trip.stops[i].destination, at: compress(trip.handoffs[i].addingTimeInterval(Double(dropoffDwellMinutes) * 60)))
            )
        }
        let arrival = min(compress(trip.arrivals[index]), delivered)
        path.append(Waypoint(point: trip.stops[index].destination, at: arrival))
        var plan = TripPlan(
            acceptedAt: now,
            atStore: compress(atStore ?? now),
            pickup: max(now, compress(trip.t0)),
            departure: max(now, compress(trip.departure)),
            arrival: arrival,
            delivered: delivered,
            returnAt: trip.returnAt
        )
        plan.path = path
        plan.stop = index + 1
        plan.stops = trip.stops.count
        return plan
    }

    /// Where the driver is at `now` on the way to this order's stop (straight from the store without a path).
    public func position(at now: Date, store: GeoPoint, destination: GeoPoint) -> GeoPoint {
        let points = path ?? [Waypoint(point: store, at: departure), Waypoint(point: destination, at: arrival)]
        guard let next = points.firstIndex(where: { $0.at > now }) else { return points.last?.point ?? destination }
        guard next > 0 else { return points[0].point }
        let a = points[next - 1]
        let b = points[next]
        let leg = b.at.timeIntervalSince(a.at)
        return Self.position(from: a.point, to: b.point, fraction: leg > 0 ? now.timeIntervalSince(a.at) / leg : 1)
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
