import Foundation

/// One postal code of the directory (§2.0.2).
public struct PostalEntry: Sendable, Equatable {
    public var city: String
    public var county: String
    public var state: String
    public var timeZone: String
    public var point: GeoPoint
}

/// Postal code → centroid, city, county, state, time zone. Loaded once from `us-zipcodes.csv`
/// (columns `zip_code,zip_code_type,active,city,state,county,timezone,lat,long`).
public struct PostalDirectory: Sendable {
    private var entries: [Int32: PostalEntry] = [:]

    public init() {}

    public var count: Int { entries.count }

    public mutating func insert(zip5: String, _ entry: PostalEntry) {
        if let key = Int32(zip5) { entries[key] = entry }
    }

    /// Looks up a normalised postal code; ZIP+4 codes are located by their first five digits.
    /// Canadian codes are not in the shipped directory and return nil.
    public func lookup(_ normalizedPostalCode: String) -> PostalEntry? {
        let five = normalizedPostalCode.prefix(5)
        guard five.count == 5, five.allSatisfy(\.isASCII), five.allSatisfy(\.isNumber), let key = Int32(five) else { return nil }
        return entries[key]
    }

    /// Parses the CSV. Rows that cannot be read (bad coordinates) are skipped; the header is required.
    public static func parseCSV(_ data: Data) throws -> PostalDirectory {
        var dir = PostalDirectory()
        dir.entries.reserveCapacity(43_000)
        var lineNumber = 0
        var sawHeader = false
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            var start = 0
            let n = bytes.count
            while start < n {
                var end = start
                while end < n, bytes[end] != 10 { end += 1 }
                var lineEnd = end
                if lineEnd > start, bytes[lineEnd - 1] == 13 { lineEnd -= 1 }
                lineNumber += 1
                if lineEnd > start {
                    let fields = splitCSV(bytes, start, lineEnd)
                    if !sawHeader {
                        guard fields.first == "zip_code", fields.count >= 9 else {
                            throw DirectoryError.badHeader
                        }
                        sawHeader = true
                    } else if fields.count >= 9, let lat = Double(fields[7]), let lon = Double(fields[8]) {
                        dir.insert(
                            zip5: fields[0],
                            PostalEntry(
                                city: fields[3],
                                county: fields[5],
                                state: fields[4],
                                timeZone: fields[6],
                                point: GeoPoint(latitude: lat, longitude: lon)
                            )
                        )
                    }
                }
                start = end + 1
            }
        }
        guard sawHeader else { throw DirectoryError.badHeader }
        return dir
    }

    /// Splits one CSV line, honouring double-quoted fields (county names contain no commas today,
    /// but city names may in other directories).
    private static func splitCSV(_ b: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> [String] {
        var out: [String] = []
        out.reserveCapacity(9)
        var i = s
        while i <= e {
            if i < e, b[i] == 34 {  // quoted
                var field = [UInt8]()
                i += 1
                while i < e {
                    if b[i] == 34 {
                        if i + 1 < e, b[i + 1] == 34 {
                            field.append(34)
                            i += 2
                            continue
                        }
                        i += 1
                        break
                    }
                    field.append(b[i])
                    i += 1
                }
                out.append(String(decoding: field, as: UTF8.self))
                while i < e, b[i] != 44 { i += 1 }
                i += 1
            } else {
                var j = i
                while j < e, b[j] != 44 { j += 1 }
                out.append(String(decoding: UnsafeBufferPointer(rebasing: b[i..<j]), as: UTF8.self))
                i = j + 1
            }
        }
        return out
    }

    public enum DirectoryError: Error, CustomStringConvertible {
        case badHeader
        public var description: String { "postal directory: expected header zip_code,zip_code_type,active,city,state,county,timezone,lat,long" }
    }
}

// Printed by name and size: a reflected dump of 43,000 entries took most of a second (ServiceLifecycle names
// each service by printing it).
extension PostalDirectory: CustomStringConvertible {
    public var description: String { "PostalDirectory(\(count) postal codes)" }
}
