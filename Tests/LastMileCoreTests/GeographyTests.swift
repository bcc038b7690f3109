import Foundation
import Testing

@testable import LastMileCore

struct EstimateCase: Sendable, CustomStringConvertible {
    /// Degrees of latitude north of the origin.
    var offset: Double
    var minutes: Int
    var description: String { "+\(offset)° → \(minutes) min" }
}

/// §2.0.3: est = max(1, ceil(haversine_miles × 1.3 ÷ 25 × 60)); range 30 (60 long-distance) minutes;
/// long-distance flag exactly when the store has it and 30 ≤ est ≤ 60.
@Suite("Geography (§2.0.3)")
struct GeographyTests {
    static let origin = GeoPoint(latitude: 37.0, longitude: -122.0)

    /// A point due north of `origin`. Offsets were chosen so that the exact minutes sit about 0.5 minute away
    /// from a whole number (robust to the Earth radius used): see the expected values below.
    static func north(_ degrees: Double) -> GeoPoint { GeoPoint(latitude: 37.0 + degrees, longitude: -122.0) }

    @Test(
        "estimated minutes",
        arguments: [
            EstimateCase(offset: 0, minutes: 1),  // 0 miles → max(1, 0)
            EstimateCase(offset: 0.0487, minutes: 11),  // 3.365 mi → 10.50 min
            EstimateCase(offset: 0.09, minutes: 20),  // 6.218 mi → 19.40 min
            EstimateCase(offset: 0.1368, minutes: 30),  // 9.452 mi → 29.49 min
            EstimateCase(offset: 0.1415, minutes: 31),  // 9.777 mi → 30.50 min
            EstimateCase(offset: 0.1879, minutes: 41),  // 12.98 mi → 40.51 min
            EstimateCase(offset: 0.2760, minutes: 60),  // 19.07 mi → 59.50 min
            EstimateCase(offset: 0.2806, minutes: 61),  // 19.39 mi → 60.49 min
        ]
    )
    func estimatedMinutes(_ c: EstimateCase) {
        #expect(DeliveryEstimator().estimatedMinutes(from: Self.origin, to: Self.north(c.offset)) == c.minutes)
    }

    @Test func estimatorDefaultsAndConfiguration() {
        let e = DeliveryEstimator()
        #expect(e.roadFactor == 1.3)
        #expect(e.speedMph == 25)
        // 6.218 miles at road factor 1 and 60 mph: 6.22 min → 7.
        #expect(DeliveryEstimator(roadFactor: 1, speedMph: 60).estimatedMinutes(from: Self.origin, to: Self.north(0.09)) == 7)
    }

    @Test func serviceRange() {
        #expect(DeliveryEstimator.isInRange(estimatedMinutes: 1, longDistanceStore: false))
        #expect(DeliveryEstimator.isInRange(estimatedMinutes: 30, longDistanceStore: false))
        #expect(!DeliveryEstimator.isInRange(estimatedMinutes: 31, longDistanceStore: false))
        #expect(DeliveryEstimator.isInRange(estimatedMinutes: 31, longDistanceStore: true))
        #expect(DeliveryEstimator.isInRange(estimatedMinutes: 60, longDistanceStore: true))
        #expect(!DeliveryEstimator.isInRange(estimatedMinutes: 61, longDistanceStore: true))
    }

    @Test func longDistanceFlag() {
        #expect(DeliveryEstimator.isLongDistance(estimatedMinutes: 30, longDistanceStore: true))
        #expect(!DeliveryEstimator.isLongDistance(estimatedMinutes: 29, longDistanceStore: true))
        #expect(DeliveryEstimator.isLongDistance(estimatedMinutes: 45, longDistanceStore: true))
        #expect(DeliveryEstimator.isLongDistance(estimatedMinutes: 60, longDistanceStore: true))
        #expect(!DeliveryEstimator.isLongDistance(estimatedMinutes: 61, longDistanceStore: true))
        #expect(!DeliveryEstimator.isLongDistance(estimatedMinutes: 45, longDistanceStore: false))
        #expect(!DeliveryEstimator.isLongDistance(estimatedMinutes: 30, longDistanceStore: false))
    }

    @Test func haversineSanity() {
        // 94105 (San Francisco) to 94612 (Oakland) centroids: about 6.85 miles.
        let miles = Fixtures.sfPoint.haversineMiles(to: Fixtures.oaklandPoint)
        #expect(abs(miles - 6.855) < 0.05)
        #expect(abs(Fixtures.oaklandPoint.haversineMiles(to: Fixtures.sfPoint) - miles) < 1e-9)
        // One degree of latitude ≈ 69.09 statute miles; a quarter of the equator ≈ 6218 miles.
        #expect(abs(GeoPoint(latitude: 0, longitude: 0).haversineMiles(to: GeoPoint(latitude: 1, longitude: 0)) - 69.09) < 0.1)
        #expect(abs(GeoPoint(latitude: 0, longitude: 0).haversineMiles(to: GeoPoint(latitude: 0, longitude: 90)) - 6218.4) < 5)
        #expect(Fixtures.sfPoint.haversineMiles(to: Fixtures.sfPoint) == 0)
    }

    @Test func storeSearchDistanceIsRoundedToTwoDecimals() {
        #expect(DeliveryEstimator.roundedMiles(6.854833) == 6.85)
        #expect(DeliveryEstimator.roundedMiles(6.855001) == 6.86)
        #expect(DeliveryEstimator.roundedMiles(0) == 0)
    }
}

/// §2.0.2 postal-code directory.
@Suite("Postal directory")
struct PostalDirectoryTests {
    static let csv = """
        zip_code,zip_code_type,active,city,state,county,timezone,lat,long
        94105,STANDARD,1,San Francisco,CA,San Francisco County,America/Los_Angeles,37.7864,-122.3892
        94612,STANDARD,1,Oakland,CA,Alameda County,America/Los_Angeles,37.8085,-122.2668
        99999,STANDARD,1,Nowhere,CA,Nowhere County,America/Los_Angeles,not-a-number,-122
        "10001",STANDARD,1,"New York",NY,"New York County",America/New_York,40.7506,-73.9972

        """

    @Test func parsesAndLooksUpByFiveDigits() throws {
        let dir = try PostalDirectory.parseCSV(Data(Self.csv.utf8))
        #expect(dir.count == 3)  // the row with bad coordinates is skipped
        let sf = try #require(dir.lookup("94105"))
        #expect(sf.city == "San Francisco")
        #expect(sf.county == "San Francisco County")
        #expect(sf.state == "CA")
        #expect(sf.timeZone == "America/Los_Angeles")
        #expect(sf.point == GeoPoint(latitude: 37.7864, longitude: -122.3892))
        // ZIP+4 is located by its first five digits.
        #expect(dir.lookup("94612-1234")?.city == "Oakland")
        #expect(dir.lookup("10001")?.county == "New York County")
        #expect(dir.lookup("99999") == nil)
        #expect(dir.lookup("K1A0B1") == nil)
        #expect(dir.lookup("12345") == nil)
    }

    @Test func headerIsRequired() {
        #expect(throws: PostalDirectory.DirectoryError.self) {
            _ = try PostalDirectory.parseCSV(Data("94105,STANDARD,1,San Francisco,CA,SF,America/Los_Angeles,37.7,-122.3\n".utf8))
        }
        #expect(throws: PostalDirectory.DirectoryError.self) {
            _ = try PostalDirectory.parseCSV(Data())
        }
    }
}
