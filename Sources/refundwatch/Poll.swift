import ArgumentParser
import Foundation
import Logging
import RefundKit
import RefundJobs
import RefundStore
import WatchlistModel

/// `refundwatch poll`: the refresh loop without a terminal, for a server. Each cycle fetches the
/// orders that are due (`PollPolicy`), within the process's request budget and with PayU tokens
/// renewed as needed, then sleeps until the next order is due (at most one `refresh_interval`, so
/// orders added meanwhile by `track add` or a dashboard are seen).
///
/// Any number of pollers may share one store (a team's PostgreSQL database, from several
/// machines): each claims the due orders it is about to fetch, a few at a time, as a lease the
/// others pass over, so every due order is fetched by one poller a cycle. A heartbeat every few
/// seconds tells dashboards the poller is alive and extends its leases; a poller that dies stops
/// beating, and its leases run out after `--lease` for another poller to take the orders.
struct Poll: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "poll",
        abstract: "Keep the watchlist fresh without a terminal: fetch what is due, cycle after cycle (for a server; --once for cron).",
        discussion: """
        Every cycle writes one line to stderr (--quiet: none) and to the log file. SIGTERM or SIGINT \
        stops it: orders being fetched get 3 seconds to finish and be stored; nothing is half-written. \
        A dashboard open on the same database shows what the poller stores within a second, \
        and leaves the fetching to the pollers while one runs (its r and R ask them).

        Several pollers may share one database (on one machine or several): each due order is \
        fetched by one of them a cycle, and each has the request budget of its configuration, so \
        give each poller its share of the account's rate limit. A running poller beats every few \
        seconds; dashboards that see a beat fetch nothing themselves. One cycle from cron (--once) \
        does not beat: dashboards go on fetching between its runs.

        Exit status: 0 when stopped by a signal. With --once, as 'track refresh': 0 when every fetch \
        worked, else the failures' kind, or 11 when none failed but PayU's side of some order could \
        not be fetched (the cycle's line and the log say which; a cycle with failures or partial \
        failures is logged as a warning).

        \(ExitStatus.helpText)
        """
    )

    @Flag(help: "Run one cycle (fetch what is due now) and exit, for cron.")
    var once = false

    @Flag(help: "Write nothing to stderr (the log file still gets every cycle).")
    var quiet = false

    @Option(help: ArgumentHelp("How long the orders a poller claimed stay its own without a heartbeat: when a poller dies, the others take its orders after this. Seconds, or 30s, 2m.", valueName: "DURATION"))
    var lease: String = "30s"

    @OptionGroup var source: StoreSource

    /// How long orders in flight may take to finish after a stop signal before they are cut short.
    static let grace: Duration = .seconds(3)

    func validate() throws {
        try source.validate()
        guard let seconds = try? DurationText.seconds(lease), seconds >= 3 else {
            throw ValidationError("--lease \(lease): give at least 3 seconds, as 30, 30s or 2m.")
        }
    }

    func run() async throws {
        let store: any WatchlistStore
        let environment: ServiceEnvironment
        do {
            store = try await source.openStore()
            environment = try await source.makeEnvironment(store: store)
        } catch {
            throw report(error)
        }
        let configuration = environment.service.configuration
        let clock = try await source.clock(store)
        let refresher = WatchlistRefresher(store: store, service: environment.service, rules: configuration.deadlineRules, thresholds: configuration.alerts.thresholds, now: clock)
        let quiet = self.quiet
        let poller = Poller(lease: (try? DurationText.seconds(lease)) ?? 30)
        var polling = PollJob(store: store, refresher: refresher, policy: configuration.pollPolicy, interval: configuration.refreshInterval,
                          rate: source.demo ? DemoWatchlist.speed : 1, now: clock, clock: ContinuousClock(), poller: poller,
                          once: once, say: { line in if !quiet { standardError("refundwatch poll: " + line) } })
        // [listen.SOURCE] silent_after: a source silent that long is an alert, checked here.
        polling.pushSilence = PushSilence(configuration.listen, watchedSince: Date())
        let job = polling
        // [alerts] command and webhook: this poller delivers alerts from the store's outbox,
        // beside its cycles (with --once: what is due once the cycle is done).
        let transport = LiveAlertTransport()
        let deliverer = configuration.alertDelivery.map { targets in
            AlertDeliverer(store: store, targets: targets, owner: poller.id, transport: transport, lease: poller.lease, now: clock)
        }
        let once = self.once
        let outcome: Result<PollOutcome, any Error>
        do {
            // SIGTERM, SIGINT or SIGHUP: no order is started after it; those in flight get
            // `grace` to finish and be stored, then they are cut short (nothing written for them).
            outcome = .success(try await Lifecycle.run(grace: Self.grace) {
                guard let deliverer else { return try await job.run() }
                if once {
                    let ended = try await job.run()
                    _ = try await deliverer.deliverDue()
                    return ended
                }
                let delivering = Task { await deliverer.run() }
                defer { delivering.cancel() }
                return try await withTaskCancellationHandler {
                    let ended = try await job.run()
                    delivering.cancel()
                    await delivering.value
                    return ended
                } onCancel: {
                    delivering.cancel()
                }
            })
        } catch {
            outcome = .failure(error)
        }
        await transport.shutdown()
        await environment.close()
        switch outcome {
        case .failure(let error):
            throw report(error)
        case .success(let ended):
            if once, let status = ended.last?.exitStatus { throw status.exitCode }
        }
    }
}
