import ArgumentParser
import Foundation
import CursesTerminal
import DashboardCore
import RefundJobs
import RefundKit
import WatchlistModel
import RefundSimulator
import RefundStore

/// `refundwatch` with no subcommand: the dashboard.
struct DashboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "The terminal dashboard over the watchlist (the default command). Try: refundwatch --demo",
        discussion: "Keys: ? in the dashboard lists them. The dashboard needs a terminal; for scripts use 'lookup' or 'track list'."
    )

    @OptionGroup var source: StoreSource

    @Option(help: ArgumentHelp("Colour theme: default, light, high-contrast, mono, or a file name in themes/ (else theme = \"...\" in the configuration).", valueName: "NAME"))
    var theme: String?

    @Flag(name: .customLong("no-fetch"), help: "Only read: fetch nothing and change nothing; show what a poller (refundwatch poll) stores, within a second.")
    var noFetch = false

    @Flag(help: "With --demo: the simulator pushes each change as Kaleyra and PayU would, to a receiver in the dashboard (as refundwatch listen takes them), and the dashboard fetches what a push names at once.")
    var push = false

    func validate() throws {
        try source.validate()
        if push, !source.demo {
            throw ValidationError("--push is for the demo (--demo --push). With your own accounts, run refundwatch listen beside the dashboard: docs/listen.md.")
        }
        if push, noFetch { throw ValidationError("--push with --no-fetch: a push makes the dashboard fetch; leave out one of them.") }
    }

    func run() async throws {
        guard isatty(STDOUT_FILENO) == 1, isatty(STDIN_FILENO) == 1 else {
            standardError("refundwatch: the dashboard needs a terminal, and \(isatty(STDOUT_FILENO) == 1 ? "stdin" : "stdout") is not one. For scripts use 'refundwatch lookup REF' or 'refundwatch track list'.")
            throw ExitStatus.badInput.exitCode
        }
        let session: DashboardSession
        do {
            session = try await DashboardSession.start(source: source, readOnly: noFetch, push: push)
        } catch {
            throw report(error)
        }
        var flash: String? = session.settings.warnings.first.map { "warning: " + $0 }
        let themeName = theme ?? session.settings.theme ?? "default"
        let chosen: Theme
        switch ThemeFiles.load(themeName) {
        case .success(let loaded): chosen = loaded
        case .failure(let error):
            chosen = .builtIn
            flash = [flash, "\(error.description) — using the default theme"].compactMap { $0 }.joined(separator: " · ")
        }
        let loop = DashboardLoop(session: session, theme: chosen, noColor: ProcessInfo.processInfo.environment["NO_COLOR"].map { !$0.isEmpty } ?? false, flash: flash)
        do {
            try await loop.run()
        } catch let error as CursesError {
            await session.close()
            standardError("refundwatch: \(error.description)")
            throw ExitStatus.badInput.exitCode
        }
        await session.close()
    }
}

/// What the dashboard runs against: the store, the configuration's settings, the clock, and the
/// service with its refresher (in demo mode with the simulator: a fresh in-memory watchlist each
/// time, its clock 60 times real time, an order failing now and then). A `--no-fetch` dashboard
/// on a user's watchlist has no service: it fetches nothing, so it needs no API credential, and
/// only the settings that are not secret are read (`WatchlistSettings`).
struct DashboardSession: Sendable {
    let store: any WatchlistStore
    let settings: WatchlistSettings
    /// nil for a `--no-fetch` dashboard on a user's watchlist.
    let environment: ServiceEnvironment?
    let refresher: WatchlistRefresher?
    let clock: @Sendable () -> Date
    let demo: Bool
    var readOnly = false
    /// `--demo --push`: the receiver the demo's simulator pushes to.
    var pushReceiver: DemoPushReceiver?

    var interval: TimeInterval { demo ? DemoWatchlist.interval : settings.refreshInterval }
    var rules: DeadlineRules { refresher?.rules ?? settings.deadlineRules }

    static func start(source: StoreSource, readOnly: Bool = false, push: Bool = false) async throws -> DashboardSession {
        if source.demo {
            let store = try await SQLiteStore.inMemory()
            let epoch = Date()
            try await DemoWatchlist.seedIfNew(store, now: epoch, accounts: source.api.demoAccounts)
            var options = try await DemoWatchlist.simulatorOptions(for: store, now: epoch)
            let receiver = push ? try await DemoPushReceiver.start(store: store, accounts: SimulatorCredentials.demoAccounts(source.api.demoAccounts).map(\.name)) : nil
            options.push = receiver.map { PushTarget(baseURL: "http://127.0.0.1:\($0.port)") }
            // Now and then an order's fetch fails, as real ones do: the dashboard shows how that looks.
            options.faults = try FaultSpec.parse("kaleyra:5xx=0.03")
            let clock: @Sendable () -> Date = { DemoWatchlist.simulatedNow(epoch: epoch, at: Date()) }
            let environment = try await source.api.makeEnvironment(demoOptions: options, now: clock, demoAttempts: 1,
                                                                   demoInterval: DemoWatchlist.interval * DemoWatchlist.speed)
            let configuration = environment.service.configuration
            let refresher = WatchlistRefresher(store: store, service: environment.service, rules: configuration.deadlineRules, thresholds: configuration.alerts.thresholds, now: clock)
            var settings = configuration.watchlistSettings
            settings.views = DemoWatchlist.views(accounts: settings.accountNames)
            return DashboardSession(store: store, settings: settings, environment: environment, refresher: refresher,
                                    clock: clock, demo: true, readOnly: readOnly, pushReceiver: receiver)
        }
        if readOnly {
            let settings = try source.settings()
            let store = try await source.openStore(verifyingEveryPage: false)
            return DashboardSession(store: store, settings: settings, environment: nil, refresher: nil, clock: { Date() }, demo: false, readOnly: true)
        }
        // Reading a large file whole for damage runs beside the first load instead of before the
        // first frame (DashboardLoop waits for it before showing rows, so nothing is written first).
        let store = try await source.openStore(verifyingEveryPage: false)
        let environment = try await source.makeEnvironment(store: store)
        let configuration = environment.service.configuration
        let refresher = WatchlistRefresher(store: store, service: environment.service, rules: configuration.deadlineRules, thresholds: configuration.alerts.thresholds)
        return DashboardSession(store: store, settings: configuration.watchlistSettings, environment: environment, refresher: refresher,
                                clock: { Date() }, demo: false, readOnly: readOnly)
    }

    func close() async {
        pushReceiver?.stop()
        await environment?.close()
    }
}
