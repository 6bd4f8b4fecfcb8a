import Foundation
import RefundModel
import WatchlistModel

/// The home screen: one row per tracked order, what needs attention first. Enter opens the
/// order, `y` copies its reference id, `e` writes the list as shown (filtered).
struct WatchlistComponent: Component {
    /// Always: reference, amount, refunds, state and age (at 60 columns the state narrows to fit).
    /// From about 75 columns the nearest deadline (red when late); wider terminals add the
    /// payment status, the label, ARN, transactions and the refunded total, in that order.
    static let table = Table(columns: [
        .init(title: "REFERENCE", width: 18),
        .init(title: "LABEL", width: 18, priority: 3),
        .init(title: "PAYMENT", width: 9, priority: 2),
        .init(title: "AMOUNT", width: 13, rightAligned: true),
        .init(title: "TXN", width: 3, rightAligned: true, priority: 5),
        .init(title: "RFD", width: 3, rightAligned: true),
        .init(title: "REFUNDED", width: 13, rightAligned: true, priority: 6),
        .init(title: "STATE", width: 14, flexible: true, minimumWidth: 9),
        .init(title: "ARN", width: 9, priority: 4),
        .init(title: "DEADLINE", width: 14, priority: 1),
        .init(title: "UPDATED", width: 10),
    ])

    /// With several accounts configured: the account after the reference, given up after the
    /// deadline and before the others when the width runs short.
    static let tableWithAccounts: Table = {
        var columns = table.columns.map { column -> Table.Column in
            var column = column
            if column.priority >= 2 { column.priority += 1 }
            return column
        }
        columns.insert(.init(title: "ACCOUNT", width: 9, priority: 2), at: 1)
        return Table(columns: columns)
    }()

    /// A saved view's columns, in its order, each with its usual width and priority (so a narrow
    /// terminal still leaves out the least important first).
    static func table(_ state: DashboardState) -> Table {
        if let columns = state.activeView?.columns {
            return Table(columns: columns.map { tableWithAccounts.columns[position(of: $0)] })
        }
        return state.showsAccounts ? tableWithAccounts : table
    }

    /// Where a column is in `tableWithAccounts` (and in a row with the account's cell).
    static func position(of column: ViewColumn) -> Int { positions[column]! }

    /// Every `ViewColumn` is a column's title (a test checks it): looked up once, not per cell.
    static let positions: [ViewColumn: Int] = Dictionary(uniqueKeysWithValues: ViewColumn.allCases.compactMap { column in
        tableWithAccounts.columns.firstIndex { $0.title.lowercased() == column.rawValue }.map { (column, $0) }
    })

    /// Above the overview, the watchlist narrowed to one of its bars says which.
    func crumb(_ c: RenderContext) -> String {
        guard let drill = c.state.drill else { return "Watchlist" }
        let filter = c.state.filter.isEmpty || c.state.editingFilter ? "" : " /\(c.state.filter)"
        return "\(drill.selection.title)\(filter) · \(plural(c.state.visibleCount, "order"))"
    }

    /// The column header takes the body's first row; the rows follow, one an order.
    func scroller(_ c: RenderContext, body: Rect) -> Scroller {
        .list(count: c.state.visibleCount, rows: body.splitTop(1).rest)
    }

    mutating func open(_ index: Int, _ state: inout DashboardState) -> [Effect] {
        guard let id = state.visibleRow(index)?.order.id else { return [] }
        state.seen[id] = state.now
        state.stack.append(Frame(.order(id)))
        return [.loadDetail(id)]
    }

    func copyTarget(_ state: DashboardState, selected index: Int) -> CopyTarget? {
        state.visibleRow(index).map { CopyTarget(what: "reference id", text: $0.order.referenceID) }
    }

