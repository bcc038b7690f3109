import Foundation
import LastMileCore
import LastMileStorage

/// An order's validated create request (F1, F1a, H2), with its normalised form for idempotency.
public struct NewOrderRequest: Sendable {
    public var orderID: String
    public var locationCode: String
    public var locale: LocaleTag?
    /// F1's hold; H2 has none.
    public var holdID: Int64?
    public var start: Date?
    public var end: Date?
    public var firstName: String
    public var lastName: String
    public var phone: String
    public var email: String?
    public var tip: Int64?
    public var itemsCount: Int64
    public var bagsCount: Int64?
    public var itemsWeight: Double
    public var cartTotal: Double?
    public var bagLabel: String?
    public var alcoholic: Bool
    public var leaveUnattended: Bool
    public var specialInstructions: String?
    public var smsOptOut: Bool
    public var withHandoff: Bool
    public var address: AddressFields
    /// Trimmed strings, null = absent, numbers by value, instants, normalised codes: two requests are the
    /// same order when these are equal.
    public var normalized: [String: JSONValue]

    public init(
        orderID: String,
        locationCode: String,
        locale: LocaleTag?,
        holdID: Int64?,
        start: Date?,
        end: Date?,
        firstName: String,
        lastName: String,
        phone: String,
        email: String?,
        tip: Int64?,
        itemsCount: Int64,
        bagsCount: Int64?,
        itemsWeight: Double,
        cartTotal: Double?,
        bagLabel: String?,
        alcoholic: Bool,
        leaveUnattended: Bool,
        specialInstructions: String?,
        smsOptOut: Bool,
        withHandoff: Bool,
        address: AddressFields,
        normalized: [String: JSONValue]
    ) {
        self.orderID = orderID
        self.locationCode = locationCode
        self.locale = locale
        self.holdID = holdID
        self.start = start
        self.end = end
        self.firstName = firstName
        self.lastName = lastName
        self.phone = phone
        self.email = email
        self.tip = tip
        self.itemsCount = itemsCount
        self.bagsCount = bagsCount
        self.itemsWeight = itemsWeight
        self.cartTotal = cartTotal
        self.bagLabel = bagLabel
        self.alcoholic = alcoholic
        self.leaveUnattended = leaveUnattended
        self.specialInstructions = specialInstructions
        self.smsOptOut = smsOptOut
        self.withHandoff = withHandoff
        self.address = address
        self.normalized = normalized
    }

    /// The idempotency key of §1.12: the same order_id with another fingerprint is a conflict.
    func fingerprint(family: OrderFamily, userID: String?) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let body = (try? encoder.encode(normalized)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        return "\(family.rawValue)|\(userID ?? "")|\(body)"
    }
}

/// How H2 chooses its window: a listed option, or a desired window (with the same-day fallback).
public struct DispatchWindowChoice: Sendable {
    public var serviceOptionID: Int64?
    public var fallbackToSoonestSameDay: Bool

    public init(serviceOptionID: Int64?, fallbackToSoonestSameDay: Bool) {
        self.serviceOptionID = serviceOptionID
        self.fallbackToSoonestSameDay = fallbackToSoonestSameDay
    }
}

