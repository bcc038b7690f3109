import Foundation
import Testing

@testable import LastMileCore

/// §2.0.4 scheduled windows: two hours of elapsed time, on every whole local hour with open ≤ h and
/// h + 2 h ≤ close, strictly after now, for `scheduling_horizon_days` local dates; `date` = local date of the start.
@Suite("Slot grid (§2.0.4)")
struct SlotGridTests {
    let june10 = CivilDate(year: 2025, month: 6, day: 10)

    func starts(_ windows: [(DeliveryWindow, CivilDate)]) -> [Date] { windows.map { $0.0.start } }

    @Test func storeOpen08To21YieldsTwelveOverlappingWindows() {
        let store = Fixtures.store(horizon: 1)
        // 07:00 PDT, before opening.
        let windows = SlotGrid(store: store).scheduledWindows(now: ts("2025-06-10T14:00:00Z"))
        // 08:00 PDT = 15:00Z … 19:00 PDT = 02:00Z the next UTC day.
        let expected = (0..<12).map { ts("2025-06-10T15:00:00Z").plus(hours: Double($0)) }
        #expect(starts(windows) == expected)
        for (w, d) in windows {
            #expect(w.end.timeIntervalSince(w.start) == 7200)
            #expect(d == june10)
        }
        #expect(windows.first?.0.end == ts("2025-06-10T17:00:00Z"))  // 08:00–10:00
        #expect(windows.last?.0.start == ts("2025-06-11T02:00:00Z"))  // 19:00–21:00
        #expect(windows.last?.0.end == ts("2025-06-11T04:00:00Z"))
    }

    @Test func dateIsTheLocalDateOfTheWindowStart() throws {
        // Contract example: 2025-06-11T02:00:00Z at a Pacific store has date 2025-06-10.
        let windows = SlotGrid(store: Fixtures.store()).scheduledWindows(now: ts("2025-06-11T00:34:00Z"))
        let w = try #require(windows.first { $0.0.start == ts("2025-06-11T02:00:00Z") })
        #expect(w.1 == june10)
        #expect(w.1.description == "2025-06-10")
    }

    @Test func firstWindowStartsAtTheFirstWholeHourAfterNow() {
        // 17:34 local → 18:00 (contract example of §2.4.2): 18–20 and 19–21.
        let windows = SlotGrid(store: Fixtures.store()).scheduledWindows(now: ts("2025-06-11T00:34:00Z"))
        #expect(starts(windows) == [ts("2025-06-11T01:00:00Z"), ts("2025-06-11T02:00:00Z")])
        #expect(windows.allSatisfy { $0.1 == june10 })
    }

    @Test func windowStartingExactlyAtNowIsNotOffered() {
        // now = 18:00:00 local exactly: the 18:00 window does not start strictly after now.
        let windows = SlotGrid(store: Fixtures.store()).scheduledWindows(now: ts("2025-06-11T01:00:00Z"))
        #expect(starts(windows) == [ts("2025-06-11T02:00:00Z")])
        // One second earlier it is offered.
        let earlier = SlotGrid(store: Fixtures.store()).scheduledWindows(now: ts("2025-06-11T00:59:59Z"))
        #expect(starts(earlier) == [ts("2025-06-11T01:00:00Z"), ts("2025-06-11T02:00:00Z")])
    }

    @Test func windowMustEndByClose() {
        // Close 20:30: 18:00–20:00 is the last window; 19:00–21:00 would end after close.
        let store = Fixtures.store(hours: .everyDay(DailyHours(open: hm(8), close: hm(20, 30))))
        let windows = SlotGrid(store: store).scheduledWindows(now: ts("2025-06-10T14:00:00Z"))
        #expect(windows.count == 11)
        #expect(windows.last?.0.start == ts("2025-06-11T01:00:00Z"))
        #expect(windows.last?.0.end == ts("2025-06-11T03:00:00Z"))
    }

