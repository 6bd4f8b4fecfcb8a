import ArgumentParser
import Foundation
import Logging
import RefundJobs
import RefundKit
import WatchlistModel
import RefundSimulator

/// `--config FILE` or `--demo`: where the API settings come from.
struct ConfigurationSource: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Configuration file (default: $REFUNDWATCH_CONFIG, else $XDG_CONFIG_HOME/refundwatch/config.toml).", valueName: "FILE"))
    var config: String?

    @Flag(name: .long, help: "Use the built-in simulator of both APIs on a free loopback port: no credentials needed.")
    var demo = false

    func validate() throws {
        if demo && config != nil {
            throw ValidationError("--demo uses the built-in simulator and its own settings; leave out --config, or leave out --demo.")
        }
    }

    /// The service, and in demo mode the simulator it talks to. `now` stamps each report's
    /// `fetched_at` and times PayU tokens (the demo passes its simulated clock). PayU tokens are
    /// cached in the state folder, except in the demo: its simulator starts afresh each time and
    /// would know none of them.
    func makeEnvironment(demoOptions: SimulatorOptions = SimulatorOptions(), now: @escaping @Sendable () -> Date = { Date() },
                         demoAttempts: Int? = nil, demoInterval: Double? = nil) async throws -> ServiceEnvironment {
        let logger = Logger(label: "refundwatch.http")
        if demo {
            let simulator = try await RunningSimulator.start(demoOptions)
            var configuration = DemoConfiguration.make(for: simulator)
            if let demoAttempts { configuration.http.maxAttempts = demoAttempts }
            if let demoInterval { configuration.refreshInterval = demoInterval }
            return ServiceEnvironment(service: RefundService(configuration: configuration, logger: logger, now: now), simulator: simulator)
        }
        let configuration = try ConfigurationLoader().load(explicit: config)
        for warning in configuration.warnings { standardError("refundwatch: warning: \(warning)") }
        let service = RefundService(configuration: configuration, logger: logger, tokenCacheDirectory: StateDirectory.path(), now: now)
        return ServiceEnvironment(service: service, simulator: nil)
    }
}

/// The service and, in demo mode, the simulator it talks to; closed together.
struct ServiceEnvironment {
    let service: RefundService
    let simulator: RunningSimulator?

    func close() async {
        await service.shutdown()
        await simulator?.stop()
    }
}

