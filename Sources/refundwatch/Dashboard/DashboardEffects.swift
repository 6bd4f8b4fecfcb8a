import DashboardCore
import Foundation
import RefundJobs
import RefundKit
import RefundStore
import Synchronization
import WatchlistModel

/// The dashboard's I/O: the store, the APIs, files. Each effect runs as a task and posts its
/// result as an action; what the user reads about it is worded by `Dashboard.update`, and what
/// to do next is decided there too. Subscriptions (`Effect.subscribe`) run until `stop`, which
/// cancels them and every effect still running, and waits for them.
final class DashboardEffects: EffectPerformer, Sendable {
    let session: DashboardSession
    /// The store read whole for damage, begun beside the first load: the whole watchlist (and so
    /// any refresh or write) is posted only once it passed.
    let verification: Task<Void, any Error>
    private let running = Mutex<[UUID: Task<Void, Never>]>([:])
    private let subscribed = Mutex<Set<Subscription.Kind>>([])

    init(session: DashboardSession, verification: Task<Void, any Error>) {
        self.session = session
        self.verification = verification
    }

    /// Rows read for the first screen: more than any terminal shows, so that scrolling a page or
    /// two works before the whole watchlist is read.
    static let firstPageRows = 500
    /// How often the pollers' heartbeats and the APIs' pauses are looked at.
    static let pollersEvery: Duration = .seconds(2)
    static let slowdownsEvery: Duration = .milliseconds(250)
    /// How often the saved views are read again: one saved by `refundwatch views save` shows on
    /// every dashboard within this.
    static let viewsEvery: Duration = .seconds(5)
    /// Unresolved alerts read for the alerts screen and the title bar's count.
    static let alertsShown = 5_000

    func loadTheme(_ name: String) -> Result<Theme, ThemeFailure> {
        ThemeFiles.load(name).mapError { ThemeFailure($0.description) }
    }

    /// Cancels every subscription and effect still running, and waits for them to end.
    func stop() async {
        let tasks = running.withLock { tasks in defer { tasks.removeAll() }; return Array(tasks.values) }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
        verification.cancel()
    }

    /// Runs `work` as a task this runner holds until it ends or `stop` cancels it.
    private func start(_ work: @escaping @Sendable () async -> Void) {
        let id = UUID()
        // Made under the lock, so that a task ending at once finds itself there to remove.
        running.withLock { tasks in
            tasks[id] = Task.detached { [self] in
                await work()
                running.withLock { _ = $0.removeValue(forKey: id) }
            }
        }
    }

