import Foundation
import HTTPTypes
import LastMileCore
import LastMileFleet
import LastMileStorage
import Testing

/// Operators of the console tests (bcrypt cost 10): one sees every retailer, one only `beta`, one is disabled.
let consoleOperatorsJSON = """
    "operators": [
      { "id": "ops-all", "password_hash": "$2b$10$zFtdi12EvsYEOG9aqLZdUu6yvtcydZlZhdbx863bHiEnq0s3mnnVG" },
      { "id": "ops-beta", "password_hash": "$2b$10$e.5HdZeBWBI1S2Ct/BHZOuKoXw0p1ppgRr5LzQWiTJJTuzH5lLxdu", "retailers": ["beta"] },
      { "id": "ops-off", "password_hash": "$2b$10$Q9AmJgE19vCK0UTeVI2OqeKuznePi1Mhlsh/XHaRFbZcnIKHZ/Fp.", "enabled": false }
    ],
    """

func consoleConfig(_ base: String = testConfigJSON) -> String {
    base.replacingOccurrences(
        of: #""retailers": ["#,
        with: consoleOperatorsJSON + #""retailers": ["#,
        options: [],
        range: base.range(of: #""retailers": ["#)
    )
}

/// A signed-in console browser: its session cookie and the CSRF token its pages carry.
struct ConsoleBrowser {
    let c: TestEnvironment.Client
    let cookie: String
    let csrf: String

    static func signIn(
        _ c: TestEnvironment.Client,
        _ id: String = "ops-all",
        _ password: String = "all-operator-password"
    ) async throws -> ConsoleBrowser {
        let r = try await c.request(
            .post,
            "/console/sign-in",
            body: "operator=\(id)&password=\(password)",
            contentType: "application/x-www-form-urlencoded"
        )
        #expect(r.status == .seeOther, "\(r.text)")
        let setCookie = try #require(r.headers[.setCookie])
        let cookie = try #require(setCookie.split(separator: ";").first.map(String.init))
        let page = try await c.request(.get, "/console", headers: ["Cookie": cookie])
        #expect(page.status == .ok)
        return ConsoleBrowser(c: c, cookie: cookie, csrf: try #require(Self.csrf(in: page.text)))
    }

    static func csrf(in html: String) -> String? {
        guard let r = html.range(of: #"name="csrf" value=""#) else { return nil }
        return String(html[r.upperBound...].prefix { $0 != "\"" })
    }

    func get(_ path: String) async throws -> APIResponse { try await c.request(.get, path, headers: ["Cookie": cookie]) }

    func post(_ path: String, _ form: String, csrf: String? = nil, headers: [String: String] = [:]) async throws -> APIResponse {
        let body = form + "&csrf=" + (csrf ?? self.csrf)
        return try await c.request(
            .post,
            path,
            body: body,
            contentType: "application/x-www-form-urlencoded",
            headers: headers.merging(["Cookie": cookie]) { a, _ in a }
        )
    }
}

@Suite("Operator console (issue 13)")
struct ConsoleTests {
    @Test("sign-in: a strict HttpOnly cookie, wrong passwords refused and audited, disabled operators kept out")
    func signIn() async throws {
        let env = try await TestEnvironment(config: consoleConfig())
        try await env.run { c in
            let anonymous = try await c.request(.get, "/console")
            #expect(anonymous.status == .seeOther)
            #expect(anonymous.headers[.location] == "/console/sign-in")
            let form = try await c.request(.get, "/console/sign-in")
            #expect(form.status == .ok)
            #expect(form.text.contains(#"<label for="password">"#))

            let wrong = try await c.request(
                .post,
                "/console/sign-in",
                body: "operator=ops-all&password=nope",
                contentType: "application/x-www-form-urlencoded"
            )
            #expect(wrong.status == .unauthorized)
            #expect(wrong.text.contains("Wrong operator or password."))
            #expect(wrong.headers[.setCookie] == nil)
            let off = try await c.request(
                .post,
                "/console/sign-in",
                body: "operator=ops-off&password=off-operator-password",
                contentType: "application/x-www-form-urlencoded"
            )
            #expect(off.status == .unauthorized)
            let audit = try await env.storage.auditEntries(retailerIDs: nil, limit: 10)
            #expect(audit.filter { $0.action == "sign_in_failed" }.map(\.operatorID).sorted() == ["ops-all", "ops-off"])

            let ok = try await c.request(
                .post,
                "/console/sign-in",
                body: "operator=ops-all&password=all-operator-password",
                contentType: "application/x-www-form-urlencoded"
            )
            #expect(ok.status == .seeOther)
            let cookie = try #require(ok.headers[.setCookie])
            for attribute in ["HttpOnly", "SameSite=Strict", "Path=/console", "Max-Age=28800"] { #expect(cookie.contains(attribute), "\(cookie)") }
            #expect(!cookie.contains("Secure"), "development mode on loopback serves plain HTTP")

            let b = try await ConsoleBrowser.signIn(c)
            let page = try await b.get("/console")
            #expect(page.status == .ok)
            #expect(page.text.contains("Example Market SoMa") && page.text.contains("Beta SoMa"))
            #expect(page.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)

            // Signing out ends the session: the cookie opens nothing any more.
            #expect(try await b.post("/console/sign-out", "x=1").status == .seeOther)
            #expect(try await b.get("/console").status == .seeOther)
        }
    }

    @Test("a session ends 8 hours after sign-in")
    func sessionExpiry() async throws {
        let env = try await TestEnvironment(config: consoleConfig())
        try await env.run { c in
            let b = try await ConsoleBrowser.signIn(c)
            env.clock.advance(by: 8 * 3600 - 1)
            #expect(try await b.get("/console").status == .ok)
            env.clock.advance(by: 2)
            #expect(try await b.get("/console").status == .seeOther)
            #expect(try await b.post("/console/stores/alpha/SF-001/windows", "action=close").status == .unauthorized)
        }
    }

    @Test("the live stream says when an order is booked, and ends when the session does")
    func liveStream() async throws {
        let env = try await TestEnvironment(now: dispatchNow, config: consoleConfig())
        try await env.run { c in
            let token = try await c.token()
            let b = try await ConsoleBrowser.signIn(c)
            // Bounded: a stream that did not end with its session would otherwise hang the test run.
            let stream = try await withDeadline(.seconds(30)) {
                try await withThrowingTaskGroup(of: APIResponse?.self) { group in
                    group.addTask { try await b.get("/console/events") }
                    group.addTask {
                        try await Task.sleep(for: .milliseconds(1500))
                        #expect(try await c.post("/v2/fulfillment/lastmile/orders", token: token, dispatchBody("LIVE-1")).status == .ok)
                        try await Task.sleep(for: .milliseconds(1500))
                        #expect(try await b.post("/console/sign-out", "x=1").status == .seeOther)
                        return nil
                    }
                    var out: APIResponse?
                    for try await r in group where r != nil { out = r }
                    return try #require(out)
                }
            }
            #expect(stream.status == .ok)
            #expect(stream.headers[.contentType] == "text/event-stream; charset=utf-8")
            #expect(stream.text.contains("event: change"), "\(stream.text)")
            #expect(stream.text.hasSuffix("event: end\ndata: session ended\n\n"), "\(stream.text)")
        }
    }

    @Test("five wrong passwords in a row slow the operator down")
    func backoff() async throws {
        let env = try await TestEnvironment(config: consoleConfig())
        try await env.run { c in
            for _ in 0..<6 {
                _ = try await c.request(
                    .post,
                    "/console/sign-in",
                    body: "operator=ops-all&password=guess",
                    contentType: "application/x-www-form-urlencoded"
                )
            }
            let blocked = try await c.request(
                .post,
                "/console/sign-in",
                body: "operator=ops-all&password=all-operator-password",
                contentType: "application/x-www-form-urlencoded"
            )
            #expect(blocked.status == .tooManyRequests)
            #expect(blocked.text.contains("Too many failed attempts"))
        }
    }

    @Test("in production the session cookie is Secure")
    func secureCookie() async throws {
        let env = try await TestEnvironment(mode: .production, config: consoleConfig())
        try await env.run { c in
            let ok = try await c.request(
                .post,
                "/console/sign-in",
                body: "operator=ops-all&password=all-operator-password",
                contentType: "application/x-www-form-urlencoded"
            )
            #expect(ok.headers[.setCookie]?.contains("Secure") == true)
        }
    }

    @Test("API tokens never open the console, and console sessions never open the API")
    func separateCredentials() async throws {
        let env = try await TestEnvironment(config: consoleConfig())
        try await env.run { c in
            let token = try await c.token()
            #expect(try await c.request(.get, "/console", token: token).status == .unauthorized)
            #expect(try await c.request(.get, "/console/orders", token: token).status == .unauthorized)
            let b = try await ConsoleBrowser.signIn(c)
            let api = try await c.request(.get, "/v2/fulfillment/lastmile/orders/X-1", headers: ["Cookie": b.cookie])
            #expect(api.status == .unauthorized)
            // The session token is not a bearer token either.
            let value = String(b.cookie.dropFirst("lastmile_console=".count))
            #expect(try await c.request(.get, "/v2/fulfillment/lastmile/orders/X-1", token: value).status == .unauthorized)
        }
    }

    @Test("an operator sees only the retailers granted: others' stores, orders and actions are 404")
    func grants() async throws {
        let env = try await TestEnvironment(engine: .sqlite, now: dispatchNow, config: consoleConfig())
        try await env.run { c in
            let token = try await c.token()
            #expect(try await c.post("/v2/fulfillment/lastmile/orders", token: token, dispatchBody("ALPHA-1")).status == .ok)
            let b = try await ConsoleBrowser.signIn(c, "ops-beta", "beta-operator-password")
            let network = try await b.get("/console")
            #expect(network.text.contains("Beta SoMa"))
            #expect(!network.text.contains("Example Market SoMa"))
            #expect(try await b.get("/console/stores/alpha/SF-001").status == .notFound)
            #expect(try await b.get("/console/orders/alpha/ALPHA-1").status == .notFound)
            #expect(try await b.get("/console/orders?order_id=ALPHA-1").text.contains("0 orders shown"))
            #expect(!(try await b.get("/console/orders").text.contains("ALPHA-1")))
            let close = try await b.post("/console/stores/alpha/SF-001/windows", "start=2025-06-11T01:00:00Z&end=2025-06-11T03:00:00Z&action=close")
            #expect(close.status == .notFound)
            let cancel = try await b.post("/console/orders/alpha/ALPHA-1/cancel", "reason=other&note=x")
            #expect(cancel.status == .notFound)
            #expect(try await env.storage.order(retailerID: "alpha", orderID: "ALPHA-1")?.status == .brandNew)
        }
    }

    @Test("posts without the session's CSRF token, or from another origin, are refused and change nothing")
    func csrf() async throws {
        let env = try await TestEnvironment(config: consoleConfig())
        try await env.run { c in
            let b = try await ConsoleBrowser.signIn(c)
            let window = "start=2025-06-11T01:00:00Z&end=2025-06-11T03:00:00Z&action=close"
            let missing = try await c.request(
                .post,
                "/console/stores/alpha/SF-001/windows",
                body: window,
                contentType: "application/x-www-form-urlencoded",
                headers: ["Cookie": b.cookie]
            )
            #expect(missing.status == .forbidden)
            #expect(try await b.post("/console/stores/alpha/SF-001/windows", window, csrf: "forged").status == .forbidden)
            let foreign = try await b.post("/console/stores/alpha/SF-001/windows", window, headers: ["Origin": "https://evil.example"])
            #expect(foreign.status == .forbidden)
            #expect(try await b.post("/console/sign-out", "x=1", csrf: "forged").status == .forbidden)
            #expect(try await env.storage.closedWindows(retailerID: "alpha", locationCode: "SF-001", endingAfter: .distantPast).isEmpty)
            #expect(try await b.get("/console").status == .ok, "the refused sign-out left the session open")
        }
    }

    @Test("closing a window removes it from checkout listings and bookings; reopening restores it; both audited", arguments: Engine.available)
    func closeWindow(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine, config: consoleConfig())
        try await env.run { c in
            let token = try await c.token()
            try await c.createUser("cust-1", token: token)
            let listPath = "/v2/fulfillment/users/cust-1/service_options/cart/last_mile"
            let listBody =
                #"{"address":{"address_line_1":"500 Howard St","postal_code":"94105"},"location_code":"SF-001","cart_total_cents":1,"items_count":1}"#
            func scheduledWindows() async throws -> [String] {
                let r = try await c.post(listPath, token: token, listBody)
                #expect(r.status == .ok, "\(r.text)")
                return (r.json["service_options"]?.array ?? []).filter { $0["window"]?["type"]?.stringValue == "scheduled" }.compactMap {
                    $0["window"]?["start_at"]?.stringValue
                }
            }
            let before = try await c.post(listPath, token: token, listBody)
            let option = try #require(before.json["service_options"]?.array?.first { $0["window"]?["type"]?.stringValue == "scheduled" })
            let start = try #require(option["window"]?["start_at"]?.stringValue)
            let end = try #require(option["window"]?["end_at"]?.stringValue)
            #expect(try await scheduledWindows().contains(start))

            let b = try await ConsoleBrowser.signIn(c)
            let closed = try await b.post("/console/stores/alpha/SF-001/windows", "start=\(start)&end=\(end)&action=close&days=2")
            #expect(closed.status == .seeOther)
            #expect(closed.headers[.location]?.contains("done=closed") == true)
            #expect(!(try await scheduledWindows().contains(start)))
            // An option listed before the window closed can no longer be reserved.
            let reserve = try await c.post("/v2/fulfillment/users/cust-1/service_options/\(option["id"]!.int!)/reserve", token: token)
            #expect(reserve.status == .badRequest, "\(reserve.text)")
            let grid = try await b.get("/console")
            #expect(grid.text.contains(#"aria-label="Reopen"#))

            #expect(try await b.post("/console/stores/alpha/SF-001/windows", "start=\(start)&end=\(end)&action=reopen").status == .seeOther)
            #expect(try await scheduledWindows().contains(start))
            let actions = try await env.storage.auditEntries(retailerIDs: ["alpha"], limit: 10).map(\.action)
            #expect(actions == ["reopen_window", "close_window"])
            // A window the store does not offer cannot be closed.
            let bogus = try await b.post("/console/stores/alpha/SF-001/windows", "start=2025-06-11T01:07:00Z&end=2025-06-11T03:00:00Z&action=close")
            #expect(bogus.status == .badRequest)
        }
    }

    @Test("orders list filters, the order page with its history and callbacks, cancel and resend", arguments: Engine.available)
    func ordersAndActions(engine: Engine) async throws {
        let env = try await TestEnvironment(engine: engine, now: dispatchNow, config: consoleConfig(CallbackReceiver.config(port: 9)))
        try await env.run { c in
            let token = try await c.token()
            #expect(try await c.post("/v2/fulfillment/lastmile/orders", token: token, dispatchBody("ORD-1")).status == .ok)
            #expect(try await c.post("/v2/fulfillment/lastmile/orders", token: token, dispatchBody("ORD-2")).status == .ok)
            let b = try await ConsoleBrowser.signIn(c)

            let all = try await b.get("/console/orders")
            #expect(all.text.contains("ORD-1") && all.text.contains("ORD-2"))
            let one = try await b.get("/console/orders?order_id=ORD-2")
            #expect(one.text.contains("ORD-2") && !one.text.contains(">ORD-1<"))
            #expect(try await b.get("/console/orders?late=1").text.contains("0 orders shown"))
            #expect(try await b.get("/console/orders?status=delivered").text.contains("0 orders shown"))
            #expect(try await b.get("/console/orders?store=alpha/SF-001&status=brand_new").text.contains("2 orders shown"))
            #expect(try await b.get("/console/orders?status=bogus").status == .badRequest)
            #expect(try await b.get("/console/orders?date=2025-13-01").status == .badRequest)

            let page = try await b.get("/console/orders/alpha/ORD-1")
            #expect(page.status == .ok)
            #expect(page.text.contains("fulfillment.brand_new"))
            #expect(page.text.contains(#"aria-label="Resend fulfillment.brand_new""#))
            let day = try await b.get("/console/stores/alpha/SF-001?date=2025-06-10")
            #expect(day.status == .ok)
            #expect(day.text.contains("<svg") && day.text.contains("ORD-1"))

            // Resend: the callback goes back to pending with a fresh budget, audited.
            let rows = try await env.storage.callbackDeliveries(retailerID: "alpha", orderID: "ORD-1", limit: 10)
            let row = try #require(rows.first)
            let resent = try await b.post("/console/orders/alpha/ORD-1/callbacks/\(row.rowID)/resend", "x=1")
            #expect(resent.status == .seeOther)
            #expect(try await b.post("/console/orders/alpha/ORD-2/callbacks/\(row.rowID)/resend", "x=1").status == .notFound)

            // Cancel needs a reason from the list and a note.
            #expect(try await b.post("/console/orders/alpha/ORD-1/cancel", "reason=bogus&note=x").status == .badRequest)
            #expect(try await b.post("/console/orders/alpha/ORD-1/cancel", "reason=other&note=").status == .badRequest)
            let canceled = try await b.post("/console/orders/alpha/ORD-1/cancel", "reason=instacart_driven&note=Store+flooded")
            #expect(canceled.status == .seeOther)
            let g1 = try await c.request(.get, "/v2/fulfillment/lastmile/orders/ORD-1", token: token)
            #expect(g1.json["status"]?.stringValue == "canceled", "\(g1.text)")
            let events = try await env.storage.orderEvents(retailerID: "alpha", orderID: "ORD-1").map(\.type)
            #expect(events.last == "fulfillment.canceled")
            let audit = try await env.storage.auditEntries(retailerIDs: ["alpha"], limit: 10)
            #expect(audit.map(\.action) == ["cancel_order", "resend_callback"])
            #expect(audit[0].detail == "instacart_driven: Store flooded")
            #expect(try await b.post("/console/orders/alpha/ORD-1/cancel", "reason=other&note=again").status == .badRequest)
        }
    }

    @Test("every page answers HTML to a signed-in operator; hostile paths and forms get 4xx pages")
    func pagesAndHostileInput() async throws {
        let env = try await TestEnvironment(config: consoleConfig())
        try await env.run { c in
            let b = try await ConsoleBrowser.signIn(c)
            for path in [
                "/console", "/console?days=7", "/console/orders", "/console/audit", "/console/stores/alpha/SF-001", "/console/stores/beta/B-001",
            ] {
                let r = try await b.get(path)
                #expect(r.status == .ok, "\(path)")
                #expect(r.headers[.contentType] == "text/html; charset=utf-8")
            }
            #expect(try await b.get("/console/stores/alpha/NOPE").status == .notFound)
            #expect(try await b.get("/console/stores/alpha/SF-001?date=yesterday").status == .badRequest)
            #expect(try await b.get("/console/orders/alpha/%ZZ").status == .notFound)
            let huge = String(repeating: "a", count: 40_000)
            #expect(try await b.post("/console/stores/alpha/SF-001/windows", "start=\(huge)").status == .contentTooLarge)
            #expect(try await b.post("/console/stores/alpha/SF-001/windows", "start=x&end=y&action=close").status == .badRequest)
            let script = try await b.get("/console/orders?order_id=%3Cscript%3Ealert(1)%3C/script%3E")
            #expect(!script.text.contains("<script>alert"))
            #expect(try await c.request(.get, "/console/assets/console.css").status == .ok)
        }
    }
}
