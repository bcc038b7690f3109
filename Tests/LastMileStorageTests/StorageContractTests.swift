import Foundation
import LastMileCore
import LastMileStorage
import LastMileTestSupport
import Testing

func sampleStore(_ code: String, retailer: String = "r1", name: String = "Store") -> Store {
    Store(
        retailerID: retailer,
        locationCode: code,
        name: name,
        address: StoreAddress(addressLine1: "1 Main St", city: "San Francisco", state: "CA", postalCode: "94105"),
        county: "San Francisco County",
        point: GeoPoint(latitude: 37.79, longitude: -122.39),
        timeZone: "America/Los_Angeles",
        alcohol: true,
        alcoholHours: .everyDay(DailyHours(open: 600, close: 1200)),
        deliveryHours: WeeklyHours(days: [
            DailyHours(open: 480, close: 1260), nil, DailyHours(open: 480, close: 1260),
            DailyHours(open: 480, close: 1260), DailyHours(open: 480, close: 1260),
            DailyHours(open: 480, close: 1260), DailyHours(open: 540, close: 1080),
        ]),
        shifts: [
            .weekly(driverID: "d1", weekdays: [0, 2], start: 480, end: 960),
            .dated(driverID: "d2", start: Date(timeIntervalSince1970: 1_750_000_000), end: Date(timeIntervalSince1970: 1_750_010_000)),
        ]
    )
}

/// The address the fixtures' users and orders give.
let sampleAddress = UserAddress(addressLine1: "1 Main", addressLine2: nil, addressType: "house", postalCode: "94105", city: "SF", state: "CA")

/// A scheduled option of user u1 at r1/S1 for the window an hour after it was listed.
func sampleOption(_ id: Int64 = 0, listedAt: Date) -> StoredServiceOption {
    StoredServiceOption(
        id: id,
        retailerID: "r1",
        userID: "u1",
        locationCode: "S1",
        type: .scheduled,
        windowStart: listedAt.addingTimeInterval(3600),
        windowEnd: listedAt.addingTimeInterval(7200),
        immediateHour: nil,
        date: CivilDate(year: 2025, month: 6, day: 15),
        handoffTime: nil,
        available: true,
        reasons: [],
        alcoholic: false,
        destination: GeoPoint(latitude: 37.7, longitude: -122.4),
        travelMinutes: 12,
        listedAt: listedAt,
        cartTotalCents: nil,
        itemsCount: nil,
        unitsCount: nil
    )
}

/// An order of user u1 at r1/S1 for this window.
func sampleOrder(_ orderID: String = "o-1", windowStart: Date, windowEnd: Date, createdAt: Date) -> OrderRecord {
    OrderRecord(
        retailerID: "r1",
        orderID: orderID,
        userID: "u1",
        family: .integrated,
        fingerprint: "f",
        locationCode: "S1",
        windowStart: windowStart,
        windowEnd: windowEnd,
        createdAt: createdAt,
        locale: .enUS,
        firstName: "Ada",
        lastName: "L",
        phone: "+14155550100",
        email: nil,
        address: sampleAddress,
        destination: GeoPoint(latitude: 37.78, longitude: -122.39),
        travelMinutes: 12,
        itemsCount: 3,
        itemsWeight: 2,
        alcoholic: false,
        leaveUnattended: true,
        customerSMSOptOut: false,
        withHandoffTime: false
    )
}

func sampleConfig(storeName: String = "Store", secret: String = "secret-one") -> OperatorConfig {
    OperatorConfig(retailers: [
        .init(
            retailer: Retailer(id: "r1", name: "R1", etaOptionsEnabled: true, orderURLTemplate: "https://x.example/{order_id}"),
            clients: [OAuthClientConfig(clientID: "c1", clientSecret: secret, scopes: [.fulfillment])],
            stores: [sampleStore("S1", name: storeName), sampleStore("S2")]
        ),
        .init(
            retailer: Retailer(id: "r2", name: "R2", country: .CA),
            clients: [OAuthClientConfig(clientID: "c2", clientSecret: "secret-two")],
            stores: [sampleStore("S1", retailer: "r2")]
        ),
    ])
}

