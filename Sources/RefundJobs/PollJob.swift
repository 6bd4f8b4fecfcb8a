import Foundation
import Logging
import RefundKit
import ServiceLifecycle
import WatchlistModel

/// `refundwatch poll` without its command line: cycle after cycle, fetch what is due
/// (`PollCycle`), say what was done, and sleep until the next order is due (at most one
/// `refresh_interval`, so that orders added meanwhile are seen). Orders a dashboard asks for
/// (`r`, `R`) and orders just added end the sleep within a second.
///
/// A running poller beats (`Poller.beating`), so that dashboards leave the fetching to it; one
/// cycle from cron (`once`) only claims what it fetches, and dashboards carry on fetching between.
///
/// It stops on a graceful shutdown (SIGTERM, SIGINT or SIGHUP through `Lifecycle`): no order is
/// started after it, and the orders in flight finish and are stored, unless the task is
/// cancelled (the lifecycle's grace ran out), which cuts them short with nothing written.
/// Every wait is on `clock`, so tests drive it with a test clock.
public struct PollJob<C: Clock>: Sendable where C.Duration == Duration {
    public var store: any WatchlistStore
    public var refresher: WatchlistRefresher
    public var policy: PollPolicy
    /// Real seconds at most between cycles (`refresh_interval`).
    public var interval: Double
    /// Seconds of the data's clock per real second (60 in the demo).
    public var rate: Double
    /// The data's clock (the demo's simulated one), for due times.
    public var now: @Sendable () -> Date
    /// What waits: sleeps between cycles and heartbeats.
    public var clock: C
    public var poller: Poller
    public var once: Bool
    public var logger: Logger
    /// Told one line a cycle that fetched something (every cycle with `once`), and a line when
    /// other pollers share the work.
    public var say: @Sendable (String) -> Void
    /// Ends a sleep between cycles early to look for asked orders (poked when the store changes).
    let nudge = Nudge()
    /// `[listen.SOURCE] silent_after`, checked after each cycle (at most once a minute).
    public var pushSilence: PushSilence?
    /// The wall clock, for the pushes' silence (pushes are stamped with it, demo or not).
    public var wallClock: @Sendable () -> Date = { Date() }

    public init(store: any WatchlistStore, refresher: WatchlistRefresher, policy: PollPolicy, interval: Double, rate: Double = 1,
                now: @escaping @Sendable () -> Date, clock: C, poller: Poller, once: Bool = false,
                logger: Logger = Logger(label: "refundwatch.poll"), say: @escaping @Sendable (String) -> Void = { _ in }) {
        self.store = store
        self.refresher = refresher
        self.policy = policy
        self.interval = interval
        self.rate = rate
        self.now = now
        self.clock = clock
        self.poller = poller
        self.once = once
        self.logger = logger
        self.say = say
    }

