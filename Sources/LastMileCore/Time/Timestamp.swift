import Foundation

/// ISO 8601 / RFC 3339 timestamps as the contract (§1.5) accepts and emits them.
public enum Timestamp {
    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`; up to 9 fractional digits; an offset is required.
    /// Returns nil for anything else (the caller reports `must be an ISO 8601 timestamp with a UTC offset`).
    public static func parse(_ text: String) -> Date? {
        let b = Array(text.utf8)
        var i = 0
        func digits(_ n: Int) -> Int? {
            guard i + n <= b.count else { return nil }
            var v = 0
            for k in 0..<n {
                let c = b[i + k]
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            i += n
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect(UInt8(ascii: "-")), let month = digits(2), expect(UInt8(ascii: "-")),
            let day = digits(2)
        else { return nil }
        guard i < b.count, b[i] == UInt8(ascii: "T") || b[i] == UInt8(ascii: "t") else { return nil }
        i += 1
        guard let hour = digits(2), expect(UInt8(ascii: ":")), let minute = digits(2), expect(UInt8(ascii: ":")),
            let second = digits(2)
        else { return nil }
        var nanos = 0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            var count = 0
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                count += 1
                guard count <= 9 else { return nil }
                nanos = nanos * 10 + Int(b[i] - 48)
                i += 1
            }
            guard count > 0 else { return nil }
            for _ in count..<9 { nanos *= 10 }
        }
        var offsetSeconds = 0
        guard i < b.count else { return nil }
        if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
            i += 1
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            let sign = b[i] == UInt8(ascii: "-") ? -1 : 1
            i += 1
            guard let oh = digits(2), expect(UInt8(ascii: ":")), let om = digits(2), oh <= 23, om <= 59 else { return nil }
            offsetSeconds = sign * (oh * 3600 + om * 60)
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        guard (1...12).contains(month), day >= 1, day <= CivilDate.daysIn(month: month, year: year),
            hour <= 23, minute <= 59, second <= 59
        else { return nil }
        let days = CivilDate(year: year, month: month, day: day).daysSinceEpoch
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
        // An offset can carry 0000-01-01T00:00-01:00 or 9999-12-31T23:59+…-… outside years 1…9999 in UTC,
        // where the service's own output (four-digit years) could not state it.
        guard seconds >= Self.earliest, seconds <= Self.latest else { return nil }
        // A Double cannot hold nanoseconds near today; keep `.999999999` below the next second so that
        // flooring (output, comparisons with whole-second bounds) still sees the second it was written in.
        let value = min(Double(seconds) + Double(nanos) / 1e9, Double(seconds + 1).nextDown)
        return Date(timeIntervalSince1970: value)
    }

    /// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, in seconds since the Unix epoch.
    static let earliest: Int64 = -62_135_596_800
    static let latest: Int64 = 253_402_300_799

    /// `2025-06-11T01:00:00Z`: UTC, whole seconds (floored).
    public static func format(_ date: Date) -> String {
        let (d, rem) = utcParts(date)
        let h = Int(rem / 3600)
        let m = Int(rem % 3600 / 60)
        let s = Int(rem % 60)
        return "\(d.description)T\(pad2(h)):\(pad2(m)):\(pad2(s))Z"
    }

    /// `format(date)`'s UTF-8 bytes appended to `out` without making a string (listings write hundreds).
    public static func write(_ date: Date, into out: inout [UInt8]) {
        let (d, rem) = utcParts(date)
        guard (0...9999).contains(d.year) else {
            out += format(date).utf8
            return
        }
        func digits(_ v: Int, _ count: Int) {
            var divisor = 1
            for _ in 1..<count { divisor *= 10 }
            while divisor > 0 {
                out.append(UInt8(ascii: "0") + UInt8(v / divisor % 10))
                divisor /= 10
            }
        }
        digits(d.year, 4)
        out.append(UInt8(ascii: "-"))
        digits(d.month, 2)
        out.append(UInt8(ascii: "-"))
        digits(d.day, 2)
        out.append(UInt8(ascii: "T"))
        digits(Int(rem / 3600), 2)
        out.append(UInt8(ascii: ":"))
        digits(Int(rem % 3600 / 60), 2)
        out.append(UInt8(ascii: ":"))
        digits(Int(rem % 60), 2)
        out.append(UInt8(ascii: "Z"))
    }

    /// The UTC date of an instant and its second of that day, floored (also before 1970).
    static func utcParts(_ date: Date) -> (date: CivilDate, second: Int64) {
        let total = Int64(floor(date.timeIntervalSince1970))
        var days = total / 86_400
        var rem = total % 86_400
        if rem < 0 {
            rem += 86_400
            days -= 1
        }
        return (CivilDate(daysSinceEpoch: Int(days)), rem)
    }

    /// Floors to whole seconds, as every output timestamp is.
    public static func floorToSecond(_ date: Date) -> Date {
        Date(timeIntervalSince1970: floor(date.timeIntervalSince1970))
    }

    /// Rounds up to the next whole minute (identity on an exact minute).
    public static func ceilToMinute(_ date: Date) -> Date {
        Date(timeIntervalSince1970: ceil(date.timeIntervalSince1970 / 60) * 60)
    }
}

@inline(__always) func pad2(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }

/// A calendar date without a time zone (proleptic Gregorian).
public struct CivilDate: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Howard Hinnant's days_from_civil.
    public var daysSinceEpoch: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    public init(daysSinceEpoch z0: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(year: yoe + era * 400 + (m <= 2 ? 1 : 0), month: m, day: d)
    }

    public func adding(days: Int) -> CivilDate { CivilDate(daysSinceEpoch: daysSinceEpoch + days) }

    /// 0 = Monday … 6 = Sunday.
    public var weekdayIndex: Int {
        let w = (daysSinceEpoch + 3) % 7  // 1970-01-01 was a Thursday (index 3)
        return w < 0 ? w + 7 : w
    }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Parses `YYYY-MM-DD`.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
            (1...12).contains(m), d >= 1, d <= CivilDate.daysIn(month: m, year: y)
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    public var description: String {
        let y = year < 1000 ? String(repeating: "0", count: 4 - String(year).count) + String(year) : String(year)
        return "\(y)-\(pad2(month))-\(pad2(day))"
    }

    public static func < (a: CivilDate, b: CivilDate) -> Bool { a.daysSinceEpoch < b.daysSinceEpoch }
}
