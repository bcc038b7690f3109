import Foundation
import HTTPTypes
import Hummingbird
import LastMileCore
import LastMileStorage

/// F1/F1a (create), G1 (get), G3 (stage), G5 (cancel) of the integrated flow (§2.6).
struct OrderHandlers {
    let service: LastMileService
    let locator: AddressLocator
    let capacity: CapacityService

    static let slotGone = "The selected time slot is no longer available. Please choose another time slot."

    /// The create request after field validation, with its normalised form for idempotency.
    struct CreateFields {
        var orderID: String, locationCode: String, locale: LocaleTag?, holdID: Int64, start: Date?, end: Date?
        var firstName: String, lastName: String, phone: String, email: String?, tip: Int64?, itemsCount: Int64, bagsCount: Int64?
        var itemsWeight: Double, cartTotal: Double?, bagLabel: String?, alcoholic: Bool, leaveUnattended: Bool
        var specialInstructions: String?, smsOptOut: Bool, withHandoff: Bool, address: AddressFields
        var normalized: [String: JSONValue]
    }

    static func readCreate(_ body: [String: JSONValue]) throws -> CreateFields {
        var r = FieldReader(body)
        let orderID = r.string("order_id", required: true)
        if let orderID, let problem = FieldRules.identifierError(orderID) { r.fail("order_id", problem) }
        let locationCode = r.string("location_code", required: true)
        let locale = ProfileFields.readLocale(&r, "locale")
        let holdID = r.integer("service_option_hold_id", required: true, min: 1)
        let (start, end) = readWindowPair(&r)
        let first = ProfileFields.readName(&r, "first_name", required: true, message: "Invalid first name")
        let last = ProfileFields.readName(&r, "last_name", required: true, message: "Invalid last name")
        let phone = r.formatted("user_phone", required: true, message: "must be a valid E.164 phone number") { FieldRules.isValidPhone($0) ? $0 : nil }
        let email = r.formatted("email", message: "is not a valid email address") { FieldRules.isValidEmail($0) ? $0 : nil }
        let tip = r.integer("initial_tip_cents", min: 0, max: 100_000)
        let items = r.integer("items_count", required: true, min: 1, max: 10_000)
        let bags = r.integer("bags_count", min: 0, max: 1_000)
        let weight = r.number("items_weight", required: true, min: 0, max: 2_000)
        let cart = r.number("cart_total", min: 0, max: 1_000_000)
        let label = r.string("bag_label", max: 100)
        let alcoholic = r.bool("alcoholic") ?? false
        let unattended = r.bool("leave_unattended") ?? false
        let instructions = r.string("special_instructions", max: 1_000, multiline: true)
        let sms = r.bool("customer_sms_opt_out") ?? false
        let handoff = r.bool("with_handoff_time") ?? false
        var address: AddressFields?
        if let a = r.object("address", required: true) {
            var ar = FieldReader(a, prefix: "address")
            address = AddressFields.read(&ar, lineKey: "address_line_1", includeState: true)
            r.absorb(ar.errors)
        }
        guard r.errors.isEmpty, let orderID, let locationCode, let holdID, let first, let last, let phone, let items, let weight, let address
        else { throw ServiceError.validation(r.errors) }
        // Normalised request: trimmed strings, null = absent, numbers by value, instants, normalised codes.
        var n: [String: JSONValue] = ["order_id": .string(orderID), "location_code": .string(locationCode),
                                      "service_option_hold_id": .integer(holdID), "first_name": .string(first), "last_name": .string(last),
                                      "user_phone": .string(phone), "items_count": .integer(items), "items_weight": .number(weight),
                                      "alcoholic": .bool(alcoholic), "leave_unattended": .bool(unattended),
                                      "customer_sms_opt_out": .bool(sms), "with_handoff_time": .bool(handoff),
                                      "address": .object(["address_line_1": .string(address.line1), "postal_code": .string(address.postalCode)]
                                          .merging([("address_line_2", address.line2), ("address_type", address.type), ("city", address.city),
                                                    ("state", address.state)].compactMap { k, v in v.map { (k, JSONValue.string($0)) } }) { a, _ in a })]
        if let locale { n["locale"] = .string(locale.rawValue) }
        if let start { n["start_at"] = .number(start.timeIntervalSince1970) }
        if let end { n["end_at"] = .number(end.timeIntervalSince1970) }
        if let email { n["email"] = .string(email) }
        if let tip { n["initial_tip_cents"] = .integer(tip) }
        if let bags { n["bags_count"] = .integer(bags) }
        if let cart { n["cart_total"] = .number(roundCents(cart)) }
        if let label { n["bag_label"] = .string(label) }
        if let instructions { n["special_instructions"] = .string(instructions) }
        return CreateFields(orderID: orderID, locationCode: locationCode, locale: locale, holdID: holdID, start: start, end: end,
                            firstName: first, lastName: last, phone: phone, email: email, tip: tip, itemsCount: items, bagsCount: bags,
                            itemsWeight: weight, cartTotal: cart.map(roundCents), bagLabel: label, alcoholic: alcoholic,
                            leaveUnattended: unattended, specialInstructions: instructions, smsOptOut: sms, withHandoff: handoff,
                            address: address, normalized: n)
    }

