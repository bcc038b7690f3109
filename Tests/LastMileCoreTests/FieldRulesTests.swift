import Foundation
import Testing

@testable import LastMileCore

struct PostalCase: Sendable, CustomStringConvertible {
    var input: String
    var normalized: String?
    var description: String { "\(input) → \(normalized ?? "invalid")" }
}

/// §1.7 identifiers, §1.8 names / phones / e-mails / postal codes, §1.9 locales.
@Suite("Field rules (§1.7–§1.9)")
struct FieldRulesTests {
    // MARK: Identifiers (§1.7)

    @Test(
        "valid identifiers",
        arguments: [
            "cust-4821", "a", "order_77.A", "user@example.com", "ünïcødé", "ORD:1|2",
            String(repeating: "x", count: 255),
        ]
    )
    func validIdentifiers(_ id: String) {
        #expect(FieldRules.isValidIdentifier(id))
        #expect(FieldRules.identifierError(id) == nil)
    }

    @Test(
        "invalid identifiers",
        arguments: [
            "", "a b", " a", "a\tb", "a\nb", "a/b", "/", "a\u{0}b", "a\u{7F}b", "\u{1B}x", "a\u{A0}b",
        ]
    )
    func invalidIdentifiers(_ id: String) {
        #expect(!FieldRules.isValidIdentifier(id))
    }

    @Test func identifierLengthLimitIs255() {
        #expect(FieldRules.isValidIdentifier(String(repeating: "x", count: 255)))
        #expect(!FieldRules.isValidIdentifier(String(repeating: "x", count: 256)))
        #expect(FieldRules.identifierError(String(repeating: "x", count: 256)) == "is too long (maximum is 255 characters)")
        #expect(FieldRules.identifierError("a/b") == "is invalid")
        #expect(FieldRules.identifierError("a b") == "is invalid")
    }

    // MARK: Names (§1.8)

    @Test("names with a forbidden character", arguments: ["/", ":", "<", ">", "$", "%", "?"])
    func forbiddenNameCharacter(_ c: String) {
        #expect(!FieldRules.isValidName("Ada\(c)Lovelace"))
        #expect(!FieldRules.isValidName(c))
    }

    @Test func validNames() {
        #expect(FieldRules.isValidName("Ada"))
        #expect(FieldRules.isValidName("O'Brien-Smith"))
        #expect(FieldRules.isValidName("José María"))
        #expect(FieldRules.isValidName("Anne & Bob (jr.)"))
        #expect(FieldRules.isValidName(String(repeating: "n", count: 100)))
        #expect(!FieldRules.isValidName(String(repeating: "n", count: 101)))
        #expect(!FieldRules.isValidName(""))
    }

    // MARK: Phone (§1.8): ^\+[1-9][0-9]{1,14}$

    @Test("valid E.164", arguments: ["+14155550123", "+12", "+447911123456", "+123456789012345"])
    func validPhones(_ p: String) {
        #expect(FieldRules.isValidPhone(p))
    }

    @Test(
        "invalid E.164",
        arguments: [
            "14155550123",  // no plus
            "+0123",  // leading zero
            "+1",  // needs at least two digits
            "+1234567890123456",  // 16 digits
            "+1 415 555 0123",
            "+1-415-555-0123",
            "++14155550123",
            "+",
            "",
            "+1415555012a",
            "+١٤١٥٥٥٥٠١٢٣",  // non-ASCII digits
        ]
    )
    func invalidPhones(_ p: String) {
        #expect(!FieldRules.isValidPhone(p))
    }

    // MARK: E-mail (§1.8): ≤ 254 characters, ^[^@\s]+@[^@\s]+\.[^@\s]+$

    @Test("valid e-mail", arguments: ["a@b.co", "first.last+tag@sub.example.com", "a@b..c", "ü@例え.jp"])
    func validEmails(_ e: String) {
        #expect(FieldRules.isValidEmail(e))
    }

    @Test(
        "invalid e-mail",
        arguments: [
            "", "a@b", "@b.co", "a@.co", "a@b.", "a b@c.de", "a@b c.de", "a@b@c.de", "ab.cd", "a@b.co ", "a\t@b.co",
        ]
    )
    func invalidEmails(_ e: String) {
        #expect(!FieldRules.isValidEmail(e))
    }

