import Foundation
import RefundModel
import WatchlistModel

/// One screen of the dashboard, all in one file: what it lists, how the cursor moves over it,
/// what Enter opens, what `y` copies, what `e` exports, the commands that mean something on it
/// (`perform`), and how it draws into its area of the screen. A component is a small value naming what it shows (an order id, a transaction); its
/// cursor lives in the breadcrumb's `Frame`, the data in `DashboardState`.
protocol Component {
    /// Its segment of the breadcrumb.
    func crumb(_ c: RenderContext) -> String
    /// How the cursor keys act in `body`: over items drawn one a row in an area of it, or
    /// scrolling a page of lines. Drawing uses the same areas.
    func scroller(_ c: RenderContext, body: Rect) -> Scroller
    /// Enter (or a double click) on item `index`: pushes what it opens and returns the effects.
    mutating func open(_ index: Int, _ state: inout DashboardState) -> [Effect]
    /// What `y` copies with the cursor on item `index`.
    func copyTarget(_ state: DashboardState, selected index: Int) -> CopyTarget?
    /// The tracked orders `e` writes from here.
    func exportScope(_ state: DashboardState) -> [TrackedOrder]
    /// The item under a click at (x, y), if any.
    func item(atX x: Int, y: Int, _ c: RenderContext, body: Rect, frame: Frame) -> Int?
    /// Draws into `body` with the cursor of `frame`.
    func render(_ c: RenderContext, frame: Frame, in body: Rect, into screen: inout Screen)
    /// A command given on this screen: its effects when it means something here, or nil when it
    /// has no meaning of this screen's own (the dashboard's global commands then apply: quit,
    /// help, theme, back, the cursor keys, and the rest in `Dashboard.perform`).
    mutating func perform(_ command: Command, _ state: inout DashboardState) -> [Effect]?
}

extension Component {
    mutating func open(_ index: Int, _ state: inout DashboardState) -> [Effect] { [] }

    mutating func perform(_ command: Command, _ state: inout DashboardState) -> [Effect]? { nil }

    /// A list's row under the click.
    func item(atX x: Int, y: Int, _ c: RenderContext, body: Rect, frame: Frame) -> Int? {
        guard case .list(let count, let rows) = scroller(c, body: body), rows.contains(x: x, y: y) else { return nil }
        let index = frame.top + y - rows.y
        return index < count ? index : nil
    }

    /// The tracked order open on this screen: it is what `e` writes and `d` removes.
    func exportScope(_ state: DashboardState) -> [TrackedOrder] { [] }
}

/// What `y` copies: a name for the flash line and the text.
struct CopyTarget: Equatable {
    var what: String
    var text: String
}

/// How the cursor keys act on a screen.
enum Scroller: Equatable {
    /// `count` items drawn one a row in `rows`, from the frame's `top`: the cursor selects one.
    case list(count: Int, rows: Rect)
    /// `lines` lines shown `rows.height` at a time: the keys scroll.
    case page(lines: Int, rows: Rect)
    /// Nothing to move over.
    case none

    var rows: Rect {
        switch self {
        case .list(_, let rows), .page(_, let rows): rows
        case .none: .zero
        }
    }

    /// Rows a page key moves: the area less one, so that one row stays in view.
    var pageStep: Int { max(1, rows.height - 1) }
    var halfPageStep: Int { max(1, rows.height / 2) }
}

extension View {
    /// The component that shows this view. The only place that switches on a view.
    var component: any Component {
        switch self {
        case .watchlist: WatchlistComponent()
        case .order(let id) where id < 0: LookupComponent(orderID: id)
        case .order(let id): OrderComponent(orderID: id)
        case .transaction(let id, let t): TransactionComponent(orderID: id, transaction: t)
        case .refund(let id, let t, let r): RefundComponent(orderID: id, transaction: t, refund: r)
        case .alerts: AlertsComponent()
        case .overview: OverviewComponent()
        }
    }
}

extension DashboardState {
    /// The layout of the current size.
    var layout: ScreenLayout { ScreenLayout(size) }

    /// How the cursor keys act on the open screen.
    var scroller: Scroller { frame.view.component.scroller(RenderContext(state: self), body: layout.body) }
}

// MARK: - Moving the cursor

extension Dashboard {
    /// Moves the cursor (or scrolls a page) by `delta`; the user moved it.
    static func move(_ state: inout DashboardState, by delta: Int) {
        state.frame.moved = true
        switch state.scroller {
        case .page(let lines, let rows):
            let last = max(0, lines - rows.height)
            state.frame.top = min(last, max(0, state.frame.top + delta))
        case .list(let count, _):
            guard count > 0 else { return }
            state.frame.selected = min(count - 1, max(0, state.frame.selected + delta))
            clampCursor(&state)
        case .none:
            break
        }
    }

    /// Puts the cursor on item `index` (a click, a jump to a match), keeping it in view.
    static func select(_ index: Int, _ state: inout DashboardState) {
        state.frame.moved = true
        state.frame.selected = index
        clampCursor(&state)
    }

    /// Keeps the cursor on an item and in the area the list is drawn in, after the list, the
    /// terminal or the screen above it changed.
    static func clampCursor(_ state: inout DashboardState) {
        var frame = state.frame
        switch state.scroller {
        case .list(let count, let rows):
            let height = max(1, rows.height)
            frame.selected = count == 0 ? 0 : min(max(0, frame.selected), count - 1)
            if frame.selected < frame.top { frame.top = frame.selected }
            if frame.selected >= frame.top + height { frame.top = frame.selected - height + 1 }
            frame.top = max(0, min(frame.top, max(0, count - height)))
        case .page(let lines, let rows):
            frame.top = max(0, min(frame.top, lines - rows.height))
        case .none:
            frame.selected = 0
            frame.top = 0
        }
        state.frame = frame
    }
}
