import Foundation
import RefundModel
import WatchlistModel

/// Every field of one refund, both sides, and its timeline: one page that the cursor keys scroll
/// when it is longer than the screen (at 80x24 it is). `y` copies the ARN (the refund id while
/// PayU has given none).
struct RefundComponent: Component {
    let orderID: Int64
    let transaction: Int
    let refund: Int

    func crumb(_ c: RenderContext) -> String {
        "refund " + RenderContext.short(c.transaction(orderID, transaction)?.refunds[safe: refund]?.refund.id ?? "?")
    }

    /// The page laid out for a width: fields in one or two columns, a blank line, "Tell the
    /// customer" and what to read out (wrapped to the width), a blank line, "Timeline", its
    /// entries (or one line saying there are none).
    struct Page {
        var fields: Fields
        var placed: [Fields.Placed]
        var fieldRows: Int
        var columns: Int
        var columnWidth: Int
        var labelWidth: Int
        var words: [String]
        var timeline: [HistoryEntry]
        var tracked: Bool

        /// The first line of the timeline's heading.
        var timelineLine: Int { fieldRows + 3 + words.count }
        var lineCount: Int { timelineLine + 1 + max(1, timeline.count) }
    }

    func page(_ c: RenderContext, width: Int) -> Page? {
        guard let t = c.transaction(orderID, transaction), let joined = t.refunds[safe: refund] else { return nil }
        let fields = fields(c, t, joined)
        let columns = Fields.columns(for: width)
        let columnWidth = (width - 2) / columns
        let (placed, rows) = fields.place(columns: columns, columnWidth: columnWidth, maxRows: Int.max)
        let timeline = c.history(orderID).filter { $0.change.refundID == joined.refund.id && $0.change.transactionID == t.transaction.id }
        let sentences = CustomerWords(joined, in: t, rules: c.state.rules, now: c.now).sentences
        let words = sentences.flatMap { DisplayWidth.wrap($0, to: max(20, width - 4)) }
        return Page(fields: fields, placed: placed, fieldRows: rows, columns: columns, columnWidth: columnWidth,
                    labelWidth: fields.labelWidth(columnWidth: columnWidth), words: words, timeline: timeline, tracked: c.isTracked(orderID))
    }

    func scroller(_ c: RenderContext, body: Rect) -> Scroller {
        guard let page = page(c, width: body.width) else { return .none }
        return .page(lines: page.lineCount, rows: body)
    }

    func copyTarget(_ state: DashboardState, selected _: Int) -> CopyTarget? {
        guard let joined = state.details[orderID]?.report?.transactions[safe: transaction]?.refunds[safe: refund] else { return nil }
        if let arn = joined.payu?.bankARN { return CopyTarget(what: "ARN", text: arn) }
        return CopyTarget(what: "refund id", text: joined.refund.id)
    }

    func exportScope(_ state: DashboardState) -> [TrackedOrder] {
        OrderComponent(orderID: orderID).exportScope(state)
    }

    func fields(_ c: RenderContext, _ t: TransactionReport, _ joined: RefundReport) -> Fields {
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
        if let deadline = c.state.rules.deadline(for: joined, in: t) {
            let late = deadline.isLate(at: c.now)
            fields.add("Deadline", "\(deadline.stage.name) \(deadline.standing(at: c.now))  (\(c.time(deadline.due)))",
                       Style(late ? .overdue : .text, bold: late))
            fields.add("Rule", "\(c.state.rules.ruleText(deadline.stage, instant: refund.speed == .instant))", Style(.muted))
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
        return fields
    }

    func render(_ c: RenderContext, frame: Frame, in body: Rect, into screen: inout Screen) {
        guard let page = page(c, width: body.width) else {
            screen.put("Loading…", x: body.x + 2, y: body.y + 1, style: Style(.muted))
            return
        }
        let top = min(frame.top, max(0, page.lineCount - body.height))
        for line in top..<min(page.lineCount, top + body.height) {
            let y = body.y + line - top
            if line < page.fieldRows {
                for field in page.placed where field.row <= line && line < field.row + field.height {
                    page.fields.draw(field, part: line - field.row, x: body.x + 2 + field.column * page.columnWidth, y: y,
                                     labelWidth: page.labelWidth, columnWidth: page.columnWidth, into: &screen)
                }
            } else if line == page.fieldRows + 1 {
                screen.put("Tell the customer", x: body.x + 2, y: y, style: Style(.header, bold: true))
            } else if line > page.fieldRows + 1, line < page.timelineLine - 1 {
                screen.put(page.words[line - page.fieldRows - 2], x: body.x + 2, y: y, style: .text, limit: body.width - 4)
            } else if line == page.timelineLine {
                screen.put("Timeline", x: body.x + 2, y: y, style: Style(.header, bold: true))
            } else if line > page.timelineLine {
                guard let entry = page.timeline[safe: line - page.timelineLine - 1] else {
                    screen.put(page.tracked ? "nothing recorded yet" : "not tracked, so no history: a adds it to the watchlist", x: body.x + 2, y: y, style: Style(.muted))
                    continue
                }
                let text = "\(c.time(entry.seenAt))  \(entry.change.words)"
                screen.put(DisplayWidth.clip(text, to: body.width - 4), x: body.x + 2, y: y, style: Style(entry.change.field == .arn ? .good : .text))
            }
        }
        if top + body.height < page.lineCount {
            screen.put(" ↓ more: j/k scroll ", x: body.maxX - 21, y: body.maxY - 1, style: Style(.muted, reverse: true))
        }
    }
}
