import Foundation
import RefundModel
import WatchlistModel

/// One transaction: its refunds with both sides joined (a list: Enter opens a refund, `y` copies
/// its ARN, or its id while PayU has given none), PayU records that matched no refund, and the
/// transaction's history.
struct TransactionComponent: Component {
    let orderID: Int64
    let transaction: Int

    static let refunds = Table(columns: [
        .init(title: "REFUND", width: 12),
        .init(title: "AMOUNT", width: 12, rightAligned: true),
        .init(title: "SPEED", width: 7, priority: 3),
        .init(title: "WHATSAPP", width: 8),
        .init(title: "PAYU", width: 11),
        .init(title: "ARN", width: 14),
        .init(title: "SETTLEMENT", width: 15, priority: 4),
        .init(title: "SETTLED", width: 12, rightAligned: true, priority: 5),
        .init(title: "UTR", width: 17, priority: 6),
        .init(title: "VALUE DATE", width: 10, priority: 5),
        .init(title: "MODE", width: 14, priority: 7, flexible: true),
        .init(title: "CREATED", width: 19, priority: 2),
        .init(title: "DEADLINE", width: 15, priority: 1),
    ])

    func crumb(_ c: RenderContext) -> String {
        "txn " + RenderContext.short(c.transaction(orderID, transaction)?.transaction.id ?? "?")
    }

    /// The body from the top: up to three rows of fields, a blank row, the refunds' header and
    /// rows (refunds, then PayU-only records; the cursor moves over the refunds), the history.
    /// With no refunds, a line says so and the PayU-only records (if any) follow below it.
    struct Areas {
        var fields: Fields
        var fieldRows: Int
        /// Where "No refunds on this transaction." goes, when there are none.
        var noRefundsY: Int?
        var headerY: Int
        /// Refunds and PayU-only records, as many as fit.
        var list: Rect
        var history: Rect
    }

    func areas(_ c: RenderContext, _ t: TransactionReport, body: Rect) -> Areas {
        let fields = fields(c, t)
        let fieldRows = fields.rows(width: body.width, maxRows: 3)
        let firstY = body.y + fieldRows + 1
        let noRefundsY = t.refunds.isEmpty ? firstY + 1 : nil
        let headerY = t.refunds.isEmpty ? firstY + 3 : firstY
        let count = t.refunds.count + t.unmatchedPayU.count
        let list = Rect(x: body.x, y: headerY + 1, width: body.width, height: count == 0 ? 0 : min(count, max(1, body.maxY - headerY - 1)))
        let historyY = count == 0 ? headerY : list.maxY + 1
        return Areas(fields: fields, fieldRows: fieldRows, noRefundsY: noRefundsY, headerY: headerY, list: list,
                     history: Rect(x: body.x, y: historyY, width: body.width, height: body.maxY - historyY))
    }

    func scroller(_ c: RenderContext, body: Rect) -> Scroller {
        guard let t = c.transaction(orderID, transaction) else { return .none }
        return .list(count: t.refunds.count, rows: areas(c, t, body: body).list)
    }

    mutating func open(_ index: Int, _ state: inout DashboardState) -> [Effect] {
        guard let t = state.details[orderID]?.report?.transactions[safe: transaction], t.refunds.indices.contains(index) else { return [] }
        state.stack.append(Frame(.refund(orderID, transaction: transaction, refund: index)))
        return []
    }

    func copyTarget(_ state: DashboardState, selected index: Int) -> CopyTarget? {
        RefundComponent(orderID: orderID, transaction: transaction, refund: index).copyTarget(state, selected: 0)
    }

    func exportScope(_ state: DashboardState) -> [TrackedOrder] {
        OrderComponent(orderID: orderID).exportScope(state)
    }

    func fields(_ c: RenderContext, _ t: TransactionReport) -> Fields {
        var fields = Fields()
        fields.add("Transaction", "\(t.transaction.id)  \(t.transaction.gateway.rawValue)  \(t.transaction.status.rawValue)")
        if let error = t.payuError {
            var text = "PayU could not be asked: \(error.message)"
            if let carried = t.payuCarriedFrom { text += " (bank details shown are from \(c.time(carried)))" }
            fields.add("PayU", text, Style(.error))
        } else if t.transaction.gateway != .payu {
            fields.add("Bank side", "\(t.transaction.gateway.rawValue) transaction: PayU has no record of it", Style(.muted))
        } else if !t.payuQueried {
            fields.add("Bank side", "PayU is not configured ([payu] in config.toml)", Style(.muted))
        }
        return fields
    }

    func render(_ c: RenderContext, frame: Frame, in body: Rect, into screen: inout Screen) {
        guard let t = c.transaction(orderID, transaction) else {
            screen.put("Loading…", x: body.x + 2, y: body.y + 1, style: Style(.muted))
            return
        }
        let areas = areas(c, t, body: body)
        areas.fields.render(in: body, maxRows: areas.fieldRows, into: &screen)
        var rows = t.refunds.map { joined -> Table.Row in
            let payu = joined.payu
            let deadline = c.state.rules.deadline(for: joined, in: t)
            let overdue = deadline?.isLate(at: c.now) ?? false
            let stage = RefundStage(joined, in: t)
            return Table.Row(cells: [
                (joined.refund.id, .text),
                (joined.refund.amount?.formatted ?? "—", .text),
                (joined.refund.speed?.rawValue ?? "—", .text),
                (joined.refund.status.rawValue, Style(StatusStyle.role(for: joined.refund.status.rawValue))),
                (payu?.status?.rawValue ?? "—", Style(StatusStyle.role(for: payu?.status?.rawValue ?? ""))),
                (payu?.bankARN ?? (stage == .awaitingARN ? "missing" : "—"), Style(payu?.bankARN != nil ? .good : overdue ? .overdue : .muted)),
                (payu?.settlementID ?? "—", .text),
                (payu?.amountSettled?.formatted ?? "—", .text),
                (payu?.utr ?? "—", .text),
                (payu?.valueDate ?? "—", .text),
                (payu?.refundMode ?? "—", .text),
                (c.time(joined.refund.created), .text),
                (deadline?.compact(at: c.now) ?? "", overdue ? Style(.overdue, bold: true) : .text),
            ], marker: overdue ? ("▲", Style(.overdue, bold: true)) : (" ", .text))
        }
        for record in t.unmatchedPayU {
            rows.append(Table.Row(cells: [
                ("(PayU only)", Style(.warning)), (record.amount?.formatted ?? "—", .text), ("—", .text), ("—", .text),
                (record.status?.rawValue ?? "—", .text), (record.bankARN ?? "—", .text), (record.settlementID ?? "—", .text),
                (record.amountSettled?.formatted ?? "—", .text), (record.utr ?? "—", .text), (record.valueDate ?? "—", .text),
                (record.refundMode ?? "—", .text), ("request " + (record.requestID ?? record.key), Style(.muted)), ("", .text),
            ], marker: ("?", Style(.warning, bold: true))))
        }
        if let y = areas.noRefundsY {
            screen.put("No refunds on this transaction.", x: body.x + 2, y: y, style: Style(.muted))
        }
        if !rows.isEmpty {
            Self.refunds.render(rows: rows, selected: frame.selected, scroll: frame.top, headerY: areas.headerY, area: areas.list, into: &screen)
        }
        let history = c.history(orderID).filter { $0.change.transactionID == t.transaction.id }
        HistoryList.render(history, tracked: c.isTracked(orderID), c, in: areas.history, into: &screen)
    }
}
