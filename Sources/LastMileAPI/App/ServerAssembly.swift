import AsyncHTTPClient
import Foundation
import LastMileBooking
import LastMileCore
import LastMileFleet
import LastMileStorage
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle
import UnixSignals

/// One server process: the HTTP API, the callback worker, the rescheduler, the retention job, the simulated
/// drivers (development mode) and `/metrics`, as one `ServiceGroup`. `lastmile serve` and the tests build it
/// with the same function, so what is tested is what runs.
public struct LastMileServer: Sendable {
    public let group: ServiceGroup
    let httpClient: HTTPClient

    /// Runs until the group stops (a shutdown signal, or `group.triggerGracefulShutdown()`), then closes
    /// the callback client. Storage stays open: its owner closes it.
    public func run() async throws {
        do { try await group.run() } catch {
            await closeClient()
            throw error
        }
        await closeClient()
    }

    /// Closes the callback client, bounded: the group has already stopped every attempt it made.
    func closeClient() async {
        let client = httpClient
        _ = try? await withDeadline(.seconds(5)) { try await client.shutdown() }
    }
}

/// Builds a server over prepared storage (migrated, configured: `Bootstrap.prepare`). `onServerRunning`
/// gets the API's channel once it listens (the banner, or a test learning its port).
public func buildServer(
    configuration: AppConfiguration,
    storage: any Storage,
    clock: any ServiceClock,
    directory: PostalDirectory,
    metrics: PrometheusCollectorRegistry? = nil,
    shutdownSignals: [UnixSignal] = [],
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in },
    onMetricsRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) -> LastMileServer {
    var logger = Logger(label: "lastmile")
    logger.logLevel = configuration.logLevel
    let service = LastMileService(
        storage: storage,
        clock: clock,
        directory: directory,
        mode: configuration.mode,
        logger: logger,
        oauthRateLimit: configuration.oauthRateLimit,
        rateLimitOverride: configuration.rateLimitOverride,
        trustedProxies: configuration.trustedProxies,
        requestTimeout: configuration.requestTimeout
    )
    let http = CallbackOutbox.makeHTTPClient()
    let outbox = CallbackOutbox(
        storage: storage,
        clock: clock,
        client: http,
        logger: logger,
        receivers: configuration.configRules.receivers,
        clocks: service.clocks
    )
    let simulator =
        configuration.simulateDrivers
        ? DriverSimulator(
            storage: storage,
            clock: clock,
            clocks: service.clocks,
            speedUp: configuration.speedUp,
            logger: logger,
            dispatcher: CapacityDispatcher(booking: service.booking)
        ) : nil
    let fleet = BackgroundWork(
        outbox: outbox,
        simulator: simulator,
        simulateInterval: configuration.simulateInterval,
        rescheduler: Rescheduler(booking: service.booking, clocks: service.clocks),
        retention: RetentionJob(storage: storage, clock: clock, policy: configuration.retention, logger: logger)
    )
    // Named explicitly: ServiceLifecycle otherwise names a service by printing it, and reflecting over the
    // whole service (its postal directory included) took most of a second at start-up.
    var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
        .init(service: buildApplication(service: service, configuration: configuration, onServerRunning: onServerRunning), serviceName: "api"),
        .init(service: fleet, serviceName: "background-work"),
    ]
    if let metrics, let metricsPort = configuration.metricsPort {
        let app = buildMetricsApplication(
            registry: metrics,
            host: configuration.metricsHost,
            port: metricsPort,
            onServerRunning: onMetricsRunning
        )
        services.append(.init(service: app, serviceName: "metrics"))
    }
    var groupConfiguration = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: shutdownSignals, logger: logger)
    // A stop always ends: in-flight requests (5 s deadline) and callback attempts (15 s) get 30 s to finish,
    // then the work is cancelled; work that ignores cancellation for 10 s more ends the process with a
    // message naming it (a clean crash, which the outbox survives), never a server that will not stop.
    groupConfiguration.maximumGracefulShutdownDuration = .seconds(30)
    groupConfiguration.maximumCancellationDuration = .seconds(10)
    let group = ServiceGroup(configuration: groupConfiguration)
    return LastMileServer(group: group, httpClient: http)
}

/// The background work of a server: the callback outbox, the rescheduler, the retention job and, in
/// development mode, the simulated drivers. They stop on graceful shutdown; whatever they had not finished
/// stays in the database for the next start (or another server).
struct BackgroundWork: Service {
    let outbox: CallbackOutbox
    let simulator: DriverSimulator?
    let simulateInterval: Duration
    let rescheduler: Rescheduler
    let retention: RetentionJob

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await outbox.run() }
                group.addTask { await retention.run() }
                group.addTask { await rescheduler.run() }
                if let simulator { group.addTask { await simulator.run(interval: simulateInterval) } }
            }
        }
    }
}
