import Foundation

/// What a listing asks for (D1/D2 after validation).
public struct SlotQuery: Sendable {
    public var now: Date
    public var withETA = false
    public var withPriorityETA = false
    public var withHandoffTime = false
    public var desiredWindows: [DeliveryWindow] = []
    public var earliestOptionStart: Date?
    public var alcoholic = false
    /// Customer city/county for R2; nil when no customer location is known.
    public var customer: CustomerLocality?
    /// Estimated minutes from the store to the destination.
    public var travelMinutes: Int
    /// The delivery address point; nil when none is known (D1 by store only): the store's own point.
    public var destination: GeoPoint?
    /// The retailer's `eta_options_enabled`.
    public var etaOptionsEnabled = false

    public init(now: Date, travelMinutes: Int) {
        self.now = now
        self.travelMinutes = travelMinutes
    }
}

public struct SlotListing: Sendable, Equatable {
    public var options: [SlotCandidate]
    public var warnings: [ListingWarning]
}

/// Computes the time slots of §2.0.4 for one store: candidates, filters, capacity, alcohol, order.
public enum TimeSlotBuilder {
    public static let etaSearchLimit: TimeInterval = 5 * 3600

    public static func list(store: Store, query q: SlotQuery, planner: TripCapacity) -> SlotListing {
        let grid = SlotGrid(store: store)
        let today = grid.today(q.now)
        var warnings: [ListingWarning] = []
        var candidates: [SlotCandidate] = []

        if !q.desiredWindows.isEmpty {
            var seen = Set<DeliveryWindow>()
            for w in q.desiredWindows where seen.insert(w).inserted {
                if let d = grid.acceptsDesiredWindow(w, now: q.now) {
                    candidates.append(SlotCandidate(type: .scheduled, window: w, date: d))
                }
            }
        } else {
            let etaRequested = q.withETA || q.withPriorityETA
            if etaRequested && !q.etaOptionsEnabled { warnings.append(.etaNotEnabled) }
            if etaRequested && q.etaOptionsEnabled {
                candidates += etaCandidates(grid: grid, query: q, planner: planner, today: today)
            } else {
                candidates += immediateCandidates(grid: grid, now: q.now, today: today)
            }
            candidates += grid.scheduledWindows(now: q.now).map { SlotCandidate(type: .scheduled, window: $0.0, date: $0.1) }
        }

        var result: [SlotCandidate] = []
        for var c in candidates {
            if let earliest = q.earliestOptionStart, c.window.start < earliest { continue }
            if c.type == .scheduled || c.type == .immediate {
                // ETA candidates were already checked (their plan gives the handoff time).
                guard planner.evaluate(window: c.window, destination: q.destination ?? store.point, travelMinutes: q.travelMinutes).available
                else { continue }
            }
            if q.alcoholic {
                let v = AlcoholCheck.violations(store: store, customer: q.customer, window: c.window)
                if !v.isEmpty {
                    c.available = false
                    c.reasons = v.map(\.reason)
                }
            }
            result.append(c)
        }
        return SlotListing(options: result, warnings: warnings)
    }

    /// Immediate options: `immediate_hour` 2 always, 5 when the store allows it; only while open and when the
    /// whole window fits before today's close.
    static func immediateCandidates(grid: SlotGrid, now: Date, today: CivilDate) -> [SlotCandidate] {
        guard let (_, close) = grid.isOpen(at: now) else { return [] }
        var hours = [2]
        if grid.store.immediateFiveHour { hours.append(5) }
        return hours.compactMap { n in
            let end = now.addingTimeInterval(Double(n) * 3600)
            guard end <= close else { return nil }
            return SlotCandidate(type: .immediate, window: DeliveryWindow(start: now, end: end), immediateHour: n, date: today)
        }
    }

    /// Standard and priority ETA options (capacity already applied; handoff time attached when asked).
    static func etaCandidates(grid: SlotGrid, query q: SlotQuery, planner: TripCapacity, today: CivilDate) -> [SlotCandidate] {
        guard let (_, close) = grid.isOpen(at: q.now) else { return [] }
        let limit = q.now.addingTimeInterval(etaSearchLimit)
        let destination = q.destination ?? grid.store.point
        guard let a = planner.earliestArrival(destination: destination, travelMinutes: q.travelMinutes, limit: limit) else { return [] }
        let standardEnd = Timestamp.ceilToMinute(max(q.now.addingTimeInterval(7200), a))
        guard standardEnd <= limit, standardEnd <= close else { return [] }
        let start = Timestamp.floorToSecond(q.now)
        var out: [SlotCandidate] = []
        if q.withPriorityETA {
            let priorityEnd = Timestamp.ceilToMinute(max(q.now.addingTimeInterval(45 * 60), a))
            if priorityEnd <= standardEnd.addingTimeInterval(-30 * 60), priorityEnd <= close {
                let plan = planner.evaluate(
                    window: DeliveryWindow(start: q.now, end: priorityEnd),
                    destination: destination,
                    travelMinutes: q.travelMinutes
                )
                if plan.available {
                    out.append(
                        SlotCandidate(
                            type: .priorityETA,
                            window: DeliveryWindow(start: start, end: priorityEnd),
                            date: today,
                            handoffTime: q.withHandoffTime ? plan.handoff : nil
                        )
                    )
                }
            }
        }
        if q.withETA {
            let plan = planner.evaluate(
                window: DeliveryWindow(start: q.now, end: standardEnd),
                destination: destination,
                travelMinutes: q.travelMinutes
            )
            if plan.available {
                out.append(
                    SlotCandidate(
                        type: .eta,
                        window: DeliveryWindow(start: start, end: standardEnd),
                        date: today,
                        handoffTime: q.withHandoffTime ? plan.handoff : nil
                    )
                )
            }
        }
        return out
    }
}