@Suite("Storage contract")
struct StorageContractTests {
    @Test("migrations are idempotent", arguments: Engine.available)
    func migrateTwice(engine: Engine) async throws {
        let s = try await engine.makeDatabase().open()
        try await s.migrate()
        #expect(try await s.hasRetailers() == false)
    }

    @Test("two processes starting together apply each migration once", arguments: Engine.available)
    func concurrentMigrations(engine: Engine) async throws {
        let db = try await engine.makeDatabase()
        // Two independent engine instances (as two server processes would have) migrate one fresh database at once.
        let opened = try await withThrowingTaskGroup(of: (any Storage).self) { group in
            for _ in 0..<2 { group.addTask { try await db.open() } }
            return try await group.reduce(into: [any Storage]()) { $0.append($1) }
        }
        #expect(opened.count == 2)
        try await opened[0].applyConfiguration(sampleConfig())
        #expect(try await opened[1].stores(retailerID: "r1").count == 2)
        for s in opened { try await s.close() }
    }

    @Test("configuration round-trips every store setting and reloads idempotently", arguments: Engine.available)
    func configuration(engine: Engine) async throws {
        let s = try await engine.makeDatabase().open()
        try await s.applyConfiguration(sampleConfig())
        try await s.applyConfiguration(sampleConfig())
        #expect(try await s.hasRetailers())
        #expect(try await s.retailer(id: "r1") == sampleConfig().retailers[0].retailer)
        #expect(try await s.stores(retailerID: "r1") == [sampleStore("S1"), sampleStore("S2")])
        #expect(try await s.store(retailerID: "r2", locationCode: "S1") == sampleStore("S1", retailer: "r2"))
        #expect(try await s.store(retailerID: "r2", locationCode: "S2") == nil)
        let client = try #require(try await s.oauthClient(id: "c1"))
        #expect(client.retailerID == "r1" && client.scopes == [.fulfillment] && client.enabled)
        #expect(client.secretHash == SecretHash.hex("secret-one"))
        // An update replaces values in place.
        try await s.applyConfiguration(sampleConfig(storeName: "Renamed", secret: "secret-new"))
        #expect(try await s.store(retailerID: "r1", locationCode: "S1")?.name == "Renamed")
        #expect(try await s.oauthClient(id: "c1")?.secretHash == SecretHash.hex("secret-new"))
    }

    @Test("a store or retailer changed by another server is read changed at once", arguments: Engine.available)
    func configurationChangedElsewhere(engine: Engine) async throws {
        let database = try await engine.makeDatabase()
        let here = try await database.open()
        let elsewhere = try await database.open()
        try await here.applyConfiguration(sampleConfig())
        #expect(try await here.store(retailerID: "r1", locationCode: "S1")?.name == sampleStore("S1").name)
        #expect(try await here.retailer(id: "r1") == sampleConfig().retailers[0].retailer)
        var changed = sampleConfig(storeName: "Renamed")
        changed.retailers[0].retailer.name = "Renamed retailer"
        try await elsewhere.applyConfiguration(changed)
        #expect(try await here.store(retailerID: "r1", locationCode: "S1")?.name == "Renamed")
        #expect(try await here.stores(retailerID: "r1").map(\.name) == ["Renamed", sampleStore("S2").name])
        #expect(try await here.retailer(id: "r1")?.name == "Renamed retailer")
    }

    @Test("a configuration that fails part-way loads nothing", arguments: Engine.available)
    func atomicConfiguration(engine: Engine) async throws {
        let s = try await engine.makeDatabase().open()
        try await s.applyConfiguration(sampleConfig())
        // r3 tries to take over c1 (owned by r1): the whole load is rejected.
        let bad = OperatorConfig(retailers: [
            .init(retailer: Retailer(id: "r3", name: "R3"), clients: [], stores: [sampleStore("X", retailer: "r3")]),
            .init(retailer: Retailer(id: "r4", name: "R4"), clients: [OAuthClientConfig(clientID: "c1", clientSecret: "whatever-1")], stores: []),
        ])
        await #expect(throws: (any Error).self) { try await s.applyConfiguration(bad) }
        #expect(try await s.retailer(id: "r3") == nil)
        #expect(try await s.stores(retailerID: "r3").isEmpty)
        #expect(try await s.oauthClient(id: "c1")?.retailerID == "r1")
    }

