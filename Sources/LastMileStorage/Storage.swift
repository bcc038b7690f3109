import Foundation
import LastMileCore

/// Persistence for LastMile. Two engines implement it (SQLite via GRDB, PostgreSQL via postgres-nio); one
/// contract test suite checks both. Invariants that must hold across server processes are enforced inside
/// the engines with transactions, constraints and conditional writes.
public protocol Storage: ConsoleStorage {
    /// Applies the versioned migrations not yet applied (safe to call from several processes at once).
    func migrate() async throws

    /// Loads an operator configuration: retailers, OAuth clients, stores (with their shifts) are inserted or
    /// updated, all in one transaction. Clients and stores absent from the file are left as they are
    /// (deactivate a store with `active: false`; disable a client with `enabled: false`).
    func applyConfiguration(_ config: OperatorConfig) async throws

    /// Whether no retailer has been configured yet (first start).
    func hasRetailers() async throws -> Bool

    func retailer(id: String) async throws -> Retailer?
    func oauthClient(id: String) async throws -> OAuthClientRecord?

    func insertToken(_ token: AccessTokenRecord) async throws
    func token(hash: String) async throws -> AccessTokenRecord?
    /// Marks a token revoked (no effect when already revoked).
    func revokeToken(hash: String, at: Date) async throws
    /// Revokes every unexpired, unrevoked token of a client (`lastmile clients revoke-tokens`); returns how many.
    func revokeTokens(clientID: String, at: Date) async throws -> Int

    /// Deletes at most `limit` rows of `kind` whose reference instant is before `before`; returns how many.
    /// The retention job calls it until a batch comes back short, so no statement runs long.
    func purge(_ kind: RetentionKind, before: Date, limit: Int) async throws -> Int

    /// Every store of the retailer, active or not.
    func stores(retailerID: String) async throws -> [Store]
    func store(retailerID: String, locationCode: String) async throws -> Store?

    func user(retailerID: String, userID: String) async throws -> UserRecord?
    /// What a checkout listing reads (D2): the user, the retailer's stores and the store's commitments without
    /// the user's own hold. An engine may read them in one transaction (SQLite: one hop to its reader) or at
    /// once (the default: three concurrent reads, so three round trips cost one).
    func checkoutReads(retailerID: String, userID: String, locationCode: String, now: Date) async throws -> CheckoutReads

    /// What a reservation reads (E1, E2): the user, the option and, when the option is this retailer's, its
    /// store. SQLite: one read transaction; the default: the user and the option at once, then the store.
    func reservationReads(retailerID: String, userID: String, optionID: Int64) async throws -> ReservationReads
    /// What an order for a hold reads before its write (F1): the user, an order already stored under the
    /// id, the retailer's stores, the hold and its option. SQLite: one read transaction; the default: four
    /// concurrent reads, then the option.
    func orderCreationReads(retailerID: String, userID: String, orderID: String, holdID: Int64?) async throws -> OrderCreationReads

    /// An unrevoked token of an enabled client, with its retailer, read together (every authenticated
    /// request): disabling a client in the configuration ends its tokens too.
    func tokenHolder(hash: String) async throws -> (token: AccessTokenRecord, retailer: Retailer)?

    /// Inserts the user unless one with the same id exists; returns the stored user and whether it was created.
    func insertUserIfAbsent(_ user: UserRecord) async throws -> (UserRecord, created: Bool)
    /// Inserts or replaces the user's profile and address.
    func saveUser(_ user: UserRecord) async throws

    /// Takes `count` ids from the service-option sequence (D1 allocates ids it never stores).
    func allocateServiceOptionIDs(count: Int) async throws -> [Int64]

    /// Numbers a listing's options from the sequence and stores them, in one transaction (D2's hot path).
    func insertListing(_ drafts: [StoredServiceOption]) async throws -> [StoredServiceOption]
    func serviceOption(id: Int64) async throws -> StoredServiceOption?

    /// Everything the store's drivers are committed to at `now` (orders and active holds, §2.0.5).
    /// `excludingHoldOfUser` leaves out that user's own hold.
    func commitments(retailerID: String, locationCode: String, now: Date, excludingHoldOfUser: String?) async throws -> [Commitment]

    /// Reserves an option for its user in one transaction serialised per store: releases the user's previous
    /// hold (committed whatever follows), checks liveness and availability, loads the store's commitments
    /// and asks `check` whether the new window still fits; if so, inserts the hold. A user never has two
    /// active holds (a constraint enforces it).
    func reserve(_ request: ReserveRequest, check: @escaping @Sendable ([Commitment]) -> Bool) async throws -> ReserveOutcome

    func hold(id: Int64) async throws -> HoldRecord?

