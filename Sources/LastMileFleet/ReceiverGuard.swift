import Foundation
import LastMileCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Checks a receiver URL just before the service sends to it (issue 9, finding 6): the load-time check sees
/// only the text, while a public-looking name can resolve to a loopback, private or link-local address. In
/// production every address the host resolves to must be public unless the operator allow-listed the host.
/// (The HTTP client resolves the name again when it connects; a name whose answer changes between the two
/// look-ups is not covered, which the README says.)
public struct ReceiverGuard: Sendable {
    public struct Refused: Error, CustomStringConvertible {
        public var description: String
    }

    public let policy: ReceiverURLPolicy

    public init(policy: ReceiverURLPolicy) { self.policy = policy }

    public func check(_ url: String) async throws {
        if let problem = policy.problem(with: url) { throw Refused(description: "receiver URL refused: \(problem)") }
        guard policy.production, let host = URLComponents(string: url)?.host, IPAddress.parse(host) == nil,
            !policy.allowedHosts.contains(host.lowercased())
        else { return }
        let addresses = try await Self.resolve(host)
        if let blocked = addresses.first(where: { !policy.permits(host: host, resolvedAddress: $0) }) {
            throw Refused(
                description: "receiver URL refused: \(host) resolves to an internal address (\(blocked.map(String.init).joined(separator: ".")))"
            )
        }
    }

    /// The host's addresses (4 or 16 bytes each), looked up on NIO's blocking-I/O thread pool.
    static func resolve(_ host: String) async throws -> [[UInt8]] {
        try await NIOThreadPool.singleton.runIfActive {
            var hints = addrinfo()
            hints.ai_family = AF_UNSPEC
            #if canImport(Glibc)
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            #else
            hints.ai_socktype = SOCK_STREAM
            #endif
            var result: UnsafeMutablePointer<addrinfo>?
            let rc = getaddrinfo(host, nil, &hints, &result)
            guard rc == 0, let first = result else { throw Refused(description: "cannot resolve \(host) (getaddrinfo \(rc))") }
            defer { freeaddrinfo(first) }
            var out: [[UInt8]] = []
            var node: UnsafeMutablePointer<addrinfo>? = first
            while let n = node {
                if let sa = n.pointee.ai_addr {
                    if n.pointee.ai_family == AF_INET {
                        sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { p in
                            withUnsafeBytes(of: p.pointee.sin_addr) { out.append(Array($0)) }
                        }
                    } else if n.pointee.ai_family == AF_INET6 {
                        sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { p in
                            withUnsafeBytes(of: p.pointee.sin6_addr) { out.append(Array($0)) }
                        }
                    }
                }
                node = n.pointee.ai_next
            }
            return out
        }
    }
}
