import Foundation
import RefundKit
import RefundStore

/// One transaction's refunds, both sides joined, and PayU records that matched none.
enum TransactionView {
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
        .init(title: "OVERDUE", width: 7, priority: 1),
    ])

    static func render(_ c: RenderContext, orderID: Int64, transaction index: Int, into screen: inout Screen) {
        guard let t = c.transaction(orderID, index) else {
            screen.put("Loading…", x: 2, y: 2, style: Style(.muted))
            return
        }
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
        var y = fields.render(from: 1, maxRows: 3, into: &screen) + 1

        var rows = t.refunds.map { joined -> Table.Row in
            let payu = joined.payu
            let overdue = c.state.rule.isOverdue(joined, in: t, at: c.now)
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
                (overdue ? "OVERDUE" : "", Style(.overdue, bold: true)),
            ], marker: overdue ? ("▲", Style(.overdue, bold: true)) : (" ", .text))
        }
        if rows.isEmpty {
            screen.put("No refunds on this transaction.", x: 2, y: y + 1, style: Style(.muted))
            y += 3
        }
        for record in t.unmatchedPayU {
            rows.append(Table.Row(cells: [
                ("(PayU only)", Style(.warning)), (record.amount?.formatted ?? "—", .text), ("—", .text), ("—", .text),
                (record.status?.rawValue ?? "—", .text), (record.bankARN ?? "—", .text), (record.settlementID ?? "—", .text),
                (record.amountSettled?.formatted ?? "—", .text), (record.utr ?? "—", .text), (record.valueDate ?? "—", .text),
                (record.refundMode ?? "—", .text), ("request " + (record.requestID ?? record.key), Style(.muted)), ("", .text),
            ], marker: ("?", Style(.warning, bold: true))))
        }
        if !rows.isEmpty {
            let height = min(rows.count, max(1, screen.size.height - 2 - y - 1))
            refunds.render(rows: rows, selected: c.state.frame.selected, scroll: c.state.frame.top, headerY: y, top: y + 1, height: height, into: &screen)
            y += height + 2
        }
        HistoryList.render(c.state.details[orderID]?.history ?? [], filter: { $0.transactionID == t.transaction.id }, c, from: y, into: &screen)
    }
}

/// Every field of one refund, both sides, and its lifecycle: one page that j/k scroll when it is
/// longer than the screen (at 80x24 it is).
enum RefundView {
    struct Page {
        var fields: Fields
        var columns: Int
        var timeline: [HistoryEntry]
        var tracked: Bool

        var fieldRows: Int { (fields.lines.count + columns - 1) / columns }
        /// Fields, a blank line, the "Timeline" heading, its entries (or one line saying there are none).
        var lineCount: Int { fieldRows + 2 + max(1, timeline.count) }
    }

    static func page(_ c: RenderContext, orderID: Int64, transaction index: Int, refund refundIndex: Int) -> Page? {
        guard let t = c.transaction(orderID, index), let joined = t.refunds[safe: refundIndex] else { return nil }
        let refund = joined.refund
        let payu = joined.payu
        let stage = RefundStage(joined, in: t)
        var fields = Fields()
        fields.add("Refund", refund.id, Style(.text, bold: true))
        fields.add("Stage", stage.rawValue, Style(StatusStyle.role(for: stage.rawValue), bold: true))
        fields.add("Amount", refund.amount?.formatted ?? "—")
        fields.add("Speed", refund.speed?.rawValue ?? "—")
        fields.add("WhatsApp", refund.status.rawValue, Style(StatusStyle.role(for: refund.status.rawValue)))
        fields.add("Created", c.time(refund.created))
        fields.add("Updated", c.time(refund.updated))
        if let deadline = c.state.rule.arnDeadline(for: joined, in: t) {
            let overdue = c.now > deadline
            fields.add("ARN due", c.time(deadline) + (overdue ? "  OVERDUE" : ""), Style(overdue ? .overdue : .text, bold: overdue))
        }
        if let payu {
            fields.add("PayU status", payu.status?.rawValue ?? "—", Style(StatusStyle.role(for: payu.status?.rawValue ?? "")))
            fields.add("ARN", payu.bankARN ?? "not issued yet", Style(payu.bankARN == nil ? .pending : .good))
            fields.add("Settlement id", payu.settlementID ?? "—")
            fields.add("Amount settled", payu.amountSettled?.formatted ?? "—")
            fields.add("UTR", payu.utr ?? "—")
            fields.add("Value date", payu.valueDate ?? "—")
            fields.add("Refund mode", payu.refundMode ?? "—")
            fields.add("Mode", payu.mode)
            fields.add("Bank ref", payu.bankRefNum)
            fields.add("mihpayid", payu.mihpayid)
            fields.add("Request id", payu.requestID)
            fields.add("Token", payu.token)
            fields.add("Matched by", joined.match?.rawValue)
        } else if let error = t.payuError {
            fields.add("PayU", "could not be asked: \(error.message)", Style(.error))
        } else {
            fields.add("PayU", t.transaction.gateway == .payu ? "no PayU record for this refund" : "not a PayU transaction", Style(.muted))
        }
        let timeline = (c.state.details[orderID]?.history ?? []).filter { $0.change.refundID == refund.id && $0.change.transactionID == t.transaction.id }
        return Page(fields: fields, columns: c.state.size.width >= 120 ? 2 : 1, timeline: timeline, tracked: c.state.lookups[orderID] == nil)
    }

