import Foundation
import Hummingbird
import LastMileBooking
import LastMileStorage
import NIOCore
import Synchronization

/// How many live streams are open, bounded: each reads the change marks once a second.
final class ConsoleStreamCount: Sendable {
    static let limit = 64
    private let open = Mutex(0)

    func enter() -> Bool {
        open.withLock { n in
            guard n < Self.limit else { return false }
            n += 1
            return true
        }
    }

    func leave() { open.withLock { $0 -= 1 } }
}

/// `/console/events`: Server-Sent Events telling an open page that something changed (an order event, a
/// hold, an operator action, on any server of the database), so it fetches itself again. A comment line
/// every 15 s keeps proxies from closing the stream; the stream ends when the session does.
struct ConsoleEvents: Sendable {
    let service: LastMileService
    static let poll: Duration = .seconds(1)
    static let heartbeatEvery = 15
    /// Checks the session (signed out, expired, operator disabled) every this many polls.
    static let sessionCheckEvery = 5

    /// Whether the session is gone (signed out, expired, operator disabled). A database that does not answer
    /// ends nothing: the stream waits for it like the page does.
    static func hasEnded(_ token: String, _ service: LastMileService) async -> Bool {
        do { return try await service.console.access.session(token: token) == nil } catch { return false }
    }

    func stream(_ request: Request, _ context: LastMileRequestContext) async throws -> Response {
        guard let who = context.consoleOperator, let token = request.cookies[ConsoleCookie.name]?.value else {
            throw ConsoleRefusal(status: .unauthorized, message: "Sign in to the console first.")
        }
        guard service.consoleStreams.enter() else {
            throw ConsoleRefusal(status: .serviceUnavailable, message: "Too many live pages are open; this one will not update by itself.")
        }
        let service = self.service
        let storage = service.booking.storage
        var headers = ConsolePage.securityHeaders
        headers[.contentType] = "text/event-stream; charset=utf-8"
        return Response(
            status: .ok,
            headers: headers,
            body: ResponseBody { writer in
                defer { service.consoleStreams.leave() }
                do {
                    try await writer.write(ByteBuffer(string: "retry: 2000\n: \(who.account.id) connected\n\n"))
                    var marks = try? await storage.changeMarks()
                    var tick = 0
                    while !Task.isCancelled {
                        try await Task.sleep(for: Self.poll)
                        tick += 1
                        if tick % Self.sessionCheckEvery == 0, await Self.hasEnded(token, service) {
                            try await writer.write(ByteBuffer(string: "event: end\ndata: session ended\n\n"))
                            break
                        }
                        // A database that does not answer is skipped this second, not the end of the stream.
                        if let now = try? await storage.changeMarks(), now != marks {
                            marks = now
                            try await writer.write(ByteBuffer(string: "event: change\ndata: \(now.events).\(now.holds).\(now.audit)\n\n"))
                        } else if tick % Self.heartbeatEvery == 0 {
                            try await writer.write(ByteBuffer(string: ": heartbeat\n\n"))
                        }
                    }
                } catch {
                    // The browser went away (a write failed) or the server is stopping.
                }
                try? await writer.finish(nil)
            }
        )
    }
}
