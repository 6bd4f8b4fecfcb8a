import Foundation
import RefundModel
import WatchlistModel

/// The team's alerts (`!`), the newest first: each one's state, when it was raised, the rule, the
/// order and refund, who has it, and what happened. `Enter` opens the order, `A` acknowledges
/// (with an optional note), `z` snoozes.
struct AlertsComponent: Component {
    static let table = Table(columns: [
        .init(title: "STATE", width: 12),
        .init(title: "RAISED", width: 9),
        .init(title: "RULE", width: 18, priority: 2),
        .init(title: "ORDER", width: 18),
        .init(title: "REFUND", width: 12, priority: 3),
        .init(title: "WHO", width: 10, priority: 1),
        .init(title: "ALERT", width: 44, flexible: true, minimumWidth: 30),
    ])

    /// With several accounts configured: the order's account after the order (the alert's own
    /// text names no account).
    static let tableWithAccounts: Table = {
        var columns = table.columns
        columns.insert(.init(title: "ACCOUNT", width: 9, priority: 1), at: 4)
        return Table(columns: columns)
    }()

    func crumb(_ c: RenderContext) -> String { "Alerts" }

    func scroller(_ c: RenderContext, body: Rect) -> Scroller {
        .list(count: c.state.alerts.count, rows: body.splitTop(1).rest)
    }

    mutating func open(_ index: Int, _ state: inout DashboardState) -> [Effect] {
        guard let alert = state.alerts[safe: index] else { return [] }
        guard let id = alert.orderID, state.index.row(id: id) != nil else {
            state.flash = Flash(message: alert.orderID == nil ? "this alert is about the whole watchlist, not one order" : "that order is no longer on the watchlist",
                                isError: true, at: state.wall)
            return []
        }
        state.seen[id] = state.now
        state.stack.append(Frame(.order(id)))
        return [.loadDetail(id)]
    }

    func copyTarget(_ state: DashboardState, selected index: Int) -> CopyTarget? {
        state.alerts[safe: index].flatMap { $0.referenceID }.map { CopyTarget(what: "reference id", text: $0) }
    }

    mutating func perform(_ command: Command, _ state: inout DashboardState) -> [Effect]? {
        switch command {
        case .acknowledge, .snooze:
            guard let alert = state.alerts[safe: state.frame.selected] else {
                state.flash = Flash(message: "no alert selected", isError: true, at: state.wall)
                return []
            }
            if Dashboard.refusedReadOnly(&state) { return [] }
            state.prompt = command == .acknowledge ? Prompt(.acknowledge(alert.id), text: alert.note ?? "") : Prompt(.snooze(alert.id), text: "1h")
            return []
        case .refresh:
            return [.loadAlerts]
        default:
            return nil
        }
    }

    func render(_ c: RenderContext, frame: Frame, in body: Rect, into screen: inout Screen) {
        let state = c.state
        guard !state.alerts.isEmpty else {
            let message = state.alertsLoaded ? "No alerts: nothing failed, nothing is late or about to be." : "Reading the alerts…"
            screen.put(DisplayWidth.clip(message, to: body.width - 2), x: body.x + 2, y: body.y + 2, style: Style(.muted))
            return
        }
        let rows = scroller(c, body: body).rows
        let window = state.alerts.dropFirst(frame.top).prefix(rows.height).map { row($0, c) }
        let table = state.showsAccounts ? Self.tableWithAccounts : Self.table
        table.render(rows: Array(window), selected: frame.selected - frame.top, scroll: 0, headerY: body.y, area: rows, into: &screen)
    }

    func row(_ alert: Alert, _ c: RenderContext) -> Table.Row {
        let state = alert.state(at: c.now)
        let stateText: String
        let role: Role
        switch state {
        case .open: (stateText, role) = ("open", alert.rule == .deadlineNear ? .pending : .bad)
        case .acknowledged: (stateText, role) = ("acknowledged", .muted)
        case .snoozed: (stateText, role) = ("snoozed " + DurationText.largestUnit((alert.snoozedUntil ?? c.now).timeIntervalSince(c.now)), .muted)
        case .resolved: (stateText, role) = ("resolved", .good)
        }
        let text = alert.note.map { alert.detail + " · note: " + $0 } ?? alert.detail
        let muted = state != .open
        var row = Table.Row(cells: [
            (stateText, Style(role, bold: !muted)),
            (Age.text(since: alert.raisedAt, now: c.now), Style(.muted)),
            (alert.rule.title, muted ? Style(.muted) : .text),
            (alert.referenceID ?? "(all orders)", muted ? Style(.muted) : .text),
            (alert.refundID ?? "", Style(.muted)),
            (alert.acknowledgedBy ?? "", Style(.muted)),
            (text, muted ? Style(.muted) : .text),
        ], marker: state == .open ? ("!", Style(role, bold: true)) : (" ", .text))
        if c.state.showsAccounts {
            // The order's account as the watchlist has it; nothing for an alert about every order.
            let account = alert.orderID.flatMap { c.state.index.row(id: $0)?.order.account } ?? ""
            row.cells.insert((account, Style(.muted)), at: 4)
        }
        return row
    }
}