extension BookingService {
    /// F1/F1a (§2.6.1): an order for the user's hold, idempotent on `order_id`.
    public func createOrder(
        _ f: NewOrderRequest,
        userID: String,
        retailer: Retailer,
        acceptLanguage: LocaleTag?,
        now: Date
    )
        async throws -> OrderRecord
    {
        try locator.requireValidUserID(userID)
        // Everything checked before the write, in one read (the checks keep the contract's order).
        let reads = try await storage.orderCreationReads(retailerID: retailer.id, userID: userID, orderID: f.orderID, holdID: f.holdID)
        guard let user = reads.user else { throw ServiceError.userNotFound }
        let fingerprint = f.fingerprint(family: .integrated, userID: userID)
        if let existing = reads.existing { return try Self.repeated(existing, fingerprint: fingerprint) }
        try Self.requireHandoffAllowed(f.withHandoff, retailer: retailer)
        let (store, lastMileStores) = try Self.requireStoreAmongOthers(reads.stores, locationCode: f.locationCode)
        guard let hold = reads.hold, hold.retailerID == retailer.id, hold.userID == userID, hold.status != .released,
            let option = reads.option
        else { throw BookingError.holdNotFound }
        if hold.status == .consumed {
            // A concurrent identical request may have consumed it for this very order: idempotency wins.
            if let existing = try await existingOrder(f.orderID, retailerID: retailer.id, fingerprint: fingerprint) { return existing }
            throw BookingError.holdUsed
        }
        guard hold.locationCode == store.locationCode else { throw BookingError.holdForOtherStore }
        let (located, travel, _) = try await locator.requireDeliverable(f.address, to: store, among: lastMileStores)
        let window = try BookedWindow.narrow(option.bookedWindow(at: now), start: f.start, end: f.end)
        if f.alcoholic,
            let rule = AlcoholCheck.violations(
                store: store,
                customer: locator.locality(city: f.address.city, located: located),
                window: window
            ).first
        {
            throw ServiceError.badRequest(rule.orderError.message, key: rule.orderError.key)
        }
        // An expired hold's scheduled window that has already started cannot be booked.
        if !hold.isActive(at: now) && window.start <= now && option.type == .scheduled {
            throw BookingError.slotGone(key: "service_option_hold_id")
        }
        let order = newOrder(
            f,
            retailer: retailer,
            userID: userID,
            user: user,
            family: .integrated,
            fingerprint: fingerprint,
            store: store,
            window: window,
            located: located,
            travel: travel,
            acceptLanguage: acceptLanguage,
            now: now
        )
        let result = try await storage.createOrder(
            order,
            holdID: hold.id,
            now: now,
            decide: capacity.booking(store: store, now: now, windows: [window], destination: located.point, travelMinutes: travel)
        )
        switch result {
        case .created(let o): return o
        case .existing(let o): return try Self.repeated(o, fingerprint: fingerprint)  // another request created it meanwhile
        case .holdNotFound: throw BookingError.holdNotFound
        case .holdUsed: throw BookingError.holdUsed
        case .full: throw BookingError.slotGone(key: "service_option_hold_id")
        }
    }

    /// H2 (§2.7.2): an order in one call, for a listed option or a desired window, idempotent on `order_id`.
    public func createDispatchOrder(
        _ f: NewOrderRequest,
        choice: DispatchWindowChoice,
        userID: String?,
        retailer: Retailer,
        acceptLanguage: LocaleTag?,
        now: Date
    ) async throws -> OrderRecord {
        var user: UserRecord?
        if let userID { user = try await locator.requireUser(retailerID: retailer.id, userID: userID) }
        let fingerprint = f.fingerprint(family: .dispatch, userID: nil)
        if let existing = try await existingOrder(f.orderID, retailerID: retailer.id, fingerprint: fingerprint) { return existing }
        try Self.requireHandoffAllowed(f.withHandoff, retailer: retailer)
        let (store, lastMileStores) = try await requireStoreAmongOthers(retailerID: retailer.id, locationCode: f.locationCode)
        let (located, travel, _) = try await locator.requireDeliverable(f.address, to: store, among: lastMileStores)
        let customer = locator.locality(city: f.address.city, located: located)
        if f.alcoholic {
            // R1 and R2 do not depend on the window: report them first.
            let any = DeliveryWindow(start: now, end: now)
            if let rule = AlcoholCheck.violations(store: store, customer: customer, window: any).first(where: { $0 != .outsideHours }) {
                throw ServiceError.badRequest(rule.orderError.message, key: rule.orderError.key)
            }
        }
        func passesR3(_ w: DeliveryWindow) -> Bool {
            !f.alcoholic || AlcoholCheck.violations(store: store, customer: customer, window: w).isEmpty
        }

        let windows: [DeliveryWindow]
        let fullError: ServiceError
        if let optionID = choice.serviceOptionID {
            let option = try await liveOption(optionID, retailerID: retailer.id, locationCode: store.locationCode, userID: userID, now: now)
            let window = try BookedWindow.narrow(option.bookedWindow(at: now), start: f.start, end: f.end)
            guard passesR3(window) else { throw ServiceError.badRequest(AlcoholRule.outsideHours.orderError.message, key: "alcoholic") }
            windows = [window]
            fullError = BookingError.slotGone(key: "service_option_id")
        } else {
            guard let start = f.start, let end = f.end else { throw ServiceError.internalError }  // validated by the caller
            let plan = try Self.desiredWindowPlan(
                store: store,
                desired: DeliveryWindow(start: start, end: end),
                now: now,
                fallback: choice.fallbackToSoonestSameDay
            )
            windows = (plan.candidates + plan.fallback).filter(passesR3)
            fullError = plan.candidates.isEmpty ? BookingError.desiredWindowNotAvailable : BookingError.noWindowsAvailable
            if windows.isEmpty { throw fullError }
        }
        let order = newOrder(
            f,
            retailer: retailer,
            userID: userID,
            user: user,
            family: .dispatch,
            fingerprint: fingerprint,
            store: store,
            window: windows[0],
            located: located,
            travel: travel,
            acceptLanguage: acceptLanguage,
            now: now
        )
        let result = try await storage.createOrder(
            order,
            holdID: nil,
            now: now,
            decide: capacity.booking(store: store, now: now, windows: windows, destination: located.point, travelMinutes: travel)
        )
        switch result {
        case .created(let o): return o
        case .existing(let o): return try Self.repeated(o, fingerprint: fingerprint)
        case .full: throw fullError
        case .holdNotFound, .holdUsed: throw ServiceError.internalError  // no hold is involved
        }
    }

