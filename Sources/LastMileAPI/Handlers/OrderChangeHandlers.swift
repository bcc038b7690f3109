import Foundation
import HTTPTypes
import Hummingbird
import LastMileCore
import LastMileStorage

/// G2/H4 (update), G4 (tip), the order-id-only paths of the single-call flow (H3, H5, H6) and I1.
struct OrderChangeHandlers {
    let service: LastMileService
    let locator: AddressLocator
    let capacity: CapacityService
    let orders: OrderHandlers

    /// How `start_at`/`end_at` without `service_option_id` are read: G2 narrows the current window,
    /// H4 treats them as a new desired window (§2.7.4).
    enum WindowMode { case narrowing, desiredWindow }

    struct UpdateFields {
        var optionID: Int64?, start: Date?, end: Date?, tip: Int64?, items: Int64?, bags: Int64?, weight: Double?, cart: Double?
        var alcoholic: Bool?, leaveUnattended: Bool?, label: String?, instructions: String?, sms: Bool?
    }

    static func readUpdate(_ body: [String: JSONValue], mode: WindowMode) throws -> UpdateFields {
        var r = FieldReader(body)
        var f = UpdateFields()
        f.optionID = r.integer("service_option_id", min: 1)
        (f.start, f.end) = OrderHandlers.readWindowPair(&r)
        if mode == .desiredWindow, f.optionID == nil, let s = f.start, let e = f.end, e > s, e.timeIntervalSince(s) < 3600 {
            r.fail("end_at", "must be at least one hour after start_at")
        }
        f.tip = r.integer("initial_tip_cents", min: 0, max: 100_000)
        f.items = r.integer("items_count", min: 1, max: 10_000)
        f.bags = r.integer("bags_count", min: 0, max: 1_000)
        f.weight = r.number("items_weight", min: 0, max: 2_000)
        f.cart = r.number("cart_total", min: 0, max: 1_000_000).map(OrderHandlers.roundCents)
        f.alcoholic = r.bool("alcoholic")
        f.leaveUnattended = r.bool("leave_unattended")
        f.label = r.string("bag_label", max: 100)
        f.instructions = r.string("special_instructions", max: 1_000, multiline: true)
        f.sms = r.bool("customer_sms_opt_out")
        guard r.errors.isEmpty else { throw ServiceError.validation(r.errors) }
        return f
    }

    // MARK: G2 / H4

    func updateIntegrated(_ input: HandlerInput) async throws -> Response {
        let f = try Self.readUpdate(input.body, mode: .narrowing)
        return try await update(try await orders.userOrder(input), f, mode: .narrowing, input)
    }

    func updateDispatch(_ input: HandlerInput) async throws -> Response {
        let f = try Self.readUpdate(input.body, mode: .desiredWindow)
        return try await update(try await dispatchOrder(input, userID: nil), f, mode: .desiredWindow, input)
    }

    func update(_ current: OrderRecord, _ f: UpdateFields, mode: WindowMode, _ input: HandlerInput) async throws -> Response {
        guard current.status.canUpdate else { throw ServiceError.state("Order can no longer be updated") }
        guard let store = try await service.storage.store(retailerID: current.retailerID, locationCode: current.locationCode) else {
            throw ServiceError.badRequest(OrderHandlers.slotGone, key: f.optionID != nil ? "service_option_id" : "start_at")
        }
        var order = current
        // The windows to try when the window changes, and the key a capacity failure is reported on.
        var windows: [DeliveryWindow]?
        var fullError = ServiceError.badRequest(OrderHandlers.slotGone, key: "service_option_id")
        if let optionID = f.optionID {
            let notFound = ServiceError.badRequest("Service option not found", key: "service_option_id")
            guard let option = try await service.storage.serviceOption(id: optionID), option.retailerID == current.retailerID,
                  option.locationCode == current.locationCode, current.userID == nil || option.userID == current.userID
            else { throw notFound }
            guard option.isLive(at: input.now) else {
                throw ServiceError.badRequest("Service option has expired. Please retrieve service options again.", key: "service_option_id")
            }
            guard option.available else { throw ServiceError.badRequest("Service option is not available.", key: "service_option_id") }
            windows = [try Self.narrow(Self.bookedWindow(option, now: input.now), start: f.start, end: f.end)]
        } else if let s = f.start, let e = f.end {
            switch mode {
            case .narrowing:
                windows = [try Self.narrow(DeliveryWindow(start: current.windowStart, end: current.windowEnd), start: s, end: e)]
                fullError = ServiceError.badRequest(OrderHandlers.slotGone, key: "start_at")
            case .desiredWindow:
                let plan = try DispatchHandlers.plan(store: store, desired: DeliveryWindow(start: s, end: e), now: input.now, fallback: false)
                guard !plan.candidates.isEmpty else {
                    throw ServiceError.badRequest("Requested delivery window not available at this store", key: "start_at")
                }
                windows = plan.candidates
                fullError = ServiceError.badRequest("No delivery windows currently available", key: "start_at")
            }
        }
        if let tip = f.tip { order.tipAmountCents = tip }
        if let v = f.items { order.itemsCount = v }
        if let v = f.bags { order.bagsCount = v }
        if let v = f.weight { order.itemsWeight = v }
        if let v = f.cart { order.cartTotal = v }
        if let v = f.label { order.bagLabel = v }
        if let v = f.instructions { order.specialInstructions = v }
        if let v = f.sms { order.customerSMSOptOut = v }
        if let v = f.alcoholic { order.alcoholic = v }
        if let v = f.leaveUnattended, !order.alcoholic { order.leaveUnattended = v }
        if order.alcoholic { order.leaveUnattended = false }
        if order.alcoholic {
            let customer = locator.locality(city: order.address.city, located: locator.locate(postalCode: order.address.postalCode))
            let check = windows ?? [DeliveryWindow(start: order.windowStart, end: order.windowEnd)]
            let fine = check.filter { AlcoholCheck.violations(store: store, customer: customer, window: $0).isEmpty }
            if fine.isEmpty, let rule = AlcoholCheck.violations(store: store, customer: customer, window: check[0]).first {
                throw ServiceError.badRequest(rule.orderError.message, key: rule.orderError.key)
            }
            if windows != nil { windows = fine }
        }
        let recheck = windows.map { capacity.booking(store: store, now: input.now, windows: $0, travelMinutes: order.travelMinutes) }
        switch try await service.storage.updateOrder(order, expectedStatus: current.status, events: [], now: input.now, recheck: recheck) {
        case .updated(let o): return orders.respond(o, input.retailer)
        case .statusChanged: throw ServiceError.state("Order can no longer be updated")
        case .full: throw fullError
        }
    }

