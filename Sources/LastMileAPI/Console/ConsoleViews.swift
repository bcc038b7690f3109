import Foundation
import HTTPTypes
import Hummingbird
import LastMileBooking
import LastMileCore
import Mustache
import NIOCore

/// The console's templates, stylesheet and script, loaded once from the module's resources (they ship in
/// the binary's bundle: the console works on an air-gapped network).
enum ConsoleAssets {
    static let directory: URL? = Bundle.module.url(forResource: "demo-config", withExtension: "json")?
        .deletingLastPathComponent().appendingPathComponent("console")

    static let templates: MustacheLibrary = {
        var library = MustacheLibrary()
        guard let directory else { return library }
        for name in ["layout", "sign-in", "network", "store-day", "orders", "order", "audit", "error"] {
            let url = directory.appendingPathComponent("\(name).mustache")
            // A template that does not parse is a build defect; the console tests render every page.
            if let text = try? String(contentsOf: url, encoding: .utf8) { try? library.register(text, named: name) }
        }
        return library
    }()

    static let stylesheet = load("console.css")
    static let script = load("console.js")

    static func load(_ name: String) -> ByteBuffer {
        guard let directory, let data = try? Data(contentsOf: directory.appendingPathComponent(name)) else { return ByteBuffer() }
        return ByteBuffer(bytes: data)
    }
}

/// Renders console pages: a page template inside the layout, with the headers every console answer has.
enum ConsolePage {
    /// No script but ours, no inline script or style, no framing, forms post only here.
    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy: "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            + "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        .xContentTypeOptions: "nosniff",
        .referrerPolicy: "same-origin",
        .cacheControl: "no-store",
    ]

    static func render(
        _ template: String,
        title: String,
        context: [String: Any],
        who: ConsoleAccess.SignedIn?,
        now: Date,
        nav: String? = nil,
        live: Bool = false,
        notice: String? = nil,
        status: HTTPResponse.Status = .ok
    ) -> Response {
        var page = context
        if let who { page["csrf"] = who.session.csrfToken }
        let body = ConsoleAssets.templates.render(page, withTemplate: template) ?? ""
        var layout: [String: Any] = [
            "title": title,
            "body": body,
            "renderedAt": Timestamp.format(now),
            "live": live,
        ]
        if let who {
            layout["signedIn"] = true
            layout["csrf"] = who.session.csrfToken
            layout["operatorID"] = who.account.id
        }
        if let nav { layout["nav" + nav] = true }
        if let notice { layout["notice"] = notice }
        let html = ConsoleAssets.templates.render(layout, withTemplate: "layout") ?? body
        var headers = securityHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static func error(_ status: HTTPResponse.Status, _ message: String, who: ConsoleAccess.SignedIn?, now: Date) -> Response {
        render(
            "error",
            title: status.reasonPhrase,
            context: ["heading": "\(status.code) \(status.reasonPhrase)", "message": message],
            who: who,
            now: now,
            status: status
        )
    }

    /// 303 to `location` (after a form post: a reload does not post again).
    static func redirect(_ location: String) -> Response {
        var headers = securityHeaders
        headers[.location] = location
        return Response(status: .seeOther, headers: headers)
    }
}

/// How the console writes times, days and numbers.
enum ConsoleFormat {
    /// For an order whose store is gone (its zone is unknown).
    static let utc = LocalTimeZone(TimeZone(identifier: "UTC")!)

    /// `HH:MM` in the store's time zone.
    static func clock(_ date: Date, _ zone: LocalTimeZone) -> String {
        let (_, minute) = zone.local(date)
        return String(format: "%02d:%02d", minute / 60, minute % 60)
    }

    static let weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

    static func day(_ date: CivilDate) -> String { "\(weekdays[date.weekdayIndex]) \(date)" }

    /// `Thu 2026-12-03 10:00–11:00` in the store's zone.
    static func window(_ start: Date, _ end: Date, _ zone: LocalTimeZone) -> String {
        "\(day(zone.localDate(of: start))) \(clock(start, zone))–\(clock(end, zone))"
    }

    /// Green to red by fill; grey when closed.
    static func fillClass(_ cell: WindowCapacity) -> String {
        if cell.closed { return "fill-closed" }
        switch cell.fill {
        case ..<0.5: return "fill-low"
        case ..<0.8: return "fill-mid"
        case ..<1: return "fill-high"
        default: return "fill-full"
        }
    }

    /// Text for SVG and HTML built outside templates.
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}

extension HTTPField.Name {
    static let contentSecurityPolicy = Self("Content-Security-Policy")!
    static let xContentTypeOptions = Self("X-Content-Type-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
}
