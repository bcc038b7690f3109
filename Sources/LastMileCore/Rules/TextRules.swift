/// Characters no text field may hold (issue 9, finding 10). Stored text is shown to store staff, drivers and
/// operators and written to logs: a NUL truncates it in SQLite, a newline or ESC forges log lines and
/// terminal output, and a bidirectional override makes a value display as something else.
public enum TextRules {
    public static let controlCharacterMessage = "must not contain control characters"

    /// True when `text` holds a C0 or C1 control character, DEL, or a bidirectional embedding, override or
    /// isolate. Line feed, carriage return and tab are allowed only in `multiline` fields.
    public static func containsForbiddenCharacter(_ text: String, multiline: Bool = false) -> Bool {
        text.unicodeScalars.contains { isForbidden($0, multiline: multiline) }
    }

    public static func isForbidden(_ scalar: Unicode.Scalar, multiline: Bool = false) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D: return !multiline
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }

    /// A value made safe for one log line: forbidden characters become `\u{…}` escapes, and the result is cut
    /// at `limit` characters.
    public static func escapedForLog(_ text: String, limit: Int = 200) -> String {
        var out = ""
        var count = 0
        for scalar in text.unicodeScalars {
            if count >= limit {
                out += "…"
                break
            }
            if isForbidden(scalar) || scalar == "\\" {
                out += scalar == "\\" ? "\\\\" : "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
            count += 1
        }
        return out
    }
}
