import Foundation
import LastMileBooking
import LastMileCore

/// The store day view's drawings, made by the server as SVG (no tile server, no script). Colours come from
/// classes in the stylesheet; every text is escaped.
enum ConsoleSVG {
    static let width = 1200.0
    static let labelWidth = 120.0
    static let laneHeight = 34.0

    /// One lane per driver shift: trips as bars (pickup, driving, waiting, handoff), stops as dots (on time,
    /// late, planned), a line at now. Planned trips no driver accepted yet are faded.
    static func timeline(_ day: StoreDay) -> String {
        timeline(lanes: day.lanes, from: day.from, to: day.to, now: day.now, zone: day.store.zone, label: "Driver timelines of \(day.date)")
    }

    static func timeline(lanes: [DriverLane], from: Date, to: Date, now: Date, zone: LocalTimeZone, label: String) -> String {
        let span = max(to.timeIntervalSince(from), 3600)
        let height = 24 + laneHeight * Double(max(lanes.count, 1))
        func x(_ t: Date) -> Double { labelWidth + max(0, min(1, t.timeIntervalSince(from) / span)) * (width - labelWidth - 10) }
        var svg = svgOpen(width: width, height: height, label: label)
        var hour = Timestamp.ceilToMinute(from)
        while zone.local(hour).1 % 60 != 0 { hour = hour.addingTimeInterval(60) }
        while hour <= to {
            svg += line(x(hour), 16, x(hour), height, "gridline")
            if x(hour) < width - 40 { svg += text(x(hour) + 2, 12, ConsoleFormat.clock(hour, zone)) }
            hour = hour.addingTimeInterval(3600)
        }
        for (i, lane) in lanes.enumerated() {
            let top = 20 + laneHeight * Double(i)
            svg += text(4, top + 20, lane.driverID)
            svg += rect(
                x(lane.shiftStart),
                top + 4,
                x(lane.shiftEnd) - x(lane.shiftStart),
                laneHeight - 8,
                "shift",
                title: "shift \(ConsoleFormat.clock(lane.shiftStart, zone))–\(ConsoleFormat.clock(lane.shiftEnd, zone))"
            )
            for trip in lane.trips {
                let faded = trip.accepted ? "" : " unaccepted"
                for s in trip.segments where s.end > s.start {
                    svg += rect(
                        x(s.start),
                        top + 9,
                        max(1, x(s.end) - x(s.start)),
                        laneHeight - 18,
                        s.kind.rawValue + faded,
                        title: "\(s.kind.rawValue) \(ConsoleFormat.clock(s.start, zone))–\(ConsoleFormat.clock(s.end, zone))"
                    )
                }
                for stop in trip.stops {
                    svg += circle(x(stop.at), top + laneHeight / 2, 5, stop.state.rawValue + faded, title: stopTitle(stop, zone))
                }
            }
        }
        if now >= from && now <= to { svg += line(x(now), 16, x(now), height, "now", title: "now") }
        return svg + "</svg>"
    }

    /// A single trip's bar (the order page), on its own time scale.
    static func trip(_ trip: TimelineTrip, zone: LocalTimeZone, now: Date) -> String {
        let lane = DriverLane(driverID: trip.accepted ? "accepted" : "planned", shiftStart: trip.start, shiftEnd: trip.end, trips: [trip])
        return timeline(
            lanes: [lane],
            from: trip.start.addingTimeInterval(-600),
            to: trip.end.addingTimeInterval(600),
            now: now,
            zone: zone,
            label: "The order's trip"
        )
    }

