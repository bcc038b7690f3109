import Foundation
import HTTPTypes
import Hummingbird
import LastMileBooking
import LastMileCore
import LastMileStorage

/// E1 and E2 (§2.5): 10-minute holds, one per user, counted as capacity commitments.
struct ReservationHandlers {
    let booking: BookingService

    struct HoldBody: Encodable {
        struct Hold: Encodable {
            var id: Int64
            var expires_at: String
            var service_option: ServiceOptionBody
        }
        var service_option_hold: Hold

        init(_ r: Reservation) {
            service_option_hold = Hold(
                id: r.hold.id,
                expires_at: Timestamp.format(r.hold.expiresAt),
                service_option: ServiceOptionBody(r.option)
            )
        }
    }

    /// A numeric path parameter: a decimal integer in 1…Int64.max (§1.7).
    static func pathID(_ text: String?) -> Int64? {
        guard let text, !text.isEmpty, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let v = Int64(text), v > 0 else { return nil }
        return v
    }

    /// E1.
    func reserveByID(_ input: HandlerInput) async throws -> Response {
        guard let id = Self.pathID(input.params["service_option_id"]) else {
            throw ServiceError.badRequest("must be an integer", key: "service_option_id")
        }
        let reservation = try await booking.reserve(
            optionID: id,
            userID: input.params["user_id"] ?? "",
            retailer: input.retailer,
            now: input.now
        )
        return JSONResponse.make(HoldBody(reservation))
    }

    /// E2.
    func reserveByReference(_ input: HandlerInput) async throws -> Response {
        var r = FieldReader(input.body)
        let reference = r.string("service_option_reference", required: true, max: 2048)
        guard r.errors.isEmpty, let reference else { throw ServiceError.validation(r.errors) }
        let reservation = try await booking.reserve(
            reference: reference,
            userID: input.params["user_id"] ?? "",
            retailer: input.retailer,
            now: input.now
        )
        return JSONResponse.make(HoldBody(reservation))
    }
}
