import AsyncHTTPClient
import Foundation
import LastMileCore
import LastMileStorage
import Logging
import Metrics
import NIOCore
import Synchronization

/// Delivers the callback outbox (§3.4): leases due events from the database (so several servers never
/// send one event at the same time), POSTs each envelope with the receiver's OAuth token and Standard
/// Webhooks signature, records every attempt, and schedules retries with exponential backoff and jitter
/// for up to 24 hours. Scheduling runs on the service clock, so a test clock can move retries forward.
public final class CallbackOutbox: Sendable {
    let storage: any Storage
    let clock: any ServiceClock
    let wallClock: any ServiceClock
    let client: HTTPClient
    let tokens: ReceiverTokens
    let logger: Logger
    let random: Mutex<RandomNumberGenerator64>
    let batchSize: Int
    let lease: TimeInterval

    public init(storage: any Storage, clock: any ServiceClock, wallClock: any ServiceClock = SystemClock(), client: HTTPClient,
                logger: Logger, seed: UInt64 = UInt64.random(in: 1...UInt64.max), batchSize: Int = 64, lease: TimeInterval = 300) {
        self.storage = storage; self.clock = clock; self.wallClock = wallClock; self.client = client
        self.tokens = ReceiverTokens(client: client, wallClock: wallClock); self.logger = logger
        self.random = Mutex(RandomNumberGenerator64(seed: seed)); self.batchSize = batchSize; self.lease = lease
    }

