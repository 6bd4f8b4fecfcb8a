import Foundation
import RefundKit
import RefundStore

/// Label/value lines, as the detail views show them.
struct Fields {
    var lines: [(label: String, value: String, style: Style)] = []
    mutating func add(_ label: String, _ value: String?, _ style: Style = .text) {
        guard let value, !value.isEmpty else { return }
        lines.append((label, value, style))
    }

    /// Draws from row `y`, in two columns when the terminal is wide; returns the next free row.
    func render(from y: Int, maxRows: Int, into screen: inout Screen) -> Int {
        let columns = screen.size.width >= 120 ? 2 : 1
        let columnWidth = (screen.size.width - 2) / columns
        let perColumn = min(maxRows, (lines.count + columns - 1) / columns)
        for index in lines.indices {
            let column = index / max(1, perColumn)
            let row = index % max(1, perColumn)
            guard column < columns else { break }
            draw(index, x: 2 + column * columnWidth, y: y + row, width: columnWidth, into: &screen)
        }
        return y + perColumn
    }

    static let labelWidth = 16

    /// One label and value from column `x`, the value cut to fit `width`.
    func draw(_ index: Int, x: Int, y: Int, width: Int, into screen: inout Screen) {
        let line = lines[index]
        screen.put(DisplayWidth.pad(line.label, to: Self.labelWidth), x: x, y: y, style: Style(.muted))
        screen.put(DisplayWidth.clip(line.value, to: width - Self.labelWidth - 2), x: x + Self.labelWidth, y: y, style: line.style)
    }
}

enum OrderView {
    static let transactions = Table(columns: [
        .init(title: "TRANSACTION", width: 20),
        .init(title: "GATEWAY", width: 8),
        .init(title: "STATUS", width: 8),
        .init(title: "METHOD", width: 10, priority: 2),
        .init(title: "CREATED", width: 19, priority: 1),
        .init(title: "UPDATED", width: 19, priority: 3),
        .init(title: "RFD", width: 3, rightAligned: true, priority: 1),
        .init(title: "ERROR", width: 12, priority: 4, flexible: true),
    ])

    static func render(_ c: RenderContext, orderID: Int64, into screen: inout Screen) {
        let lookup = c.state.lookups[orderID]
        guard let report = c.report(orderID) else {
            if let lookup, let error = lookup.error, !lookup.inFlight {
                var y = 2
                for line in DisplayWidth.wrap("\(lookup.referenceID): \(error.message)", to: screen.size.width - 4) {
                    screen.put(line, x: 2, y: y, style: Style(.error, bold: true))
                    y += 1
                }
                let advice = error.category == .notFound ? "o looks up another · Esc goes back" : "r tries again · o looks up another · Esc goes back"
                for line in DisplayWidth.wrap(advice, to: screen.size.width - 4) {
                    y += 1
                    screen.put(line, x: 2, y: y, style: Style(.muted))
                }
            } else if let lookup {
                screen.put("Looking up \(lookup.referenceID)…", x: 2, y: 2, style: Style(.muted))
            } else {
                screen.put(c.row(orderID)?.fetchedAt == nil ? "Not fetched yet: press r to fetch it." : "Loading…", x: 2, y: 2, style: Style(.muted))
            }
            return
        }
        let payment = report.payment
        var fields = Fields()
        fields.add("Payment", payment.status.rawValue, Style(StatusStyle.role(for: payment.status.rawValue), bold: true))
        fields.add("Amount", payment.amount?.formatted)
        fields.add("Currency", payment.currency)
        fields.add("Receipt", payment.receipt)
        fields.add("Label", c.row(orderID)?.order.label)
        fields.add("Fetched", c.time(report.fetchedAt) + " (" + Age.text(since: report.fetchedAt, now: c.now) + ")")
        if let lookup {
            fields.add("Watchlist", "not tracked · a adds it", Style(.warning))
            if let error = lookup.error { fields.add("Last look-up", "failed: \(error.message)", Style(.error)) }
        }
        if let failure = c.row(orderID)?.failure {
            fields.add("Last fetch", "failed \(Age.text(since: failure.at, now: c.now)): \(failure.error.message)", Style(.error))
        }
        for (key, value) in payment.notes.sorted(by: { $0.key < $1.key }) { fields.add("notes.\(key)", value) }
        for field in payment.merchantFields { fields.add(field.name, field.value) }
        let available = screen.size.height - Layout.chromeHeight
        var y = fields.render(from: 1, maxRows: max(2, available / 2 - 1), into: &screen) + 1

        let rows = report.transactions.map { t -> Table.Row in
            let error = [t.transaction.error?.code, t.transaction.error?.reason].compactMap { $0 }.joined(separator: " ")
            return Table.Row(cells: [
                (t.transaction.id, .text),
                (t.transaction.gateway.rawValue, .text),
                (t.transaction.status.rawValue, Style(StatusStyle.role(for: t.transaction.status.rawValue))),
                (t.transaction.method ?? "—", .text),
                (c.time(t.transaction.created), .text),
                (c.time(t.transaction.updated), .text),
                ("\(t.refunds.count)", .text),
                (error, Style(.bad)),
            ])
        }
        if rows.isEmpty {
            screen.put("No transactions: the customer has not tried to pay.", x: 2, y: y, style: Style(.muted))
            y += 2
        } else {
            let height = min(rows.count, max(1, screen.size.height - 2 - y - 1))
            transactions.render(rows: rows, selected: c.state.frame.selected, scroll: c.state.frame.top, headerY: y, top: y + 1, height: height, into: &screen)
            y += height + 2
        }
        HistoryList.render(c.state.details[orderID]?.history ?? [], filter: nil, c, from: y, into: &screen)
    }
}

enum HistoryList {
    /// The most recent changes that fit, oldest first, under a "History" heading.
    static func render(_ entries: [HistoryEntry], filter: ((OrderChange) -> Bool)?, _ c: RenderContext, from y: Int, into screen: inout Screen) {
        let tracked = c.state.frame.view.orderID.map { c.state.lookups[$0] == nil } ?? true
        let bottom = screen.size.height - 2
        guard y < bottom - 1 else { return }
        let shown = entries.filter { filter?($0.change) ?? true }
        screen.put("History", x: 2, y: y, style: Style(.header, bold: true))
        if shown.isEmpty {
            screen.put(tracked ? "nothing recorded yet" : "not tracked, so no history: a adds it to the watchlist", x: 2, y: y + 1, style: Style(.muted))
            return
        }
        let room = bottom - y - 1
        for (offset, entry) in shown.suffix(room).enumerated() {
            let change = entry.change
            let text = "\(c.time(entry.seenAt))  \(change.subject)  \(change.words)"
            screen.put(DisplayWidth.clip(text, to: screen.size.width - 4), x: 2, y: y + 1 + offset, style: Style(change.field == .arn ? .good : .text))
        }
    }
}
