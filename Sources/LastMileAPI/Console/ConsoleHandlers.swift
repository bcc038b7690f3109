import Foundation
import HTTPTypes
import Hummingbird
import LastMileBooking
import LastMileCore
import LastMileStorage

/// The console's pages and actions: read the request, call `ConsoleService`, render a template.
struct ConsoleHandlers: Sendable {
    let service: LastMileService
    var console: ConsoleService { service.console }
    var secureCookie: Bool { service.mode == .production }

    /// The store the path names (`{retailer}/{store}`), if the operator may see it.
    func pathStore(_ who: ConsoleAccess.SignedIn, _ context: LastMileRequestContext) async throws -> Store {
        try await console.store(
            who,
            retailerID: try ConsoleRoutes.parameter(context, "retailer"),
            locationCode: try ConsoleRoutes.parameter(context, "store")
        )
    }

    /// A `YYYY-MM-DD` query value; nil when absent or empty, 400 when malformed.
    static func date(_ text: String?) throws -> CivilDate? {
        guard let text, !text.isEmpty else { return nil }
        guard let date = CivilDate(text) else { throw ConsoleRefusal(status: .badRequest, message: "The date must be YYYY-MM-DD.") }
        return date
    }

    static func operatorOf(_ context: LastMileRequestContext) throws -> ConsoleAccess.SignedIn {
        guard let who = context.consoleOperator else { throw ConsoleRefusal(status: .unauthorized, message: "Sign in to the console first.") }
        return who
    }

    // MARK: Sign-in

    func signInForm(_ request: Request) async throws -> Response {
        ConsolePage.render("sign-in", title: "Sign in", context: [:], who: nil, now: service.clock.now())
    }

    /// Failed sign-ins are logged and audited, and slow the operator id down (1, 2, 4 … s after five in a
    /// row, whatever address they come from); each address may try `oauthRateLimit` times a second.
    func signIn(_ request: Request, _ context: LastMileRequestContext) async throws -> Response {
        let fields: [String: String]
        do { fields = try await ConsoleForm.read(request, context, csrfFor: nil) } catch let r as ConsoleRefusal {
            return ConsolePage.error(r.status, r.message, who: nil, now: service.clock.now())
        }
        let id = String((fields["operator"] ?? "").prefix(200))
        let password = fields["password"] ?? ""
        func refuse(_ message: String, status: HTTPResponse.Status, reason: String) async -> Response {
            service.logger.notice(
                "failed console sign-in",
                metadata: ["operator": "\(TextRules.escapedForLog(id, limit: 100))", "address": "\(context.clientAddress)", "reason": "\(reason)"]
            )
            try? await service.booking.storage.appendAudit(
                AuditEntry(
                    at: service.clock.now(),
                    operatorID: id,
                    action: "sign_in_failed",
                    retailerID: nil,
                    subject: context.clientAddress,
                    detail: reason
                )
            )
            return ConsolePage.render(
                "sign-in",
                title: "Sign in",
                context: ["error": message, "operator": id],
                who: nil,
                now: service.clock.now(),
                status: status
            )
        }
        if service.oauthLimiter.check(key: "console|" + context.clientAddress, limit: service.oauthRateLimit).allowed == false {
            return await refuse(
                "Too many attempts from your address. Wait a second and try again.",
                status: .tooManyRequests,
                reason: "address rate limit"
            )
        }
        if let wait = service.signInBackoff.waitSeconds(clientID: "operator|" + id) {
            return await refuse("Too many failed attempts. Try again in \(wait) s.", status: .tooManyRequests, reason: "backing off for \(wait) s")
        }
        guard !id.isEmpty, !password.isEmpty, password.utf8.count <= 1024 else {
            return await refuse("Enter your operator id and password.", status: .badRequest, reason: "empty or oversized fields")
        }
        switch try await console.access.signIn(operatorID: id, password: password) {
        case .success(let (token, who)):
            service.signInBackoff.recordSuccess(clientID: "operator|" + id)
            try await service.booking.storage.appendAudit(
                AuditEntry(at: service.clock.now(), operatorID: who.account.id, action: "sign_in", retailerID: nil, subject: context.clientAddress)
            )
            var response = ConsolePage.redirect("/console")
            response.setCookie(ConsoleCookie.make(token, secure: secureCookie))
            return response
        case .failure(let failure):
            let count = service.signInBackoff.recordFailure(clientID: "operator|" + id)
            return await refuse("Wrong operator or password.", status: .unauthorized, reason: "\(failure) (\(count) in a row)")
        }
    }

