import Foundation
import RefundModel
import WatchlistModel

/// The overview (`v`): the whole desk in panels of charts over a window (`w`: 24 hours, 7 days,
/// 30 days). Every bar, count and cell that stands for orders is an item the cursor moves over
/// (`j`/`k`, PgDn/PgUp a panel at a time, a click): an age's label (all its open refunds) and each
/// stage's segment of its bar, each histogram bucket, each day, each count. `Enter` opens the
/// watchlist narrowed to exactly those orders, and `Esc` comes back here.
struct OverviewComponent: Component {
    /// "Overview 7d", and the accounts it counts when the watchlist's filter names some.
    func crumb(_ c: RenderContext) -> String {
        let accounts = c.state.index.filterAccounts
        return "Overview \(c.state.overviewWindow.rawValue)" + (accounts.isEmpty ? "" : " · account \(accounts.joined(separator: ", "))")
    }

    /// The items, one after another in reading order; drawing puts them where `picture` says.
    func scroller(_ c: RenderContext, body: Rect) -> Scroller {
        let count = OverviewPicture(c, body: body).items.count
        return .list(count: count, rows: Rect(x: body.x, y: body.y, width: body.width, height: max(1, count)))
    }

    func item(atX x: Int, y: Int, _ c: RenderContext, body: Rect, frame: Frame) -> Int? {
        OverviewPicture(c, body: body).items.firstIndex { $0.rect.contains(x: x, y: y) }
    }

    mutating func open(_ index: Int, _ state: inout DashboardState) -> [Effect] {
        let c = RenderContext(state: state)
        guard let item = OverviewPicture(c, body: state.layout.body).items[safe: index] else { return [] }
        return [.loadOverviewOrders(item.selection, Self.period(state))]
    }

    func copyTarget(_ state: DashboardState, selected index: Int) -> CopyTarget? { nil }

    mutating func perform(_ command: Command, _ state: inout DashboardState) -> [Effect]? {
        switch command {
        case .window:
            state.overviewWindow = state.overviewWindow.next
            state.flash = Flash(message: "the overview looks back over \(state.overviewWindow.rawValue)", isError: false, at: state.wall)
            return Self.load(&state)
        case .refresh, .refreshAll:
            return Self.load(&state)
        case .pageDown, .pageUp:
            // A panel at a time: the first item of the next (or previous) panel.
            let items = OverviewPicture(RenderContext(state: state), body: state.layout.body).items
            guard let current = items[safe: state.frame.selected] else { return [] }
            let target: Int? = command == .pageDown
                ? items.indices.first { $0 > state.frame.selected && items[$0].panel != current.panel }
                : items.indices.last { $0 < state.frame.selected && items[$0].panel != current.panel }
                    .map { last in items.indices.first { items[$0].panel == items[last].panel } ?? last }
            if let target { Dashboard.select(target, &state) }
            return []
        default:
            return nil
        }
    }

    func render(_ c: RenderContext, frame: Frame, in body: Rect, into screen: inout Screen) {
        var picture = OverviewPicture(c, body: body, selected: frame.selected)
        picture.draw(into: &screen)
    }

    /// What the overview counts over now: the chosen window up to the data's clock, the orders of
    /// the accounts the watchlist's filter names (`account:NAME`), else every order.
    static func period(_ state: DashboardState) -> OverviewPeriod {
        OverviewPeriod.last(state.overviewWindow, until: state.now, accounts: state.index.filterAccounts)
    }

    /// Reads the overview for the chosen window.
    static func load(_ state: inout DashboardState) -> [Effect] {
        state.overviewStale = false
        state.overviewLoading = true
        return [.loadOverview(period(state), state.overviewWindow)]
    }

    /// A bar's orders arrived: the watchlist opens on them, above the overview.
    static func opened(_ selection: OverviewSelection, _ ids: [Int64], _ state: inout DashboardState) -> [Effect] {
        guard state.frame.view == .overview else { return [] }
        let known = ids.filter { state.row(id: $0) != nil }
        guard !known.isEmpty else {
            state.flash = Flash(message: "no orders there: \(selection.title)", isError: false, at: state.wall)
            return []
        }
        state.drill = Drill(selection: selection, orderIDs: known)
        state.stack.append(Frame(.watchlist))
        Dashboard.clampCursor(&state)
        state.flash = Flash(message: "\(plural(known.count, "order")): \(selection.title) · Esc returns to the overview", isError: false, at: state.wall)
        return []
    }
}

/// The overview's panels, in the order they are kept: when the terminal is too small for all of
/// them, the last is dropped first (by method, by gateway, time to completion, per day, time to
/// ARN, fetch health, alerts, deadlines); open refunds always stay.
enum OverviewPanel: Int, CaseIterable, Comparable {
    case open, deadlines, alerts, health, toARN, timeline, toCompletion, gateways, methods

