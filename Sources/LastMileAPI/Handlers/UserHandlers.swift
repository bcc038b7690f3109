import Foundation
import HTTPTypes
import Hummingbird
import LastMileCore
import LastMileStorage

/// B1, B2, B3 (§2.2).
struct UserHandlers {
    let service: LastMileService
    let locator: AddressLocator

    /// B1: create a user, idempotent on `user_id`.
    func create(_ input: HandlerInput) async throws -> Response {
        var r = FieldReader(input.body)
        let userID = r.string("user_id", required: true)
        if let userID, !FieldRules.isValidIdentifier(userID) { r.fail("user_id", FieldRules.identifierError(userID)!) }
        let profile = ProfileFields.read(&r, firstNameRequired: true)
        guard r.errors.isEmpty, let userID else { throw ServiceError.validation(r.errors) }

        var user = UserRecord(retailerID: input.retailer.id, userID: userID, createdAt: Timestamp.floorToSecond(input.now))
        profile.apply(to: &user)
        let (stored, created) = try await service.storage.insertUserIfAbsent(user)
        if !created && !profile.matches(stored) {
            throw ServiceError(.conflict, "A user with this user_id already exists with different parameters.", code: 4001, key: "user_id")
        }
        return JSONResponse.make(UserBody(stored))
    }

    /// B3: update the profile fields present in the body.
    func update(_ input: HandlerInput) async throws -> Response {
        var r = FieldReader(input.body)
        let profile = ProfileFields.read(&r, firstNameRequired: false)
        guard r.errors.isEmpty else { throw ServiceError.validation(r.errors) }
        var user = try await locator.requireUser(retailerID: input.retailer.id, userID: input.params["user_id"] ?? "")
        if profile != ProfileFields() {
            profile.apply(to: &user)
            try await service.storage.saveUser(user)
        }
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
        let profile = ProfileFields.read(&r, firstNameRequired: false)
        guard r.errors.isEmpty, let address else { throw ServiceError.validation(r.errors) }

        let retailerID = input.retailer.id
        var requested: Store?
        if let locationCode {
            guard let s = try await service.storage.store(retailerID: retailerID, locationCode: locationCode), s.isAvailableForLastMile
            else { throw ServiceError.storeNotAvailable }
            requested = s
        }
        let located = locator.locate(address)
        let stores = try await locator.lastMileStores(retailerID: retailerID)
        let outcome = AddressClassifier.classify(point: located?.point, lines: [address.line1, address.line2], stores: stores,
                                                 requested: requested, estimator: service.estimator)

        var user = try await service.storage.user(retailerID: retailerID, userID: userID)
            ?? UserRecord(retailerID: retailerID, userID: userID, createdAt: Timestamp.floorToSecond(input.now))
        profile.apply(to: &user)
        let city = address.city ?? located?.city
        let state = address.state ?? located?.state
        var longDistance = false
        if case .deliverable(_, let ld) = outcome {
            longDistance = ld
            user.address = UserAddress(addressLine1: address.line1, addressLine2: address.line2, addressType: address.type,
                                       postalCode: address.postalCode, city: city, state: state)
        }
        try await service.storage.saveUser(user)
        return JSONResponse.make(AddressValidationBody(
            user_id: userID, address_line_1: address.line1, address_line_2: address.line2, address_type: address.type,
            postal_code: address.postalCode, city: city, state: state, valid: outcome.message == nil, reason: outcome.message,
            flags: FlagsBody(long_distance_delivery: longDistance)))
    }
}