    func signOut(_ request: Request, _ context: LastMileRequestContext) async throws -> Response {
        let who = try Self.operatorOf(context)
        _ = try await ConsoleForm.read(request, context, csrfFor: who)
        if let token = request.cookies[ConsoleCookie.name]?.value { try await console.access.signOut(token: token) }
        var response = ConsolePage.redirect("/console/sign-in")
        response.setCookie(ConsoleCookie.cleared(secure: secureCookie))
        return response
    }

    // MARK: Network view

    func network(_ request: Request, _ context: LastMileRequestContext) async throws -> Response {
        let who = try Self.operatorOf(context)
        let days = min(7, max(1, Int(request.uri.queryParameters.get("days") ?? "") ?? 2))
        var overviews: [StoreOverview] = []
        for store in try await console.visibleStores(who) where !store.pickupOnly {
            overviews.append(try await console.overview(of: store, days: days))
        }
        // Where something is going wrong first, then the busiest stores.
        overviews.sort { ($1.attention.count, $1.activeOrders, $0.store.name) < ($0.attention.count, $0.activeOrders, $1.store.name) }
        let stores = overviews.map(ConsoleContexts.store)
        let notice = ConsoleContexts.notice(request)
        return ConsolePage.render(
            "network",
            title: "Network",
            context: ["stores": stores, "hasStores": !stores.isEmpty, "gridDays": String(days)],
            who: who,
            now: service.clock.now(),
            nav: "Network",
            live: true,
            notice: notice
        )
    }

    func setWindow(_ request: Request, _ context: LastMileRequestContext) async throws -> Response {
        let who = try Self.operatorOf(context)
        let fields = try await ConsoleForm.read(request, context, csrfFor: who)
        let store = try await pathStore(who, context)
        guard let start = fields["start"].flatMap(Timestamp.parse), let end = fields["end"].flatMap(Timestamp.parse), start < end,
            let action = fields["action"], action == "close" || action == "reopen"
        else { throw ConsoleRefusal(status: .badRequest, message: "Name a window (start, end) and close or reopen.") }
        let changed = try await console.setWindow(who, store: store, window: DeliveryWindow(start: start, end: end), closed: action == "close")
        let days = Int(fields["days"] ?? "").map { String(min(7, max(1, $0))) } ?? "2"
        let done = changed ? (action == "close" ? "closed" : "reopened") : "unchanged"
        return ConsolePage.redirect(
            "/console?days=\(days)&done=\(done)#store-\(ConsoleRoutes.segment(store.retailerID))-\(ConsoleRoutes.segment(store.locationCode))"
        )
    }

    // MARK: Store day view

    func storeDay(_ request: Request, _ context: LastMileRequestContext) async throws -> Response {
        let who = try Self.operatorOf(context)
        let store = try await pathStore(who, context)
        let day = try await console.day(of: store, date: try Self.date(request.uri.queryParameters.get("date")))
        return ConsolePage.render(
            "store-day",
            title: store.name,
            context: ConsoleContexts.day(day),
            who: who,
            now: service.clock.now(),
            nav: "Network",
            live: true
        )
    }

    // MARK: Orders

    func orders(_ request: Request, _ context: LastMileRequestContext) async throws -> Response {
        let who = try Self.operatorOf(context)
        let q = request.uri.queryParameters
        var filter = OrderFilter()
        var selectedStore = ""
        if let s = q.get("store"), !s.isEmpty {
            let parts = s.split(separator: "/", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ConsoleRefusal(status: .badRequest, message: "Pick a store from the list.") }
            filter.retailerID = parts[0]
            filter.locationCode = parts[1]
            selectedStore = String(s)
        }
        if let s = q.get("status"), !s.isEmpty {
            guard let status = OrderStatus(rawValue: String(s)) else {
                throw ConsoleRefusal(status: .badRequest, message: "Pick a status from the list.")
            }
            filter.statuses = [status]
        }
        filter.windowDate = try Self.date(q.get("date"))
        filter.lateOnly = q.get("late") == "1"
        if let s = q.get("order_id"), !s.isEmpty { filter.orderID = String(s.prefix(255)) }
        let rows = try await console.orders(who, filter: filter)
        let stores = try await console.visibleStores(who)
        let context: [String: Any] = [
            "storeOptions": stores.map { s -> [String: Any] in
                let value = "\(s.retailerID)/\(s.locationCode)"
                return ["value": value, "label": "\(s.retailerID) · \(s.locationCode) · \(s.name)", "selected": value == selectedStore]
            },
            "statusOptions": OrderStatus.allCases.map { ["value": $0.rawValue, "selected": filter.statuses == [$0]] as [String: Any] },
            "date": filter.windowDate.map(\.description) ?? "",
            "lateOnly": filter.lateOnly,
            "orderID": filter.orderID ?? "",
            "rows": rows.map { ConsoleContexts.orderRow($0, zone: Self.zone(of: $0.order, in: stores)) },
            "hasRows": !rows.isEmpty,
            "count": String(rows.count),
            "limit": String(ConsoleService.listLimit),
        ]
        return ConsolePage.render("orders", title: "Orders", context: context, who: who, now: service.clock.now(), nav: "Orders", live: true)
    }

