import Foundation
import LastMileBooking
import LastMileCore
import LastMileStorage
import Logging

public enum ServiceMode: String, Sendable, CaseIterable {
    case development, production
}

/// What the HTTP layer shares: the clocks, rate limiters, sign-in backoff and settings, and the use cases
/// (`booking`, `credentials`), which are the only way a request reaches storage.
public final class LastMileService: Sendable {
    /// The process clock; each retailer's time is `clocks.now(for:)` (the sandbox test clock moves it).
    public let clock: any ServiceClock
    public let clocks: RetailerClocks
    public let mode: ServiceMode
    public let estimator: DeliveryEstimator
    public let logger: Logger
    let retailerLimiter: RateLimiter
    let oauthLimiter: RateLimiter
    /// OAuth requests per second per client IP (§1.15 default 10).
    public let oauthRateLimit: Int
    /// When set, replaces every retailer's configured rate limit (benchmarks raise it).
    public let rateLimitOverride: Int?
    /// Socket peers whose `X-Forwarded-For` names the client (reverse proxies the operator runs).
    public let trustedProxies: Set<String>
    /// Failed bearer authentications allowed per client address per second; past it the address gets 429
    /// without a database read until the window ends.
    public let unauthenticatedRateLimit: Int
    let unauthenticatedLimiter: RateLimiter
    /// How long a request may take before it is answered 503 (`Retry-After: 1`).
    public let requestTimeout: Duration
    let signInBackoff: SignInBackoff
    /// Listing, reserving, ordering, users, and the service's own moves.
    public let booking: BookingService
    /// OAuth clients and bearer tokens (sign-in and authentication).
    public let credentials: Credentials
    /// The operator console's reads and actions (issue 13).
    public let console: ConsoleService
    /// Live console streams open now (bounded: each polls the database once a second).
    let consoleStreams = ConsoleStreamCount()

    public init(
        storage: any Storage,
        clock: any ServiceClock,
        directory: PostalDirectory,
        mode: ServiceMode,
        estimator: DeliveryEstimator = DeliveryEstimator(),
        logger: Logger = Logger(label: "lastmile"),
        oauthRateLimit: Int = 10,
        rateLimitOverride: Int? = nil,
        trustedProxies: [String] = [],
        unauthenticatedRateLimit: Int = 20,
        requestTimeout: Duration = .seconds(5),
        monotonicSeconds: @escaping @Sendable () -> Double = LastMileService.monotonicSeconds
    ) {
        self.clock = clock
        self.clocks = RetailerClocks(base: clock)
        self.mode = mode
        self.estimator = estimator
        self.logger = logger
        self.oauthRateLimit = oauthRateLimit
        self.rateLimitOverride = rateLimitOverride
        self.trustedProxies = Set(trustedProxies)
        self.unauthenticatedRateLimit = unauthenticatedRateLimit
        self.requestTimeout = requestTimeout
        retailerLimiter = RateLimiter(seconds: monotonicSeconds)
        oauthLimiter = RateLimiter(seconds: monotonicSeconds)
        unauthenticatedLimiter = RateLimiter(seconds: monotonicSeconds)
        signInBackoff = SignInBackoff(seconds: monotonicSeconds)
        booking = BookingService(
            storage: storage,
            directory: directory,
            estimator: estimator,
            virtualDrivers: mode == .development,
            logger: logger
        )
        credentials = Credentials(storage: storage, clocks: clocks, seconds: monotonicSeconds)
        console = ConsoleService(booking: booking, clocks: clocks, access: ConsoleAccess(storage: storage, clock: clock))
    }

    /// Seconds on the process's monotonic clock (rate-limit windows; not the service's business clock).
    public static let monotonicSeconds: @Sendable () -> Double = {
        Double(DispatchTime.now().uptimeNanoseconds) / 1e9
    }
}
