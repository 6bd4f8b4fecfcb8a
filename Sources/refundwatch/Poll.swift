import ArgumentParser
import Dispatch
import Foundation
import Logging
import RefundKit
import RefundStore

/// `refundwatch poll`: the refresh loop without a terminal, for a server. Each cycle fetches the
/// orders that are due (`PollPolicy`), within the process's request budget and with PayU tokens
/// renewed as needed, then sleeps until the next order is due (at most one `refresh_interval`, so
/// orders added meanwhile by `track add` or a dashboard are seen).
struct Poll: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "poll",
        abstract: "Keep the watchlist fresh without a terminal: fetch what is due, cycle after cycle (for a server; --once for cron).",
        discussion: """
        Every cycle writes one line to stderr (--quiet: none) and to the log file. SIGTERM or SIGINT \
        stops it: orders being fetched get 3 seconds to finish and be stored; nothing is half-written. \
        A dashboard open on the same database shows what the poller stores within a second.

        Exit status: 0 when stopped by a signal. With --once, as 'track refresh': 0 when every fetch \
        worked, else the failures' kind.

        \(ExitStatus.helpText)
        """
    )

    @Flag(help: "Run one cycle (fetch what is due now) and exit, for cron.")
    var once = false

    @Flag(help: "Write nothing to stderr (the log file still gets every cycle).")
    var quiet = false

    @OptionGroup var source: StoreSource

    /// How long orders in flight may take to finish after a stop signal before they are cut short.
    static let grace: Duration = .seconds(3)

    func validate() throws { try source.validate() }

    func run() async throws {
        let stop = StopSignal.watching([SIGINT, SIGTERM])
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
        let rate = source.demo ? DemoWatchlist.speed : 1
        let policy = configuration.pollPolicy
        let refresher = WatchlistRefresher(store: store, service: environment.service, rule: configuration.overdueRule, now: clock)
        let logger = Logger(label: "refundwatch.poll")
        var status: ExitStatus?
        var failure: (any Error)?
        logger.info("poll started: \(store.location), every \(DurationText.short(policy.interval)), settled every \(DurationText.short(policy.settledInterval)), archived after \(DurationText.short(policy.archiveAfter))")

        cycles: while !stop.isSet {
            let cycle: PollCycle
            do {
                cycle = try await PollCycle.run(store: store, refresher: refresher, policy: policy, clock: clock, stop: stop)
            } catch {
                failure = error
                break cycles
            }
            if cycle.fetched > 0 || once {
                let line = cycle.line(rate: rate)
                logger.info("\(line)")
                if !quiet { standardError("refundwatch poll: " + line) }
            }
            status = cycle.summary?.exitStatus
            if once { break }
            await stop.sleep(for: cycle.wait(rate: rate, interval: configuration.refreshInterval))
        }
        await environment.close()
        if let failure {
            logger.error("poll stopped: \(String(describing: failure))")
            throw report(failure)
        }
        logger.info("poll stopped\(stop.isSet ? " by a signal" : "")")
        if once, let status { throw status.exitCode }
    }
}

/// One cycle: what was due, what was fetched, and when the next order is due.
struct PollCycle {
    var summary: RefreshSummary?
    var fetched: Int { summary?.orders ?? 0 }
    var after: PollPlan
    var now: Date

    /// Fetches the orders due now. A stop signal lets the orders in flight finish for `Poll.grace`,
    /// then cuts them short (nothing is written for those).
    static func run(store: any WatchlistStore, refresher: WatchlistRefresher, policy: PollPolicy, clock: @escaping @Sendable () -> Date,
                    stop: StopSignal) async throws -> PollCycle {
        let rows = try await store.watchlist()
        let plannedAt = clock()
        let plan = PollPlan(rows, policy: policy, now: plannedAt, ahead: policy.interval / 2)
        var summary: RefreshSummary?
        if !plan.due.isEmpty {
            let started = ContinuousClock.now
            let fetch = Task { () async -> Result<[WatchlistRefresher.Result], StoreError> in
                do throws(StoreError) {
                    return .success(try await refresher.refresh(plan.due, stopping: { stop.isSet }))
                } catch {
                    return .failure(error)
                }
            }
            let watchdog = Task {
                while !stop.isSet && !Task.isCancelled { try? await Task.sleep(for: .milliseconds(50)) }
                guard !Task.isCancelled else { return }
                try? await Task.sleep(for: Poll.grace)
                fetch.cancel()
            }
            let results = try await fetch.value.get()
            watchdog.cancel()
            let elapsed = ContinuousClock.now - started
            var made = RefreshSummary(results: results.sorted { ($0.order.id ?? 0) < ($1.order.id ?? 0) }, tracked: rows.count, plan: plan,
                                      seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18,
                                      overdue: 0)
            made.plannedAt = plannedAt
            summary = made
        }
        let now = clock()
        let after = summary == nil ? plan : PollPlan(try await store.watchlist(), policy: policy, now: now)
        return PollCycle(summary: summary, after: after, now: now)
    }

    /// Until the next order is due, in real seconds: at least a second, at most one interval.
    func wait(rate: Double, interval: Double) -> Double {
        if !after.due.isEmpty { return 1 }
        let next = [after.nextWaiting, after.nextSettled].compactMap { $0 }.min()
        let until = next.map { $0.timeIntervalSince(now) / rate } ?? interval
        return min(interval, max(1, until))
    }

    /// "fetched 4 of 9,816 orders in 1.2 s: 1 changed, 0 failed · next due in 18s"
    func line(rate: Double) -> String {
        var text: String
        if let summary {
            var parts = ["\(summary.changedOrders) changed"]
            if summary.firstFetched > 0 { parts.append("\(summary.firstFetched) new") }
            parts.append("\(summary.failures.count) failed")
            let interrupted = summary.interrupted
            if interrupted > 0 { parts.append("\(interrupted) cut short by the stop") }
            text = "fetched \(summary.orders) of \(summary.tracked) orders in \(String(format: "%.1f", summary.seconds)) s: \(parts.joined(separator: ", "))"
            if let first = summary.failures.first {
                text += " (first: \(first.referenceID): \(first.message))"
            }
        } else if after.polled + after.archived == 0 {
            text = "the watchlist is empty: refundwatch track add REF... adds orders, and the next cycle fetches them"
        } else {
            text = "nothing due of \(after.polled + after.archived) orders"
        }
        if let next = [after.nextWaiting, after.nextSettled].compactMap({ $0 }).min() {
            text += " · next due in \(DurationText.short(next.timeIntervalSince(now) / rate))"
        }
        if after.archived > 0 { text += " · \(after.archived) archived" }
        return text
    }
}

/// SIGINT and SIGTERM as a flag a loop can check and a sleep that a signal ends early.
final class StopSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false
    private var sources: [any DispatchSourceSignal] = []

    static func watching(_ signals: [Int32]) -> StopSignal {
        let stop = StopSignal()
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [stop] in stop.set() }
            source.resume()
            stop.sources.append(source)
        }
        return stop
    }

    func set() { lock.withLock { stopped = true } }
    var isSet: Bool { lock.withLock { stopped } }

    /// Sleeps `seconds`, or less when a stop arrives.
    func sleep(for seconds: Double) async {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while !isSet && ContinuousClock.now < deadline {
            try? await Task.sleep(for: min(.milliseconds(100), deadline - ContinuousClock.now))
        }
    }
}