    /// Dollars keep at most 2 decimals, rounded half-up (§1.6).
    /// Rounded on the decimal text of the number, so 64.205 becomes 64.21 (binary doubles would say 64.2).
    static func roundCents(_ d: Double) -> Double {
        guard var value = Decimal(string: "\(d)") else { return d }
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, 2, .plain)
        return NSDecimalNumber(decimal: rounded).doubleValue
    }

    /// `start_at`/`end_at`: each requires the other; `end_at` after `start_at`.
    static func readWindowPair(_ r: inout FieldReader) -> (Date?, Date?) {
        let hasStart = r.has("start_at"), hasEnd = r.has("end_at")
        let start = r.timestamp("start_at", required: hasEnd)
        let end = r.timestamp("end_at", required: hasStart)
        if let start, let end, end <= start { r.fail("end_at", "must be after start_at") }
        return (start, end)
    }

    static func fingerprint(family: OrderFamily, userID: String?, _ normalized: [String: JSONValue]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let body = (try? encoder.encode(normalized)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        return "\(family.rawValue)|\(userID ?? "")|\(body)"
    }

    func respond(_ o: OrderRecord, _ retailer: Retailer) -> Response { JSONResponse.make(OrderBody(o, retailer: retailer)) }

    /// A new `brand_new` order from a validated create request (F1, F1a, H2). The effective locale is the
    /// body's, else the first supported `Accept-Language` tag, else the user's, else the retailer's (§1.9).
    static func newOrder(_ f: CreateFields, input: HandlerInput, userID: String?, user: UserRecord?, family: OrderFamily,
                         fingerprint: String, store: Store, window: DeliveryWindow, located: AddressLocator.Located,
                         travel: Int) -> OrderRecord {
        let locale = f.locale ?? input.request.headers[.acceptLanguage].flatMap(LocaleTag.fromAcceptLanguage) ?? user?.locale
            ?? input.retailer.country.defaultLocale
        var order = OrderRecord(
            retailerID: input.retailer.id, orderID: f.orderID, userID: userID, family: family, fingerprint: fingerprint,
            locationCode: store.locationCode, windowStart: window.start, windowEnd: window.end, createdAt: Timestamp.floorToSecond(input.now),
            locale: locale, firstName: f.firstName, lastName: f.lastName, phone: f.phone, email: f.email,
            address: UserAddress(addressLine1: f.address.line1, addressLine2: f.address.line2, addressType: f.address.type,
                                 postalCode: f.address.postalCode, city: f.address.city ?? located.city, state: f.address.state ?? located.state),
            destination: located.point, travelMinutes: travel, itemsCount: f.itemsCount, itemsWeight: f.itemsWeight,
            alcoholic: f.alcoholic, leaveUnattended: f.alcoholic ? false : f.leaveUnattended, customerSMSOptOut: f.smsOptOut,
            withHandoffTime: f.withHandoff)
        order.tipAmountCents = f.tip ?? 0
        order.bagsCount = f.bagsCount
        order.cartTotal = f.cartTotal
        order.bagLabel = f.bagLabel
        order.specialInstructions = f.specialInstructions
        order.orderURL = input.retailer.orderURL(orderID: f.orderID)
        return order
    }

    // MARK: F1 / F1a

    func create(_ input: HandlerInput) async throws -> Response {
        let f = try Self.readCreate(input.body)
        let retailer = input.retailer
        let userID = input.params["user_id"] ?? ""
        let user = try await locator.requireUser(retailerID: retailer.id, userID: userID)
        let fingerprint = Self.fingerprint(family: .integrated, userID: userID, f.normalized)
        let conflict = ServiceError(.conflict, "An order with this order_id already exists with different parameters.", code: 4001, key: "order_id")
        if let existing = try await service.storage.order(retailerID: retailer.id, orderID: f.orderID) {
            guard existing.fingerprint == fingerprint else { throw conflict }
            return respond(existing, retailer)
        }
        if f.withHandoff && !retailer.handoffTimeEnabled {
            throw ServiceError.badRequest("Handoff time calculation is not configured for this retailer.", key: "with_handoff_time")
        }
        guard let store = try await service.storage.store(retailerID: retailer.id, locationCode: f.locationCode), store.isAvailableForLastMile
        else { throw ServiceError.storeNotAvailable }
        let holdNotFound = ServiceError.badRequest("Service option hold not found", key: "service_option_hold_id")
        guard let hold = try await service.storage.hold(id: f.holdID), hold.retailerID == retailer.id, hold.userID == userID,
              hold.status != .released, let option = try await service.storage.serviceOption(id: hold.serviceOptionID)
        else { throw holdNotFound }
        if hold.status == .consumed {
            // A concurrent identical request may have consumed it for this very order: idempotency wins.
            if let existing = try await service.storage.order(retailerID: retailer.id, orderID: f.orderID) {
                guard existing.fingerprint == fingerprint else { throw conflict }
                return respond(existing, retailer)
            }
            throw ServiceError.badRequest("Service option hold has already been used", key: "service_option_hold_id")
        }
        guard hold.locationCode == store.locationCode else {
            throw ServiceError.badRequest("Service option hold is for a different store", key: "location_code")
        }
        let (located, travel) = try await locator.requireDeliverable(f.address, to: store, retailerID: retailer.id)
        // The booked window (§2.6.1), narrowed by start_at/end_at within the option's window.
        var window: DeliveryWindow
        switch option.type {
        case .scheduled: window = DeliveryWindow(start: option.windowStart, end: option.windowEnd)
        case .immediate: window = DeliveryWindow(start: input.now, end: input.now.addingTimeInterval(Double(option.immediateHour ?? 2) * 3600))
        case .eta, .priorityETA: window = DeliveryWindow(start: input.now, end: option.windowEnd)
        }
        if let s = f.start, let e = f.end {
            if s < window.start || s > window.end { throw ServiceError.badRequest("must fall within the service option window", key: "start_at") }
            if e > window.end { throw ServiceError.badRequest("must fall within the service option window", key: "end_at") }
            window = DeliveryWindow(start: s, end: e)
        }
        if f.alcoholic, let rule = AlcoholCheck.violations(store: store, customer: locator.locality(city: f.address.city, located: located),
                                                           window: window).first {
            throw ServiceError.badRequest(rule.orderError.message, key: rule.orderError.key)
        }
        // An expired hold's scheduled window that has already started cannot be booked.
        if !hold.isActive(at: input.now) && window.start <= input.now && option.type == .scheduled {
            throw ServiceError.badRequest(Self.slotGone, key: "service_option_hold_id")
        }
        let order = Self.newOrder(f, input: input, userID: userID, user: user, family: .integrated, fingerprint: fingerprint,
                                  store: store, window: window, located: located, travel: travel)
        let result = try await service.storage.createOrder(
            order, holdID: hold.id, now: input.now,
            decide: capacity.booking(store: store, now: input.now, windows: [window], travelMinutes: travel))
        switch result {
        case .created(let o): return respond(o, retailer)
        case .existing(let o):
            // Another request created it meanwhile: same idempotency rule.
            guard o.fingerprint == fingerprint else { throw conflict }
            return respond(o, retailer)
        case .holdNotFound: throw holdNotFound
        case .holdUsed: throw ServiceError.badRequest("Service option hold has already been used", key: "service_option_hold_id")
        case .full: throw ServiceError.badRequest(Self.slotGone, key: "service_option_hold_id")
        }
    }

    // MARK: G1, G3, G5

    /// The order with this id whose user is the path's user (§2.6.3), else 404.
    func userOrder(_ input: HandlerInput) async throws -> OrderRecord {
        let userID = input.params["user_id"] ?? "", orderID = input.params["order_id"] ?? ""
        guard FieldRules.isValidIdentifier(orderID), let o = try await service.storage.order(retailerID: input.retailer.id, orderID: orderID),
              o.userID == userID else { throw ServiceError.notFound }
        return o
    }

    func get(_ input: HandlerInput) async throws -> Response {
        respond(try await userOrder(input), input.retailer)
    }

    func stage(_ input: HandlerInput) async throws -> Response {
        try await stage(input) { try await userOrder(input) }
    }

    func cancel(_ input: HandlerInput) async throws -> Response {
        var r = FieldReader(input.body)
        _ = r.string("reason", max: 500)
        guard r.errors.isEmpty else { throw ServiceError.validation(r.errors) }
        return try await cancel(try await userOrder(input), input)
    }

    /// G3/H5: validation first, then the order (`find`), then the status rule.
    func stage(_ input: HandlerInput, find: () async throws -> OrderRecord) async throws -> Response {
        var r = FieldReader(input.body)
        let items = r.integer("items_count", min: 1, max: 10_000)
        let bags = r.integer("bags_count", min: 0, max: 1_000)
        let weight = r.number("items_weight", min: 0, max: 2_000)
        let label = r.string("bag_label", max: 100)
        var codes: [String]?
        if let list = r.array("bag_scan_codes", maxEntries: 50) {
            codes = []
            for (i, v) in list.enumerated() {
                let key = "bag_scan_codes[\(i)]"
                guard case .string(let s) = v else { r.failAtPath(key, v.isNull ? "can't be blank" : "must be a string"); continue }
                let t = s.trimmingCharacters(in: .whitespacesAndNewlines)
                if t.isEmpty { r.failAtPath(key, "can't be blank") }
                else if t.unicodeScalars.count > 100 { r.failAtPath(key, "is too long (maximum is 100 characters)") }
                else if TextRules.containsForbiddenCharacter(t) { r.failAtPath(key, TextRules.controlCharacterMessage) }
                else { codes?.append(t) }
            }
        }
        guard r.errors.isEmpty else { throw ServiceError.validation(r.errors) }
        var order = try await find()
        let before = order.status
        guard before.canStage else { throw ServiceError.state("Order can no longer be staged") }
        if let items { order.itemsCount = items }
        if let bags { order.bagsCount = bags }
        if let weight { order.itemsWeight = weight }
        if let label { order.bagLabel = label }
        if let codes { order.bagScanCodes = codes }
        order.status = .staged
        order.everStaged = true
        let events = before == .staged ? [] : [CallbackEvents.staged(order, at: input.now)]
        guard case .updated = try await service.storage.updateOrder(order, expectedStatus: before, events: events, now: input.now, recheck: nil)
        else { throw ServiceError.state("Order can no longer be staged") }
        return respond(order, input.retailer)
    }

    /// G5/H6 after validation: retailer cancel; a canceled order is returned unchanged. The optional
    /// `reason` is kept for audit only (logged), never returned.
    func cancel(_ order: OrderRecord, _ input: HandlerInput) async throws -> Response {
        var order = order
        if order.status == .canceled { return respond(order, input.retailer) }
        let before = order.status
        guard before.canCancelByRetailer else { throw ServiceError.state("Order can no longer be canceled") }
        order.status = .canceled
        order.cancellationReason = .retailerDriven
        guard case .updated = try await service.storage.updateOrder(
            order, expectedStatus: before, events: [CallbackEvents.canceled(order, at: input.now)], now: input.now, recheck: nil)
        else { throw ServiceError.state("Order can no longer be canceled") }
        service.logger.info("order canceled by retailer", metadata: [
            "order_id": "\(TextRules.escapedForLog(order.orderID))",
            "reason": "\(TextRules.escapedForLog(input.body["reason"]?.stringValue ?? "", limit: 500))",
        ])
        return respond(order, input.retailer)
    }
}
