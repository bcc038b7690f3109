import Foundation
import Testing

@testable import LastMileCore

@Suite("Fulfillment rules: transitions, retry schedule, trip plan, callback config")
struct FulfillmentRulesTests {
    let t0 = Timestamp.parse("2025-06-11T00:00:00Z")!

    @Test("driver steps follow §2.0.9 one status at a time")
    func driverSteps() {
        #expect(DriverStep.accept.from == [.staged, .rescheduled])
        #expect(DriverStep.allCases.map(\.to) == [.acknowledgedForDelivery, .atStore, .bagsVerified, .delivering, .delivered])
        #expect(!ServiceTransition.canCancel(.delivered) && !ServiceTransition.canCancel(.canceled) && ServiceTransition.canCancel(.delivering))
        #expect(ServiceTransition.canReschedule(.staged) && !ServiceTransition.canReschedule(.acknowledgedForDelivery))
    }

    @Test("retry delays: 30 s doubling to a 3600 s cap, ±20 %; abandoned after 24 h")
    func retrySchedule() {
        #expect(RetrySchedule.delay(afterFailures: 1, unit: 0.5) == 30)
        #expect(RetrySchedule.delay(afterFailures: 2, unit: 0.5) == 60)
        #expect(RetrySchedule.delay(afterFailures: 7, unit: 0.5) == 1920)
        #expect(RetrySchedule.delay(afterFailures: 8, unit: 0.5) == 3600)
        #expect(RetrySchedule.delay(afterFailures: 50, unit: 0.5) == 3600)
        #expect(RetrySchedule.delay(afterFailures: 1, unit: 0) == 24)
        #expect(abs(RetrySchedule.delay(afterFailures: 1, unit: 0.999_999) - 36) < 0.001)
        // Walk the whole schedule with the slowest jitter: every attempt starts within 24 h of the first.
        var last = t0
        var failures = 0
        while let next = RetrySchedule.nextAttempt(firstAttempt: t0, lastAttempt: last, failures: failures + 1, unit: 0) {
            #expect(next.timeIntervalSince(t0) <= 24 * 3600)
            last = next
            failures += 1
        }
        #expect(failures > 20 && failures < 40)
        #expect(RetrySchedule.nextAttempt(firstAttempt: t0, lastAttempt: t0.addingTimeInterval(23.5 * 3600), failures: 10, unit: 1) == nil)
    }

    @Test("trip plan: the driver waits for the window; speed-up compresses; late windows")
    func tripPlan() {
        let start = t0.addingTimeInterval(3600)
        let p = TripPlan.plan(
            acceptedAt: t0,
            windowStart: start,
            travelMinutes: 14,
            pickupDwellMinutes: 5,
            dropoffDwellMinutes: 5,
            toStoreMinutes: 10
        )
        #expect(p.atStore == t0.addingTimeInterval(600))
        #expect(p.pickup == start.addingTimeInterval(-19 * 60))
        #expect(p.departure == start.addingTimeInterval(-14 * 60) && p.arrival == start)
        #expect(p.delivered == start.addingTimeInterval(120))
        let late = TripPlan.plan(acceptedAt: start, windowStart: t0, travelMinutes: 14, pickupDwellMinutes: 5, dropoffDwellMinutes: 5)
        #expect(late.pickup == start && late.arrival == start.addingTimeInterval(19 * 60))
        let fast = TripPlan.plan(acceptedAt: t0, windowStart: start, travelMinutes: 14, pickupDwellMinutes: 5, dropoffDwellMinutes: 5, speedUp: 60)
        #expect(fast.arrival == t0.addingTimeInterval(60))
        let w = TripPlan.lateWindow(estimate: start.addingTimeInterval(30), windowStart: t0)
        #expect(w.start == start.addingTimeInterval(60 - 900) && w.end == start.addingTimeInterval(60 + 900))
        #expect(
            TripPlan.position(from: GeoPoint(latitude: 0, longitude: 0), to: GeoPoint(latitude: 1, longitude: 2), fraction: 0.5)
                == GeoPoint(latitude: 0.5, longitude: 1)
        )
    }

    @Test("callbacks and drivers in the operator config; every problem named by its path")
    func callbackConfig() throws {
        let ok = try OperatorConfigParser.parse(
            JSONValue.parse(
                Data(
                    #"""
                    {"retailers":[{"id":"r","callbacks":{"callback_url":"https://r.example/cb","events":["staged","fulfillment.delivered"],
                      "token_url":"https://r.example/token","client_id":"c","client_secret":"s","scope":"callbacks",
                      "signing_secret":["whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcY","whsec_GBcWFRQTEhEQDw4NDAsKCQgHBgUEAwIB"]},
                      "drivers":[{"id":"d1","secret":"driver-secret-0123"}]}]}
                    """#.utf8
                )
            ),
            directory: nil
        )
        let r = ok.retailers[0]
        #expect(r.retailer.callbacks?.events == [.staged, .delivered])
        #expect(r.retailer.callbacks?.signingSecrets.count == 2)
        #expect(r.retailer.subscribes(to: .staged) && !r.retailer.subscribes(to: .brandNew))
        #expect(r.clients == [OAuthClientConfig(clientID: "d1", clientSecret: "driver-secret-0123", scopes: [.driver])])
        do {
            _ = try OperatorConfigParser.parse(
                JSONValue.parse(
                    Data(
                        #"""
                        {"retailers":[{"id":"r","callbacks":{"callback_url":"ftp://x","events":["nope"],"token_url":"https://t","signing_secret":"whsec_short"},
                          "drivers":[{"id":"d1","secret":"short"}],
                          "oauth_clients":[{"client_id":"c","client_secret":"long-enough-0123456","scopes":["lastmile:driver"]}]}]}
                        """#.utf8
                    )
                ),
                directory: nil
            )
            Issue.record("expected errors")
        } catch let e as ConfigError {
            #expect(
                e.issues.map(\.path) == [
                    "retailers[0].oauth_clients[0].scopes[0]", "retailers[0].callbacks.callback_url",
                    "retailers[0].callbacks.events[0]", "retailers[0].callbacks.client_id",
                    "retailers[0].callbacks.client_secret", "retailers[0].callbacks.signing_secret",
                    "retailers[0].drivers[0].secret",
                ]
            )
        }
        #expect(CallbackConfig.signingKey("whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcY") == Array(1...24))
    }
}
