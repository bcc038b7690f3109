import Foundation
import HTTPTypes
import Metrics
import Hummingbird
import LastMileCore
import LastMileFleet
import LastMileStorage
import Logging

/// What a handler receives once routing, authentication, rate limiting and body decoding succeeded.
public struct HandlerInput: Sendable {
    public let request: Request
    public let params: [String: String]
    public let body: [String: JSONValue]
    public let caller: Caller?
    /// The instant the server received the request (§2.0.4 "now").
    public let now: Date
    /// The client's address (`ClientAddress`: the socket peer, or what a trusted proxy says).
    public let remoteIP: String

    /// The caller of a bearer route (always present there).
    var retailer: Retailer { caller!.retailer }
}

public typealias Handler = @Sendable (HandlerInput) async throws -> Response

/// Failures of the OAuth endpoints, which use the OAuth error shape (§2.1).
struct OAuthFailure: Error {
    var status: HTTPResponse.Status
    var error: String
    var description: String
    var retryAfter: Int? = nil

    static let invalidRequest = OAuthFailure(status: .badRequest, error: "invalid_request",
        description: "The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed.")
    static let invalidClient = OAuthFailure(status: .unauthorized, error: "invalid_client",
        description: "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.")
    static let queryParams = OAuthFailure(status: .forbidden, error: "query_params_forbidden",
        description: "Providing OAuth credentials as query parameters may cause them to be compromised. Please reach out to Instacart's security team and have the credentials rotated.")
    static let unsupportedGrant = OAuthFailure(status: .badRequest, error: "unsupported_grant_type",
        description: "The authorization grant type is not supported by the authorization server.")
    static let invalidScope = OAuthFailure(status: .badRequest, error: "invalid_scope",
        description: "The requested scope is invalid, unknown, or malformed.")
    static let unauthorizedClient = OAuthFailure(status: .forbidden, error: "unauthorized_client",
        description: "You are not authorized to revoke this token")
    static let slowDown = OAuthFailure(status: .tooManyRequests, error: "slow_down", description: "Too many requests")
    static let serverError = OAuthFailure(status: .internalServerError, error: "server_error",
        description: "An internal error occurred. Please try again later.")
    static let unavailable = OAuthFailure(status: .serviceUnavailable, error: "temporarily_unavailable",
        description: "The service is temporarily unavailable. Please try again later.", retryAfter: 1)
    static let tooLarge = OAuthFailure(status: .contentTooLarge, error: "invalid_request", description: "The request body is too large.")

    var response: Response {
        struct Body: Encodable { var error: String; var error_description: String }
        var h = HTTPFields()
        h[.cacheControl] = "no-store"
        h[.pragma] = "no-cache"
        if status == .tooManyRequests || status == .serviceUnavailable { h[.retryAfter] = String(retryAfter ?? 1) }
        return JSONResponse.make(status: status, Body(error: error, error_description: description), headers: h)
    }
}

/// The whole request pipeline in the order of §1.13: route → auth → scope → rate limit → body → handler.
public struct LastMileResponder: HTTPResponder {
    public typealias Context = LastMileRequestContext
    let service: LastMileService
    let routes: RouteTable<Handler>

    public func respond(to request: Request, context: Context) async throws -> Response {
        let now = service.clock.now()
        let started = ContinuousClock.now // request duration for metrics: monotonic, not service time
        var headers = HTTPFields()
        var response: Response
        var route = "unmatched"
        do {
            response = try await handle(request, context: context, now: now, headers: &headers, route: &route)
        } catch let e as ServiceError {
            response = ErrorEnvelope.response(e)
            if e.kind == .unauthorized {
                response.headers[.wwwAuthenticate] = e == BearerAuth.invalid
                    ? #"Bearer realm="connect", error="invalid_token""# : #"Bearer realm="connect""#
            }
            if e.kind == .internalError { service.logger.error("internal error", metadata: ["path": "\(TextRules.escapedForLog(request.uri.path))"]) }
        } catch let e as OAuthFailure {
            response = e.response
        } catch StorageError.unavailable(let reason) {
            service.logger.warning("storage unavailable: \(reason)", metadata: ["path": "\(TextRules.escapedForLog(request.uri.path))"])
            response = ErrorEnvelope.response(.unavailable)
        } catch {
            service.logger.error("unexpected failure: \(error)", metadata: ["path": "\(TextRules.escapedForLog(request.uri.path))"])
            response = ErrorEnvelope.response(.internalError)
        }
        for field in headers { response.headers[field.name] = field.value }
        response.headers[.requestID] = Self.requestID(request.headers[.requestID])
        // Labelled by route pattern (bounded cardinality), never by raw path.
        Counter(label: "lastmile_http_requests_total", dimensions: [("route", route), ("status", String(response.status.code))]).increment()
        Timer(label: "lastmile_http_request_duration_seconds", dimensions: [("route", route)], preferredDisplayUnit: .seconds)
            .record(duration: ContinuousClock.now - started)
        return response
    }

