import Foundation
import Testing

@testable import LastMileCore

/// §2.0.2: P.O. boxes match `(?i)^\s*(p\.?\s*o\.?\s*box|post\s+office\s+box)\b`; outcomes 1–4 in order.
@Suite("Address classification (§2.0.2)")
struct AddressClassifierTests {
    @Test(
        "P.O. box lines (matched by the contract's regex)",
        arguments: [
            "PO Box 1",
            "p.o. box",
            "P.O. Box 12",
            "P. O. Box 12",
            "P.O.Box 7",
            "PO. Box 3",
            "Post Office Box 9",
            "post   office\tbox 9",
            "  P O BOX",
            "POBox 5",
            "Pobox Street",  // p, o, box, then a space: \b holds
            "PO Box-7",
            "\tpo box",
            "PO\nBox 4",
        ]
    )
    func poBoxes(_ line: String) {
        #expect(AddressClassifier.isPOBox(line))
    }

    @Test(
        "Not P.O. box lines",
        arguments: [
            "Boxwood Rd",
            "PO Boxes Inc",  // no word boundary after "box"
            "PO Box1",  // "x1": no word boundary
            "P.O. Box_12",  // "_" is a word character
            "123 PO Box",  // anchored at the start
            "POB 5",
            "Postal Box 3",
            "PostOffice Box 2",  // \s+ needs at least one space
            "Post Office Boxes",
            "P..O. Box 1",
            "500 Howard St",
            "Apt 4",
            "",
        ]
    )
    func notPOBoxes(_ line: String) {
        #expect(!AddressClassifier.isPOBox(line))
    }

    // MARK: Outcomes

    static let origin = GeoPoint(latitude: 37.0, longitude: -122.0)
    /// About 10.5 minutes north (est 11).
    static let near = GeoPoint(latitude: 37.0487, longitude: -122.0)
    /// About 40.5 minutes north (est 41): only a long-distance store reaches it.
    static let far = GeoPoint(latitude: 37.1879, longitude: -122.0)
    /// About 60.5 minutes north (est 61): no store reaches it.
    static let tooFar = GeoPoint(latitude: 37.2806, longitude: -122.0)

    let regular = Fixtures.store(locationCode: "REG-1", point: AddressClassifierTests.origin, longDistance: false)
    let longDistance = Fixtures.store(locationCode: "LD-1", point: AddressClassifierTests.origin, longDistance: true)
    let estimator = DeliveryEstimator()

    func classify(_ point: GeoPoint?, lines: [String?] = ["500 Howard St", nil], stores: [Store], requested: Store? = nil) -> Deliverability {
        AddressClassifier.classify(point: point, lines: lines, stores: stores, requested: requested, estimator: estimator)
    }

    @Test func outcome1CannotLocate() {
        let d = classify(nil, lines: ["PO Box 1", nil], stores: [regular])
        #expect(d == .cannotLocate)
        #expect(d.message == "No store location found for given address.")
    }

    @Test func outcome2POBoxInEitherLine() {
        #expect(classify(Self.near, lines: ["PO Box 1", nil], stores: [regular]) == .cannotDeliverToArea)
        #expect(classify(Self.near, lines: ["500 Howard St", "P.O. Box 9"], stores: [regular]) == .cannotDeliverToArea)
        // Outcome 2 comes before outcome 4.
        #expect(classify(Self.far, lines: ["PO Box 1", nil], stores: [regular, longDistance], requested: regular) == .cannotDeliverToArea)
        #expect(Deliverability.cannotDeliverToArea.message == "Unfortunately, we cannot deliver to that area.")
    }

    @Test func outcome3NoStoreInRange() {
        #expect(classify(Self.far, stores: [regular]) == .cannotDeliverToArea)
        #expect(classify(Self.tooFar, stores: [regular, longDistance]) == .cannotDeliverToArea)
        // Outcome 3 comes before outcome 4: the requested store is out of range and so is every other.
        #expect(classify(Self.tooFar, stores: [regular, longDistance], requested: regular) == .cannotDeliverToArea)
        #expect(classify(Self.near, stores: []) == .cannotDeliverToArea)
    }

    @Test func outcome4RequestedStoreOutOfRange() {
        let d = classify(Self.far, stores: [regular, longDistance], requested: regular)
        #expect(d == .outsideStoreRange)
        #expect(d.message == "We do not currently support delivery from this store to the selected address.")
    }

    @Test func deliverableWithEstimateAndLongDistanceFlag() {
        #expect(classify(Self.near, stores: [regular], requested: regular) == .deliverable(travelMinutes: 11, longDistance: false))
        #expect(classify(Self.near, stores: [longDistance], requested: longDistance) == .deliverable(travelMinutes: 11, longDistance: false))
        #expect(classify(Self.far, stores: [regular, longDistance], requested: longDistance) == .deliverable(travelMinutes: 41, longDistance: true))
        // Without a requested store, the in-range store is used.
        #expect(classify(Self.far, stores: [regular, longDistance]) == .deliverable(travelMinutes: 41, longDistance: true))
        #expect(Deliverability.deliverable(travelMinutes: 11, longDistance: false).message == nil)
    }

    @Test func nearestInRangeStorePrefersSmallestEstimateThenLocationCode() {
        let a = Fixtures.store(locationCode: "B-2", point: Self.origin)
        let b = Fixtures.store(locationCode: "A-1", point: Self.origin)
        let c = Fixtures.store(locationCode: "0-CLOSE", point: Self.near)
        #expect(AddressClassifier.nearestInRange(point: Self.near, stores: [a, b, c], estimator: estimator)?.locationCode == "0-CLOSE")
        // Equal estimate and distance: smaller location code.
        #expect(AddressClassifier.nearestInRange(point: Self.near, stores: [a, b], estimator: estimator)?.locationCode == "A-1")
        #expect(AddressClassifier.nearestInRange(point: Self.far, stores: [a, b], estimator: estimator) == nil)
    }
}
