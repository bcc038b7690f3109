import Foundation
import LastMileCore
import LastMileStorage
import Testing

@Suite("Driver API (project addition)")
struct DriverAPITests {
    @Test(
        "a driver signs in with its own credentials, takes an offer and reports every step; callbacks follow §2.0.9",
        arguments: Engine.available
    )
    func driverJourney(engine: Engine) async throws {
        let env = try await TestEnvironment(
            engine: engine,
            now: dispatchNow,
            config: CallbackReceiver.config(port: 9, drivers: true)
        )
        try await env.run { c in
            let retailer = try await c.token()
            let driver = try await c.token("drv-1", "driver-client-secret-1")
            let other = try await c.token("drv-2", "driver-client-secret-2")
            // Scopes keep the two worlds apart.
            (try await c.request(.get, "/driver/v1/offers", token: retailer)).expectError(
                .forbidden,
                "The access token does not grant access to this resource.",
                code: 4001,
                key: nil
            )
            (try await c.post("/v2/fulfillment/lastmile/orders", token: driver, dispatchBody("D-0")))
                .expectError(.forbidden, "The access token does not grant access to this resource.", code: 4001, key: nil)

            let created = try await c.post("/v2/fulfillment/lastmile/orders", token: retailer, dispatchBody("D-1"))
            #expect(created.status == .ok, "\(created.text)")

            #expect(try await c.request(.get, "/driver/v1/offers", token: driver).json["offers"]?.array?.isEmpty == true)
            #expect(
                try await c.post("/v2/fulfillment/lastmile/orders/D-1/staged", token: retailer, #"{"bags_count":2,"bag_label":"HOPPER-2"}"#).status
                    == .ok
            )
            let offers = try await c.request(.get, "/driver/v1/offers", token: driver)
            #expect(offers.json["offers"]?[0]?["order_id"]?.stringValue == "D-1", "\(offers.text)")
            #expect(offers.json["offers"]?[0]?["bag_label"]?.stringValue == "HOPPER-2")
            (try await c.post("/driver/v1/orders/D-1/arrived_at_store", token: driver)).expectError(
                .notFound,
                "Resource not found",
                code: 4000,
                key: nil
            )

            let accepted = try await c.post("/driver/v1/orders/D-1/accept", token: driver, #"{"minutes_to_store":10}"#)
            #expect(accepted.json["status"]?.stringValue == "acknowledged_for_delivery", "\(accepted.text)")
            (try await c.post("/driver/v1/orders/D-1/accept", token: other)).expectError(
                .badRequest,
                "Order has already been accepted by another driver",
                code: 2000,
                key: nil
            )
            (try await c.post("/driver/v1/orders/D-1/arrived_at_store", token: other)).expectError(
                .notFound,
                "Resource not found",
                code: 4000,
                key: nil
            )
            (try await c.post("/driver/v1/orders/D-1/departed", token: driver)).expectError(
                .badRequest,
                "Not allowed while the order is acknowledged_for_delivery",
                code: 2000,
                key: nil
            )
            #expect(try await c.request(.get, "/driver/v1/orders", token: driver).json["orders"]?.array?.count == 1)
            // The retailer can no longer update or stage it, but can still cancel (§2.0.9).
            env.clock.advance(by: 600)
            #expect(try await c.post("/driver/v1/orders/D-1/arrived_at_store", token: driver).json["status"]?.stringValue == "at_store")
            #expect(try await c.post("/driver/v1/orders/D-1/bags_verified", token: driver).json["status"]?.stringValue == "bags_verified")
            #expect(try await c.post("/driver/v1/orders/D-1/departed", token: driver).json["status"]?.stringValue == "delivering")
            (try await c.post("/v2/fulfillment/lastmile/orders/D-1/cancel", token: retailer, "{}"))
                .expectError(.badRequest, "Order can no longer be canceled", code: 2000, key: nil)
            (try await c.post("/driver/v1/orders/D-1/location", token: driver, #"{"latitude":91}"#))
                .expectError(.badRequest, "There were issues with your request", code: 9999, key: nil)
            env.clock.advance(by: 60)
            // A minute after departure: reported; the next report within 60 s updates the position but sends no callback.
            #expect(try await c.post("/driver/v1/orders/D-1/location", token: driver, #"{"latitude":37.787,"longitude":-122.397}"#).status == .ok)
            env.clock.advance(by: 20)
            #expect(try await c.post("/driver/v1/orders/D-1/location", token: driver, #"{"latitude":37.785,"longitude":-122.398}"#).status == .ok)
            let pc = try await c.token("alpha-pc", "alpha-client-secret-3")
            #expect(
                try await c.request(.get, "/v2/post_checkout/orders/D-1/location", token: pc).json
                    == .object(["coordinates": .object(["latitude": .number(37.785), "longitude": .number(-122.398)])])
            )
            // Far away after the window: late.
            env.clock.set(to: Timestamp.parse("2025-06-11T02:55:00Z")!)
            #expect(try await c.post("/driver/v1/orders/D-1/location", token: driver, #"{"latitude":37.9,"longitude":-122.3}"#).status == .ok)
            #expect(try await c.post("/driver/v1/orders/D-1/customer_missing", token: driver).status == .ok)
            #expect(try await c.post("/driver/v1/orders/D-1/arrived_at_customer", token: driver).status == .ok)
            let done = try await c.post("/driver/v1/orders/D-1/delivered", token: driver)
            #expect(done.json["status"]?.stringValue == "delivered")
            let order = try await c.request(.get, "/v2/fulfillment/lastmile/orders/D-1", token: retailer)
            #expect(order.json["fulfillment_details"]?["delivered_at"]?.stringValue == "2025-06-11T02:55:00Z")
        }
        let events = try await env.storage.orderEvents(retailerID: "alpha", orderID: "D-1")
        #expect(
            events.map(\.type)
                == [
                    "brand_new", "staged", "acknowledged_for_delivery", "at_store_eta", "at_store", "bags_verified",
                    "delivering", "order_location", "order_location", "order_location", "late_delivery", "customer_missing",
                    "arrival_at_customer", "delivered",
                ].map { "fulfillment.\($0)" }
        )
        let eta = try JSONValue.parse(Data(try #require(events.first { $0.type == "fulfillment.at_store_eta" }).metadata.utf8))
        #expect(eta["eta"]?.stringValue == "2025-06-10T23:15:00Z")  // accepted at 23:05 with 10 minutes to the store
        let late = try JSONValue.parse(Data(try #require(events.first { $0.type == "fulfillment.late_delivery" }).metadata.utf8))
        #expect(late["new_window"]?["ends_at"]?.stringValue.map { $0 > "2025-06-11T03:00:00Z" } == true, "\(late)")
    }
}

@Suite("Driver API: planned trips (§2.0.5, project addition)")
struct DriverTripTests {
    @Test("a driver sees its planned trip with the stops in order and takes it as a whole; unstaged orders stay behind", arguments: Engine.available)
    func takesATrip(engine: Engine) async throws {
        // drv-1 has a shift at SF-001, so the store's plan gives it trips; drv-2 has none.
        let config = CallbackReceiver.config(port: 9, drivers: true).replacingOccurrences(
            of: #"{ "location_code": "SF-001", "name": "Example Market SoMa","#,
            with:
                #"{ "location_code": "SF-001", "name": "Example Market SoMa", "driver_shifts": [ { "driver_id": "drv-1", "start": "08:00", "end": "21:00" } ],"#
        )
        let env = try await TestEnvironment(engine: engine, now: dispatchNow, config: config)
        try await env.run { c in
            let retailer = try await c.token()
            let driver = try await c.token("drv-1", "driver-client-secret-1")
            let other = try await c.token("drv-2", "driver-client-secret-2")
            for id in ["D-1", "D-2"] { #expect(try await c.post("/v2/fulfillment/lastmile/orders", token: retailer, dispatchBody(id)).status == .ok) }
            #expect(try await c.post("/v2/fulfillment/lastmile/orders/D-1/staged", token: retailer, "{}").status == .ok)
            (try await c.request(.get, "/driver/v1/trips", token: retailer))
                .expectError(.forbidden, "The access token does not grant access to this resource.", code: 4001, key: nil)
            #expect(try await c.request(.get, "/driver/v1/trips", token: other).json["trips"]?.array?.isEmpty == true)

            // Both orders share one planned trip: same window, same address.
            let listed = try await c.request(.get, "/driver/v1/trips", token: driver)
            let trip = try #require(listed.json["trips"]?[0], "\(listed.text)")
            #expect(listed.json["trips"]?.array?.count == 1)
            #expect(trip["stops"]?.array?.compactMap { $0["order_id"]?.stringValue } == ["D-1", "D-2"], "\(listed.text)")
            #expect(trip["stops"]?.array?.compactMap { $0["status"]?.stringValue } == ["staged", "brand_new"])
            #expect(trip["store_location"]?.stringValue == "SF-001" && trip["tentative_stops"]?.int == 0)
            let first = try #require(trip["stops"]?[0]?["planned_handoff"]?.stringValue.flatMap(Timestamp.parse))
            let window = try #require(trip["stops"]?[0]?["delivery_window"]?["starts_at"]?.stringValue.flatMap(Timestamp.parse))
            #expect(first >= window, "no handoff before the window opens")
            let tripID = try #require(trip["trip_id"]?.stringValue)

            (try await c.post("/driver/v1/trips/T0000/accept", token: driver)).expectError(.notFound, "Resource not found", code: 4000, key: nil)
            (try await c.post("/driver/v1/trips/\(tripID)/accept", token: other)).expectError(.notFound, "Resource not found", code: 4000, key: nil)
            let taken = try await c.post("/driver/v1/trips/\(tripID)/accept", token: driver, #"{"minutes_to_store":5}"#)
            #expect(taken.status == .ok, "\(taken.text)")
            #expect(taken.json["orders"]?.array?.compactMap { $0["order_id"]?.stringValue } == ["D-1"])
            #expect(taken.json["orders"]?[0]?["status"]?.stringValue == "acknowledged_for_delivery")
            // The shapes are those openapi.yaml documents.
            let checker = OpenAPIChecker.shared
            #expect(checker.problems(listed.json, path: "/driver/v1/trips", method: "get", status: 200).isEmpty)
            #expect(checker.problems(taken.json, path: "/driver/v1/trips/{trip_id}/accept", method: "post", status: 200).isEmpty)
            #expect(try await env.storage.order(retailerID: "alpha", orderID: "D-2")?.status == .brandNew)
            let mine = try await c.request(.get, "/driver/v1/orders", token: driver)
            #expect(mine.json["orders"]?.array?.compactMap { $0["order_id"]?.stringValue } == ["D-1"])

            // D-2, staged later, is planned again on its own trip for the same driver, after the first.
            #expect(try await c.post("/v2/fulfillment/lastmile/orders/D-2/staged", token: retailer, "{}").status == .ok)
            let again = try await c.request(.get, "/driver/v1/trips", token: driver)
            let next = try #require(again.json["trips"]?[0], "\(again.text)")
            #expect(next["stops"]?.array?.compactMap { $0["order_id"]?.stringValue } == ["D-2"])
            let second = try await c.post("/driver/v1/trips/\(next["trip_id"]?.stringValue ?? "")/accept", token: driver)
            #expect(second.json["orders"]?[0]?["status"]?.stringValue == "acknowledged_for_delivery", "\(second.text)")
            let d1 = try #require(try await env.storage.order(retailerID: "alpha", orderID: "D-1")?.plan)
            let d2 = try #require(try await env.storage.order(retailerID: "alpha", orderID: "D-2")?.plan)
            #expect(d2.pickup >= d1.returnAt!, "the second trip starts when the driver is back from the first")
            // Nothing left to take.
            #expect(try await c.request(.get, "/driver/v1/trips", token: driver).json["trips"]?.array?.isEmpty == true)
        }
    }
}
