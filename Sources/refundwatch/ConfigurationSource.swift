import ArgumentParser
import Foundation
import Logging
import RefundJobs
import RefundKit
import WatchlistModel
import RefundSimulator
import RefundStore

/// `--config FILE` or `--demo`: where the API settings come from.
struct ConfigurationSource: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Configuration file (default: $REFUNDWATCH_CONFIG, else $XDG_CONFIG_HOME/refundwatch/config.toml).", valueName: "FILE"))
    var config: String?

    @Flag(name: .long, help: "Use the built-in simulator of both APIs on a free loopback port: no credentials needed.")
    var demo = false

    @Option(name: .long, help: ArgumentHelp("With --demo: the simulator serves this many accounts, 1 to 20 (default 1): \"default\", \"north\" (with two payment configurations), \"south\", … Each order belongs to one of them.", valueName: "N"))
    var accounts: Int?

    /// How many accounts the demo's simulator serves.
    var demoAccounts: Int { accounts ?? 1 }

    func validate() throws {
        if demo && config != nil {
            throw ValidationError("--demo uses the built-in simulator and its own settings; leave out --config, or leave out --demo.")
        }
        if let accounts {
            guard demo else { throw ValidationError("--accounts is for the demo's simulator: add --demo, or leave out --accounts (a configuration names its accounts itself).") }
            guard SimulatorOptions.demoAccountCounts.contains(accounts) else {
                throw ValidationError("--accounts \(accounts): give a number from \(SimulatorOptions.demoAccountCounts.lowerBound) to \(SimulatorOptions.demoAccountCounts.upperBound).")
            }
        }
    }

    /// The service, and in demo mode the simulator it talks to. `now` stamps each report's
    /// `fetched_at` and times PayU tokens (the demo passes its simulated clock). PayU tokens are
    /// cached in the state folder, except in the demo: its simulator starts afresh each time and
    /// would know none of them.
    /// `team`: the team's database, when the watchlist is one (not in the demo): each account's
    /// request budget and the PayU tokens are then shared by every process that uses it.
    func makeEnvironment(demoOptions: SimulatorOptions = SimulatorOptions(), now: @escaping @Sendable () -> Date = { Date() },
                         demoAttempts: Int? = nil, demoInterval: Double? = nil, team: (any TeamLedger)? = nil) async throws -> ServiceEnvironment {
        let logger = Logger(label: "refundwatch.http")
        if demo {
            var demoOptions = demoOptions
            try demoOptions.useDemoAccounts(demoAccounts)
            let simulator = try await RunningSimulator.start(demoOptions)
            var configuration = DemoConfiguration.make(for: simulator)
            if let demoAttempts { configuration.http.maxAttempts = demoAttempts }
            if let demoInterval { configuration.refreshInterval = demoInterval }
            return ServiceEnvironment(service: RefundService(configuration: configuration, logger: logger, now: now), simulator: simulator)
        }
        let configuration = try ConfigurationLoader().load(explicit: config)
        for warning in configuration.warnings { standardError("refundwatch: warning: \(warning)") }
        let service = RefundService(configuration: configuration, logger: logger, tokenCacheDirectory: StateDirectory.path(), team: team, now: now)
        return ServiceEnvironment(service: service, simulator: nil)
    }
}

/// The service and, in demo mode, the simulator it talks to; closed together, with the team's
/// database when it was opened for the service alone (`makeEnvironment(configuredTeam:)`).
struct ServiceEnvironment {
    let service: RefundService
    let simulator: RunningSimulator?
    var team: PostgresStore? = nil

    func close() async {
        await service.shutdown()
        await simulator?.stop()
        await team?.close()
    }
}

