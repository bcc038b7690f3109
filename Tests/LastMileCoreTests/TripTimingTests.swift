import Foundation
import Testing

@testable import LastMileCore

/// The multi-stop trip model of §2.0.5, checked by a reading of the contract written apart from
/// `TripTiming`: walk the sequence from a departure, wait at each door until the window opens, hand off
/// within the window, keep every handoff of a shared trip within the freshness limit, be back in time.
struct TripChecker {
    let store: GeoPoint
    let rules: TripRules
    let travel: (GeoPoint, GeoPoint) -> TimeInterval

    /// Whether leaving at `departure` serves every stop; with the handoffs it gives.
    func serves(_ stops: [TripStop], departure: Double, latestReturn: Double) -> [Double]? {
        guard !stops.isEmpty, stops.count <= rules.maxOrdersPerTrip else { return nil }
        var here = store
        var time = departure
        var handoffs: [Double] = []
        for stop in stops {
            time += travel(here, stop.destination)
            let start = max(time, stop.window.start.timeIntervalSince1970)
            if start > stop.window.end.timeIntervalSince1970 { return nil }
            if stops.count > 1 && start - departure > rules.maxInVehicle { return nil }
            handoffs.append(start)
            time = start + rules.dropoffDwell
            here = stop.destination
        }
        return time + travel(here, store) <= latestReturn ? handoffs : nil
    }

    /// A timed trip is valid when its times are exactly those of leaving at its departure, and they serve.
    func isValid(_ trip: TimedTrip, earliest: Date, latestReturn: Date) -> Bool {
        guard trip.t0 >= earliest, abs(trip.departure.timeIntervalSince(trip.t0) - rules.pickupDwell) < 1e-6,
            let handoffs = serves(trip.stops, departure: trip.departure.timeIntervalSince1970, latestReturn: latestReturn.timeIntervalSince1970)
        else { return false }
        return zip(handoffs, trip.handoffs).allSatisfy { abs($0 - $1.timeIntervalSince1970) < 1e-6 }
    }
}

/// SplitMix64: the same scenarios on every run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Multi-stop trip timing (§2.0.5)")
struct TripTimingTests {
    let store = GeoPoint(latitude: 37.792, longitude: -122.3934)
    let noon = ts("2025-06-11T19:00:00Z")
    /// Haversine × 1.3 at 25 mph, in whole seconds (this project's travel model, §2.0.3).
    let travel: @Sendable (GeoPoint, GeoPoint) -> TimeInterval = { a, b in (a.haversineMiles(to: b) * 1.3 / 25 * 3600).rounded() }

    func stop(_ id: Int64, miles: Double, bearing: Double, from start: Date, hours: Double) -> TripStop {
        let lat = store.latitude + miles / 69 * cos(bearing)
        let lon = store.longitude + miles / 54.6 * sin(bearing)
        return TripStop(
            id: id,
            window: DeliveryWindow(start: start, end: start.plus(hours: hours)),
            destination: GeoPoint(latitude: lat, longitude: lon)
        )
    }

