import Foundation
import HTTPTypes
import Hummingbird
import LastMileBooking
import LastMileCore
import LastMileStorage

/// The single-call (dispatch) flow's orders by `order_id` alone (§2.7): H2 create, H3 get, H4 update,
/// H5 stage, H6 cancel, and I1 (§2.8.1).
struct DispatchHandlers {
    let booking: BookingService

    func create(_ input: HandlerInput) async throws -> Response {
        let (f, choice, userID) = try OrderRequests.readDispatchCreate(input.body)
        let order = try await booking.createDispatchOrder(
            f,
            choice: choice,
            userID: userID,
            retailer: input.retailer,
            acceptLanguage: OrderHandlers.acceptLanguage(input),
            now: input.now
        )
        return OrderHandlers.respond(order, input.retailer)
    }

    func order(_ input: HandlerInput, userID: String? = nil) async throws -> OrderRecord {
        try await booking.order(retailerID: input.retailer.id, orderID: input.params["order_id"] ?? "", userID: userID)
    }

    func get(_ input: HandlerInput) async throws -> Response {
        let userID = input.request.uri.queryParameters["user_id"].map { String($0) }.flatMap { $0.isEmpty ? nil : $0 }
        return OrderHandlers.respond(try await order(input, userID: userID), input.retailer)
    }

    func update(_ input: HandlerInput) async throws -> Response {
        let f = try OrderRequests.readUpdate(input.body, mode: .desiredWindow)
        let order = try await booking.update(try await order(input), f, mode: .desiredWindow, now: input.now)
        return OrderHandlers.respond(order, input.retailer)
    }

    func stage(_ input: HandlerInput) async throws -> Response {
        let f = try OrderRequests.readStage(input.body)
        return OrderHandlers.respond(try await booking.stage(try await order(input), f, now: input.now), input.retailer)
    }

    func cancel(_ input: HandlerInput) async throws -> Response {
        let (userID, reason) = try OrderRequests.readCancel(input.body, withUser: true)
        let canceled = try await booking.cancelByRetailer(try await order(input, userID: userID), reason: reason, now: input.now)
        return OrderHandlers.respond(canceled, input.retailer)
    }

    struct LocationBody: Encodable {
        struct Coordinates: Encodable {
            var latitude: Double
            var longitude: Double
        }
        var coordinates: Coordinates?
    }

    /// I1: the driver's position while `delivering`, else `{}`; 403 for a retailer that redacts shopper PII.
    func driverLocation(_ input: HandlerInput) async throws -> Response {
        let o = try await order(input)
        if input.retailer.redactShopperPII { throw ServiceError(.forbidden, "Shopper PII", code: nil) }
        let point = try await booking.driverPosition(o)
        return JSONResponse.make(LocationBody(coordinates: point.map { .init(latitude: $0.latitude, longitude: $0.longitude) }))
    }
}
