import CursesTerminal
import DashboardCore
import Dispatch
import Foundation
import ServiceLifecycle
import Synchronization
import RefundJobs
import RefundKit
import WatchlistModel
import RefundStore

/// Set when a graceful shutdown begins, read by the UI thread between its steps.
final class StopFlag: Sendable {
    private let stopped = Mutex(false)
    func set() { stopped.withLock { $0 = true } }
    var isSet: Bool { stopped.withLock { $0 } }
}

/// Runs the dashboard: one thread owns the terminal (ncurses is not thread-safe) and runs
/// `DashboardRunner`, which waits for keys 100 ms at a time, applies actions and draws when
/// something changed. Effects run as tasks (`DashboardEffects`) and come back as actions. SIGINT,
/// SIGTERM and SIGHUP begin a graceful shutdown (`Lifecycle`, as for every long-running job),
/// which ends the loop the same way `q` does, so the terminal is always restored.
final class DashboardLoop: @unchecked Sendable {
    private let session: DashboardSession
    private let theme: Theme
    private let noColor: Bool
    private let stop = StopFlag()
    private var state: DashboardState

    init(session: DashboardSession, theme: Theme, noColor: Bool, flash: String?) {
        self.session = session
        self.theme = theme
        self.noColor = noColor
        state = DashboardState(now: session.clock(), wall: Date(), size: Size(width: 80, height: 24), interval: session.interval,
                               rule: session.rule, themeName: theme.name, demo: session.demo)
        let settings = session.settings
        state.mouse = settings.mouse
        state.readOnly = session.readOnly
        state.clockRate = session.demo ? DemoWatchlist.speed : 1
        state.settledInterval = settings.settledInterval
        state.archiveAfter = settings.archiveAfter
        if let flash { state.flash = Flash(message: flash, isError: true, at: state.wall) }
    }

    func run() async {
        try? await Lifecycle.run { await self.runUntilStopped() }
    }

    private func runUntilStopped() async {
        // The store is read whole for damage (`SQLiteStore.verify`) beside the first load; the
        // first page is shown before it ends, but the whole watchlist (and so any refresh, and any
        // write) only once it passed.
        let store = session.store
        let effects = DashboardEffects(session: session, verification: Task.detached { try await store.verify() })
        let stop = self.stop
        await withGracefulShutdownHandler {
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                let thread = Thread { [self] in
                    // The terminal is given back before the command is told the loop ended: the
                    // process exits soon after (at once with nothing to close), and an exit before
                    // `restore` would leave the terminal on the dashboard's screen.
                    do {
                        let terminal = CursesTerminal(theme: theme, noColor: noColor, mouse: state.mouse)
                        defer { terminal.restore() }
                        let clock = session.clock
                        let runner = DashboardRunner(state: state, terminal: terminal, performer: effects, clock: { (clock(), Date()) })
                        runner.run(until: { stop.isSet })
                    }
                    done.resume()
                }
                thread.name = "refundwatch-ui"
                thread.start()
            }
        } onGracefulShutdown: {
            stop.set()
        }
    }
}

/// The dashboard's I/O: the store, the APIs, files. Each effect runs as a task and posts its
/// result; what the user reads about it is worded by `Dashboard.update`.
struct DashboardEffects: EffectPerformer {
    let session: DashboardSession
    let verification: Task<Void, any Error>

    /// What another process stores (a poller, a `track refresh`, another dashboard) shows here
    /// without fetching it again. On PostgreSQL the writer's NOTIFY names the orders and only their
    /// rows are read; an SQLite file is asked four times a second whether another process wrote,
    /// and then the watchlist is read again. Changes that arrive while rows are being read are
    /// read together next. If the store goes away, the watch starts again after a pause, and
    /// reads everything (what changed meanwhile was not told).
    static func watchOtherProcesses(_ store: any WatchlistStore, post: @escaping @Sendable (Action) -> Void) {
        let pending = PendingChanges()
        Task.detached {
            for await _ in pending.signals {
                guard let change = pending.take() else { continue }
                do throws(StoreError) {
                    switch change {
                    case .everything:
                        post(.watchlistLoaded(try await store.watchlist()))
                    case .orders(let ids):
                        post(.rowsChanged(ids, rows: try await store.watchedOrders(ids: Array(ids))))
                    }
                } catch {
                    pending.add(change)
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        }
        Task.detached {
            var pause = 1.0
            while !Task.isCancelled {
                do throws(StoreError) {
                    try await store.watchChanges { pending.add($0) }
                } catch {
                    post(.failed("live updates paused (\(error.description)); trying again in \(Int(pause))s"))
                }
                try? await Task.sleep(for: .seconds(pause))
                pause = min(pause * 2, 30)
                pending.add(.everything)
            }
        }
    }

    /// Rows read for the first screen: more than any terminal shows, so that scrolling a page or
    /// two works before the whole watchlist is read.
    static let firstPageRows = 500

    /// Every two seconds, the pollers running on this store: while there is one, this dashboard
    /// leaves the fetching to them.
    static func watchPollers(_ store: any WatchlistStore, post: @escaping @Sendable (Action) -> Void) {
        Task.detached {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(2))
                if let pollers = try? await store.pollers(seenWithin: Poller.aliveWithin) { post(.pollersSeen(pollers)) }
            }
        }
    }

    func loadTheme(_ name: String) -> Result<Theme, ThemeFailure> {
        ThemeFiles.load(name).mapError { ThemeFailure($0.description) }
    }

