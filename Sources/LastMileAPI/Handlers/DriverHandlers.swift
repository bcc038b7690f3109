import Foundation
import Hummingbird
import LastMileBooking
import LastMileCore
import LastMileFleet
import LastMileStorage

/// The driver API (a project addition, not part of the Instacart contract): a driver app, signed in with
/// the driver's own client credentials (scope `lastmile:driver`), sees offers, accepts one and reports
/// each step. Every step goes through `OrderProgression`, so callbacks are those of §2.0.9.
struct DriverHandlers {
    let workflow: DriverWorkflow

    func driverID(_ input: HandlerInput) -> String { input.caller?.clientID ?? "" }

    func offers(_ input: HandlerInput) async throws -> Response {
        let open = try await workflow.offers(retailerID: input.retailer.id)
        return JSONResponse.make(["offers": open.map { DriverOrderBody($0.order, store: $0.store) }])
    }

    func assigned(_ input: HandlerInput) async throws -> Response {
        let mine = try await workflow.assigned(retailerID: input.retailer.id, driverID: driverID(input))
        return JSONResponse.make(["orders": mine.map { DriverOrderBody($0.order, store: $0.store) }])
    }

    func accept(_ input: HandlerInput) async throws -> Response {
        var r = FieldReader(input.body)
        let toStore = r.integer("minutes_to_store", min: 0, max: 600)
        guard r.errors.isEmpty else { throw ServiceError.validation(r.errors) }
        return try await act(.accept(minutesToStore: Int(toStore ?? 0)), input)
    }

    /// The driver's planned multi-stop trips (§2.0.5), stops in order.
    func trips(_ input: HandlerInput) async throws -> Response {
        let trips = try await workflow.trips(retailerID: input.retailer.id, driverID: driverID(input), now: input.now)
        return JSONResponse.make(["trips": trips.map(DriverTripBody.init)])
    }

    /// Takes a planned trip as a whole: its staged orders, in order.
    func acceptTrip(_ input: HandlerInput) async throws -> Response {
        var r = FieldReader(input.body)
        let toStore = r.integer("minutes_to_store", min: 0, max: 600)
        guard r.errors.isEmpty else { throw ServiceError.validation(r.errors) }
        let taken = try await workflow.acceptTrip(
            id: input.params["trip_id"] ?? "",
            retailerID: input.retailer.id,
            driverID: driverID(input),
            minutesToStore: Int(toStore ?? 0),
            now: input.now
        )
        let stores = Dictionary(
            try await workflow.storage.stores(retailerID: input.retailer.id).map { ($0.locationCode, $0) },
            uniquingKeysWith: { a, _ in a }
        )
        return JSONResponse.make(["orders": taken.map { DriverOrderBody($0, store: stores[$0.locationCode]) }])
    }

    func arrivedAtStore(_ input: HandlerInput) async throws -> Response { try await act(.arriveAtStore, input) }
    func bagsVerified(_ input: HandlerInput) async throws -> Response { try await act(.verifyBags, input) }
    func departed(_ input: HandlerInput) async throws -> Response { try await act(.depart, input) }

    func location(_ input: HandlerInput) async throws -> Response {
        var r = FieldReader(input.body)
        let lat = r.number("latitude", required: true, min: -90, max: 90)
        let lon = r.number("longitude", required: true, min: -180, max: 180)
        let recorded = r.timestamp("recorded_at")
        guard r.errors.isEmpty, let lat, let lon else { throw ServiceError.validation(r.errors) }
        return try await act(.location(GeoPoint(latitude: lat, longitude: lon), recordedAt: recorded), input)
    }

    func arrivedAtCustomer(_ input: HandlerInput) async throws -> Response { try await act(.arriveAtCustomer, input) }
    func customerMissing(_ input: HandlerInput) async throws -> Response { try await act(.customerMissing, input) }
    func delivered(_ input: HandlerInput) async throws -> Response { try await act(.deliver, input) }

