import Foundation
import LastMileCore
import LastMileStorage

/// The orders list's filters (all optional).
public struct OrderFilter: Sendable, Equatable {
    public var retailerID: String?
    public var locationCode: String?
    public var statuses: [OrderStatus] = []
    /// Orders whose window starts on this day in the store's time zone.
    public var windowDate: CivilDate?
    public var lateOnly = false
    /// An exact `order_id`.
    public var orderID: String?

    public init() {}
}

/// An order as the orders list shows it.
public struct ListedOrder: Sendable, Equatable {
    public var order: OrderRecord
    public var late: Bool
}

/// The order page: the order, its status history, its trip and every callback with every attempt.
public struct OrderPage: Sendable {
    public var order: OrderRecord
    public var now: Date
    /// The order's store (nil when it was removed since): its time zone formats the page.
    public var store: Store?
    public var events: [OrderEvent]
    public var callbacks: [(delivery: CallbackDelivery, attempts: [CallbackAttempt])]
    /// The planned trip of an order no driver has accepted yet (an accepted order has `order.plan`).
    public var plannedTrip: TimelineTrip?
    public var plannedDriverID: String?
}

extension ConsoleService {
    /// How many orders one list shows.
    public static let listLimit = 200

    /// Newest first, at most `listLimit`, across the stores the filter and the operator allow.
    public func orders(_ who: ConsoleAccess.SignedIn, filter: OrderFilter) async throws -> [ListedOrder] {
        let retailers = try await visibleRetailerIDs(who).filter { filter.retailerID == nil || $0 == filter.retailerID }
        if let id = filter.orderID {
            var found: [ListedOrder] = []
            for r in retailers {
                if let o = try await storage.order(retailerID: r, orderID: id) {
                    found.append(ListedOrder(order: o, late: Self.isLate(o, now: clocks.now(for: r))))
                }
            }
            return found
        }
        var rows: [ListedOrder] = []
        for r in retailers {
            let now = clocks.now(for: r)
            let stores = Dictionary(try await storage.stores(retailerID: r).map { ($0.locationCode, $0) }, uniquingKeysWith: { a, _ in a })
            var before = Int64.max
            // Pages newest first until the list is full or the retailer's orders run out (bounded reads).
            for _ in 0..<10 {
                var q = OrderQuery(
                    statuses: filter.statuses.isEmpty ? OrderStatus.allCases : filter.statuses,
                    retailerID: r,
                    locationCode: filter.locationCode,
                    limit: 500
                )
                q.newestFirst = true
                q.beforeRowID = before
                let page = try await storage.orders(q)
                for o in page {
                    let late = Self.isLate(o, now: now)
                    if filter.lateOnly && !late { continue }
                    if let day = filter.windowDate, let store = stores[o.locationCode], store.zone.localDate(of: o.windowStart) != day { continue }
                    rows.append(ListedOrder(order: o, late: late))
                }
                guard page.count == 500, rows.count < Self.listLimit, let last = page.last else { break }
                before = last.id
            }
        }
        return Array(rows.sorted { $0.order.createdAt > $1.order.createdAt }.prefix(Self.listLimit))
    }

    /// Late: delivered after its window, or past its window and not delivered (canceled orders never are).
    public static func isLate(_ o: OrderRecord, now: Date) -> Bool {
        switch o.status {
        case .canceled: return false
        case .delivered: return (o.deliveredAt ?? o.windowEnd) > o.windowEnd
        default: return now > o.windowEnd
        }
    }

    public func orderPage(_ who: ConsoleAccess.SignedIn, retailerID: String, orderID: String) async throws -> OrderPage {
        guard who.mayView(retailerID: retailerID), let order = try await storage.order(retailerID: retailerID, orderID: orderID) else {
            throw ServiceError.notFound
        }
        let now = clocks.now(for: retailerID)
        let events = try await storage.orderEvents(retailerID: retailerID, orderID: orderID)
        var callbacks: [(CallbackDelivery, [CallbackAttempt])] = []
        for d in try await storage.callbackDeliveries(retailerID: retailerID, orderID: orderID, limit: 100) {
            callbacks.append((d, try await storage.callbackAttempts(rowID: d.rowID)))
        }
        var planned: TimelineTrip?
        var plannedDriver: String?
        let store = try await storage.store(retailerID: retailerID, locationCode: order.locationCode)
        if order.plan == nil, order.status.isCommitment, let store {
            let planner = try await booking.capacity.planner(for: store, now: now, excludingHoldOfUser: nil)
            if let (driver, trip) = planner.trip(serving: order.id) {
                planned = Self.plannedTrip(trip, rules: store.tripRules, orders: [order.id: order], now: now)
                plannedDriver = driver
            }
        }
        return OrderPage(
            order: order,
            now: now,
            store: store,
            events: events,
            callbacks: callbacks,
            plannedTrip: planned,
            plannedDriverID: plannedDriver
        )
    }

    /// Cancels an order as the delivery service would (its callback goes to the retailer), audited with the
    /// operator's note.
    public func cancel(
        _ who: ConsoleAccess.SignedIn,
        retailerID: String,
        orderID: String,
        reason: CancellationReason,
        note: String
    ) async throws -> OrderRecord {
        guard who.mayView(retailerID: retailerID), let order = try await storage.order(retailerID: retailerID, orderID: orderID) else {
            throw ServiceError.notFound
        }
        let canceled: OrderRecord
        do {
            canceled = try await booking.progression.cancel(order, reason: reason, now: clocks.now(for: retailerID))
        } catch is OrderProgression.Failure {
            throw ServiceError.badRequest("An order that is \(order.status.rawValue) cannot be canceled.", key: "order_id")
        }
        try await storage.appendAudit(
            AuditEntry(
                at: access.clock.now(),
                operatorID: who.account.id,
                action: "cancel_order",
                retailerID: retailerID,
                subject: orderID,
                detail: "\(reason.rawValue): \(note)"
            )
        )
        return canceled
    }

    /// Queues a callback again (a fresh retry budget), audited.
    public func resendCallback(_ who: ConsoleAccess.SignedIn, retailerID: String, orderID: String, rowID: Int64) async throws {
        guard who.mayView(retailerID: retailerID),
            try await storage.callbackDeliveries(retailerID: retailerID, orderID: orderID, limit: 100).contains(where: { $0.rowID == rowID })
        else { throw ServiceError.notFound }
        guard try await storage.resendCallback(rowID: rowID, now: clocks.now(for: retailerID)) else { throw ServiceError.notFound }
        try await storage.appendAudit(
            AuditEntry(
                at: access.clock.now(),
                operatorID: who.account.id,
                action: "resend_callback",
                retailerID: retailerID,
                subject: orderID,
                detail: "event row \(rowID)"
            )
        )
    }
}
