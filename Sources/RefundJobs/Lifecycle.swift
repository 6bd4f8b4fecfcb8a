import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

/// The one way a long-running refundwatch stops: SIGTERM, SIGINT and SIGHUP begin a graceful
/// shutdown (swift-service-lifecycle's `ServiceGroup`), which the jobs see through
/// `Task.isShuttingDownGracefully`, `cancelWhenGracefulShutdown` and
/// `withGracefulShutdownHandler`. After `grace`, if the work has not ended, its task is cancelled.
public enum Lifecycle {
    public static let signals: [UnixSignal] = [.sigterm, .sigint, .sighup]

    /// Runs `work` until it returns, with the signals above turned into a graceful shutdown; returns
    /// what it returned, or rethrows what it threw.
    public static func run<T: Sendable>(grace: Duration? = nil, logger: Logger = Logger(label: "refundwatch.lifecycle"),
                                        _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let result = Mutex<Result<T, any Error>?>(nil)
        let service = ClosureService {
            do {
                let value = try await work()
                result.withLock { $0 = .success(value) }
            } catch {
                result.withLock { $0 = .failure(error) }
            }
        }
        var configuration = ServiceGroupConfiguration(
            services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: signals, logger: logger)
        configuration.maximumGracefulShutdownDuration = grace
        try await ServiceGroup(configuration: configuration).run()
        guard let outcome = result.withLock({ $0 }) else { throw CancellationError() }
        return try outcome.get()
    }
}
