import Foundation
import LastMileBooking
import LastMileCore

extension AddressFields {
    /// Reads the members in the contract's table order: line 1, line 2, type, postal code, city, state.
    static func read(_ r: inout FieldReader, lineKey: String, includeState: Bool, line1Required: Bool = true) -> AddressFields? {
        let line1 = r.string(lineKey, required: line1Required, max: 255)
        let line2 = r.string("address_line_2", max: 255)
        let type = r.string("address_type", max: 50)
        let postal = r.formatted("postal_code", required: true, message: "is not a valid postal code", FieldRules.normalizePostalCode)
        let city = r.string("city", max: 100)
        let state = includeState ? r.string("state", max: 50) : nil
        guard let line1, let postal else { return nil }
        return AddressFields(line1: line1, line2: line2, type: type, postalCode: postal, city: city, state: state)
    }
}

struct FlagsBody: Encodable, Sendable {
    var long_distance_delivery: Bool
}