    /// The stored order with this id when the request repeats it; a different request is a conflict.
    func existingOrder(_ orderID: String, retailerID: String, fingerprint: String) async throws -> OrderRecord? {
        try await storage.order(retailerID: retailerID, orderID: orderID).map { try Self.repeated($0, fingerprint: fingerprint) }
    }

    /// An order already stored under the request's `order_id` (§1.12): the answer when the request is the
    /// same order again, a conflict when it is another.
    static func repeated(_ existing: OrderRecord, fingerprint: String) throws -> OrderRecord {
        guard existing.fingerprint == fingerprint else { throw BookingError.orderIDConflict }
        return existing
    }

    /// A listed option an order may book (H2, G2, H4): the retailer's, at the order's store, for the order's
    /// user when it has one, still live and available.
    func liveOption(
        _ id: Int64,
        retailerID: String,
        locationCode: String,
        userID: String?,
        now: Date
    ) async throws
        -> StoredServiceOption
    {
        let key = "service_option_id"
        guard let option = try await storage.serviceOption(id: id), option.retailerID == retailerID,
            option.locationCode == locationCode, userID == nil || option.userID == userID
        else { throw BookingError.optionNotFound(key: key) }
        guard option.isLive(at: now) else { throw BookingError.optionExpired(key: key) }
        guard option.available else { throw BookingError.optionNotAvailable(key: key) }
        return option
    }

    /// Steps 1–5 of §2.7.2 with their errors.
    static func desiredWindowPlan(store: Store, desired: DeliveryWindow, now: Date, fallback: Bool) throws -> DesiredWindowBooking.Plan {
        do {
            return try DesiredWindowBooking.plan(store: store, desired: desired, now: now, fallbackToSoonestSameDay: fallback)
        } catch DesiredWindowBooking.Problem.notOnHour(let key) {
            throw BookingError.notOnHour(key: key)
        } catch DesiredWindowBooking.Problem.closed {
            throw BookingError.storeClosed
        }
    }

    /// A new `brand_new` order. The effective locale is the request's, else the first supported
    /// `Accept-Language` tag, else the user's, else the retailer's (§1.9).
    func newOrder(
        _ f: NewOrderRequest,
        retailer: Retailer,
        userID: String?,
        user: UserRecord?,
        family: OrderFamily,
        fingerprint: String,
        store: Store,
        window: DeliveryWindow,
        located: AddressLocator.Located,
        travel: Int,
        acceptLanguage: LocaleTag?,
        now: Date
    ) -> OrderRecord {
        let locale = f.locale ?? acceptLanguage ?? user?.locale ?? retailer.country.defaultLocale
        var order = OrderRecord(
            retailerID: retailer.id,
            orderID: f.orderID,
            userID: userID,
            family: family,
            fingerprint: fingerprint,
            locationCode: store.locationCode,
            windowStart: window.start,
            windowEnd: window.end,
            createdAt: Timestamp.floorToSecond(now),
            locale: locale,
            firstName: f.firstName,
            lastName: f.lastName,
            phone: f.phone,
            email: f.email,
            address: UserAddress(
                addressLine1: f.address.line1,
                addressLine2: f.address.line2,
                addressType: f.address.type,
                postalCode: f.address.postalCode,
                city: f.address.city ?? located.city,
                state: f.address.state ?? located.state
            ),
            destination: located.point,
            travelMinutes: travel,
            itemsCount: f.itemsCount,
            itemsWeight: f.itemsWeight,
            alcoholic: f.alcoholic,
            leaveUnattended: f.alcoholic ? false : f.leaveUnattended,
            customerSMSOptOut: f.smsOptOut,
            withHandoffTime: f.withHandoff
        )
        order.tipAmountCents = f.tip ?? 0
        order.bagsCount = f.bagsCount
        order.cartTotal = f.cartTotal
        order.bagLabel = f.bagLabel
        order.specialInstructions = f.specialInstructions
        order.orderURL = retailer.orderURL(orderID: f.orderID)
        return order
    }
}
