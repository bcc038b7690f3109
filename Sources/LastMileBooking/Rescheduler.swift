import Foundation
import LastMileCore
import LastMileStorage
import Logging

/// The service's own moves (§2.0.9, last paragraph): an order without a driver whose window can no longer
/// be served (a shift was removed, or its window end came too close) is moved to the soonest feasible
/// scheduled window starting at or after its current window start within the horizon (`rescheduled`),
/// or canceled as `unbatchable` when there is none. Every move is a conditional update with a capacity
/// re-check in the same transaction, so it never overbooks and two servers never move one order twice.
public struct Rescheduler: Sendable {
    let booking: BookingService
    let clocks: RetailerClocks
    var capacity: CapacityService { booking.capacity }
    var progression: OrderProgression { booking.progression }

    /// Each retailer's orders move on its own time (`clocks`: its sandbox test clock may have moved).
    public init(booking: BookingService, clocks: RetailerClocks) {
        self.booking = booking
        self.clocks = clocks
    }

    public func run(interval: Duration = .seconds(15)) async {
        while !Task.isCancelled {
            await tick()
            try? await Task.sleep(for: interval)
        }
    }

    /// One pass; returns how many orders were moved or canceled.
    @discardableResult
    public func tick() async -> Int {
        do { return try await pass() } catch {
            booking.logger.warning("rescheduler: \(error)")
            return 0
        }
    }

    func pass() async throws -> Int {
        let open: [OrderStatus] = [.brandNew, .staged, .rescheduled]
        var moved = 0
        // Store by store: each store's unassigned orders are read in full (page by page), so an order is
        // never out of reach behind other retailers' orders.
        for key in try await booking.storage.storesWithOrders(inStatuses: open) {
            let orders = try await booking.storage.allOrders(
                OrderQuery(
                    statuses: open,
                    retailerID: key.retailerID,
                    locationCode: key.locationCode,
                    driver: .none
                )
            )
            .filter { $0.batchID == nil && $0.sandboxManaged != true }
            guard let first = orders.first,
                let store = try await booking.storage.store(retailerID: first.retailerID, locationCode: first.locationCode)
            else { continue }
            let now = clocks.now(for: key.retailerID)
            // The store's commitments and their plan are built once, and again only after a move changed them.
            var current: (commitments: [Commitment], plan: TripCapacity)?
            // The reference order of §2.0.5: earliest window end first.
            for order in orders.sorted(by: {
                ($0.windowEnd, $0.windowStart, $0.createdAt, $0.id) < ($1.windowEnd, $1.windowStart, $1.createdAt, $1.id)
            }) {
                if current == nil {
                    let commitments = try await booking.storage.commitments(
                        retailerID: first.retailerID,
                        locationCode: first.locationCode,
                        now: now,
                        excludingHoldOfUser: nil
                    )
                    current = (commitments, capacity.planner(for: store, now: now, commitments: commitments))
                }
                // The plan serves it: nothing to do.
                if current!.plan.trip(serving: order.id + OrderRecord.commitmentIDOffset) != nil { continue }
                if try await move(order, store: store, commitments: current!.commitments, now: now) {
                    moved += 1
                    current = nil
                }
            }
        }
        return moved
    }

    /// Moves or cancels `order` when its window cannot be served any more.
    func move(_ order: OrderRecord, store: Store, commitments: [Commitment], now: Date) async throws -> Bool {
        let own = order.id + OrderRecord.commitmentIDOffset
        let others = commitments.filter { $0.id != own }
        let planner = capacity.planner(for: store, now: now, commitments: others)
        if planner.evaluate(
            window: DeliveryWindow(start: order.windowStart, end: order.windowEnd),
            destination: order.destination,
            travelMinutes: order.travelMinutes
        ).available {
            return false
        }
        let candidates = SlotGrid(store: store).scheduledWindows(now: now).map(\.0).filter { $0.start >= order.windowStart }
        guard
            let target = candidates.first(where: {
                planner.evaluate(window: $0, destination: order.destination, travelMinutes: order.travelMinutes).available
            })
        else {
            do {
                _ = try await progression.cancel(order, reason: .unbatchable, now: now)
                booking.logger.info("order \(order.orderID) canceled: no feasible window left")
                return true
            } catch OrderProgression.Failure.lostRace { return false }
        }
        let recheck = capacity.booking(store: store, now: now, windows: [target], destination: order.destination, travelMinutes: order.travelMinutes)
        do {
            _ = try await progression.reschedule(order, to: target, now: now, recheck: recheck)
        } catch OrderProgression.Failure.lostRace {
            return false  // changed meanwhile or the window filled up: the next pass decides again
        }
        booking.logger.info("order \(order.orderID) rescheduled to \(Timestamp.format(target.start))")
        return true
    }
}
