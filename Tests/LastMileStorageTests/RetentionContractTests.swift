import Foundation
import LastMileCore
import LastMileStorage
import LastMileTestSupport
import Testing

@Suite("Storage contract: retention, token revocation, event ids, claims per retailer (issue 9)")
struct RetentionContractTests {
    let now = Date(timeIntervalSince1970: 1_750_000_000)

    func token(_ name: String, client: String = "c1", expires: Date) -> AccessTokenRecord {
        AccessTokenRecord(
            tokenHash: SecretHash.hex(name),
            clientID: client,
            retailerID: "r1",
            scopes: [.fulfillment],
            issuedAt: expires.addingTimeInterval(-86_400),
            expiresAt: expires
        )
    }

    @Test("purge deletes only rows older than the cutoff, at most `limit` at a time", arguments: Engine.available)
    func purge(engine: Engine) async throws {
        let s = try await engine.makeDatabase().open()
        try await s.applyConfiguration(sampleConfig())
        let ids = try await s.insertListing(
            (0..<5).map { _ in sampleOption(listedAt: now.addingTimeInterval(-3 * 86_400)) } + (0..<2).map { _ in sampleOption(listedAt: now) }
        ).map(\.id)
        let cutoff = now.addingTimeInterval(-2 * 86_400)
        #expect(try await s.purge(.serviceOptions, before: cutoff, limit: 3) == 3)
        #expect(try await s.purge(.serviceOptions, before: cutoff, limit: 3) == 2)
        #expect(try await s.purge(.serviceOptions, before: cutoff, limit: 3) == 0)
        #expect(try await s.serviceOption(id: ids[0]) == nil)
        #expect(try await s.serviceOption(id: ids[6]) != nil)

        try await s.insertToken(token("old", expires: now.addingTimeInterval(-2 * 86_400)))
        try await s.insertToken(token("live", expires: now.addingTimeInterval(3600)))
        #expect(try await s.purge(.accessTokens, before: now.addingTimeInterval(-86_400), limit: 100) == 1)
        #expect(try await s.token(hash: SecretHash.hex("old")) == nil)
        #expect(try await s.token(hash: SecretHash.hex("live")) != nil)
        #expect(try await s.purge(.holds, before: now, limit: 100) == 0)
        #expect(try await s.purge(.callbackAttempts, before: now, limit: 100) == 0)
    }

    @Test("revoke-tokens revokes every live token of one client and no other", arguments: Engine.available)
    func revokeAll(engine: Engine) async throws {
        let s = try await engine.makeDatabase().open()
        for i in 0..<3 { try await s.insertToken(token("c1-\(i)", expires: now.addingTimeInterval(3600))) }
        try await s.insertToken(token("c1-expired", expires: now.addingTimeInterval(-1)))
        try await s.insertToken(token("c2-0", client: "c2", expires: now.addingTimeInterval(3600)))
        #expect(try await s.revokeTokens(clientID: "c1", at: now) == 3)
        #expect(try await s.revokeTokens(clientID: "c1", at: now) == 0)
        #expect(try await s.token(hash: SecretHash.hex("c1-0"))?.revokedAt == now)
        #expect(try await s.token(hash: SecretHash.hex("c2-0"))?.revokedAt == nil)
    }

    @Test(
        "a new database numbers its events from a random epoch: unique across databases, increasing within one",
        arguments: Engine.available
    )
    func eventEpoch(engine: Engine) async throws {
        var firsts: [Int64] = []
        for _ in 0..<2 {
            let s = try await engine.makeDatabase().open()
            var config = sampleConfig()
            config.retailers[0].retailer.callbacks = CallbackConfig(url: "http://127.0.0.1:9/cb")
            try await s.applyConfiguration(config)
            for i in 0..<3 {
                _ = try await s.createOrder(sampleOrder("E-\(i)", at: now), holdID: nil, now: now) { _ in
                    BookingDecision(
                        window: DeliveryWindow(start: self.now.addingTimeInterval(3600), end: self.now.addingTimeInterval(7200)),
                        handoff: nil
                    )
                }
            }
            let ids = try await s.callbackDeliveries(retailerID: "r1", orderID: nil, limit: 10).map(\.eventID).sorted()
            #expect(ids.count == 3 && ids == ids.sorted() && Set(ids).count == 3)
            #expect(ids.allSatisfy { $0 > 1 << 53 && $0 < Int64.max - (1 << 40) })
            // Not the first id of every database any more.
            #expect(ids[0] > CallbackDelivery.eventIDBase + 1)
            firsts.append(ids[0])
            try await s.close()
        }
        #expect(firsts[0] != firsts[1])
        #expect(CallbackDelivery.rowID(eventID: Int64.min) == nil)
        #expect(CallbackDelivery.rowID(eventID: CallbackDelivery.eventIDBase + 5) == 5)
    }

