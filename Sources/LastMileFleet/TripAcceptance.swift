import Crypto
import Foundation
import LastMileBooking
import LastMileCore
import LastMileStorage

/// A planned trip taken as a whole (§2.0.5 trips in progress), by a simulated driver or through the driver
/// API: its staged orders go to the driver together, in the plan's order, with one pickup and one planned
/// return. Stops that are not staged orders (holds, orders not ready) stay behind and are planned again;
/// the trip is timed anew without them, never returning later than planned.
public struct TripAcceptance: Sendable {
    let progression: OrderProgression
    let travel: @Sendable (GeoPoint, GeoPoint) -> TimeInterval

    public init(progression: OrderProgression, dispatcher: CapacityDispatcher) {
        self.progression = progression
        travel = dispatcher.travel
    }

    /// A trip's name in the driver API: the same for the same commitments in the same order.
    public static func id(of trip: TimedTrip) -> String {
        let key = trip.stops.map { String($0.id) }.joined(separator: ",")
        return "T" + SHA256.hash(data: Data(key.utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    /// The trip's staged orders of the store, by commitment id.
    public func stagedOrders(of trip: TimedTrip, store: Store) async throws -> [Int64: OrderRecord] {
        let ids = Set(trip.stops.map(\.id))
        let staged = try await progression.storage.allOrders(
            OrderQuery(statuses: [.staged], retailerID: store.retailerID, locationCode: store.locationCode, driver: .none)
        )
        var out: [Int64: OrderRecord] = [:]
        for o in staged where o.batchID == nil && ids.contains(o.id + OrderRecord.commitmentIDOffset) {
            out[o.id + OrderRecord.commitmentIDOffset] = o
        }
        return out
    }

    /// Gives the trip's staged orders to `driverID` at `now`; the driver is at the store from `atStore`
    /// (now for drivers waiting there). Each order's plan comes from its stop (`plan`). Returns the orders
    /// taken; an order another server took meanwhile is skipped.
    public func take(
        _ trip: TimedTrip,
        driverID: String,
        store: Store,
        now: Date,
        atStore: Date? = nil,
        simulated: Bool,
        plan: (Int, TimedTrip) -> TripPlan
    ) async throws -> [OrderRecord] {
        let staged = try await stagedOrders(of: trip, store: store)
        let stops = trip.stops.filter { staged[$0.id] != nil }
        guard !stops.isEmpty else { return [] }
        let earliest = max(trip.t0, atStore ?? now, now)
        let rules = store.tripRules
        var timed = stops.count == trip.stops.count && earliest == trip.t0 ? trip : nil
        if timed == nil {
            timed = TripTiming.time(stops, store: store.point, earliest: earliest, latestReturn: trip.returnAt, rules: rules, travel: travel)
        }
        if timed == nil {
            // The driver reaches the store too late for the plan: the trip leaves when it can, and each order
            // whose window it misses gets `late_delivery`.
            let departure = earliest.timeIntervalSince1970 + rules.pickupDwell
            timed = TripTiming.schedule(stops, store: store.point, departure: departure, rules: rules, travel: travel)
        }
        guard let timed else { return [] }
        var taken: [OrderRecord] = []
        for (i, stop) in timed.stops.enumerated() {
            guard var order = staged[stop.id] else { continue }
            if simulated { order.simulatedDriver = true }
            do {
                taken.append(try await progression.accept(order, driverID: driverID, plan: plan(i, timed), now: now))
            } catch OrderProgression.Failure.lostRace {
                continue
            }
        }
        return taken
    }
}
