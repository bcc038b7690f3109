import Foundation
import LastMileCore
import LastMileStorage

/// A stretch of a driver's trip on the store day view's timeline.
public struct TimelineSegment: Sendable, Equatable {
    public enum Kind: String, Sendable { case pickup, driving, waiting, dropoff }
    public var kind: Kind
    public var start: Date
    public var end: Date
}

/// A stop of a trip: an order (or a customer's hold, not yet an order) and how it went.
public struct TimelineStop: Sendable, Equatable {
    public enum State: String, Sendable {
        case planned
        case onTime = "on_time"
        case late
    }
    /// nil for a hold (a customer at checkout).
    public var orderID: String?
    public var at: Date
    public var window: DeliveryWindow
    public var destination: GeoPoint
    public var state: State
}

/// One trip: planned by the capacity plan, or accepted by its driver.
public struct TimelineTrip: Sendable, Equatable {
    public var accepted: Bool
    public var segments: [TimelineSegment]
    public var stops: [TimelineStop]
    public var start: Date { segments.first?.start ?? stops.first?.at ?? .distantPast }
    public var end: Date { segments.last?.end ?? stops.last?.at ?? .distantPast }
}

/// A driver's shift on the day, with its trips in time order.
public struct DriverLane: Sendable, Equatable {
    public var driverID: String
    public var shiftStart: Date
    public var shiftEnd: Date
    public var trips: [TimelineTrip]
    /// Where the driver last reported being (an accepted order's driver location).
    public var position: GeoPoint?

    public init(driverID: String, shiftStart: Date, shiftEnd: Date, trips: [TimelineTrip], position: GeoPoint? = nil) {
        self.driverID = driverID
        self.shiftStart = shiftStart
        self.shiftEnd = shiftEnd
        self.trips = trips
        self.position = position
    }
}

/// The store day view: every driver shift's timeline and what the map shows.
public struct StoreDay: Sendable {
    public var store: Store
    public var now: Date
    public var date: CivilDate
    /// The timeline's extent: the store's delivery hours and every shift of the day.
    public var from: Date
    public var to: Date
    public var lanes: [DriverLane]
    /// The day's orders (any status), by window.
    public var orders: [OrderRecord]
}

