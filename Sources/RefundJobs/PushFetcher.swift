import Foundation
import Logging
import RefundKit
import ServiceLifecycle
import WatchlistModel

/// `refundwatch listen`'s own fetching, for a store no poller runs on: the orders waiting for a
/// poller (asked for by a push or a dashboard's `r`, or never fetched, as `auto_track` adds them)
/// are fetched by `listen` itself, within the account's request budget, and stored as a poller
/// would. While a poller beats on the store, it leaves them to it. It never fetches by the
/// schedule: that stays the pollers' and the dashboards' work (a push shortens the wait for one
/// order, it never replaces polling).
///
/// It looks when `nudge` is poked (a push was kept) and once a second of `clock` besides (a
/// dashboard's `r`). It does not beat: a dashboard that sees no poller goes on fetching by its
/// schedule.
public struct PushFetcher<C: Clock>: Sendable where C.Duration == Duration {
    public var store: any WatchlistStore
    public var refresher: WatchlistRefresher
    public var policy: PollPolicy
    /// The data's clock, for due times.
    public var now: @Sendable () -> Date
    /// What waits between looks.
    public var clock: C
    /// Its name on the orders it claims (not a beating poller).
    public var poller: Poller
    public var logger: Logger
    /// Poked when a push asked for an order: look now.
    public let nudge: Nudge
    /// Told when it starts or stops fetching for want of a poller, and a line per fetch.
    public var say: @Sendable (String) -> Void
    /// `[listen.SOURCE] silent_after`, checked once a minute while no poller runs (the pollers
    /// check it otherwise).
    public var pushSilence: PushSilence?
    /// The wall clock, for the pushes' silence.
    public var wallClock: @Sendable () -> Date = { Date() }

    public init(store: any WatchlistStore, refresher: WatchlistRefresher, policy: PollPolicy, now: @escaping @Sendable () -> Date, clock: C,
                poller: Poller, nudge: Nudge = Nudge(), logger: Logger = Logger(label: "refundwatch.listen"),
                say: @escaping @Sendable (String) -> Void = { _ in }) {
        self.store = store
        self.refresher = refresher
        self.policy = policy
        self.now = now
        self.clock = clock
        self.poller = poller
        self.nudge = nudge
        self.logger = logger
        self.say = say
    }

    /// Until cancelled or a graceful shutdown: look, fetch what waits when no poller runs, wait.
    public func run() async {
        var leftToPollers: Bool?
        var silenceCheckedAt: Date?
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            do throws(StoreError) {
                try await pushSilence?.checkEveryMinute(store, now: wallClock(), lastChecked: &silenceCheckedAt,
                                                        onlyIf: { () async throws(StoreError) -> Bool in try await store.pollers(seenWithin: Poller.aliveWithin).isEmpty },
                                                        say: say)
                if try await store.waitingCount() > 0 {
                    let pollers = try await store.pollers(seenWithin: Poller.aliveWithin)
                    if pollers.isEmpty {
                        if leftToPollers != false { say("no poller runs on this store: listen fetches the orders pushes ask for itself") }
                        leftToPollers = false
                        let cycle = try await PollCycle.run(store: store, refresher: refresher, policy: policy, clock: now, poller: poller, askedOnly: true)
                        if cycle.fetched > 0 {
                            let line = "fetched what pushes asked for: " + cycle.line(rate: 1, schedule: false)
                            logger.log(level: cycle.hadProblems ? .warning : .info, "\(line)")
                            say(line)
                        }
                    } else {
                        if leftToPollers != true { say("\(pollers.count == 1 ? "a poller runs" : "\(pollers.count) pollers run") on this store: listen leaves the fetching to \(pollers.count == 1 ? "it" : "them")") }
                        leftToPollers = true
                    }
                }
            } catch {
                // Cancelled by a stop, the store refuses the task: no failure to tell of.
                if !Task.isCancelled { logger.warning("fetching what pushes asked for: \(error.description)") }
            }
            await wait()
        }
    }

    /// A second of `clock`, or less when poked.
    private func wait() async {
        let (clock, nudge) = (self.clock, self.nudge)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await cancelWhenGracefulShutdown { try await clock.sleep(for: .seconds(1)) } }
            group.addTask { await nudge.wait() }
            _ = await group.next()
            group.cancelAll()
        }
    }
}
