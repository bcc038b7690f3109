import Foundation

@testable import LastMileCore

// Shared helpers for the LastMileCore tests. Every instant is fixed; nothing reads the system clock.

/// A fixed instant from a contract-format timestamp (crashes on a typo, which fails the test run loudly).
func ts(_ text: String) -> Date {
    guard let date = Timestamp.parse(text) else { fatalError("bad fixture timestamp \(text)") }
    return date
}

/// Minutes after local midnight.
func hm(_ hour: Int, _ minute: Int = 0) -> Int { hour * 60 + minute }

extension Date {
    func plus(seconds s: Double) -> Date { addingTimeInterval(s) }
    func plus(minutes m: Double) -> Date { addingTimeInterval(m * 60) }
    func plus(hours h: Double) -> Date { addingTimeInterval(h * 3600) }
}

enum Fixtures {
    /// Centroid of 94105 in the shipped directory.
    static let sfPoint = GeoPoint(latitude: 37.7864, longitude: -122.3892)
    /// Centroid of 94612 (Oakland) in the shipped directory.
    static let oaklandPoint = GeoPoint(latitude: 37.8085, longitude: -122.2668)

    /// 08:00–21:00 every day (the contract's SF-001).
    static let sfHours = WeeklyHours.everyDay(DailyHours(open: hm(8), close: hm(21)))

    static let sfCustomer = CustomerLocality(city: "San Francisco", county: "San Francisco County")

    /// A store built with the public initializer; defaults follow the contract's SF-001 examples
    /// (America/Los_Angeles, 08:00–21:00 daily, horizon 1 day, 5/5 dwell minutes).
    static func store(
        locationCode: String = "SF-001",
        city: String = "San Francisco",
        county: String = "San Francisco County",
        point: GeoPoint = sfPoint,
        timeZone: String = "America/Los_Angeles",
        alcohol: Bool = false,
        alcoholHours: WeeklyHours? = nil,
        longDistance: Bool = false,
        hours: WeeklyHours = sfHours,
        immediateFiveHour: Bool = false,
        horizon: Int = 1,
        pickupDwell: Int = 5,
        dropoffDwell: Int = 5,
        shifts: [ShiftRule] = []
    ) -> Store {
        Store(
            retailerID: "acme",
            locationCode: locationCode,
            name: "Test Store \(locationCode)",
            address: StoreAddress(addressLine1: "101 Spear St", city: city, state: "CA", postalCode: "94105"),
            county: county,
            point: point,
            timeZone: timeZone,
            alcohol: alcohol,
            alcoholHours: alcoholHours,
            longDistanceDelivery: longDistance,
            deliveryHours: hours,
            immediateFiveHour: immediateFiveHour,
            schedulingHorizonDays: horizon,
            pickupDwellMinutes: pickupDwell,
            dropoffDwellMinutes: dropoffDwell,
            shifts: shifts
        )
    }

    /// Plenty of capacity: `drivers` idle drivers on shift over `[from, to)`, no commitments.
    static func amplePlanner(store: Store, now: Date, from: Date, to: Date, drivers: Int = 3) -> TripCapacity {
        let shifts = (1...drivers).map { DriverShift(driverID: "d\($0)", start: from, end: to) }
        return planner(store: store, now: now, shifts: shifts)
    }

    /// A point due north of `store` that is exactly `minutes` away by the travel model (§2.0.3).
    static func point(_ minutes: Int, from store: GeoPoint) -> GeoPoint {
        let miles = (Double(minutes) - 0.5) * 25 / 60 / 1.3
        return GeoPoint(latitude: store.latitude + miles / 69.05, longitude: store.longitude)
    }

    /// Ample capacity around the 2025-06-10/11 examples (drivers from 2025-06-10 00:00Z to 2025-06-13 00:00Z).
    static func amplePlanner(store: Store, now: Date) -> TripCapacity {
        amplePlanner(store: store, now: now, from: ts("2025-06-10T00:00:00Z"), to: ts("2025-06-13T00:00:00Z"))
    }

    static func planner(store: Store, now: Date, shifts: [DriverShift], commitments: [Commitment] = []) -> TripCapacity {
        TripCapacity(store: store.point, shifts: shifts, commitments: commitments, rules: store.tripRules, now: now)
    }

    /// A driver that is busy (assigned order) until `busyUntil`, on shift `[from, to)`.
    static func busyDriverPlanner(
        store: Store,
        now: Date,
        busyUntil: Date,
        from: Date = ts("2025-06-10T15:00:00Z"),
        to: Date = ts("2025-06-11T06:00:00Z")
    ) -> TripCapacity {
        let assigned = Commitment(
            id: 1,
            createdAt: now.plus(hours: -1),
            windowStart: now.plus(hours: -1),
            windowEnd: busyUntil,
            travelMinutes: 10,
            destination: point(10, from: store.point),
            assignment: Commitment.Assignment(driverID: "d1", busyUntil: busyUntil)
        )
        return planner(
            store: store,
            now: now,
            shifts: [DriverShift(driverID: "d1", start: from, end: to)],
            commitments: [assigned]
        )
    }
}

/// Compact description of a listing for readable failures: `type@start-end`.
func describe(_ options: [SlotCandidate]) -> [String] {
    options.map { c in
        if c.type == .immediate { return "immediate(\(c.immediateHour ?? -1))" }
        return "\(c.type.rawValue)@\(Timestamp.format(c.window.start))-\(Timestamp.format(c.window.end))"
    }
}
