import Foundation
import Testing

@testable import LastMileCore

struct AcceptedTimestamp: Sendable, CustomStringConvertible {
    var text: String
    /// Seconds since the epoch, computed independently of the implementation.
    var epoch: Double
    var description: String { text }
}

/// §1.5: input timestamps carry `Z` or an offset, up to 9 fractional digits; output is UTC, whole seconds, `Z`.
@Suite("Timestamps (§1.5)")
struct TimestampTests {
    /// 2025-06-10T17:35:12Z as seconds since the epoch (computed independently).
    static let reference: Double = 1_749_576_912
    /// 2022-11-02T16:00:00Z.
    static let nov2: Double = 1_667_404_800

    @Test(
        "parse accepts the contract's forms",
        arguments: [
            AcceptedTimestamp(text: "2025-06-10T17:35:12Z", epoch: 1_749_576_912),
            AcceptedTimestamp(text: "2025-06-10T10:35:12-07:00", epoch: 1_749_576_912),
            AcceptedTimestamp(text: "2025-06-10T17:35:12.250+00:00", epoch: 1_749_576_912.25),
            AcceptedTimestamp(text: "2022-11-02T16:00:00.00000-00:00", epoch: 1_667_404_800),
            AcceptedTimestamp(text: "2025-06-10T23:05:12.5+05:30", epoch: 1_749_576_912.5),
            AcceptedTimestamp(text: "2025-06-10T17:35:12.123456789Z", epoch: 1_749_576_912.123456789),
            AcceptedTimestamp(text: "2025-06-11T03:35:12+10:00", epoch: 1_749_576_912),
            AcceptedTimestamp(text: "2024-02-29T12:00:00Z", epoch: 1_709_208_000),
            // RFC 3339 §5.6 allows lower-case t and z.
            AcceptedTimestamp(text: "2025-06-10t17:35:12z", epoch: 1_749_576_912),
        ]
    )
    func accepts(_ c: AcceptedTimestamp) throws {
        let date = try #require(Timestamp.parse(c.text))
        #expect(abs(date.timeIntervalSince1970 - c.epoch) < 1e-6)
    }

    @Test(
        "parse rejects other formats",
        arguments: [
            "2025-06-10T17:35:12",  // no offset
            "2025-06-10T17:35:12.1234567890Z",  // 10 fractional digits
            "2025-02-30T00:00:00Z",  // no such date
            "2025-02-29T00:00:00Z",  // not a leap year
            "2025-06-10",  // a date only
            "2025-13-01T00:00:00Z",
            "2025-06-10T25:00:00Z",
            "2025-06-10T17:35:12.Z",  // a dot without digits
            "2025-06-10T17:35:12+0700",  // offset without colon
            "2025-06-10 17:35:12",
            "17:35:12Z",
            "",
            "not a timestamp",
        ]
    )
    func rejects(_ text: String) {
        #expect(Timestamp.parse(text) == nil)
    }

    @Test func nineFractionalDigitsAreAccepted() throws {
        let date = try #require(Timestamp.parse("2025-06-10T17:35:12.000000001Z"))
        #expect(abs(date.timeIntervalSince1970 - Self.reference) < 1e-6)
        #expect(Timestamp.format(date) == "2025-06-10T17:35:12Z")
    }

    @Test func formatEmitsUTCWithZ() throws {
        let date = try #require(Timestamp.parse("2025-06-10T10:35:12-07:00"))
        #expect(Timestamp.format(date) == "2025-06-10T17:35:12Z")
        #expect(Timestamp.format(ts("2025-06-11T01:00:00Z")) == "2025-06-11T01:00:00Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
    }

    @Test func formatFloorsSubSeconds() throws {
        #expect(Timestamp.format(ts("2025-06-10T17:35:12.250+00:00")) == "2025-06-10T17:35:12Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: Self.reference + 0.999)) == "2025-06-10T17:35:12Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: Self.reference + 0.5)) == "2025-06-10T17:35:12Z")
        // Floored, not truncated toward zero, before 1970.
        #expect(Timestamp.format(Date(timeIntervalSince1970: -0.5)) == "1969-12-31T23:59:59Z")
    }

    @Test("write appends exactly format's bytes, before 1970, before year 1000 and past year 9999 too")
    func writeMatchesFormat() {
        var rng = SeededGenerator(state: 11)
        var dates = [Date.distantPast, Date.distantFuture, Date(timeIntervalSince1970: -0.5), Date(timeIntervalSince1970: -31_000_000_000)]
        dates += (0..<2000).map { _ in Date(timeIntervalSince1970: Double.random(in: -70_000_000_000...300_000_000_000, using: &rng)) }
        for date in dates {
            var out: [UInt8] = Array("prefix ".utf8)
            Timestamp.write(date, into: &out)
            #expect(String(decoding: out, as: UTF8.self) == "prefix " + Timestamp.format(date), "\(date.timeIntervalSince1970)")
        }
    }

