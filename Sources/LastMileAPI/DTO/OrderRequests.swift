import Foundation
import LastMileBooking
import LastMileCore

/// Readers of the order requests' bodies (F1, F1a, G2, G3, G4, G5, H2–H6), in each request table's order.
enum OrderRequests {
    /// F1's fields (`service_option_hold_id` required) or H2's (no hold), with the normalised request.
    static func readCreate(_ body: [String: JSONValue], withHold: Bool) throws -> NewOrderRequest {
        var r = FieldReader(body)
        let orderID = r.string("order_id", required: true)
        if let orderID, let problem = FieldRules.identifierError(orderID) { r.fail("order_id", problem) }
        let locationCode = r.string("location_code", required: true)
        let locale = UserProfile.readLocale(&r, "locale")
        let holdID = withHold ? r.integer("service_option_hold_id", required: true, min: 1) : nil
        let (start, end) = readWindowPair(&r)
        let first = UserProfile.readName(&r, "first_name", required: true, message: "Invalid first name")
        let last = UserProfile.readName(&r, "last_name", required: true, message: "Invalid last name")
        let phone = r.formatted("user_phone", required: true, message: "must be a valid E.164 phone number") {
            FieldRules.isValidPhone($0) ? $0 : nil
        }
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
        guard r.errors.isEmpty, let orderID, let locationCode, !withHold || holdID != nil, let first, let last, let phone, let items,
            let weight, let address
        else { throw ServiceError.validation(r.errors) }
        // Normalised request: trimmed strings, null = absent, numbers by value, instants, normalised codes.
        let addressEntries: [(String, String?)] = [
            ("address_line_2", address.line2), ("address_type", address.type), ("city", address.city), ("state", address.state),
        ]
        var normalizedAddress: [String: JSONValue] = [
            "address_line_1": .string(address.line1), "postal_code": .string(address.postalCode),
        ]
        for (k, v) in addressEntries { if let v { normalizedAddress[k] = .string(v) } }
        var n: [String: JSONValue] = [
            "order_id": .string(orderID), "location_code": .string(locationCode), "first_name": .string(first),
            "last_name": .string(last), "user_phone": .string(phone), "items_count": .integer(items),
            "items_weight": .number(weight), "alcoholic": .bool(alcoholic), "leave_unattended": .bool(unattended),
            "customer_sms_opt_out": .bool(sms), "with_handoff_time": .bool(handoff), "address": .object(normalizedAddress),
        ]
        if let holdID { n["service_option_hold_id"] = .integer(holdID) }
        if let locale { n["locale"] = .string(locale.rawValue) }
        if let start { n["start_at"] = .number(start.timeIntervalSince1970) }
        if let end { n["end_at"] = .number(end.timeIntervalSince1970) }
        if let email { n["email"] = .string(email) }
        if let tip { n["initial_tip_cents"] = .integer(tip) }
        if let bags { n["bags_count"] = .integer(bags) }
        if let cart { n["cart_total"] = .number(roundCents(cart)) }
        if let label { n["bag_label"] = .string(label) }
        if let instructions { n["special_instructions"] = .string(instructions) }
        return NewOrderRequest(
            orderID: orderID,
            locationCode: locationCode,
            locale: locale,
            holdID: holdID,
            start: start,
            end: end,
            firstName: first,
            lastName: last,
            phone: phone,
            email: email,
            tip: tip,
            itemsCount: items,
            bagsCount: bags,
            itemsWeight: weight,
            cartTotal: cart.map(roundCents),
            bagLabel: label,
            alcoholic: alcoholic,
            leaveUnattended: unattended,
            specialInstructions: instructions,
            smsOptOut: sms,
            withHandoff: handoff,
            address: address,
            normalized: n
        )
    }

    /// H2: F1's table without the hold, with `user_id`, `service_option_id` and the fallback flag; every
    /// field error is reported at once in H2's table order.
    static func readDispatchCreate(_ body: [String: JSONValue]) throws -> (NewOrderRequest, DispatchWindowChoice, userID: String?) {
        let hasOption = body["service_option_id"].map { !$0.isNull } ?? false
        let hasWindow = ["start_at", "end_at"].contains { body[$0].map { !$0.isNull } ?? false }
        var extra = FieldReader(body)
        let userID = extra.string("user_id")
        if let userID, let problem = FieldRules.identifierError(userID) { extra.fail("user_id", problem) }
        let optionID = extra.integer("service_option_id", min: 1)
        if !hasOption && !hasWindow { extra.fail("service_option_id", "must provide either service_option_id or start_at and end_at") }
        let fallback = extra.bool("fallback_to_soonest_sameday") ?? false
        var request: NewOrderRequest?
        var errors = extra.errors
        do { request = try readCreate(body, withHold: false) } catch let e as ServiceError {
            errors += e.fields.isEmpty ? [FieldError(key: e.key ?? "", message: e.message)] : e.fields
        }
        if let f = request, !hasOption, let s = f.start, let e = f.end, e > s, e.timeIntervalSince(s) < 3600 {
            errors.append(FieldError(key: "end_at", message: "must be at least one hour after start_at"))
        }
        guard errors.isEmpty, var f = request else { throw ServiceError.validation(dispatchTableOrder(errors)) }
        if let userID { f.normalized["user_id"] = .string(userID) }
        if let optionID { f.normalized["service_option_id"] = .integer(optionID) }
        f.normalized["fallback_to_soonest_sameday"] = .bool(fallback)
        return (f, DispatchWindowChoice(serviceOptionID: optionID, fallbackToSoonestSameDay: fallback), userID)
    }

