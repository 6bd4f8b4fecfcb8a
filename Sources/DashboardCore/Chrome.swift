import Foundation
import RefundModel

/// Row 0: the name, DEMO, the breadcrumb, and the totals when they fit.
enum TitleBar {
    /// One breadcrumb segment and the columns it is drawn in: a click there goes back to it.
    struct Segment: Equatable {
        var depth: Int
        var columns: Range<Int>
    }

    static let separator = " › "

    /// The breadcrumb's segments, the watchlist first. A filter in force is part of where you are:
    /// it is why rows are missing.
    static func crumbs(_ c: RenderContext) -> [String] {
        let state = c.state
        var parts = [state.filter.isEmpty || state.editingFilter || state.drill != nil
            ? "Watchlist" : "Watchlist /\(state.filter) · \(state.visibleCount) of \(state.rows.count) orders"]
        // A view in force is named: "View late-north · 12 of 68 orders", and "(changed)" once
        // its filter or sort was changed here.
        if let view = state.activeView, state.drill == nil {
            var text = "View \(view.name)"
            if state.viewChanged { text += " (changed)" + (state.filter.isEmpty || state.filter == view.filter ? "" : " /\(state.filter)") }
            if !state.editingFilter {
                text += state.filter.isEmpty ? " · \(plural(state.rows.count, "order"))" : " · \(state.visibleCount) of \(state.rows.count) orders"
            }
            parts[0] = text
        }
        for frame in state.stack.dropFirst() { parts.append(frame.view.component.crumb(c)) }
        return parts
    }

    static func totals(_ state: DashboardState) -> String { totalsChoices(state)[0] }

    /// The totals, longest first: the open alerts' count stays when the rest has to be shortened.
    static func totalsChoices(_ state: DashboardState) -> [String] {
        let t = state.totals
        let alerts = state.alertsLoaded ? " · ! \(state.openAlerts) \(state.openAlerts == 1 ? "alert" : "alerts")" : ""
        return [
            " \(t.orders) orders · \(t.pending) pending · \(t.overdue) overdue · \(t.failing) failing\(alerts) ",
            " \(t.orders) orders · \(t.overdue) overdue · \(t.failing) failing\(alerts) ",
            " \(t.overdue) overdue\(alerts) ",
        ]
    }

    /// Where the breadcrumb starts: after the name (and DEMO).
    static func breadcrumbStart(_ state: DashboardState) -> Int {
        DisplayWidth.of(" refundwatch ") + (state.demo ? DisplayWidth.of("DEMO ") : 0)
    }

    /// The columns each segment takes on a title `width` columns wide (cut where the line ends).
    static func segments(_ c: RenderContext, width: Int) -> [Segment] {
        var x = breadcrumbStart(c.state)
        var segments: [Segment] = []
        for (depth, crumb) in crumbs(c).enumerated() {
            if depth > 0 { x += DisplayWidth.of(separator) }
            let end = min(width, x + DisplayWidth.of(crumb))
            if x < end { segments.append(Segment(depth: depth, columns: x..<end)) }
            x += DisplayWidth.of(crumb)
        }
        return segments
    }

    static func render(_ c: RenderContext, in area: Rect, into screen: inout Screen) {
        guard !area.isEmpty else { return }
        screen.fill(y: area.y, style: Style(.title, reverse: true))
        var x = screen.put(" refundwatch ", x: area.x, y: area.y, style: Style(.title, bold: true, reverse: true))
        if c.state.demo { x += screen.put("DEMO ", x: x, y: area.y, style: Style(.warning, bold: true, reverse: true)) }
        // Where you are matters more than the totals: they go when both do not fit.
        let breadcrumb = crumbs(c).joined(separator: separator)
        let room = area.width - x - DisplayWidth.of(breadcrumb) - 1
        let right = totalsChoices(c.state).first { DisplayWidth.of($0) <= room } ?? ""
        let rightWidth = DisplayWidth.of(right)
        let both = !right.isEmpty
        x += screen.put(breadcrumb, x: x, y: area.y, style: Style(.title, reverse: true), limit: area.width - x)
        if both {
            screen.put(right, x: area.maxX - rightWidth, y: area.y, style: Style(.title, reverse: true))
        }
    }
}

