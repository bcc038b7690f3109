import Foundation

/// Every error the API answers with, mapped to the envelope of §1.10 in one place (LastMileAPI).
public struct ServiceError: Error, Equatable, Sendable {
    public enum Kind: Sendable, Equatable {
        case badRequest  // 400
        case unauthorized  // 401
        case forbidden  // 403
        case notFound  // 404
        case conflict  // 409
        case payloadTooLarge  // 413
        case tooManyRequests  // 429
        case unavailable  // 503
        case internalError  // 500
    }
    public var kind: Kind
    public var message: String
    public var code: Int?
    public var key: String?
    /// Several field errors (the 9999 form).
    public var fields: [FieldError]

    public init(_ kind: Kind, _ message: String, code: Int? = 1001, key: String? = nil, fields: [FieldError] = []) {
        self.kind = kind
        self.message = message
        self.code = code
        self.key = key
        self.fields = fields
    }

    public static func badRequest(_ message: String, key: String?) -> ServiceError { ServiceError(.badRequest, message, code: 1001, key: key) }
    public static func state(_ message: String, key: String? = nil) -> ServiceError { ServiceError(.badRequest, message, code: 2000, key: key) }
    public static let notFound = ServiceError(.notFound, "Resource not found", code: 4000)
    public static let userNotFound = ServiceError.badRequest("User Not Found", key: "user_id")
    public static let storeNotAvailable = ServiceError.badRequest("Specified store is not available for lastmile.", key: "location_code")
    public static let internalError = ServiceError(.internalError, "An internal error occurred. Please try again later.", code: 5000)
    public static let unavailable = ServiceError(.unavailable, "The service is temporarily unavailable. Please try again later.", code: 2003)

    /// One field error → the single form; several → 9999.
    public static func validation(_ errors: [FieldError]) -> ServiceError {
        if errors.count == 1 { return .badRequest(errors[0].message, key: errors[0].key) }
        return ServiceError(.badRequest, "There were issues with your request", code: 9999, fields: errors)
    }
}
