import Foundation

/// Format rules of §1.7–§1.9.
public enum FieldRules {
    /// `user_id` / `order_id`: 1–255 characters, no whitespace, control characters or `/`.
    public static func isValidIdentifier(_ s: String) -> Bool {
        guard !s.isEmpty, s.unicodeScalars.count <= 255 else { return false }
        for scalar in s.unicodeScalars {
            // Control characters are Unicode category Cc; format characters (ZWJ in emoji) are allowed.
            if scalar == "/" || scalar.properties.isWhitespace || scalar.properties.generalCategory == .control
                || TextRules.isForbidden(scalar)
            {
                return false
            }
        }
        return true
    }

    /// Identifier problems as field messages (for identifiers sent in a body).
    public static func identifierError(_ s: String) -> String? {
        if s.unicodeScalars.count > 255 { return "is too long (maximum is 255 characters)" }
        return isValidIdentifier(s) ? nil : "is invalid"
    }

    static let forbiddenNameCharacters: Set<Unicode.Scalar> = ["/", ":", "<", ">", "$", "%", "?"]

    /// Checked per code point: a forbidden character followed by a combining mark is still forbidden.
    public static func isValidName(_ s: String) -> Bool {
        !s.isEmpty && s.unicodeScalars.count <= 100 && !s.unicodeScalars.contains(where: { forbiddenNameCharacters.contains($0) })
    }

    /// E.164: `^\+[1-9][0-9]{1,14}$`.
    public static func isValidPhone(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard u.count >= 3, u.count <= 16, u[0] == UInt8(ascii: "+"), u[1] >= 49, u[1] <= 57 else { return false }
        return u.dropFirst(2).allSatisfy { $0 >= 48 && $0 <= 57 }
    }

    /// `^[^@\s]+@[^@\s]+\.[^@\s]+$`, at most 254 characters, matched per code point (as the regex is).
    public static func isValidEmail(_ s: String) -> Bool {
        let scalars = Array(s.unicodeScalars)
        guard scalars.count <= 254, !scalars.contains(where: { $0.properties.isWhitespace }) else { return false }
        let parts = scalars.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty else { return false }
        // `[^@\s]+\.[^@\s]+`: some dot with at least one code point on each side.
        let domain = Array(parts[1])
        return domain.indices.contains { i in domain[i] == "." && i > 0 && i < domain.count - 1 }
    }

    /// Normalises a postal code (spaces removed, upper-cased) and checks it (§1.8). Nil when invalid.
    public static func normalizePostalCode(_ s: String) -> String? {
        let n = String(s.filter { $0 != " " }).uppercased()
        let u = Array(n.utf8)
        func digit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
        func letter(_ c: UInt8) -> Bool { c >= 65 && c <= 90 }
        if u.count == 5, u.allSatisfy(digit) { return n }
        if u.count == 10, u[5] == UInt8(ascii: "-"), u[0..<5].allSatisfy(digit), u[6...].allSatisfy(digit) { return n }
        if u.count == 6, letter(u[0]), digit(u[1]), letter(u[2]), digit(u[3]), letter(u[4]), digit(u[5]) { return n }
        return nil
    }
}

/// Supported locales (§1.9).
public enum LocaleTag: String, Sendable, CaseIterable, Codable {
    case enUS = "en_US"
    case enCA = "en_CA"
    case frCA = "fr_CA"

    /// Accepts `en-US` or `en_US`, case-insensitively.
    public init?(tag: String) {
        let n = tag.replacingOccurrences(of: "-", with: "_").lowercased()
        guard let match = LocaleTag.allCases.first(where: { $0.rawValue.lowercased() == n }) else { return nil }
        self = match
    }

    /// The first supported tag of an `Accept-Language` header.
    public static func fromAcceptLanguage(_ header: String) -> LocaleTag? {
        for part in header.split(separator: ",") {
            let tag = part.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            if let l = LocaleTag(tag: tag) { return l }
        }
        return nil
    }
}
