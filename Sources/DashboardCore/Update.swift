import Foundation
import RefundModel
import WatchlistModel

/// The dashboard's only way to change: a pure function of the state and one action, returning the
/// effects to run. No clock reads, no I/O: the clock arrives as `.tick`.
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
        case .watchlistLoaded, .watchlistPage, .fetched, .rowsChanged: movesRows = state.prompt == nil
        case .key(let key): movesRows = state.prompt == nil && state.overlay == nil && KeyBindings.binding(for: key, atWatchlist: true)?.command == .sort
        default: movesRows = false
        }
        let selectedID = movesRows && state.frame.moved ? selectedOrderID(state) : nil
        defer { follow(selectedID, &state) }
        let effects = apply(action, &state)
        guard state.readOnly else { return effects }
        // --no-fetch: no API call and no change to the watchlist, whatever asked for one.
        let allowed = effects.filter { effect in
            switch effect {
            case .refresh, .lookup, .track, .untrack, .requestFetch: false
            default: true
            }
        }
        if allowed.count < effects.count {
            state.flash = Flash(message: "read-only (--no-fetch): nothing is fetched or changed here; what a poller stores shows within a second",
                                isError: true, at: state.wall)
            for case .lookup(let id, _) in effects { state.lookups[id]?.inFlight = false }
            for case .refresh(let orders) in effects {
                for id in orders.compactMap(\.id) { state.inFlight.remove(id) }
            }
        }
        return allowed
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
            // Nothing is scheduled before the watchlist is there: its load says how fresh it is.
            // While pollers run they fetch; this dashboard shows what they store.
            if state.loaded, !state.paused, !state.readOnly, !state.pollersRun, !state.isRefreshing, let next = state.nextRefresh, wall >= next {
                return startRefresh(&state, orders: dueOrders(state))
            }
            if state.loaded, !state.isRefreshing, (state.planAt.map { wall.timeIntervalSince($0) >= 1 || wall < $0 } ?? true) {
                replan(&state)
            }
            return []
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
        case .watchlistLoaded(let rows):
            state.pageTotals = nil
            state.setRows(rows)
            if !state.changedWhileLoading.isEmpty {
                // Changes told while the whole watchlist was being read: those it does not have yet
                // (a row with more fetches stored, an order added or removed since) are applied.
                var newer: [WatchedOrder] = []
                var ids = Set<Int64>()
                for (id, changed) in state.changedWhileLoading {
                    let loaded = state.row(id: id)
                    if let changed {
                        if loaded == nil || loaded!.attempts < changed.attempts { newer.append(changed); ids.insert(id) }
                    } else if loaded != nil {
                        ids.insert(id)
                    }
                }
                state.changedWhileLoading = [:]
                if !ids.isEmpty { state.applyChanges(ids, rows: newer) }
            }
            if state.readOnly, let newest = rows.compactMap(\.fetchedAt).max() {
                // Nothing is refreshed here: the data is as fresh as what others stored.
                state.lastRefresh = state.wall.addingTimeInterval(-max(0, state.now.timeIntervalSince(newest)) / state.clockRate)
            }
            if !state.loaded, state.lastRefresh == nil, let newest = rows.compactMap(\.fetchedAt).max(), state.now.timeIntervalSince(newest) < state.interval {
                // Fetched moments ago (by `track refresh`, or a dashboard just closed): the first
                // refresh waits out the interval instead of fetching everything again at start.
                state.lastRefresh = state.wall.addingTimeInterval(-max(0, state.now.timeIntervalSince(newest)))
                state.nextRefresh = state.lastRefresh!.addingTimeInterval(state.interval)
            }
            state.loaded = true
            replan(&state)
            // An order removed (here or by `track remove` elsewhere) cannot stay open.
            if let gone = state.stack.firstIndex(where: { ($0.view.orderID ?? -1) > 0 && state.row(id: $0.view.orderID!) == nil }) {
                state.stack.removeSubrange(gone...)
            }
            clampCursor(&state)
            return []
        case .rowsChanged(let ids, let rows):
            state.applyChanges(ids, rows: rows)
            if !state.loaded {
                let byID = Dictionary(rows.compactMap { row in row.order.id.map { ($0, row) } }, uniquingKeysWith: { $1 })
                for id in ids { state.changedWhileLoading[id] = byID[id] }
            }
            for id in ids where state.row(id: id)?.requestedAt == nil { state.requested.remove(id) }
            replan(&state)
            if let gone = state.stack.firstIndex(where: { ($0.view.orderID ?? -1) > 0 && state.row(id: $0.view.orderID!) == nil }) {
                state.stack.removeSubrange(gone...)
            }
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
        case .requested(let ids):
            state.requested.formUnion(ids.filter { state.row(id: $0) != nil })
            let pollers = plural(state.pollers?.count ?? 1, "poller")
            state.flash = Flash(message: "asked the \(pollers) to fetch \(plural(ids.count, "order")) now", isError: false, at: state.wall)
            return []
        case .detailLoaded(let id, let detail):
            state.details[id] = detail
            return []
        case .fetched(let id, let row, let error):
            state.inFlight.remove(id)
            state.refreshDone += 1
            if let row { state.replaceRow(row) }
            if let error { state.flash = Flash(message: "\(row?.order.referenceID ?? "an order"): \(error.message)", isError: true, at: state.wall) }
            var effects: [Effect] = []
            if state.stack.contains(where: { $0.view.orderID == id }) { effects.append(.loadDetail(id)) }
            if state.inFlight.isEmpty {
                state.lastRefresh = state.wall
                state.nextRefresh = state.wall.addingTimeInterval(state.interval)
                replan(&state)
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
            state.flash = Flash(message: message, isError: true, at: state.wall)
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
        case .lookedUp(let id, let report, let error):
            guard state.lookups[id] != nil else { return [] }
            state.lookups[id]?.inFlight = false
            state.lookups[id]?.error = error
            if let report { state.details[id] = Detail(report: report, history: []) }
            return []
        case .tracked(let added, let alreadyTracked):
            return PromptComponent.tracked(added, alreadyTracked: alreadyTracked, &state)
        case .untracked(let referenceID):
            state.flash = Flash(message: "removed \(referenceID) from the watchlist", isError: false, at: state.wall)
            return []
        case .key(let key):
            return handle(key, &state)
        case .mouse(let event):
            return mouse(event, &state)
        }
    }

    /// The orders a round fetches: those due now, and those due within half an interval (rows
    /// fetched in one round fall due together, a moment apart, and go in the same next round).
    static func dueOrders(_ state: DashboardState) -> [TrackedOrder] {
        let policy = state.pollPolicy
        return PollPlan(state.rows, policy: policy, now: state.now, ahead: policy.interval / 2).due
    }

    static func replan(_ state: inout DashboardState) {
        state.plan = PollPlan(state.rows, policy: state.pollPolicy, now: state.now)
        state.planAt = state.wall
    }

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

    // MARK: - Keys

    static func handle(_ key: Key, _ state: inout DashboardState) -> [Effect] {
        if state.prompt != nil {
            return PromptComponent.handle(key, &state)
        }
        // A prompt opened by this key starts clean: an error shown while it is open is about it.
        defer { if state.prompt != nil { state.flash = nil } }
        if state.overlay == .help {
            return HelpComponent.handle(key, &state)
        }
        guard let binding = KeyBindings.binding(for: key, atWatchlist: state.frame.view == .watchlist) else { return [] }
        return perform(binding.command, &state)
    }

    /// What a command does where it was given. Movement, drill-in, copy and export ask the open
    /// screen's component.
    static func perform(_ command: Command, _ state: inout DashboardState) -> [Effect] {
        var component = state.frame.view.component
        switch command {
        case .quit:
            return [.quit]
        case .help:
            state.overlay = .help
            state.helpTop = 0
        case .down:
            move(&state, by: 1)
        case .up:
            move(&state, by: -1)
        case .pageDown:
            move(&state, by: state.scroller.pageStep)
        case .pageUp:
            move(&state, by: -state.scroller.pageStep)
        case .halfPageDown:
            move(&state, by: state.scroller.halfPageStep)
        case .halfPageUp:
            move(&state, by: -state.scroller.halfPageStep)
        case .top:
            move(&state, by: -Int.max / 2)
            // On the top row, the cursor stays there as refreshes re-sort the rows.
            state.frame.moved = false
        case .bottom:
            move(&state, by: Int.max / 2)
        case .open:
            return component.open(state.frame.selected, &state)
        case .back:
            if state.stack.count > 1 {
                state.stack.removeLast()
            } else if !state.filter.isEmpty {
                state.filter = ""
                clampCursor(&state)
            }
        case .filter:
            state.prompt = Prompt(.filter, text: state.filter)
        case .nextMatch:
            return nextMatch(by: 1, &state)
        case .previousMatch:
            return nextMatch(by: -1, &state)
        case .sort:
            state.sort = state.sort.next
            state.flash = Flash(message: "sorted by \(state.sort.rawValue)", isError: false, at: state.wall)
        case .lookup:
            state.prompt = Prompt(.lookup)
        case .track:
            if let id = state.frame.view.orderID, let lookup = state.lookups[id] {
                return [.track([lookup.referenceID])]
            }
            state.prompt = Prompt(.track)
        case .remove:
            if let order = removableOrder(state), let id = order.id {
                state.prompt = Prompt(.remove(id, order.referenceID))
            } else {
                state.flash = Flash(message: "nothing to remove here: select an order on the watchlist", isError: true, at: state.wall)
            }
        case .export:
            guard !component.exportScope(state).isEmpty else {
                state.flash = Flash(message: "nothing to export: no tracked order on screen", isError: true, at: state.wall)
                break
            }
            state.prompt = Prompt(.export, text: defaultExportName(state))
        case .copy:
            guard let target = component.copyTarget(state, selected: state.frame.selected) else {
                state.flash = Flash(message: "nothing to copy here", isError: true, at: state.wall)
                break
            }
            state.flash = Flash(message: "copied \(target.what) \(target.text) to the clipboard (OSC 52)", isError: false, at: state.wall)
            return [.copy(target.text)]
        case .refresh:
            if let id = state.frame.view.orderID, let lookup = state.lookups[id] {
                state.lookups[id]?.inFlight = true
                return [.lookup(id, referenceID: lookup.referenceID)]
            }
            if state.pollersRun { return [.requestFetch(ordersOnScreen(state).compactMap(\.id))] }
            return startRefresh(&state, orders: ordersOnScreen(state))
        case .refreshAll:
            if state.pollersRun { return [.requestFetch(state.rows.compactMap(\.order.id))] }
            return startRefresh(&state, orders: state.rows.map(\.order))
        case .pause:
            state.paused.toggle()
            if !state.paused { state.nextRefresh = state.wall.addingTimeInterval(state.interval) }
        case .longerInterval:
            changeInterval(&state, up: true)
        case .shorterInterval:
            changeInterval(&state, up: false)
        case .theme:
            let names = Theme.shippedNames
            let next = names[((names.firstIndex(of: state.themeName) ?? -1) + 1) % names.count]
            return [.switchTheme(next)]
        }
        return []
    }

    /// `n`/`N`: the next (or previous) order of the watchlist as shown, that is, the next the filter
    /// matches, wrapping round. On the watchlist the cursor goes there; on an order's screens that
    /// order opens in place of the one open.
    static func nextMatch(by step: Int, _ state: inout DashboardState) -> [Effect] {
        let count = state.visibleCount
        guard count > 0 else {
            state.flash = Flash(message: state.filter.isEmpty ? "no orders on the watchlist" : "no order matches /\(state.filter)", isError: true, at: state.wall)
            return []
        }
        let current: Int?
        if case .watchlist = state.frame.view {
            current = state.frame.selected
        } else {
            current = state.stack[1].view.orderID.flatMap(state.visibleIndex(of:))
        }
        let next = current.map { (($0 + step) % count + count) % count } ?? (step > 0 ? 0 : count - 1)
        let what = state.filter.isEmpty ? "order \(next + 1) of \(count)" : "match \(next + 1) of \(count) for /\(state.filter)"
        state.flash = Flash(message: what, isError: false, at: state.wall)
        if case .watchlist = state.frame.view {
            select(next, &state)
            return []
        }
        state.stack.removeSubrange(1...)
        select(next, &state)
        var watchlist = state.frame.view.component
        return watchlist.open(next, &state)
    }

    /// The intervals `+` and `-` step through.
    /// The intervals `+` and `-` step through.
    static let intervalSteps: [TimeInterval] = [5, 10, 15, 30, 60, 120, 300, 600, 1_800, 3_600]

    static func changeInterval(_ state: inout DashboardState, up: Bool) {
        let steps = intervalSteps
        let next = up ? steps.first { $0 > state.interval } ?? steps.last! : steps.last { $0 < state.interval } ?? steps.first!
        state.interval = next
        state.nextRefresh = (state.lastRefresh ?? state.wall).addingTimeInterval(next)
        state.flash = Flash(message: "refresh every \(Format.interval(next))", isError: false, at: state.wall)
    }

    static func ordersOnScreen(_ state: DashboardState) -> [TrackedOrder] {
        if let id = state.frame.view.orderID {
            return state.rows.filter { $0.order.id == id }.map(\.order)
        }
        return state.rows.map(\.order)
    }

}


/// Numbers in the dashboard's words.
public enum Format {
    public static func interval(_ seconds: TimeInterval) -> String { DurationText.short(seconds) }

    /// 9812 as "9,812".
    public static func count(_ value: Int) -> String { groupedCount(value) }
}