    func perform(_ effect: Effect, post: @escaping @Sendable (Action) -> Void) {
        let store = session.store
        switch effect {
        case .quit, .switchTheme, .copy, .ring:
            break
        case .loadAlerts:
            start {
                do throws(StoreError) {
                    post(.alertsLoaded(try await store.alerts(resolved: false, limit: Self.alertsShown)))
                } catch {
                    post(.failed(error.description))
                }
            }
        case .loadOverview(let period, let window):
            start {
                do throws(StoreError) {
                    post(.overviewLoaded(try await store.overview(period), window))
                } catch {
                    post(.failed("the overview could not be read: \(error.description)"))
                }
            }
        case .loadOverviewOrders(let selection, let period):
            start {
                do throws(StoreError) {
                    post(.overviewOrders(selection, try await store.overviewOrders(selection, period: period)))
                } catch {
                    post(.failed("the orders of \(selection.title) could not be read: \(error.description)"))
                }
            }
        case .acknowledgeAlert(let id, let person, let note):
            let now = session.clock()
            start {
                do throws(StoreError) {
                    if let alert = try await store.acknowledgeAlert(id: id, by: person, note: note, at: now) { post(.alertChanged(alert)) }
                } catch {
                    post(.failed(error.description))
                }
            }
        case .snoozeAlert(let id, let until):
            start {
                do throws(StoreError) {
                    if let alert = try await store.snoozeAlert(id: id, until: until) { post(.alertChanged(alert)) }
                } catch {
                    post(.failed(error.description))
                }
            }
        case .subscribe(let subscription):
            // One of each kind: a second `subscribe` (a watchlist loaded twice) is already served.
            guard subscribed.withLock({ $0.insert(subscription.kind).inserted }) else { return }
            start { await self.run(subscription, post: post) }
        case .loadWatchlist:
            let verification = self.verification
            let clock = session.clock
            start {
                do {
                    post(.pollersSeen(try await store.pollers(seenWithin: Poller.aliveWithin)))
                    // The first screen comes from one read however long the watchlist (a team's
                    // 100,000 orders open as fast as 1,000); the whole watchlist follows for
                    // scrolling, filters and sorts. Nothing is fetched or written before that.
                    post(.watchlistPage(try await store.firstPage(limit: Self.firstPageRows, now: clock())))
                    let mark = try await store.externalChanges()
                    let rows = try await store.watchlist()
                    try await verification.value
                    post(.watchlistLoaded(rows, mark: mark))
                } catch let error as StoreError {
                    post(.failed(error.description))
                } catch is CancellationError {
                    return
                } catch {
                    post(.failed("\(error)"))
                }
            }
        case .lookup(let id, let referenceID):
            // A read-only dashboard asks for no lookup (`Dashboard.update` builds none); without a
            // service there is nothing to ask.
            guard let service = session.environment?.service else {
                post(.lookedUp(id, report: nil, error: Self.noService))
                return
            }
            start {
                do throws(RefundWatchError) {
                    let found = try await service.locate(referenceID: referenceID)
                    post(.lookedUp(id, report: found.report, error: nil, place: found.place))
                } catch {
                    post(.lookedUp(id, report: nil, error: ReportedError(error)))
                }
            }
        case .track(let referenceIDs, let place):
            let now = session.clock()
            // Where it was found; else the only account's; else each one's is found at its first fetch.
            let accounts = session.settings.accountNames
            let account = place?.account ?? (accounts.count == 1 ? accounts[0] : nil)
            start {
                do throws(StoreError) {
                    let outcome = try await store.add(referenceIDs.map {
                        TrackedOrder(referenceID: $0, account: account, phoneNumberID: place?.phoneNumberID, paymentConfigID: place?.paymentConfigID, addedAt: now)
                    })
                    let rows = try await store.watchedOrders(ids: outcome.added.compactMap(\.id))
                    post(.tracked(added: rows, alreadyTracked: outcome.duplicates.map(\.referenceID)))
                } catch {
                    post(.failed(error.description))
                }
            }
        case .untrack(let referenceID, let ids):
            start {
                do throws(StoreError) {
                    _ = try await store.remove(referenceIDs: [referenceID])
                    post(.untracked(referenceID, ids: ids))
                } catch {
                    post(.failed(error.description))
                }
            }
        case .export(let orderIDs, let path):
            let (rules, now) = (session.rules, session.clock())
            start {
                do {
                    let file = try await ExportFile.load(store: store, orderIDs: orderIDs, rules: rules, now: now, format: ExportFormat(path: path))
                    try file.write(to: path)
                    post(.exported(ExportSummary(refunds: file.refunds, orders: file.orders, unfetched: file.unfetched,
                                                 path: URL(fileURLWithPath: path).standardizedFileURL.path)))
                } catch let error as ExportFile.WriteError {
                    post(.exportFailed(error.message))
                } catch let error as StoreError {
                    post(.exportFailed(error.description))
                } catch {
                    post(.exportFailed("\(error)"))
                }
            }
        case .requestFetch(let ids):
            start {
                do throws(StoreError) {
                    try await store.requestFetch(orderIDs: ids)
                    post(.rowsChanged(Set(ids), rows: try await store.watchedOrders(ids: ids)))
                    post(.requested(ids))
                } catch {
                    post(.failed(error.description))
                }
            }
        case .loadDetail(let id):
            start {
                do throws(StoreError) {
                    post(.detailLoaded(id, Detail(report: try await store.report(orderID: id), history: try await store.history(orderID: id))))
                } catch {
                    post(.failed(error.description))
                }
            }
        case .refresh(let orders):
            guard let refresher = session.refresher else {
                post(.refreshFailed(orders.compactMap(\.id), message: Self.noService.message))
                return
            }
            start {
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

    // MARK: - Subscriptions

    private func run(_ subscription: Subscription, post: @escaping @Sendable (Action) -> Void) async {
        switch subscription {
        case .pushes:
            // The demo's own receiver (`--demo --push`): after each push that asked for orders, the
            // orders waiting for a fetch (the demo's watchlist is small and in memory).
            guard let receiver = session.pushReceiver else { return }
            for await _ in receiver.signals {
                guard let rows = try? await session.store.watchlist() else { continue }
                let asked = rows.filter { $0.requestedAt != nil }.compactMap(\.order.id)
                post(.pushed(asked: asked, pushes: (try? await session.store.lastPushes()) ?? [:]))
            }
        case .changes(let mark):
            await watchOtherProcesses(after: mark, post: post)
        case .pollers:
            var pushes: [PushSource: Date] = [:]
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.pollersEvery)
                if Task.isCancelled { return }
                if let pollers = try? await session.store.pollers(seenWithin: Poller.aliveWithin) { post(.pollersSeen(pollers)) }
                if let seen = try? await session.store.lastPushes(), seen != pushes {
                    pushes = seen
                    post(.pushesSeen(seen))
                }
            }
        case .views:
            // A read that fails is tried again next time: the watch of the store's changes says
            // when the store is away.
            var shown: [SavedView]?
            while !Task.isCancelled {
                if let views = try? await session.store.savedViews(), views != shown {
                    post(.viewsLoaded(views))
                    shown = views
                }
                try? await Task.sleep(for: Self.viewsEvery)
            }
        case .slowdowns:
            // A pause is exactly when no fetch result arrives to carry the news, so it is looked
            // at on its own.
            guard let service = session.environment?.service else { return }
            var shown: [RateSlowdown] = []
            while !Task.isCancelled {
                let now = await service.slowdowns()
                if now != shown { post(.slowdowns(now)); shown = now }
                try? await Task.sleep(for: Self.slowdownsEvery)
            }
        }
    }

    /// What another process stores (a poller, a `track refresh`, another dashboard) shows here
    /// without fetching it again. On PostgreSQL the writer's NOTIFY names the orders and only
    /// their rows are read; an SQLite file is asked four times a second whether another process
    /// wrote, and then the watchlist is read again. Changes that arrive while rows are being read
    /// are read together next. If the store goes away, the watch starts again after a pause, and
    /// reads everything (what changed meanwhile was not told).
    private func watchOtherProcesses(after mark: Int?, post: @escaping @Sendable (Action) -> Void) async {
        let store = session.store
        let pending = PendingChanges()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
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
                        if Task.isCancelled { return }
                        pending.add(change)
                        try? await Task.sleep(for: .seconds(1))
                    }
                }
            }
            group.addTask {
                var pause = 1.0
                var mark = mark
                while !Task.isCancelled {
                    do throws(StoreError) {
                        try await store.watchChanges(after: mark) { pending.add($0) }
                    } catch {
                        if Task.isCancelled { break }
                        post(.subscriptionFailed(.changes, reason: error.description, retryIn: pause))
                    }
                    if Task.isCancelled { break }
                    try? await Task.sleep(for: .seconds(pause))
                    pause = min(pause * 2, 30)
                    // What changed while the watch was down was not told: read everything.
                    mark = nil
                    pending.add(.everything)
                }
                pending.finish()
            }
            await group.next()
            group.cancelAll()
        }
    }
}

/// Changes told by the store and not read yet, merged: a burst of NOTIFYs is read as one.
final class PendingChanges: Sendable {
    private let change = Mutex<StoreChange?>(nil)
    let signals: AsyncStream<Void>
    private let signal: AsyncStream<Void>.Continuation

    init() {
        (signals, signal) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    func add(_ new: StoreChange) {
        change.withLock { change in
            switch (change, new) {
            case (nil, _): change = new
            case (.orders(let a), .orders(let b)): change = .orders(a.union(b))
            default: change = .everything
            }
        }
        signal.yield()
    }

    func take() -> StoreChange? { change.withLock { change in defer { change = nil }; return change } }

    func finish() { signal.finish() }
}

extension DashboardEffects {
    /// What a fetch asked of a dashboard without a service (`--no-fetch`) comes back with.
    static let noService = ReportedError(category: .configuration, service: nil,
                                         message: "read-only (--no-fetch): nothing is fetched here; run refundwatch without --no-fetch, or refundwatch poll, to fetch")
}