    /// `/` filters, `s` sorts, `n`/`N` go to the next match, `d` asks to remove the selected
    /// order, `r` fetches the orders the filter shows.
    mutating func perform(_ command: Command, _ state: inout DashboardState) -> [Effect]? {
        switch command {
        case .filter:
            state.prompt = Prompt(.filter, text: state.filter)
            return []
        case .sort:
            state.sort = state.sort.next
            state.flash = Flash(message: "sorted by \(state.sort.rawValue)", isError: false, at: state.wall)
            return []
        case .nextMatch:
            return Dashboard.nextMatch(by: 1, &state)
        case .previousMatch:
            return Dashboard.nextMatch(by: -1, &state)
        case .remove:
            return Dashboard.askToRemove(state.visibleRow(state.frame.selected)?.order, &state)
        case .refresh:
            // What is on screen: the rows the filter shows, but not archived ones (settled long
            // ago, no longer polled): `R` fetches everything, `r` on an archived order's screen
            // fetches that one.
            let policy = state.pollPolicy
            let orders = state.index.shownRows.filter { $0.due(policy, now: state.now) != .archived }.map(\.order)
            if orders.isEmpty, !state.index.shownRows.isEmpty, !state.readOnly {
                state.flash = Flash(message: "the orders shown are archived (settled long ago): R fetches everything, r on an order's screen fetches it",
                                    isError: true, at: state.wall)
                return []
            }
            return Dashboard.fetchNow(orders, &state)
        default:
            return nil
        }
    }

    func exportScope(_ state: DashboardState) -> [TrackedOrder] {
        state.index.shownRows.map(\.order)
    }

    func render(_ c: RenderContext, frame: Frame, in body: Rect, into screen: inout Screen) {
        let state = c.state
        guard !state.rows.isEmpty else {
            let message = state.loaded
                ? "The watchlist is empty. Add orders with: refundwatch track add REF... (or - for a list on stdin)"
                : "Loading the watchlist…"
            screen.put(DisplayWidth.clip(message, to: body.width - 2), x: body.x + 2, y: body.y + 2, style: Style(.muted))
            return
        }
        if state.visibleCount == 0 {
            screen.put(DisplayWidth.clip("No order matches \"\(state.filter)\". Esc clears the filter.", to: body.width - 2), x: body.x + 2, y: body.y + 2, style: Style(.muted))
        }
        // Only the rows on screen are formatted: 10,000 orders cost what 46 do.
        let rows = scroller(c, body: body).rows
        let window = state.index.shown(from: frame.top, count: rows.height).map { row($0, c) }
        Self.table(state).render(rows: window, selected: frame.selected - frame.top, scroll: 0, headerY: body.y, area: rows, into: &screen)
    }

    /// The row in `table(state)`'s columns: the account's cell goes in second when it has one,
    /// and a saved view's columns are picked from that.
    func row(_ watched: WatchedOrder, _ c: RenderContext) -> Table.Row {
        var row = plainRow(watched, c)
        let columns = c.state.activeView?.columns
        if c.state.showsAccounts || columns != nil {
            // "?": not known yet, found at the order's next fetch.
            let archived = watched.due(c.state.pollPolicy, now: c.now) == .archived
            let account = watched.order.account.map { ($0, Style(.muted)) } ?? ("?", Style(archived ? .muted : .pending))
            row.cells.insert(account, at: 1)
        }
        if let columns {
            let cells = row.cells
            row.cells = columns.map { cells[Self.position(of: $0)] }
        }
        return row
    }

