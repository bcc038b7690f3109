import Foundation
import HTTPTypes
import Hummingbird
import LastMileCore
import NIOCore

/// Step 4 of §1.13: size, content type, JSON syntax, top-level object.
enum RequestBodyDecoder {
    static let maxBytes = 1 << 20

    static let tooLarge = ServiceError(.payloadTooLarge, "The request body is too large.", code: 1001, key: "body")
    static let wrongType = ServiceError.badRequest("The request body must be sent as application/json.", key: "body")
    static let invalidJSON = ServiceError.badRequest("The request body is not valid JSON.", key: "body")
    static let notObject = ServiceError.badRequest("The request body must be a JSON object.", key: "body")

    /// Valid JSON beyond what any endpoint needs; refused before any work proportional to its shape.
    static func beyondLimits(_ failure: JSONParser.Failure) -> ServiceError {
        switch failure {
        case .syntax: return invalidJSON
        case .tooDeep(let limit):
            return .badRequest("The request body is nested too deeply (maximum depth is \(limit)).", key: "body")
        case .tooManyValues(let limit):
            return .badRequest("The request body has too many values (maximum is \(limit)).", key: "body")
        }
    }

    /// Parses a body with the standard limits, mapping each failure to its 400.
    static func parse(_ data: Data) throws(ServiceError) -> JSONValue {
        do { return try JSONValue.parse(data) } catch { throw beyondLimits(error) }
    }

    /// Collects the body, mapping an oversized one to 413.
    static func collect(_ request: Request) async throws -> ByteBuffer {
        do {
            return try await request.body.collect(upTo: maxBytes)
        } catch is NIOTooManyBytesError {
            throw tooLarge
        }
    }

    /// The media type (lower-cased, parameters removed), nil when the header is absent.
    static func mediaType(_ request: Request) -> String? {
        guard let ct = request.headers[.contentType] else { return nil }
        return ct.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
    }

    /// A JSON object body; an absent or empty body is `{}`.
    static func jsonObject(_ request: Request) async throws -> [String: JSONValue] {
        let buffer = try await collect(request)
        if let media = mediaType(request), media != "application/json" { throw wrongType }
        let data = Data(buffer: buffer)
        // §1.2: an absent or empty body is `{}`; whitespace alone is not JSON (RFC 8259), so it is a syntax error.
        if data.isEmpty { return [:] }
        guard case .object(let o) = try parse(data) else { throw notObject }
        return o
    }
}