    @Test func emailLengthLimitIs254() {
        let local248 = String(repeating: "a", count: 248)
        #expect(FieldRules.isValidEmail(local248 + "@b.com"))  // 254
        #expect(!FieldRules.isValidEmail(local248 + "a@b.com"))  // 255
    }

    /// The regex accepts a domain ending in a dot ("b" "." "c." matches `[^@\s]+\.[^@\s]+`).
    @Test("e-mail with a trailing dot matches the contract regex", arguments: ["a@b.c.", "a@b.c..", "a@b.."])
    func emailTrailingDotPerRegex(_ e: String) {
        #expect(FieldRules.isValidEmail(e))
    }

    // MARK: Postal codes (§1.8)

    @Test(
        "postal codes",
        arguments: [
            PostalCase(input: "94105", normalized: "94105"),
            PostalCase(input: "94105-1234", normalized: "94105-1234"),
            PostalCase(input: "k1a 0b1", normalized: "K1A0B1"),
            PostalCase(input: "K1A 0B1", normalized: "K1A0B1"),
            PostalCase(input: " 94105 ", normalized: "94105"),
            PostalCase(input: "9 4 1 0 5", normalized: "94105"),
            PostalCase(input: "m5v2t6", normalized: "M5V2T6"),
            PostalCase(input: "9410", normalized: nil),
            PostalCase(input: "941051", normalized: nil),
            PostalCase(input: "94105-123", normalized: nil),
            PostalCase(input: "94105-12345", normalized: nil),
            PostalCase(input: "94105 1234", normalized: nil),
            PostalCase(input: "941051234", normalized: nil),
            PostalCase(input: "K1A-0B1", normalized: nil),
            PostalCase(input: "1KA0B1", normalized: nil),
            PostalCase(input: "K1A0B", normalized: nil),
            PostalCase(input: "ABCDE", normalized: nil),
            PostalCase(input: "９４１０５", normalized: nil),
            PostalCase(input: "", normalized: nil),
        ]
    )
    func postalCodes(_ c: PostalCase) {
        #expect(FieldRules.normalizePostalCode(c.input) == c.normalized)
    }

    // MARK: Locale (§1.9)

    @Test func localeTags() {
        #expect(LocaleTag(tag: "en-US") == .enUS)
        #expect(LocaleTag(tag: "en_us") == .enUS)
        #expect(LocaleTag(tag: "EN-us") == .enUS)
        #expect(LocaleTag(tag: "en-CA") == .enCA)
        #expect(LocaleTag(tag: "fr-CA") == .frCA)
        #expect(LocaleTag(tag: "fr_ca") == .frCA)
        #expect(LocaleTag(tag: "de-DE") == nil)
        #expect(LocaleTag(tag: "en") == nil)
        #expect(LocaleTag(tag: "fr-FR") == nil)
        #expect(LocaleTag(tag: "") == nil)
        // Responses emit the POSIX form.
        #expect(LocaleTag.enUS.rawValue == "en_US")
        #expect(LocaleTag.enCA.rawValue == "en_CA")
        #expect(LocaleTag.frCA.rawValue == "fr_CA")
        #expect(Country.US.defaultLocale == .enUS)
        #expect(Country.CA.defaultLocale == .enCA)
    }

    @Test func acceptLanguageTakesTheFirstSupportedTag() {
        #expect(LocaleTag.fromAcceptLanguage("fr-CA") == .frCA)
        #expect(LocaleTag.fromAcceptLanguage("de-DE,fr-CA;q=0.8,en-US;q=0.5") == .frCA)
        #expect(LocaleTag.fromAcceptLanguage("de-DE, en_ca;q=0.7") == .enCA)
        #expect(LocaleTag.fromAcceptLanguage("  EN-us  ") == .enUS)
        #expect(LocaleTag.fromAcceptLanguage("en-US ; q=0.9") == .enUS)
        #expect(LocaleTag.fromAcceptLanguage("de-DE,it,*") == nil)
        #expect(LocaleTag.fromAcceptLanguage("en") == nil)
        #expect(LocaleTag.fromAcceptLanguage("") == nil)
    }
}
