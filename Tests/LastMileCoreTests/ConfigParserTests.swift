import Foundation
import Testing

@testable import LastMileCore

/// The operator configuration (§2.0.1 settings): every problem is reported with its JSON path and nothing loads.
@Suite("Operator config parser")
struct ConfigParserTests {
    func parse(_ json: String, directory: PostalDirectory? = nil) throws -> OperatorConfig {
        try OperatorConfigParser.parse(JSONValue.parse(Data(json.utf8)), directory: directory)
    }

    /// The issues of a config that must fail.
    func issues(_ json: String, directory: PostalDirectory? = nil) -> [ConfigIssue] {
        do {
            _ = try parse(json, directory: directory)
            Issue.record("expected a ConfigError")
            return []
        } catch let error as ConfigError {
            return error.issues
        } catch {
            Issue.record("unexpected error \(error)")
            return []
        }
    }

    static let valid = """
        {
          "retailers": [{
            "id": "acme",
            "name": "Acme Foods",
            "country": "ca",
            "eta_options_enabled": true,
            "order_url_template": "https://acme.example/orders/{order_id}",
            "oauth_clients": [
              { "client_id": "acme-web", "client_secret": "s3cret-value-0123456",
                "scopes": ["connect:post_checkout", "connect:fulfillment"] },
              { "client_id": "acme-ops", "client_secret": "another-secret-0123", "enabled": false }
            ],
            "stores": [{
              "location_code": "TOR-1",
              "name": "Acme Toronto",
              "address": { "address_line_1": "1 King St W", "city": "Toronto", "state": "ON", "postal_code": "m5h 1a1" },
              "county": "Toronto",
              "latitude": 43.6487, "longitude": -79.3817,
              "time_zone": "America/Toronto",
              "alcohol": true,
              "long_distance_delivery": true,
              "delivery_hours": { "default": "08:00-21:00", "sunday": "10:00-18:00", "sat": null },
              "alcohol_hours": { "monday": "11:00-20:00" },
              "immediate_five_hour": true,
              "scheduling_horizon_days": 3,
              "pickup_dwell_minutes": 8,
              "dropoff_dwell_minutes": 4,
              "max_orders_per_trip": 5,
              "max_minutes_in_vehicle": 45,
              "driver_shifts": [
                { "driver_id": "ann", "days": ["mon", "Wednesday"], "start": "09:00", "end": "17:00" },
                { "driver_id": "bo", "days": "daily", "start": "12:00", "end": "24:00" },
                { "driver_id": "cy", "start": "08:00", "end": "20:00" },
                { "driver_id": "di", "start_at": "2026-12-24T14:00:00-05:00", "end_at": "2026-12-24T20:00:00-05:00" }
              ]
            }, {
              "location_code": "TOR-2",
              "name": "Acme Pickup",
              "address": { "address_line_1": "2 Queen St", "city": "Toronto", "state": "ON", "postal_code": "M5H2N2" },
              "county": "Toronto",
              "latitude": 43.65, "longitude": -79.38,
              "time_zone": "America/Toronto",
              "active": false,
              "pickup": true,
              "pickup_only": true,
              "delivery_hours": { "default": "09:00-17:00" }
            }]
          }]
        }
        """

