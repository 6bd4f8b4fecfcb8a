import RefundModel

/// `?`: the keys, made from the binding table, and what the mouse does, in a box over the body;
/// two columns when they fit; below them the saved views on `1`–`9`.
/// Any key closes it (`q` quits); when it is taller than the screen, `j`/`k` (and the wheel)
/// scroll it.
enum HelpComponent {
    static let gap = 2

    /// One entry a binding, then what the mouse does: `j ↓       move down`.
    static var entries: [String] {
        let pairs = KeyBindings.all.map { ($0.keyNames, $0.help) } + KeyBindings.mouse.map { ($0.what, $0.does) }
        let keyWidth = pairs.map { DisplayWidth.of($0.0) }.max() ?? 0
        return pairs.map { DisplayWidth.pad($0.0, to: keyWidth + gap) + $0.1 }
    }

    /// The lines inside the box for a box at most `width` wide: the entries in two columns when
    /// they fit, else one; then the saved views and their keys.
    static func lines(width: Int, views: [SavedView]) -> [String] {
        let entries = entries
        let entryWidth = entries.map { DisplayWidth.of($0) }.max() ?? 0
        var lines: [String]
        if 2 * entryWidth + 2 * gap + 4 <= width {
            let half = (entries.count + 1) / 2
            lines = (0..<half).map { row in
                let left = DisplayWidth.pad(entries[row], to: entryWidth + 2 * gap)
                return left + (entries[safe: row + half] ?? "")
            }
        } else {
            lines = entries
        }
        if !views.isEmpty {
            lines += ["", "Saved views (on the watchlist; 0 or Esc leaves the view):"]
            let nameWidth = views.prefix(9).map { DisplayWidth.of($0.name) }.max() ?? 0
            for (index, view) in views.prefix(9).enumerated() {
                let filter = view.filter.isEmpty ? "every order" : "/" + view.filter
                let columns = view.columns == nil ? "" : ", \(view.columns!.count) columns"
                lines.append("\(index + 1)  " + DisplayWidth.pad(view.name, to: nameWidth + gap) + "\(filter), by \(SortMode(view.sort).rawValue)\(columns)")
            }
            if views.count > 9 { lines.append("   and \(views.count - 9) more, without a key (refundwatch views list)") }
        }
        return lines
    }

    /// What the `/` filter understands besides words, in the box's bottom border.
    static let filterLine = " / filter: words · is:late · is:due · account:NAME "

    /// The box: as wide as its lines need, within `body`; as tall, or the body's height. A blank
    /// row pads the lines above and below (`padding` 1) when the body has room for them; when
    /// it has not, the padding goes before the lines have to scroll.
    static func box(_ body: Rect, views: [SavedView]) -> (frame: Rect, lines: [String], padding: Int) {
        let lines = lines(width: body.width, views: views)
        let width = min(body.width - 4, (lines.map { DisplayWidth.of($0) }.max() ?? 40) + 4)
        let padding = lines.count + 4 <= body.height ? 1 : 0
        let height = min(body.height, lines.count + 2 + 2 * padding)
        return (Rect(x: body.x + (body.width - width) / 2, y: body.y + max(0, (body.height - height) / 2), width: width, height: height), lines, padding)
    }

    /// Lines shown at once: the box less its borders and blank rows.
    static func visibleLines(_ state: DashboardState) -> Int {
        let box = box(state.layout.body, views: state.views)
        return max(1, box.frame.height - 2 - 2 * box.padding)
    }

    static func maxScroll(_ state: DashboardState) -> Int {
        max(0, box(state.layout.body, views: state.views).lines.count - visibleLines(state))
    }

    static func scroll(by delta: Int, _ state: inout DashboardState) {
        state.helpTop = min(maxScroll(state), max(0, state.helpTop + delta))
    }

    static func handle(_ key: Key, _ state: inout DashboardState) -> [Effect] {
        if key == .character("q") { return [.quit] }
        if maxScroll(state) > 0, let command = KeyBindings.binding(for: key, atWatchlist: false)?.command {
            switch command {
            case .down: scroll(by: 1, &state); return []
            case .up: scroll(by: -1, &state); return []
            case .pageDown, .halfPageDown: scroll(by: visibleLines(state) - 1, &state); return []
            case .pageUp, .halfPageUp: scroll(by: -(visibleLines(state) - 1), &state); return []
            default: break
            }
        }
        state.overlay = nil
        return []
    }

    static func render(_ c: RenderContext, scroll: Int, in body: Rect, into screen: inout Screen) {
        let (frame, lines, padding) = box(body, views: c.state.views)
        guard frame.width >= 4, frame.height >= 3 else { return }
        let border = Style(.border, bold: true)
        let inner = String(repeating: "─", count: frame.width - 2)
        screen.put("┌" + inner + "┐", x: frame.x, y: frame.y, style: border)
        for row in 1..<(frame.height - 1) {
            screen.put("│" + String(repeating: " ", count: frame.width - 2) + "│", x: frame.x, y: frame.y + row, style: border)
        }
        screen.put("└" + inner + "┘", x: frame.x, y: frame.maxY - 1, style: border)
        screen.put(" Keys ", x: frame.x + 2, y: frame.y, style: Style(.title, bold: true))
        let shown = max(1, frame.height - 2 - 2 * padding)
        let top = min(scroll, max(0, lines.count - shown))
        for (index, line) in lines.dropFirst(top).prefix(shown).enumerated() {
            screen.put(DisplayWidth.clip(line, to: frame.width - 4), x: frame.x + 2, y: frame.y + 1 + padding + index, style: .text)
        }
        let more = top + shown < lines.count
        if more {
            screen.put(" ↓ more: j/k ", x: frame.maxX - 15, y: frame.maxY - 1, style: Style(.muted, reverse: true))
        }
        // Left of "↓ more" when both fit.
        if DisplayWidth.of(filterLine) + (more ? 17 : 0) + 4 <= frame.width {
            screen.put(filterLine, x: frame.x + 2, y: frame.maxY - 1, style: Style(.muted))
        }
    }
}