    /// §1.5: 9 fractional digits are accepted and sub-seconds are floored on output, so `.999999999` must
    /// still print second 12. (A Double-based Date cannot hold 1 ns near 2025; see the report.)
    @Test func formatFloorsNineNines() throws {
        let date = try #require(Timestamp.parse("2025-06-10T17:35:12.999999999Z"))
        #expect(Timestamp.format(date) == "2025-06-10T17:35:12Z")
        #expect(date < ts("2025-06-10T17:35:13Z"))
    }

    @Test func floorToSecondAndCeilToMinute() {
        let t = ts("2025-06-11T00:35:12.600Z")
        #expect(Timestamp.floorToSecond(t) == ts("2025-06-11T00:35:12Z"))
        #expect(Timestamp.ceilToMinute(t) == ts("2025-06-11T00:36:00Z"))
        #expect(Timestamp.ceilToMinute(ts("2025-06-11T00:36:00Z")) == ts("2025-06-11T00:36:00Z"))
        #expect(Timestamp.ceilToMinute(ts("2025-06-11T00:36:00.001Z")) == ts("2025-06-11T00:37:00Z"))
    }
}

@Suite("Civil dates")
struct CivilDateTests {
    @Test func weekdayIndexIsMondayFirst() {
        #expect(CivilDate(year: 1970, month: 1, day: 1).weekdayIndex == 3)  // Thursday
        #expect(CivilDate(year: 2025, month: 6, day: 9).weekdayIndex == 0)  // Monday
        #expect(CivilDate(year: 2025, month: 6, day: 10).weekdayIndex == 1)  // Tuesday
        #expect(CivilDate(year: 2026, month: 3, day: 8).weekdayIndex == 6)  // Sunday
        #expect(CivilDate(year: 1969, month: 12, day: 31).weekdayIndex == 2)  // Wednesday
    }

    @Test func daysSinceEpochRoundTrips() {
        #expect(CivilDate(year: 1970, month: 1, day: 1).daysSinceEpoch == 0)
        #expect(CivilDate(year: 2025, month: 6, day: 10).daysSinceEpoch == 20_249)
        for days in stride(from: -800, through: 30_000, by: 37) {
            #expect(CivilDate(daysSinceEpoch: days).daysSinceEpoch == days)
        }
        #expect(CivilDate(year: 2024, month: 2, day: 28).adding(days: 1) == CivilDate(year: 2024, month: 2, day: 29))
        #expect(CivilDate(year: 2025, month: 2, day: 28).adding(days: 1) == CivilDate(year: 2025, month: 3, day: 1))
    }

    @Test func parsesAndPrintsYYYYMMDD() {
        #expect(CivilDate("2025-06-10") == CivilDate(year: 2025, month: 6, day: 10))
        #expect(CivilDate("2025-6-10") == nil)
        #expect(CivilDate("2025-02-30") == nil)
        #expect(CivilDate("2025-06-10T00:00:00Z") == nil)
        #expect(CivilDate(year: 2025, month: 6, day: 1).description == "2025-06-01")
    }
}

/// §1.5 / §2.0.4: local calendar in the store's IANA zone, DST-correct.
@Suite("Local time zone")
struct LocalTimeZoneTests {
    let newYork = LocalTimeZone(identifier: "America/New_York")!
    let losAngeles = LocalTimeZone(identifier: "America/Los_Angeles")!

    @Test func unknownZoneIsNil() {
        let missing = LocalTimeZone(identifier: "Mars/Olympus_Mons") == nil
        #expect(missing)
    }

    @Test func localDateOfAnEveningPacificInstant() {
        // 2025-06-11T02:00:00Z is 19:00 on 2025-06-10 in Los Angeles (PDT, UTC−7).
        let (date, minute) = losAngeles.local(ts("2025-06-11T02:00:00Z"))
        #expect(date == CivilDate(year: 2025, month: 6, day: 10))
        #expect(minute == hm(19))
        #expect(losAngeles.localDate(of: ts("2025-06-11T06:59:59Z")) == CivilDate(year: 2025, month: 6, day: 10))
        #expect(losAngeles.localDate(of: ts("2025-06-11T07:00:00Z")) == CivilDate(year: 2025, month: 6, day: 11))
    }

