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
        worked, else the failures' kind.

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
        let poller = Poller(lease: (try? DurationText.seconds(lease)) ?? 30)
        logger.info("poll started: \(store.location) as poller \(poller.id), every \(DurationText.short(policy.interval)), settled every \(DurationText.short(policy.settledInterval)), archived after \(DurationText.short(policy.archiveAfter))")
        // A running poller beats, so that dashboards leave the fetching to it; one cycle from
        // cron (--once) only claims what it fetches, and dashboards carry on fetching between.
        var heartbeat: Task<Void, Never>?
        do {
            let others = try await store.pollers(seenWithin: Poller.aliveWithin).filter { $0.id != poller.id }
            if !others.isEmpty, !quiet {
                standardError("refundwatch poll: sharing the work with \(others.count) other poller\(others.count == 1 ? "" : "s") on this database")
            }
            if !once {
                try await poller.beat(store, cycleEnded: false)
                heartbeat = poller.beating(store, logger: logger)
            }
        } catch {
            throw report(error)
        }

        cycles: while !stop.isSet {
            let cycle: PollCycle
            do {
                cycle = try await PollCycle.run(store: store, refresher: refresher, policy: policy, clock: clock, stop: stop, poller: poller)
                if !once { try await poller.beat(store, cycleEnded: true) }
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
            // Orders a dashboard asks for (r, R), and orders just added, end the sleep within a
            // second.
            await stop.sleep(for: cycle.wait(rate: rate, interval: configuration.refreshInterval),
                             unless: { ((try? await store.waitingCount()) ?? 0) > 0 })
        }
        heartbeat?.cancel()
        try? await store.retire(poller: poller.id)
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
                    stop: StopSignal, poller: Poller) async throws -> PollCycle {
        let rows = try await store.watchlist()
        let plannedAt = clock()
        let plan = PollPlan(rows, policy: policy, now: plannedAt, ahead: policy.interval / 2)
        var summary: RefreshSummary?
        if !plan.due.isEmpty {
            let started = ContinuousClock.now
            let claims = Claims(store: store, poller: poller, due: plan.due, rows: rows, batch: refresher.window)
            let fetch = Task { () async -> Result<[WatchlistRefresher.Result], StoreError> in
                do throws(StoreError) {
                    return .success(try await refresher.refresh(feed: { () async throws(StoreError) -> [TrackedOrder] in try await claims.next() },
                                                                stopping: { stop.isSet }))
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
        if let summary, summary.orders > 0 {
            var parts = ["\(summary.changedOrders) changed"]
            if summary.firstFetched > 0 { parts.append("\(summary.firstFetched) new") }
            parts.append("\(summary.failures.count) failed")
            let interrupted = summary.interrupted
            if interrupted > 0 { parts.append("\(interrupted) cut short by the stop") }
            text = "fetched \(summary.orders) of \(summary.tracked) orders in \(String(format: "%.1f", summary.seconds)) s: \(parts.joined(separator: ", "))"
            if let first = summary.failures.first {
                text += " (first: \(first.referenceID): \(first.message))"
            }
        } else if summary != nil {
            text = "the orders due were taken by other pollers"
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

    /// Sleeps `seconds`, or less when a stop arrives, or when `unless` (asked once a second) says so.
    func sleep(for seconds: Double, unless: @Sendable () async -> Bool = { false }) async {
        let deadline = ContinuousClock.now + .seconds(seconds)
        var asked = ContinuousClock.now
        while !isSet && ContinuousClock.now < deadline {
            try? await Task.sleep(for: min(.milliseconds(100), deadline - ContinuousClock.now))
            if ContinuousClock.now - asked >= .seconds(1) {
                asked = ContinuousClock.now
                if await unless() { return }
            }
        }
    }
}

/// This process as one of the pollers sharing a store: its name there, and its heartbeat.
struct Poller: Sendable {
    let id: String
    let host: String
    let pid: Int
    /// Seconds its claims last without a heartbeat.
    let lease: TimeInterval
    /// A poller not heard from for this long is taken for stopped (dashboards fetch again).
    static let aliveWithin: TimeInterval = 20

    init(lease: TimeInterval) {
        host = ProcessInfo.processInfo.hostName
        pid = Int(ProcessInfo.processInfo.processIdentifier)
        id = "\(host):\(pid):\(UUID().uuidString.prefix(4).lowercased())"
        self.lease = lease
    }

    /// Beats this often: well within the lease and the dashboards' `aliveWithin`.
    var beatEvery: Double { min(5, lease / 3) }

    func beat(_ store: any WatchlistStore, cycleEnded: Bool) async throws(StoreError) {
        try await store.beat(poller: id, host: host, pid: pid, cycleEnded: cycleEnded, lease: lease)
    }

    /// Beats until cancelled; a beat that fails (the database away for a moment) is logged and
    /// tried again at the next.
    func beating(_ store: any WatchlistStore, logger: Logger) -> Task<Void, Never> {
        Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(beatEvery))
                guard !Task.isCancelled else { return }
                do throws(StoreError) {
                    try await beat(store, cycleEnded: false)
                } catch {
                    logger.warning("heartbeat failed: \(error.description)")
                }
            }
        }
    }
}

/// The due orders of one cycle, claimed a batch at a time as the fetches need them: a batch is
/// the orders of the next slice of the due list that no other poller holds or has fetched since
/// this cycle read the watchlist. Slices another poller took come back empty and are passed over.
final class Claims: @unchecked Sendable {
    private let store: any WatchlistStore
    private let poller: Poller
    private let batch: Int
    private var candidates: ArraySlice<WatchedOrder>
    private let lock = NSLock()

    init(store: any WatchlistStore, poller: Poller, due: [TrackedOrder], rows: [WatchedOrder], batch: Int) {
        let wanted = Set(due.compactMap(\.id))
        self.store = store
        self.poller = poller
        self.batch = max(1, batch)
        candidates = ArraySlice(rows.filter { $0.order.id.map(wanted.contains) ?? false })
    }

    func next() async throws(StoreError) -> [TrackedOrder] {
        while true {
            let slice: [WatchedOrder] = lock.withLock {
                let taken = Array(candidates.prefix(batch))
                candidates = candidates.dropFirst(taken.count)
                return taken
            }
            if slice.isEmpty { return [] }
            let claimed = try await store.claim(slice, poller: poller.id, lease: poller.lease)
            if !claimed.isEmpty { return claimed }
        }
    }
}
