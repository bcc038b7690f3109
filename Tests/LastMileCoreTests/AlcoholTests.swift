import Foundation
import Testing

@testable import LastMileCore

/// §2.0.6 rules R1–R3 for one window.
@Suite("Alcohol rules (§2.0.6)")
struct AlcoholTests {
    /// Alcohol store, alcohol hours 10:00–20:00 every day (delivery 08:00–21:00), America/Los_Angeles.
    func alcoholStore(alcohol: Bool = true, alcoholHours: WeeklyHours? = .everyDay(DailyHours(open: hm(10), close: hm(20)))) -> Store {
        Fixtures.store(alcohol: alcohol, alcoholHours: alcoholHours)
    }

    /// A window given in local PDT wall-clock on 2025-06-10 (UTC−7).
    func window(_ start: String, _ end: String) -> DeliveryWindow {
        DeliveryWindow(start: ts("2025-06-10T\(start):00-07:00"), end: ts("2025-06-10T\(end):00-07:00"))
    }

    @Test func allowedWindowHasNoViolation() {
        #expect(AlcoholCheck.violations(store: alcoholStore(), customer: Fixtures.sfCustomer, window: window("11:00", "13:00")).isEmpty)
    }

    @Test func r1StoreWithoutAlcohol() {
        let v = AlcoholCheck.violations(store: alcoholStore(alcohol: false), customer: Fixtures.sfCustomer, window: window("11:00", "13:00"))
        #expect(v == [.notEnabled])
    }