    /// Lines on the refund page open now (0 elsewhere): how far j/k may scroll.
    static func lineCount(_ state: DashboardState) -> Int {
        guard case .refund(let id, let t, let r) = state.frame.view else { return 0 }
        return page(RenderContext(state: state, timeZone: .gmt), orderID: id, transaction: t, refund: r)?.lineCount ?? 0
    }

    /// Rows between the title and the flash line.
    static func height(_ size: Size) -> Int { size.height - 3 }

    static func render(_ c: RenderContext, orderID: Int64, transaction index: Int, refund refundIndex: Int, into screen: inout Screen) {
        guard let page = page(c, orderID: orderID, transaction: index, refund: refundIndex) else {
            screen.put("Loading…", x: 2, y: 2, style: Style(.muted))
            return
        }
        let height = height(screen.size)
        let top = min(c.state.frame.top, max(0, page.lineCount - height))
        let columnWidth = (screen.size.width - 2) / page.columns
        for line in top..<min(page.lineCount, top + height) {
            let y = 1 + line - top
            if line < page.fieldRows {
                for column in 0..<page.columns {
                    let index = column * page.fieldRows + line
                    guard page.fields.lines.indices.contains(index) else { continue }
                    page.fields.draw(index, x: 2 + column * columnWidth, y: y, width: columnWidth, into: &screen)
                }
            } else if line == page.fieldRows + 1 {
                screen.put("Timeline", x: 2, y: y, style: Style(.header, bold: true))
            } else if line > page.fieldRows + 1 {
                guard let entry = page.timeline[safe: line - page.fieldRows - 2] else {
                    screen.put(page.tracked ? "nothing recorded yet" : "not tracked, so no history: a adds it to the watchlist", x: 2, y: y, style: Style(.muted))
                    continue
                }
                let text = "\(c.time(entry.seenAt))  \(entry.change.words)"
                screen.put(DisplayWidth.clip(text, to: screen.size.width - 4), x: 2, y: y, style: Style(entry.change.field == .arn ? .good : .text))
            }
        }
        if top + height < page.lineCount {
            screen.put(" ↓ more: j/k scroll ", x: screen.size.width - 21, y: screen.size.height - 3, style: Style(.muted, reverse: true))
        }
    }
}

enum HelpOverlay {
    static let lines = [
        "j/k ↓/↑    move            g/G        top / bottom",
        "PgDn/PgUp  page            Enter/l    open",
        "Esc/h/⌫    back            s          sort the watchlist",
        "r          refresh this    R          refresh everything",
        "p          pause/resume    +/-        refresh interval",
        "/          filter          o or :     look up an order",
        "a          track orders    d          remove (asks first)",
        "e          export list     y          copy id / ARN",
        "t          next theme      ?          this help",
        "q          quit",
    ]

    static func render(into screen: inout Screen) {
        let width = min(screen.size.width - 4, (lines.map { DisplayWidth.of($0) }.max() ?? 40) + 4)
        let height = lines.count + 4
        let x = (screen.size.width - width) / 2
        let y = max(1, (screen.size.height - height) / 2)
        let border = Style(.border, bold: true)
        screen.put("┌" + String(repeating: "─", count: width - 2) + "┐", x: x, y: y, style: border)
        for row in 1..<(height - 1) {
            screen.put("│" + String(repeating: " ", count: width - 2) + "│", x: x, y: y + row, style: border)
        }
        screen.put("└" + String(repeating: "─", count: width - 2) + "┘", x: x, y: y + height - 1, style: border)
        screen.put(" Keys ", x: x + 2, y: y, style: Style(.title, bold: true))
        for (index, line) in lines.enumerated() {
            screen.put(DisplayWidth.clip(line, to: width - 4), x: x + 2, y: y + 2 + index, style: .text)
        }
    }
}
