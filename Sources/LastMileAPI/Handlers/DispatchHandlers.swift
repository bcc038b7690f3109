import Foundation
import HTTPTypes
import Hummingbird
import LastMileCore
import LastMileStorage

/// H1 and H2: the single-call (dispatch) flow (§2.7).
struct DispatchHandlers {
    let service: LastMileService
    let locator: AddressLocator
    let capacity: CapacityService
    let stores: StoreHandlers
    let orders: OrderHandlers

    // MARK: H1

    struct DispatchStoresBody: Encodable {
        struct Entry: Encodable {
            struct Flags: Encodable {
                var alcohol: Bool, pickup: Bool, pickup_only: Bool, long_distance_delivery: Bool, is_partial: Bool
            }
            var location_code: String
            var name: String
            var address: StoreHandlers.StoreBody.Address
            var distance: Double
            var flags: Flags
        }
        var stores: [Entry]
    }

    /// As C1, with `flags.is_partial` true for every result of a postal-code-only search.
    func findStores(_ input: HandlerInput) async throws -> Response {
        let found = try await stores.search(input)
        let partial = input.body["find_by"]?.objectValue.map { fb in
            fb.filter { !$0.value.isNull }.keys.sorted() == ["postal_code"]
        } ?? false
        return JSONResponse.make(DispatchStoresBody(stores: found.map { s in
            DispatchStoresBody.Entry(location_code: s.location_code, name: s.name, address: s.address, distance: s.distance,
                                     flags: .init(alcohol: s.flags.alcohol, pickup: s.flags.pickup, pickup_only: s.flags.pickup_only,
                                                  long_distance_delivery: s.flags.long_distance_delivery, is_partial: partial))
        }))
    }

    // MARK: H2

    /// Steps 1–5 of §2.7.2 with their errors.
    static func plan(store: Store, desired: DeliveryWindow, now: Date, fallback: Bool) throws -> DesiredWindowBooking.Plan {
        do {
            return try DesiredWindowBooking.plan(store: store, desired: desired, now: now, fallbackToSoonestSameDay: fallback)
        } catch DesiredWindowBooking.Problem.notOnHour(let key) {
            throw ServiceError.badRequest("must be on the hour", key: key)
        } catch DesiredWindowBooking.Problem.closed {
            throw ServiceError.badRequest("Store is currently closed for delivery", key: "location_code")
        }
    }

