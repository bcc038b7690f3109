import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Per-request context: Hummingbird's core storage plus the peer's IP (OAuth endpoints are rate limited per IP).
public struct LastMileRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteIP: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteIP = source.channel.remoteAddress?.ipAddress
    }
}