    @Test func openingOffTheHourStartsAtTheNextWholeHour() {
        // Open 08:30: the first window is 09:00–11:00 (h must satisfy open ≤ h).
        let store = Fixtures.store(hours: .everyDay(DailyHours(open: hm(8, 30), close: hm(21))))
        let windows = SlotGrid(store: store).scheduledWindows(now: ts("2025-06-10T14:00:00Z"))
        #expect(windows.first?.0.start == ts("2025-06-10T16:00:00Z"))
        #expect(windows.count == 11)
    }

    @Test func closedWeekdayYieldsNothingThatDay() {
        // Wednesday (index 2) closed. 2025-06-10 is a Tuesday.
        var days = [DailyHours?](repeating: DailyHours(open: hm(8), close: hm(21)), count: 7)
        days[2] = nil
        let store = Fixtures.store(hours: WeeklyHours(days: days), horizon: 3)
        let windows = SlotGrid(store: store).scheduledWindows(now: ts("2025-06-10T07:00:00Z"))  // 00:00 PDT Tue
        let dates = windows.map(\.1)
        #expect(windows.count == 24)
        #expect(dates.filter { $0 == june10 }.count == 12)
        #expect(!dates.contains(CivilDate(year: 2025, month: 6, day: 11)))
        #expect(dates.filter { $0 == CivilDate(year: 2025, month: 6, day: 12) }.count == 12)
    }

    @Test func horizonCountsLocalDatesStartingToday() {
        let store = Fixtures.store(horizon: 7)
        let windows = SlotGrid(store: store).scheduledWindows(now: ts("2025-06-10T14:00:00Z"))
        #expect(windows.count == 7 * 12)
        #expect(Set(windows.map(\.1)) == Set((0..<7).map { june10.adding(days: $0) }))
        // Ordered by start.
        #expect(starts(windows) == starts(windows).sorted())
        // Late in the evening (UTC already the next day) "today" is still the local date.
        let late = SlotGrid(store: Fixtures.store(horizon: 2)).scheduledWindows(now: ts("2025-06-11T00:34:00Z"))
        #expect(late.count == 2 + 12)
        #expect(Set(late.map(\.1)) == [june10, CivilDate(year: 2025, month: 6, day: 11)])
    }

    // MARK: DST (America/New_York, 2026)

    func allDayNewYorkStore() -> Store {
        Fixtures.store(timeZone: "America/New_York", hours: .everyDay(DailyHours(open: 0, close: 1440)), horizon: 2)
    }

    @Test func springForwardSkipsTheNonexistentHour() {
        // 2026-03-08: 02:00 EST jumps to 03:00 EDT at 07:00Z; the local day has 23 hours.
        let day = CivilDate(year: 2026, month: 3, day: 8)
        let windows = SlotGrid(store: allDayNewYorkStore())
            .scheduledWindows(now: ts("2026-03-07T17:00:00Z"))
            .filter { $0.1 == day }
        // Local 00:00 EST, 01:00 EST, then 03:00 EDT … 22:00 EDT (22:00–24:00 ends at close).
        var expected = [ts("2026-03-08T05:00:00Z"), ts("2026-03-08T06:00:00Z")]
        expected += (7...23).map { ts("2026-03-08T00:00:00Z").plus(hours: Double($0)) }
        expected += (0...2).map { ts("2026-03-09T00:00:00Z").plus(hours: Double($0)) }
        #expect(starts(windows) == expected)
        #expect(windows.count == 22)
        for (w, _) in windows {
            #expect(w.end.timeIntervalSince(w.start) == 7200)  // elapsed time, even across the jump
        }
        // No window starts at the nonexistent 02:00 local hour.
        let ny = LocalTimeZone(identifier: "America/New_York")!
        #expect(windows.allSatisfy { ny.local($0.0.start).1 != hm(2) })
        // 01:00 EST–04:00 EDT local is two hours of elapsed time.
        #expect(windows.dropFirst().first?.0 == DeliveryWindow(start: ts("2026-03-08T06:00:00Z"), end: ts("2026-03-08T08:00:00Z")))
    }

