import Foundation
import RefundKit
import RefundStore

/// The home screen: one row per tracked order, what needs attention first. Enter opens the
/// order, `y` copies its reference id, `e` writes the list as shown (filtered).
struct WatchlistComponent: Component {
    /// At 80 columns: reference, payment, amount, refunds, state and age; wider terminals add the
    /// label, ARN, overdue count, transactions and the refunded total, in that order.
    static let table = Table(columns: [
        .init(title: "REFERENCE", width: 18),
        .init(title: "LABEL", width: 18, priority: 1),
        .init(title: "PAYMENT", width: 9),
        .init(title: "AMOUNT", width: 13, rightAligned: true),
        .init(title: "TXN", width: 3, rightAligned: true, priority: 4),
        .init(title: "RFD", width: 3, rightAligned: true),
        .init(title: "REFUNDED", width: 13, rightAligned: true, priority: 5),
        .init(title: "STATE", width: 16, flexible: true),
        .init(title: "ARN", width: 9, priority: 2),
        .init(title: "OVERDUE", width: 7, rightAligned: true, priority: 3),
        .init(title: "UPDATED", width: 10),
    ])

    func crumb(_ c: RenderContext) -> String { "Watchlist" }

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
        Self.table.render(rows: window, selected: frame.selected - frame.top, scroll: 0, headerY: body.y, area: rows, into: &screen)
    }

    func row(_ watched: WatchedOrder, _ c: RenderContext) -> Table.Row {
        let summary = watched.summary
        let overdue = summary?.overdueCount(at: c.now) ?? 0
        let reference = (watched.order.referenceID, Style(.text, bold: c.state.isUnseenChange(watched)))
        let payment = summary?.paymentStatus ?? "—"
        let stage = summary?.stageSummary ?? (watched.failure == nil ? "not fetched yet" : "never fetched")
        let stageRole: Role = summary == nil ? .muted : (summary!.failedRefunds > 0 ? .bad : summary!.pendingRefunds > 0 ? .pending : .good)
        var updated = watched.fetchedAt.map { Age.text(since: $0, now: c.now) } ?? "never"
        if watched.failure != nil { updated = "⚠ " + updated }
        let arn: (String, Style)
        if let summary, summary.arnMissing > 0 {
            arn = ("\(summary.arnMissing) missing", Style(overdue > 0 ? .overdue : .pending))
        } else if let summary, summary.arnPresent > 0 {
            arn = ("✓", Style(.good))
        } else {
            arn = ("—", Style(.muted))
        }
        let cells: [(String, Style)] = [
            reference,
            (watched.order.label ?? "", Style(.muted)),
            (payment, Style(StatusStyle.role(for: payment))),
            (summary?.amount?.formatted ?? "—", .text),
            (summary.map { "\($0.transactionCount)" } ?? "—", .text),
            (summary.map { "\($0.refundCount)" } ?? "—", .text),
            (summary?.refundTotal?.formatted ?? (summary?.refundCount == 0 ? "" : "—"), .text),
            (stage, Style(stageRole)),
            arn,
            (overdue > 0 ? "\(overdue)" : "", Style(.overdue, bold: true)),
            (updated, Style(watched.failure != nil ? .error : .muted)),
        ]
        let marker: (String, Style)
        if watched.failure != nil {
            marker = ("!", Style(.error, bold: true))
        } else if overdue > 0 {
            marker = ("▲", Style(.overdue, bold: true))
        } else if c.state.isUnseenChange(watched) {
            marker = ("●", Style(.changed, bold: true))
        } else {
            marker = (" ", .text)
        }
        return Table.Row(cells: cells, marker: marker)
    }
}
