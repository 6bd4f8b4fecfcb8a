import ArgumentParser
import Foundation
import RefundJobs
import RefundKit
import WatchlistModel
import RefundSimulator

struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the simulator of both APIs alone, for curl or a second refundwatch.",
        discussion: "Prints the base URLs, the credentials it accepts, a configuration file to use with --config, and reference ids to try. Stop it with Ctrl-C."
    )

    @Option(help: "Port on 127.0.0.1 (0 picks a free one).")
    var port = 8787

    @Option(help: "Seed of the order catalogue: the same seed serves the same orders.")
    var seed: UInt64 = 42

    @Option(help: "How many orders to serve: the standard catalogue's 44, or more for load tests (their scenarios repeat with new ids).")
    var orders = Catalogue.standardSize

    @Flag(name: .customLong("print-ids"), help: "Print every reference id of the catalogue, one per line, and exit (e.g. to pipe into `track add -`).")
    var printIDs = false

    @Option(help: "Simulated seconds per real second (60: a minute passes each second).")
    var speed: Double = 1

    @Option(help: ArgumentHelp("Latency of every answer: MS, or MS+-JITTER (e.g. 50+-20).", valueName: "MS"))
    var latency: String?

    @Option(help: ArgumentHelp("Faults on demand, e.g. \"5xx=0.1,429=0.05,retry-after=2,html=0.02,hang=0.01\" or \"payu:5xx=x3\".", valueName: "SPEC"))
    var faults: String?

    @Option(name: .customLong("token-lifetime"), help: ArgumentHelp("How long PayU access tokens last, in simulated time: 30s, 5m, 2h or seconds (default 7199, PayU's).", valueName: "DURATION"))
    var tokenLifetime: String?

    @Option(help: ArgumentHelp("Per-account request budgets to enforce with 429 and Retry-After, e.g. \"kaleyra=20/s,payu=10/s\".", valueName: "SPEC"))
    var rate: String?

    @Option(help: ArgumentHelp("Push to a refundwatch listen at this base URL when an order moves, as Kaleyra and PayU would (e.g. http://127.0.0.1:8088); the printed configuration gets the [listen] tables that take the pushes.", valueName: "URL"))
    var webhook: String?

    @Option(name: .customLong("webhook-secret"), help: ArgumentHelp("The secret the pushes carry in their X-Simulator-Secret header (default: demo-push-secret).", valueName: "SECRET"))
    var webhookSecret: String?

    @Option(name: .customLong("write-config"), help: ArgumentHelp("Also write the printed configuration to FILE (readable by you only), for --config.", valueName: "FILE"))
    var writeConfig: String?

    func validate() throws {
        if let writeConfig, writeConfig.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--write-config needs a file name.") }
        if let webhook, let problem = PushTarget.check(webhook) { throw ValidationError("--webhook: \(problem).") }
        if webhookSecret != nil, webhook == nil { throw ValidationError("--webhook-secret goes with --webhook URL.") }
        if let webhookSecret, webhookSecret.isEmpty || webhookSecret.contains(where: { $0.isNewline || $0.asciiValue.map { $0 < 0x20 || $0 == 0x7F } ?? false }) {
            throw ValidationError("--webhook-secret: give printable text (it travels in an HTTP header).")
        }
        if let rate { _ = try parseOption("--rate") { try RateLimitSpec.parse(rate) } }
        if let tokenLifetime { _ = try parseOption("--token-lifetime") { try DurationText.seconds(tokenLifetime) } }
        guard (0...65535).contains(port) else { throw ValidationError("--port \(port) is not a port; expected 0 to 65535.") }
        guard speed > 0, speed.isFinite else { throw ValidationError("--speed \(speed) must be a positive number, e.g. 60.") }
        guard (1...1_000_000).contains(orders) else { throw ValidationError("--orders \(orders) is out of range; expected 1 to 1000000.") }
        if let latency { _ = try parseOption("--latency") { try LatencySpec.parse(latency) } }
        if let faults { _ = try parseOption("--faults") { try FaultSpec.parse(faults) } }
    }

    private func parseOption<T>(_ name: String, _ parse: () throws -> T) throws -> T {
        do { return try parse() } catch { throw ValidationError("\(name): \(error)") }
    }

    func run() async throws {
        if printIDs {
            let ids = Catalogue(seed: seed, size: orders).orders.map(\.referenceID)
            FileHandle.standardOutput.write(Data((ids.joined(separator: "\n") + "\n").utf8))
            return
        }
        var options = SimulatorOptions()
        options.port = port
        options.seed = seed
        options.speed = speed
        options.orders = orders
        if let webhook { options.push = PushTarget(baseURL: webhook, secret: webhookSecret ?? PushTarget.defaultSecret) }
        if let rate { options.rateLimits = try parseOption("--rate") { try RateLimitSpec.parse(rate) } }
        if let tokenLifetime { options.tokenLifetime = Int(try parseOption("--token-lifetime") { try DurationText.seconds(tokenLifetime) }.rounded(.up)) }
        if let latency { options.latency = try parseOption("--latency") { try LatencySpec.parse(latency) } }
        if let faults { options.faults = try parseOption("--faults") { try FaultSpec.parse(faults) } }
        let simulator: RunningSimulator
        do {
            simulator = try await RunningSimulator.start(options)
        } catch {
            standardError("refundwatch: cannot start the simulator on 127.0.0.1:\(port): \(error). Try another --port, or --port 0 for a free one.")
            throw ExitCode(ExitStatus.network.rawValue)
        }
        if let writeConfig {
            // Created private: the simulator's credentials are not secrets, but a real file beside
            // it would be, and the permission warning would say so each time.
            let text = Data(simulator.demoConfigurationTOML().utf8)
            guard FileManager.default.createFile(atPath: writeConfig, contents: text, attributes: [.posixPermissions: 0o600]) else {
                standardError("refundwatch: --write-config \(writeConfig.terminalSafe): cannot write it; check the folder exists and is writable.")
                await simulator.stop()
                throw ExitCode(ExitStatus.badInput.rawValue)
            }
            try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: writeConfig)
        }
        FileHandle.standardOutput.write(Data((SimulatorBanner.text(for: simulator) + "\n").utf8))
        // Serve until interrupted; SIGINT and SIGTERM end the process.
        while !Task.isCancelled {
            try await Task.sleep(for: .seconds(3600))
        }
    }
}
