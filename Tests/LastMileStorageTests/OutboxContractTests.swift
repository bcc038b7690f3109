import Foundation
import LastMileCore
import LastMileStorage
import LastMileTestSupport
import Testing

@Suite("Storage contract: callback outbox, conditional order updates, sandbox batches")
struct OutboxContractTests {
    let now = Date(timeIntervalSince1970: 1_750_000_000)

    func configured(_ engine: Engine) async throws -> (TestDatabase, any Storage) {
        let db = try await engine.makeDatabase()
        let s = try await db.open()
        var config = sampleConfig()
        config.retailers[0].retailer.callbacks = CallbackConfig(url: "http://127.0.0.1:9/cb")
        try await s.applyConfiguration(config)
        return (db, s)
    }

    @Test(
        "two workers never lease the same callback; leases expire; delivered ones stay delivered; resend requeues",
        arguments: Engine.available
    )
    func leases(engine: Engine) async throws {
        let (db, s) = try await configured(engine)
        let other = try await db.open()  // a second server process
        for i in 0..<40 {
            guard
                case .created = try await s.createOrder(
                    sampleOrder("O-\(i)", at: now),
                    holdID: nil,
                    now: now,
                    decide: { _ in
                        BookingDecision(
                            window: DeliveryWindow(start: self.now.addingTimeInterval(3600), end: self.now.addingTimeInterval(7200)),
                            handoff: nil
                        )
                    }
                )
            else {
                Issue.record("not created")
                return
            }
        }
        // A retailer without callbacks produces events but no outbox entries.
        _ = try await s.createOrder(sampleOrder("N-1", retailer: "r2", at: now), holdID: nil, now: now) { _ in
            BookingDecision(window: DeliveryWindow(start: self.now, end: self.now.addingTimeInterval(7200)), handoff: nil)
        }
        #expect(try await s.orderEvents(retailerID: "r2", orderID: "N-1").map(\.type) == ["fulfillment.brand_new"])
        async let a = s.claimCallbacks(due: now, leaseNow: now, limit: 25, lease: 60)
        async let b = other.claimCallbacks(due: now, leaseNow: now, limit: 25, lease: 60)
        let (x, y) = try await (a, b)
        #expect(Set(x.map(\.rowID)).isDisjoint(with: y.map(\.rowID)))
        #expect(x.count + y.count == 40)
        #expect(x.allSatisfy { $0.retailerID == "r1" && $0.body.hasPrefix("{\"event_id\":\($0.eventID),\"event_name\":\"fulfillment.brand_new\"") })
        // Service time far ahead (a moved test clock) does not break a lease held on wall-clock time.
        #expect(try await s.claimCallbacks(due: now.addingTimeInterval(3600), leaseNow: now.addingTimeInterval(59), limit: 100, lease: 60).isEmpty)
        let first = try #require(x.first)
        let second = try #require(x.last)
        try await s.recordCallbackAttempts([
            CallbackAttempt(rowID: first.rowID, at: now, statusCode: 204, error: nil, durationMilliseconds: 3, next: .delivered),
            CallbackAttempt(
                rowID: second.rowID,
                at: now,
                statusCode: 500,
                error: nil,
                durationMilliseconds: 3,
                next: .retry(at: now.addingTimeInterval(30))
            ),
        ])
        // After the lease: everything not delivered is claimable again, the retried one once due.
        let again = try await other.claimCallbacks(due: now.addingTimeInterval(61), leaseNow: now.addingTimeInterval(61), limit: 100, lease: 60)
        #expect(again.count == 39 && !again.contains { $0.rowID == first.rowID })
        #expect(again.allSatisfy { $0.leaseUntil.map { abs($0.timeIntervalSince(now.addingTimeInterval(61 + 60))) < 0.001 } == true })
        #expect(again.first { $0.rowID == second.rowID }?.attempts == 1)
        let log = try await s.callbackDeliveries(retailerID: "r1", orderID: first.orderID, limit: 5)
        #expect(log.map(\.state) == [.delivered] && log.first?.lastResult == "HTTP 204")
        #expect(try await s.callbackAttempts(rowID: first.rowID).map(\.statusCode) == [204])
        // A worker whose lease ran out and was taken over cannot record over the new holder.
        let stale = try #require(x.first { $0.rowID != first.rowID && $0.rowID != second.rowID })
        let holder = try #require(again.first { $0.rowID == stale.rowID })
        try await s.recordCallbackAttempts([
            CallbackAttempt(
                rowID: stale.rowID,
                at: now,
                statusCode: 200,
                error: nil,
                durationMilliseconds: 1,
                next: .delivered,
                leaseUntil: stale.leaseUntil
            )
        ])
        #expect(try await s.callbackDeliveries(retailerID: nil, orderID: stale.orderID, limit: 1).first?.state == .pending)
        try await s.recordCallbackAttempts([
            CallbackAttempt(
                rowID: holder.rowID,
                at: now,
                statusCode: 200,
                error: nil,
                durationMilliseconds: 1,
                next: .delivered,
                leaseUntil: holder.leaseUntil
            )
        ])
        #expect(try await s.callbackDeliveries(retailerID: nil, orderID: stale.orderID, limit: 1).first?.state == .delivered)
        #expect(try await s.resendCallback(rowID: first.rowID, now: now.addingTimeInterval(200)))
        let resent = try await s.claimCallbacks(due: now.addingTimeInterval(200), leaseNow: now.addingTimeInterval(200), limit: 100, lease: 60)
        #expect(resent.first { $0.rowID == first.rowID }?.attempts == 0)  // a fresh retry budget
        try await other.close()
        try await s.close()
    }