    static func zone(of order: OrderRecord, in stores: [Store]) -> LocalTimeZone {
        stores.first { $0.retailerID == order.retailerID && $0.locationCode == order.locationCode }?.zone ?? ConsoleFormat.utc
    }

    func order(_ request: Request, _ context: LastMileRequestContext) async throws -> Response {
        let who = try Self.operatorOf(context)
        let retailerID = try ConsoleRoutes.parameter(context, "retailer")
        let page = try await console.orderPage(who, retailerID: retailerID, orderID: try ConsoleRoutes.parameter(context, "order_id"))
        let zone = page.store?.zone ?? ConsoleFormat.utc
        let notice = ConsoleContexts.notice(request)
        return ConsolePage.render(
            "order",
            title: "Order \(page.order.orderID)",
            context: ConsoleContexts.order(page, zone: zone),
            who: who,
            now: service.clock.now(),
            nav: "Orders",
            live: true,
            notice: notice
        )
    }

    func cancel(_ request: Request, _ context: LastMileRequestContext) async throws -> Response {
        let who = try Self.operatorOf(context)
        let fields = try await ConsoleForm.read(request, context, csrfFor: who)
        let retailerID = try ConsoleRoutes.parameter(context, "retailer")
        let orderID = try ConsoleRoutes.parameter(context, "order_id")
        guard let reason = fields["reason"].flatMap(CancellationReason.init(rawValue:)) else {
            throw ConsoleRefusal(status: .badRequest, message: "Pick a cancellation reason from the list.")
        }
        let note = String((fields["note"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines).prefix(500))
        guard !note.isEmpty else {
            throw ConsoleRefusal(status: .badRequest, message: "Say why the order is canceled (the note is kept in the audit log).")
        }
        _ = try await console.cancel(who, retailerID: retailerID, orderID: orderID, reason: reason, note: note)
        return ConsolePage.redirect(ConsoleContexts.orderHref(retailerID, orderID) + "?done=canceled")
    }

    func resend(_ request: Request, _ context: LastMileRequestContext) async throws -> Response {
        let who = try Self.operatorOf(context)
        _ = try await ConsoleForm.read(request, context, csrfFor: who)
        let retailerID = try ConsoleRoutes.parameter(context, "retailer")
        let orderID = try ConsoleRoutes.parameter(context, "order_id")
        guard let row = Int64(try ConsoleRoutes.parameter(context, "row")) else { throw ServiceError.notFound }
        try await console.resendCallback(who, retailerID: retailerID, orderID: orderID, rowID: row)
        return ConsolePage.redirect(ConsoleContexts.orderHref(retailerID, orderID) + "?done=resent")
    }

    // MARK: Audit

    func audit(_ request: Request, _ context: LastMileRequestContext) async throws -> Response {
        let who = try Self.operatorOf(context)
        let retailers = who.account.retailers == nil ? nil : try await console.visibleRetailerIDs(who)
        let entries = try await service.booking.storage.auditEntries(retailerIDs: retailers, limit: 200)
        let rows = entries.map { e -> [String: Any] in
            [
                "at": Timestamp.format(e.at), "operatorID": e.operatorID, "action": e.action, "retailerID": e.retailerID ?? "", "subject": e.subject,
                "detail": e.detail,
            ]
        }
        return ConsolePage.render(
            "audit",
            title: "Audit",
            context: ["entries": rows, "hasEntries": !rows.isEmpty],
            who: who,
            now: service.clock.now(),
            nav: "Audit",
            live: true
        )
    }
}