    func handle(_ request: Request, context: Context, now: Date, headers: inout HTTPFields, route pattern: inout String) async throws -> Response {
        // 1. Route (sandbox routes exist only in development mode).
        guard let (route, params) = routes.match(method: request.method, path: request.uri.path),
              !route.sandbox || service.mode == .development
        else { throw ServiceError.notFound }
        pattern = "\(request.method.rawValue) \(route.pattern)"
        // One deadline for everything that may wait on storage (authentication, then the handler): a database
        // that stopped answering gives a prompt 503 with Retry-After instead of the pool's minute-long wait.
        let deadline = ContinuousClock.now + service.requestTimeout
        let client = ClientAddress.resolve(peer: context.remoteIP, forwardedFor: request.headers[values: .xForwardedFor],
                                           trustedProxies: service.trustedProxies)

        var caller: Caller?
        switch route.access {
        case .open:
            break
        case .oauth:
            let key = "ip:\(client)"
            guard service.oauthLimiter.check(key: key, limit: service.oauthRateLimit).allowed else { throw OAuthFailure.slowDown }
        case .bearer(let scopes):
            // 2. Authentication, then scope. An address that keeps presenting bad tokens is refused without a
            // database read for the rest of its one-second window.
            let failures = "unauthenticated:\(client)"
            if service.unauthenticatedLimiter.isExhausted(key: failures, limit: service.unauthenticatedRateLimit) {
                headers[.retryAfter] = "1"
                throw ServiceError(.tooManyRequests, "Too many requests", code: 2003)
            }
            let c: Caller
            do {
                c = try await withDeadline(deadline - .now) { try await BearerAuth.authenticate(request, service: service) }
            } catch let e as ServiceError where e.kind == .unauthorized {
                _ = service.unauthenticatedLimiter.check(key: failures, limit: service.unauthenticatedRateLimit)
                throw e
            } catch let e as DeadlineExceeded {
                throw StorageError.unavailable("authentication deadline: \(e)")
            }
            guard c.scopes.contains(where: { scopes.contains($0.rawValue) }) else { throw BearerAuth.forbidden }
            caller = c
            // 3. Rate limit, per retailer.
            let limit = service.rateLimitOverride ?? c.retailer.rateLimitPerSecond
            let d = service.retailerLimiter.check(key: "retailer:\(c.retailer.id)", limit: limit)
            headers[.rateLimitLimit] = String(d.limit)
            headers[.rateLimitRemaining] = String(d.remaining)
            headers[.rateLimitReset] = String(d.reset)
            guard d.allowed else {
                headers[.retryAfter] = String(d.reset)
                throw ServiceError(.tooManyRequests, "Too many requests", code: 2003)
            }
        }
        // 4. Body.
        let body: [String: JSONValue] = route.body == .json ? try await RequestBodyDecoder.jsonObject(request) : [:]
        // "now" is the caller's retailer's service time (its test clock may have moved it).
        let input = HandlerInput(request: request, params: params, body: body, caller: caller,
                                 now: caller.map { service.clocks.now(for: $0.retailer.id) } ?? now, remoteIP: client)
        do {
            return try await withDeadline(deadline - .now) { try await route.handler(input) }
        } catch let e as DeadlineExceeded {
            if case .oauth = route.access { throw OAuthFailure.unavailable }
            throw StorageError.unavailable("request deadline: \(e)")
        }
    }

    /// Echoes an `X-Request-Id` of 1–128 visible ASCII characters, else generates one.
    static func requestID(_ incoming: String?) -> String {
        if let s = incoming, (1...128).contains(s.utf8.count), s.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) { return s }
        return UUID().uuidString.lowercased()
    }
}

extension HTTPField.Name {
    static let requestID = HTTPField.Name("X-Request-Id")!
    static let pragma = HTTPField.Name("Pragma")!
    static let rateLimitLimit = HTTPField.Name("RateLimit-Limit")!
    static let rateLimitRemaining = HTTPField.Name("RateLimit-Remaining")!
    static let rateLimitReset = HTTPField.Name("RateLimit-Reset")!
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
}