    /// Creates an order in one transaction serialised per store: an existing `order_id` wins (idempotency);
    /// a hold, when given, must still be unreleased and unconsumed; `decide` runs on the store's commitments
    /// (without that hold) and picks the window to book (nil = no capacity); the order, the consumed hold and
    /// the `fulfillment.brand_new` event are written together. `(retailer, order_id)` is unique in the database.
    func createOrder(
        _ order: OrderRecord,
        holdID: Int64?,
        now: Date,
        decide: @escaping @Sendable ([Commitment]) -> BookingDecision?
    ) async throws -> CreateOrderOutcome

    func order(retailerID: String, orderID: String) async throws -> OrderRecord?

    /// Writes `order` if its stored status is still `expectedStatus` and its revision is still the one it
    /// was read at (a conditional update: of two processes moving one order, one wins), with `events` in
    /// the same transaction (each also queued as a callback when the retailer subscribes to it). With
    /// `recheck`, the store's commitments without this order are checked first and the decision's window
    /// (and handoff time, when the order asked for one) is stored.
    func updateOrder(
        _ order: OrderRecord,
        expectedStatus: OrderStatus,
        events: [OrderEvent],
        now: Date,
        recheck: (@Sendable ([Commitment]) -> BookingDecision?)?
    ) async throws -> OrderUpdateOutcome

    /// Events of an order, oldest first.
    func orderEvents(retailerID: String, orderID: String) async throws -> [OrderEvent]

    /// One page of a retailer's orders (`OrderQuery`: statuses, store, driver), by ascending row id after
    /// `afterRowID`. Background work walks every store page by page, so no retailer's backlog hides
    /// another's and no order is past a global limit.
    func orders(_ query: OrderQuery) async throws -> [OrderRecord]

    /// The stores that have orders in these statuses.
    func storesWithOrders(inStatuses statuses: [OrderStatus]) async throws -> [StoreKey]

    // MARK: Callback outbox

    /// Leases up to `limit` pending callbacks that are due at `due` (service time) and not leased by another
    /// worker (`FOR UPDATE SKIP LOCKED` on PostgreSQL), until `leaseNow + lease`. Leases run on wall-clock
    /// time: moving a test clock must not expire a lease another server holds.
    /// Callbacks of `excludingRetailers` are left for later (their receivers already have as many attempts in
    /// flight as they may).
    /// With `onlyRetailer`, only that retailer's callbacks (its test clock may differ from the process clock).
    func claimCallbacks(
        due: Date,
        leaseNow: Date,
        limit: Int,
        lease: TimeInterval,
        excludingRetailers: [String],
        onlyRetailer: String?
    )
        async throws -> [CallbackDelivery]
    /// Records attempts in the delivery log and sets each callback's next state, releasing its lease, in
    /// one transaction (one commit per batch, not per callback).
    func recordCallbackAttempts(_ attempts: [CallbackAttempt]) async throws
    /// The delivery log, newest first.
    func callbackDeliveries(retailerID: String?, orderID: String?, limit: Int) async throws -> [CallbackDelivery]
    /// The attempts of one callback, oldest first.
    func callbackAttempts(rowID: Int64) async throws -> [CallbackAttempt]
    /// Queues a callback again (delivered or failed ones too) with a fresh 24-hour retry budget.
    func resendCallback(rowID: Int64, now: Date) async throws -> Bool

    // MARK: Sandbox

    /// nil when the retailer already has a test driver with this phone.
    func insertShopper(retailerID: String, email: String?, phone: String?) async throws -> ShopperRecord?
    func shopper(id: Int64) async throws -> ShopperRecord?
    func hasActiveBatch(shopperID: Int64) async throws -> Bool
    /// nil when the shopper already has an active (not completed) batch.
    func insertBatch(retailerID: String, shopperID: Int64, orderIDs: [String]) async throws -> BatchRecord?
    func batch(id: Int64) async throws -> BatchRecord?
    func setBatchState(id: Int64, state: BatchState) async throws

    /// Releases connections.
    func close() async throws
}

/// See `Storage.checkoutReads`.
public struct CheckoutReads: Sendable {
    public var user: UserRecord?
    public var stores: [Store]
    public var commitments: [Commitment]
    public init(user: UserRecord?, stores: [Store], commitments: [Commitment]) {
        self.user = user
        self.stores = stores
        self.commitments = commitments
    }
}

/// See `Storage.reservationReads`.
public struct ReservationReads: Sendable {
    public var user: UserRecord?
    public var option: StoredServiceOption?
    /// The option's store; nil when it is not stored or the option is another retailer's.
    public var store: Store?
    public init(user: UserRecord?, option: StoredServiceOption?, store: Store?) {
        self.user = user
        self.option = option
        self.store = store
    }
}

/// See `Storage.orderCreationReads`.
public struct OrderCreationReads: Sendable {
    public var user: UserRecord?
    public var existing: OrderRecord?
    public var stores: [Store]
    public var hold: HoldRecord?
    /// The hold's option; nil without a hold.
    public var option: StoredServiceOption?
    public init(user: UserRecord?, existing: OrderRecord?, stores: [Store], hold: HoldRecord?, option: StoredServiceOption?) {
        self.user = user
        self.existing = existing
        self.stores = stores
        self.hold = hold
        self.option = option
    }
}

