import Foundation
import RefundKit
import RefundStore

/// The home screen: one row per tracked order, attention first.
enum WatchlistView {
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

    static func render(_ c: RenderContext, into screen: inout Screen) {
        let state = c.state
        guard !state.rows.isEmpty else {
            let message = state.loaded
                ? "The watchlist is empty. Add orders with: refundwatch track add REF... (or - for a list on stdin)"
                : "Loading the watchlist…"
            screen.put(DisplayWidth.clip(message, to: screen.size.width - 2), x: 2, y: 3, style: Style(.muted))
            return
        }
        if state.visible.isEmpty {
            screen.put(DisplayWidth.clip("No order matches \"\(state.filter)\". Esc clears the filter.", to: screen.size.width - 2), x: 2, y: 3, style: Style(.muted))
        }
        // Only the rows on screen are formatted: 10,000 orders cost what 46 do.
        let top = state.frame.top
        let window = state.visible.dropFirst(top).prefix(c.listHeight).map { row(state.rows[$0], c) }
        table.render(rows: window, selected: state.frame.selected - top, scroll: 0, headerY: 1, top: c.listTop, height: c.listHeight, into: &screen)
    }

    static func row(_ watched: WatchedOrder, _ c: RenderContext) -> Table.Row {
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