    func create(_ input: HandlerInput) async throws -> Response {
        // Field validation: the F1 table with user_id, service_option_id and the fallback flag.
        var body = input.body
        let hasOption = body["service_option_id"].map { !$0.isNull } ?? false
        let hasWindow = ["start_at", "end_at"].contains { body[$0].map { !$0.isNull } ?? false }
        // F1's reader requires service_option_hold_id; H2 has none, so give it a placeholder it never uses.
        body["service_option_hold_id"] = .integer(1)
        var extra = FieldReader(input.body)
        let userID = extra.string("user_id")
        if let userID, let problem = FieldRules.identifierError(userID) { extra.fail("user_id", problem) }
        let optionID = extra.integer("service_option_id", min: 1)
        if !hasOption && !hasWindow { extra.fail("service_option_id", "must provide either service_option_id or start_at and end_at") }
        let fallback = extra.bool("fallback_to_soonest_sameday") ?? false
        var fields: OrderHandlers.CreateFields?
        var errors = extra.errors
        do { fields = try OrderHandlers.readCreate(body) } catch let e as ServiceError { errors += e.fields.isEmpty ? [FieldError(key: e.key ?? "", message: e.message)] : e.fields }
        if let f = fields, !hasOption, let s = f.start, let e = f.end, e > s, e.timeIntervalSince(s) < 3600 {
            errors.append(FieldError(key: "end_at", message: "must be at least one hour after start_at"))
        }
        guard errors.isEmpty, var f = fields else { throw ServiceError.validation(Self.tableOrder(errors)) }
        f.normalized["service_option_hold_id"] = nil
        if let userID { f.normalized["user_id"] = .string(userID) }
        if let optionID { f.normalized["service_option_id"] = .integer(optionID) }
        f.normalized["fallback_to_soonest_sameday"] = .bool(fallback)

        let retailer = input.retailer
        var user: UserRecord?
        if let userID { user = try await locator.requireUser(retailerID: retailer.id, userID: userID) }
        let fingerprint = OrderHandlers.fingerprint(family: .dispatch, userID: nil, f.normalized)
        let conflict = ServiceError(.conflict, "An order with this order_id already exists with different parameters.", code: 4001, key: "order_id")
        if let existing = try await service.storage.order(retailerID: retailer.id, orderID: f.orderID) {
            guard existing.fingerprint == fingerprint else { throw conflict }
            return orders.respond(existing, retailer)
        }
        if f.withHandoff && !retailer.handoffTimeEnabled {
            throw ServiceError.badRequest("Handoff time calculation is not configured for this retailer.", key: "with_handoff_time")
        }
        guard let store = try await service.storage.store(retailerID: retailer.id, locationCode: f.locationCode), store.isAvailableForLastMile
        else { throw ServiceError.storeNotAvailable }
        let (located, travel) = try await locator.requireDeliverable(f.address, to: store, retailerID: retailer.id)
        let customer = locator.locality(city: f.address.city, located: located)
        if f.alcoholic {
            // R1 and R2 do not depend on the window: report them first.
            let any = DeliveryWindow(start: input.now, end: input.now)
            if let rule = AlcoholCheck.violations(store: store, customer: customer, window: any).first(where: { $0 != .outsideHours }) {
                throw ServiceError.badRequest(rule.orderError.message, key: rule.orderError.key)
            }
        }
        func passesR3(_ w: DeliveryWindow) -> Bool { !f.alcoholic || AlcoholCheck.violations(store: store, customer: customer, window: w).isEmpty }

        var windows: [DeliveryWindow]
        let fullError: ServiceError
        if let optionID {
            let notFound = ServiceError.badRequest("Service option not found", key: "service_option_id")
            guard let option = try await service.storage.serviceOption(id: optionID), option.retailerID == retailer.id,
                  option.locationCode == store.locationCode, userID == nil || option.userID == userID
            else { throw notFound }
            guard option.isLive(at: input.now) else {
                throw ServiceError.badRequest("Service option has expired. Please retrieve service options again.", key: "service_option_id")
            }
            guard option.available else { throw ServiceError.badRequest("Service option is not available.", key: "service_option_id") }
            let window = try OrderChangeHandlers.narrow(OrderChangeHandlers.bookedWindow(option, now: input.now), start: f.start, end: f.end)
            guard passesR3(window) else { throw ServiceError.badRequest(AlcoholRule.outsideHours.orderError.message, key: "alcoholic") }
            windows = [window]
            fullError = ServiceError.badRequest(OrderHandlers.slotGone, key: "service_option_id")
        } else {
            let plan = try Self.plan(store: store, desired: DeliveryWindow(start: f.start!, end: f.end!), now: input.now, fallback: fallback)
            windows = (plan.candidates + plan.fallback).filter(passesR3)
            fullError = plan.candidates.isEmpty
                ? ServiceError.badRequest("Requested delivery window not available at this store", key: "start_at")
                : ServiceError.badRequest("No delivery windows currently available", key: "start_at")
            if windows.isEmpty { throw fullError }
        }
        let order = OrderHandlers.newOrder(f, input: input, userID: userID, user: user, family: .dispatch, fingerprint: fingerprint,
                                           store: store, window: windows[0], located: located, travel: travel)
        let result = try await service.storage.createOrder(
            order, holdID: nil, now: input.now,
            decide: capacity.booking(store: store, now: input.now, windows: windows, travelMinutes: travel))
        switch result {
        case .created(let o): return orders.respond(o, retailer)
        case .existing(let o):
            guard o.fingerprint == fingerprint else { throw conflict }
            return orders.respond(o, retailer)
        case .full: throw fullError
        case .holdNotFound, .holdUsed: throw ServiceError.internalError // no hold is involved
        }
    }

    /// The 9999 entries in H2's request-table order.
    static let fieldOrder = ["order_id", "location_code", "user_id", "service_option_id", "start_at", "end_at", "fallback_to_soonest_sameday",
                             "locale", "first_name", "last_name", "user_phone", "email", "initial_tip_cents", "items_count", "bags_count",
                             "items_weight", "cart_total", "bag_label", "alcoholic", "leave_unattended", "special_instructions",
                             "customer_sms_opt_out", "with_handoff_time", "address"]

    static func tableOrder(_ errors: [FieldError]) -> [FieldError] {
        func rank(_ e: FieldError) -> Int {
            let root = String(e.key.prefix { $0 != "." && $0 != "[" })
            return fieldOrder.firstIndex(of: root) ?? fieldOrder.count
        }
        return errors.enumerated().sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }.map(\.element)
    }
}
