import Foundation
import LastMileFleet
import LastMileStorage
import Testing

@testable import LastMileAPI
@testable import LastMileBooking
@testable import LastMileCore

/// The listing body is written straight to bytes for speed; it must stay exactly what the encoder wrote.
@Suite("Listing body writer")
struct ListingJSONTests {
    /// Text with what JSON escaping must get right: quotes, backslashes, slashes, control characters, DEL,
    /// line and paragraph separators, accents and emoji, and plain words.
    static func text(_ rng: inout RandomNumberGenerator64) -> String {
        let pieces = ["Store", " closed", "\"", "\\", "/", "\n", "\t", "\u{1}", "\u{1F}", "\u{7F}", "\u{2028}", "\u{2029}", "é", "🚚", "<>&", "'"]
        return (0..<Int.random(in: 0...6, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
    }

    static func listing(_ rng: inout RandomNumberGenerator64) -> Listing {
        let types: [ServiceOptionType] = [.scheduled, .immediate, .eta, .priorityETA]
        let options = (0..<Int.random(in: 0...12, using: &rng)).map { _ -> StoredServiceOption in
            let start = Date(timeIntervalSince1970: Double(Int.random(in: 1_700_000_000...1_900_000_000, using: &rng)))
            let type = types.randomElement(using: &rng)!
            return StoredServiceOption(
                id: Int64.random(in: 1...Int64(1) << 50, using: &rng),
                retailerID: "r",
                userID: "u",
                locationCode: Bool.random(using: &rng) ? "SF-001" : text(&rng),
                type: type,
                windowStart: start,
                windowEnd: start.addingTimeInterval(Double(Int.random(in: 1...14_400, using: &rng))),
                immediateHour: type == .immediate ? (Bool.random(using: &rng) ? Int.random(in: 1...4, using: &rng) : nil) : nil,
                date: CivilDate(daysSinceEpoch: Int.random(in: 19_000...22_000, using: &rng)),
                handoffTime: Bool.random(using: &rng) ? start.addingTimeInterval(-600) : nil,
                available: Bool.random(using: &rng),
                reasons: (0..<Int.random(in: 0...2, using: &rng)).map { _ in text(&rng) },
                alcoholic: false,
                destination: GeoPoint(latitude: 37.7, longitude: -122.4),
                travelMinutes: 9,
                listedAt: start,
                cartTotalCents: nil,
                itemsCount: nil,
                unitsCount: nil
            )
        }
        let warnings = (0..<Int.random(in: 0...2, using: &rng)).map { _ in
            ListingWarning(message: text(&rng), code: Int.random(in: 1000...9999, using: &rng))
        }
        return Listing(options: options, warnings: warnings, longDistance: Bool.random(using: &rng))
    }

    @Test("writes exactly the bytes JSONEncoder writes for the listing shape, on 3,000 generated listings")
    func sameBytesAsTheEncoder() throws {
        var rng = RandomNumberGenerator64(seed: 2026)  // the same listings on every run
        for n in 0..<3000 {
            let listing = Self.listing(&rng)
            let expected = try JSONResponse.encoder.encode(ServiceOptionHandlers.body(listing))
            let written = ListingJSON.bytes(listing)
            #expect(written == Array(expected), "listing \(n): \(String(decoding: written, as: UTF8.self))")
            if written != Array(expected) { return }
        }
    }

    @Test("Base64url of every length remainder matches Foundation's, with '-' and '_' for '+' and '/'")
    func base64() {
        var rng = RandomNumberGenerator64(seed: 7)
        for length in 0..<64 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var out: [UInt8] = []
            ListingJSON.base64URL(bytes, into: &out)
            let expected = Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            #expect(String(decoding: out, as: UTF8.self) == expected)
        }
    }
}