    @Test("an update from a stale read loses: one of two writers of the same revision wins", arguments: Engine.available)
    func conditionalUpdate(engine: Engine) async throws {
        let (_, s) = try await configured(engine)
        guard
            case .created = try await s.createOrder(
                sampleOrder("O-1", at: now),
                holdID: nil,
                now: now,
                decide: { _ in
                    BookingDecision(
                        window: DeliveryWindow(start: self.now.addingTimeInterval(3600), end: self.now.addingTimeInterval(7200)),
                        handoff: nil
                    )
                }
            )
        else {
            Issue.record("not created")
            return
        }
        let read = try #require(try await s.order(retailerID: "r1", orderID: "O-1"))
        var one = read
        var two = read
        one.tipAmountCents = 1
        two.driverLocation = GeoPoint(latitude: 1, longitude: 1)
        let event = CallbackEvents.make(.orderLocation, two, at: now)
        async let r1 = s.updateOrder(one, expectedStatus: .brandNew, events: [event], now: now, recheck: nil)
        async let r2 = s.updateOrder(two, expectedStatus: .brandNew, events: [event], now: now, recheck: nil)
        let results = try await [r1, r2]
        #expect(results.filter { if case .updated = $0 { return true } else { return false } }.count == 1)
        #expect(results.contains(.statusChanged))
        #expect(try await s.orderEvents(retailerID: "r1", orderID: "O-1").count == 2)
        try await s.close()
    }

    @Test("sandbox: phones are unique per retailer; a shopper has one active batch", arguments: Engine.available)
    func shoppersAndBatches(engine: Engine) async throws {
        let (_, s) = try await configured(engine)
        let shopper = try #require(try await s.insertShopper(retailerID: "r1", email: nil, phone: "+14155550001"))
        #expect(try await s.insertShopper(retailerID: "r1", email: "x@example.com", phone: "+14155550001") == nil)
        #expect(try await s.insertShopper(retailerID: "r2", email: nil, phone: "+14155550001") != nil)
        let batch = try #require(try await s.insertBatch(retailerID: "r1", shopperID: shopper.id, orderIDs: ["A", "B"]))
        #expect(try await s.hasActiveBatch(shopperID: shopper.id))
        #expect(try await s.insertBatch(retailerID: "r1", shopperID: shopper.id, orderIDs: ["C"]) == nil)
        try await s.setBatchState(id: batch.id, state: .completed)
        let stored = try await s.batch(id: batch.id)
        #expect(stored?.state == .completed && stored?.orderIDs == ["A", "B"])
        #expect(try await s.insertBatch(retailerID: "r1", shopperID: shopper.id, orderIDs: ["C"]) != nil)
        try await s.close()
    }
}
