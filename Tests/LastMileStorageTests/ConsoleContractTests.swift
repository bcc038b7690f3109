import Foundation
import LastMileCore
import LastMileStorage
import LastMileTestSupport
import Testing

@Suite("Console storage contract (issue 13)")
struct ConsoleContractTests {
    static let hash = "$2b$10$zFtdi12EvsYEOG9aqLZdUu6yvtcydZlZhdbx863bHiEnq0s3mnnVG"

    func withOperators() -> OperatorConfig {
        var c = sampleConfig()
        c.operators = [OperatorAccount(id: "ops", passwordHash: Self.hash, retailers: ["r1"])]
        return c
    }

    @Test("operators load with the configuration and update in place", arguments: Engine.available)
    func operators(engine: Engine) async throws {
        let s = try await engine.makeDatabase().open()
        try await s.applyConfiguration(withOperators())
        #expect(try await s.operatorAccount(id: "ops") == OperatorAccount(id: "ops", passwordHash: Self.hash, retailers: ["r1"]))
        var changed = withOperators()
        changed.operators[0].retailers = nil
        changed.operators[0].enabled = false
        try await s.applyConfiguration(changed)
        #expect(try await s.operatorAccount(id: "ops") == changed.operators[0])
        #expect(try await s.operatorAccount(id: "nobody") == nil)
        #expect(try await s.retailerIDs() == ["r1", "r2"])
    }

    @Test("sessions are found by token hash until deleted", arguments: Engine.available)
    func sessions(engine: Engine) async throws {
        let s = try await engine.makeDatabase().open()
        try await s.migrate()
        let session = ConsoleSession(
            tokenHash: "h1",
            operatorID: "ops",
            csrfToken: "c1",
            createdAt: Date(timeIntervalSince1970: 1_000),
            expiresAt: Date(timeIntervalSince1970: 9_000)
        )
        try await s.insertConsoleSession(session)
        #expect(try await s.consoleSession(tokenHash: "h1") == session)
        try await s.deleteConsoleSession(tokenHash: "h1")
        #expect(try await s.consoleSession(tokenHash: "h1") == nil)
        // Expired sessions are purged by the retention job like tokens.
        try await s.insertConsoleSession(session)
        #expect(try await s.purge(.consoleSessions, before: Date(timeIntervalSince1970: 10_000), limit: 10) == 1)
    }

    @Test("a closed window is attached to every read of its store, audited once, and survives a configuration reload", arguments: Engine.available)
    func closedWindows(engine: Engine) async throws {
        let database = try await engine.makeDatabase()
        let s = try await database.open()
        let other = try await database.open()
        try await s.applyConfiguration(withOperators())
        let window = DeliveryWindow(start: Date(timeIntervalSince1970: 1_750_000_000), end: Date(timeIntervalSince1970: 1_750_007_200))
        let closure = ClosedWindow(
            retailerID: "r1",
            locationCode: "S1",
            window: window,
            closedAt: Date(timeIntervalSince1970: 1_749_990_000),
            closedBy: "ops"
        )
        let audit = AuditEntry(at: closure.closedAt, operatorID: "ops", action: "close_window", retailerID: "r1", subject: "S1", detail: "w")
        #expect(try await s.setWindow(closure, closed: true, audit: audit))
        #expect(try await s.setWindow(closure, closed: true, audit: audit) == false, "already closed: nothing written")
        #expect(try await other.store(retailerID: "r1", locationCode: "S1")?.closedWindows == [window], "another server sees it at once")
        #expect(try await other.stores(retailerID: "r1").map(\.closedWindows) == [[window], []])
        #expect(try await s.closedWindows(retailerID: "r1", locationCode: "S1", endingAfter: window.start) == [closure])
        #expect(try await s.closedWindows(retailerID: "r1", locationCode: "S1", endingAfter: window.end).isEmpty)
        try await s.applyConfiguration(withOperators())
        #expect(try await s.store(retailerID: "r1", locationCode: "S1")?.closedWindows == [window], "a configuration reload keeps it closed")

        var reopen = audit
        reopen.action = "reopen_window"
        #expect(try await s.setWindow(closure, closed: false, audit: reopen))
        #expect(try await s.setWindow(closure, closed: false, audit: reopen) == false)
        #expect(try await s.store(retailerID: "r1", locationCode: "S1")?.closedWindows == [])
        let entries = try await s.auditEntries(retailerIDs: ["r1"], limit: 10)
        #expect(entries.map(\.action) == ["reopen_window", "close_window"])
        #expect(try await s.auditEntries(retailerIDs: ["r2"], limit: 10).isEmpty)
        #expect(try await s.auditEntries(retailerIDs: [], limit: 10).isEmpty)
    }

    @Test("change marks grow with order events, holds and audit entries", arguments: Engine.available)
    func changeMarks(engine: Engine) async throws {
        let s = try await engine.makeDatabase().open()
        try await s.applyConfiguration(withOperators())
        let before = try await s.changeMarks()
        try await s.appendAudit(AuditEntry(at: Date(), operatorID: "ops", action: "sign_in", retailerID: nil, subject: "local"))
        let after = try await s.changeMarks()
        #expect(after.audit > before.audit && after.events == before.events && after.holds == before.holds)
        #expect(try await s.auditEntries(retailerIDs: nil, limit: 1).first?.action == "sign_in")
    }
}