    private func plainRow(_ watched: WatchedOrder, _ c: RenderContext) -> Table.Row {
        let fixed = c.state.rowTexts.texts(for: watched, make: Self.fixedTexts)
        let summary = watched.summary
        let overdue = summary?.overdueCount(at: c.now) ?? 0
        let unseen = c.state.isUnseenChange(watched)
        var updated = watched.fetchedAt.map { Age.text(since: $0, now: c.now) } ?? "never"
        if watched.failure != nil { updated = "⚠ " + updated }
        var cells = fixed.cells
        // Settled long ago and no longer polled: dimmed, and said so where the age would be.
        if watched.due(c.state.pollPolicy, now: c.now) == .archived {
            for index in cells.indices { cells[index].1 = Style(.muted) }
            cells[10] = ("archived", Style(.muted))
            return Table.Row(cells: cells, marker: (" ", Style(.muted)))
        }
        cells[0].1 = Style(.text, bold: unseen)
        if let summary, summary.arnMissing > 0 { cells[8].1 = Style(overdue > 0 ? .overdue : .pending) }
        if let deadline = summary?.nearestDeadline {
            let late = deadline.isLate(at: c.now)
            cells[9] = (deadline.compact(at: c.now), late ? Style(.overdue, bold: true) : Style(.muted))
        }
        cells[10] = (updated, Style(watched.failure != nil ? .error : .muted))
        let marker: (String, Style)
        if watched.failure != nil {
            marker = ("!", Style(.error, bold: true))
        } else if overdue > 0 {
            marker = ("▲", Style(.overdue, bold: true))
        } else if unseen {
            marker = ("●", Style(.changed, bold: true))
        } else {
            marker = (" ", .text)
        }
        return Table.Row(cells: cells, marker: marker)
    }

    /// The cells that change only when the order does; the clock's (overdue, age) and the
    /// operator's (unseen change) are filled in each frame by `row`.
    static func fixedTexts(_ watched: WatchedOrder) -> [(String, Style)] {
        let summary = watched.summary
        let payment = summary?.paymentStatus ?? "—"
        let stage = summary?.stageSummary ?? (watched.failure == nil ? "not fetched yet" : "never fetched")
        let stageRole: Role = summary == nil ? .muted : (summary!.failedRefunds > 0 ? .bad : summary!.pendingRefunds > 0 ? .pending : .good)
        let arn: (String, Style)
        if let summary, summary.arnMissing > 0 {
            arn = ("\(summary.arnMissing) missing", Style(.pending))
        } else if let summary, summary.arnPresent > 0 {
            arn = ("✓", Style(.good))
        } else {
            arn = ("—", Style(.muted))
        }
        return [
            (watched.order.referenceID, .text),
            (watched.order.label ?? "", Style(.muted)),
            (payment, Style(StatusStyle.role(for: payment))),
            (summary?.amount?.formatted ?? "—", .text),
            (summary.map { "\($0.transactionCount)" } ?? "—", .text),
            (summary.map { "\($0.refundCount)" } ?? "—", .text),
            (summary?.refundTotal?.formatted ?? (summary?.refundCount == 0 ? "" : "—"), .text),
            (stage, Style(stageRole)),
            arn,
            ("", .text),
            ("", .text),
        ]
    }
}

/// The watchlist's fixed cell texts (amounts, counts, stage) by order, kept between frames:
/// formatting two amounts and the stage for each of 46 rows was about a fifth of a 200x50
/// frame. An entry is used only while its order's row is equal to the one it was made from, so
/// what is drawn is what `fixedTexts` would give; it is a cache, never a second source of truth.
/// Shared by copies of a state (a class), and locked, since tests render states on many threads.
final class RowTextCache: @unchecked Sendable {
    private struct Entry {
        let source: WatchedOrder
        let cells: [(String, Style)]
    }

    private let lock = NSLock()
    private var entries: [Int64: Entry] = [:]
    /// More entries than a few screens' worth are dropped all at once: a long scroll through
    /// 10,000 orders does not keep 10,000 rows of text.
    private let limit = 1_000

    func texts(for watched: WatchedOrder, make: (WatchedOrder) -> [(String, Style)]) -> (cells: [(String, Style)], cached: Bool) {
        guard let id = watched.order.id else { return (make(watched), false) }
        if let entry = lock.withLock({ entries[id] }), entry.source == watched { return (entry.cells, true) }
        let cells = make(watched)
        lock.withLock {
            if entries.count >= limit { entries.removeAll(keepingCapacity: true) }
            entries[id] = Entry(source: watched, cells: cells)
        }
        return (cells, false)
    }
}