    @Test func validConfigParses() throws {
        let config = try parse(Self.valid)
        try #require(config.retailers.count == 1)
        let entry = config.retailers[0]
        #expect(
            entry.retailer
                == Retailer(
                    id: "acme",
                    name: "Acme Foods",
                    country: .CA,
                    etaOptionsEnabled: true,
                    handoffTimeEnabled: false,
                    orderURLTemplate: "https://acme.example/orders/{order_id}",
                    redactShopperPII: false,
                    rateLimitPerSecond: 50
                )
        )
        #expect(
            entry.clients == [
                OAuthClientConfig(clientID: "acme-web", clientSecret: "s3cret-value-0123456", scopes: [.fulfillment, .postCheckout], enabled: true),
                OAuthClientConfig(clientID: "acme-ops", clientSecret: "another-secret-0123", scopes: [.fulfillment, .postCheckout], enabled: false),
            ]
        )
        try #require(entry.stores.count == 2)
        let s = entry.stores[0]
        #expect(s.retailerID == "acme")
        #expect(s.locationCode == "TOR-1")
        #expect(s.name == "Acme Toronto")
        #expect(s.address == StoreAddress(addressLine1: "1 King St W", city: "Toronto", state: "ON", postalCode: "M5H1A1"))
        #expect(s.county == "Toronto")
        #expect(s.point == GeoPoint(latitude: 43.6487, longitude: -79.3817))
        #expect(s.timeZone == "America/Toronto")
        #expect(s.active && !s.pickup && !s.pickupOnly)
        #expect(s.alcohol && s.longDistanceDelivery && s.immediateFiveHour)
        #expect(s.schedulingHorizonDays == 3)
        #expect(s.pickupDwellMinutes == 8)
        #expect(s.dropoffDwellMinutes == 4)
        #expect(s.tripRules == TripRules(pickupDwellMinutes: 8, dropoffDwellMinutes: 4, maxOrdersPerTrip: 5, maxMinutesInVehicle: 45))
        // Unset: the contract's defaults, 3 orders a trip and 60 minutes in the vehicle.
        #expect(entry.stores[1].maxOrdersPerTrip == 3 && entry.stores[1].maxMinutesInVehicle == 60)
        #expect(s.isAvailableForLastMile)

        // Hours: each weekday its own entry, else default; null = closed. Monday first.
        let weekday = DailyHours(open: hm(8), close: hm(21))
        #expect(
            s.deliveryHours
                == WeeklyHours(days: [
                    weekday, weekday, weekday, weekday, weekday, nil,
                    DailyHours(open: hm(10), close: hm(18)),
                ])
        )
        // Alcohol hours without a default: only Monday.
        #expect(s.alcoholHours == WeeklyHours(days: [DailyHours(open: hm(11), close: hm(20)), nil, nil, nil, nil, nil, nil]))

        #expect(
            s.shifts == [
                .weekly(driverID: "ann", weekdays: [0, 2], start: hm(9), end: hm(17)),
                .weekly(driverID: "bo", weekdays: [0, 1, 2, 3, 4, 5, 6], start: hm(12), end: 1440),
                .weekly(driverID: "cy", weekdays: [0, 1, 2, 3, 4, 5, 6], start: hm(8), end: hm(20)),
                .dated(driverID: "di", start: ts("2026-12-24T19:00:00Z"), end: ts("2026-12-25T01:00:00Z")),
            ]
        )

        let pickupOnly = entry.stores[1]
        #expect(!pickupOnly.active && pickupOnly.pickup && pickupOnly.pickupOnly)
        #expect(!pickupOnly.isAvailableForLastMile)
        #expect(pickupOnly.alcoholHours == nil)
        #expect(pickupOnly.effectiveAlcoholHours == pickupOnly.deliveryHours)
        // §2.0.1 defaults.
        #expect(!pickupOnly.alcohol && !pickupOnly.longDistanceDelivery && !pickupOnly.immediateFiveHour)
        #expect(pickupOnly.schedulingHorizonDays == 7)
        #expect(pickupOnly.pickupDwellMinutes == 5)
        #expect(pickupOnly.dropoffDwellMinutes == 5)
        #expect(pickupOnly.shifts.isEmpty)
    }

    @Test func invalidConfigReportsEveryProblemWithItsPath() {
        let json = """
            {
              "retailers": [{
                "id": "acme",
                "oauth_clients": [{ "client_id": "c1", "client_secret": "short" }],
                "stores": [{
                  "location_code": "S1", "name": "One",
                  "address": { "address_line_1": "1 Main St", "city": "San Francisco", "state": "CA", "postal_code": "94105" },
                  "county": "San Francisco County", "latitude": 37.79, "longitude": -122.39,
                  "time_zone": "Mars/Olympus_Mons",
                  "delivery_hours": { "default": "08:00-21:00", "monday": "21:00-08:00" },
                  "scheduling_horizon_days": 15,
                  "max_orders_per_trip": 11,
                  "max_minutes_in_vehicle": 10,
                  "driver_shifts": [{ "driver_id": "a", "start": "09:00", "end": "08:00" }]
                }, {
                  "location_code": "S1", "name": "Two",
                  "address": { "address_line_1": "2 Main St", "city": "San Francisco", "state": "CA", "postal_code": "94105" },
                  "county": "San Francisco County", "latitude": 37.79, "longitude": -122.39,
                  "time_zone": "America/Los_Angeles"
                }]
              }, {
                "name": "No id"
              }]
            }
            """
        let found = issues(json)
        let paths = Set(found.map(\.path))
        #expect(
            paths == [
                "retailers[0].oauth_clients[0].client_secret",
                "retailers[0].stores[0].time_zone",
                "retailers[0].stores[0].delivery_hours.monday",
                "retailers[0].stores[0].scheduling_horizon_days",
                "retailers[0].stores[0].max_orders_per_trip",
                "retailers[0].stores[0].max_minutes_in_vehicle",
                "retailers[0].stores[0].driver_shifts[0].end",
                "retailers[0].stores[1].delivery_hours",
                "retailers[0].stores[1].location_code",
                "retailers[1].id",
            ]
        )
        #expect(found.count == 10)
        #expect(found.first { $0.path.hasSuffix("max_orders_per_trip") }?.message == "must be an integer from 1 to 10")
        #expect(found.allSatisfy { !$0.message.isEmpty })
        #expect(found.first { $0.path == "retailers[0].stores[0].time_zone" }?.description.hasPrefix("retailers[0].stores[0].time_zone: ") == true)
    }

    @Test func configErrorIsThrownAndDescribesEveryIssue() {
        do {
            _ = try parse(#"{"retailers": [{"id": "a b"}]}"#)
            Issue.record("expected a ConfigError")
        } catch let error as ConfigError {
            #expect(error.issues.map(\.path) == ["retailers[0].id"])
            #expect(error.description.contains("retailers[0].id"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
        #expect(throws: ConfigError.self) { try parse("[]") }
        #expect(throws: ConfigError.self) { try parse(#"{"retailers": {}}"#) }
    }

    @Test func duplicateIdentifiersAcrossRetailers() {
        let json = """
            {"retailers": [
              {"id": "r1", "oauth_clients": [{"client_id": "same", "client_secret": "1234567890abcdef"}]},
              {"id": "r1", "oauth_clients": [{"client_id": "same", "client_secret": "1234567890abcdef"}]}
            ]}
            """
        #expect(Set(issues(json).map(\.path)) == ["retailers[1].id", "retailers[1].oauth_clients[0].client_id"])
    }

    @Test func storeFieldsComeFromTheDirectoryWhenOmitted() throws {
        var dir = PostalDirectory()
        dir.insert(
            zip5: "94105",
            PostalEntry(
                city: "San Francisco",
                county: "San Francisco County",
                state: "CA",
                timeZone: "America/Los_Angeles",
                point: GeoPoint(latitude: 37.7864, longitude: -122.3892)
            )
        )
        let json = """
            {"retailers": [{"id": "r1", "stores": [{
              "location_code": "SF-001", "name": "SoMa",
              "address": {"address_line_1": "101 Spear St", "postal_code": "94105"},
              "delivery_hours": {"default": "08:00-21:00"}
            }]}]}
            """
        let store = try #require(try parse(json, directory: dir).retailers.first?.stores.first)
        #expect(store.address.city == "San Francisco")
        #expect(store.address.state == "CA")
        #expect(store.county == "San Francisco County")
        #expect(store.timeZone == "America/Los_Angeles")
        #expect(store.point == GeoPoint(latitude: 37.7864, longitude: -122.3892))
        // Without the directory the same store is missing its city, state, county, point and time zone.
        let paths = Set(issues(json).map(\.path))
        #expect(
            paths.isSuperset(of: [
                "retailers[0].stores[0].address.city", "retailers[0].stores[0].county",
                "retailers[0].stores[0].time_zone",
            ])
        )
    }

    // MARK: Hours and shift syntax

    @Test func hoursSyntax() {
        #expect(OperatorConfigParser.minutes("00:00") == 0)
        #expect(OperatorConfigParser.minutes("08:30") == 510)
        #expect(OperatorConfigParser.minutes("24:00") == 1440)
        #expect(OperatorConfigParser.minutes("24:01") == nil)
        #expect(OperatorConfigParser.minutes("8:00") == nil)
        #expect(OperatorConfigParser.minutes("12:60") == nil)
        #expect(OperatorConfigParser.interval("08:00-21:00") == DailyHours(open: 480, close: 1260))
        #expect(OperatorConfigParser.interval("00:00-24:00") == DailyHours(open: 0, close: 1440))
        #expect(OperatorConfigParser.interval("21:00-08:00") == nil)
        #expect(OperatorConfigParser.interval("08:00-08:00") == nil)
        #expect(OperatorConfigParser.interval("08:00") == nil)
        #expect(OperatorConfigParser.weekday("Mon") == 0)
        #expect(OperatorConfigParser.weekday("thursday") == 3)
        #expect(OperatorConfigParser.weekday("SUN") == 6)
        #expect(OperatorConfigParser.weekday("th") == nil)
        #expect(OperatorConfigParser.weekday("default") == nil)
    }

    @Test func badHoursAndShiftsAreReportedPerField() {
        let json = """
            {"retailers": [{"id": "r1", "stores": [{
              "location_code": "S1", "name": "One",
              "address": {"address_line_1": "1 Main St", "city": "X", "state": "CA", "postal_code": "94105"},
              "county": "X", "latitude": 1, "longitude": 2, "time_zone": "UTC",
              "delivery_hours": {"default": "8-21", "funday": "08:00-09:00", "tuesday": 5},
              "alcohol_hours": "always",
              "driver_shifts": [
                {"driver_id": "a", "days": ["mon", "someday"], "start": "09:00", "end": "17:00"},
                {"driver_id": "b", "days": "weekly", "start": "9am", "end": "24:30"},
                {"driver_id": "c", "start_at": "2026-12-24T14:00:00", "end_at": "2026-12-24T20:00:00Z"},
                {"driver_id": "d", "start_at": "2026-12-24T20:00:00Z", "end_at": "2026-12-24T14:00:00Z"}
              ]
            }]}]}
            """
        let p = "retailers[0].stores[0]"
        #expect(
            Set(issues(json).map(\.path)) == [
                "\(p).delivery_hours.default",
                "\(p).delivery_hours.funday",
                "\(p).delivery_hours.tuesday",
                "\(p).alcohol_hours",
                "\(p).driver_shifts[0].days[1]",
                "\(p).driver_shifts[1].days",
                "\(p).driver_shifts[1].start",
                "\(p).driver_shifts[1].end",
                "\(p).driver_shifts[2].start_at",
                "\(p).driver_shifts[3].end_at",
            ]
        )
    }
}
