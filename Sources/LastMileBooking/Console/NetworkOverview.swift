import Foundation
import LastMileCore
import LastMileStorage

/// One window of a store's capacity grid.
public struct WindowCapacity: Sendable, Equatable {
    public var window: DeliveryWindow
    public var date: CivilDate
    public var orders: Int
    public var holds: Int
    /// More orders the planner could still take (to the store's typical destination), counted up to
    /// `NetworkOverview.roomLimit`.
    public var room: Int
    public var closed: Bool

    /// Booked and held over booked, held and room: 0 is empty, 1 is full.
    public var fill: Double {
        let taken = orders + holds
        return taken + room == 0 ? 1 : Double(taken) / Double(taken + room)
    }
}

/// A driver whose shift is running now, and what the driver is doing.
public struct DriverOnShift: Sendable, Equatable {
    public var driverID: String
    public var shiftStart: Date
    public var shiftEnd: Date
    /// The orders the driver has accepted and not yet delivered.
    public var orders: [OrderRecord]
}

/// An order an operator should look at now.
public struct OrderAttention: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case late
        case atRisk = "at_risk"
    }
    public var order: OrderRecord
    public var kind: Kind
    public var reason: String
}

/// A store's row of the network view.
public struct StoreOverview: Sendable {
    public var store: Store
    public var now: Date
    public var windows: [WindowCapacity]
    public var drivers: [DriverOnShift]
    public var attention: [OrderAttention]
    public var activeOrders: Int
    /// More active orders than a page reads (the counts are a lower bound).
    public var truncated: Bool
}

public enum NetworkOverview {
    /// The grid counts room up to this many orders per window ("10+").
    public static let roomLimit = 10
    /// An undelivered order whose window ends within this, not yet on its way, is at risk.
    public static let atRiskLead: TimeInterval = 30 * 60

    /// Late: the window has ended and the order is not delivered. At risk: the driver's accepted plan
    /// arrives after the window, or the window ends within `atRiskLead` and the order has not left the store.
    public static func attention(_ orders: [OrderRecord], now: Date) -> [OrderAttention] {
        var out: [OrderAttention] = []
        for o in orders where o.status.isCommitment {
            if now > o.windowEnd {
                out.append(OrderAttention(order: o, kind: .late, reason: "window ended, \(o.status.rawValue)"))
            } else if let arrival = o.plan?.arrival, arrival > o.windowEnd {
                out.append(OrderAttention(order: o, kind: .atRisk, reason: "driver's plan arrives after the window"))
            } else if o.windowEnd.timeIntervalSince(now) < atRiskLead, o.status != .delivering {
                out.append(OrderAttention(order: o, kind: .atRisk, reason: "window ends soon, \(o.status.rawValue)"))
            }
        }
        return out.sorted { ($0.order.windowEnd, $0.order.orderID) < ($1.order.windowEnd, $1.order.orderID) }
    }

    /// Where the grid's room is measured: the middle of the store's current destinations (its delivery
    /// area as customers use it), or the store itself when it has none.
    public static func typicalDestination(store: Store, commitments: [Commitment]) -> GeoPoint {
        guard !commitments.isEmpty else { return store.point }
        let n = Double(commitments.count)
        return GeoPoint(
            latitude: commitments.map(\.destination.latitude).reduce(0, +) / n,
            longitude: commitments.map(\.destination.longitude).reduce(0, +) / n
        )
    }
}

extension ConsoleService {
    /// The network view of one store: its next `days` days of windows, its drivers on shift, and its
    /// late and at-risk orders.
    public func overview(of store: Store, days: Int) async throws -> StoreOverview {
        let now = clocks.now(for: store.retailerID)
        let (active, truncated) = try await orders(of: store, statuses: Self.activeStatuses)
        let commitments = try await storage.commitments(
            retailerID: store.retailerID,
            locationCode: store.locationCode,
            now: now,
            excludingHoldOfUser: nil
        )
        let grid = SlotGrid(store: store)
        let lastDay = grid.today(now).adding(days: max(0, days - 1))
        let windows = grid.scheduledWindows(now: now).filter { $0.1 <= lastDay }
        let capacity = booking.capacity
        let destination = NetworkOverview.typicalDestination(store: store, commitments: commitments)
        let room = capacity.room(
            store: store,
            now: now,
            commitments: commitments,
            windows: windows.map(\.0),
            destination: destination,
            travelMinutes: booking.estimator.estimatedMinutes(from: store.point, to: destination),
            limit: NetworkOverview.roomLimit
        )
        var ordersIn: [DeliveryWindow: Int] = [:]
        for o in active { ordersIn[DeliveryWindow(start: o.windowStart, end: o.windowEnd), default: 0] += 1 }
        var committedIn: [DeliveryWindow: Int] = [:]
        for c in commitments { committedIn[c.window, default: 0] += 1 }
        let cells = windows.map { w, date in
            let orders = ordersIn[w] ?? 0
            return WindowCapacity(
                window: w,
                date: date,
                orders: orders,
                holds: max(0, (committedIn[w] ?? 0) - orders),
                room: room[w] ?? 0,
                closed: store.closedWindows.contains(w)
            )
        }
        let drivers = capacity.shifts(for: store, now: now).filter { $0.start <= now && now < $0.end }.map { shift in
            DriverOnShift(
                driverID: shift.driverID,
                shiftStart: shift.start,
                shiftEnd: shift.end,
                orders: active.filter { $0.driverID == shift.driverID }
            )
        }
        return StoreOverview(
            store: store,
            now: now,
            windows: cells,
            drivers: drivers,
            attention: NetworkOverview.attention(active, now: now),
            activeOrders: active.count,
            truncated: truncated
        )
    }

    /// Closes or reopens one of the store's windows, audited. Only a window the store's grid offers (or one
    /// already closed) can be named; returns false when it already was in that state.
    public func setWindow(
        _ who: ConsoleAccess.SignedIn,
        store: Store,
        window: DeliveryWindow,
        closed: Bool
    ) async throws -> Bool {
        let now = clocks.now(for: store.retailerID)
        if closed {
            guard SlotGrid(store: store).scheduledWindows(now: now).contains(where: { $0.0 == window }) else {
                throw ServiceError.badRequest("That window is not one this store offers.", key: "window")
            }
        }
        let detail = "\(Timestamp.format(window.start))/\(Timestamp.format(window.end))"
        return try await storage.setWindow(
            ClosedWindow(
                retailerID: store.retailerID,
                locationCode: store.locationCode,
                window: window,
                closedAt: access.clock.now(),
                closedBy: who.account.id
            ),
            closed: closed,
            audit: AuditEntry(
                at: access.clock.now(),
                operatorID: who.account.id,
                action: closed ? "close_window" : "reopen_window",
                retailerID: store.retailerID,
                subject: store.locationCode,
                detail: detail
            )
        )
    }
}
