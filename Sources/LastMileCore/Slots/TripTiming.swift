import Foundation

/// One destination of a multi-stop trip (§2.0.5): a commitment's window and address point.
public struct TripStop: Sendable, Equatable {
    public var id: Int64
    public var window: DeliveryWindow
    public var destination: GeoPoint

    public init(id: Int64, window: DeliveryWindow, destination: GeoPoint) {
        self.id = id
        self.window = window
        self.destination = destination
    }
}

/// A store's trip settings (§2.0.5, store configuration).
public struct TripRules: Sendable, Equatable {
    public var pickupDwell: TimeInterval
    public var dropoffDwell: TimeInterval
    public var maxOrdersPerTrip: Int
    /// Longest time from leaving the store to a handoff, for trips with two or more commitments.
    public var maxInVehicle: TimeInterval

    public init(pickupDwellMinutes: Int, dropoffDwellMinutes: Int, maxOrdersPerTrip: Int = 3, maxMinutesInVehicle: Int = 60) {
        pickupDwell = Double(pickupDwellMinutes) * 60
        dropoffDwell = Double(dropoffDwellMinutes) * 60
        self.maxOrdersPerTrip = maxOrdersPerTrip
        maxInVehicle = Double(maxMinutesInVehicle) * 60
    }
}

/// A trip's planned times (§2.0.5): the driver is at the store at `t0` (the handoff time of the trip's
/// commitments), leaves one pickup dwell later, hands off at each stop in turn and returns.
public struct TimedTrip: Sendable, Equatable {
    public var stops: [TripStop]
    public var t0: Date
    public var departure: Date
    public var arrivals: [Date]
    /// When each handoff starts: the arrival, or the window start when the driver arrives early.
    public var handoffs: [Date]
    public var returnAt: Date
}

/// Times a sequence of stops for one driver (§2.0.5 trip model).
public enum TripTiming {
    /// The trip serving `stops` in this order, for a driver at the store from `earliest` who must be back by
    /// `latestReturn`; nil when no departure time serves every stop within its window (and, with two or more
    /// stops, every handoff within `maxInVehicle` of the departure).
    ///
    /// Of the feasible departures the driver takes the latest one that neither moves a handoff past its
    /// window nor brings the driver back later than leaving at once would: waiting happens at the store, not
    /// at a door, so the groceries spend the least time in the vehicle without costing the next trip anything.
    /// When the freshness limit needs a later departure still, the driver leaves that much later.
    /// `travel(from, to)` is the driving time in seconds (`est`, §2.0.3).
    public static func time(
        _ stops: [TripStop],
        store: GeoPoint,
        earliest: Date,
        latestReturn: Date,
        rules: TripRules,
        travel: (GeoPoint, GeoPoint) -> TimeInterval
    ) -> TimedTrip? {
        guard !stops.isEmpty, stops.count <= rules.maxOrdersPerTrip else { return nil }
        // Leaving at once: arrival, handoff and the waiting before it at each stop.
        let leaveAtOnce = earliest.timeIntervalSince1970 + rules.pickupDwell
        var handoffs: [Double] = []
        var waited: [Double] = []  // waiting at the doors so far, up to and including stop i
        var slack = Double.infinity  // how much later the departure may be with every handoff in its window
        var clock = leaveAtOnce
        var previous = store
        var totalWait = 0.0
        for stop in stops {
            let arrival = clock + travel(previous, stop.destination)
            let handoff = max(arrival, stop.window.start.timeIntervalSince1970)
            let end = stop.window.end.timeIntervalSince1970
            guard handoff <= end else { return nil }
            totalWait += handoff - arrival
            waited.append(totalWait)
            handoffs.append(handoff)
            slack = min(slack, totalWait + (end - handoff))
            clock = handoff + rules.dropoffDwell
            previous = stop.destination
        }
        let back = clock + travel(previous, store)
        let returnSlack = latestReturn.timeIntervalSince1970 - back
        guard returnSlack >= 0 else { return nil }
        // Delaying the departure by d moves stop i's handoff by max(0, d - waited[i]) and the return by
        // max(0, d - totalWait): the largest feasible delay, and the one that does not return later.
        let maxDelay = min(slack, totalWait + returnSlack)
        var delay = min(maxDelay, totalWait)
        if stops.count >= 2 {
            // Stop i's time in the vehicle is (handoff_i - leaveAtOnce) - min(d, waited[i]).
            for (i, handoff) in handoffs.enumerated() {
                let need = handoff - leaveAtOnce - rules.maxInVehicle
                guard need <= waited[i] else { return nil }
                delay = max(delay, need)
            }
            guard delay <= maxDelay else { return nil }
        }
        return schedule(stops, store: store, departure: leaveAtOnce + delay, rules: rules, travel: travel)
    }

    /// The times of `stops` for a departure at `departure` (no feasibility check).
    public static func schedule(
        _ stops: [TripStop],
        store: GeoPoint,
        departure: Double,
        rules: TripRules,
        travel: (GeoPoint, GeoPoint) -> TimeInterval
    ) -> TimedTrip {
        var arrivals: [Date] = []
        var handoffs: [Date] = []
        var clock = departure
        var previous = store
        for stop in stops {
            let arrival = clock + travel(previous, stop.destination)
            let handoff = max(arrival, stop.window.start.timeIntervalSince1970)
            arrivals.append(Date(timeIntervalSince1970: arrival))
            handoffs.append(Date(timeIntervalSince1970: handoff))
            clock = handoff + rules.dropoffDwell
            previous = stop.destination
        }
        return TimedTrip(
            stops: stops,
            t0: Date(timeIntervalSince1970: departure - rules.pickupDwell),
            departure: Date(timeIntervalSince1970: departure),
            arrivals: arrivals,
            handoffs: handoffs,
            returnAt: Date(timeIntervalSince1970: clock + travel(previous, store))
        )
    }
}
