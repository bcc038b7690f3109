import Foundation
import HTTPTypes
import Hummingbird
import LastMileCore
import LastMileFleet
import LastMileStorage
import Logging
import Metrics

/// Failures of the OAuth endpoints, which use the OAuth error shape (§2.1).
struct OAuthFailure: Error {
    var status: HTTPResponse.Status
    var error: String
    var description: String
    var retryAfter: Int? = nil

    static let invalidRequest = OAuthFailure(
        status: .badRequest,
        error: "invalid_request",
        description: "The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed."
    )
    static let invalidClient = OAuthFailure(
        status: .unauthorized,
        error: "invalid_client",
        description: "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method."
    )
    static let queryParams = OAuthFailure(
        status: .forbidden,
        error: "query_params_forbidden",
        description:
            "Providing OAuth credentials as query parameters may cause them to be compromised. Please reach out to Instacart's security team and have the credentials rotated."
    )
    static let unsupportedGrant = OAuthFailure(
        status: .badRequest,
        error: "unsupported_grant_type",
        description: "The authorization grant type is not supported by the authorization server."
    )
    static let invalidScope = OAuthFailure(
        status: .badRequest,
        error: "invalid_scope",
        description: "The requested scope is invalid, unknown, or malformed."
    )
    static let unauthorizedClient = OAuthFailure(
        status: .forbidden,
        error: "unauthorized_client",
        description: "You are not authorized to revoke this token"
    )
    static let slowDown = OAuthFailure(status: .tooManyRequests, error: "slow_down", description: "Too many requests")
    static let serverError = OAuthFailure(
        status: .internalServerError,
        error: "server_error",
        description: "An internal error occurred. Please try again later."
    )
    static let unavailable = OAuthFailure(
        status: .serviceUnavailable,
        error: "temporarily_unavailable",
        description: "The service is temporarily unavailable. Please try again later.",
        retryAfter: 1
    )
    static let tooLarge = OAuthFailure(status: .contentTooLarge, error: "invalid_request", description: "The request body is too large.")

    var response: Response {
        struct Body: Encodable {
            var error: String
            var error_description: String
        }
        var h = HTTPFields()
        h[.cacheControl] = "no-store"
        h[.pragma] = "no-cache"
        if status == .tooManyRequests || status == .serviceUnavailable { h[.retryAfter] = String(retryAfter ?? 1) }
        return JSONResponse.make(status: status, Body(error: error, error_description: description), headers: h)
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
