import Foundation
import Synchronization

/// Converts between instants and a store's local wall-clock time (IANA zone), DST-correct.
public struct LocalTimeZone: Sendable {
    public let zone: TimeZone

    public init?(identifier: String) {
        guard let tz = TimeZone(identifier: identifier) else { return nil }
        zone = tz
    }

    public init(_ zone: TimeZone) { self.zone = zone }

    public var identifier: String { zone.identifier }

    /// Local calendar date of an instant.
    public func localDate(of instant: Date) -> CivilDate {
        let (date, _) = local(instant)
        return date
    }

    /// Local date and minute-of-day of an instant.
    public func local(_ instant: Date) -> (CivilDate, Int) {
        let seconds = Int(floor(instant.timeIntervalSince1970)) + zone.secondsFromGMT(for: instant)
        let days = Int((Double(seconds) / 86_400).rounded(.down))
        let rem = seconds - days * 86_400
        return (CivilDate(daysSinceEpoch: days), rem / 60)
    }

    /// Every instant whose local wall-clock time is `date` at `minuteOfDay`, earliest first:
    /// none when the time falls in a spring-forward gap, two when it is repeated in a fall-back.
    public func instants(date civil: CivilDate, minuteOfDay: Int) -> [Date] {
        // A pure function of the zone, the date and the minute, asked for every driver shift and window of
        // every listing and booking; each answer costs three to five time-zone lookups. Kept, bounded.
        let key = InstantKey(zone: zone.identifier, day: civil.daysSinceEpoch, minute: minuteOfDay)
        if let known = Self.known.withLock({ $0[key] }) { return known }
        let found = computeInstants(date: civil, minuteOfDay: minuteOfDay)
        Self.known.withLock { cache in
            if cache.count >= 65_536 { cache.removeAll(keepingCapacity: true) }
            cache[key] = found
        }
        return found
    }

    struct InstantKey: Hashable {
        var zone: String
        var day: Int
        var minute: Int
    }

    static let known = Mutex<[InstantKey: [Date]]>([:])

    func computeInstants(date civil: CivilDate, minuteOfDay: Int) -> [Date] {
        let naive = Int64(civil.daysSinceEpoch) * 86_400 + Int64(minuteOfDay) * 60
        var offsets = Set<Int>()
        for probe in [naive - 86_400, naive, naive + 86_400] {
            offsets.insert(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(probe))))
        }
        var result: [Date] = []
        for offset in offsets {
            let candidate = Date(timeIntervalSince1970: Double(naive - Int64(offset)))
            if zone.secondsFromGMT(for: candidate) == offset { result.append(candidate) }
        }
        return result.sorted()
    }

    /// The instant of a local time: the earlier one when ambiguous; when it does not exist (DST gap), the
    /// time is moved forward by the gap's length (02:30 on a US spring-forward day becomes 03:30), as
    /// java.time and most calendars do.
    public func resolve(date civil: CivilDate, minuteOfDay: Int) -> Date {
        if let first = instants(date: civil, minuteOfDay: minuteOfDay).first { return first }
        // Inside a gap: use the offset in force before the gap; that lands after the gap.
        let naive = Int64(civil.daysSinceEpoch) * 86_400 + Int64(minuteOfDay) * 60
        let before = zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(naive - 86_400)))
        return Date(timeIntervalSince1970: Double(naive - Int64(before)))
    }
}