/// The line above the status line: an open prompt, or the last flash.
enum FlashLine {
    static func render(_ c: RenderContext, in area: Rect, into screen: inout Screen) {
        guard !area.isEmpty else { return }
        var line = PromptComponent.line(c)
        if line == nil, let flash = c.state.flash {
            line = ((flash.isError ? "⚠ " : "") + flash.message, Style(flash.isError ? .error : .muted, bold: flash.isError))
        }
        guard let line else { return }
        screen.put(DisplayWidth.clip(line.text, to: area.width), x: area.x, y: area.y, style: line.style)
    }
}

/// The last line: how fresh the data is, when it refreshes next, and the two keys to know.
enum StatusLine {
    /// " · 4 due in 18s · 9,812 settled, next in 5h · 3 archived": what the next round fetches and
    /// when the rest is due, in wall-clock time.
    static func schedule(_ state: DashboardState, nextRound: Date) -> String {
        let untilRound = max(0, nextRound.timeIntervalSince(state.wall).rounded(.up))
        guard state.loaded else { return " · next in \(Format.interval(untilRound))" }
        let schedule = state.schedule
        func wallTime(until date: Date?) -> String {
            Format.interval(max(untilRound, (date.map { $0.timeIntervalSince(state.now) } ?? 0) / state.clockRate).rounded(.up))
        }
        var text = ""
        let dueAtRound = schedule.dueCount(by: state.now.addingTimeInterval((untilRound + state.interval / 2) * state.clockRate))
        let waiting = schedule.waiting(after: state.now)
        let settled = schedule.settled(after: state.now)
        if dueAtRound > 0 {
            text += " · \(Format.count(dueAtRound)) due in \(Format.interval(untilRound))"
        } else if waiting.count > 0 {
            text += " · next due in \(wallTime(until: waiting.next))"
        }
        if settled.count > 0 { text += " · \(Format.count(settled.count)) settled, next in \(wallTime(until: settled.next))" }
        if schedule.archived > 0 { text += " · \(Format.count(schedule.archived)) archived" }
        return text.isEmpty ? " · nothing due" : text
    }

    /// When the sources last pushed (a push asks the pollers, or `listen`, to fetch), the longest
    /// first: each source, the latest first ("pushed: Kaleyra 12s ago, PayU ARN 3h ago"), the
    /// latest alone ("pushed: Kaleyra 12s ago"), the latest's age ("pushed 12s ago"). None when
    /// nothing has pushed.
    static func pushes(_ state: DashboardState) -> [String] {
        let sources = state.lastPushes.sorted { $0.value > $1.value }.map { "\($0.key.title) \(Age.text(since: $0.value, now: state.wall))" }
        guard let latest = state.lastPushes.values.max(), let first = sources.first else { return [] }
        var choices = ["pushed: " + sources.joined(separator: ", ")]
        if sources.count > 1 { choices.append("pushed: " + first) }
        choices.append("pushed \(Age.text(since: latest, now: state.wall))")
        return choices
    }

    /// Where the pushes' part goes in `left` before it is fitted to the line.
    static let pushesMark = "\u{0}pushes"

    /// The parts of the line that fit in `room` columns: whole parts go from the end. The
    /// pushes' part takes the longest of its forms that keeps it on the line; with `keepingPushes`
    /// the parts after it go before it does.
    static func fitted(_ parts: [String], pushes: [String], room: Int, keepingPushes: Bool) -> [String] {
        func trimmed(_ parts: [String], keeping kept: Int?) -> [String]? {
            var parts = parts
            var index = parts.count - 1
            while DisplayWidth.of(parts.joined(separator: " · ")) > room {
                while index >= 1, index == kept { index -= 1 }
                guard index >= 1 else { return nil }
                parts.remove(at: index)
                index -= 1
            }
            return parts
        }
        if let mark = parts.firstIndex(of: pushesMark) {
            for text in pushes {
                var candidate = parts
                candidate[mark] = text
                if let fit = trimmed(candidate, keeping: keepingPushes ? mark : nil), fit.contains(text) { return fit }
            }
            var without = parts
            without.remove(at: mark)
            return trimmed(without, keeping: nil) ?? [without[0]]
        }
        return trimmed(parts, keeping: nil) ?? [parts[0]]
    }

