import Foundation

/// The store's local calendar: opening instants, the scheduled-window grid, and desired-window checks (§2.0.4).
public struct SlotGrid: Sendable {
    public let store: Store
    let zone: LocalTimeZone

    public init(store: Store) {
        self.store = store
        zone = store.zone
    }

    /// Delivery hours of a local date as instants, or nil when closed.
    public func openInterval(on date: CivilDate, hours: WeeklyHours? = nil) -> (open: Date, close: Date)? {
        guard let h = (hours ?? store.deliveryHours).on(date) else { return nil }
        let o = zone.resolve(date: date, minuteOfDay: h.open)
        let c = zone.resolve(date: date, minuteOfDay: h.close)
        return c > o ? (o, c) : nil
    }

    public func today(_ now: Date) -> CivilDate { zone.localDate(of: now) }

    /// Whether `now` is within today's delivery hours `[open, close)`.
    public func isOpen(at now: Date) -> (open: Date, close: Date)? {
        guard let i = openInterval(on: today(now)), i.open <= now, now < i.close else { return nil }
        return i
    }

    /// Two-hour windows starting on every whole local hour with `open ≤ h` and `h + 2 h ≤ close`, for the
    /// horizon's local dates, strictly after now. Nonexistent (DST gap) hours are skipped; an ambiguous hour
    /// uses its earlier instant.
    public func scheduledWindows(now: Date) -> [(DeliveryWindow, CivilDate)] {
        var out: [(DeliveryWindow, CivilDate)] = []
        let first = today(now)
        for offset in 0..<store.schedulingHorizonDays {
            let d = first.adding(days: offset)
            guard let (open, close) = openInterval(on: d) else { continue }
            for hour in 0..<24 {
                guard let start = zone.instants(date: d, minuteOfDay: hour * 60).first else { continue }
                let end = start.addingTimeInterval(7200)
                guard start >= open, end <= close, start > now else { continue }
                out.append((DeliveryWindow(start: start, end: end), d))
            }
        }
        return out.sorted { $0.0.start < $1.0.start }
    }

    /// A desired window is considered only if it starts after now, its local start date is within the
    /// horizon, and it lies inside that date's delivery hours.
    public func acceptsDesiredWindow(_ w: DeliveryWindow, now: Date) -> CivilDate? {
        guard w.start > now else { return nil }
        let d = zone.localDate(of: w.start)
        let first = today(now)
        guard d >= first, d.daysSinceEpoch - first.daysSinceEpoch < store.schedulingHorizonDays else { return nil }
        guard let (open, close) = openInterval(on: d), open <= w.start, w.end <= close else { return nil }
        return d
    }
}
