import Foundation
import LastMileBooking
import LastMileCore
import LastMileStorage

/// The driver API's use cases: a driver sees offers and its own orders, accepts one and reports each
/// step. Every step goes through `OrderProgression`, so callbacks are those of §2.0.9.
public struct DriverWorkflow: Sendable {
    let booking: BookingService
    public var storage: any Storage { booking.storage }
    public var progression: OrderProgression { booking.progression }

    public init(booking: BookingService) { self.booking = booking }

    /// An order with its store, for the driver's view.
    public typealias OrderAtStore = (order: OrderRecord, store: Store?)

    /// Staged orders of the retailer that no driver has accepted yet, earliest window end first.
    public func offers(retailerID: String) async throws -> [OrderAtStore] {
        let staged = try await storage.allOrders(OrderQuery(statuses: [.staged], retailerID: retailerID, driver: .none))
        let open = staged.filter { $0.batchID == nil }.sorted { ($0.windowEnd, $0.id) < ($1.windowEnd, $1.id) }
        return try await withStores(open, retailerID: retailerID)
    }

    /// The driver's accepted orders that are not delivered yet.
    public func assigned(retailerID: String, driverID: String) async throws -> [OrderAtStore] {
        let mine = try await storage.allOrders(
            OrderQuery(statuses: OrderRecord.inFulfillment, retailerID: retailerID, driver: .is_(driverID))
        )
        return try await withStores(mine, retailerID: retailerID)
    }

    /// A trip the store's plan gives this driver and that no driver has taken yet, with its orders by stop
    /// (holds, tentative stops, have no order).
    public struct PlannedTrip: Sendable {
        public var id: String
        public var store: Store
        public var trip: TimedTrip
        public var orders: [Int64: OrderRecord]
    }

    /// The driver's planned trips at every store of the retailer, earliest pickup first (§2.0.5): the trips
    /// of shifts with the driver's id in each store's current plan that carry at least one order.
    public func trips(retailerID: String, driverID: String, now: Date) async throws -> [PlannedTrip] {
        let dispatcher = CapacityDispatcher(booking: booking)
        var out: [PlannedTrip] = []
        for store in try await storage.stores(retailerID: retailerID) where store.isAvailableForLastMile {
            let plan = try await dispatcher.plan(for: store, now: now)
            let mine = plan.keptPlan.filter { $0.shift.driverID == driverID }.flatMap(\.trips)
                .filter { $0.stops.contains { $0.id >= OrderRecord.commitmentIDOffset } }
            guard !mine.isEmpty else { continue }
            let open = try await storage.allOrders(
                OrderQuery(statuses: [.brandNew, .staged, .rescheduled], retailerID: retailerID, locationCode: store.locationCode, driver: .none)
            )
            let byStop = Dictionary(open.map { ($0.id + OrderRecord.commitmentIDOffset, $0) }, uniquingKeysWith: { a, _ in a })
            for trip in mine {
                out.append(
                    PlannedTrip(
                        id: TripAcceptance.id(of: trip),
                        store: store,
                        trip: trip,
                        orders: byStop.filter { id, _ in
                            trip.stops.contains { $0.id == id }
                        }
                    )
                )
            }
        }
        return out.sorted { ($0.trip.t0, $0.id) < ($1.trip.t0, $1.id) }
    }

    /// Takes one of the driver's planned trips as a whole: its staged orders, in the plan's order
    /// (`acknowledged_for_delivery` and `at_store_eta` each, `late_delivery` where reaching the store in
    /// `minutesToStore` makes the trip miss a window). 404 when the plan has no such trip for this driver
    /// any more (read the trips again), 400 when none of its orders is staged yet.
    public func acceptTrip(id: String, retailerID: String, driverID: String, minutesToStore: Int, now: Date) async throws -> [OrderRecord] {
        guard let planned = try await trips(retailerID: retailerID, driverID: driverID, now: now).first(where: { $0.id == id }) else {
            throw ServiceError.notFound
        }
        let store = planned.store
        let atStore = now.addingTimeInterval(Double(minutesToStore) * 60)
        let taken = try await TripAcceptance(progression: progression, dispatcher: CapacityDispatcher(booking: booking)).take(
            planned.trip,
            driverID: driverID,
            store: store,
            now: now,
            atStore: atStore,
            simulated: false
        ) { index, timed in
            TripPlan.plan(
                stop: index,
                of: timed,
                store: store.point,
                acceptedAt: now,
                atStore: atStore,
                dropoffDwellMinutes: store.dropoffDwellMinutes
            )
        }
        if taken.isEmpty { throw ServiceError.state("No order of this trip is staged yet") }
        return taken
    }

