import Foundation
import Hummingbird
import LastMileCore
import LastMileFleet
import LastMileStorage

/// The driver API (a project addition, not part of the Instacart contract): a driver app, signed in with
/// the driver's own client credentials (scope `lastmile:driver`), sees offers, accepts one and reports
/// each step. Every step goes through `OrderProgression`, so callbacks are those of §2.0.9.
struct DriverHandlers {
    let service: LastMileService
    var progression: OrderProgression { OrderProgression(storage: service.storage) }

    var driverID: (HandlerInput) -> String { { $0.caller?.clientID ?? "" } }

    /// Staged orders of the driver's retailer that no driver has accepted yet, earliest window first.
    func offers(_ input: HandlerInput) async throws -> Response {
        let staged = try await service.storage.allOrders(OrderQuery(statuses: [.staged], retailerID: input.retailer.id, driver: .none))
        let open = staged.filter { $0.batchID == nil }
            .sorted { ($0.windowEnd, $0.id) < ($1.windowEnd, $1.id) }
        return JSONResponse.make(["offers": try await bodies(open, retailerID: input.retailer.id)])
    }

    /// The driver's accepted orders that are not delivered yet.
    func assigned(_ input: HandlerInput) async throws -> Response {
        let me = driverID(input)
        let mine = try await service.storage.allOrders(OrderQuery(statuses: OrderRecord.inFulfillment, retailerID: input.retailer.id,
                                                                  driver: .is_(me)))
        return JSONResponse.make(["orders": try await bodies(mine, retailerID: input.retailer.id)])
    }

    func accept(_ input: HandlerInput) async throws -> Response {
        var r = FieldReader(input.body)
        let toStore = r.integer("minutes_to_store", min: 0, max: 600)
        guard r.errors.isEmpty else { throw ServiceError.validation(r.errors) }
        return try await act(input, mine: false) { o, store in
            let plan = TripPlan.plan(acceptedAt: input.now, windowStart: o.windowStart, travelMinutes: o.travelMinutes,
                                     pickupDwellMinutes: store.pickupDwellMinutes, dropoffDwellMinutes: store.dropoffDwellMinutes,
                                     toStoreMinutes: Int(toStore ?? 0))
            return try await progression.accept(o, driverID: driverID(input), plan: plan, now: input.now)
        }
    }

    func arrivedAtStore(_ input: HandlerInput) async throws -> Response {
        try await act(input) { o, _ in try await progression.arriveAtStore(o, now: input.now) }
    }

    func bagsVerified(_ input: HandlerInput) async throws -> Response {
        try await act(input) { o, _ in try await progression.verifyBags(o, now: input.now) }
    }

    func departed(_ input: HandlerInput) async throws -> Response {
        try await act(input) { o, store in
            let eta = input.now.addingTimeInterval(Double(o.travelMinutes) * 60)
            return try await progression.depart(o, store: store.point, eta: eta, now: input.now)
        }
    }

    /// A position report; the arrival estimate is recomputed from it (straight line at the estimator's
    /// speed), and `late_delivery` is sent when it passes the window end.
    func location(_ input: HandlerInput) async throws -> Response {
        var r = FieldReader(input.body)
        let lat = r.number("latitude", required: true, min: -90, max: 90)
        let lon = r.number("longitude", required: true, min: -180, max: 180)
        let recorded = r.timestamp("recorded_at")
        guard r.errors.isEmpty, let lat, let lon else { throw ServiceError.validation(r.errors) }
        return try await act(input) { o, _ in
            let point = GeoPoint(latitude: lat, longitude: lon)
            let minutes = service.estimator.estimatedMinutes(from: point, to: o.destination)
            let estimate = input.now.addingTimeInterval(Double(minutes) * 60)
            return try await progression.reportLocation(o, point, recordedAt: recorded ?? input.now, estimate: estimate, now: input.now)
        }
    }

    func arrivedAtCustomer(_ input: HandlerInput) async throws -> Response {
        try await act(input) { o, _ in try await progression.arriveAtCustomer(o, now: input.now) }
    }

    func customerMissing(_ input: HandlerInput) async throws -> Response {
        try await act(input) { o, _ in try await progression.customerMissing(o, now: input.now) }
    }

    func delivered(_ input: HandlerInput) async throws -> Response {
        try await act(input) { o, _ in try await progression.deliver(o, now: input.now) }
    }

    /// Loads the order (the driver's own unless accepting), applies `change`, retrying once on a lost race.
    func act(_ input: HandlerInput, mine: Bool = true,
             _ change: (OrderRecord, Store) async throws -> OrderRecord) async throws -> Response {
        let orderID = input.params["order_id"] ?? ""
        for _ in 0..<3 {
            guard FieldRules.isValidIdentifier(orderID), let o = try await service.storage.order(retailerID: input.retailer.id, orderID: orderID),
                  !mine || o.driverID == driverID(input) else { throw ServiceError.notFound }
            if !mine, o.driverID != nil || o.batchID != nil {
                throw ServiceError.state("Order has already been accepted by another driver")
            }
            guard let store = try await service.storage.store(retailerID: o.retailerID, locationCode: o.locationCode) else { throw ServiceError.notFound }
            do {
                return JSONResponse.make(DriverOrderBody(try await change(o, store), store: store))
            } catch OrderProgression.Failure.notAllowed(let status) {
                throw ServiceError.state("Not allowed while the order is \(status.rawValue)")
            } catch OrderProgression.Failure.lostRace {
                continue // re-read and decide again
            }
        }
        throw ServiceError(.conflict, "The order changed while the step was applied; read it again.", code: 4001)
    }

    /// The driver's view of orders, with the retailer's stores read once.
    func bodies(_ orders: [OrderRecord], retailerID: String) async throws -> [DriverOrderBody] {
        let stores = Dictionary(try await service.storage.stores(retailerID: retailerID).map { ($0.locationCode, $0) }, uniquingKeysWith: { a, _ in a })
        return orders.map { DriverOrderBody($0, store: stores[$0.locationCode]) }
    }
}

struct DriverOrderBody: Encodable {
    struct Window: Encodable { var starts_at: String; var ends_at: String }
    struct Point: Encodable { var latitude: Double; var longitude: Double }
    struct Plan: Encodable { var at_store: String; var departure: String; var arrival: String }
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
        order_id = o.orderID; status = o.status.rawValue; store_location = o.locationCode; store_name = store?.name
        store_coordinates = store.map { Point(latitude: $0.point.latitude, longitude: $0.point.longitude) }
        delivery_window = Window(starts_at: Timestamp.format(o.windowStart), ends_at: Timestamp.format(o.windowEnd))
        customer_first_name = o.firstName; address_line_1 = o.address.addressLine1; address_line_2 = o.address.addressLine2
        postal_code = o.address.postalCode; destination = Point(latitude: o.destination.latitude, longitude: o.destination.longitude)
        bags_count = o.bagsCount; bag_label = o.bagLabel; bag_scan_codes = o.bagScanCodes; alcoholic = o.alcoholic
        leave_unattended = o.leaveUnattended; special_instructions = o.specialInstructions
        plan = o.plan.map { Plan(at_store: Timestamp.format($0.atStore), departure: Timestamp.format($0.departure), arrival: Timestamp.format($0.arrival)) }
    }
}
