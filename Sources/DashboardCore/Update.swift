import Foundation
import RefundModel
import WatchlistModel

/// The dashboard's only way to change: a pure function of the state and one action, returning the
/// effects to run. No clock reads, no I/O: the clock arrives as `.tick`. Keys go to the open
/// screen's component first (`Commands.swift`); this file applies what arrives from outside.
public enum Dashboard {
    public static let minimumInterval: TimeInterval = 5
    /// How long a flash line stays.
    public static let flashSeconds: TimeInterval = 8
    public static let maximumInterval: TimeInterval = 3_600

    public static func update(_ state: inout DashboardState, _ action: Action) -> [Effect] {
        // Once the user has put the cursor on an order, it follows that order when the rows move
        // under it (a refresh re-sorts them, `s` changes the sort); until then it stays on the top
        // row, the order that most needs attention.
        let movesRows: Bool
        switch action {
        case .watchlistLoaded, .watchlistPage, .fetched, .rowsChanged, .tracked, .untracked: movesRows = state.prompt == nil
        case .key(let key): movesRows = state.prompt == nil && state.overlay == nil && KeyBindings.binding(for: key, atWatchlist: true)?.command == .sort
        default: movesRows = false
        }
        let selectedID = movesRows && state.frame.moved ? selectedOrderID(state) : nil
        defer {
            follow(selectedID, &state)
            // Back from a bar's orders (Esc, a click on the breadcrumb, `v`, `!`): the watchlist
            // shows every order again.
            if state.drill != nil, !state.stack.dropFirst().contains(where: { $0.view == .watchlist }) { state.drill = nil }
        }
        return apply(action, &state)
    }

    static func selectedOrderID(_ state: DashboardState) -> Int64? {
        guard case .watchlist = state.frame.view else { return nil }
        return state.visibleRow(state.frame.selected)?.order.id
    }

    static func follow(_ id: Int64?, _ state: inout DashboardState) {
        guard let id, case .watchlist = state.frame.view, let index = state.visibleIndex(of: id),
              index != state.frame.selected else { return }
        state.frame.selected = index
        clampCursor(&state)
    }

