import Foundation

/// §2.0.6 rules R1–R3.
public enum AlcoholRule: Sendable, Equatable, CaseIterable {
    case notEnabled, unmatchedCityCounty, outsideHours

    /// Reason in service-option lists.
    public var reason: String {
        switch self {
        case .notEnabled: return "Alcohol delivery not enabled for this store"
        case .unmatchedCityCounty: return "Unmatched city and county"
        case .outsideHours: return "Alcohol delivery not allowed at this time"
        }
    }

    /// Error on order endpoints: message and `meta.key`.
    public var orderError: (message: String, key: String) {
        switch self {
        case .notEnabled: return ("Alcohol delivery not enabled for this store", "alcoholic")
        case .unmatchedCityCounty: return ("Invalid zip code for alcohol", "address.postal_code")
        case .outsideHours: return ("Alcohol delivery not allowed at this time", "alcoholic")
        }
    }
}

/// Where the customer is, for R2. `county` nil = unknown (counts as different).
public struct CustomerLocality: Sendable, Equatable {
    public var city: String?
    public var county: String?
    public init(city: String?, county: String?) {
        self.city = city
        self.county = county
    }
}

public enum AlcoholCheck {
    /// Every violated rule, in the order R1, R2, R3. `customer` nil = no customer location known (R2 skipped).
    public static func violations(store: Store, customer: CustomerLocality?, window: DeliveryWindow) -> [AlcoholRule] {
        var out: [AlcoholRule] = []
        if !store.alcohol { out.append(.notEnabled) }
        if let customer {
            func same(_ a: String?, _ b: String) -> Bool {
                guard let a else { return false }
                return a.trimmingCharacters(in: .whitespaces).lowercased() == b.trimmingCharacters(in: .whitespaces).lowercased()
            }
            if !(same(customer.city, store.address.city) && same(customer.county, store.county)) {
                out.append(.unmatchedCityCounty)
            }
        }
        let grid = SlotGrid(store: store)
        let d = store.zone.localDate(of: window.start)
        if let (open, close) = grid.openInterval(on: d, hours: store.effectiveAlcoholHours), open <= window.start, window.end <= close {
        } else {
            out.append(.outsideHours)
        }
        return out
    }
}