@Suite("Combined reads (issue 12)")
struct CombinedReadsContractTests {
    @Test("checkoutReads and tokenHolder answer what the separate reads answer", arguments: Engine.available)
    func sameAsSeparateReads(engine: Engine) async throws {
        let s = try await engine.makeDatabase().open()
        try await s.applyConfiguration(sampleConfig())
        let now = Date(timeIntervalSince1970: 1_750_000_000)
        _ = try await s.insertUserIfAbsent(UserRecord(retailerID: "r1", userID: "u1", createdAt: now))
        let combined = try await s.checkoutReads(retailerID: "r1", userID: "u1", locationCode: "S1", now: now)
        let user = try await s.user(retailerID: "r1", userID: "u1")
        let stores = try await s.stores(retailerID: "r1")
        let commitments = try await s.commitments(retailerID: "r1", locationCode: "S1", now: now, excludingHoldOfUser: "u1")
        #expect(combined.user == user && user != nil)
        #expect(combined.stores == stores)
        #expect(combined.commitments == commitments)
        #expect(try await s.checkoutReads(retailerID: "r1", userID: "nobody", locationCode: "S1", now: now).user == nil)

        let token = AccessTokenRecord(
            tokenHash: "th",
            clientID: "c1",
            retailerID: "r1",
            scopes: [.fulfillment],
            issuedAt: now,
            expiresAt: now.addingTimeInterval(3600)
        )
        try await s.insertToken(token)
        let holder = try #require(try await s.tokenHolder(hash: "th"))
        let separate = (try await s.token(hash: "th"), try await s.retailer(id: "r1"))
        #expect(holder.token == separate.0 && holder.retailer == separate.1)
        var disabled = sampleConfig()
        disabled.retailers[0].clients[0].enabled = false
        try await s.applyConfiguration(disabled)
        #expect(try await s.tokenHolder(hash: "th") == nil, "a disabled client's token holds nothing")
        try await s.applyConfiguration(sampleConfig())
        #expect(try await s.tokenHolder(hash: "th") != nil)
        try await s.revokeToken(hash: "th", at: now)
        #expect(try await s.tokenHolder(hash: "th") == nil)
        #expect(try await s.tokenHolder(hash: "unknown") == nil)
    }
}

extension CombinedReadsContractTests {
    @Test("reservationReads and orderCreationReads answer what the separate reads answer", arguments: Engine.available)
    func bookingReads(engine: Engine) async throws {
        let s = try await engine.makeDatabase().open()
        try await s.applyConfiguration(sampleConfig())
        let now = Date(timeIntervalSince1970: 1_750_000_000)
        _ = try await s.insertUserIfAbsent(UserRecord(retailerID: "r1", userID: "u1", createdAt: now))
        let draft = sampleOption(listedAt: now)
        let option = try #require(try await s.insertListing([draft]).first)

        let reads = try await s.reservationReads(retailerID: "r1", userID: "u1", optionID: option.id)
        let user = try await s.user(retailerID: "r1", userID: "u1")
        let store = try await s.store(retailerID: "r1", locationCode: "S1")
        #expect(reads.user != nil && reads.user == user)
        #expect(reads.option == option)
        #expect(reads.store != nil && reads.store == store)
        let foreign = try await s.reservationReads(retailerID: "r2", userID: "u1", optionID: option.id)
        #expect(foreign.user == nil && foreign.option == option && foreign.store == nil, "another retailer's option brings no store")
        let missing = try await s.reservationReads(retailerID: "r1", userID: "nobody", optionID: 999_999)
        #expect(missing.user == nil && missing.option == nil && missing.store == nil)

        guard case .held(let hold) = try await s.reserve(ReserveRequest(option: option, now: now), check: { _ in true })
        else {
            Issue.record("the hold was not taken")
            return
        }
        let creation = try await s.orderCreationReads(retailerID: "r1", userID: "u1", orderID: "o-1", holdID: hold.id)
        #expect(creation.user == reads.user)
        #expect(creation.existing == nil)
        let stores = try await s.stores(retailerID: "r1")
        let storedHold = try await s.hold(id: hold.id)
        #expect(creation.stores == stores && !stores.isEmpty)
        #expect(creation.hold != nil && creation.hold == storedHold)
        #expect(creation.option == option)
        let noHold = try await s.orderCreationReads(retailerID: "r1", userID: "u1", orderID: "o-1", holdID: nil)
        #expect(noHold.hold == nil && noHold.option == nil && noHold.user != nil)
        #expect(try await s.orderCreationReads(retailerID: "r1", userID: "u1", orderID: "o-1", holdID: 999_999).hold == nil)

        let order = sampleOrder(windowStart: option.windowStart, windowEnd: option.windowEnd, createdAt: now)
        let decision = BookingDecision(window: DeliveryWindow(start: option.windowStart, end: option.windowEnd), handoff: nil)
        guard case .created(let created) = try await s.createOrder(order, holdID: hold.id, now: now, decide: { _ in decision })
        else {
            Issue.record("the order was not created")
            return
        }
        let again = try await s.orderCreationReads(retailerID: "r1", userID: "u1", orderID: "o-1", holdID: hold.id)
        let stored = try await s.order(retailerID: "r1", orderID: "o-1")
        #expect(again.existing == created && again.existing == stored)
        #expect(again.hold?.status == .consumed)
    }
}
