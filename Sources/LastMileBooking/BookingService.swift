import Foundation
import LastMileCore
import LastMileStorage
import Logging

/// What every booking use case shares: the stored state, the postal directory and the travel model.
/// Use cases take plain values (a retailer, the request's instant, validated fields) and return records or
/// throw `ServiceError`s; they never see HTTP. Each decision that must hold across processes (capacity, one
/// hold per user, unique `order_id`) is taken inside a storage transaction.
public struct BookingService: Sendable {
    public let storage: any Storage
    public let directory: PostalDirectory
    public let estimator: DeliveryEstimator
    /// Development mode: stores without configured shifts get virtual drivers (§2.0.5).
    public let virtualDrivers: Bool
    public let logger: Logger
    /// The stores' plans last built, shared by every use case of this process (a speed-up only).
    public let plans: PlanCache

    public init(
        storage: any Storage,
        directory: PostalDirectory,
        estimator: DeliveryEstimator = DeliveryEstimator(),
        virtualDrivers: Bool,
        logger: Logger = Logger(label: "lastmile"),
        plans: PlanCache = PlanCache()
    ) {
        self.storage = storage
        self.directory = directory
        self.estimator = estimator
        self.virtualDrivers = virtualDrivers
        self.logger = logger
        self.plans = plans
    }

    public var locator: AddressLocator { AddressLocator(storage: storage, directory: directory, estimator: estimator) }
    public var capacity: CapacityService { CapacityService(storage: storage, virtualDrivers: virtualDrivers, estimator: estimator, plans: plans) }
    public var progression: OrderProgression { OrderProgression(storage: storage) }

    /// The retailer's store by code when it takes last-mile orders (active, not pickup-only), else
    /// `Specified store is not available for lastmile.`
    public func requireStore(retailerID: String, locationCode: String) async throws -> Store {
        guard let store = try await storage.store(retailerID: retailerID, locationCode: locationCode), store.isAvailableForLastMile
        else { throw ServiceError.storeNotAvailable }
        return store
    }

    /// `requireStore`, with the retailer's last-mile stores that an address is classified against
    /// (`AddressLocator.requireDeliverable`): both from one read.
    public func requireStoreAmongOthers(retailerID: String, locationCode: String) async throws -> (store: Store, lastMileStores: [Store]) {
        try Self.requireStoreAmongOthers(try await storage.stores(retailerID: retailerID), locationCode: locationCode)
    }

    /// `requireStoreAmongOthers` on the retailer's stores already read.
    static func requireStoreAmongOthers(_ stores: [Store], locationCode: String) throws -> (store: Store, lastMileStores: [Store]) {
        let lastMile = stores.filter(\.isAvailableForLastMile)
        guard let store = lastMile.first(where: { $0.locationCode == locationCode }) else { throw ServiceError.storeNotAvailable }
        return (store, lastMile)
    }

    /// A handoff time may be asked for only when the retailer has it configured (D2, F1, H2).
    public static func requireHandoffAllowed(_ requested: Bool, retailer: Retailer) throws {
        if requested && !retailer.handoffTimeEnabled { throw BookingError.handoffNotConfigured }
    }
}