    @Test func fallBackUsesTheEarlierInstantOnce() {
        // 2026-11-01: 02:00 EDT falls back to 01:00 EST at 06:00Z; the local day has 25 hours.
        let day = CivilDate(year: 2026, month: 11, day: 1)
        let windows = SlotGrid(store: allDayNewYorkStore())
            .scheduledWindows(now: ts("2026-10-31T16:00:00Z"))
            .filter { $0.1 == day }
        var expected = [ts("2026-11-01T04:00:00Z"), ts("2026-11-01T05:00:00Z")]
        expected += (7...23).map { ts("2026-11-01T00:00:00Z").plus(hours: Double($0)) }
        expected += (0...3).map { ts("2026-11-02T00:00:00Z").plus(hours: Double($0)) }
        #expect(starts(windows) == expected)
        #expect(windows.count == 23)
        #expect(starts(windows).contains(ts("2026-11-01T05:00:00Z")))
        #expect(!starts(windows).contains(ts("2026-11-01T06:00:00Z")))
        for (w, _) in windows { #expect(w.end.timeIntervalSince(w.start) == 7200) }
        // The last window 22:00–24:00 EST ends exactly at the 05:00Z close.
        #expect(windows.last?.0.end == ts("2026-11-02T05:00:00Z"))
    }

    // MARK: Open intervals

    @Test func openIntervalAndIsOpenUseHalfOpenHours() throws {
        let grid = SlotGrid(store: Fixtures.store())
        let interval = try #require(grid.openInterval(on: june10))
        #expect(interval.open == ts("2025-06-10T15:00:00Z"))
        #expect(interval.close == ts("2025-06-11T04:00:00Z"))
        func open(_ t: String) -> Bool { grid.isOpen(at: ts(t)) != nil }
        #expect(open("2025-06-10T15:00:00Z"))
        #expect(!open("2025-06-10T14:59:59Z"))
        #expect(open("2025-06-11T03:59:59Z"))
        #expect(!open("2025-06-11T04:00:00Z"))
        #expect(grid.today(ts("2025-06-11T04:00:00Z")) == june10)
    }
}

@Suite("The booked window of a listed option (§2.6.1)")
struct BookedWindowTests {
    let listed = DeliveryWindow(start: ts("2025-06-11T01:00:00Z"), end: ts("2025-06-11T03:00:00Z"))
    let now = ts("2025-06-11T00:35:12Z")

    @Test("scheduled keeps its window, immediate runs N hours from now, ETA runs from now to the listed end")
    func kinds() {
        #expect(BookedWindow.of(type: .scheduled, listed: listed, immediateHours: nil, now: now) == listed)
        #expect(BookedWindow.of(type: .immediate, listed: listed, immediateHours: 3, now: now) == DeliveryWindow(start: now, end: now.plus(hours: 3)))
        #expect(BookedWindow.of(type: .immediate, listed: listed, immediateHours: nil, now: now).end == now.plus(hours: 2))
        #expect(BookedWindow.of(type: .eta, listed: listed, immediateHours: nil, now: now) == DeliveryWindow(start: now, end: listed.end))
        #expect(BookedWindow.of(type: .priorityETA, listed: listed, immediateHours: nil, now: now).start == now)
    }

    @Test("start_at/end_at narrow the window only from inside it")
    func narrowing() throws {
        let inside = DeliveryWindow(start: listed.start.plus(minutes: 30), end: listed.end.plus(minutes: -30))
        #expect(try BookedWindow.narrow(listed, start: inside.start, end: inside.end) == inside)
        #expect(try BookedWindow.narrow(listed, start: nil, end: nil) == listed)
        #expect(throws: ServiceError.badRequest("must fall within the service option window", key: "start_at")) {
            try BookedWindow.narrow(listed, start: listed.start.plus(minutes: -1), end: listed.end)
        }
        #expect(throws: ServiceError.badRequest("must fall within the service option window", key: "end_at")) {
            try BookedWindow.narrow(listed, start: listed.start, end: listed.end.plus(minutes: 1))
        }
    }
}
