import Foundation
import HTTPTypes
import Hummingbird
import LastMileCore
import LastMileFleet
import LastMileStorage
import Logging
import Metrics

/// The contract's rules around every request, in front of authentication (§1.1, §1.10, §1.13):
/// - a path with an empty segment (`//`, a trailing `/`) or a malformed percent escape is 404 before anything
///   else: Hummingbird's trie would skip empty segments and match `/health/` as `/health`;
/// - every error becomes the envelope of §1.10 (OAuth endpoints: the OAuth shape), so the router's own 404
///   for an unknown path or method is the contract's 404/4000;
/// - every answer carries `X-Request-Id` and the headers set on the way (rate limits).
struct ContractMiddleware: RouterMiddleware {
    typealias Context = LastMileRequestContext
    let service: LastMileService

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.receivedAt = service.clock.now()
        context.deadline = ContinuousClock.now + service.requestTimeout
        context.clientAddress = ClientAddress.resolve(
            peer: context.peerIP,
            forwardedFor: request.headers[values: .xForwardedFor],
            trustedProxies: service.trustedProxies
        )
        var response: Response
        do {
            guard Self.isWellFormed(path: request.uri.path) else {
                context.coreContext.endpointPath.value = nil  // the trie's match does not count: no route has this path
                throw ServiceError.notFound
            }
            response = try await next(request, context)
        } catch {
            response = answer(error, request)
        }
        context.responseHeaders.merge(into: &response)
        response.headers[.requestID] = Self.requestID(request.headers[.requestID])
        return response
    }

    /// The one mapping from a failure to an answer.
    func answer(_ error: any Error, _ request: Request) -> Response {
        let path = TextRules.escapedForLog(request.uri.path)
        switch error {
        case let e as ServiceError:
            var response = ErrorEnvelope.response(e)
            if e.kind == .unauthorized {
                response.headers[.wwwAuthenticate] =
                    e == BearerAuth.invalid ? #"Bearer realm="connect", error="invalid_token""# : #"Bearer realm="connect""#
            }
            if e.kind == .internalError { service.logger.error("internal error", metadata: ["path": "\(path)"]) }
            return response
        case let e as OAuthFailure:
            return e.response
        case StorageError.unavailable(let reason):
            service.logger.warning("storage unavailable: \(reason)", metadata: ["path": "\(path)"])
            return ErrorEnvelope.response(.unavailable)
        case let e as HTTPError where e.status == .notFound:
            // The router found no route for this path and method (§1.1: a wrong method is 404 too).
            return ErrorEnvelope.response(.notFound)
        default:
            service.logger.error("unexpected failure: \(error)", metadata: ["path": "\(path)"])
            return ErrorEnvelope.response(.internalError)
        }
    }

    /// No empty segment (so no `//` and no trailing slash), and every percent escape decodes to UTF-8.
    static func isWellFormed(path: String) -> Bool {
        guard path.hasPrefix("/") else { return false }
        return path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().allSatisfy {
            !$0.isEmpty && String($0).removingPercentEncodingOnce() != nil
        }
    }

    /// Echoes an `X-Request-Id` of 1–128 visible ASCII characters, else generates one.
    static func requestID(_ incoming: String?) -> String {
        if let s = incoming, (1...128).contains(s.utf8.count), s.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) { return s }
        return UUID().uuidString.lowercased()
    }
}

/// `lastmile_http_requests_total{route,status}` and `lastmile_http_request_duration_seconds{route}`, labelled
/// by the route's pattern (bounded cardinality), never by the raw path. Hummingbird's `MetricsMiddleware`
/// labels method and route apart and records `NotFound`; these names are the documented ones.
struct RouteMetricsMiddleware: RouterMiddleware {
    typealias Context = LastMileRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now  // monotonic, not service time
        let response = try await next(request, context)
        let label = context.endpointPath.map { $0 == "NotFound" ? "unmatched" : "\(request.method.rawValue) \($0)" } ?? "unmatched"
        Counter(label: "lastmile_http_requests_total", dimensions: [("route", label), ("status", String(response.status.code))])
            .increment()
        Timer(label: "lastmile_http_request_duration_seconds", dimensions: [("route", label)], preferredDisplayUnit: .seconds)
            .record(duration: ContinuousClock.now - started)
        return response
    }
}
