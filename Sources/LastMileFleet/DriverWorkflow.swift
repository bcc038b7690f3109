import Foundation
import LastMileBooking
import LastMileCore
import LastMileStorage

/// The driver API's use cases: a driver sees offers and its own orders, accepts one and reports each
/// step. Every step goes through `OrderProgression`, so callbacks are those of §2.0.9.
public struct DriverWorkflow: Sendable {
    let booking: BookingService
    var storage: any Storage { booking.storage }
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
