import Foundation
import RefundModel
import WatchlistModel

/// Keys: a prompt or the help takes them while open; otherwise the key table names a command,
/// which the open screen's component performs when it means something there (`Component.perform`),
/// and the dashboard performs here when it is global: quit, help, theme, back, the cursor keys,
/// pause and the interval, `o` (look up), `a` (track), `e` (export), `y` (copy), `R` (everything).
extension Dashboard {
    static func handle(_ key: Key, _ state: inout DashboardState) -> [Effect] {
        if state.prompt != nil {
            return PromptComponent.handle(key, &state)
        }
        // A prompt opened by this key starts clean: an error shown while it is open is about it.
        defer { if state.prompt != nil { state.flash = nil } }
        if state.overlay == .help {
            return HelpComponent.handle(key, &state)
        }
        guard let binding = KeyBindings.binding(for: key, atWatchlist: state.frame.view == .watchlist, atAlerts: state.frame.view == .alerts,
                                                atOverview: state.frame.view == .overview) else { return [] }
        if binding.command == .view, case .character(let digit) = key, let number = digit.wholeNumberValue {
            if number == 0 { apply(view: nil, &state) } else { chooseView(number, &state) }
            return []
        }
        return perform(binding.command, &state)
    }

    static func perform(_ command: Command, _ state: inout DashboardState) -> [Effect] {
        var component = state.frame.view.component
        if let effects = component.perform(command, &state) { return effects }
        switch command {
        case .quit:
            return [.quit]
        case .alerts:
            // One alerts screen, above the watchlist: `!` from deep in an order goes there, and
            // back (Esc) returns to the watchlist.
            if state.frame.view != .alerts { state.stack = [state.stack[0], Frame(.alerts)] }
            return state.alertsLoaded ? [] : [.loadAlerts]
        case .overview:
            // One overview, above the watchlist, as the alerts screen is.
            if state.frame.view != .overview { state.stack = [state.stack[0], Frame(.overview)] }
            return OverviewComponent.load(&state)
        case .acknowledge, .snooze, .window:
            return []
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
            } else if state.activeView != nil {
                apply(view: nil, &state)
            } else if !state.filter.isEmpty {
                state.filter = ""
                clampCursor(&state)
            }
        case .lookup:
            state.prompt = Prompt(.lookup)
        case .track:
            if refusedReadOnly(&state) { break }
            state.prompt = Prompt(.track)
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
        case .refreshAll:
            return fetchNow(state.rows.map(\.order), &state)
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
        case .filter, .sort, .nextMatch, .previousMatch, .remove, .refresh, .view:
            // Each screen says what these mean on it; a screen without them ignores them.
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

    /// `n`/`N`: the next (or previous) order of the watchlist as shown, that is, the next the filter
    /// matches, wrapping round. On the watchlist the cursor goes there; on an order's screens that
    /// order opens in place of the one open.
    static func nextMatch(by step: Int, _ state: inout DashboardState) -> [Effect] {
        let count = state.visibleCount
        guard count > 0 else {
            state.flash = Flash(message: state.filter.isEmpty ? "no orders on the watchlist" : "no order matches /\(state.filter)", isError: true, at: state.wall)
            return []
        }
        // The list the order was opened from: the watchlist, or the one a bar of the overview narrowed.
        let list = state.stack.lastIndex { $0.view == .watchlist } ?? 0
        let current: Int?
        if case .watchlist = state.frame.view {
            current = state.frame.selected
        } else {
            current = state.stack[safe: list + 1]?.view.orderID.flatMap(state.visibleIndex(of:))
        }
        let next = current.map { (($0 + step) % count + count) % count } ?? (step > 0 ? 0 : count - 1)
        let what = state.filter.isEmpty ? "order \(next + 1) of \(count)" : "match \(next + 1) of \(count) for /\(state.filter)"
        state.flash = Flash(message: what, isError: false, at: state.wall)
        if case .watchlist = state.frame.view {
            select(next, &state)
            return []
        }
        state.stack.removeSubrange((list + 1)...)
        select(next, &state)
        var watchlist = state.frame.view.component
        return watchlist.open(next, &state)
    }

    /// `1`–`9`: the saved view of that number (`DashboardState.views`' order).
    static func chooseView(_ number: Int, _ state: inout DashboardState) {
        guard let view = state.views[safe: number - 1] else {
            // Short enough for 80 columns: the command to run must be readable whole.
            let keys = state.views.count == 1 ? "on 1" : "on 1–\(min(9, state.views.count))"
            let message = state.views.isEmpty
                ? "no saved views: [[views]] in config.toml, or: refundwatch views save NAME"
                : "no view \(number): the saved views are \(keys) (? lists them)"
            state.flash = Flash(message: message, isError: true, at: state.wall)
            return
        }
        apply(view: view, &state)
    }

    /// Puts a view in force (its filter, sort and columns), or with nil leaves it: every order,
    /// the default sort, the usual columns. The cursor goes to the top: it is another list.
    static func apply(view: SavedView?, _ state: inout DashboardState) {
        state.activeView = view
        state.filter = view?.filter ?? ""
        state.sort = SortMode(view?.sort ?? .attention)
        state.frame.selected = 0
        state.frame.top = 0
        state.frame.moved = false
        clampCursor(&state)
        guard let view else {
            state.flash = Flash(message: "no view: every order, sorted by \(state.sort.rawValue)", isError: false, at: state.wall)
            return
        }
        let shown = view.filter.isEmpty ? "every order" : "\(plural(state.visibleCount, "order")) (/\(view.filter))"
        state.flash = Flash(message: "view \(view.name): \(shown), sorted by \(state.sort.rawValue)", isError: false, at: state.wall)
    }

    /// `d`: asks whether to remove this tracked order and its history.
    static func askToRemove(_ order: TrackedOrder?, _ state: inout DashboardState) -> [Effect] {
        if refusedReadOnly(&state) { return [] }
        guard let order, let id = order.id else {
            state.flash = Flash(message: "nothing to remove here: select an order on the watchlist", isError: true, at: state.wall)
            return []
        }
        state.prompt = Prompt(.remove(id, order.referenceID))
        return []
    }
}
