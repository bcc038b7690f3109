import Foundation
import LastMileBooking
import LastMileCore
import LastMileStorage

/// §2.2.1 User.
struct UserBody: Encodable {
    var user_id: String
    @Nullable var first_name: String?
    @Nullable var last_name: String?
    @Nullable var phone_number: String?
    @Nullable var email: String?
    @Nullable var locale: String?
    @Nullable var address: UserAddressBody?
    var created_at: String

    init(_ u: UserRecord) {
        user_id = u.userID
        first_name = u.firstName
        last_name = u.lastName
        phone_number = u.phoneNumber
        email = u.email
        locale = u.locale?.rawValue
        address = u.address.map(UserAddressBody.init)
        created_at = Timestamp.format(u.createdAt)
    }
}

struct UserAddressBody: Encodable, Sendable {
    var address_line_1: String
    @Nullable var address_line_2: String?
    @Nullable var address_type: String?
    var postal_code: String
    @Nullable var city: String?
    @Nullable var state: String?

    init(_ a: UserAddress) {
        address_line_1 = a.addressLine1
        address_line_2 = a.addressLine2
        address_type = a.addressType
        postal_code = a.postalCode
        city = a.city
        state = a.state
    }
}

/// Reads the profile fields shared by B1, B2 and B3 (§1.8, §1.9) in request-table order.
extension UserProfile {
    static func read(_ r: inout FieldReader, firstNameRequired: Bool) -> UserProfile {
        var p = UserProfile()
        p.firstName = readName(&r, "first_name", required: firstNameRequired, message: "Invalid first name")
        p.lastName = readName(&r, "last_name", required: false, message: "Invalid last name")
        p.phoneNumber = r.formatted("phone_number", message: "must be a valid E.164 phone number") {
            FieldRules.isValidPhone($0) ? $0 : nil
        }
        p.email = r.formatted("email", message: "is not a valid email address") { FieldRules.isValidEmail($0) ? $0 : nil }
        p.locale = readLocale(&r, "locale")
        return p
    }

    static func readName(_ r: inout FieldReader, _ key: String, required: Bool, message: String) -> String? {
        r.formatted(key, required: required, message: message) { FieldRules.isValidName($0) ? $0 : nil }
    }

    static func readLocale(_ r: inout FieldReader, _ key: String) -> LocaleTag? {
        guard let s = r.string(key) else { return nil }
        guard let l = LocaleTag(tag: s) else {
            r.fail(key, "is not included in the list")
            return nil
        }
        return l
    }
}