    static func apply(_ action: Action, _ state: inout DashboardState) -> [Effect] {
        switch action {
        case .tick(let now, let wall):
            state.now = now
            state.wall = wall
            if let flash = state.flash, wall.timeIntervalSince(flash.at) > Dashboard.flashSeconds { state.flash = nil }
            // Alerts: read again (at most once a second) after something was stored; new ones
            // waiting to be rung for ring once 10 seconds have passed since the last ring.
            var effects = AlertNotice.announce(&state)
            if state.alertsStale, state.alertsLoaded {
                state.alertsStale = false
                effects.append(.loadAlerts)
            }
            // The overview on screen follows what is stored, read again at most once a second.
            if state.overviewStale, state.frame.view == .overview, !state.overviewLoading {
                effects += OverviewComponent.load(&state)
            }
            // Nothing is scheduled before the watchlist is there: its load says how fresh it is.
            // While pollers run they fetch; this dashboard shows what they store.
            if state.loaded, !state.paused, !state.readOnly, !state.pollersRun, !state.isRefreshing, let next = state.nextRefresh, wall >= next {
                effects += startRefresh(&state, orders: dueOrders(state))
            }
            return effects
        case .resize(let size):
            state.size = size
            clampCursor(&state)
            return []
        case .watchlistPage(let page):
            // Shown until the whole watchlist is here; nothing is fetched or planned on it.
            guard !state.loaded else { return [] }
            state.setRows(page.rows)
            state.pageTotals = page.totals
            clampCursor(&state)
            return []
        case .watchlistLoaded(let rows, let mark):
            state.overviewStale = true
            let wasLoaded = state.loaded
            var effects = loaded(rows, mark: mark, &state)
            // The alerts are read once the watchlist is (and again as what is stored changes).
            if state.loaded, !wasLoaded { effects.append(.loadAlerts) }
            return effects
        case .alertsLoaded(let alerts):
            return AlertNotice.loaded(alerts, &state)
        case .overviewLoaded(let overview, let window):
            state.overviewLoading = false
            // A read for a window no longer chosen is dropped: the one for the new window follows.
            guard window == state.overviewWindow else { return [] }
            state.overview = overview
            clampCursor(&state)
            return []
        case .overviewOrders(let selection, let ids):
            return OverviewComponent.opened(selection, ids, &state)
        case .alertChanged(let alert):
            if let index = state.alerts.firstIndex(where: { $0.id == alert.id }) { state.alerts[index] = alert }
            let what = alert.state(at: state.now) == .snoozed
                ? "snoozed for \(DurationText.short((alert.snoozedUntil ?? state.now).timeIntervalSince(state.now)))"
                : "acknowledged by \(alert.acknowledgedBy ?? state.person)"
            state.flash = Flash(message: "\(what): \(alert.text)", isError: false, at: state.wall)
            return []
        case .rowsChanged(let ids, let rows):
            state.alertsStale = true
            state.overviewStale = true
            state.applyChanges(ids, rows: rows)
            for id in ids where state.row(id: id)?.requestedAt == nil { state.requested.remove(id) }
            closeRemovedOrders(&state)
            clampCursor(&state)
            // An order open on screen shows its new report and history.
            return state.stack.compactMap(\.view.orderID).filter { ids.contains($0) && state.row(id: $0) != nil }.map { .loadDetail($0) }
        case .pollersSeen(let pollers):
            let before = state.pollersRun
            state.pollers = PollersSeen(count: pollers.count, sinceCycle: pollers.compactMap(\.sinceCycle).min(), at: state.wall)
            if before && !state.pollersRun {
                // The last poller stopped: this dashboard fetches what is due, as without pollers.
                state.requested = []
                state.nextRefresh = state.wall
                if !state.readOnly {
                    state.flash = Flash(message: "no poller is running any more: this dashboard fetches what is due itself", isError: false, at: state.wall)
                }
            }
            return []
        case .pushesSeen(let pushes):
            state.lastPushes = pushes
            return []
        case .pushed(let asked, let pushes):
            // A push is a hint: the orders it names are fetched now, here (the pollers, when they
            // run, were asked through the store and fetch them).
            state.lastPushes = pushes
            guard !state.readOnly, !state.pollersRun else { return [] }
            return startRefresh(&state, orders: asked.compactMap { state.row(id: $0)?.order })
        case .viewsLoaded(let views):
            state.storedViews = views
            return []
        case .requested(let ids):
            state.requested.formUnion(ids.filter { state.row(id: $0) != nil })
            let pollers = plural(state.pollers?.count ?? 1, "poller")
            state.flash = Flash(message: "asked the \(pollers) to fetch \(plural(ids.count, "order")) now", isError: false, at: state.wall)
            return []
        case .detailLoaded(let id, let detail):
            state.details[id] = detail
            return []
        case .fetched(let id, let row, let error):
            state.alertsStale = true
            state.overviewStale = true
            state.inFlight.remove(id)
            state.refreshDone += 1
            if let row { state.replaceRow(row) }
            if let error { state.flash = Flash(message: "\(row?.order.referenceID ?? "an order"): \(error.message)", isError: true, at: state.wall) }
            var effects: [Effect] = []
            if state.stack.contains(where: { $0.view.orderID == id }) { effects.append(.loadDetail(id)) }
            if state.inFlight.isEmpty {
                state.lastRefresh = state.wall
                state.nextRefresh = state.wall.addingTimeInterval(state.interval)
                }
            clampCursor(&state)
            return effects
        case .unreadable(let id, let row, let message):
            let effects = apply(.fetched(id, row: row, error: nil), &state)
            state.flash = Flash(message: message, isError: true, at: state.wall)
            return effects
        case .refreshFailed(let ids, let message):
            // Nothing more will come back for these: they stop counting as in flight, so that the
            // next refresh (on the interval, or r) asks for them again.
            var effects: [Effect] = []
            for id in ids where state.inFlight.contains(id) { effects += apply(.fetched(id, row: nil, error: nil), &state) }
            state.flash = Flash(message: message, isError: true, at: state.wall)
            return effects
        case .failed(let message):
            // A read of the overview that failed is not under way any more (the next change
            // tries again).
            state.overviewLoading = false
            state.flash = Flash(message: message, isError: true, at: state.wall)
            return []
        case .subscriptionFailed(let kind, let reason, let retryIn):
            let what = switch kind {
            case .changes: "live updates"
            case .pollers: "watching the pollers"
            case .slowdowns: "watching the APIs' pauses"
            case .views: "reading the saved views"
            case .pushes: "taking pushes"
            }
            state.flash = Flash(message: "\(what) paused (\(reason)); trying again in \(Format.interval(retryIn))", isError: true, at: state.wall)
            return []
        case .slowdowns(let slowdowns):
            state.slowdowns = slowdowns
            return []
        case .exported(let summary):
            var message = "exported \(plural(summary.refunds, "refund")) of \(plural(summary.orders, "order")) to \(summary.path)"
            if summary.unfetched > 0 { message += " (\(summary.unfetched) not fetched yet, left out)" }
            state.flash = Flash(message: message, isError: false, at: state.wall)
            return []
        case .exportFailed(let reason):
            state.flash = Flash(message: "export: " + reason, isError: true, at: state.wall)
            return []
        case .themeChanged(let name):
            state.themeName = name
            state.flash = Flash(message: "theme: \(name)", isError: false, at: state.wall)
            return []
        case .themeFailed(_, let reason):
            state.flash = Flash(message: reason, isError: true, at: state.wall)
            return []
        case .lookedUp(let id, let report, let error, let place):
            guard state.lookups[id] != nil else { return [] }
            state.lookups[id]?.inFlight = false
            state.lookups[id]?.error = error
            if let place { state.lookups[id]?.place = place }
            if let report { state.details[id] = Detail(report: report, history: []) }
            return []
        case .tracked(let added, let alreadyTracked):
            return PromptComponent.tracked(added, alreadyTracked: alreadyTracked, &state)
        case .untracked(let referenceID, let ids):
            state.applyChanges(ids, rows: [])
            closeRemovedOrders(&state)
            clampCursor(&state)
            state.flash = Flash(message: "removed \(referenceID) from the watchlist", isError: false, at: state.wall)
            return []
        case .key(let key):
            return handle(key, &state)
        case .mouse(let event):
            return mouse(event, &state)
        }
    }

