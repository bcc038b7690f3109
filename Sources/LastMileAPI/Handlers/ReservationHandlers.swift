import Foundation
import HTTPTypes
import Hummingbird
import LastMileCore
import LastMileStorage

/// E1 and E2 (§2.5): 10-minute holds, one per user, counted as capacity commitments.
struct ReservationHandlers {
    let service: LastMileService
    let locator: AddressLocator
    let capacity: CapacityService

    struct HoldBody: Encodable {
        struct Hold: Encodable {
            var id: Int64
            var expires_at: String
            var service_option: ServiceOptionBody
        }
        var service_option_hold: Hold
    }

    /// A numeric path parameter: a decimal integer in 1…Int64.max (§1.7).
    static func pathID(_ text: String?) -> Int64? {
        guard let text, !text.isEmpty, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let v = Int64(text), v > 0 else { return nil }
        return v
    }

    func requireUser(_ input: HandlerInput) async throws -> String {
        try await locator.requireUser(retailerID: input.retailer.id, userID: input.params["user_id"] ?? "").userID
    }

    /// E1.
    func reserveByID(_ input: HandlerInput) async throws -> Response {
        guard let id = Self.pathID(input.params["service_option_id"]) else {
            throw ServiceError.badRequest("must be an integer", key: "service_option_id")
        }
        let userID = try await requireUser(input)
        guard let option = try await service.storage.serviceOption(id: id), option.retailerID == input.retailer.id, option.userID == userID
        else { throw ServiceError.notFound }
        return try await reserve(option, key: "service_option_id", input)
    }

    /// E2.
    func reserveByReference(_ input: HandlerInput) async throws -> Response {
        var r = FieldReader(input.body)
        let reference = r.string("service_option_reference", required: true, max: 2048)
        guard r.errors.isEmpty, let reference else { throw ServiceError.validation(r.errors) }
        let userID = try await requireUser(input)
        let notFound = ServiceError.badRequest("Service option not found", key: "service_option_reference")
        guard let decoded = ServiceOptionReference.decode(reference),
              let option = try await service.storage.serviceOption(id: decoded.id),
              option.retailerID == input.retailer.id, option.userID == userID,
              decoded.json == option.reference.json
        else { throw notFound }
        return try await reserve(option, key: "service_option_reference", input)
    }

    func reserve(_ option: StoredServiceOption, key: String, _ input: HandlerInput) async throws -> Response {
        let request = ReserveRequest(option: option, now: input.now)
        let check: @Sendable ([Commitment]) -> Bool
        if let store = try await service.storage.store(retailerID: option.retailerID, locationCode: option.locationCode),
           store.isAvailableForLastMile {
            check = capacity.fits(store: store, now: input.now, window: request.window, travelMinutes: option.travelMinutes)
        } else {
            check = { _ in false } // the store was deactivated since the listing
        }
        switch try await service.storage.reserve(request, check: check) {
        case .held(let hold):
            return JSONResponse.make(HoldBody(service_option_hold: .init(
                id: hold.id, expires_at: Timestamp.format(hold.expiresAt), service_option: ServiceOptionBody(option))))
        case .expired:
            throw ServiceError.badRequest("Service option has expired. Please retrieve service options again.", key: key)
        case .notAvailable:
            throw ServiceError.badRequest("Service option is not available.", key: key)
        case .full:
            throw ServiceError.badRequest("The selected time slot is no longer available. Please choose another time slot.", key: key)
        }
    }
}