    func perform(_ effect: Effect, post: @escaping @Sendable (Action) -> Void) {
        let store = session.store
        switch effect {
        case .quit, .switchTheme, .copy:
            break
        case .lookup(let id, let referenceID):
            // A read-only dashboard asks for no lookup (`Dashboard.update` drops it); without a
            // service there is nothing to ask.
            guard let service = session.environment?.service else {
                post(.lookedUp(id, report: nil, error: Self.noService))
                return
            }
            Task.detached {
                do throws(RefundWatchError) {
                    post(.lookedUp(id, report: try await service.report(referenceID: referenceID), error: nil))
                } catch {
                    post(.lookedUp(id, report: nil, error: ReportedError(error)))
                }
            }
        case .track(let referenceIDs):
            let now = session.clock()
            Task.detached {
                do throws(StoreError) {
                    let outcome = try await store.add(referenceIDs.map { TrackedOrder(referenceID: $0, addedAt: now) })
                    post(.watchlistLoaded(try await store.watchlist()))
                    post(.tracked(added: outcome.added, alreadyTracked: outcome.duplicates.map(\.referenceID)))
                } catch {
                    post(.failed(error.description))
                }
            }
        case .untrack(let referenceID):
            Task.detached {
                do throws(StoreError) {
                    _ = try await store.remove(referenceIDs: [referenceID])
                    post(.watchlistLoaded(try await store.watchlist()))
                    post(.untracked(referenceID))
                } catch {
                    post(.failed(error.description))
                }
            }
        case .export(let orderIDs, let path):
            let (rule, now) = (session.rule, session.clock())
            Task.detached {
                do {
                    let file = try await ExportFile.load(store: store, orderIDs: orderIDs, rule: rule, now: now, format: ExportFormat(path: path))
                    try file.write(to: path)
                    post(.exported(ExportSummary(refunds: file.refunds, orders: file.orders, unfetched: file.unfetched,
                                                 path: URL(fileURLWithPath: path).standardizedFileURL.path)))
                } catch let error as ExportFile.WriteError {
                    post(.exportFailed(error.message))
                } catch {
                    post(.exportFailed("\(error)"))
                }
            }
        case .loadWatchlist:
            let verification = self.verification
            let clock = session.clock
            Task.detached {
                do {
                    // Watching starts first, so that nothing written during the load is missed.
                    Self.watchOtherProcesses(store, post: post)
                    post(.pollersSeen(try await store.pollers(seenWithin: Poller.aliveWithin)))
                    // The first screen comes from one read however long the watchlist (a team's
                    // 100,000 orders open as fast as 1,000); the whole watchlist follows for
                    // scrolling, filters and sorts. Nothing is fetched or written before that.
                    post(.watchlistPage(try await store.firstPage(limit: Self.firstPageRows, now: clock())))
                    let rows = try await store.watchlist()
                    try await verification.value
                    post(.watchlistLoaded(rows))
                    Self.watchPollers(store, post: post)
                } catch let error as StoreError {
                    post(.failed(error.description))
                } catch {
                    post(.failed("\(error)"))
                }
            }
        case .requestFetch(let ids):
            Task.detached {
                do throws(StoreError) {
                    try await store.requestFetch(orderIDs: ids)
                    post(.rowsChanged(Set(ids), rows: try await store.watchedOrders(ids: ids)))
                    post(.requested(ids))
                } catch {
                    post(.failed(error.description))
                }
            }
        case .loadDetail(let id):
            Task.detached {
                do throws(StoreError) {
                    post(.detailLoaded(id, Detail(report: try await store.report(orderID: id), history: try await store.history(orderID: id))))
                } catch {
                    post(.failed(error.description))
                }
            }
        case .refresh(let orders):
            guard let refresher = session.refresher, let service = session.environment?.service else {
                post(.refreshFailed(orders.compactMap(\.id), message: Self.noService.message))
                return
            }
            // While the refresh runs, the status line learns of pauses the APIs ask for (a pause
            // is exactly when no result arrives to carry the news).
            let watcher = Task.detached {
                var shown: [RateSlowdown] = []
                while !Task.isCancelled {
                    let now = await service.slowdowns()
                    if now != shown { post(.slowdowns(now)); shown = now }
                    try? await Task.sleep(for: .milliseconds(250))
                }
            }
            Task.detached {
                defer { watcher.cancel() }
                do throws(StoreError) {
                    _ = try await refresher.refresh(orders) { result, _ in
                        guard let id = result.order.id else { return }
                        let row = try? await store.watchedOrder(id: id)
                        switch result.outcome {
                        case .failed(let error):
                            post(.fetched(id, row: row, error: error))
                        case .unreadable(let error):
                            post(.unreadable(id, row: row, message: error.description))
                        case .recorded, .removed, .interrupted:
                            post(.fetched(id, row: row, error: nil))
                        }
                    }
                } catch {
                    post(.refreshFailed(orders.compactMap(\.id), message: error.description))
                }
            }
        }
    }
}

extension DashboardEffects {
    /// What a fetch asked of a dashboard without a service (`--no-fetch`) comes back with.
    static let noService = ReportedError(category: .configuration, service: nil,
                                         message: "read-only (--no-fetch): nothing is fetched here; run refundwatch without --no-fetch, or refundwatch poll, to fetch")
}

/// Changes told by the store and not read yet, merged: a burst of NOTIFYs is read as one.
final class PendingChanges: @unchecked Sendable {
    private let lock = NSLock()
    private var change: StoreChange?
    let signals: AsyncStream<Void>
    private let signal: AsyncStream<Void>.Continuation

    init() {
        (signals, signal) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    func add(_ new: StoreChange) {
        lock.withLock {
            switch (change, new) {
            case (nil, _): change = new
            case (.orders(let a), .orders(let b)): change = .orders(a.union(b))
            default: change = .everything
            }
        }
        signal.yield()
    }

    func take() -> StoreChange? { lock.withLock { defer { change = nil }; return change } }
}
