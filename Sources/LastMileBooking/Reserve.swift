import Foundation
import LastMileCore
import LastMileStorage

/// A new hold and the option it reserves (E1, E2).
public struct Reservation: Sendable {
    public var hold: HoldRecord
    public var option: StoredServiceOption
}

extension BookingService {
    /// E1: a user's listed option by id; another user's or retailer's option is not found (404).
    public func reserve(optionID: Int64, userID: String, retailer: Retailer, now: Date) async throws -> Reservation {
        try locator.requireValidUserID(userID)
        let reads = try await storage.reservationReads(retailerID: retailer.id, userID: userID, optionID: optionID)
        guard reads.user != nil else { throw ServiceError.userNotFound }
        guard let option = reads.option, option.retailerID == retailer.id, option.userID == userID else { throw ServiceError.notFound }
        return try await reserve(option, store: reads.store, key: "service_option_id", now: now)
    }

    /// E2: a user's listed option by its reference, which must match the stored option exactly.
    public func reserve(reference: String, userID: String, retailer: Retailer, now: Date) async throws -> Reservation {
        let key = "service_option_reference"
        guard let decoded = ServiceOptionReference.decode(reference) else {
            _ = try await locator.requireUser(retailerID: retailer.id, userID: userID)  // an unknown user is reported first
            throw BookingError.optionNotFound(key: key)
        }
        try locator.requireValidUserID(userID)
        let reads = try await storage.reservationReads(retailerID: retailer.id, userID: userID, optionID: decoded.id)
        guard reads.user != nil else { throw ServiceError.userNotFound }
        guard let option = reads.option, option.retailerID == retailer.id, option.userID == userID, decoded.json == option.reference.json
        else { throw BookingError.optionNotFound(key: key) }
        return try await reserve(option, store: reads.store, key: key, now: now)
    }

    /// A 10-minute hold (§2.0.8), replacing the user's previous one, if capacity still fits; decided in the
    /// engine's transaction under the store's lock. `store` is the option's store as read with it.
    func reserve(_ option: StoredServiceOption, store: Store?, key: String, now: Date) async throws -> Reservation {
        let request = ReserveRequest(option: option, now: now)
        let check: @Sendable ([Commitment]) -> Bool
        if let store, store.isAvailableForLastMile {
            check = capacity.fits(
                store: store,
                now: now,
                window: request.window,
                destination: option.destination,
                travelMinutes: option.travelMinutes
            )
        } else {
            check = { _ in false }  // the store was deactivated since the listing
        }
        switch try await storage.reserve(request, check: check) {
        case .held(let hold): return Reservation(hold: hold, option: option)
        case .expired: throw BookingError.optionExpired(key: key)
        case .notAvailable: throw BookingError.optionNotAvailable(key: key)
        case .full: throw BookingError.slotGone(key: key)
        }
    }
}
