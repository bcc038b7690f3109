import Foundation
import LastMileCore
import LastMileStorage

/// What the operator console reads and does (issue 13), always on behalf of a signed-in operator and only
/// for the retailers the operator is granted. Pages are built from the same storage and planner the API
/// uses, so what the console shows is what checkout sees.
public struct ConsoleService: Sendable {
    public let booking: BookingService
    public let clocks: RetailerClocks
    public let access: ConsoleAccess

    public init(booking: BookingService, clocks: RetailerClocks, access: ConsoleAccess) {
        self.booking = booking
        self.clocks = clocks
        self.access = access
    }

    var storage: any Storage { booking.storage }

    /// Orders that still hold a driver's time or are on their way (the console's "active" filter).
    public static let activeStatuses = OrderStatus.allCases.filter(\.isCommitment)

    /// How far a page reads a store's orders (a bound on work per page; past it the page says so).
    public static let orderReadLimit = 2000

    /// A store of a retailer the operator may see; 404 otherwise (a store the operator is not granted
    /// looks exactly like one that does not exist).
    public func store(_ who: ConsoleAccess.SignedIn, retailerID: String, locationCode: String) async throws -> Store {
        guard who.mayView(retailerID: retailerID), let store = try await storage.store(retailerID: retailerID, locationCode: locationCode)
        else { throw ServiceError.notFound }
        return store
    }

    /// Every store of every retailer the operator may see, active ones first within a retailer.
    public func visibleStores(_ who: ConsoleAccess.SignedIn) async throws -> [Store] {
        var out: [Store] = []
        for retailerID in try await visibleRetailerIDs(who) {
            out += try await storage.stores(retailerID: retailerID)
        }
        return out
    }

    /// The retailers the operator may see that exist.
    public func visibleRetailerIDs(_ who: ConsoleAccess.SignedIn) async throws -> [String] {
        let ids = try await storage.retailerIDs()
        return ids.filter(who.mayView(retailerID:))
    }

    /// A store's orders in `statuses`, oldest first, up to `orderReadLimit` (and whether there were more).
    func orders(of store: Store, statuses: [OrderStatus]) async throws -> (orders: [OrderRecord], truncated: Bool) {
        var out: [OrderRecord] = []
        var after: Int64 = 0
        while out.count < Self.orderReadLimit {
            let page = try await storage.orders(
                OrderQuery(statuses: statuses, retailerID: store.retailerID, locationCode: store.locationCode, afterRowID: after, limit: 500)
            )
            out += page
            guard page.count == 500, let last = page.last else { return (out, false) }
            after = last.id
        }
        return (out, true)
    }
}
