import Foundation
import GRDB
import LastMileCore
import LastMileStorage

/// A checkout listing as one row (issue 12): its options keep consecutive ids from the service-option
/// sequence, `first_id ..< first_id + option_count`, so an option is found by one primary-key seek (the
/// listing with the greatest `first_id` not above it) and a listing is one insert, not ~80.
extension SQLiteStorage {
    /// Whether every option shares what the row stores once (a listing always does; anything else is
    /// stored an option a row, in `service_options`).
    static func isOneListing(_ options: [StoredServiceOption]) -> Bool {
        guard let first = options.first else { return false }
        return options.allSatisfy {
            $0.retailerID == first.retailerID && $0.userID == first.userID && $0.locationCode == first.locationCode && $0.listedAt == first.listedAt
        }
    }

    static func insertListingRow(_ options: [StoredServiceOption], _ db: Database) throws {
        let first = options[0]
        try db.cachedStatement(
            sql: """
                INSERT INTO listings (first_id, option_count, retailer_id, user_id, location_code, listed_at, options)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            first.id, options.count, first.retailerID, first.userID, first.locationCode, first.listedAt.timeIntervalSince1970,
            ListingText.encode(options),
        ])
    }

    /// The option `id` from the listing that holds it, if any.
    static func listedOption(_ db: Database, id: Int64) throws -> StoredServiceOption? {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM listings WHERE first_id <= ? ORDER BY first_id DESC LIMIT 1"),
                arguments: [id]
            )
        else { return nil }
        let firstID: Int64 = row["first_id"]
        let count: Int64 = row["option_count"]
        guard id < firstID + count else { return nil }
        return ListingText.decode(
            row["options"],
            index: Int(id - firstID),
            id: id,
            retailerID: row["retailer_id"],
            userID: row["user_id"],
            locationCode: row["location_code"],
            listedAt: Date(timeIntervalSince1970: row["listed_at"])
        )
    }
}

/// A listing's options as text: options apart by U+001E, fields by U+001F, reasons by U+001D (control
/// characters no field contains). Numbers in Swift's shortest round-tripping form, so an option reads back
/// exactly as it was listed.
enum ListingText {
    static let optionSeparator: Character = "\u{1E}"
    static let fieldSeparator: Character = "\u{1F}"
    static let reasonSeparator: Character = "\u{1D}"

    /// Written as bytes: the listing's hot path (string interpolation of each number was most of a listing's
    /// write). Whole numbers print as integers; others in Swift's round-tripping form, each distinct value
    /// formatted once per listing (an address's coordinates repeat in every option).
    static func encode(_ options: [StoredServiceOption]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(options.count * 110)
        var formatted: [Double: [UInt8]] = [:]
        func integer(_ v: Int64) {
            if v < 0 { out.append(UInt8(ascii: "-")) }
            let start = out.count
            var m = v.magnitude
            repeat {
                out.append(UInt8(ascii: "0") + UInt8(m % 10))
                m /= 10
            } while m > 0
            out[start...].reverse()
        }
        func number(_ x: Double) {
            if x == x.rounded(), abs(x) < 9e15 { return integer(Int64(x)) }
            if let bytes = formatted[x] {
                out += bytes
                return
            }
            let bytes = Array("\(x)".utf8)
            formatted[x] = bytes
            out += bytes
        }
        func padded(_ v: Int, _ width: Int) {
            var limit = 10
            for _ in 1..<width {
                if v < limit { out.append(UInt8(ascii: "0")) }
                limit *= 10
            }
            integer(Int64(v))
        }
        func field() { out.append(0x1F) }
        for (i, o) in options.enumerated() {
            if i > 0 { out.append(0x1E) }
            out.append(contentsOf: o.type.rawValue.utf8)
            field()
            number(o.windowStart.timeIntervalSince1970)
            field()
            number(o.windowEnd.timeIntervalSince1970)
            field()
            if let h = o.immediateHour { integer(Int64(h)) }
            field()
            padded(o.date.year, 4)
            out.append(UInt8(ascii: "-"))
            padded(o.date.month, 2)
            out.append(UInt8(ascii: "-"))
            padded(o.date.day, 2)
            field()
            if let t = o.handoffTime { number(t.timeIntervalSince1970) }
            field()
            out.append(o.available ? UInt8(ascii: "1") : UInt8(ascii: "0"))
            field()
            for (j, reason) in o.reasons.enumerated() {
                if j > 0 { out.append(0x1D) }
                out.append(contentsOf: reason.utf8)
            }
            field()
            out.append(o.alcoholic ? UInt8(ascii: "1") : UInt8(ascii: "0"))
            field()
            number(o.destination.latitude)
            field()
            number(o.destination.longitude)
            field()
            integer(Int64(o.travelMinutes))
            field()
            if let v = o.cartTotalCents { integer(v) }
            field()
            if let v = o.itemsCount { integer(v) }
            field()
            if let v = o.unitsCount { number(v) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(
        _ text: String,
        index: Int,
        id: Int64,
        retailerID: String,
        userID: String,
        locationCode: String,
        listedAt: Date
    ) -> StoredServiceOption? {
        let options = text.split(separator: optionSeparator, omittingEmptySubsequences: false)
        guard index < options.count else { return nil }
        let f = options[index].split(separator: fieldSeparator, omittingEmptySubsequences: false).map(String.init)
        guard f.count == 15, let type = ServiceOptionType(rawValue: f[0]), let start = Double(f[1]), let end = Double(f[2]),
            let date = CivilDate(f[4]), let latitude = Double(f[9]), let longitude = Double(f[10]), let travel = Int(f[11])
        else { return nil }
        return StoredServiceOption(
            id: id,
            retailerID: retailerID,
            userID: userID,
            locationCode: locationCode,
            type: type,
            windowStart: Date(timeIntervalSince1970: start),
            windowEnd: Date(timeIntervalSince1970: end),
            immediateHour: Int(f[3]),
            date: date,
            handoffTime: Double(f[5]).map(Date.init(timeIntervalSince1970:)),
            available: f[6] == "1",
            reasons: f[7].isEmpty ? [] : f[7].split(separator: reasonSeparator, omittingEmptySubsequences: false).map(String.init),
            alcoholic: f[8] == "1",
            destination: GeoPoint(latitude: latitude, longitude: longitude),
            travelMinutes: travel,
            listedAt: listedAt,
            cartTotalCents: Int64(f[12]),
            itemsCount: Int64(f[13]),
            unitsCount: Double(f[14])
        )
    }
}
