import Foundation
import HTTPTypes
import Hummingbird
import LastMileCore
import LastMileFleet
import LastMileStorage

/// What a handler receives once routing, authentication, rate limiting and body decoding succeeded.
public struct HandlerInput: Sendable {
    public let request: Request
    /// Path parameters, percent-decoded once (§1.1).
    public let params: [String: String]
    public let body: [String: JSONValue]
    public let caller: Caller?
    /// The instant the server received the request (§2.0.4 "now"), on the caller's retailer's time.
    public let now: Date
    /// The client's address (`ClientAddress`: the socket peer, or what a trusted proxy says).
    public let remoteIP: String

    /// The caller of a bearer route (always present there).
    var retailer: Retailer { caller!.retailer }
}

public typealias Handler = @Sendable (HandlerInput) async throws -> Response

/// What a route does with a request body (§1.2).
enum BodyHandling: Sendable { case json, none }

/// A route's closure: §1.13 step 4 (the body), then the handler, under the request's deadline.
func endpoint(
    _ service: LastMileService,
    body: BodyHandling = .json,
    fixed: [String: String] = [:],
    _ handler: @escaping Handler
)
    -> @Sendable (Request, LastMileRequestContext) async throws -> Response
{
    { request, context in
        var params = fixed
        for (name, value) in context.parameters {
            // ContractMiddleware already refused paths whose escapes do not decode.
            params[String(name)] = String(value).removingPercentEncodingOnce() ?? String(value)
        }
        let decoded: [String: JSONValue] = body == .json ? try await RequestBodyDecoder.jsonObject(request) : [:]
        // "now" is the caller's retailer's service time (its test clock may have moved it).
        let now = context.caller.map { service.clocks.now(for: $0.retailer.id) } ?? context.receivedAt
        let input = HandlerInput(
            request: request,
            params: params,
            body: decoded,
            caller: context.caller,
            now: now,
            remoteIP: context.clientAddress
        )
        do {
            return try await withDeadline(context.deadline - .now) { try await handler(input) }
        } catch let e as DeadlineExceeded {
            throw StorageError.unavailable("request deadline: \(e)")
        }
    }
}
