import Foundation
import HTTPTypes
import Hummingbird
import LastMileBooking
import LastMileCore
import LastMileStorage

/// The authenticated caller of a bearer-token endpoint: the holder of its token.
public typealias Caller = Credentials.Holder

enum BearerAuth {
    static let missing = ServiceError(.unauthorized, "The access token is missing.", code: 4001)
    static let invalid = ServiceError(.unauthorized, "The access token is invalid or has expired.", code: 4001)
    static let forbidden = ServiceError(.forbidden, "The access token does not grant access to this resource.", code: 4001)

    /// §1.3: the caller of a known, unexpired, unrevoked token. Expiry is judged on the token's retailer's
    /// time (its test clock may have moved it).
    static func authenticate(_ token: String, service: LastMileService) async throws -> Caller {
        guard let caller = try await service.credentials.holder(ofToken: token) else { throw invalid }
        return caller
    }

    /// `authenticate` when this server's token cache can answer at once; nil when the token must be read.
    static func cachedCaller(_ token: String, service: LastMileService) throws -> Caller? {
        switch service.credentials.cachedHolder(ofToken: token) {
        case .holder(let caller): return caller
        case .expired: throw invalid
        case .notCached: return nil
        }
    }

    /// §1.3: the token of `Authorization: Bearer <token>` (scheme case-insensitive); `missing` without one.
    static func token(_ request: Request) throws -> String {
        guard let header = request.headers[.authorization] else { throw missing }
        let parts = header.trimmingCharacters(in: .whitespaces).split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw missing }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        guard !token.isEmpty else { throw missing }
        return token
    }
}
