import Foundation
import HTTPTypes
import Hummingbird
import LastMileCore
import NIOCore

/// The one place where errors become the envelope of §1.10.
enum ErrorEnvelope {
    struct Details: Encodable {
        var message: String
        @Nullable var code: Int?
        var errors: [Envelope]?
    }
    struct Envelope: Encodable {
        var error: Details
        var meta: Meta
    }
    struct Meta: Encodable {
        var key: String?
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeIfPresent(key, forKey: .key)
        }
        enum CodingKeys: String, CodingKey { case key }
    }

    static func status(_ kind: ServiceError.Kind) -> HTTPResponse.Status {
        switch kind {
        case .badRequest: return .badRequest
        case .unauthorized: return .unauthorized
        case .forbidden: return .forbidden
        case .notFound: return .notFound
        case .conflict: return .conflict
        case .payloadTooLarge: return .contentTooLarge
        case .tooManyRequests: return .tooManyRequests
        case .unavailable: return .serviceUnavailable
        case .internalError: return .internalServerError
        }
    }

    static func body(_ e: ServiceError) -> Envelope {
        let nested =
            e.fields.isEmpty
            ? nil
            : e.fields.map {
                Envelope(error: Details(message: $0.message, code: 1001, errors: nil), meta: Meta(key: $0.key))
            }
        return Envelope(error: Details(message: e.message, code: e.code, errors: nested), meta: Meta(key: e.key))
    }

    static func response(_ e: ServiceError) -> Response {
        var headers = HTTPFields()
        if e.kind == .unavailable || e.kind == .tooManyRequests { headers[.retryAfter] = "1" }
        return JSONResponse.make(status: status(e.kind), body(e), headers: headers)
    }
}

/// Encodes `nil` as JSON `null` (synthesized `Encodable` would omit the key; the contract wants every
/// listed field present).
@propertyWrapper
public struct Nullable<T: Encodable & Sendable>: Encodable, Sendable {
    public var wrappedValue: T?
    public init(wrappedValue: T?) { self.wrappedValue = wrappedValue }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        if let v = wrappedValue { try c.encode(v) } else { try c.encodeNil() }
    }
}

enum JSONResponse {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return e
    }()

    /// A 200 with a body already written as JSON (`ListingJSON`).
    static func written(_ bytes: [UInt8]) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func make(status: HTTPResponse.Status = .ok, _ value: some Encodable, headers: HTTPFields = [:]) -> Response {
        var h = headers
        h[.contentType] = "application/json; charset=utf-8"
        do {
            let data = try encoder.encode(value)
            return Response(status: status, headers: h, body: .init(byteBuffer: ByteBuffer(bytes: data)))
        } catch {
            let fallback = #"{"error":{"message":"An internal error occurred. Please try again later.","code":5000},"meta":{}}"#
            return Response(status: .internalServerError, headers: h, body: .init(byteBuffer: ByteBuffer(string: fallback)))
        }
    }
}
