import Foundation
import HTTPTypes
import Hummingbird
import LastMileCore
import LastMileFleet
import LastMileStorage

/// §1.13 steps 2 and 3 for bearer routes: authentication, then scope. An address that keeps presenting bad
/// tokens is refused without a database read for the rest of its one-second window.
struct BearerAuthMiddleware: RouterMiddleware {
    typealias Context = LastMileRequestContext
    let service: LastMileService
    /// The caller needs one of these.
    let scopes: Set<Scope>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let failures = "unauthenticated:\(context.clientAddress)"
        if service.unauthenticatedLimiter.isExhausted(key: failures, limit: service.unauthenticatedRateLimit) {
            context.responseHeaders.set(.retryAfter, "1")
            throw ServiceError(.tooManyRequests, "Too many requests", code: 2003)
        }
        let caller: Caller
        do {
            // A deadline costs two tasks; a token this server has seen in the last second needs none.
            let token = try BearerAuth.token(request)
            if let known = try BearerAuth.cachedCaller(token, service: service) {
                caller = known
            } else {
                caller = try await withDeadline(context.deadline - .now) { try await BearerAuth.authenticate(token, service: service) }
            }
        } catch let e as ServiceError where e.kind == .unauthorized {
            _ = service.unauthenticatedLimiter.check(key: failures, limit: service.unauthenticatedRateLimit)
            throw e
        } catch let e as DeadlineExceeded {
            throw StorageError.unavailable("authentication deadline: \(e)")
        }
        guard caller.scopes.contains(where: scopes.contains) else { throw BearerAuth.forbidden }
        var context = context
        context.caller = caller
        return try await next(request, context)
    }
}

/// §1.13 step 3 and §1.15: each retailer's requests per second; every authenticated answer says how many
/// are left.
struct RetailerRateLimitMiddleware: RouterMiddleware {
    typealias Context = LastMileRequestContext
    let service: LastMileService

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let caller = context.caller else { throw ServiceError.internalError }  // always behind BearerAuthMiddleware
        let limit = service.rateLimitOverride ?? caller.retailer.rateLimitPerSecond
        let d = service.retailerLimiter.check(key: "retailer:\(caller.retailer.id)", limit: limit)
        context.responseHeaders.set(.rateLimitLimit, String(d.limit))
        context.responseHeaders.set(.rateLimitRemaining, String(d.remaining))
        context.responseHeaders.set(.rateLimitReset, String(d.reset))
        guard d.allowed else {
            context.responseHeaders.set(.retryAfter, String(d.reset))
            throw ServiceError(.tooManyRequests, "Too many requests", code: 2003)
        }
        return try await next(request, context)
    }
}

/// The OAuth endpoints (§1.15, §2.1): requests per second per client address, and unexpected failures in
/// the OAuth error shape.
struct OAuthGuardMiddleware: RouterMiddleware {
    typealias Context = LastMileRequestContext
    let service: LastMileService

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard service.oauthLimiter.check(key: "ip:\(context.clientAddress)", limit: service.oauthRateLimit).allowed else {
            throw OAuthFailure.slowDown
        }
        do {
            return try await next(request, context)
        } catch let e as OAuthFailure {
            throw e
        } catch StorageError.unavailable(let reason) {
            service.logger.warning("storage unavailable: \(reason)", metadata: ["path": "\(TextRules.escapedForLog(request.uri.path))"])
            throw OAuthFailure.unavailable
        } catch {
            service.logger.error("oauth failure: \(error)")
            throw OAuthFailure.serverError
        }
    }
}
