import Foundation
import HTTPTypes
import Hummingbird
import LastMileBooking
import LastMileCore
import LastMileStorage
import NIOCore

/// The console's cookie: `HttpOnly` (no script reads it), `SameSite=Strict` (no other site's page sends it),
/// `Secure` in production, scoped to `/console`, and gone when the session ends.
enum ConsoleCookie {
    static let name = "lastmile_console"

    static func make(_ token: String, secure: Bool) -> Cookie {
        Cookie(
            name: name,
            value: token,
            maxAge: Int(ConsoleAccess.sessionLifetime),
            path: "/console",
            secure: secure,
            httpOnly: true,
            sameSite: .strict
        )
    }

    static func cleared(secure: Bool) -> Cookie {
        Cookie(name: name, value: "", maxAge: 0, path: "/console", secure: secure, httpOnly: true, sameSite: .strict)
    }
}

/// Why a console request is refused; answered as an HTML page.
struct ConsoleRefusal: Error {
    var status: HTTPResponse.Status
    var message: String
    static let csrf = ConsoleRefusal(
        status: .forbidden,
        message: "This form is out of date or was not sent by the console. Reload the page and try again."
    )
}

/// Every console page but sign-in: a valid session (else sign-in, or 401 for what is not a page view),
/// never an API token, and failures as HTML pages.
struct ConsoleSessionMiddleware: RouterMiddleware {
    typealias Context = LastMileRequestContext
    let service: LastMileService

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await page(request, context: context, next: next)
        } catch StorageError.unavailable {
            var response = ConsolePage.error(
                .serviceUnavailable,
                "The database is not answering. Try again in a moment.",
                who: nil,
                now: service.clock.now()
            )
            response.headers[.retryAfter] = "1"
            return response
        }
    }

    func page(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.headers[.authorization] != nil {
            return ConsolePage.error(
                .unauthorized,
                "The console opens with an operator's session; API tokens do not open it.",
                who: nil,
                now: service.clock.now()
            )
        }
        guard let token = request.cookies[ConsoleCookie.name]?.value, !token.isEmpty,
            let who = try await service.console.access.session(token: token)
        else {
            if request.method == .get, !request.uri.path.hasPrefix("/console/events") { return ConsolePage.redirect("/console/sign-in") }
            return ConsolePage.error(.unauthorized, "Sign in to the console first.", who: nil, now: service.clock.now())
        }
        var context = context
        context.consoleOperator = who
        do {
            return try await next(request, context)
        } catch let refusal as ConsoleRefusal {
            return ConsolePage.error(refusal.status, refusal.message, who: who, now: service.clock.now())
        } catch let e as ServiceError where e.kind == .notFound {
            return ConsolePage.error(.notFound, "There is nothing here, or nothing you may see.", who: who, now: service.clock.now())
        } catch let e as ServiceError where e.kind == .badRequest {
            return ConsolePage.error(.badRequest, e.message, who: who, now: service.clock.now())
        }
    }
}

/// The console's form posts: at most 16 KiB of `application/x-www-form-urlencoded`, from a page of this
/// server (`Origin`, when the browser sends it) carrying the session's CSRF token.
enum ConsoleForm {
    static let limit = 16 * 1024

    static func read(_ request: Request, _ context: LastMileRequestContext, csrfFor who: ConsoleAccess.SignedIn?) async throws -> [String: String] {
        if let origin = request.headers[.origin], let host = request.head.authority {
            guard origin == "http://\(host)" || origin == "https://\(host)" else { throw ConsoleRefusal.csrf }
        }
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: limit) } catch {
            throw ConsoleRefusal(status: .contentTooLarge, message: "The form is larger than the console accepts.")
        }
        let fields: [String: String]
        do { fields = try URLEncodedFormDecoder().decode([String: String].self, from: String(buffer: body)) } catch {
            throw ConsoleRefusal(status: .badRequest, message: "The form could not be read.")
        }
        if let who {
            guard let sent = fields["csrf"], ConsoleAccess.tokensMatch(sent, who.session.csrfToken) else { throw ConsoleRefusal.csrf }
        }
        return fields
    }
}

extension ConsoleRoutes {
    /// A path parameter, percent-decoded once; 404 when malformed.
    static func parameter(_ context: LastMileRequestContext, _ name: String) throws -> String {
        guard let raw = context.parameters.get(name), let value = raw.removingPercentEncodingOnce(), !value.isEmpty else {
            throw ServiceError.notFound
        }
        return value
    }

    /// A path segment for a link.
    static func segment(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? s
    }
}

/// `/console`: the operator console (issue 13), on the same router and port as the API.
struct ConsoleRoutes {
    let service: LastMileService

    func register(on router: Router<LastMileRequestContext>) {
        let pages = ConsoleHandlers(service: service)
        router.get("/console/assets/console.css") { _, _ in Self.asset(ConsoleAssets.stylesheet, type: "text/css; charset=utf-8") }
        router.get("/console/assets/console.js") { _, _ in Self.asset(ConsoleAssets.script, type: "text/javascript; charset=utf-8") }
        router.get("/console/sign-in") { request, _ in try await pages.signInForm(request) }
        router.post("/console/sign-in") { request, context in try await pages.signIn(request, context) }

        let c = router.group("/console").add(middleware: ConsoleSessionMiddleware(service: service))
        c.get(use: pages.network)
        c.post("/sign-out", use: pages.signOut)
        c.get("/events", use: ConsoleEvents(service: service).stream)
        c.get("/stores/{retailer}/{store}", use: pages.storeDay)
        c.post("/stores/{retailer}/{store}/windows", use: pages.setWindow)
        c.get("/orders", use: pages.orders)
        c.get("/orders/{retailer}/{order_id}", use: pages.order)
        c.post("/orders/{retailer}/{order_id}/cancel", use: pages.cancel)
        c.post("/orders/{retailer}/{order_id}/callbacks/{row}/resend", use: pages.resend)
        c.get("/audit", use: pages.audit)
    }

    static func asset(_ bytes: ByteBuffer, type: String) -> Response {
        var headers = ConsolePage.securityHeaders
        headers[.contentType] = type
        headers[.cacheControl] = "public, max-age=300"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: bytes))
    }
}
