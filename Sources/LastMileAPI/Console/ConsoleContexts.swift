import Foundation
import Hummingbird
import LastMileBooking
import LastMileCore
import LastMileStorage

/// Template contexts: what each page shows, as strings the templates print (escaped by the templates).
enum ConsoleContexts {
    static let notices: [String: String] = [
        "closed": "Window closed: it is no longer offered; orders already in it keep it.",
        "reopened": "Window reopened: it is offered again where drivers have room.",
        "unchanged": "The window already was in that state.",
        "canceled": "Order canceled; the retailer's callback is queued.",
        "resent": "Callback queued again with a fresh retry budget.",
    ]

    /// The confirmation an action's redirect asks for (`?done=closed`); nothing for an unknown word.
    static func notice(_ request: Request) -> String? { request.uri.queryParameters.get("done").flatMap { notices[String($0)] } }

    static func plural(_ n: Int, _ noun: String) -> String { n == 1 ? "1 \(noun)" : "\(n) \(noun)s" }

    static func storeHref(_ retailerID: String, _ locationCode: String) -> String {
        "/console/stores/\(ConsoleRoutes.segment(retailerID))/\(ConsoleRoutes.segment(locationCode))"
    }

    static func orderHref(_ retailerID: String, _ orderID: String) -> String {
        "/console/orders/\(ConsoleRoutes.segment(retailerID))/\(ConsoleRoutes.segment(orderID))"
    }

    static func store(_ o: StoreOverview) -> [String: Any] {
        let s = o.store
        let lateCount = o.attention.filter { $0.kind == .late }.count
        let atRiskCount = o.attention.count - lateCount
        let zone = s.zone
        let byDay = Dictionary(grouping: o.windows, by: \.date)
        let days = byDay.keys.sorted().map { date -> [String: Any] in
            [
                "label": ConsoleFormat.day(date),
                "cells": byDay[date]!.map { cell -> [String: Any] in
                    [
                        "time": "\(ConsoleFormat.clock(cell.window.start, zone))–\(ConsoleFormat.clock(cell.window.end, zone))",
                        "start": Timestamp.format(cell.window.start),
                        "end": Timestamp.format(cell.window.end),
                        "counts": "\(plural(cell.orders, "order")) · \(plural(cell.holds, "hold"))",
                        "room": cell.room >= NetworkOverview.roomLimit ? "\(cell.room)+" : String(cell.room),
                        "closed": cell.closed,
                        "fillClass": ConsoleFormat.fillClass(cell),
                        "fillPercent": String(Int((cell.fill * 100).rounded())),
                    ]
                },
            ]
        }
        let fields: [String: Any?] = [
            "retailerID": s.retailerID,
            "locationCode": s.locationCode,
            "storeHref": storeHref(s.retailerID, s.locationCode),
            "name": s.name,
            "timeZone": s.timeZone,
            "localNow": ConsoleFormat.clock(o.now, zone),
            "active": s.active,
            "activeOrders": String(o.activeOrders),
            "truncated": o.truncated,
            "drivers": o.drivers.map { d -> [String: Any] in
                var out: [String: Any] = ["driverID": d.driverID, "until": ConsoleFormat.clock(d.shiftEnd, zone)]
                if !d.orders.isEmpty { out["busy"] = d.orders.map { "\($0.orderID) (\($0.status.rawValue))" }.joined(separator: ", ") }
                return out
            },
            "attention": o.attention.map { a -> [String: Any] in
                [
                    "orderID": a.order.orderID,
                    "orderHref": orderHref(a.order.retailerID, a.order.orderID),
                    "kind": a.kind.rawValue,
                    "label": a.kind == .late ? "late" : "at risk",
                    "window": ConsoleFormat.window(a.order.windowStart, a.order.windowEnd, zone),
                    "reason": a.reason,
                ]
            },
            "days": days,
            // Sections render only when the count is not zero (a mustache section is false for nil only).
            "lateCount": lateCount == 0 ? nil : String(lateCount) as Any?,
            "atRiskCount": atRiskCount == 0 ? nil : String(atRiskCount) as Any?,
            "driverCount": String(o.drivers.count),
            "nextWindow": o.windows.first(where: { !$0.closed }).map { cell in
                "\(ConsoleFormat.clock(cell.window.start, zone))–\(ConsoleFormat.clock(cell.window.end, zone)): \(cell.orders + cell.holds) taken, "
                    + (cell.room >= NetworkOverview.roomLimit ? "\(cell.room)+" : String(cell.room)) + " more"
            } ?? "none open",
        ]
        return fields.compactMapValues { $0 }
    }

