import Foundation
import HTTPTypes
import Hummingbird
import LastMileCore
import Logging
import NIOCore
import Synchronization

/// A retailer's callback receiver for tests: a real HTTP server on 127.0.0.1 with an OAuth token endpoint
/// (form-encoded client credentials) and a callback endpoint that checks the Bearer token it issued.
final class CallbackReceiver: Sendable {
    struct Received: Sendable {
        var headers: HTTPFields
        var body: String
        var json: JSONValue { (try? JSONValue.parse(Data(body.utf8))) ?? .null }
        var eventID: String { json["event_id"].map { if case .integer(let i) = $0 { return String(i) } else { return "?" } } ?? "?" }
        var name: String { json["event_name"]?.stringValue ?? "" }
    }
    struct State {
        var received: [Received] = []
        var tokenRequests: [String] = []
        var issued: [String] = []
        /// Callbacks answered 500 before accepting.
        var failuresLeft = 0
        var statuses: [Int] = []
        /// Requests the trickling route began answering.
        var trickleStarted = 0
    }
    let state = Mutex(State())
    let port: Int
    private let task: Task<Void, any Error>

    static let clientID = "lmd-callbacks"
    static let clientSecret = "cb-secret+/="

    private init(port: Int, task: Task<Void, any Error>) {
        self.port = port
        self.task = task
    }

    /// Starts on `port` (0 = any free port) and returns once it is listening.
    static func start(port: Int = 0, failFirst: Int = 0) async throws -> CallbackReceiver {
        let holder = Holder()
        let router = Router()
        router.post("/oauth/token") { request, _ -> Response in
            let form = String(buffer: try await request.body.collect(upTo: 65_536))
            let fields = Dictionary(
                form.split(separator: "&").map { pair -> (String, String) in
                    let kv = pair.split(separator: "=", maxSplits: 1).map {
                        String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
                    }
                    return (kv[0], kv.count > 1 ? kv[1] : "")
                },
                uniquingKeysWith: { a, _ in a }
            )
            let ok =
                request.headers[.contentType] == "application/x-www-form-urlencoded" && fields["grant_type"] == "client_credentials"
                && fields["client_id"] == clientID && fields["client_secret"] == clientSecret
            guard ok else { return Response(status: .unauthorized) }
            let token = holder.receiver!.state.withLock { s -> String in
                s.tokenRequests.append(form)
                let t = "tok-\(s.issued.count + 1)"
                s.issued.append(t)
                return t
            }
            return Response(
                status: .ok,
                headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"access_token":"\#(token)","token_type":"Bearer","expires_in":3600}"#))
            )
        }
        router.post("/callbacks") { request, _ -> Response in
            let body = String(buffer: try await request.body.collect(upTo: 1 << 20))
            let status = holder.receiver!.state.withLock { s -> Int in
                guard let auth = request.headers[.authorization], s.issued.contains(where: { auth == "Bearer \($0)" }) else {
                    s.statuses.append(401)
                    return 401
                }
                if s.failuresLeft > 0 {
                    s.failuresLeft -= 1
                    s.statuses.append(500)
                    return 500
                }
                s.received.append(Received(headers: request.headers, body: body))
                s.statuses.append(200)
                return 200
            }
            return Response(status: .init(code: status))
        }
        // A receiver that answers 200 at once and then sends its body one byte a second for a minute: an
        // attempt must end at its deadline, not when the receiver is done.
        router.post("/trickle") { request, _ -> Response in
            _ = try await request.body.collect(upTo: 1 << 20)
            holder.receiver!.state.withLock { $0.trickleStarted += 1 }
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain"],
                body: ResponseBody { writer in
                    for _ in 0..<60 {
                        try await writer.write(ByteBuffer(string: "."))
                        try await Task.sleep(for: .seconds(1))
                    }
                    try await writer.finish(nil)
                }
            )
        }
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "test-receiver")
        logger.logLevel = .critical  // stopping it by cancellation logs harmless shutdown errors
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: logger
        )
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = stream.makeAsyncIterator()
        guard let bound = await iterator.next() else { throw CancellationError() }
        let receiver = CallbackReceiver(port: bound, task: task)
        receiver.state.withLock { $0.failuresLeft = failFirst }
        holder.receiver = receiver
        return receiver
    }

    /// A port a receiver listened on and no longer does: the receiver is down, and can come back there.
    static func vacantPort() async throws -> Int {
        let receiver = try await start()
        await receiver.stop()
        return receiver.port
    }

    func stop() async {
        task.cancel()
        _ = await task.result
    }

    var received: [Received] { state.withLock { $0.received } }
    var url: String { "http://127.0.0.1:\(port)" }

    /// A config with the `alpha` retailer's callbacks pointing here (every event unless `events`).
    static func config(port: Int, events: [String]? = nil, drivers: Bool = false) -> String {
        let list = events.map { ",\"events\":[" + $0.map { "\"\($0)\"" }.joined(separator: ",") + "]" } ?? ""
        let callbacks = """
            "callbacks": { "callback_url": "http://127.0.0.1:\(port)/callbacks", "token_url": "http://127.0.0.1:\(port)/oauth/token",
              "client_id": "\(clientID)", "client_secret": "\(clientSecret)", "scope": "callbacks",
              "signing_secret": "whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcY"\(list) },
            """
        let driverList =
            drivers
            ? #""drivers": [ { "id": "drv-1", "secret": "driver-client-secret-1" }, { "id": "drv-2", "secret": "driver-client-secret-2" } ],"# : ""
        return testConfigJSON.replacingOccurrences(
            of: #""id": "alpha", "name": "Alpha Foods","#,
            with: #""id": "alpha", "name": "Alpha Foods", "# + callbacks + driverList
        )
    }
}

/// Lets the route closures reach the receiver created after them.
private final class Holder: @unchecked Sendable { var receiver: CallbackReceiver? }