    func act(_ step: DriverWorkflow.Step, _ input: HandlerInput) async throws -> Response {
        let (order, store) = try await workflow.perform(
            step,
            orderID: input.params["order_id"] ?? "",
            retailerID: input.retailer.id,
            driverID: driverID(input),
            now: input.now
        )
        return JSONResponse.make(DriverOrderBody(order, store: store))
    }
}

/// A planned trip as its driver sees it: when to be at the store, the stops in order (orders only; holds
/// are counted as tentative stops), when the driver is back.
struct DriverTripBody: Encodable {
    struct Stop: Encodable {
        var order_id: String
        var status: String
        var delivery_window: DriverOrderBody.Window
        var planned_arrival: String
        var planned_handoff: String
        var address_line_1: String
        var postal_code: String
        var destination: DriverOrderBody.Point
    }
    var trip_id: String
    var store_location: String
    var pickup_at: String
    var departs_at: String
    var returns_at: String
    var stops: [Stop]
    var tentative_stops: Int

    init(_ planned: DriverWorkflow.PlannedTrip) {
        let trip = planned.trip
        trip_id = planned.id
        store_location = planned.store.locationCode
        pickup_at = Timestamp.format(trip.t0)
        departs_at = Timestamp.format(trip.departure)
        returns_at = Timestamp.format(trip.returnAt)
        var stops: [Stop] = []
        for (i, stop) in trip.stops.enumerated() {
            guard let o = planned.orders[stop.id] else { continue }
            stops.append(
                Stop(
                    order_id: o.orderID,
                    status: o.status.rawValue,
                    delivery_window: .init(starts_at: Timestamp.format(o.windowStart), ends_at: Timestamp.format(o.windowEnd)),
                    planned_arrival: Timestamp.format(trip.arrivals[i]),
                    planned_handoff: Timestamp.format(trip.handoffs[i]),
                    address_line_1: o.address.addressLine1,
                    postal_code: o.address.postalCode,
                    destination: .init(latitude: o.destination.latitude, longitude: o.destination.longitude)
                )
            )
        }
        self.stops = stops
        tentative_stops = trip.stops.count - stops.count
    }
}

struct DriverOrderBody: Encodable {
    struct Window: Encodable {
        var starts_at: String
        var ends_at: String
    }
    struct Point: Encodable {
        var latitude: Double
        var longitude: Double
    }
    struct Plan: Encodable {
        var at_store: String
        var departure: String
        var arrival: String
    }
    var order_id: String
    var status: String
    var store_location: String
    var store_name: String?
    var store_coordinates: Point?
    var delivery_window: Window
    var customer_first_name: String
    var address_line_1: String
    var address_line_2: String?
    var postal_code: String
    var destination: Point
    var bags_count: Int64?
    var bag_label: String?
    var bag_scan_codes: [String]
    var alcoholic: Bool
    var leave_unattended: Bool
    var special_instructions: String?
    var plan: Plan?

    init(_ o: OrderRecord, store: Store?) {
        order_id = o.orderID
        status = o.status.rawValue
        store_location = o.locationCode
        store_name = store?.name
        store_coordinates = store.map { Point(latitude: $0.point.latitude, longitude: $0.point.longitude) }
        delivery_window = Window(starts_at: Timestamp.format(o.windowStart), ends_at: Timestamp.format(o.windowEnd))
        customer_first_name = o.firstName
        address_line_1 = o.address.addressLine1
        address_line_2 = o.address.addressLine2
        postal_code = o.address.postalCode
        destination = Point(latitude: o.destination.latitude, longitude: o.destination.longitude)
        bags_count = o.bagsCount
        bag_label = o.bagLabel
        bag_scan_codes = o.bagScanCodes
        alcoholic = o.alcoholic
        leave_unattended = o.leaveUnattended
        special_instructions = o.specialInstructions
        plan = o.plan.map {
            Plan(at_store: Timestamp.format($0.atStore), departure: Timestamp.format($0.departure), arrival: Timestamp.format($0.arrival))
        }
    }
}