    @Test func r2CityOrCountyMismatch() {
        let store = alcoholStore()
        let w = window("11:00", "13:00")
        #expect(
            AlcoholCheck.violations(store: store, customer: CustomerLocality(city: "Oakland", county: "Alameda County"), window: w) == [
                .unmatchedCityCounty
            ]
        )
        // Same city, different county.
        #expect(
            AlcoholCheck.violations(store: store, customer: CustomerLocality(city: "San Francisco", county: "Alameda County"), window: w) == [
                .unmatchedCityCounty
            ]
        )
        // Same county, different city.
        #expect(
            AlcoholCheck.violations(store: store, customer: CustomerLocality(city: "Daly City", county: "San Francisco County"), window: w) == [
                .unmatchedCityCounty
            ]
        )
    }

    @Test func r2ComparesCaseInsensitivelyAfterTrimming() {
        let customer = CustomerLocality(city: "  san FRANCISCO ", county: "SAN francisco county  ")
        #expect(AlcoholCheck.violations(store: alcoholStore(), customer: customer, window: window("11:00", "13:00")).isEmpty)
        // The store's own values are trimmed too.
        let padded = Fixtures.store(city: " San Francisco ", county: " San Francisco County", alcohol: true)
        #expect(AlcoholCheck.violations(store: padded, customer: Fixtures.sfCustomer, window: window("11:00", "13:00")).isEmpty)
    }

    @Test func r2UnknownCustomerCountyCountsAsDifferent() {
        let customer = CustomerLocality(city: "San Francisco", county: nil)
        #expect(AlcoholCheck.violations(store: alcoholStore(), customer: customer, window: window("11:00", "13:00")) == [.unmatchedCityCounty])
    }

    @Test func r2NotEvaluatedWithoutCustomerLocation() {
        let elsewhere = Fixtures.store(city: "Oakland", county: "Alameda County", alcohol: true)
        #expect(AlcoholCheck.violations(store: elsewhere, customer: nil, window: window("11:00", "13:00")).isEmpty)
    }

    @Test func r3WindowOutsideAlcoholHours() {
        let store = alcoholStore()
        let c = Fixtures.sfCustomer
        #expect(AlcoholCheck.violations(store: store, customer: c, window: window("09:00", "11:00")) == [.outsideHours])
        #expect(AlcoholCheck.violations(store: store, customer: c, window: window("19:00", "21:00")) == [.outsideHours])
        #expect(AlcoholCheck.violations(store: store, customer: c, window: window("09:59", "10:30")) == [.outsideHours])
        #expect(AlcoholCheck.violations(store: store, customer: c, window: window("18:01", "20:01")) == [.outsideHours])
    }

    @Test func r3WindowExactlyAtAlcoholBoundariesPasses() {
        let store = alcoholStore()
        let c = Fixtures.sfCustomer
        #expect(AlcoholCheck.violations(store: store, customer: c, window: window("10:00", "12:00")).isEmpty)
        #expect(AlcoholCheck.violations(store: store, customer: c, window: window("18:00", "20:00")).isEmpty)
        #expect(AlcoholCheck.violations(store: store, customer: c, window: window("10:00", "20:00")).isEmpty)
    }

    @Test func r3ImmediateWindowIsNowToNowPlusN() {
        // Example B: now 17:35:40 local, immediate 2 = [17:35:40, 19:35:40] is inside 10:00–20:00; immediate 5 is not.
        let now = ts("2025-06-11T00:35:40Z")
        let store = alcoholStore()
        #expect(
            AlcoholCheck.violations(
                store: store,
                customer: Fixtures.sfCustomer,
                window: DeliveryWindow(start: now, end: now.plus(hours: 2))
            ).isEmpty
        )
        #expect(
            AlcoholCheck.violations(
                store: store,
                customer: Fixtures.sfCustomer,
                window: DeliveryWindow(start: now, end: now.plus(hours: 5))
            ) == [.outsideHours]
        )
    }

    @Test func r3UsesTheLocalDateOfTheWindowStart() {
        // 2025-06-10 is a Tuesday (index 1): alcohol 10:00–22:00; Wednesday 10:00–20:00.
        // The window 19:00–21:00 PDT on Tuesday is 02:00Z–04:00Z on Wednesday (UTC): Tuesday's hours apply.
        var days = [DailyHours?](repeating: DailyHours(open: hm(10), close: hm(20)), count: 7)
        days[1] = DailyHours(open: hm(10), close: hm(22))
        let store = alcoholStore(alcoholHours: WeeklyHours(days: days))
        let w = DeliveryWindow(start: ts("2025-06-11T02:00:00Z"), end: ts("2025-06-11T04:00:00Z"))
        #expect(AlcoholCheck.violations(store: store, customer: Fixtures.sfCustomer, window: w).isEmpty)
        // A day without alcohol hours: every window of that date violates R3.
        days[1] = nil
        let closed = alcoholStore(alcoholHours: WeeklyHours(days: days))
        #expect(AlcoholCheck.violations(store: closed, customer: Fixtures.sfCustomer, window: window("11:00", "13:00")) == [.outsideHours])
    }

    @Test func alcoholHoursDefaultToDeliveryHours() {
        let store = alcoholStore(alcoholHours: nil)  // delivery 08:00–21:00
        let c = Fixtures.sfCustomer
        #expect(store.effectiveAlcoholHours == store.deliveryHours)
        #expect(AlcoholCheck.violations(store: store, customer: c, window: window("08:00", "10:00")).isEmpty)
        #expect(AlcoholCheck.violations(store: store, customer: c, window: window("19:00", "21:00")).isEmpty)
        #expect(AlcoholCheck.violations(store: store, customer: c, window: window("07:00", "09:00")) == [.outsideHours])
        #expect(AlcoholCheck.violations(store: store, customer: c, window: window("20:00", "22:00")) == [.outsideHours])
        // With explicit alcohol hours 10–20, 08–10 is outside.
        #expect(AlcoholCheck.violations(store: alcoholStore(), customer: c, window: window("08:00", "10:00")) == [.outsideHours])
    }

    @Test func everyViolationInTheOrderR1R2R3() {
        let v = AlcoholCheck.violations(
            store: alcoholStore(alcohol: false),
            customer: CustomerLocality(city: "Oakland", county: "Alameda County"),
            window: window("19:00", "21:00")
        )
        #expect(v == [.notEnabled, .unmatchedCityCounty, .outsideHours])
        #expect(
            v.map(\.reason) == [
                "Alcohol delivery not enabled for this store",
                "Unmatched city and county",
                "Alcohol delivery not allowed at this time",
            ]
        )
    }

    @Test func orderEndpointErrorsOfTheContractTable() {
        #expect(AlcoholRule.notEnabled.orderError.message == "Alcohol delivery not enabled for this store")
        #expect(AlcoholRule.notEnabled.orderError.key == "alcoholic")
        #expect(AlcoholRule.unmatchedCityCounty.orderError.message == "Invalid zip code for alcohol")
        #expect(AlcoholRule.unmatchedCityCounty.orderError.key == "address.postal_code")
        #expect(AlcoholRule.outsideHours.orderError.message == "Alcohol delivery not allowed at this time")
        #expect(AlcoholRule.outsideHours.orderError.key == "alcoholic")
    }
}