    static func render(_ c: RenderContext, in area: Rect, into screen: inout Screen) {
        guard !area.isEmpty else { return }
        let state = c.state
        let y = area.y
        // While a prompt is open, what was wrong with the answer takes the status line, whole.
        if state.prompt != nil, let flash = state.flash, flash.isError {
            screen.fill(y: y, style: Style(.error, bold: true, reverse: true))
            screen.put(DisplayWidth.clip(" ⚠ " + flash.message, to: area.width), x: area.x, y: y, style: Style(.error, bold: true, reverse: true))
            return
        }
        var left: String
        if state.pollersRun, let pollers = state.pollers {
            // "live · 2 pollers · last cycle 14s ago": the pollers fetch, this shows what they store.
            left = "live · \(plural(pollers.count, "poller"))"
            if let since = pollers.sinceCycle {
                left += " · last cycle \(Age.text(since: pollers.at.addingTimeInterval(-since), now: state.wall))"
            } else {
                left += " · first cycle running"
            }
            if !state.requested.isEmpty { left += " · \(Format.count(state.requested.count)) asked for" }
            if !state.lastPushes.isEmpty { left += " · " + pushesMark }
        } else if state.isRefreshing {
            left = "refreshing \(state.refreshDone)/\(state.refreshTotal)"
        } else if let last = state.lastRefresh {
            left = "updated \(Age.text(since: last, now: state.wall))"
        } else {
            if state.loaded {
                left = "not refreshed yet"
            } else if let whole = state.pageTotals {
                left = "loading all \(Format.count(whole.orders)) orders…"
            } else {
                left = "loading…"
            }
        }
        // The API's request for patience comes first: it is why nothing arrives.
        if let slowdown = state.slowdowns.filter({ $0.resumesAt > state.wall }).max(by: { $0.resumesAt < $1.resumesAt }) {
            let wait = Format.interval(max(1, slowdown.resumesAt.timeIntervalSince(state.wall).rounded(.up)))
            left = "\(slowdown.service.rawValue) asked us to slow down: resuming in \(wait) · " + left
        }
        if state.readOnly { left += " · read-only" }
        // Without pollers, before the schedule: when pushes come (a `listen` on this store), they
        // are what keeps the screen fresh.
        if !state.pollersRun, state.loaded, !state.lastPushes.isEmpty { left += " · " + pushesMark }
        if state.paused {
            left += " · paused"
        } else if !state.isRefreshing, !state.pollersRun, let next = state.nextRefresh {
            left += schedule(state, nextRound: next)
        }
        if !state.pollersRun { left += " · every \(Format.interval(state.interval))" }
        let hints = "? help  q quit"
        // On a narrow terminal whole parts go, from the end, rather than one cut in the middle;
        // the pushes' part goes shorter first.
        let room = area.width - DisplayWidth.of(hints) - 2
        // Without pollers the pushes are what keeps the screen fresh: they stay before the schedule.
        let parts = fitted((" " + left).components(separatedBy: " · "), pushes: pushes(state), room: room, keepingPushes: !state.pollersRun)
        screen.fill(y: y, style: Style(.muted, reverse: true))
        screen.put(parts.joined(separator: " · "), x: area.x, y: y, style: Style(.muted, reverse: true), limit: room)
        screen.put(hints + " ", x: area.maxX - DisplayWidth.of(hints) - 1, y: y, style: Style(.muted, reverse: true))
    }
}
