import Foundation
import LastMileAPI
import LastMileBooking
import LastMileCore
import LastMileFleet
import LastMileStorage
import Logging
import Testing

/// One store, two drivers on 6-hour evening shifts the next day, up to three orders a trip.
let dayConfigJSON = """
    { "retailers": [ { "id": "day", "oauth_clients": [ { "client_id": "day", "client_secret": "day-client-secret-1" } ],
      "stores": [ { "location_code": "DAY-1", "name": "Day Store",
        "address": { "address_line_1": "101 Spear St", "city": "San Francisco", "state": "CA", "postal_code": "94105" },
        "latitude": 37.7920, "longitude": -122.3934, "time_zone": "America/Los_Angeles", "scheduling_horizon_days": 2,
        "delivery_hours": { "default": "08:00-21:00" }, "max_orders_per_trip": 3, "max_minutes_in_vehicle": 60,
        "driver_shifts": [
          { "driver_id": "ann", "start_at": "2025-06-11T15:00:00-07:00", "end_at": "2025-06-11T21:00:00-07:00" },
          { "driver_id": "bob", "start_at": "2025-06-11T15:00:00-07:00", "end_at": "2025-06-11T21:00:00-07:00" } ] } ] } ] }
    """

@Suite("A delivery day end to end (§2.0.5)")
struct DaySimulationTests {
    /// San Francisco postal codes within the store's range: each customer's address point is its centroid.
    static let postalCodes = [
        "94102", "94103", "94104", "94105", "94107", "94108", "94109", "94110", "94111", "94112", "94114", "94115",
        "94116", "94117", "94118", "94121", "94122", "94123", "94124", "94127", "94131", "94133", "94134", "94158",
    ]

    @Test(
        "bookings through the API the day before, then the day run by simulated drivers on the test clock: every order is handed off inside its window",
        arguments: Engine.available
    )
    func deliveryDay(engine: Engine) async throws {
        let env = try await TestEnvironment(
            engine: engine,
            now: Timestamp.parse("2025-06-10T09:00:00-07:00")!,
            config: dayConfigJSON,
            rateLimitOverride: 1_000_000
        )
        // Preferred windows spread over the evening (start hours 15…18).
        let customers = (0..<48).map { i in
            (user: "u\(i)", postalCode: Self.postalCodes[(i * 7) % Self.postalCodes.count], preferred: 15 + (i * 5) % 4)
        }
        // The stream: each customer takes the preferred window when offered, else the nearest offered one.
        let booked = try await env.run { c in
            let token = try await c.token("day", "day-client-secret-1")
            var booked: [(user: String, orderID: String)] = []
            for (i, customer) in customers.enumerated() {
                env.clock.advance(by: 300)
                _ = try await c.createUser(customer.user, token: token)
                let listing = try await c.post(
                    "/v2/fulfillment/users/\(customer.user)/service_options/cart/last_mile",
                    token: token,
                    #"{"address":{"address_line_1":"1 Main St","postal_code":"\#(customer.postalCode)"},"location_code":"DAY-1","cart_total_cents":1,"items_count":1}"#
                )
                let offered = (listing.json["service_options"]?.array ?? []).compactMap { o -> (id: Int64, hour: Int)? in
                    guard o["window"]?["type"]?.stringValue == "scheduled", o["availability"]?["available"]?.bool == true,
                        let start = o["window"]?["start_at"]?.stringValue.flatMap(Timestamp.parse), let id = o["id"]?.int,
                        start >= Timestamp.parse("2025-06-11T00:00:00-07:00")!
                    else { return nil }
                    return (Int64(id), Int(start.timeIntervalSince(Timestamp.parse("2025-06-11T00:00:00-07:00")!) / 3600))
                }
                guard let choice = offered.min(by: { (abs($0.hour - customer.preferred), $0.hour) < (abs($1.hour - customer.preferred), $1.hour) })
                else {
                    #expect(i > 0, "the first customer is offered a window: \(listing.text)")
                    continue
                }
                let hold = try await c.post("/v2/fulfillment/users/\(customer.user)/service_options/\(choice.id)/reserve", token: token)
                guard let holdID = hold.json["service_option_hold"]?["id"]?.int else { continue }
                let order = try await c.post(
                    "/v2/fulfillment/users/\(customer.user)/orders/last_mile",
                    token: token,
                    #"{"order_id":"D\#(i)","location_code":"DAY-1","service_option_hold_id":\#(holdID),"first_name":"A","last_name":"B","user_phone":"+14155550123","items_count":1,"items_weight":1,"address":{"address_line_1":"1 Main St","postal_code":"\#(customer.postalCode)"}}"#
                )
                #expect(order.status == .ok, "\(order.text)")
                booked.append((customer.user, "D\(i)"))
            }
            for order in booked {
                let staged = try await c.post("/v2/fulfillment/users/\(order.user)/orders/\(order.orderID)/staged", token: token, "{}")
                #expect(staged.status == .ok, "\(staged.text)")
            }
            return booked
        }
        // More orders than two drivers carry one at a time in 12 driver-hours at these distances (about 30).
        #expect(booked.count >= 36, "booked \(booked.count)")

        let simulator = DriverSimulator(
            storage: env.storage,
            clock: env.clock,
            speedUp: 1,
            logger: Logger(label: "day"),
            dispatcher: CapacityDispatcher(booking: env.service.booking)
        )
        // The day minute by minute (whole minutes, as window ends are), each minute until nothing more moves.
        env.clock.set(to: Timestamp.parse("2025-06-11T14:30:00-07:00")!)
        while env.clock.now() < Timestamp.parse("2025-06-11T21:30:00-07:00")! {
            for _ in 0..<10 where await simulator.tick() > 0 {}
            env.clock.advance(by: 60)
        }

        var sharedTrips = 0
        for (_, orderID) in booked {
            let order = try #require(try await env.storage.order(retailerID: "day", orderID: orderID))
            #expect(order.status == .delivered, "\(orderID) is \(order.status)")
            let events = try await env.storage.orderEvents(retailerID: "day", orderID: orderID)
            #expect(!events.contains { $0.type == "fulfillment.late_delivery" }, "\(orderID) was announced late")
            let arrival = try #require(events.first { $0.type == "fulfillment.arrival_at_customer" })
            let delivered = try #require(events.first { $0.type == "fulfillment.delivered" })
            #expect(arrival.occurredAt <= order.windowEnd, "\(orderID) reached the door after its window")
            #expect(delivered.occurredAt >= order.windowStart, "\(orderID) was handed off before its window")
            if (order.plan?.stops ?? 1) > 1 { sharedTrips += 1 }
        }
        // The day ran on multi-stop trips.
        #expect(sharedTrips >= booked.count / 2, "\(sharedTrips) of \(booked.count) orders were on shared trips")
    }
}
