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
    /// How attempts are bounded (issue 9, finding 3).
    public struct Limits: Sendable {
        /// One deadline over an attempt: token fetch, POST, and reading the response.
        public var attemptTimeout: Duration = .seconds(15)
        /// Attempts in flight to one retailer's receiver; the rest of its callbacks wait in the database, so a
        /// slow receiver holds back only its own retailer.
        public var perRetailer = 4
        /// Attempts in flight in this process.
        public var total = 64
        /// Bytes of a receiver's response read (the status is what counts).
        public var responseBytes = 4096
        public init() {}
    }

    let storage: any Storage
    let clocks: RetailerClocks
    let wallClock: any ServiceClock
    let client: HTTPClient
    let tokens: ReceiverTokens
    let logger: Logger
    let random: Mutex<RandomNumberGenerator64>
    let batchSize: Int
    let lease: TimeInterval
    let limits: Limits
    let receivers: ReceiverGuard

    public init(
        storage: any Storage,
        clock: any ServiceClock,
        wallClock: any ServiceClock = SystemClock(),
        client: HTTPClient,
        logger: Logger,
        seed: UInt64 = UInt64.random(in: 1...UInt64.max),
        batchSize: Int = 64,
        lease: TimeInterval = 300,
        limits: Limits = Limits(),
        receivers: ReceiverURLPolicy = ReceiverURLPolicy(production: false),
        clocks: RetailerClocks? = nil
    ) {
        // Retries are scheduled on each retailer's time (`clocks`, when given; else `clock` for everyone).
        self.storage = storage
        self.clocks = clocks ?? RetailerClocks(base: clock)
        self.wallClock = wallClock
        self.client = client
        self.receivers = ReceiverGuard(policy: receivers)
        self.tokens = ReceiverTokens(client: client, wallClock: wallClock, receivers: self.receivers, limits: limits)
        self.logger = logger
        self.random = Mutex(RandomNumberGenerator64(seed: seed))
        self.batchSize = batchSize
        // A claimed callback may wait for its retailer's free slots: the lease must outlive every attempt
        // queued before it, or another server would send it a second time.
        let rounds = Double((batchSize + limits.perRetailer - 1) / limits.perRetailer + 1)
        self.lease = max(lease, rounds * Double(limits.attemptTimeout.components.seconds))
        self.limits = limits
    }

    /// A client configured as §3.4 requires: redirects are not followed, 10-second timeouts.
    public static func makeHTTPClient() -> HTTPClient {
        var config = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(10), read: .seconds(10))
        )
        config.httpVersion = .http1Only
        // A refused connection fails the attempt at once; the outbox's own schedule (§3.4) retries it.
        config.connectionPool.retryConnectionEstablishment = false
        config.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 32
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: config)
    }

    /// Runs until the task is cancelled. Attempts run concurrently, at most `limits.perRetailer` per retailer
    /// and `limits.total` in all; a pass claims only callbacks of retailers with a free slot and does not
    /// wait for slow attempts. Finished attempts are recorded together (one commit for many). While the
    /// database is unreachable the loop backs off (up to 30 s) and logs once, not every pass.
    public func run(idle: Duration = .milliseconds(200)) async {
        let flight = FlightState()
        let backoff = Backoff()
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                let finished = flight.state.withLock { f in
                    defer { f.finished = [] }
                    return f.finished
                }
                if !finished.isEmpty {
                    do {
                        try await storage.recordCallbackAttempts(finished)
                    } catch {
                        // The leases run out and the callbacks are sent again: at least once, never lost.
                        logger.warning("callback outbox: cannot record \(finished.count) attempts: \(error)")
                    }
                }
                let (free, saturated) = flight.state.withLock { f in
                    // Claimed callbacks still waiting for their retailer's slot count too: memory stays bounded.
                    (limits.total - f.total - f.waiting.count, f.perRetailer.filter { $0.value >= limits.perRetailer }.map(\.key).sorted())
                }
                var claimed: [CallbackDelivery] = []
                if free > 0 {
                    do {
                        claimed = try await claim(limit: min(free, batchSize), excluding: saturated)
                        backoff.succeeded(logger)
                    } catch {
                        try? await Task.sleep(for: backoff.failed(error, logger))
                        continue
                    }
                }
                let configs = await retailerConfigs(for: claimed)
                flight.state.withLock { f in
                    for d in claimed {
                        guard let config = configs[d.retailerID] else { continue }
                        f.waiting.append((d, config))
                    }
                }
                // Start what the per-retailer caps allow; the rest of a claim waits here under its lease.
                let ready = flight.state.withLock { $0.startable(perRetailer: limits.perRetailer) }
                for (d, config) in ready {
                    group.addTask {
                        let result = await self.attempt(d, config: config)
                        flight.state.withLock { $0.finish(d, result) }
                    }
                }
                let busy = flight.state.withLock { $0.total > 0 || !$0.finished.isEmpty }
                if claimed.isEmpty { try? await Task.sleep(for: busy ? .milliseconds(20) : idle) }
            }
        }
    }

    final class FlightState: Sendable {
        let state = Mutex(Flight())
    }

    /// Attempts in flight, waiting for a retailer slot, and finished but not yet recorded.
    struct Flight {
        var total = 0
        var perRetailer: [String: Int] = [:]
        var waiting: [(CallbackDelivery, CallbackConfig?)] = []
        var finished: [CallbackAttempt] = []

        mutating func startable(perRetailer cap: Int) -> [(CallbackDelivery, CallbackConfig?)] {
            var start: [(CallbackDelivery, CallbackConfig?)] = []
            var keep: [(CallbackDelivery, CallbackConfig?)] = []
            for (d, config) in waiting {
                if perRetailer[d.retailerID, default: 0] < cap {
                    perRetailer[d.retailerID, default: 0] += 1
                    total += 1
                    start.append((d, config))
                } else {
                    keep.append((d, config))
                }
            }
            waiting = keep
            return start
        }

        mutating func finish(_ d: CallbackDelivery, _ attempt: CallbackAttempt) {
            total -= 1
            perRetailer[d.retailerID, default: 1] -= 1
            if perRetailer[d.retailerID] == 0 { perRetailer[d.retailerID] = nil }
            finished.append(attempt)
        }
    }

    /// Logs the first failure to reach the database and the recovery, and spaces retries 0.2 s … 30 s apart.
    final class Backoff: Sendable {
        private let failures = Mutex(0)

        func failed(_ error: any Error, _ logger: Logger) -> Duration {
            let n = failures.withLock {
                $0 += 1
                return $0
            }
            if n == 1 { logger.warning("callback outbox: cannot claim callbacks, backing off until the database answers: \(error)") }
            let seconds = min(30, 0.2 * pow(2, Double(min(n - 1, 10))))
            return .milliseconds(Int(seconds * 1000))
        }

        func succeeded(_ logger: Logger) {
            let n = failures.withLock { n in
                defer { n = 0 }
                return n
            }
            if n > 0 { logger.notice("callback outbox: database reachable again after \(n) failed claims") }
        }
    }

    /// Due callbacks: those of retailers on the process clock in one claim, and those of each retailer whose
    /// test clock was moved in a claim of its own, due by that retailer's time.
    func claim(limit: Int, excluding saturated: [String]) async throws -> [CallbackDelivery] {
        let moved = clocks.moved
        var claimed = try await storage.claimCallbacks(
            due: clocks.base.now(),
            leaseNow: wallClock.now(),
            limit: limit,
            lease: lease,
            excludingRetailers: saturated + moved.keys.sorted(),
            onlyRetailer: nil
        )
        for retailer in moved.keys.sorted() where !saturated.contains(retailer) && claimed.count < limit {
            claimed += try await storage.claimCallbacks(
                due: clocks.now(for: retailer),
                leaseNow: wallClock.now(),
                limit: limit - claimed.count,
                lease: lease,
                excludingRetailers: [],
                onlyRetailer: retailer
            )
        }
        return claimed
    }

    /// The callback settings of each retailer of `due`. A failed lookup leaves the retailer out (its leases
    /// run out and its callbacks are claimed again later); a retailer that is gone maps to nil (abandon).
    func retailerConfigs(for due: [CallbackDelivery]) async -> [String: CallbackConfig?] {
        var configs: [String: CallbackConfig?] = [:]
        for id in Set(due.map(\.retailerID)) {
            do { configs[id] = .some(try await storage.retailer(id: id)?.callbacks) } catch {
                logger.warning("callback outbox: cannot read retailer \(id): \(error)")
            }
        }
        return configs
    }

    /// One pass (tests and tools): leases due callbacks, attempts each once — concurrently, at most
    /// `limits.perRetailer` at a time per retailer — records them, and returns how many were attempted.
    @discardableResult
    public func deliverDue() async -> Int {
        let due: [CallbackDelivery]
        do { due = try await claim(limit: batchSize, excluding: []) } catch {
            logger.warning("callback outbox: cannot claim: \(error)")
            return 0
        }
        if due.isEmpty { return 0 }
        let configs = await retailerConfigs(for: due)
        let byRetailer = Dictionary(grouping: due.filter { configs[$0.retailerID] != nil }, by: \.retailerID)
        let attempts = await withTaskGroup(of: [CallbackAttempt].self) { group in
            for (retailerID, deliveries) in byRetailer {
                let config = configs[retailerID] ?? nil
                // `perRetailer` lanes per retailer, each sending its share one after another.
                for lane in 0..<min(limits.perRetailer, deliveries.count) {
                    group.addTask {
                        var done: [CallbackAttempt] = []
                        for d in stride(from: lane, to: deliveries.count, by: self.limits.perRetailer).map({ deliveries[$0] }) {
                            done.append(await self.attempt(d, config: config))
                        }
                        return done
                    }
                }
            }
            return await group.reduce(into: [CallbackAttempt]()) { $0.append(contentsOf: $1) }
        }
        do { try await storage.recordCallbackAttempts(attempts) } catch {
            logger.warning("callback outbox: cannot record \(attempts.count) attempts: \(error)")
        }
        return due.count
    }

    func attempt(_ d: CallbackDelivery, config: CallbackConfig?) async -> CallbackAttempt {
        let started = wallClock.now()
        let at = clocks.now(for: d.retailerID)
        var status: Int?
        var failure: String?
        // §3.4: no attempt starts more than 24 hours after the first one (e.g. after downtime).
        let expired = d.firstAttemptAt.map { at.timeIntervalSince($0) > RetrySchedule.giveUpAfter } ?? false
        if expired {
            failure = "not attempted: more than 24 hours after the first attempt"
        } else if let config {
            do {
                status = try await withDeadline(limits.attemptTimeout) { try await self.send(d, config: config) }
            } catch {
                failure = "\(error)"
            }
        } else {
            failure = "the retailer has no callback_url any more"
        }
        let ok = status.map { (200..<300).contains($0) } ?? false
        let next: CallbackAttempt.Next
        if ok {
            next = .delivered
        } else if config == nil || expired {
            next = .abandon
        } else {
            let unit = random.withLock { $0.nextUnit() }
            next =
                RetrySchedule.nextAttempt(firstAttempt: d.firstAttemptAt ?? at, lastAttempt: at, failures: d.attempts + 1, unit: unit)
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
        let outcome =
            switch next {
            case .delivered: "delivered"
            case .retry: "retry"
            case .abandon: "abandoned"
            }
        Counter(label: "lastmile_callback_attempts_total", dimensions: [("outcome", outcome)]).increment()
        return CallbackAttempt(
            rowID: d.rowID,
            at: at,
            statusCode: status,
            error: failure,
            durationMilliseconds: ms,
            next: next,
            leaseUntil: d.leaseUntil
        )
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
        try await receivers.check(config.url)
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
        // Read a little of the answer (the status is what counts), then drop the rest: a receiver cannot
        // make the service read megabytes, and the attempt's deadline bounds how long it may take.
        var read = 0
        for try await chunk in response.body {
            read += chunk.readableBytes
            if read >= limits.responseBytes { break }
        }
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