    /// A client configured as §3.4 requires: redirects are not followed, 10-second timeouts.
    public static func makeHTTPClient() -> HTTPClient {
        var config = HTTPClient.Configuration(redirectConfiguration: .disallow,
                                              timeout: .init(connect: .seconds(10), read: .seconds(10)))
        config.httpVersion = .http1Only
        // A refused connection fails the attempt at once; the outbox's own schedule (§3.4) retries it.
        config.connectionPool.retryConnectionEstablishment = false
        config.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 32
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: config)
    }

    /// Runs until the task is cancelled: one pass, then a short pause when there was nothing to send.
    public func run(idle: Duration = .milliseconds(200)) async {
        while !Task.isCancelled {
            let sent = await deliverDue()
            if sent == 0 { try? await Task.sleep(for: idle) }
        }
    }

    /// One pass: leases due callbacks and attempts each once, concurrently. Returns how many were attempted.
    @discardableResult
    public func deliverDue() async -> Int {
        let now = clock.now()
        let due: [CallbackDelivery]
        do { due = try await storage.claimCallbacks(due: now, leaseNow: wallClock.now(), limit: batchSize, lease: lease) } catch {
            logger.warning("callback outbox: cannot claim: \(error)")
            return 0
        }
        if due.isEmpty { return 0 }
        let started = wallClock.now()
        var retailers: [String: Retailer?] = [:]
        for id in Set(due.map(\.retailerID)) {
            // A failed lookup skips the retailer's events this pass (their leases run out); only a retailer
            // that is gone, or has no callback_url any more, abandons them.
            do { retailers[id] = .some(try await storage.retailer(id: id)) } catch {
                logger.warning("callback outbox: cannot read retailer \(id): \(error)")
            }
        }
        let attempts = await withTaskGroup(of: CallbackAttempt.self) { group in
            for d in due {
                guard let retailer = retailers[d.retailerID] else { continue }
                group.addTask { await self.attempt(d, config: retailer?.callbacks) }
            }
            return await group.reduce(into: [CallbackAttempt]()) { $0.append($1) }
        }
        let sent = wallClock.now()
        defer {
            logger.trace("callback outbox: \(due.count) attempts, sending \(Int(sent.timeIntervalSince(started) * 1000)) ms, recording \(Int(wallClock.now().timeIntervalSince(sent) * 1000)) ms")
        }
        do { try await storage.recordCallbackAttempts(attempts) } catch {
            // The leases run out and the callbacks are sent again: at least once, never lost.
            logger.warning("callback outbox: cannot record \(attempts.count) attempts: \(error)")
        }
        return due.count
    }

    func attempt(_ d: CallbackDelivery, config: CallbackConfig?) async -> CallbackAttempt {
        let started = wallClock.now()
        let at = clock.now()
        var status: Int?
        var failure: String?
        // §3.4: no attempt starts more than 24 hours after the first one (e.g. after downtime).
        let expired = d.firstAttemptAt.map { at.timeIntervalSince($0) > RetrySchedule.giveUpAfter } ?? false
        if expired {
            failure = "not attempted: more than 24 hours after the first attempt"
        } else if let config {
            do { status = try await send(d, config: config) } catch { failure = "\(error)" }
        } else {
            failure = "the retailer has no callback_url any more"
        }
        let ok = status.map { (200..<300).contains($0) } ?? false
        let next: CallbackAttempt.Next
        if ok { next = .delivered } else if config == nil || expired { next = .abandon } else {
            let unit = random.withLock { $0.nextUnit() }
            next = RetrySchedule.nextAttempt(firstAttempt: d.firstAttemptAt ?? at, lastAttempt: at, failures: d.attempts + 1, unit: unit)
                .map { .retry(at: $0) } ?? .abandon
        }
        let ms = Int(wallClock.now().timeIntervalSince(started) * 1000)
        // Attempts are in the delivery log (`lastmile callbacks list --attempts`); the server log keeps to the
        // first failure of an event and to abandoned events.
        if !ok {
            let why = status.map { "HTTP \($0)" } ?? failure ?? ""
            if next == .abandon {
                logger.warning("callback \(d.eventID) \(d.name) abandoned after \(d.attempts + 1) attempts: \(why)")
            } else if d.attempts == 0 {
                logger.info("callback \(d.eventID) \(d.name) not delivered, will retry: \(why)")
            } else {
                logger.debug("callback \(d.eventID) \(d.name) not delivered, will retry: \(why)")
            }
        }
        let outcome = switch next { case .delivered: "delivered"; case .retry: "retry"; case .abandon: "abandoned" }
        Counter(label: "lastmile_callback_attempts_total", dimensions: [("outcome", outcome)]).increment()
        return CallbackAttempt(rowID: d.rowID, at: at, statusCode: status, error: failure, durationMilliseconds: ms, next: next,
                               leaseUntil: d.leaseUntil)
    }

    /// One attempt: POST with token and signature; a 401 discards the token and re-sends once (§3.2).
    func send(_ d: CallbackDelivery, config: CallbackConfig) async throws -> Int {
        let body = Array(d.body.utf8)
        var (status, token) = try await post(d, body: body, config: config)
        if status == 401, let token {
            await tokens.discard(retailerID: d.retailerID, config: config, ifStill: token)
            (status, _) = try await post(d, body: body, config: config)
        }
        return status
    }

    /// One POST; returns the status and the Bearer token it carried.
    func post(_ d: CallbackDelivery, body: [UInt8], config: CallbackConfig) async throws -> (Int, String?) {
        var token: String?
        var request = HTTPClientRequest(url: config.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "LastMile-Callbacks/1")
        if config.tokenURL != nil {
            let t = try await tokens.token(retailerID: d.retailerID, config: config)
            token = t
            request.headers.add(name: "Authorization", value: "Bearer \(t)")
        }
        let id = String(d.eventID)
        let timestamp = Int(wallClock.now().timeIntervalSince1970)
        if let signature = WebhookSigner.signature(eventID: id, timestamp: timestamp, body: body, secrets: config.signingSecrets) {
            request.headers.add(name: "webhook-id", value: id)
            request.headers.add(name: "webhook-timestamp", value: String(timestamp))
            request.headers.add(name: "webhook-signature", value: signature)
        }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: .seconds(10))
        _ = try? await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), token)
    }
}

/// SplitMix64: a small seeded generator, so retry jitter is reproducible under a fixed seed.
public struct RandomNumberGenerator64: RandomNumberGenerator, Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func nextUnit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