    @Test func springForwardGapHasNoInstant() {
        let day = CivilDate(year: 2026, month: 3, day: 8)
        #expect(newYork.instants(date: day, minuteOfDay: hm(2)).isEmpty)
        #expect(newYork.instants(date: day, minuteOfDay: hm(2, 30)).isEmpty)
        #expect(newYork.instants(date: day, minuteOfDay: hm(1, 59)) == [ts("2026-03-08T06:59:00Z")])
        #expect(newYork.instants(date: day, minuteOfDay: hm(3)) == [ts("2026-03-08T07:00:00Z")])
        #expect(newYork.instants(date: day, minuteOfDay: hm(1)) == [ts("2026-03-08T06:00:00Z")])
    }

    @Test func fallBackHourHasTwoInstantsEarliestFirst() {
        let day = CivilDate(year: 2026, month: 11, day: 1)
        #expect(newYork.instants(date: day, minuteOfDay: hm(1)) == [ts("2026-11-01T05:00:00Z"), ts("2026-11-01T06:00:00Z")])
        #expect(newYork.instants(date: day, minuteOfDay: hm(1, 30)) == [ts("2026-11-01T05:30:00Z"), ts("2026-11-01T06:30:00Z")])
        #expect(newYork.instants(date: day, minuteOfDay: hm(0, 59)) == [ts("2026-11-01T04:59:00Z")])
        #expect(newYork.instants(date: day, minuteOfDay: hm(2)) == [ts("2026-11-01T07:00:00Z")])
    }

    @Test func resolveUsesTheEarlierInstantWhenAmbiguous() {
        #expect(newYork.resolve(date: CivilDate(year: 2026, month: 11, day: 1), minuteOfDay: hm(1)) == ts("2026-11-01T05:00:00Z"))
        // A nonexistent 02:00 resolves to the end of the gap (03:00 EDT).
        #expect(newYork.resolve(date: CivilDate(year: 2026, month: 3, day: 8), minuteOfDay: hm(2)) == ts("2026-03-08T07:00:00Z"))
        // 24:00 is the next local midnight.
        #expect(newYork.resolve(date: CivilDate(year: 2026, month: 3, day: 8), minuteOfDay: 1440) == ts("2026-03-09T04:00:00Z"))
        #expect(newYork.resolve(date: CivilDate(year: 2026, month: 11, day: 1), minuteOfDay: 1440) == ts("2026-11-02T05:00:00Z"))
    }
}

@Suite("Clocks")
struct ClockTests {
    @Test func manualClockOnlyMovesWhenTold() {
        let clock = ManualClock(ts("2025-06-11T00:34:00Z"))
        #expect(clock.now() == ts("2025-06-11T00:34:00Z"))
        clock.advance(by: 90)
        #expect(clock.now() == ts("2025-06-11T00:35:30Z"))
        clock.set(to: ts("2026-01-01T00:00:00Z"))
        #expect(clock.now() == ts("2026-01-01T00:00:00Z"))
    }

    @Test func runningClockStartsAtTheChosenInstant() {
        let base = ManualClock(ts("2030-01-01T00:00:00Z"))
        let clock = RunningClock(startingAt: ts("2025-06-11T00:34:00Z"), base: base)
        #expect(clock.now() == ts("2025-06-11T00:34:00Z"))
        base.advance(by: 60)
        #expect(clock.now() == ts("2025-06-11T00:35:00Z"))
        clock.advance(by: 3600)
        #expect(clock.now() == ts("2025-06-11T01:35:00Z"))
        clock.set(to: ts("2025-06-12T00:00:00Z"))
        #expect(clock.now() == ts("2025-06-12T00:00:00Z"))
    }
}

@Suite("Per-retailer clocks and the sandbox test clock's rules")
struct RetailerClocksTests {
    @Test("a retailer's time moves forward only, never past 2100, and nobody else's moves")
    func moveRules() throws {
        let start = ts("2025-06-11T00:35:12Z")
        let clocks = RetailerClocks(base: ManualClock(start))
        #expect(try clocks.move("a", to: start.plus(hours: 2), advancingBy: nil) == start.plus(hours: 2))
        #expect(try clocks.move("a", to: nil, advancingBy: 60) == start.plus(hours: 2).plus(seconds: 60))
        #expect(clocks.now(for: "b") == start)
        #expect(throws: ServiceError.badRequest("must not be earlier than the current service time", key: "now")) {
            try clocks.move("a", to: start, advancingBy: nil)
        }
        #expect(throws: ServiceError.badRequest("must not move the service time past 2100-01-01T00:00:00Z", key: "advance_seconds")) {
            try clocks.move("a", to: nil, advancingBy: 100 * 366 * 86_400)
        }
        #expect(clocks.moved.keys.sorted() == ["a"])
    }

    @Test("the system clock cannot be moved")
    func fixedClock() {
        let clocks = RetailerClocks(base: SystemClock())
        #expect(throws: ServiceError.state("The service clock of this process cannot be moved")) {
            try clocks.move("a", to: nil, advancingBy: 1)
        }
    }
}