    @Test("a claim leaves out the retailers it is told to (their receivers are saturated)", arguments: Engine.available)
    func claimExcluding(engine: Engine) async throws {
        let s = try await engine.makeDatabase().open()
        var config = sampleConfig()
        config.retailers[0].retailer.callbacks = CallbackConfig(url: "http://127.0.0.1:9/cb")
        config.retailers[1].retailer.callbacks = CallbackConfig(url: "http://127.0.0.1:9/cb")
        try await s.applyConfiguration(config)
        for (i, retailer) in ["r1", "r1", "r2"].enumerated() {
            _ = try await s.createOrder(sampleOrder("X-\(i)", retailer: retailer, at: now), holdID: nil, now: now) { _ in
                BookingDecision(
                    window: DeliveryWindow(start: self.now.addingTimeInterval(3600), end: self.now.addingTimeInterval(7200)),
                    handoff: nil
                )
            }
        }
        let claimed = try await s.claimCallbacks(due: now, leaseNow: now, limit: 10, lease: 60, excludingRetailers: ["r1"])
        #expect(claimed.map(\.retailerID) == ["r2"])
        #expect(try await s.claimCallbacks(due: now, leaseNow: now, limit: 10, lease: 60, excludingRetailers: []).count == 2)
    }
}

@Suite("Storage contract: paged order scans per retailer and store (issue 9, finding 9)")
struct OrderScanContractTests {
    let now = Date(timeIntervalSince1970: 1_750_000_000)

    @Test("orders are paged by row id within one retailer and store; stores with open orders are listed", arguments: Engine.available)
    func paging(engine: Engine) async throws {
        let s = try await engine.makeDatabase().open()
        try await s.applyConfiguration(sampleConfig())
        // r2's many orders come first: a global oldest-N scan would never reach r1's.
        for i in 0..<30 {
            _ = try await s.createOrder(sampleOrder("B-\(i)", retailer: "r2", at: now), holdID: nil, now: now) { _ in
                BookingDecision(
                    window: DeliveryWindow(start: self.now.addingTimeInterval(3600), end: self.now.addingTimeInterval(7200)),
                    handoff: nil
                )
            }
        }
        for i in 0..<3 {
            _ = try await s.createOrder(sampleOrder("A-\(i)", at: now), holdID: nil, now: now) { _ in
                BookingDecision(
                    window: DeliveryWindow(start: self.now.addingTimeInterval(3600), end: self.now.addingTimeInterval(7200)),
                    handoff: nil
                )
            }
        }
        #expect(
            Set(try await s.storesWithOrders(inStatuses: [.brandNew])) == [
                StoreKey(retailerID: "r1", locationCode: "S1"),
                StoreKey(retailerID: "r2", locationCode: "S1"),
            ]
        )
        #expect(try await s.storesWithOrders(inStatuses: [.delivered]).isEmpty)
        var query = OrderQuery(statuses: [.brandNew], retailerID: "r2", locationCode: "S1", driver: .none, limit: 7)
        var seen: [String] = []
        while true {
            let page = try await s.orders(query)
            #expect(page.count <= 7)
            seen += page.map(\.orderID)
            guard page.count == 7, let last = page.last else { break }
            query.afterRowID = last.id
        }
        #expect(seen == (0..<30).map { "B-\($0)" })
        #expect(try await s.allOrders(OrderQuery(statuses: [.brandNew], retailerID: "r1", limit: 2)).map(\.orderID) == ["A-0", "A-1", "A-2"])
        #expect(try await s.orders(OrderQuery(statuses: [.brandNew], retailerID: "r1", locationCode: "S2")).isEmpty)
        #expect(try await s.orders(OrderQuery(statuses: [.brandNew], retailerID: "r1", driver: .is_("d1"))).isEmpty)
        #expect(try await s.orders(OrderQuery(statuses: [.staged], retailerID: "r1")).isEmpty)
    }
}