    var name: String {
        switch self {
        case .open: "open refunds"
        case .deadlines: "deadlines"
        case .alerts: "alerts"
        case .health: "fetch health"
        case .toARN: "time to ARN"
        case .timeline: "per day"
        case .toCompletion: "time to completion"
        case .gateways: "by gateway"
        case .methods: "by method"
        }
    }

    static func < (a: OverviewPanel, b: OverviewPanel) -> Bool { a.rawValue < b.rawValue }
}

/// One thing on the overview that stands for orders, and where it is drawn.
struct OverviewItem {
    var selection: OverviewSelection
    var rect: Rect
    var panel: OverviewPanel
}

/// The overview laid out in a body: which panels fit where, the items, and the drawing. Layout,
/// cursor movement and mouse hit-testing all use this one value, so a click lands on what is drawn.
struct OverviewPicture {
    let c: RenderContext
    let body: Rect
    let selected: Int?
    private(set) var items: [OverviewItem] = []
    private(set) var placed: [(panel: OverviewPanel, rect: Rect)] = []
    private(set) var hidden: [OverviewPanel] = []
    /// The screen being drawn into; nil while only the items are worked out.
    fileprivate(set) var screen: Screen?

    init(_ c: RenderContext, body: Rect, selected: Int? = nil) {
        self.c = c
        self.body = body
        self.selected = selected
        guard let overview = c.state.overview else { return }
        (placed, hidden) = Self.place(overview, in: body.splitTop(1).rest)
        // The items, worked out by drawing nowhere.
        drawPanels(overview)
    }

    var overview: Overview? { c.state.overview }
    var glyphs: ChartGlyphs { c.state.glyphs }

    // MARK: - Layout

    static let gap = 1

    static func height(_ panel: OverviewPanel, _ overview: Overview) -> Int {
        switch panel {
        case .open: 7
        case .toARN, .toCompletion: 6
        case .timeline: 5
        case .deadlines: 2 + DeadlineStage.allCases.count
        case .alerts: 1 + alertRows(overview).count
        case .gateways: 2 + max(1, min(maxGroupRows, overview.gateways.count))
        case .methods: 2 + max(1, min(maxGroupRows, overview.methods.count))
        case .health: 3
        }
    }

    static let maxGroupRows = 6

    /// The alerts panel's rows: a rule each, but silent push sources only while one is (most
    /// desks run no `listen`, and an 80x24 overview keeps its fetch health for the line).
    static func alertRows(_ overview: Overview) -> [AlertTally] {
        overview.alerts.filter { $0.rule != .pushSilent || $0.unresolved > 0 }
    }

    /// Panels side by side in a row of a column, and columns side by side: two columns from 100
    /// wide, else one, with deadlines beside alerts (and gateways beside methods) from 72.
    static func place(_ overview: Overview, in area: Rect) -> (placed: [(panel: OverviewPanel, rect: Rect)], hidden: [OverviewPanel]) {
        typealias Column = (x: Int, width: Int, rows: [[OverviewPanel]])
        var columns: [Column]
        if area.width >= 100 {
            let left = (area.width - 2) / 2
            columns = [(area.x, left, [[.open], [.toARN], [.toCompletion], [.timeline]]),
                       (area.x + left + 2, area.width - left - 2, [[.deadlines], [.alerts], [.gateways], [.methods], [.health]])]
        } else if area.width >= 72 {
            columns = [(area.x, area.width, [[.open], [.deadlines, .alerts], [.health], [.toARN], [.timeline], [.toCompletion], [.gateways, .methods]])]
        } else {
            columns = [(area.x, area.width, OverviewPanel.allCases.map { [$0] })]
        }
        var kept = Set(OverviewPanel.allCases)
        func height(_ column: Column) -> Int {
            let rows = column.rows.map { $0.filter(kept.contains) }.filter { !$0.isEmpty }
            return rows.map { row in row.map { Self.height($0, overview) }.max() ?? 0 }.reduce(0, +) + max(0, rows.count - 1) * gap
        }
        // One line says what was left out.
        while kept.count > 1, columns.contains(where: { height($0) + (kept.count < OverviewPanel.allCases.count ? 1 : 0) > area.height }) {
            kept.remove(kept.max()!)
        }
        var placed: [(panel: OverviewPanel, rect: Rect)] = []
        for column in columns {
            var y = area.y
            for row in column.rows {
                let shown = row.filter(kept.contains)
                guard !shown.isEmpty else { continue }
                let rowHeight = shown.map { Self.height($0, overview) }.max() ?? 0
                let width = (column.width - (shown.count - 1) * 2) / shown.count
                for (index, panel) in shown.enumerated() {
                    let x = column.x + index * (width + 2)
                    let w = index == shown.count - 1 ? column.x + column.width - x : width
                    placed.append((panel, Rect(x: x, y: y, width: w, height: min(Self.height(panel, overview), area.maxY - y))))
                }
                y += rowHeight + gap
            }
        }
        placed.sort { $0.panel < $1.panel }
        // Reading order for the cursor: top to bottom, then left to right.
        placed.sort { ($0.rect.y, $0.rect.x) < ($1.rect.y, $1.rect.x) }
        return (placed, OverviewPanel.allCases.filter { !kept.contains($0) })
    }

