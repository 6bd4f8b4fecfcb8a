import Foundation
import RefundKit
import RefundStore

/// The fixed parts of every screen: title and breadcrumb, column header, flash line, status line.
enum Layout {
    static let chromeHeight = 4
    static let minimum = Size(width: 60, height: 12)
}

extension Dashboard {
    /// The frame for a state: pure, so every screen can be checked as text.
    public static func render(_ state: DashboardState, timeZone: TimeZone = .current) -> Screen {
        var screen = Screen(state.size)
        guard state.size.width >= Layout.minimum.width, state.size.height >= Layout.minimum.height else {
            renderTooSmall(state.size, into: &screen)
            return screen
        }
        let context = RenderContext(state: state, timeZone: timeZone)
        renderTitle(context, into: &screen)
        switch state.frame.view {
        case .watchlist: WatchlistView.render(context, into: &screen)
        case .order(let id): OrderView.render(context, orderID: id, into: &screen)
        case .transaction(let id, let t): TransactionView.render(context, orderID: id, transaction: t, into: &screen)
        case .refund(let id, let t, let r): RefundView.render(context, orderID: id, transaction: t, refund: r, into: &screen)
        }
        renderFlash(context, into: &screen)
        renderStatus(context, into: &screen)
        if state.overlay == .help { HelpOverlay.render(into: &screen) }
        return screen
    }

    static func renderTooSmall(_ size: Size, into screen: inout Screen) {
        let lines = ["Terminal too small: \(size.width)×\(size.height).",
                     "refundwatch needs at least \(Layout.minimum.width)×\(Layout.minimum.height).",
                     "Make the window larger, or press q to quit."]
        let top = max(0, (size.height - lines.count) / 2)
        for (index, line) in lines.enumerated() {
            let clipped = DisplayWidth.clip(line, to: size.width)
            screen.put(clipped, x: max(0, (size.width - DisplayWidth.of(clipped)) / 2), y: top + index, style: Style(.warning, bold: index == 0))
        }
    }

    static func renderTitle(_ c: RenderContext, into screen: inout Screen) {
        screen.fill(y: 0, style: Style(.title, reverse: true))
        var x = screen.put(" refundwatch ", x: 0, y: 0, style: Style(.title, bold: true, reverse: true))
        if c.state.demo { x += screen.put("DEMO ", x: x, y: 0, style: Style(.warning, bold: true, reverse: true)) }
        // Where you are matters more than the totals: they go when both do not fit.
        let breadcrumb = c.breadcrumb
        let right = " \(c.totals) "
        let rightWidth = DisplayWidth.of(right)
        let both = x + DisplayWidth.of(breadcrumb) + 1 + rightWidth <= screen.size.width
        x += screen.put(breadcrumb, x: x, y: 0, style: Style(.title, reverse: true), limit: screen.size.width - x)
        if both {
            screen.put(right, x: screen.size.width - rightWidth, y: 0, style: Style(.title, reverse: true))
        }
    }

    /// The line above the status line: an open prompt, the filter in force, or the last flash.
    static func renderFlash(_ c: RenderContext, into screen: inout Screen) {
        let y = screen.size.height - 2
        let state = c.state
        let cursor = "▏"
        var line: (text: String, style: Style)?
        switch state.prompt?.kind {
        case .filter?:
            line = ("/" + state.filter + cursor + "   \(state.visibleCount) of \(state.rows.count) orders · Enter keeps it, Esc clears it", Style(.warning, bold: true))
        case .lookup?:
            line = ("Look up order: " + state.prompt!.text + cursor + "   Enter shows it (not tracked) · Esc cancels", Style(.warning, bold: true))
        case .track?:
            line = ("Track: " + state.prompt!.text + cursor + "   reference ids, space between · Enter adds · Esc cancels", Style(.warning, bold: true))
        case .export?:
            let count = Dashboard.exportableOrders(state).count
            line = ("Export \(count == 1 ? "1 order" : "\(count) orders") to: " + state.prompt!.text + cursor + "   .json for JSON · Enter writes · Esc cancels", Style(.warning, bold: true))
        case .remove(_, let referenceID)?:
            line = ("Remove \(referenceID) and its history? y: yes · any other key: no", Style(.error, bold: true))
        case nil:
            break
        }
        if let flash = state.flash, line == nil {
            line = ((flash.isError ? "⚠ " : "") + flash.message, Style(flash.isError ? .error : .muted, bold: flash.isError))
        }
        guard let line else { return }
        screen.put(DisplayWidth.clip(line.text, to: screen.size.width), x: 0, y: y, style: line.style)
    }

