import Foundation
import Testing

@testable import LastMileCore

@Suite("Multi-stop route planning by insertion (§2.0.5)")
struct RoutePlannerTests {
    let timing = TripTimingTests()
    var store: GeoPoint { timing.store }
    var noon: Date { timing.noon }

    /// A day's demand around the store: `count` commitments in two-hour windows over `hours`, within `radius` miles.
    func demand(_ count: Int, radius: Double, hours: Int, rng: inout SeededGenerator) -> [TripStop] {
        (0..<count).map { i in
            timing.stop(
                Int64(i),
                miles: Double.random(in: 0.2...radius, using: &rng),
                bearing: Double.random(in: 0...(2 * .pi), using: &rng),
                from: noon.plus(hours: Double(Int.random(in: 0...max(0, hours - 2), using: &rng))),
                hours: 2
            )
        }
    }

    /// Reference order (§2.0.5): window end, window start, then id (creation order here).
    func referenceOrder(_ stops: [TripStop]) -> [TripStop] {
        stops.sorted { ($0.window.end, $0.window.start, $0.id) < ($1.window.end, $1.window.start, $1.id) }
    }

    func plan(_ stops: [TripStop], drivers: Int, hours: Double, rules: TripRules) -> RoutePlanner {
        let shifts = (0..<drivers).map { DriverShift(driverID: "d\($0)", start: noon.plus(hours: -1), end: noon.plus(hours: hours)) }
        var planner = RoutePlanner(store: store, shifts: shifts, now: noon.plus(hours: -1), rules: rules, travel: timing.travel)
        for stop in referenceOrder(stops) { planner.insert(stop) }
        return planner
    }

    @Test("every plan it builds is valid trip by trip, serves each placed commitment once, and is the same every time")
    func soundAndDeterministic() throws {
        var rng = SeededGenerator(state: 99)
        for scenario in 0..<200 {
            let rules = TripRules(
                pickupDwellMinutes: 5,
                dropoffDwellMinutes: 5,
                maxOrdersPerTrip: Int.random(in: 1...4, using: &rng),
                maxMinutesInVehicle: Int.random(in: 30...90, using: &rng)
            )
            let stops = demand(Int.random(in: 5...40, using: &rng), radius: Double.random(in: 1...6, using: &rng), hours: 10, rng: &rng)
            let drivers = Int.random(in: 1...3, using: &rng)
            let planner = plan(stops, drivers: drivers, hours: 11, rules: rules)
            let checker = TripChecker(store: store, rules: rules, travel: timing.travel)
            var served: [Int64] = []
            for shift in planner.shifts {
                var free = shift.freeAt
                for trip in shift.trips {
                    #expect(checker.isValid(trip, earliest: free, latestReturn: shift.shift.end), "scenario \(scenario)")
                    free = trip.returnAt
                    served += trip.stops.map(\.id)
                }
            }
            #expect(Set(served).count == served.count, "scenario \(scenario): a commitment is served twice")
            #expect(Set(served + planner.unplaced) == Set(stops.map(\.id)), "scenario \(scenario): a commitment was lost")
            #expect(plan(stops, drivers: drivers, hours: 11, rules: rules).shifts == planner.shifts)
        }
    }

    @Test("with up to 3 orders a trip the same drivers serve more of the same demand than with one")
    func multiStopServesMore() throws {
        var rng = SeededGenerator(state: 2026)
        var single = 0
        var multi = 0
        // More demand than two drivers can carry one order at a time.
        for _ in 0..<8 {
            let stops = demand(150, radius: 3, hours: 8, rng: &rng)
            single += plan(stops, drivers: 2, hours: 9, rules: TripRules(pickupDwellMinutes: 5, dropoffDwellMinutes: 5, maxOrdersPerTrip: 1))
                .shifts.reduce(0) { $0 + $1.trips.count }
            multi += plan(stops, drivers: 2, hours: 9, rules: TripRules(pickupDwellMinutes: 5, dropoffDwellMinutes: 5, maxOrdersPerTrip: 3))
                .shifts.reduce(0) { $0 + $1.trips.reduce(0) { $0 + $1.stops.count } }
        }
        #expect(Double(multi) >= 1.3 * Double(single), "one per trip served \(single), up to three \(multi)")
    }

    @Test("a commitment that fits nowhere is listed as unplaced and leaves a plan that local search cannot improve as it was")
    func unplacedChangesNothing() throws {
        let rules = TripRules(pickupDwellMinutes: 5, dropoffDwellMinutes: 5)
        var planner = plan([timing.stop(1, miles: 1, bearing: 0, from: noon, hours: 2)], drivers: 1, hours: 3, rules: rules)
        let before = planner.shifts
        // A window that closed before the shift could reach it.
        let gone = TripStop(id: 2, window: DeliveryWindow(start: noon.plus(hours: -3), end: noon.plus(hours: -2)), destination: store)
        #expect(planner.insert(gone) == false)
        #expect(planner.shifts == before && planner.unplaced == [2])
    }
}
