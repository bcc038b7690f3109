import Foundation
import LastMileCore
import LastMileStorage

/// The profile fields shared by B1, B2 and B3 (§1.8, §1.9); nil = absent from the request.
public struct UserProfile: Equatable, Sendable {
    public var firstName: String?
    public var lastName: String?
    public var phoneNumber: String?
    public var email: String?
    public var locale: LocaleTag?

    public init() {}

    /// Applies the present fields to a user (absent fields keep their values).
    public func apply(to u: inout UserRecord) {
        if let firstName { u.firstName = firstName }
        if let lastName { u.lastName = lastName }
        if let phoneNumber { u.phoneNumber = phoneNumber }
        if let email { u.email = email }
        if let locale { u.locale = locale }
    }

    /// Whether every present field equals the stored value (B1 idempotency).
    public func matches(_ u: UserRecord) -> Bool {
        (firstName == nil || firstName == u.firstName) && (lastName == nil || lastName == u.lastName)
            && (phoneNumber == nil || phoneNumber == u.phoneNumber) && (email == nil || email == u.email)
            && (locale == nil || locale == u.locale)
    }
}

/// B2's answer: the address as understood, and whether the retailer can deliver to it.
public struct AddressValidation: Sendable {
    /// The address's city and state: as sent, else the directory's.
    public var city: String?
    public var state: String?
    /// Why it is not deliverable (§2.0.2), nil when it is.
    public var reason: String?
    public var longDistance: Bool
}

extension BookingService {
    /// B1: a new user, idempotent on `user_id` (a repeat with other profile values is a conflict).
    public func createUser(retailerID: String, userID: String, profile: UserProfile, now: Date) async throws -> UserRecord {
        var user = UserRecord(retailerID: retailerID, userID: userID, createdAt: Timestamp.floorToSecond(now))
        profile.apply(to: &user)
        let (stored, created) = try await storage.insertUserIfAbsent(user)
        if !created && !profile.matches(stored) { throw BookingError.userConflict }
        return stored
    }

    /// B3: the profile fields present are changed.
    public func updateUser(retailerID: String, userID: String, profile: UserProfile) async throws -> UserRecord {
        var user = try await locator.requireUser(retailerID: retailerID, userID: userID)
        if profile != UserProfile() {
            profile.apply(to: &user)
            try await storage.saveUser(user)
        }
        return user
    }

    /// B2 (§2.2.3): creates or updates the user, classifies the address, and keeps it on the user when it is
    /// deliverable.
    public func validateAddress(
        retailerID: String,
        userID: String,
        address: AddressFields,
        locationCode: String?,
        profile: UserProfile,
        now: Date
    ) async throws -> AddressValidation {
        var requested: Store?
        if let locationCode { requested = try await requireStore(retailerID: retailerID, locationCode: locationCode) }
        let located = locator.locate(address)
        let outcome = AddressClassifier.classify(
            point: located?.point,
            lines: [address.line1, address.line2],
            stores: try await locator.lastMileStores(retailerID: retailerID),
            requested: requested,
            estimator: estimator
        )
        var user =
            try await storage.user(retailerID: retailerID, userID: userID)
            ?? UserRecord(retailerID: retailerID, userID: userID, createdAt: Timestamp.floorToSecond(now))
        profile.apply(to: &user)
        let city = address.city ?? located?.city
        let state = address.state ?? located?.state
        var longDistance = false
        if case .deliverable(_, let ld) = outcome {
            longDistance = ld
            user.address = UserAddress(
                addressLine1: address.line1,
                addressLine2: address.line2,
                addressType: address.type,
                postalCode: address.postalCode,
                city: city,
                state: state
            )
        }
        try await storage.saveUser(user)
        return AddressValidation(city: city, state: state, reason: outcome.message, longDistance: longDistance)
    }
}