    @Test("an early driver waits at the store, not at the door: the trip arrives as the window opens")
    func leavesLater() throws {
        let rules = TripRules(pickupDwellMinutes: 5, dropoffDwellMinutes: 5)
        let s = stop(1, miles: 2, bearing: 0, from: noon.plus(hours: 1), hours: 2)
        let trip = try #require(
            TripTiming.time([s], store: store, earliest: noon, latestReturn: noon.plus(hours: 8), rules: rules, travel: travel)
        )
        #expect(trip.handoffs == [s.window.start] && trip.arrivals == [s.window.start])
        #expect(trip.t0 == s.window.start.addingTimeInterval(-travel(store, s.destination) - 300))
    }

    @Test("a shared trip leaves late enough that every handoff is within the freshness limit, or is refused")
    func freshness() throws {
        let rules = TripRules(pickupDwellMinutes: 5, dropoffDwellMinutes: 5, maxOrdersPerTrip: 3, maxMinutesInVehicle: 60)
        let a = stop(1, miles: 1, bearing: 0, from: noon, hours: 2)
        let b = stop(2, miles: 1.5, bearing: 0.3, from: noon.plus(hours: 1.5), hours: 2)
        let trip = try #require(
            TripTiming.time([a, b], store: store, earliest: noon, latestReturn: noon.plus(hours: 8), rules: rules, travel: travel)
        )
        #expect(trip.handoffs[1].timeIntervalSince(trip.departure) <= 3600 && trip.handoffs[0] <= a.window.end)
        // b's window opens three hours after a's closes: no departure keeps both fresh.
        let late = stop(3, miles: 1.5, bearing: 0.3, from: noon.plus(hours: 5), hours: 1)
        #expect(TripTiming.time([a, late], store: store, earliest: noon, latestReturn: noon.plus(hours: 8), rules: rules, travel: travel) == nil)
        // Alone, each is fine: the limit applies to shared trips only.
        #expect(TripTiming.time([late], store: store, earliest: noon, latestReturn: noon.plus(hours: 8), rules: rules, travel: travel) != nil)
        #expect(
            TripTiming.time([a, b, late, a], store: store, earliest: noon, latestReturn: noon.plus(hours: 8), rules: rules, travel: travel) == nil
        )
    }

    @Test("thousands of seeded sequences: every trip it times is valid, and it finds one whenever a departure exists")
    func soundAndComplete() throws {
        var rng = SeededGenerator(state: 20_251_203)
        var timed = 0
        for scenario in 0..<3_000 {
            let rules = TripRules(
                pickupDwellMinutes: Int.random(in: 0...10, using: &rng),
                dropoffDwellMinutes: Int.random(in: 0...10, using: &rng),
                maxOrdersPerTrip: Int.random(in: 1...4, using: &rng),
                maxMinutesInVehicle: Int.random(in: 15...90, using: &rng)
            )
            let checker = TripChecker(store: store, rules: rules, travel: travel)
            let stops = (0..<Int.random(in: 1...4, using: &rng)).map { i in
                stop(
                    Int64(i),
                    miles: Double.random(in: 0.1...5, using: &rng),
                    bearing: Double.random(in: 0...(2 * .pi), using: &rng),
                    from: noon.plus(minutes: Double(Int.random(in: 0...20, using: &rng) * 15)),
                    hours: Double.random(in: 0.25...2.5, using: &rng)
                )
            }
            let earliest = noon.plus(minutes: Double(Int.random(in: -60...180, using: &rng)))
            let latestReturn = earliest.plus(hours: Double.random(in: 0.5...8, using: &rng))
            let trip = TripTiming.time(stops, store: store, earliest: earliest, latestReturn: latestReturn, rules: rules, travel: travel)
            if let trip {
                timed += 1
                #expect(checker.isValid(trip, earliest: earliest, latestReturn: latestReturn), "scenario \(scenario): \(trip)")
            } else {
                // No departure on a 10-second grid may serve the sequence either.
                let first = earliest.timeIntervalSince1970 + rules.pickupDwell
                let found = stride(from: first, through: latestReturn.timeIntervalSince1970, by: 10).first {
                    checker.serves(stops, departure: $0, latestReturn: latestReturn.timeIntervalSince1970) != nil
                }
                #expect(
                    found == nil,
                    "scenario \(scenario): departure \(found.map { Date(timeIntervalSince1970: $0) }.map(Timestamp.format) ?? "") serves it"
                )
            }
        }
        // The scenarios exercise both outcomes.
        #expect(timed > 300 && timed < 2_700, "\(timed) of 3000 timed")
    }

    @Test("leaving later never brings the driver back later than leaving at once would, unless freshness needs it")
    func noLaterReturn() throws {
        var rng = SeededGenerator(state: 7)
        for _ in 0..<1_000 {
            let rules = TripRules(pickupDwellMinutes: 5, dropoffDwellMinutes: 5, maxOrdersPerTrip: 1)
            let s = stop(
                1,
                miles: Double.random(in: 0.1...5, using: &rng),
                bearing: 1,
                from: noon.plus(hours: Double.random(in: 0...4, using: &rng)),
                hours: 2
            )
            guard let trip = TripTiming.time([s], store: store, earliest: noon, latestReturn: noon.plus(hours: 10), rules: rules, travel: travel)
            else { continue }
            let atOnce = TripTiming.schedule([s], store: store, departure: noon.timeIntervalSince1970 + 300, rules: rules, travel: travel)
            #expect(trip.returnAt == atOnce.returnAt && trip.t0 >= noon)
        }
    }
}
