import Foundation
import LastMileBooking
import LastMileCore
import LastMileStorage
import Logging
import Metrics
import Synchronization

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
    /// Per store, the commitments its plan was last built from and when the first of its trips is due: until
    /// then, with the same commitments, a pass builds no plan (time alone only moves trips later).
    let due = DueTimes()

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

    /// Runs until cancelled, one pass per `interval`. Each finished pass is counted
    /// (`lastmile_simulated_driver_passes_total`): a benchmark that moves the test clock waits for a pass to
    /// know that everything due by then has happened.
    public func run(interval: Duration = .milliseconds(500)) async {
        let passes = Counter(label: "lastmile_simulated_driver_passes_total")
        while !Task.isCancelled {
            await tick()
            passes.increment()
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
                // The store's plan, built once a pass and again only after a trip was taken.
                var plan: PassPlan = .notBuilt
                try await progression.storage.forEachOrderPage(query) { page in
                    for order in page where order.batchID == nil && (order.driverID == nil || order.simulatedDriver == true) {
                        do {
                            if try await advance(order, at: store, plan: &plan) { steps += 1 }
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
    func advance(_ order: OrderRecord, at store: Store, plan storePlan: inout PassPlan) async throws -> Bool {
        let now = clocks.now(for: order.retailerID)
        switch order.status {
        case .staged:
            return try await acceptTrip(of: order, at: store, now: now, plan: &storePlan)
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
                let point = plan.position(at: now, store: store.point, destination: order.destination)
                _ = try await progression.reportLocation(order, point, recordedAt: now, estimate: plan.arrival, now: now)
            }
        default:
            return false
        }
        return true
    }

    /// How long before its planned pickup a simulated driver takes a trip: until then the trip stays open,
    /// so new orders can still join it.
    static let acceptLead: TimeInterval = 20 * 60

    /// A staged order's trip, taken as a whole by the driver the store's plan gives it, shortly before its
    /// pickup. Stops of the trip that are not staged orders (holds, orders not ready) stay behind and are
    /// planned again; the trip is timed anew without them, within its planned return. Without a plan for
    /// the order (no dispatcher, or no room left, e.g. its window passed) a store-wide simulated driver
    /// takes it alone at once, and `late_delivery` tells the retailer when it will arrive.
    func acceptTrip(of order: OrderRecord, at store: Store, now: Date, plan storePlan: inout PassPlan) async throws -> Bool {
        if let dispatcher, case .notBuilt = storePlan {
            let commitments = try await dispatcher.commitments(for: store, now: now)
            let key = store.retailerID + "\u{0}" + store.locationCode
            let fingerprint = DueTimes.fingerprint(commitments)
            if let known = due.get(key), known.fingerprint == fingerprint, now < known.due {
                storePlan = .nothingDue
            } else {
                let plan = dispatcher.plan(for: store, commitments: commitments, now: now)
                storePlan = .built(plan)
                due.set(key, (fingerprint, Self.firstDue(plan, now: now)))
            }
        }
        if case .nothingDue = storePlan { return false }
        var planned: (driverID: String, trip: TimedTrip)?
        if case .built(let plan) = storePlan { planned = plan.trip(serving: order.id + OrderRecord.commitmentIDOffset) }
        if let dispatcher, let (driver, trip) = planned {
            guard now >= trip.t0.addingTimeInterval(-Self.acceptLead) else { return false }
            let taken = try await TripAcceptance(progression: progression, dispatcher: dispatcher).take(
                trip,
                driverID: driver,
                store: store,
                now: now,
                simulated: true
            ) { index, timed in
                TripPlan.plan(
                    stop: index,
                    of: timed,
                    store: store.point,
                    acceptedAt: now,
                    dropoffDwellMinutes: store.dropoffDwellMinutes,
                    speedUp: speedUp
                )
            }
            if !taken.isEmpty {
                storePlan = .notBuilt
                return true
            }
        }
        var simulated = order
        simulated.simulatedDriver = true
        let plan = TripPlan.plan(
            acceptedAt: now,
            windowStart: order.windowStart,
            travelMinutes: order.travelMinutes,
            pickupDwellMinutes: store.pickupDwellMinutes,
            dropoffDwellMinutes: store.dropoffDwellMinutes,
            speedUp: speedUp
        )
        _ = try await progression.accept(simulated, driverID: Self.driverPrefix + store.locationCode, plan: plan, now: now)
        return true
    }

    /// When the first trip carrying an order is due (its pickup less the lead); now when an order has no trip.
    static func firstDue(_ plan: TripCapacity, now: Date) -> Date {
        guard plan.insertionServesAll || plan.reference.servesAll else { return now }
        var first = Date.distantFuture
        for shift in plan.keptPlan {
            for trip in shift.trips where trip.stops.contains(where: { $0.id >= OrderRecord.commitmentIDOffset }) {
                first = min(first, trip.t0.addingTimeInterval(-acceptLead))
            }
        }
        return first
    }
}

/// What a pass knows of a store's plan.
enum PassPlan {
    case notBuilt
    /// The commitments are those of a plan whose first trip is not due yet.
    case nothingDue
    case built(TripCapacity)
}

/// Per store: a fingerprint of the commitments a plan was built from, and when its first trip is due.
final class DueTimes: Sendable {
    private let entries = Mutex<[String: (fingerprint: Int, due: Date)]>([:])

    func get(_ key: String) -> (fingerprint: Int, due: Date)? { entries.withLock { $0[key] } }
    func set(_ key: String, _ value: (fingerprint: Int, due: Date)) { entries.withLock { $0[key] = value } }

    static func fingerprint(_ commitments: [Commitment]) -> Int {
        var hasher = Hasher()
        for c in commitments.sorted(by: { $0.id < $1.id }) {
            hasher.combine(c.id)
            hasher.combine(c.windowStart)
            hasher.combine(c.windowEnd)
            hasher.combine(c.destination.latitude)
            hasher.combine(c.destination.longitude)
            hasher.combine(c.assignment?.driverID)
            hasher.combine(c.assignment?.busyUntil)
        }
        return hasher.finalize()
    }
}
