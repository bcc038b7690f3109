import Foundation
import HTTPTypes
import Hummingbird
import LastMileBooking
import LastMileCore
import LastMileStorage

/// The integrated flow's orders (§2.6): F1/F1a create, G1 get, G2 update, G3 stage, G4 tip, G5 cancel.
/// Every order here is the path user's.
struct OrderHandlers {
    let booking: BookingService

    static func respond(_ o: OrderRecord, _ retailer: Retailer) -> Response { JSONResponse.make(OrderBody(o, retailer: retailer)) }

    /// The first supported `Accept-Language` tag (§1.9).
    static func acceptLanguage(_ input: HandlerInput) -> LocaleTag? {
        input.request.headers[.acceptLanguage].flatMap(LocaleTag.fromAcceptLanguage)
    }

    func create(_ input: HandlerInput) async throws -> Response {
        let f = try OrderRequests.readCreate(input.body, withHold: true)
        let order = try await booking.createOrder(
            f,
            userID: input.params["user_id"] ?? "",
            retailer: input.retailer,
            acceptLanguage: Self.acceptLanguage(input),
            now: input.now
        )
        return Self.respond(order, input.retailer)
    }

    /// The path's order of the path's user (§2.6.3), else 404.
    func userOrder(_ input: HandlerInput) async throws -> OrderRecord {
        try await booking.order(retailerID: input.retailer.id, orderID: input.params["order_id"] ?? "", userID: input.params["user_id"] ?? "")
    }

    func get(_ input: HandlerInput) async throws -> Response {
        Self.respond(try await userOrder(input), input.retailer)
    }

    func update(_ input: HandlerInput) async throws -> Response {
        let f = try OrderRequests.readUpdate(input.body, mode: .narrowing)
        let order = try await booking.update(try await userOrder(input), f, mode: .narrowing, now: input.now)
        return Self.respond(order, input.retailer)
    }

    /// Validation first, then the order, then the status rule.
    func stage(_ input: HandlerInput) async throws -> Response {
        let f = try OrderRequests.readStage(input.body)
        return Self.respond(try await booking.stage(try await userOrder(input), f, now: input.now), input.retailer)
    }

    func tip(_ input: HandlerInput) async throws -> Response {
        var r = FieldReader(input.body)
        let tip = r.integer("tip_amount_cents", required: true, min: 0, max: 100_000)
        guard r.errors.isEmpty, let tip else { throw ServiceError.validation(r.errors) }
        return Self.respond(try await booking.tip(try await userOrder(input), cents: tip, now: input.now), input.retailer)
    }

    func cancel(_ input: HandlerInput) async throws -> Response {
        let (_, reason) = try OrderRequests.readCancel(input.body, withUser: false)
        let order = try await booking.cancelByRetailer(try await userOrder(input), reason: reason, now: input.now)
        return Self.respond(order, input.retailer)
    }
}