    /// The store, the day's destinations, the trips' routes and the drivers' last reported positions, on an
    /// equirectangular projection fitted to them.
    static func map(_ day: StoreDay) -> String {
        let w = 800.0
        let h = 500.0
        var points = [day.store.point] + day.orders.map(\.destination)
        for lane in day.lanes {
            points += lane.trips.flatMap { $0.stops.map(\.destination) }
            if let p = lane.position { points.append(p) }
        }
        let cosLat = cos(day.store.point.latitude * .pi / 180)
        let minX = points.map { $0.longitude * cosLat }.min()!
        let maxX = points.map { $0.longitude * cosLat }.max()!
        let minY = points.map(\.latitude).min()!
        let maxY = points.map(\.latitude).max()!
        let spanX = max(maxX - minX, 0.01)
        let spanY = max(maxY - minY, 0.01)
        let scale = min((w - 60) / spanX, (h - 60) / spanY)
        func xy(_ p: GeoPoint) -> (Double, Double) {
            (
                30 + (p.longitude * cosLat - minX) * scale + ((w - 60) - spanX * scale) / 2,
                30 + (maxY - p.latitude) * scale + ((h - 60) - spanY * scale) / 2
            )
        }
        var svg = svgOpen(width: w, height: h, label: "Map of \(day.store.name) on \(day.date)")
        let zone = day.store.zone
        for lane in day.lanes {
            for trip in lane.trips where !trip.stops.isEmpty {
                let path = [day.store.point] + trip.stops.map(\.destination) + [day.store.point]
                let coordinates = path.map(xy).map { "\(fmt($0.0)),\(fmt($0.1))" }.joined(separator: " ")
                svg +=
                    "<polyline class=\"route\(trip.accepted ? "" : " unaccepted")\" points=\"\(coordinates)\"><title>\(ConsoleFormat.escape(lane.driverID))</title></polyline>"
            }
        }
        for order in day.orders where order.status != .canceled {
            let (x, y) = xy(order.destination)
            let state: String
            if let delivered = order.deliveredAt {
                state = delivered <= order.windowEnd ? "on_time" : "late"
            } else {
                state = day.now > order.windowEnd ? "late" : "planned"
            }
            svg += circle(
                x,
                y,
                6,
                state,
                title: "\(order.orderID) \(ConsoleFormat.window(order.windowStart, order.windowEnd, zone)) \(order.status.rawValue)"
            )
        }
        let (sx, sy) = xy(day.store.point)
        svg += rect(sx - 7, sy - 7, 14, 14, "store", title: "\(day.store.name) (store)")
        for lane in day.lanes {
            guard let p = lane.position else { continue }
            let (x, y) = xy(p)
            svg +=
                "<polygon class=\"driver\" points=\"\(fmt(x)),\(fmt(y - 9)) \(fmt(x - 7)),\(fmt(y + 6)) \(fmt(x + 7)),\(fmt(y + 6))\"><title>\(ConsoleFormat.escape(lane.driverID)) (last reported)</title></polygon>"
        }
        return svg + "</svg>"
    }

    static func stopTitle(_ stop: TimelineStop, _ zone: LocalTimeZone) -> String {
        let who = stop.orderID ?? "a customer's hold"
        return
            "\(who) at \(ConsoleFormat.clock(stop.at, zone)), window \(ConsoleFormat.clock(stop.window.start, zone))–\(ConsoleFormat.clock(stop.window.end, zone)), \(stop.state.rawValue)"
    }

    static func svgOpen(width: Double, height: Double, label: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(fmt(width)) \(fmt(height))\" width=\"\(fmt(width))\" height=\"\(fmt(height))\" role=\"img\" aria-label=\"\(ConsoleFormat.escape(label))\">"
    }

    static func fmt(_ v: Double) -> String { String(format: "%.1f", v) }

    static func titled(_ title: String?) -> String { title.map { "<title>\(ConsoleFormat.escape($0))</title>" } ?? "" }

    static func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, _ cls: String, title: String? = nil) -> String {
        "<rect class=\"\(cls)\" x=\"\(fmt(x))\" y=\"\(fmt(y))\" width=\"\(fmt(max(0, w)))\" height=\"\(fmt(h))\">\(titled(title))</rect>"
    }

    static func circle(_ x: Double, _ y: Double, _ r: Double, _ cls: String, title: String? = nil) -> String {
        "<circle class=\"\(cls)\" cx=\"\(fmt(x))\" cy=\"\(fmt(y))\" r=\"\(fmt(r))\">\(titled(title))</circle>"
    }

    static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, _ cls: String, title: String? = nil) -> String {
        "<line class=\"\(cls)\" x1=\"\(fmt(x1))\" y1=\"\(fmt(y1))\" x2=\"\(fmt(x2))\" y2=\"\(fmt(y2))\">\(titled(title))</line>"
    }

    static func text(_ x: Double, _ y: Double, _ s: String) -> String {
        "<text x=\"\(fmt(x))\" y=\"\(fmt(y))\">\(ConsoleFormat.escape(s))</text>"
    }
}