    // MARK: - Drawing

    mutating func draw(into target: inout Screen) {
        let c = self.c
        screen = target
        items = []
        defer {
            target = screen!
            screen = nil
        }
        let window = c.state.overviewWindow
        guard let overview else {
            put("Reading the overview…", x: body.x + 2, y: body.y + 1, style: Style(.muted))
            return
        }
        let period = overview.period
        let head = "Last \(window.rawValue): \(OverviewSelection.format(period.since)) – \(OverviewSelection.format(period.until)) IST"
        let keys = "  w window · Enter a bar's orders · PgDn next panel"
        put(head, x: body.x + 1, y: body.y, style: Style(.header), limit: body.width - 1)
        put(keys, x: body.x + 1 + DisplayWidth.of(head), y: body.y, style: Style(.muted), limit: max(0, body.width - 1 - DisplayWidth.of(head)))
        drawPanels(overview)
        if !hidden.isEmpty {
            // What a larger terminal would add, in the order they come back.
            let names = hidden.map(\.name).joined(separator: ", ")
            let note = placed.count == 1
                ? "Only \(placed[0].panel.name) fit here; a larger terminal adds \(names)"
                : "\(plural(hidden.count, "panel")) \(hidden.count == 1 ? "needs" : "need") a larger terminal: \(names)"
            put(DisplayWidth.clip(note, to: body.width - 2), x: body.x + 1, y: body.maxY - 1, style: Style(.muted))
        }
    }

    private mutating func drawPanels(_ overview: Overview) {
        for (panel, rect) in placed {
            switch panel {
            case .open: drawOpen(overview, rect)
            case .toARN: drawHistogram(overview.toARN, before: overview.toARNBefore, title: "Time to ARN", role: .series2, rect, panel: .toARN,
                                       selection: OverviewSelection.toARN)
            case .toCompletion: drawHistogram(overview.toCompletion, before: overview.toCompletionBefore, title: "Time to completion", role: .series5, rect,
                                              panel: .toCompletion, selection: OverviewSelection.toCompletion)
            case .timeline: drawTimeline(overview, rect)
            case .deadlines: drawDeadlines(overview, rect)
            case .alerts: drawAlerts(overview, rect)
            case .gateways: drawGroups(overview.gateways, title: "By gateway", rect, panel: .gateways, selection: OverviewSelection.gateway)
            case .methods: drawGroups(overview.methods, title: "By payment method", rect, panel: .methods, selection: OverviewSelection.method)
            case .health: drawHealth(overview, rect)
            }
        }
    }

    /// Writes text when drawing (nothing while only the items are worked out).
    mutating func put(_ text: String, x: Int, y: Int, style: Style = .text, limit: Int? = nil) {
        guard screen != nil, limit.map({ $0 > 0 }) ?? true else { return }
        screen!.put(text, x: x, y: y, style: style, limit: limit)
    }

    mutating func cell(_ text: String, x: Int, y: Int, style: Style = .text, width: Int, rightAligned: Bool = false) {
        guard screen != nil, width > 0 else { return }
        screen!.put(text, x: x, y: y, style: style, width: width, rightAligned: rightAligned)
    }

    /// Adds an item; its text drawn in `style`, or as selected when the cursor is on it.
    mutating func item(_ selection: OverviewSelection, _ panel: OverviewPanel, _ text: String, x: Int, y: Int, width: Int,
                               style: Style = .text, rightAligned: Bool = false) {
        let index = items.count
        items.append(OverviewItem(selection: selection, rect: Rect(x: x, y: y, width: width, height: 1), panel: panel))
        cell(text, x: x, y: y, style: index == selected ? Style(.selection, bold: true, reverse: true) : style, width: width, rightAligned: rightAligned)
    }

    mutating func title(_ text: String, _ detail: String, _ rect: Rect) {
        put(text, x: rect.x, y: rect.y, style: Style(.title), limit: rect.width)
        let used = DisplayWidth.of(text)
        if !detail.isEmpty { put("  " + detail, x: rect.x + used, y: rect.y, style: Style(.muted), limit: rect.width - used) }
    }
}
