import Foundation
import RefundKit
import RefundStore

/// The dashboard's only way to change: a pure function of the state and one action, returning the
/// effects to run. No clock reads, no I/O: the clock arrives as `.tick`.
public enum Dashboard {
    public static let minimumInterval: TimeInterval = 5
    /// How long a flash line stays.
    public static let flashSeconds: TimeInterval = 8
    public static let maximumInterval: TimeInterval = 3_600

    public static func update(_ state: inout DashboardState, _ action: Action) -> [Effect] {
        // The cursor follows its order when the rows move under it (a refresh re-sorts them, `s`
        // changes the sort); keys that move the cursor move it, and so does adding orders.
        let movesRows: Bool
        switch action {
        case .watchlistLoaded, .fetched, .key(.character("s")): movesRows = state.prompt == nil
        default: movesRows = false
        }
        let selectedID = movesRows ? selectedOrderID(state) : nil
        defer { follow(selectedID, &state) }
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
            // Nothing is scheduled before the watchlist is there: its load says how fresh it is.
            if state.loaded, !state.paused, !state.isRefreshing, let next = state.nextRefresh, wall >= next {
                return startRefresh(&state, orders: state.rows.map(\.order))
            }
            return []
        case .resize(let size):
            state.size = size
            clampCursor(&state)
            return []
        case .watchlistLoaded(let rows):
            state.setRows(rows)
            if !state.loaded, state.lastRefresh == nil, let newest = rows.compactMap(\.fetchedAt).max(), state.now.timeIntervalSince(newest) < state.interval {
                // Fetched moments ago (by `track refresh`, or a dashboard just closed): the first
                // refresh waits out the interval instead of fetching everything again at start.
                state.lastRefresh = state.wall.addingTimeInterval(-max(0, state.now.timeIntervalSince(newest)))
                state.nextRefresh = state.lastRefresh!.addingTimeInterval(state.interval)
            }
            state.loaded = true
            // An order removed (here or by `track remove` elsewhere) cannot stay open.
            if let gone = state.stack.firstIndex(where: { ($0.view.orderID ?? -1) > 0 && state.row(id: $0.view.orderID!) == nil }) {
                state.stack.removeSubrange(gone...)
            }
            clampCursor(&state)
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
            }
            clampCursor(&state)
            return effects
        case .failed(let message):
            state.flash = Flash(message: message, isError: true, at: state.wall)
            return []
        case .notice(let message):
            state.flash = Flash(message: message, isError: false, at: state.wall)
            return []
        case .themeChanged(let name):
            state.themeName = name
            state.flash = Flash(message: "theme: \(name)", isError: false, at: state.wall)
            return []
        case .lookedUp(let id, let report, let error):
            guard state.lookups[id] != nil else { return [] }
            state.lookups[id]?.inFlight = false
            state.lookups[id]?.error = error
            if let report { state.details[id] = Detail(report: report, history: []) }
            return []
        case .tracked(let added, let alreadyTracked):
            return tracked(added, alreadyTracked: alreadyTracked, &state)
        case .untracked(let referenceID):
            state.flash = Flash(message: "removed \(referenceID) from the watchlist", isError: false, at: state.wall)
            return []
        case .key(let key):
            return handle(key, &state)
        }
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
            return editPrompt(key, &state)
        }
        // A prompt opened by this key starts clean: an error shown while it is open is about it.
        defer { if state.prompt != nil { state.flash = nil } }
        if state.overlay == .help {
            if key == .character("q") { return [.quit] }
            state.overlay = nil
            return []
        }
        switch key {
        case .character("q"):
            return [.quit]
        case .character("?"):
            state.overlay = .help
        case .down, .character("j"):
            move(&state, by: 1)
        case .up, .character("k"):
            move(&state, by: -1)
        case .pageDown, .character(" "):
            move(&state, by: max(1, listHeight(state) - 1))
        case .pageUp:
            move(&state, by: -max(1, listHeight(state) - 1))
        case .home, .character("g"):
            move(&state, by: -Int.max / 2)
        case .end, .character("G"):
            move(&state, by: Int.max / 2)
        case .enter, .right, .character("l"):
            return drillIn(&state)
        case .escape where state.stack.count == 1 && !state.filter.isEmpty:
            state.filter = ""
            clampCursor(&state)
        case .escape, .left, .backspace, .character("h"):
            if state.stack.count > 1 { state.stack.removeLast() }
        case .character("/"):
            if case .watchlist = state.frame.view { state.prompt = Prompt(.filter, text: state.filter) }
        case .character("o"), .character(":"):
            state.prompt = Prompt(.lookup)
        case .character("a"):
            if let id = state.frame.view.orderID, let lookup = state.lookups[id] {
                return [.track([lookup.referenceID])]
            }
            state.prompt = Prompt(.track)
        case .character("d"):
            if let order = selectedTrackedOrder(state), let id = order.id {
                state.prompt = Prompt(.remove(id, order.referenceID))
            } else {
                state.flash = Flash(message: "nothing to remove here: select an order on the watchlist", isError: true, at: state.wall)
            }
        case .character("e"):
            guard !exportableOrders(state).isEmpty else {
                state.flash = Flash(message: "nothing to export: no tracked order on screen", isError: true, at: state.wall)
                break
            }
            state.prompt = Prompt(.export, text: defaultExportName(state))
        case .character("y"):
            guard let (what, text) = copyable(state) else {
                state.flash = Flash(message: "nothing to copy here", isError: true, at: state.wall)
                break
            }
            state.flash = Flash(message: "copied \(what) \(text) to the clipboard (OSC 52)", isError: false, at: state.wall)
            return [.copy(text)]
        case .character("r"):
            if let id = state.frame.view.orderID, let lookup = state.lookups[id] {
                state.lookups[id]?.inFlight = true
                return [.lookup(id, referenceID: lookup.referenceID)]
            }
            return startRefresh(&state, orders: ordersOnScreen(state))
        case .character("R"):
            return startRefresh(&state, orders: state.rows.map(\.order))
        case .character("p"):
            state.paused.toggle()
            if !state.paused { state.nextRefresh = state.wall.addingTimeInterval(state.interval) }
        case .character("+"), .character("="):
            changeInterval(&state, up: true)
        case .character("-"):
            changeInterval(&state, up: false)
        case .character("t"):
            let names = Theme.shippedNames
            let next = names[((names.firstIndex(of: state.themeName) ?? -1) + 1) % names.count]
            return [.switchTheme(next)]
        case .character("s"):
            if case .watchlist = state.frame.view {
                state.sort = state.sort.next
                state.flash = Flash(message: "sorted by \(state.sort.rawValue)", isError: false, at: state.wall)
            }
        default:
            break
        }
        return []
    }

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

    static func drillIn(_ state: inout DashboardState) -> [Effect] {
        let selected = state.frame.selected
        switch state.frame.view {
        case .watchlist:
            guard let id = state.visibleRow(selected)?.order.id else { return [] }
            state.seen[id] = state.now
            state.stack.append(Frame(.order(id)))
            return [.loadDetail(id)]
        case .order(let id):
            guard let report = state.details[id]?.report, report.transactions.indices.contains(selected) else { return [] }
            state.stack.append(Frame(.transaction(id, transaction: selected)))
        case .transaction(let id, let transaction):
            guard let report = state.details[id]?.report, report.transactions.indices.contains(transaction),
                  report.transactions[transaction].refunds.indices.contains(selected) else { return [] }
            state.stack.append(Frame(.refund(id, transaction: transaction, refund: selected)))
        case .refund:
            break
        }
        return []
    }

    /// How many items the current list has (rows, transactions, refunds).
    static func itemCount(_ state: DashboardState) -> Int {
        switch state.frame.view {
        case .watchlist: return state.visibleCount
        case .order(let id): return state.details[id]?.report?.transactions.count ?? 0
        case .transaction(let id, let t):
            guard let report = state.details[id]?.report, report.transactions.indices.contains(t) else { return 0 }
            return report.transactions[t].refunds.count
        case .refund: return 0
        }
    }

    static func listHeight(_ state: DashboardState) -> Int {
        max(1, state.size.height - Layout.chromeHeight)
    }

    static func move(_ state: inout DashboardState, by delta: Int) {
        if case .refund = state.frame.view {
            // The refund screen is one long page: the keys scroll it.
            let last = max(0, RefundView.lineCount(state) - RefundView.height(state.size))
            state.frame.top = min(last, max(0, state.frame.top + delta))
            return
        }
        let count = itemCount(state)
        guard count > 0 else { return }
        state.frame.selected = min(count - 1, max(0, state.frame.selected + delta))
        clampCursor(&state)
    }

    /// Keeps the cursor on an item and in view after the list or the terminal changed.
    static func clampCursor(_ state: inout DashboardState) {
        let count = itemCount(state)
        var frame = state.frame
        frame.selected = count == 0 ? 0 : min(max(0, frame.selected), count - 1)
        let height = listHeight(state)
        if frame.selected < frame.top { frame.top = frame.selected }
        if frame.selected >= frame.top + height { frame.top = frame.selected - height + 1 }
        frame.top = max(0, min(frame.top, max(0, count - height)))
        state.frame = frame
    }
}

/// Numbers in the dashboard's words.
public enum Format {
    public static func interval(_ seconds: TimeInterval) -> String {
        let s = Int(seconds)
        if s < 60 { return "\(s)s" }
        if s < 3_600 { return s % 60 == 0 ? "\(s / 60)m" : "\(s / 60)m \(s % 60)s" }
        return "\(s / 3_600)h"
    }
}
