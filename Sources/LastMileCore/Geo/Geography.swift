import Foundation

public struct GeoPoint: Sendable, Equatable, Codable {
    public var latitude: Double
    public var longitude: Double
    public init(latitude: Double, longitude: Double) {
        self.latitude = latitude
        self.longitude = longitude
    }

    /// Great-circle distance in statute miles.
    public func haversineMiles(to other: GeoPoint) -> Double {
        let r = 3958.7613  // mean Earth radius, miles
        let lat1 = latitude * .pi / 180
        let lat2 = other.latitude * .pi / 180
        let dLat = (other.latitude - latitude) * .pi / 180
        let dLon = (other.longitude - longitude) * .pi / 180
        let a = sin(dLat / 2) * sin(dLat / 2) + cos(lat1) * cos(lat2) * sin(dLon / 2) * sin(dLon / 2)
        return 2 * r * asin(min(1, sqrt(a)))
    }
}

/// §2.0.3: estimated delivery time, service range and the long-distance flag.
public struct DeliveryEstimator: Sendable {
    public var roadFactor: Double
    public var speedMph: Double

    public init(roadFactor: Double = 1.3, speedMph: Double = 25) {
        self.roadFactor = roadFactor
        self.speedMph = speedMph
    }

    /// `max(1, ceil(miles × road_factor ÷ speed × 60))` whole minutes.
    public func estimatedMinutes(from a: GeoPoint, to b: GeoPoint) -> Int {
        let minutes = a.haversineMiles(to: b) * roadFactor / speedMph * 60
        // Guard against floating noise turning an exact 30.0 into 30.000000000004.
        return max(1, Int(ceil(minutes - 1e-9)))
    }

    public static func isInRange(estimatedMinutes est: Int, longDistanceStore: Bool) -> Bool {
        est <= (longDistanceStore ? 60 : 30)
    }

    public static func isLongDistance(estimatedMinutes est: Int, longDistanceStore: Bool) -> Bool {
        longDistanceStore && est >= 30 && est <= 60
    }

    /// Straight-line miles rounded to 2 decimals (store search `distance`).
    public static func roundedMiles(_ miles: Double) -> Double { (miles * 100).rounded() / 100 }
}