    /// The window an option books at `now` (§2.6.1).
    static func bookedWindow(_ option: StoredServiceOption, now: Date) -> DeliveryWindow {
        switch option.type {
        case .scheduled: return DeliveryWindow(start: option.windowStart, end: option.windowEnd)
        case .immediate: return DeliveryWindow(start: now, end: now.addingTimeInterval(Double(option.immediateHour ?? 2) * 3600))
        case .eta, .priorityETA: return DeliveryWindow(start: now, end: option.windowEnd)
        }
    }

    /// Narrows `window` to `[start, end]`, which must lie inside it.
    static func narrow(_ window: DeliveryWindow, start: Date?, end: Date?) throws -> DeliveryWindow {
        guard let start, let end else { return window }
        if start < window.start || start > window.end { throw ServiceError.badRequest("must fall within the service option window", key: "start_at") }
        if end > window.end { throw ServiceError.badRequest("must fall within the service option window", key: "end_at") }
        return DeliveryWindow(start: start, end: end)
    }

    // MARK: G4

    func tip(_ input: HandlerInput) async throws -> Response {
        var r = FieldReader(input.body)
        let tip = r.integer("tip_amount_cents", required: true, min: 0, max: 100_000)
        guard r.errors.isEmpty, let tip else { throw ServiceError.validation(r.errors) }
        var order = try await orders.userOrder(input)
        guard order.status.canTip else { throw ServiceError.state("Tip can only be updated after the order is delivered") }
        guard tip != order.tipAmountCents else { return orders.respond(order, input.retailer) }
        let previous = order.tipAmountCents
        order.tipAmountCents = tip
        let event = CallbackEvents.tip(order, previous: previous, at: input.now)
        guard case .updated(let o) = try await service.storage.updateOrder(order, expectedStatus: .delivered, events: [event], now: input.now, recheck: nil)
        else { throw ServiceError.state("Tip can only be updated after the order is delivered") }
        return orders.respond(o, input.retailer)
    }

    // MARK: H3, H5, H6 — orders by order_id alone

    /// Any last-mile order of the retailer; a `user_id`, when given, must be the order's user (§2.7).
    func dispatchOrder(_ input: HandlerInput, userID: String?) async throws -> OrderRecord {
        let orderID = input.params["order_id"] ?? ""
        guard FieldRules.isValidIdentifier(orderID), let o = try await service.storage.order(retailerID: input.retailer.id, orderID: orderID),
              userID == nil || o.userID == userID else { throw ServiceError.notFound }
        return o
    }

    func getDispatch(_ input: HandlerInput) async throws -> Response {
        let userID = input.request.uri.queryParameters["user_id"].map { String($0) }.flatMap { $0.isEmpty ? nil : $0 }
        return orders.respond(try await dispatchOrder(input, userID: userID), input.retailer)
    }

    func stageDispatch(_ input: HandlerInput) async throws -> Response {
        try await orders.stage(input) { try await dispatchOrder(input, userID: nil) }
    }

    func cancelDispatch(_ input: HandlerInput) async throws -> Response {
        var r = FieldReader(input.body)
        let userID = r.string("user_id")
        _ = r.string("reason", max: 500)
        guard r.errors.isEmpty else { throw ServiceError.validation(r.errors) }
        return try await orders.cancel(try await dispatchOrder(input, userID: userID), input)
    }

    // MARK: I1

    struct LocationBody: Encodable {
        struct Coordinates: Encodable { var latitude: Double; var longitude: Double }
        var coordinates: Coordinates?
    }

    /// §2.8.1: the driver's position while `delivering` (the store's before the first report), else `{}`.
    func driverLocation(_ input: HandlerInput) async throws -> Response {
        let order = try await dispatchOrder(input, userID: nil)
        if input.retailer.redactShopperPII { throw ServiceError(.forbidden, "Shopper PII", code: nil) }
        guard order.status == .delivering else { return JSONResponse.make(LocationBody(coordinates: nil)) }
        var point = order.driverLocation
        if point == nil { point = try await service.storage.store(retailerID: order.retailerID, locationCode: order.locationCode)?.point }
        return JSONResponse.make(LocationBody(coordinates: point.map { .init(latitude: $0.latitude, longitude: $0.longitude) }))
    }
}