    /// A step a driver reports (§2.0.9): each moves the order through `OrderProgression`.
    public enum Step: Sendable {
        /// Takes an open order; the plan starts when the driver reaches the store.
        case accept(minutesToStore: Int)
        case arriveAtStore
        case verifyBags
        /// Leaves the store; the arrival estimate is the store-to-customer travel time from now.
        case depart
        /// A position: the arrival estimate is recomputed from it (straight line at the estimator's speed)
        /// and `late_delivery` is sent when it passes the window end.
        case location(GeoPoint, recordedAt: Date?)
        case arriveAtCustomer
        case customerMissing
        case deliver
    }

    /// Applies `step` to the driver's order (an open order when accepting) at `now`.
    public func perform(
        _ step: Step,
        orderID: String,
        retailerID: String,
        driverID: String,
        now: Date
    ) async throws
        -> (order: OrderRecord, store: Store)
    {
        let accepting: Bool
        if case .accept = step { accepting = true } else { accepting = false }
        return try await perform(orderID: orderID, retailerID: retailerID, driverID: driverID, accepting: accepting) { o, store in
            let p = progression
            switch step {
            case .accept(let minutes):
                let plan = TripPlan.plan(
                    acceptedAt: now,
                    windowStart: o.windowStart,
                    travelMinutes: o.travelMinutes,
                    pickupDwellMinutes: store.pickupDwellMinutes,
                    dropoffDwellMinutes: store.dropoffDwellMinutes,
                    toStoreMinutes: minutes
                )
                return try await p.accept(o, driverID: driverID, plan: plan, now: now)
            case .arriveAtStore: return try await p.arriveAtStore(o, now: now)
            case .verifyBags: return try await p.verifyBags(o, now: now)
            case .depart:
                return try await p.depart(o, store: store.point, eta: now.addingTimeInterval(Double(o.travelMinutes) * 60), now: now)
            case .location(let point, let recordedAt):
                let estimate = now.addingTimeInterval(Double(booking.estimator.estimatedMinutes(from: point, to: o.destination)) * 60)
                return try await p.reportLocation(o, point, recordedAt: recordedAt ?? now, estimate: estimate, now: now)
            case .arriveAtCustomer: return try await p.arriveAtCustomer(o, now: now)
            case .customerMissing: return try await p.customerMissing(o, now: now)
            case .deliver: return try await p.deliver(o, now: now)
            }
        }
    }

    /// Loads the order (the driver's own, or an open one when `accepting`), applies `step`, and re-reads and
    /// decides again when another request changed it meanwhile.
    public func perform(
        orderID: String,
        retailerID: String,
        driverID: String,
        accepting: Bool = false,
        _ step: (OrderRecord, Store) async throws -> OrderRecord
    ) async throws -> (order: OrderRecord, store: Store) {
        for _ in 0..<3 {
            guard FieldRules.isValidIdentifier(orderID), let o = try await storage.order(retailerID: retailerID, orderID: orderID),
                accepting || o.driverID == driverID
            else { throw ServiceError.notFound }
            if accepting, o.driverID != nil || o.batchID != nil {
                throw ServiceError.state("Order has already been accepted by another driver")
            }
            guard let store = try await storage.store(retailerID: o.retailerID, locationCode: o.locationCode) else {
                throw ServiceError.notFound
            }
            do {
                return (try await step(o, store), store)
            } catch OrderProgression.Failure.notAllowed(let status) {
                throw ServiceError.state("Not allowed while the order is \(status.rawValue)")
            } catch OrderProgression.Failure.lostRace {
                continue
            }
        }
        throw ServiceError(.conflict, "The order changed while the step was applied; read it again.", code: 4001)
    }

    /// Orders with the retailer's stores, read once.
    func withStores(_ orders: [OrderRecord], retailerID: String) async throws -> [OrderAtStore] {
        let stores = Dictionary(
            try await storage.stores(retailerID: retailerID).map { ($0.locationCode, $0) },
            uniquingKeysWith: { a, _ in a }
        )
        return orders.map { ($0, stores[$0.locationCode]) }
    }
}
