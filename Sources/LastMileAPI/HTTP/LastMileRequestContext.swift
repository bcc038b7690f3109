import Foundation
import HTTPTypes
import Hummingbird
import LastMileBooking
import Logging
import NIOCore
import Synchronization

/// Per-request context: Hummingbird's core storage, what `ContractMiddleware` learns about the request
/// (when it arrived, its deadline, the client's address) and the caller `BearerAuthMiddleware` authenticated.
public struct LastMileRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The socket peer (nil under the in-process test client).
    public let peerIP: String?
    /// The client: the peer, or what a trusted proxy says (`ClientAddress`).
    public var clientAddress = "local"
    /// The instant the server received the request on the process clock (§2.0.4 "now" before a caller is known).
    public var receivedAt = Date(timeIntervalSince1970: 0)
    /// One deadline for everything that may wait on storage (authentication, then the handler).
    public var deadline = ContinuousClock.now
    /// The authenticated caller of a bearer route.
    public var caller: Caller?
    /// The signed-in operator of a console page (issue 13).
    public var consoleOperator: ConsoleAccess.SignedIn?
    /// Headers every answer carries, whichever middleware answers (e.g. `RateLimit-*` on a 429 or a 400).
    public let responseHeaders = ResponseHeaders()

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        peerIP = source.channel.remoteAddress?.ipAddress
    }
}

/// Response headers set before the answer exists; a reference so an error thrown past the middleware that set
/// them does not lose them.
public final class ResponseHeaders: Sendable {
    private let fields = Mutex(HTTPFields())
    public init() {}
    func set(_ name: HTTPField.Name, _ value: String) { fields.withLock { $0[name] = value } }
    func merge(into response: inout Response) {
        for field in fields.withLock({ $0 }) { response.headers[field.name] = field.value }
    }
}