    static func renderStatus(_ c: RenderContext, into screen: inout Screen) {
        let y = screen.size.height - 1
        let state = c.state
        // While a prompt is open, what was wrong with the answer takes the status line, whole.
        if state.prompt != nil, let flash = state.flash, flash.isError {
            screen.fill(y: y, style: Style(.error, bold: true, reverse: true))
            screen.put(DisplayWidth.clip(" ⚠ " + flash.message, to: screen.size.width), x: 0, y: y, style: Style(.error, bold: true, reverse: true))
            return
        }
        var left: String
        if state.isRefreshing {
            left = "refreshing \(state.refreshDone)/\(state.refreshTotal)"
        } else if let last = state.lastRefresh {
            left = "updated \(Age.text(since: last, now: state.wall))"
        } else {
            left = state.loaded ? "not refreshed yet" : "loading…"
        }
        if state.paused {
            left += " · paused"
        } else if !state.isRefreshing, let next = state.nextRefresh {
            left += " · next in \(Format.interval(max(0, next.timeIntervalSince(state.wall).rounded(.up))))"
        }
        left += " · every \(Format.interval(state.interval))"
        let hints = "? help  q quit"
        screen.fill(y: y, style: Style(.muted, reverse: true))
        screen.put(" " + left, x: 0, y: y, style: Style(.muted, reverse: true), limit: screen.size.width - DisplayWidth.of(hints) - 2)
        screen.put(hints + " ", x: screen.size.width - DisplayWidth.of(hints) - 1, y: y, style: Style(.muted, reverse: true))
    }
}

/// What every view needs besides the state: the clock, the zone for exact times, the header totals.
struct RenderContext {
    let state: DashboardState
    let timeZone: TimeZone
    /// One formatter a frame: making one costs more than formatting a few dozen times.
    private let formatter: DateFormatter

    init(state: DashboardState, timeZone: TimeZone) {
        self.state = state
        self.timeZone = timeZone
        formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
    }

    var now: Date { state.now }
    var listTop: Int { 2 }
    var listHeight: Int { state.size.height - Layout.chromeHeight }

    var totals: String {
        let t = state.totals
        return "\(t.orders) orders · \(t.pending) pending · \(t.overdue) overdue · \(t.failing) failing"
    }

    var breadcrumb: String {
        // A filter in force is part of where you are: it is why rows are missing.
        var parts = [state.filter.isEmpty || state.editingFilter ? "Watchlist" : "Watchlist /\(state.filter) · \(state.visibleCount) of \(state.rows.count) orders"]
        for frame in state.stack.dropFirst() {
            switch frame.view {
            case .watchlist: break
            case .order(let id): parts.append(reference(id) + (state.lookups[id] != nil ? " (not tracked)" : ""))
            case .transaction(let id, let t): parts.append("txn " + Self.short(transaction(id, t)?.transaction.id ?? "?"))
            case .refund(let id, let t, let r): parts.append("refund " + Self.short(transaction(id, t)?.refunds[safe: r]?.refund.id ?? "?"))
            }
        }
        return parts.joined(separator: " › ")
    }

    /// Gateway ids run to 18 digits; the breadcrumb shows their end, which is what differs.
    static func short(_ id: String) -> String {
        id.count > 10 ? "…" + id.suffix(8) : id
    }

    func row(_ id: Int64) -> WatchedOrder? { state.row(id: id) }
    func reference(_ id: Int64) -> String { row(id)?.order.referenceID ?? state.lookups[id]?.referenceID ?? "order \(id)" }
    func report(_ id: Int64) -> OrderReport? { state.details[id]?.report }
    func transaction(_ id: Int64, _ index: Int) -> TransactionReport? { report(id)?.transactions[safe: index] }

    func time(_ date: Date?) -> String {
        guard let date else { return "—" }
        return formatter.string(from: date)
    }

    func time(_ timestamp: Timestamp) -> String {
        switch timestamp {
        case .known(let date): time(date)
        case .unknown(let raw): raw.isEmpty ? "—" : "unknown (\(raw))"
        }
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}

/// Status words coloured by what they mean.
enum StatusStyle {
    static func role(for status: String) -> Role {
        switch status.lowercased() {
        case "success", "captured", "completed", "done", "settled", "✓": .good
        case "failed", "failure", "canceled", "cancelled": .bad
        case "pending", "queued", "requested", "in progress", "no arn yet", "new": .pending
        default: .neutral
        }
    }
}