extension ConsoleService {
    public func day(of store: Store, date requested: CivilDate?) async throws -> StoreDay {
        let now = clocks.now(for: store.retailerID)
        let grid = SlotGrid(store: store)
        let date = requested ?? grid.today(now)
        let zone = store.zone
        let dayStart = zone.resolve(date: date, minuteOfDay: 0)
        let dayEnd = zone.resolve(date: date.adding(days: 1), minuteOfDay: 0)
        let dayOrders = try await orders(of: store, windowsOverlapping: dayStart, dayEnd)
        let (active, _) = try await orders(of: store, statuses: Self.activeStatuses)
        let commitments = try await storage.commitments(
            retailerID: store.retailerID,
            locationCode: store.locationCode,
            now: now,
            excludingHoldOfUser: nil
        )
        let capacity = booking.capacity
        let planner = capacity.planner(for: store, now: now, commitments: commitments)
        let activeByID = Dictionary(active.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let rules = store.tripRules

        var lanes: [DriverLane] = []
        for plan in planner.keptPlan where plan.shift.end > dayStart && plan.shift.start < dayEnd {
            let planned = plan.trips.map { Self.plannedTrip($0, rules: rules, orders: activeByID, now: now) }
            let accepted = Self.acceptedTrips(dayOrders.filter { $0.driverID == plan.shift.driverID }, now: now)
                .filter { $0.start < plan.shift.end && $0.end > plan.shift.start }
            let position = dayOrders.filter { $0.driverID == plan.shift.driverID && $0.status.isCommitment }.compactMap(\.driverLocation).first
            lanes.append(
                DriverLane(
                    driverID: plan.shift.driverID,
                    shiftStart: plan.shift.start,
                    shiftEnd: plan.shift.end,
                    trips: (accepted + planned).sorted { $0.start < $1.start },
                    position: position
                )
            )
        }
        var from = dayStart
        var to = dayEnd
        if let hours = grid.openInterval(on: date) {
            from = hours.open
            to = hours.close
        }
        for lane in lanes {
            from = min(from, max(dayStart, lane.shiftStart))
            to = max(to, min(dayEnd, lane.shiftEnd))
        }
        return StoreDay(
            store: store,
            now: now,
            date: date,
            from: from,
            to: to,
            lanes: lanes,
            orders: dayOrders.sorted { ($0.windowStart, $0.orderID) < ($1.windowStart, $1.orderID) }
        )
    }

    /// The store's orders (any status) whose window overlaps `[from, to)`, newest first. Orders are created at
    /// most a scheduling horizon (14 days) before their window, so the read stops at orders created earlier
    /// than that: a store's history does not make the day view slower.
    func orders(of store: Store, windowsOverlapping from: Date, _ to: Date) async throws -> [OrderRecord] {
        let oldestCreation = from.addingTimeInterval(-15 * 86_400)
        var out: [OrderRecord] = []
        var before = Int64.max
        for _ in 0..<(Self.orderReadLimit / 500) {
            var q = OrderQuery(statuses: OrderStatus.allCases, retailerID: store.retailerID, locationCode: store.locationCode, limit: 500)
            q.newestFirst = true
            q.beforeRowID = before
            let page = try await storage.orders(q)
            out += page.filter { $0.windowStart < to && $0.windowEnd > from }
            guard page.count == 500, let last = page.last, last.createdAt >= oldestCreation else { break }
            before = last.id
        }
        return out
    }

    /// A trip of the capacity plan: pickup, then for each stop driving, waiting for the window when early,
    /// and the handoff, then the way back.
    static func plannedTrip(_ trip: TimedTrip, rules: TripRules, orders: [Int64: OrderRecord], now: Date) -> TimelineTrip {
        var segments = [TimelineSegment(kind: .pickup, start: trip.t0, end: trip.departure)]
        var stops: [TimelineStop] = []
        var leave = trip.departure
        for (i, stop) in trip.stops.enumerated() {
            segments.append(TimelineSegment(kind: .driving, start: leave, end: trip.arrivals[i]))
            if trip.handoffs[i] > trip.arrivals[i] {
                segments.append(TimelineSegment(kind: .waiting, start: trip.arrivals[i], end: trip.handoffs[i]))
            }
            leave = trip.handoffs[i].addingTimeInterval(rules.dropoffDwell)
            segments.append(TimelineSegment(kind: .dropoff, start: trip.handoffs[i], end: leave))
            // A stored order's commitment carries its row id; anything else is a customer's hold.
            let order = orders[stop.id].flatMap { $0.windowStart == stop.window.start && $0.windowEnd == stop.window.end ? $0 : nil }
            stops.append(
                TimelineStop(
                    orderID: order?.orderID,
                    at: trip.handoffs[i],
                    window: stop.window,
                    destination: stop.destination,
                    state: now > stop.window.end ? .late : .planned
                )
            )
        }
        segments.append(TimelineSegment(kind: .driving, start: leave, end: trip.returnAt))
        return TimelineTrip(accepted: false, segments: segments, stops: stops)
    }

    /// Trips drivers accepted, from their orders' plans: orders of one trip share the driver and departure.
    public static func acceptedTrips(_ orders: [OrderRecord], now: Date) -> [TimelineTrip] {
        let withPlans = orders.filter { $0.plan != nil && $0.status != .canceled }
        let trips = Dictionary(grouping: withPlans) { $0.plan!.departure }
        return trips.keys.sorted().map { departure in
            let members = trips[departure]!.sorted { $0.plan!.arrival < $1.plan!.arrival }
            let first = members[0].plan!
            var segments: [TimelineSegment] = []
            if first.pickup > first.atStore { segments.append(TimelineSegment(kind: .waiting, start: first.atStore, end: first.pickup)) }
            segments.append(TimelineSegment(kind: .pickup, start: first.pickup, end: departure))
            var leave = departure
            var stops: [TimelineStop] = []
            for o in members {
                let p = o.plan!
                segments.append(TimelineSegment(kind: .driving, start: leave, end: max(leave, p.arrival)))
                let handedOff = o.deliveredAt ?? p.delivered
                segments.append(TimelineSegment(kind: .dropoff, start: max(leave, p.arrival), end: max(leave, handedOff)))
                leave = max(leave, handedOff)
                let state: TimelineStop.State
                if let delivered = o.deliveredAt {
                    state = delivered <= o.windowEnd ? .onTime : .late
                } else {
                    state = now > o.windowEnd ? .late : .planned
                }
                stops.append(
                    TimelineStop(
                        orderID: o.orderID,
                        at: handedOff,
                        window: DeliveryWindow(start: o.windowStart, end: o.windowEnd),
                        destination: o.destination,
                        state: state
                    )
                )
            }
            if let back = members.compactMap(\.plan?.returnAt).max(), back > leave {
                segments.append(TimelineSegment(kind: .driving, start: leave, end: back))
            }
            return TimelineTrip(accepted: true, segments: segments, stops: stops)
        }
    }
}