    static func day(_ d: StoreDay) -> [String: Any] {
        let zone = d.store.zone
        let orders = d.orders.map { o -> [String: Any] in
            [
                "orderID": o.orderID,
                "orderHref": orderHref(o.retailerID, o.orderID),
                "window": ConsoleFormat.window(o.windowStart, o.windowEnd, zone),
                "status": o.status.rawValue,
                "late": ConsoleService.isLate(o, now: d.now),
                "driver": o.driverID ?? "—",
            ]
        }
        return [
            "name": d.store.name,
            "retailerID": d.store.retailerID,
            "locationCode": d.store.locationCode,
            "dateLabel": ConsoleFormat.day(d.date),
            "previous": d.date.adding(days: -1).description,
            "next": d.date.adding(days: 1).description,
            "lanes": !d.lanes.isEmpty,
            "timeline": ConsoleSVG.timeline(d),
            "map": ConsoleSVG.map(d),
            "orders": orders,
            "hasOrders": !orders.isEmpty,
        ]
    }

    static func orderRow(_ row: ListedOrder, zone: LocalTimeZone) -> [String: Any] {
        let o = row.order
        return [
            "orderID": o.orderID,
            "orderHref": orderHref(o.retailerID, o.orderID),
            "retailerID": o.retailerID,
            "locationCode": o.locationCode,
            "window": ConsoleFormat.window(o.windowStart, o.windowEnd, zone),
            "status": o.status.rawValue,
            "late": row.late,
            "created": Timestamp.format(o.createdAt),
        ]
    }

    static func order(_ p: OrderPage, zone: LocalTimeZone) -> [String: Any] {
        let o = p.order
        var out: [String: Any] = [
            "orderID": o.orderID,
            "orderHref": orderHref(o.retailerID, o.orderID),
            "retailerID": o.retailerID,
            "locationCode": o.locationCode,
            "storeHref": storeHref(o.retailerID, o.locationCode) + "?date=\(zone.localDate(of: o.windowStart))",
            "status": o.status.rawValue,
            "late": ConsoleService.isLate(o, now: p.now),
            "window": ConsoleFormat.window(o.windowStart, o.windowEnd, zone),
            "customer": "\(o.firstName) \(o.lastName)",
            "address": "\(o.address.addressLine1), \(o.address.postalCode)",
            "driver": o.driverID ?? p.plannedDriverID.map { "\($0) (planned, not accepted)" } ?? "none yet",
            "events": p.events.map { ["at": Timestamp.format($0.occurredAt), "type": $0.type] },
            "callbacks": p.callbacks.map { c -> [String: Any] in
                var entry: [String: Any] = [
                    "name": c.delivery.name,
                    "state": c.delivery.state.rawValue,
                    "attemptCount": String(c.delivery.attempts),
                    "rowID": String(c.delivery.rowID),
                    "attempts": c.attempts.map { a -> [String: Any] in
                        [
                            "at": Timestamp.format(a.at),
                            "result": a.statusCode.map { "HTTP \($0)" } ?? (a.error ?? "no answer"),
                            "ms": String(a.durationMilliseconds),
                        ]
                    },
                ]
                if c.delivery.state == .pending, let next = c.delivery.nextAttemptAt { entry["next"] = Timestamp.format(next) }
                return entry
            },
            "cancellable": o.status.isCommitment,
            "reasons": ["instacart_driven", "retailer_driven", "customer_driven", "shopper_driven", "other"],
        ]
        if let reason = o.cancellationReason { out["cancellationReason"] = reason.rawValue }
        if let plan = o.plan {
            out["trip"] =
                "Accepted: at the store \(ConsoleFormat.clock(plan.atStore, zone)), leaves \(ConsoleFormat.clock(plan.departure, zone)), "
                + "arrives \(ConsoleFormat.clock(plan.arrival, zone))" + (plan.stops.map { " (stop \(plan.stop ?? 1) of \($0))" } ?? "")
            if let trip = ConsoleService.acceptedTrips([o], now: p.now).first { out["tripSVG"] = ConsoleSVG.trip(trip, zone: zone, now: p.now) }
        } else if let trip = p.plannedTrip {
            out["trip"] =
                "Planned (no driver has accepted it): leaves \(ConsoleFormat.clock(trip.start, zone)), back \(ConsoleFormat.clock(trip.end, zone)), \(trip.stops.count) stops"
            out["tripSVG"] = ConsoleSVG.trip(trip, zone: zone, now: p.now)
        } else {
            out["noTrip"] =
                o.status.isCommitment
                ? "the plan has no room for it now (it is kept; the rescheduler looks again)" : "the order is \(o.status.rawValue)"
        }
        return out
    }
}
