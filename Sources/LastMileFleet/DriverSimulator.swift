import Foundation
import LastMileBooking
import LastMileCore
import LastMileStorage
import Logging

/// Simulated drivers (development mode): accept staged orders and move them along the trip plan of §2.0.5
/// on the service clock, reporting positions while delivering. `speedUp` compresses every planned duration
/// so a delivery takes seconds. Each step is a conditional update, so two servers simulating the same
/// database never apply one step twice (the loser of a race just skips it).
public struct DriverSimulator: Sendable {
    public static let driverPrefix = "simulated-"
    let progression: OrderProgression
    let clocks: RetailerClocks
    let speedUp: Double
    let logger: Logger
    let dispatcher: CapacityDispatcher?

    /// `dispatcher` picks the driver and the earliest pickup from the store's capacity plan; without one
    /// (or when the plan has no room any more, e.g. the window has passed) a store-wide simulated driver
    /// takes the order at once and `late_delivery` tells the retailer when it will arrive.
    /// Each order moves on its retailer's time (`clocks`, when given; else `clock` for everyone).
    public init(
        storage: any Storage,
        clock: any ServiceClock,
        clocks: RetailerClocks? = nil,
        speedUp: Double,
        logger: Logger,
        dispatcher: CapacityDispatcher? = nil
    ) {
        self.progression = OrderProgression(storage: storage)
        self.clocks = clocks ?? RetailerClocks(base: clock)
        self.speedUp = max(speedUp, 1)
        self.logger = logger
        self.dispatcher = dispatcher
    }

    /// Runs until cancelled, one pass per `interval`.
    public func run(interval: Duration = .milliseconds(500)) async {
        while !Task.isCancelled {
            await tick()
            try? await Task.sleep(for: interval)
        }
    }

    /// One pass over the orders in fulfillment; returns how many steps were taken.
    @discardableResult
    public func tick() async -> Int {
        let stores: [StoreKey]
        do { stores = try await progression.storage.storesWithOrders(inStatuses: OrderRecord.inFulfillment) } catch {
            logger.warning("driver simulator: \(error)")
            return 0
        }
        var steps = 0
        // Store by store, each page by page: every order of every retailer is looked at each pass.
        for key in stores {
            do {
                guard let store = try await progression.storage.store(retailerID: key.retailerID, locationCode: key.locationCode) else { continue }
                let query = OrderQuery(statuses: OrderRecord.inFulfillment, retailerID: key.retailerID, locationCode: key.locationCode)
                try await progression.storage.forEachOrderPage(query) { page in
                    for order in page where order.batchID == nil && (order.driverID == nil || order.simulatedDriver == true) {
                        do {
                            if try await advance(order, at: store) { steps += 1 }
                        } catch OrderProgression.Failure.lostRace {
                            continue
                        } catch {
                            logger.warning("driver simulator: order \(order.orderID): \(error)")
                        }
                    }
                }
            } catch {
                logger.warning("driver simulator: store \(key.locationCode): \(error)")
            }
        }
        return steps
    }

    /// Takes the order's next step if its planned time has come.
    func advance(_ order: OrderRecord, at store: Store) async throws -> Bool {
        let now = clocks.now(for: order.retailerID)
        switch order.status {
        case .staged:
            let assignment = try await dispatcher?.assign(order, store: store, now: now)
            let plan = TripPlan.plan(
                acceptedAt: now,
                windowStart: order.windowStart,
                travelMinutes: order.travelMinutes,
                pickupDwellMinutes: store.pickupDwellMinutes,
                dropoffDwellMinutes: store.dropoffDwellMinutes,
                notBefore: assignment?.pickup,
                speedUp: speedUp
            )
            var simulated = order
            simulated.simulatedDriver = true
            // The plan's driver id as is, so the capacity check keeps the trip with that shift.
            let driver = assignment?.driverID ?? Self.driverPrefix + store.locationCode
            _ = try await progression.accept(simulated, driverID: driver, plan: plan, now: now)
        case .acknowledgedForDelivery:
            guard let plan = order.plan, now >= plan.atStore else { return false }
            _ = try await progression.arriveAtStore(order, now: now)
        case .atStore:
            guard let plan = order.plan, now >= plan.pickup.addingTimeInterval(plan.departure.timeIntervalSince(plan.pickup) / 2) else {
                return false
            }
            _ = try await progression.verifyBags(order, now: now)
        case .bagsVerified:
            guard let plan = order.plan, now >= plan.departure else { return false }
            _ = try await progression.depart(order, store: store.point, eta: plan.arrival, now: now)
        case .delivering:
            guard let plan = order.plan else { return false }
            if now >= plan.delivered {
                _ = try await progression.deliver(order, now: now)
            } else if now >= plan.arrival {
                guard order.arrivedAtCustomerAt == nil else { return false }
                _ = try await progression.arriveAtCustomer(order, now: now)
            } else {
                guard order.lastLocationEventAt.map({ now.timeIntervalSince($0) >= 60 }) ?? true else { return false }
                let leg = plan.arrival.timeIntervalSince(plan.departure)
                let fraction = leg > 0 ? now.timeIntervalSince(plan.departure) / leg : 1
                let point = TripPlan.position(from: store.point, to: order.destination, fraction: fraction)
                _ = try await progression.reportLocation(order, point, recordedAt: now, estimate: plan.arrival, now: now)
            }
        default:
            return false
        }
        return true
    }
}
