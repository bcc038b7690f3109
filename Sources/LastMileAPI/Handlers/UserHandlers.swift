import Foundation
import HTTPTypes
import Hummingbird
import LastMileBooking
import LastMileCore
import LastMileStorage

/// B1, B2, B3 (§2.2).
struct UserHandlers {
    let booking: BookingService

    /// B1: create a user, idempotent on `user_id`.
    func create(_ input: HandlerInput) async throws -> Response {
        var r = FieldReader(input.body)
        let userID = r.string("user_id", required: true)
        if let userID, !FieldRules.isValidIdentifier(userID) { r.fail("user_id", FieldRules.identifierError(userID)!) }
        let profile = UserProfile.read(&r, firstNameRequired: true)
        guard r.errors.isEmpty, let userID else { throw ServiceError.validation(r.errors) }
        let user = try await booking.createUser(retailerID: input.retailer.id, userID: userID, profile: profile, now: input.now)
        return JSONResponse.make(UserBody(user))
    }

    /// B3: update the profile fields present in the body.
    func update(_ input: HandlerInput) async throws -> Response {
        var r = FieldReader(input.body)
        let profile = UserProfile.read(&r, firstNameRequired: false)
        guard r.errors.isEmpty else { throw ServiceError.validation(r.errors) }
        let user = try await booking.updateUser(retailerID: input.retailer.id, userID: input.params["user_id"] ?? "", profile: profile)
        return JSONResponse.make(UserBody(user))
    }

    struct AddressValidationBody: Encodable {
        var user_id: String
        var address_line_1: String
        @Nullable var address_line_2: String?
        @Nullable var address_type: String?
        var postal_code: String
        @Nullable var city: String?
        @Nullable var state: String?
        var valid: Bool
        @Nullable var reason: String?
        var flags: FlagsBody
    }

    /// B2: create or update the user, then classify the address (§2.2.3).
    func validateAddress(_ input: HandlerInput) async throws -> Response {
        var r = FieldReader(input.body)
        let userID = input.params["user_id"] ?? ""
        if FieldRules.identifierError(userID) != nil { r.failAtPath("user_id", "is invalid") }
        let address = AddressFields.read(&r, lineKey: "address_line_1", includeState: true)
        let locationCode = r.string("location_code")
        let profile = UserProfile.read(&r, firstNameRequired: false)
        guard r.errors.isEmpty, let address else { throw ServiceError.validation(r.errors) }
        let v = try await booking.validateAddress(
            retailerID: input.retailer.id,
            userID: userID,
            address: address,
            locationCode: locationCode,
            profile: profile,
            now: input.now
        )
        return JSONResponse.make(
            AddressValidationBody(
                user_id: userID,
                address_line_1: address.line1,
                address_line_2: address.line2,
                address_type: address.type,
                postal_code: address.postalCode,
                city: v.city,
                state: v.state,
                valid: v.reason == nil,
                reason: v.reason,
                flags: FlagsBody(long_distance_delivery: v.longDistance)
            )
        )
    }
}
