import Foundation
import Testing

@testable import LastMileCore

/// §2.0.4 listings: immediate, ETA, scheduled and desired-window options, filters and order.
@Suite("Time slot builder (§2.0.4)")
struct TimeSlotBuilderTests {
    let june10 = CivilDate(year: 2025, month: 6, day: 10)

    func query(
        _ now: Date,
        travel: Int = 10,
        eta: Bool = false,
        priority: Bool = false,
        handoff: Bool = false,
        enabled: Bool = false
    ) -> SlotQuery {
        var q = SlotQuery(now: now, travelMinutes: travel)
        q.destination = Fixtures.point(travel, from: Fixtures.store().point)
        q.withETA = eta
        q.withPriorityETA = priority
        q.withHandoffTime = handoff
        q.etaOptionsEnabled = enabled
        return q
    }

    /// Lists with ample capacity unless a planner is given.
    func list(_ store: Store, _ q: SlotQuery, planner: TripCapacity? = nil) -> SlotListing {
        TimeSlotBuilder.list(store: store, query: q, planner: planner ?? Fixtures.amplePlanner(store: store, now: q.now))
    }

    // MARK: Immediate

    @Test func previewExampleOfTheContract() throws {
        // §2.4.2: 17:34 local; immediate 2 plus 18–20 and 19–21; no immediate 5 (17:34 + 5 h > 21:00).
        let store = Fixtures.store(immediateFiveHour: true)
        let now = ts("2025-06-11T00:34:00Z")
        let listing = list(store, query(now))
        #expect(
            describe(listing.options) == [
                "immediate(2)",
                "scheduled@2025-06-11T01:00:00Z-2025-06-11T03:00:00Z",
                "scheduled@2025-06-11T02:00:00Z-2025-06-11T04:00:00Z",
            ]
        )
        #expect(listing.warnings.isEmpty)
        let immediate = try #require(listing.options.first)
        #expect(immediate.window == DeliveryWindow(start: now, end: now.plus(hours: 2)))
        #expect(immediate.date == june10)
        #expect(listing.options.allSatisfy { $0.date == june10 && $0.available && $0.reasons.isEmpty && $0.handoffTime == nil })
    }

    @Test func immediateTwoThenFiveThenScheduled() throws {
        // 10:00 local with immediate_five_hour.
        let store = Fixtures.store(immediateFiveHour: true)
        let now = ts("2025-06-10T17:00:00Z")
        let listing = list(store, query(now))
        let scheduled = (1...9).map {
            let s = now.plus(hours: Double($0))
            return "scheduled@\(Timestamp.format(s))-\(Timestamp.format(s.plus(hours: 2)))"
        }
        #expect(describe(listing.options) == ["immediate(2)", "immediate(5)"] + scheduled)
        let five = try #require(listing.options.dropFirst().first)
        #expect(five.immediateHour == 5)
        #expect(five.window == DeliveryWindow(start: now, end: now.plus(hours: 5)))
        #expect(five.date == june10)
    }

    @Test func immediateFiveNeedsTheStoreSetting() {
        let listing = list(Fixtures.store(immediateFiveHour: false), query(ts("2025-06-10T17:00:00Z")))
        #expect(listing.options.filter { $0.type == .immediate }.map(\.immediateHour) == [2])
    }

    @Test func immediateFiveNeedsNowPlusFiveHoursByClose() {
        let store = Fixtures.store(immediateFiveHour: true)
        // 16:00 local: 16:00 + 5 h = 21:00 = close → offered.
        let atLimit = list(store, query(ts("2025-06-10T23:00:00Z")))
        #expect(atLimit.options.filter { $0.type == .immediate }.map(\.immediateHour) == [2, 5])
        // One second later it is not.
        let after = list(store, query(ts("2025-06-10T23:00:01Z")))
        #expect(after.options.filter { $0.type == .immediate }.map(\.immediateHour) == [2])
    }

    @Test func immediateTwoNeedsNowPlusTwoHoursByClose() {
        let store = Fixtures.store(immediateFiveHour: true)
        // 19:00 local: 19:00 + 2 h = 21:00 = close → offered; no scheduled window remains.
        #expect(describe(list(store, query(ts("2025-06-11T02:00:00Z"))).options) == ["immediate(2)"])
        #expect(list(store, query(ts("2025-06-11T02:00:01Z"))).options.isEmpty)
    }

    @Test func noImmediateOptionsWhileClosed() {
        let store = Fixtures.store(immediateFiveHour: true)
        // 07:59 local, before opening: scheduled windows only.
        let early = list(store, query(ts("2025-06-10T14:59:00Z")))
        #expect(!early.options.contains { $0.type == .immediate })
        #expect(early.options.count == 12)
        // 21:00 local exactly: closed ([open, close)).
        #expect(list(store, query(ts("2025-06-11T04:00:00Z"))).options.isEmpty)
        // A weekday with no hours (Tuesday closed), Wednesday open, horizon 2.
        var days = [DailyHours?](repeating: DailyHours(open: hm(8), close: hm(21)), count: 7)
        days[1] = nil
        let closedToday = Fixtures.store(hours: WeeklyHours(days: days), immediateFiveHour: true, horizon: 2)
        let listing = list(closedToday, query(ts("2025-06-10T19:00:00Z")))
        #expect(!listing.options.contains { $0.type == .immediate })
        #expect(listing.options.count == 12)
        #expect(listing.options.allSatisfy { $0.date == CivilDate(year: 2025, month: 6, day: 11) })
    }

    @Test func optionsWithoutCapacityAreOmitted() {
        let store = Fixtures.store(immediateFiveHour: true)
        let now = ts("2025-06-11T00:34:00Z")
        let noDrivers = Fixtures.planner(store: store, now: now, shifts: [])
        #expect(list(store, query(now), planner: noDrivers).options.isEmpty)
    }

    // MARK: ETA

    @Test func contractExampleA() {
        // §2.4.3 Example A: now 17:35:12 local, A = 01:32:00Z, handoff 01:26:00Z.
        // One driver busy until 01:26; pickup 5 + travel 1 → arrival 01:32.
        let store = Fixtures.store()
        let now = ts("2025-06-11T00:35:12Z")
        let planner = Fixtures.busyDriverPlanner(store: store, now: now, busyUntil: ts("2025-06-11T01:26:00Z"))
        #expect(planner.earliestArrival(destination: store.point, travelMinutes: 1, limit: now.plus(hours: 5)) == ts("2025-06-11T01:32:00Z"))
        let listing = list(store, query(now, travel: 1, eta: true, priority: true, handoff: true, enabled: true), planner: planner)
        #expect(
            describe(listing.options) == [
                "priority_eta@2025-06-11T00:35:12Z-2025-06-11T01:32:00Z",
                "eta@2025-06-11T00:35:12Z-2025-06-11T02:36:00Z",
                "scheduled@2025-06-11T01:00:00Z-2025-06-11T03:00:00Z",
                "scheduled@2025-06-11T02:00:00Z-2025-06-11T04:00:00Z",
            ]
        )
        #expect(
            listing.options.map { $0.handoffTime.map(Timestamp.format) }
                == ["2025-06-11T01:26:00Z", "2025-06-11T01:26:00Z", nil, nil]
        )
        #expect(listing.options.allSatisfy { $0.date == june10 && $0.available })
        #expect(listing.warnings.isEmpty)
    }

    @Test func etaEndsWithIdleDrivers() throws {
        // now has a sub-second part: start_at is now truncated; ends are rounded up to the minute.
        // A = ceil(now + 5 + 10 min) = 00:51; standard = ceil(now + 2 h) = 02:36; priority = ceil(now + 45 min) = 01:21.
        let store = Fixtures.store(immediateFiveHour: true)
        let now = ts("2025-06-11T00:35:12.600Z")
        let listing = list(store, query(now, eta: true, priority: true, enabled: true))
        #expect(
            describe(listing.options) == [
                "priority_eta@2025-06-11T00:35:12Z-2025-06-11T01:21:00Z",
                "eta@2025-06-11T00:35:12Z-2025-06-11T02:36:00Z",
                "scheduled@2025-06-11T01:00:00Z-2025-06-11T03:00:00Z",
                "scheduled@2025-06-11T02:00:00Z-2025-06-11T04:00:00Z",
            ]
        )
        let priority = try #require(listing.options.first)
        #expect(priority.window.start == ts("2025-06-11T00:35:12Z"))
        #expect(priority.window.end == ts("2025-06-11T01:21:00Z"))
        // No handoff time unless asked for.
        #expect(listing.options.allSatisfy { $0.handoffTime == nil })
    }

    @Test func handoffTimeOnlyOnEtaOptionsAndOnlyWhenAsked() {
        let store = Fixtures.store()
        let now = ts("2025-06-11T00:35:12Z")
        let listing = list(store, query(now, eta: true, priority: true, handoff: true, enabled: true))
        for option in listing.options {
            if option.type == .eta || option.type == .priorityETA {
                // Idle drivers: the driver is at the store now.
                #expect(option.handoffTime == now)
            } else {
                #expect(option.handoffTime == nil)
            }
        }
        #expect(listing.options.filter { $0.type == .eta || $0.type == .priorityETA }.count == 2)
    }

    @Test func standardEndIsTheEarliestArrivalWhenLaterThanTwoHours() {
        // Driver busy until 02:25:12 → arrival 02:40:12 → A = 02:41:00 > now + 2 h.
        // Priority: ceil(max(now + 45 min, A)) = 02:41 > 02:41 − 30 min → withheld.
        let store = Fixtures.store()
        let now = ts("2025-06-11T00:35:12Z")
        let planner = Fixtures.busyDriverPlanner(store: store, now: now, busyUntil: ts("2025-06-11T02:25:12Z"))
        let listing = list(store, query(now, eta: true, priority: true, handoff: true, enabled: true), planner: planner)
        #expect(
            describe(listing.options) == [
                "eta@2025-06-11T00:35:12Z-2025-06-11T02:41:00Z",
                "scheduled@2025-06-11T01:00:00Z-2025-06-11T03:00:00Z",
                "scheduled@2025-06-11T02:00:00Z-2025-06-11T04:00:00Z",
            ]
        )
        #expect(listing.options.first?.handoffTime == ts("2025-06-11T02:25:12Z"))
    }

    @Test func priorityExactlyThirtyMinutesBeforeStandardIsOffered() {
        // Busy until 01:50:30 → arrival 02:05:30 → A = 02:06:00 = standard (02:36) − 30 min.
        let store = Fixtures.store()
        let now = ts("2025-06-11T00:35:12Z")
        let planner = Fixtures.busyDriverPlanner(store: store, now: now, busyUntil: ts("2025-06-11T01:50:30Z"))
        let listing = list(store, query(now, eta: true, priority: true, enabled: true), planner: planner)
        #expect(
            Array(describe(listing.options).prefix(2)) == [
                "priority_eta@2025-06-11T00:35:12Z-2025-06-11T02:06:00Z",
                "eta@2025-06-11T00:35:12Z-2025-06-11T02:36:00Z",
            ]
        )
    }

    @Test func priorityLessThanThirtyMinutesBeforeStandardIsWithheld() {
        // Busy until 01:51:30 → arrival 02:06:30 → A = 02:07:00 > 02:36 − 30 min.
        let store = Fixtures.store()
        let now = ts("2025-06-11T00:35:12Z")
        let planner = Fixtures.busyDriverPlanner(store: store, now: now, busyUntil: ts("2025-06-11T01:51:30Z"))
        let listing = list(store, query(now, eta: true, priority: true, enabled: true), planner: planner)
        #expect(
            describe(listing.options) == [
                "eta@2025-06-11T00:35:12Z-2025-06-11T02:36:00Z",
                "scheduled@2025-06-11T01:00:00Z-2025-06-11T03:00:00Z",
                "scheduled@2025-06-11T02:00:00Z-2025-06-11T04:00:00Z",
            ]
        )
    }

    @Test func eachFlagControlsItsOwnOptionType() {
        let store = Fixtures.store()
        let now = ts("2025-06-11T00:35:12Z")
        let onlyETA = list(store, query(now, eta: true, enabled: true))
        #expect(onlyETA.options.map(\.type) == [.eta, .scheduled, .scheduled])
        let onlyPriority = list(store, query(now, priority: true, enabled: true))
        #expect(onlyPriority.options.map(\.type) == [.priorityETA, .scheduled, .scheduled])
    }

    @Test func etaReplacesImmediateEvenWhenNoEtaCanBeOffered() {
        // Busy until 02:00 → arrival 02:15 → A = 02:15: an immediate-2 window [now, now + 2 h] could be served,
        // but priority (02:15 > 02:36 − 30 min) is withheld and standard ETA is not requested.
        let store = Fixtures.store(immediateFiveHour: true)
        let now = ts("2025-06-11T00:35:12Z")
        let planner = Fixtures.busyDriverPlanner(store: store, now: now, busyUntil: ts("2025-06-11T02:00:00Z"))
        let enabled = list(store, query(now, priority: true, enabled: true), planner: planner)
        #expect(
            describe(enabled.options) == [
                "scheduled@2025-06-11T01:00:00Z-2025-06-11T03:00:00Z",
                "scheduled@2025-06-11T02:00:00Z-2025-06-11T04:00:00Z",
            ]
        )
        #expect(enabled.warnings.isEmpty)
        // Control: the same capacity does serve an immediate option when ETA is not enabled.
        let notEnabled = list(store, query(now, priority: true, enabled: false), planner: planner)
        #expect(describe(notEnabled.options).first == "immediate(2)")
    }

    @Test func etaRequestedWhileClosedGivesNeitherEtaNorImmediate() {
        let store = Fixtures.store(immediateFiveHour: true)
        let listing = list(store, query(ts("2025-06-10T14:00:00Z"), eta: true, priority: true, enabled: true))
        #expect(listing.options.count == 12)
        #expect(listing.options.allSatisfy { $0.type == .scheduled })
    }

    @Test func etaRequestedButNotEnabledWarnsAndListsImmediate() throws {
        let store = Fixtures.store()
        let now = ts("2025-06-11T00:34:00Z")
        for (eta, priority) in [(true, false), (false, true), (true, true)] {
            let listing = list(store, query(now, eta: eta, priority: priority, handoff: true, enabled: false))
            #expect(
                describe(listing.options) == [
                    "immediate(2)",
                    "scheduled@2025-06-11T01:00:00Z-2025-06-11T03:00:00Z",
                    "scheduled@2025-06-11T02:00:00Z-2025-06-11T04:00:00Z",
                ]
            )
            #expect(listing.warnings == [ListingWarning.etaNotEnabled])
            let warning = try #require(listing.warnings.first)
            #expect(warning.message == "ETA options are not enabled for this retailer.")
            #expect(warning.code == 1001)
        }
        // No flag, no warning.
        #expect(list(store, query(now)).warnings.isEmpty)
    }

    // MARK: earliest_option_start_at

    @Test func earliestOptionStartIsInclusive() {
        let store = Fixtures.store()
        let now = ts("2025-06-11T00:34:00Z")
        func run(_ earliest: String) -> [String] {
            var q = query(now)
            q.earliestOptionStart = ts(earliest)
            return describe(list(store, q).options)
        }
        let sched1 = "scheduled@2025-06-11T01:00:00Z-2025-06-11T03:00:00Z"
        let sched2 = "scheduled@2025-06-11T02:00:00Z-2025-06-11T04:00:00Z"
        // Exactly at a window start: kept; a future value removes immediate options.
        #expect(run("2025-06-11T01:00:00Z") == [sched1, sched2])
        #expect(run("2025-06-10T18:00:00-07:00") == [sched1, sched2])
        #expect(run("2025-06-11T01:00:01Z") == [sched2])
        #expect(run("2025-06-11T00:34:01Z") == [sched1, sched2])
        // Equal to now: the immediate option starts exactly at it and is kept.
        #expect(run("2025-06-11T00:34:00Z") == ["immediate(2)", sched1, sched2])
        #expect(run("2025-06-10T00:00:00Z") == ["immediate(2)", sched1, sched2])
    }

    @Test func futureEarliestOptionStartRemovesEtaOptions() {
        let store = Fixtures.store()
        let now = ts("2025-06-11T00:35:12Z")
        var q = query(now, eta: true, priority: true, enabled: true)
        q.earliestOptionStart = ts("2025-06-11T00:35:13Z")
        #expect(list(store, q).options.map(\.type) == [.scheduled, .scheduled])
        q.earliestOptionStart = now
        #expect(list(store, q).options.map(\.type) == [.priorityETA, .eta, .scheduled, .scheduled])
    }

    // MARK: Desired windows

    func desired(_ start: String, _ end: String) -> DeliveryWindow { DeliveryWindow(start: ts(start), end: ts(end)) }

    @Test func contractExampleC() {
        var q = query(ts("2025-06-11T00:36:00Z"))
        q.desiredWindows = [
            desired("2025-06-10T18:30:00-07:00", "2025-06-10T20:00:00-07:00"),
            desired("2025-06-11T09:00:00-07:00", "2025-06-11T11:00:00-07:00"),  // beyond the 1-day horizon
        ]
        let listing = list(Fixtures.store(), q)
        #expect(describe(listing.options) == ["scheduled@2025-06-11T01:30:00Z-2025-06-11T03:00:00Z"])
        #expect(listing.options.first?.date == june10)
    }

    @Test func desiredWindowsCollapseKeepOrderAndDropInvalidOnes() {
        // 12:00 local.
        var q = query(ts("2025-06-10T19:00:00Z"), eta: true, priority: true, handoff: true, enabled: false)
        q.desiredWindows = [
            desired("2025-06-10T18:30:00-07:00", "2025-06-10T20:00:00-07:00"),  // W1
            desired("2025-06-10T13:15:00-07:00", "2025-06-10T14:00:00-07:00"),  // W2 (earlier start, later in request)
            desired("2025-06-11T01:30:00Z", "2025-06-11T03:00:00Z"),  // W1 again, other offset → collapses
            desired("2025-06-10T11:00:00-07:00", "2025-06-10T12:30:00-07:00"),  // starts in the past
            desired("2025-06-10T20:00:00-07:00", "2025-06-10T21:30:00-07:00"),  // ends after close
            desired("2025-06-11T09:00:00-07:00", "2025-06-11T10:00:00-07:00"),  // beyond the horizon
            desired("2025-06-10T19:00:00Z", "2025-06-10T20:00:00Z"),  // starts exactly now
            desired("2025-06-10T20:00:00-07:00", "2025-06-10T21:00:00-07:00"),  // ends exactly at close
            desired("2025-06-10T18:30:00-07:00", "2025-06-10T19:30:00-07:00"),  // same start as W1, other end
        ]
        let listing = list(Fixtures.store(immediateFiveHour: true), q)
        #expect(
            describe(listing.options) == [
                "scheduled@2025-06-11T01:30:00Z-2025-06-11T03:00:00Z",
                "scheduled@2025-06-10T20:15:00Z-2025-06-10T21:00:00Z",
                "scheduled@2025-06-11T03:00:00Z-2025-06-11T04:00:00Z",
                "scheduled@2025-06-11T01:30:00Z-2025-06-11T02:30:00Z",
            ]
        )
        #expect(listing.options.allSatisfy { $0.date == june10 && $0.handoffTime == nil })
        // ETA flags have no effect and produce no warning with desired windows.
        #expect(listing.warnings.isEmpty)
    }

    @Test func desiredWindowsOnLaterDatesUseThatDatesHours() {
        var q = query(ts("2025-06-10T19:00:00Z"))
        q.desiredWindows = [
            desired("2025-06-11T07:30:00-07:00", "2025-06-11T09:00:00-07:00"),  // before opening
            desired("2025-06-11T08:00:00-07:00", "2025-06-11T09:00:00-07:00"),  // from opening: kept
            desired("2025-06-12T09:00:00-07:00", "2025-06-12T10:00:00-07:00"),  // third date, horizon 2
        ]
        let listing = list(Fixtures.store(horizon: 2), q)
        #expect(describe(listing.options) == ["scheduled@2025-06-11T15:00:00Z-2025-06-11T16:00:00Z"])
        #expect(listing.options.first?.date == CivilDate(year: 2025, month: 6, day: 11))
    }

    @Test func desiredWindowsWithoutCapacityAreOmitted() {
        let store = Fixtures.store()
        let now = ts("2025-06-10T19:00:00Z")
        var q = query(now)
        q.desiredWindows = [desired("2025-06-10T18:30:00-07:00", "2025-06-10T20:00:00-07:00")]
        #expect(list(store, q, planner: Fixtures.planner(store: store, now: now, shifts: [])).options.isEmpty)
    }

    // MARK: Alcohol in listings

    @Test func contractExampleBAlcoholicListing() {
        // §2.4.3 Example B: alcohol hours 10:00–20:00; 19–21 violates R3 and is listed as unavailable.
        let store = Fixtures.store(alcohol: true, alcoholHours: .everyDay(DailyHours(open: hm(10), close: hm(20))))
        var q = query(ts("2025-06-11T00:35:40Z"))
        q.alcoholic = true
        q.customer = Fixtures.sfCustomer
        let listing = list(store, q)
        #expect(
            describe(listing.options) == [
                "immediate(2)",
                "scheduled@2025-06-11T01:00:00Z-2025-06-11T03:00:00Z",
                "scheduled@2025-06-11T02:00:00Z-2025-06-11T04:00:00Z",
            ]
        )
        #expect(listing.options.map(\.available) == [true, true, false])
        #expect(listing.options.map(\.reasons) == [[], [], ["Alcohol delivery not allowed at this time"]])

        // Without `alcoholic` nothing is checked.
        q.alcoholic = false
        #expect(list(store, q).options.allSatisfy { $0.available && $0.reasons.isEmpty })
    }

    @Test func alcoholReasonsInListingsWithoutCustomerLocation() {
        // Store without alcohol, no customer location (R2 not evaluated): R1 everywhere, R3 where outside hours.
        let store = Fixtures.store(alcohol: false, alcoholHours: .everyDay(DailyHours(open: hm(10), close: hm(20))))
        var q = query(ts("2025-06-11T00:35:40Z"))
        q.alcoholic = true
        q.customer = nil
        let listing = list(store, q)
        #expect(
            listing.options.map(\.reasons) == [
                ["Alcohol delivery not enabled for this store"],
                ["Alcohol delivery not enabled for this store"],
                ["Alcohol delivery not enabled for this store", "Alcohol delivery not allowed at this time"],
            ]
        )
        #expect(listing.options.allSatisfy { !$0.available })
    }
}
