import Foundation

/// §2.0.2 outcome of locating an address and checking deliverability.
public enum Deliverability: Sendable, Equatable {
    case deliverable(travelMinutes: Int, longDistance: Bool)
    /// Outcome 1.
    case cannotLocate
    /// Outcomes 2 and 3.
    case cannotDeliverToArea
    /// Outcome 4.
    case outsideStoreRange

    public static let cannotLocateMessage = "No store location found for given address."
    public static let cannotDeliverMessage = "Unfortunately, we cannot deliver to that area."
    public static let outsideStoreMessage = "We do not currently support delivery from this store to the selected address."

    public var message: String? {
        switch self {
        case .deliverable: return nil
        case .cannotLocate: return Self.cannotLocateMessage
        case .cannotDeliverToArea: return Self.cannotDeliverMessage
        case .outsideStoreRange: return Self.outsideStoreMessage
        }
    }
}

public enum AddressClassifier {
    /// `(?i)^\s*(p\.?\s*o\.?\s*box|post\s+office\s+box)\b`
    public static func isPOBox(_ line: String) -> Bool {
        let s = line.lowercased()
        var i = s.startIndex
        func skipSpaces() { while i < s.endIndex, s[i].isWhitespace { i = s.index(after: i) } }
        func take(_ c: Character) -> Bool {
            if i < s.endIndex, s[i] == c {
                i = s.index(after: i)
                return true
            }
            return false
        }
        func takeWord(_ w: String) -> Bool {
            guard s[i...].hasPrefix(w) else { return false }
            i = s.index(i, offsetBy: w.count)
            return true
        }
        func boundary() -> Bool {
            guard i < s.endIndex else { return true }
            let c = s[i]
            return !(c.isLetter || c.isNumber || c == "_")
        }
        skipSpaces()
        let start = i
        // p.o. box
        if take("p") {
            _ = take(".")
            skipSpaces()
            if take("o") {
                _ = take(".")
                skipSpaces()
                if takeWord("box"), boundary() { return true }
            }
        }
        i = start
        if takeWord("post") {
            let before = i
            skipSpaces()
            guard i > before else { return false }
            if takeWord("office") {
                let b2 = i
                skipSpaces()
                guard i > b2 else { return false }
                if takeWord("box"), boundary() { return true }
            }
        }
        return false
    }

    /// Classifies a located (or unlocatable) address against the retailer's last-mile stores.
    /// - Parameters:
    ///   - point: the geocoded point, nil when the address cannot be located.
    ///   - stores: the retailer's stores available for last mile.
    ///   - requested: the store asked for, when one was (outcome 4 applies only then).
    public static func classify(
        point: GeoPoint?,
        lines: [String?],
        stores: [Store],
        requested: Store?,
        estimator: DeliveryEstimator
    ) -> Deliverability {
        guard let point else { return .cannotLocate }
        if lines.contains(where: { $0.map(isPOBox) == true }) { return .cannotDeliverToArea }
        let inRange = stores.contains { s in
            DeliveryEstimator.isInRange(
                estimatedMinutes: estimator.estimatedMinutes(from: s.point, to: point),
                longDistanceStore: s.longDistanceDelivery
            )
        }
        guard inRange else { return .cannotDeliverToArea }
        let target: Store
        if let requested {
            target = requested
        } else if let best = nearestInRange(point: point, stores: stores, estimator: estimator) {
            target = best
        } else {
            return .cannotDeliverToArea
        }
        let est = estimator.estimatedMinutes(from: target.point, to: point)
        guard DeliveryEstimator.isInRange(estimatedMinutes: est, longDistanceStore: target.longDistanceDelivery) else {
            return .outsideStoreRange
        }
        return .deliverable(
            travelMinutes: est,
            longDistance: DeliveryEstimator.isLongDistance(estimatedMinutes: est, longDistanceStore: target.longDistanceDelivery)
        )
    }

    /// The in-range store with the smallest estimated time (ties: smaller distance, then smaller location code).
    public static func nearestInRange(point: GeoPoint, stores: [Store], estimator: DeliveryEstimator) -> Store? {
        stores.compactMap { s -> (Int, Double, String, Store)? in
            let est = estimator.estimatedMinutes(from: s.point, to: point)
            guard DeliveryEstimator.isInRange(estimatedMinutes: est, longDistanceStore: s.longDistanceDelivery) else { return nil }
            return (est, s.point.haversineMiles(to: point), s.locationCode, s)
        }.min { ($0.0, $0.1, $0.2) < ($1.0, $1.1, $1.2) }?.3
    }
}