    @Test("tokens are stored by hash and revoked once", arguments: Engine.available)
    func tokens(engine: Engine) async throws {
        let s = try await engine.makeDatabase().open()
        let issued = Date(timeIntervalSince1970: 1_750_000_000)
        let t = AccessTokenRecord(
            tokenHash: SecretHash.hex("tok"),
            clientID: "c1",
            retailerID: "r1",
            scopes: [.fulfillment, .postCheckout],
            issuedAt: issued,
            expiresAt: issued.addingTimeInterval(86_400)
        )
        try await s.insertToken(t)
        #expect(try await s.token(hash: SecretHash.hex("tok")) == t)
        #expect(try await s.token(hash: SecretHash.hex("other")) == nil)
        try await s.revokeToken(hash: t.tokenHash, at: issued.addingTimeInterval(10))
        try await s.revokeToken(hash: t.tokenHash, at: issued.addingTimeInterval(20))
        #expect(try await s.token(hash: t.tokenHash)?.revokedAt == issued.addingTimeInterval(10))
    }

    @Test("concurrent creates of one user_id create exactly one user; users are per retailer", arguments: Engine.available)
    func users(engine: Engine) async throws {
        let s = try await engine.makeDatabase().open()
        let created = try await withThrowingTaskGroup(of: Bool.self) { group in
            for i in 0..<20 {
                group.addTask {
                    try await s.insertUserIfAbsent(
                        UserRecord(
                            retailerID: "r1",
                            userID: "u1",
                            firstName: "N\(i)",
                            createdAt: Date(timeIntervalSince1970: Double(i))
                        )
                    ).created
                }
            }
            return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
        }
        #expect(created == 1)
        #expect(try await s.user(retailerID: "r2", userID: "u1") == nil)
        var u = try #require(try await s.user(retailerID: "r1", userID: "u1"))
        u.address = UserAddress(addressLine1: "1 Main", addressLine2: nil, addressType: "residential", postalCode: "94105", city: "SF", state: nil)
        u.locale = .frCA
        try await s.saveUser(u)
        #expect(try await s.user(retailerID: "r1", userID: "u1") == u)
    }

    @Test("service-option ids are unique under concurrency and options round-trip", arguments: Engine.available)
    func serviceOptions(engine: Engine) async throws {
        let s = try await engine.makeDatabase().open()
        let ids = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for n in 1...10 { group.addTask { try await s.allocateServiceOptionIDs(count: n) } }
            return try await group.reduce(into: [Int64]()) { $0 += $1 }
        }
        #expect(ids.count == 55 && Set(ids).count == 55 && ids.allSatisfy { $0 > 0 })
        let next = try await s.allocateServiceOptionIDs(count: 2)
        #expect(next[0] > ids.max()!)
        let o = StoredServiceOption(
            id: next[0],
            retailerID: "r1",
            userID: "u1",
            locationCode: "S1",
            type: .eta,
            windowStart: Date(timeIntervalSince1970: 1_750_000_000),
            windowEnd: Date(timeIntervalSince1970: 1_750_003_600),
            immediateHour: nil,
            date: CivilDate(year: 2025, month: 6, day: 15),
            handoffTime: Date(timeIntervalSince1970: 1_750_000_900),
            available: false,
            reasons: ["Alcohol delivery not allowed at this time"],
            alcoholic: true,
            destination: GeoPoint(latitude: 37.7, longitude: -122.4),
            travelMinutes: 12,
            listedAt: Date(timeIntervalSince1970: 1_749_999_000),
            cartTotalCents: 6420,
            itemsCount: 12,
            unitsCount: 15.5
        )
        var immediate = o
        immediate.id = next[1]
        immediate.type = .immediate
        immediate.immediateHour = 5
        immediate.handoffTime = nil
        immediate.cartTotalCents = nil
        immediate.itemsCount = nil
        immediate.unitsCount = nil
        // A listing is numbered from the same sequence, after every id handed out before.
        let stored = try await s.insertListing([o, immediate])
        #expect(stored.count == 2 && stored[0].id > next[1] && stored[1].id > stored[0].id)
        for (draft, saved) in zip([o, immediate], stored) {
            var expected = draft
            expected.id = saved.id
            #expect(saved == expected)
            #expect(try await s.serviceOption(id: saved.id) == expected)
        }
        #expect(try await s.serviceOption(id: 999_999) == nil)
    }
}
