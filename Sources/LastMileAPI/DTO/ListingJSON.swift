import Foundation
import LastMileBooking
import LastMileCore
import LastMileStorage

/// The body of a listing (D1, D2) written straight to bytes: exactly what `JSONResponse.encoder` makes of
/// `ServiceOptionsBody` (sorted keys, slashes unescaped), which the tests check byte for byte on thousands
/// of generated listings. Every checkout calls this with ~80 options; through `JSONEncoder` the body was a
/// tenth of the listing's time, and the Base64 of the references another twentieth.
enum ListingJSON {
    static func bytes(_ listing: Listing) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(96 + listing.options.count * 360)
        out += #"{"flags":{"long_distance_delivery":"#.utf8
        out += (listing.longDistance ? "true" : "false").utf8
        out += #"},"service_options":["#.utf8
        for (i, o) in listing.options.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            option(o, into: &out)
        }
        out += #"],"warnings":["#.utf8
        for (i, w) in listing.warnings.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out += #"{"error":{"error_code":"#.utf8
            out += String(w.code).utf8
            out += #","message":"#.utf8
            string(w.message, into: &out)
            out += #"},"meta":{"items":[]}}"#.utf8
        }
        out += "]}".utf8
        return out
    }

    static func option(_ o: StoredServiceOption, into out: inout [UInt8]) {
        out += #"{"availability":{"available":"#.utf8
        out += (o.available ? "true" : "false").utf8
        out += #","item_codes":[],"reasons":["#.utf8
        for (i, reason) in o.reasons.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            string(reason, into: &out)
        }
        out += #"]},"date":"#.utf8
        string(o.date.description, into: &out)
        if let handoff = o.handoffTime {
            out += #","handoff_time":""#.utf8
            Timestamp.write(handoff, into: &out)
            out.append(UInt8(ascii: "\""))
        }
        out += #","id":"#.utf8
        out += String(o.id).utf8
        out += #","service_option_reference":""#.utf8
        var reference: [UInt8] = []
        reference.reserveCapacity(128)
        o.reference.writeJSON(into: &reference)
        base64URL(reference, into: &out)
        out += #"","window":{"#.utf8
        if o.type == .immediate {
            out += #""immediate_hour":"#.utf8
            out += String(o.immediateHour ?? 2).utf8
            out += #","type":"#.utf8
        } else {
            out += #""asap":false,"end_at":""#.utf8
            Timestamp.write(o.windowEnd, into: &out)
            out += #"","start_at":""#.utf8
            Timestamp.write(o.windowStart, into: &out)
            out += #"","type":"#.utf8
        }
        string(o.type.rawValue, into: &out)
        out += "}}".utf8
    }

    /// A JSON string as the encoder writes it. Text with control characters (never in a listing the
    /// service makes) goes through the encoder itself, so its escapes stay exactly the encoder's.
    static func string(_ s: String, into out: inout [UInt8]) {
        if s.utf8.contains(where: { $0 < 0x20 }) {
            let encoded = (try? JSONResponse.encoder.encode([s])) ?? Data("[\"\"]".utf8)
            out += encoded.dropFirst().dropLast()
            return
        }
        out.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { out.append(UInt8(ascii: "\\")) }
            out.append(byte)
        }
        out.append(UInt8(ascii: "\""))
    }

    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// URL-safe Base64 with padding (§2.0.7), written in place.
    static func base64URL(_ bytes: [UInt8], into out: inout [UInt8]) {
        // Written into room made once: appending a byte at a time checked capacity and uniqueness for every
        // character of ~80 references a listing.
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: (bytes.count + 2) / 3 * 4))
        alphabet.withUnsafeBufferPointer { digit in
            bytes.withUnsafeBufferPointer { input in
                out.withUnsafeMutableBufferPointer { buffer in
                    var o = start
                    var i = 0
                    while i + 3 <= input.count {
                        let n = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8 | UInt32(input[i + 2])
                        buffer[o] = digit[Int(n >> 18 & 63)]
                        buffer[o + 1] = digit[Int(n >> 12 & 63)]
                        buffer[o + 2] = digit[Int(n >> 6 & 63)]
                        buffer[o + 3] = digit[Int(n & 63)]
                        i += 3
                        o += 4
                    }
                    let rest = input.count - i
                    guard rest > 0 else { return }
                    let n = UInt32(input[i]) << 16 | (rest == 2 ? UInt32(input[i + 1]) << 8 : 0)
                    buffer[o] = digit[Int(n >> 18 & 63)]
                    buffer[o + 1] = digit[Int(n >> 12 & 63)]
                    buffer[o + 2] = rest == 2 ? digit[Int(n >> 6 & 63)] : UInt8(ascii: "=")
                    buffer[o + 3] = UInt8(ascii: "=")
                }
            }
        }
    }
}