    /// Runs until a graceful shutdown, or one cycle with `once`. Throws when the store fails; the
    /// poller's row and its leases are given back on every way out.
    public func run() async throws(StoreError) -> PollOutcome {
        logger.info("poll started: \(store.location) as poller \(poller.id), every \(DurationText.short(policy.interval)), settled every \(DurationText.short(policy.settledInterval)), archived after \(DurationText.short(policy.archiveAfter))")
        var outcome = PollOutcome(last: nil, cycles: 0, stoppedBySignal: false)
        var heartbeat: Task<Void, Never>?
        var watching: Task<Void, Never>?
        defer {
            heartbeat?.cancel()
            watching?.cancel()
        }
        let result: Result<Void, StoreError> = await { () async -> Result<Void, StoreError> in
            do throws(StoreError) {
                let others = try await store.pollers(seenWithin: Poller.aliveWithin).filter { $0.id != poller.id }
                if !others.isEmpty { say("sharing the work with \(plural(others.count, "other poller")) on this database") }
                if !once {
                    try await poller.beat(store, cycleEnded: false)
                    let (store, clock, logger, poller) = (self.store, self.clock, self.logger, self.poller)
                    heartbeat = Task { await poller.beating(store, clock: clock, logger: logger) }
                    // Another process's write (a push that asked for an order, a dashboard's `r`)
                    // wakes the sleep below at once, instead of at its next once-a-second look.
                    let nudge = self.nudge
                    watching = Task {
                        while !Task.isCancelled {
                            do throws(StoreError) {
                                try await store.watchChanges { _ in nudge.poke() }
                            } catch {
                                logger.debug("watching the store for requests: \(error.description)")
                            }
                            try? await Task.sleep(for: .seconds(1))
                        }
                    }
                }
                var silenceCheckedAt: Date?
                while !Task.isShuttingDownGracefully && !Task.isCancelled {
                    let cycle = try await PollCycle.run(store: store, refresher: refresher, policy: policy, clock: now, poller: poller)
                    // Cancelled mid-cycle (a stop whose grace ran out): the store refuses a
                    // cancelled task, so only the cycle's line is left to say.
                    let cancelled = Task.isCancelled
                    if !cancelled { try await pushSilence?.checkEveryMinute(store, now: wallClock(), lastChecked: &silenceCheckedAt, say: say) }
                    outcome.cycles += 1
                    if !once, !cancelled { try await poller.beat(store, cycleEnded: true) }
                    if cycle.fetched > 0 || once {
                        let line = cycle.line(rate: rate)
                        // A quiet poller's log is where a failure, or PayU gone missing, is seen.
                        logger.log(level: cycle.hadProblems ? .warning : .info, "\(line)")
                        say(line)
                    }
                    outcome.last = cycle.summary
                    if once { break }
                    await pause(seconds: cycle.wait(rate: rate, interval: interval))
                }
                return .success(())
            } catch {
                return .failure(error)
            }
        }()
        heartbeat?.cancel()
        watching?.cancel()
        await retire()
        outcome.stoppedBySignal = Task.isShuttingDownGracefully
        switch result {
        case .success:
            logger.info("poll stopped\(outcome.stoppedBySignal ? " by a signal" : "")")
            return outcome
        case .failure(let error):
            logger.error("poll stopped: \(error.description)")
            throw error
        }
    }

    /// Gives the poller's row and leases back, even when this task was cancelled (a detached
    /// task does not inherit the cancellation).
    private func retire() async {
        let (store, id) = (self.store, poller.id)
        await Task.detached { try? await store.retire(poller: id) }.value
    }

    /// Sleeps `seconds` of `clock`, waking each second, and whenever another process writes to
    /// the store (`nudge`), to ask whether an order waits for a poller (asked for by a dashboard or
    /// a push, or just added): less when one does, or when a shutdown begins. Each step sleeps
    /// until a moment, not for a while, so that the wait ends when the clock reaches its end
    /// however the clock is moved.
    func pause(seconds: Double) async {
        let clock = self.clock
        let nudge = self.nudge
        let end = clock.now.advanced(by: .seconds(seconds))
        var lastNudged: ContinuousClock.Instant?
        while clock.now < end, !Task.isShuttingDownGracefully, !Task.isCancelled {
            let step = min(end, clock.now.advanced(by: .seconds(1)))
            let (stopped, nudged) = await withTaskGroup(of: (stopped: Bool, nudged: Bool).self) { group in
                group.addTask {
                    do {
                        try await cancelWhenGracefulShutdown { try await clock.sleep(until: step, tolerance: nil) }
                        return (false, false)
                    } catch {
                        return (!Task.isCancelled || Task.isShuttingDownGracefully, false)
                    }
                }
                group.addTask {
                    await nudge.wait()
                    return (false, true)
                }
                let first = await group.next() ?? (true, false)
                group.cancelAll()
                return first
            }
            if stopped || Task.isCancelled || Task.isShuttingDownGracefully { return }
            if nudged {
                // Other pollers storing their fetches write all the time: look at most ten times a second.
                if let lastNudged, ContinuousClock.now < lastNudged + .milliseconds(100) {
                    try? await Task.sleep(until: lastNudged + .milliseconds(100))
                }
                lastNudged = .now
            }
            if ((try? await store.waitingCount()) ?? 0) > 0 { return }
        }
    }
}

/// What a poller's run ended with.
public struct PollOutcome: Sendable {
    /// The last cycle's, when it fetched anything (what `--once` exits with).
    public var last: RefreshSummary?
    public var cycles: Int
    /// Ended by a graceful shutdown (a signal), not by `once`.
    public var stoppedBySignal: Bool
}