extension Storage {
    public func reservationReads(retailerID: String, userID: String, optionID: Int64) async throws -> ReservationReads {
        async let user = user(retailerID: retailerID, userID: userID)
        async let option = serviceOption(id: optionID)
        let found = try await option
        var store: Store?
        if let found, found.retailerID == retailerID { store = try await self.store(retailerID: retailerID, locationCode: found.locationCode) }
        return ReservationReads(user: try await user, option: found, store: store)
    }

    public func orderCreationReads(retailerID: String, userID: String, orderID: String, holdID: Int64?) async throws -> OrderCreationReads {
        async let user = user(retailerID: retailerID, userID: userID)
        async let existing = order(retailerID: retailerID, orderID: orderID)
        async let stores = stores(retailerID: retailerID)
        // The three reads above run while the hold and then its option are read.
        var hold: HoldRecord?
        var option: StoredServiceOption?
        if let holdID { hold = try await self.hold(id: holdID) }
        if let hold { option = try await serviceOption(id: hold.serviceOptionID) }
        return OrderCreationReads(user: try await user, existing: try await existing, stores: try await stores, hold: hold, option: option)
    }

    public func checkoutReads(retailerID: String, userID: String, locationCode: String, now: Date) async throws -> CheckoutReads {
        async let user = user(retailerID: retailerID, userID: userID)
        async let stores = stores(retailerID: retailerID)
        async let commitments = commitments(retailerID: retailerID, locationCode: locationCode, now: now, excludingHoldOfUser: userID)
        return CheckoutReads(user: try await user, stores: try await stores, commitments: try await commitments)
    }

    public func tokenHolder(hash: String) async throws -> (token: AccessTokenRecord, retailer: Retailer)? {
        guard let token = try await token(hash: hash), token.revokedAt == nil else { return nil }
        async let client = oauthClient(id: token.clientID)
        async let retailer = retailer(id: token.retailerID)
        guard try await client?.enabled == true, let retailer = try await retailer else { return nil }
        return (token, retailer)
    }

    public func claimCallbacks(due: Date, leaseNow: Date, limit: Int, lease: TimeInterval) async throws -> [CallbackDelivery] {
        try await claimCallbacks(due: due, leaseNow: leaseNow, limit: limit, lease: lease, excludingRetailers: [], onlyRetailer: nil)
    }

    public func claimCallbacks(
        due: Date,
        leaseNow: Date,
        limit: Int,
        lease: TimeInterval,
        excludingRetailers: [String]
    ) async throws
        -> [CallbackDelivery]
    {
        try await claimCallbacks(due: due, leaseNow: leaseNow, limit: limit, lease: lease, excludingRetailers: excludingRetailers, onlyRetailer: nil)
    }
}

/// A store of a retailer.
public struct StoreKey: Sendable, Hashable {
    public var retailerID: String
    public var locationCode: String
    public init(retailerID: String, locationCode: String) {
        self.retailerID = retailerID
        self.locationCode = locationCode
    }
}

/// Which orders `Storage.orders(_:)` returns.
public struct OrderQuery: Sendable {
    public enum Driver: Sendable, Equatable {
        case any
        /// No driver has accepted them.
        case none
        case is_(String)
    }

    public var statuses: [OrderStatus]
    public var retailerID: String
    public var locationCode: String?
    public var driver: Driver
    /// Keyset paging: only orders whose row id is greater.
    public var afterRowID: Int64
    /// Only orders whose row id is smaller (paging newest first).
    public var beforeRowID: Int64 = .max
    /// Newest (highest row id) first; otherwise oldest first.
    public var newestFirst = false
    public var limit: Int

    public init(
        statuses: [OrderStatus],
        retailerID: String,
        locationCode: String? = nil,
        driver: Driver = .any,
        afterRowID: Int64 = 0,
        limit: Int = 500
    ) {
        self.statuses = statuses
        self.retailerID = retailerID
        self.locationCode = locationCode
        self.driver = driver
        self.afterRowID = afterRowID
        self.limit = limit
    }
}

extension Storage {
    /// Hands every order matching `query` to `body`, one page at a time.
    public func forEachOrderPage(_ query: OrderQuery, _ body: ([OrderRecord]) async throws -> Void) async throws {
        var q = query
        while true {
            let page = try await orders(q)
            try await body(page)
            guard page.count == q.limit, let last = page.last else { return }
            q.afterRowID = last.id
        }
    }

    /// Every order matching `query`, fetched page by page.
    public func allOrders(_ query: OrderQuery) async throws -> [OrderRecord] {
        var all: [OrderRecord] = []
        try await forEachOrderPage(query) { all += $0 }
        return all
    }
}