    /// The whole watchlist arrived: the first time, it replaces the first page, the dashboard
    /// starts watching (what other processes write, from `mark` on; the pollers; the APIs'
    /// pauses unless nothing is fetched here) and scheduling begins. Later (another process
    /// changed an SQLite file) it replaces the rows.
    static func loaded(_ rows: [WatchedOrder], mark: Int?, _ state: inout DashboardState) -> [Effect] {
        let first = !state.loaded
        state.pageTotals = nil
        state.setRows(rows)
        if state.readOnly, let newest = rows.compactMap(\.fetchedAt).max() {
            // Nothing is refreshed here: the data is as fresh as what others stored.
            state.lastRefresh = state.wall.addingTimeInterval(-max(0, state.now.timeIntervalSince(newest)) / state.clockRate)
        }
        if first, state.lastRefresh == nil, let newest = rows.compactMap(\.fetchedAt).max(), state.now.timeIntervalSince(newest) < state.interval {
            // Fetched moments ago (by `track refresh`, or a dashboard just closed): the first
            // refresh waits out the interval instead of fetching everything again at start.
            state.lastRefresh = state.wall.addingTimeInterval(-max(0, state.now.timeIntervalSince(newest)))
            state.nextRefresh = state.lastRefresh!.addingTimeInterval(state.interval)
        }
        state.loaded = true
        // An order removed (here or by `track remove` elsewhere) cannot stay open.
        closeRemovedOrders(&state)
        clampCursor(&state)
        guard first else { return [] }
        var watch: [Effect] = [.subscribe(.changes(after: mark)), .subscribe(.pollers), .subscribe(.views)]
        // Nothing is fetched by a read-only dashboard: no pauses to watch, no pushes to take.
        if !state.readOnly { watch += [.subscribe(.slowdowns), .subscribe(.pushes)] }
        return watch
    }

    /// Screens of an order no longer on the watchlist are closed (a looked-up order, stored
    /// nowhere, has a negative id and stays).
    static func closeRemovedOrders(_ state: inout DashboardState) {
        if let gone = state.stack.firstIndex(where: { ($0.view.orderID ?? -1) > 0 && state.row(id: $0.view.orderID!) == nil }) {
            state.stack.removeSubrange(gone...)
        }
    }

    /// The orders a round fetches, in the order added: those due now, and those due within half
    /// an interval (rows fetched in one round fall due together, a moment apart, and go in the
    /// same next round).
    static func dueOrders(_ state: DashboardState) -> [TrackedOrder] {
        state.schedule.due(by: state.now.addingTimeInterval(state.pollPolicy.interval / 2)).sorted().compactMap { state.row(id: $0)?.order }
    }

    /// Starts fetching `orders` here (those not in flight already).
    static func startRefresh(_ state: inout DashboardState, orders: [TrackedOrder]) -> [Effect] {
        let wanted = orders.filter { $0.id != nil && !state.inFlight.contains($0.id!) }
        guard !wanted.isEmpty else {
            state.nextRefresh = state.wall.addingTimeInterval(state.interval)
            return []
        }
        if state.inFlight.isEmpty {
            state.refreshDone = 0
            state.refreshTotal = 0
        }
        state.inFlight.formUnion(wanted.compactMap(\.id))
        state.refreshTotal += wanted.count
        return [.refresh(wanted)]
    }

    /// `r` and `R`: these orders fetched now, here, or by the pollers when they run.
    static func fetchNow(_ orders: [TrackedOrder], _ state: inout DashboardState) -> [Effect] {
        if refusedReadOnly(&state) { return [] }
        if state.pollersRun { return [.requestFetch(orders.compactMap(\.id))] }
        return startRefresh(&state, orders: orders)
    }

    /// `--no-fetch`: nothing is fetched or changed here. Says so and returns true, so that the
    /// command that asked builds no effect.
    static func refusedReadOnly(_ state: inout DashboardState) -> Bool {
        guard state.readOnly else { return false }
        state.flash = Flash(message: "read-only (--no-fetch): nothing is fetched or changed here; what a poller stores shows within a second",
                            isError: true, at: state.wall)
        return true
    }
}

/// Numbers in the dashboard's words.
public enum Format {
    public static func interval(_ seconds: TimeInterval) -> String { DurationText.short(seconds) }

    /// 9812 as "9,812".
    public static func count(_ value: Int) -> String { groupedCount(value) }
}
