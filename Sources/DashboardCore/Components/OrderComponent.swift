import Foundation
import RefundModel
import WatchlistModel

/// One tracked order: the payment's fields, its transactions (a list: Enter opens one, `y`
/// copies its id) and the order's history. `e` writes this order.
struct OrderComponent: Component {
    let orderID: Int64

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

    func crumb(_ c: RenderContext) -> String {
        c.reference(orderID) + (c.isTracked(orderID) ? "" : " (not tracked)")
    }

    /// The body from the top: the fields (at most about half of it), a blank row, the
    /// transactions' header and rows (as many as fit), a blank row, the history.
    struct Areas {
        var fields: Fields
        var fieldRows: Int
        /// The transactions' header row, or the "No transactions" line.
        var headerY: Int
        var list: Rect
        var history: Rect
    }

    func areas(_ c: RenderContext, report: OrderReport, body: Rect) -> Areas {
        let fields = fields(c, report: report)
        let fieldRows = fields.rows(width: body.width, maxRows: max(2, (body.height - 1) / 2 - 1))
        let headerY = body.y + fieldRows + 1
        let count = report.transactions.count
        let list = Rect(x: body.x, y: headerY + 1, width: body.width, height: count == 0 ? 0 : min(count, max(1, body.maxY - headerY - 1)))
        let historyY = count == 0 ? headerY + 2 : list.maxY + 1
        return Areas(fields: fields, fieldRows: fieldRows, headerY: headerY, list: list,
                     history: Rect(x: body.x, y: historyY, width: body.width, height: body.maxY - historyY))
    }

    func scroller(_ c: RenderContext, body: Rect) -> Scroller {
        guard let report = c.report(orderID) else { return .none }
        return .list(count: report.transactions.count, rows: areas(c, report: report, body: body).list)
    }

    mutating func open(_ index: Int, _ state: inout DashboardState) -> [Effect] {
        guard let report = state.details[orderID]?.report, report.transactions.indices.contains(index) else { return [] }
        state.stack.append(Frame(.transaction(orderID, transaction: index)))
        return []
    }

    func copyTarget(_ state: DashboardState, selected index: Int) -> CopyTarget? {
        state.details[orderID]?.report?.transactions[safe: index].map { CopyTarget(what: "transaction id", text: $0.transaction.id) }
    }

    func exportScope(_ state: DashboardState) -> [TrackedOrder] {
        state.row(id: orderID).map { [$0.order] } ?? []
    }

    func fields(_ c: RenderContext, report: OrderReport) -> Fields {
        let payment = report.payment
        var fields = Fields()
        fields.add("Payment", payment.status.rawValue, Style(StatusStyle.role(for: payment.status.rawValue), bold: true))
        fields.add("Amount", payment.amount?.formatted)
        fields.add("Currency", payment.currency)
        fields.add("Receipt", payment.receipt)
        fields.add("Label", c.row(orderID)?.order.label)
        if c.state.showsAccounts {
            let place = c.row(orderID).map { OrderPlace(account: $0.order.account ?? "", phoneNumberID: $0.order.phoneNumberID, paymentConfigID: $0.order.paymentConfigID) }
                ?? c.state.lookups[orderID]?.place
            if let place, !place.account.isEmpty {
                fields.add("Account", place.account)
                fields.add("Pay config", place.paymentConfigID)
            } else {
                fields.add("Account", "not known yet: found at its next fetch", Style(.muted))
            }
        }
        fields.add("Fetched", c.time(report.fetchedAt) + " (" + Age.text(since: report.fetchedAt, now: c.now) + ")")
        if let lookup = c.state.lookups[orderID] {
            fields.add("Watchlist", "not tracked · a adds it", Style(.warning))
            if let error = lookup.error { fields.add("Last look-up", "failed: \(error.message)", Style(.error)) }
        }
        if let failure = c.row(orderID)?.failure {
            fields.add("Last fetch", "failed \(Age.text(since: failure.at, now: c.now)): \(failure.error.message)", Style(.error))
        }
        for (key, value) in payment.notes.sorted(by: { $0.key < $1.key }) { fields.add("notes.\(key)", value) }
        for field in payment.merchantFields { fields.add(field.name, field.value) }
        return fields
    }

    func render(_ c: RenderContext, frame: Frame, in body: Rect, into screen: inout Screen) {
        guard let report = c.report(orderID) else {
            screen.put(c.row(orderID)?.fetchedAt == nil ? "Not fetched yet: press r to fetch it." : "Loading…", x: body.x + 2, y: body.y + 1, style: Style(.muted))
            return
        }
        let areas = areas(c, report: report, body: body)
        areas.fields.render(in: body, maxRows: areas.fieldRows, into: &screen)
        if report.transactions.isEmpty {
            screen.put("No transactions: the customer has not tried to pay.", x: body.x + 2, y: areas.headerY, style: Style(.muted))
        } else {
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
            Self.transactions.render(rows: rows, selected: frame.selected, scroll: frame.top, headerY: areas.headerY, area: areas.list, into: &screen)
        }
        HistoryList.render(c.history(orderID), tracked: c.isTracked(orderID), c, in: areas.history, into: &screen)
    }
}

/// An order looked up with `o` (stored nowhere): "Looking up…", then the order as `OrderComponent`
/// shows it (marked not tracked, `a` adds it), or why there is none and what to do.
struct LookupComponent: Component {
    let orderID: Int64
    var order: OrderComponent { OrderComponent(orderID: orderID) }

    func crumb(_ c: RenderContext) -> String { order.crumb(c) }
    func scroller(_ c: RenderContext, body: Rect) -> Scroller { order.scroller(c, body: body) }
    mutating func open(_ index: Int, _ state: inout DashboardState) -> [Effect] {
        var order = order
        return order.open(index, &state)
    }
    func copyTarget(_ state: DashboardState, selected index: Int) -> CopyTarget? { order.copyTarget(state, selected: index) }

    func render(_ c: RenderContext, frame: Frame, in body: Rect, into screen: inout Screen) {
        guard let lookup = c.state.lookups[orderID], c.report(orderID) == nil else {
            order.render(c, frame: frame, in: body, into: &screen)
            return
        }
        guard let error = lookup.error, !lookup.inFlight else {
            screen.put("Looking up \(lookup.referenceID)…", x: body.x + 2, y: body.y + 1, style: Style(.muted))
            return
        }
        var y = body.y + 1
        for line in DisplayWidth.wrap("\(lookup.referenceID): \(error.message)", to: body.width - 4) {
            screen.put(line, x: body.x + 2, y: y, style: Style(.error, bold: true))
            y += 1
        }
        let advice = error.category == .notFound ? "o looks up another · Esc goes back" : "r tries again · o looks up another · Esc goes back"
        for line in DisplayWidth.wrap(advice, to: body.width - 4) {
            y += 1
            screen.put(line, x: body.x + 2, y: y, style: Style(.muted))
        }
    }
}