    /// The 9999 entries in H2's request-table order.
    static let dispatchFieldOrder = [
        "order_id", "location_code", "user_id", "service_option_id", "start_at", "end_at", "fallback_to_soonest_sameday",
        "locale", "first_name", "last_name", "user_phone", "email", "initial_tip_cents", "items_count", "bags_count",
        "items_weight", "cart_total", "bag_label", "alcoholic", "leave_unattended", "special_instructions",
        "customer_sms_opt_out", "with_handoff_time", "address",
    ]

    static func dispatchTableOrder(_ errors: [FieldError]) -> [FieldError] {
        func rank(_ e: FieldError) -> Int {
            let root = String(e.key.prefix { $0 != "." && $0 != "[" })
            return dispatchFieldOrder.firstIndex(of: root) ?? dispatchFieldOrder.count
        }
        return errors.enumerated().sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }.map(\.element)
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
        let hasStart = r.has("start_at")
        let hasEnd = r.has("end_at")
        let start = r.timestamp("start_at", required: hasEnd)
        let end = r.timestamp("end_at", required: hasStart)
        if let start, let end, end <= start { r.fail("end_at", "must be after start_at") }
        return (start, end)
    }

    /// G2 (narrowing) and H4 (a desired window needs at least an hour).
    static func readUpdate(_ body: [String: JSONValue], mode: OrderChangeRequest.WindowMode) throws -> OrderChangeRequest {
        var r = FieldReader(body)
        var f = OrderChangeRequest()
        f.serviceOptionID = r.integer("service_option_id", min: 1)
        (f.start, f.end) = readWindowPair(&r)
        if mode == .desiredWindow, f.serviceOptionID == nil, let s = f.start, let e = f.end, e > s, e.timeIntervalSince(s) < 3600 {
            r.fail("end_at", "must be at least one hour after start_at")
        }
        f.tip = r.integer("initial_tip_cents", min: 0, max: 100_000)
        f.itemsCount = r.integer("items_count", min: 1, max: 10_000)
        f.bagsCount = r.integer("bags_count", min: 0, max: 1_000)
        f.itemsWeight = r.number("items_weight", min: 0, max: 2_000)
        f.cartTotal = r.number("cart_total", min: 0, max: 1_000_000).map(roundCents)
        f.alcoholic = r.bool("alcoholic")
        f.leaveUnattended = r.bool("leave_unattended")
        f.bagLabel = r.string("bag_label", max: 100)
        f.specialInstructions = r.string("special_instructions", max: 1_000, multiline: true)
        f.smsOptOut = r.bool("customer_sms_opt_out")
        guard r.errors.isEmpty else { throw ServiceError.validation(r.errors) }
        return f
    }

    /// G3/H5.
    static func readStage(_ body: [String: JSONValue]) throws -> StageRequest {
        var r = FieldReader(body)
        var f = StageRequest()
        f.itemsCount = r.integer("items_count", min: 1, max: 10_000)
        f.bagsCount = r.integer("bags_count", min: 0, max: 1_000)
        f.itemsWeight = r.number("items_weight", min: 0, max: 2_000)
        f.bagLabel = r.string("bag_label", max: 100)
        if let list = r.array("bag_scan_codes", maxEntries: 50) {
            var codes: [String] = []
            for (i, v) in list.enumerated() {
                let key = "bag_scan_codes[\(i)]"
                guard case .string(let s) = v else {
                    r.failAtPath(key, v.isNull ? "can't be blank" : "must be a string")
                    continue
                }
                let t = s.trimmingCharacters(in: .whitespacesAndNewlines)
                if t.isEmpty {
                    r.failAtPath(key, "can't be blank")
                } else if t.unicodeScalars.count > 100 {
                    r.failAtPath(key, "is too long (maximum is 100 characters)")
                } else if TextRules.containsForbiddenCharacter(t) {
                    r.failAtPath(key, TextRules.controlCharacterMessage)
                } else {
                    codes.append(t)
                }
            }
            f.bagScanCodes = codes
        }
        guard r.errors.isEmpty else { throw ServiceError.validation(r.errors) }
        return f
    }

    /// G5 (`reason`) and H6 (`user_id`, `reason`).
    static func readCancel(_ body: [String: JSONValue], withUser: Bool) throws -> (userID: String?, reason: String?) {
        var r = FieldReader(body)
        let userID = withUser ? r.string("user_id") : nil
        let reason = r.string("reason", max: 500)
        guard r.errors.isEmpty else { throw ServiceError.validation(r.errors) }
        return (userID, reason)
    }
}
