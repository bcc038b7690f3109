import Foundation

/// §2.7.2 steps 1–5: turning a single-call desired window `R` into the windows to try, in order.
public enum DesiredWindowBooking {
    public enum Problem: Error, Equatable, Sendable {
        /// A bound is not on the hour in the store's zone; the key names the bound (`start_at` / `end_at`).
        case notOnHour(key: String)
        /// The store has no delivery hours on the local date of `start_at`.
        case closed
    }

    public struct Plan: Sendable, Equatable {
        /// Step 3: grid windows inside `R` (or `R` itself when shorter than two hours).
        public var candidates: [DeliveryWindow]
        /// Step 5: the same-day grid windows, when the fallback is asked for.
        public var fallback: [DeliveryWindow]
    }

    /// Whether an instant is a whole local hour in the zone (minutes, seconds and fraction zero).
    public static func isOnTheHour(_ instant: Date, zone: LocalTimeZone) -> Bool {
        let t = instant.timeIntervalSince1970
        guard t == t.rounded(.down) else { return false }
        return zone.local(instant).1 % 60 == 0 && Int(t) % 60 == 0
    }

    /// Steps 1 (on the hour; the one-hour minimum is a field rule checked earlier), 2, 3 and 5.
    public static func plan(store: Store, desired r: DeliveryWindow, now: Date, fallbackToSoonestSameDay: Bool) throws -> Plan {
        let zone = store.zone
        if !isOnTheHour(r.start, zone: zone) { throw Problem.notOnHour(key: "start_at") }
        if !isOnTheHour(r.end, zone: zone) { throw Problem.notOnHour(key: "end_at") }
        let grid = SlotGrid(store: store)
        let day = zone.localDate(of: r.start)
        guard grid.openInterval(on: day) != nil else { throw Problem.closed }
        let scheduled = grid.scheduledWindows(now: now)
        var candidates: [DeliveryWindow]
        if r.end.timeIntervalSince(r.start) >= 7200 {
            candidates = scheduled.map(\.0).filter { $0.start >= r.start && $0.end <= r.end }
        } else {
            candidates = grid.acceptsDesiredWindow(r, now: now) != nil ? [r] : []
        }
        var fallback: [DeliveryWindow] = []
        if fallbackToSoonestSameDay {
            fallback = scheduled.filter { $0.1 == day }.map(\.0).filter { !candidates.contains($0) }
        }
        return Plan(candidates: candidates, fallback: fallback)
    }
}
