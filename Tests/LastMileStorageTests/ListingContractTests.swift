import Foundation
import LastMileCore
import LastMileStorage
import LastMileTestSupport
import Testing

/// A checkout listing as the engines store it (issue 12: SQLite keeps a listing as one row).
@Suite("Storage contract: listings")
struct ListingContractTests {
    let listedAt = Date(timeIntervalSince1970: 1_749_999_000.125)

    /// `count` options of one listing with every field varied, from a fixed seed.
    func listing(_ count: Int, seed: UInt64) -> [StoredServiceOption] {
        var state = seed
        func next() -> UInt64 {  // SplitMix64
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let reasons = ["Alcohol delivery not allowed at this time", "a, b | c", "déjà vu ✓", ""]
        return (0..<count).map { i in
            let start = Double(1_750_000_000 + Int(next() % 1_000_000)) + Double(next() % 8) / 8  // PostgreSQL keeps instants to the microsecond
            return StoredServiceOption(
                id: 0,
                retailerID: "r1",
                userID: "u1",
                locationCode: "S1",
                type: [ServiceOptionType.scheduled, .immediate, .eta, .priorityETA][Int(next() % 4)],
                windowStart: Date(timeIntervalSince1970: start),
                windowEnd: Date(timeIntervalSince1970: start + 3600),
                immediateHour: next() % 2 == 0 ? nil : Int(next() % 6),
                date: CivilDate(year: 2025, month: 6, day: 1 + i % 28),
                handoffTime: next() % 2 == 0 ? nil : Date(timeIntervalSince1970: start - 1234.5),
                available: next() % 2 == 0,
                reasons: Array(reasons.prefix(Int(next() % 3))).filter { !$0.isEmpty },
                alcoholic: next() % 2 == 0,
                destination: GeoPoint(latitude: 37 + Double(next() % 100_000) / 1e5, longitude: -122 - Double(next() % 100_000) / 1e5),
                travelMinutes: Int(next() % 60),
                listedAt: listedAt,
                cartTotalCents: next() % 2 == 0 ? nil : Int64(next() % 100_000),
                itemsCount: next() % 2 == 0 ? nil : Int64(next() % 50),
                unitsCount: next() % 2 == 0 ? nil : Double(next() % 1000) / 8
            )
        }
    }

    @Test("every option of a listing reads back exactly as listed, by its id", arguments: Engine.available)
    func roundTrip(engine: Engine) async throws {
        let s = try await engine.makeDatabase().open()
        try await s.migrate()
        for (n, seed) in [(1, UInt64(1)), (83, 2), (340, 3)] {
            let drafts = listing(n, seed: seed)
            let stored = try await s.insertListing(drafts)
            #expect(stored.map(\.id) == Array(stored[0].id..<(stored[0].id + Int64(n))), "consecutive ids")
            for (draft, saved) in zip(drafts, stored) {
                var expected = draft
                expected.id = saved.id
                #expect(saved == expected)
                #expect(try await s.serviceOption(id: saved.id) == expected)
            }
        }
    }

    @Test("ids around a listing, and ids handed out without a listing (D1), find nothing", arguments: Engine.available)
    func neighbours(engine: Engine) async throws {
        let s = try await engine.makeDatabase().open()
        try await s.migrate()
        let before = try await s.allocateServiceOptionIDs(count: 3)
        let stored = try await s.insertListing(listing(5, seed: 7))
        let after = try await s.allocateServiceOptionIDs(count: 3)
        for id in before + after + [0, -1, stored[0].id - 1, stored[4].id + 1, .max] {
            #expect(try await s.serviceOption(id: id) == nil, "\(id)")
        }
        #expect(try await s.serviceOption(id: stored[4].id)?.id == stored[4].id)
    }

    @Test("retention removes whole listings listed before the cutoff", arguments: Engine.available)
    func retention(engine: Engine) async throws {
        let s = try await engine.makeDatabase().open()
        try await s.migrate()
        let old = try await s.insertListing(listing(4, seed: 11))
        var fresh = listing(4, seed: 12)
        for i in fresh.indices { fresh[i].listedAt = listedAt.addingTimeInterval(3 * 86_400) }
        let kept = try await s.insertListing(fresh)
        let cutoff = listedAt.addingTimeInterval(86_400)
        while try await s.purge(.serviceOptions, before: cutoff, limit: 2) > 0 {}
        for o in old { #expect(try await s.serviceOption(id: o.id) == nil) }
        for o in kept { #expect(try await s.serviceOption(id: o.id) == o) }
    }
}
