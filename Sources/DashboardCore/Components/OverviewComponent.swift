import Foundation
import RefundModel
import WatchlistModel

/// The overview (`v`): the whole desk in panels of charts over a window (`w`: 24 hours, 7 days,
/// 30 days). Every bar, count and cell that stands for orders is an item the cursor moves over
/// (`j`/`k`, PgDn/PgUp a panel at a time, a click): an age's label (all its open refunds) and each
/// stage's segment of its bar, each histogram bucket, each day, each count. `Enter` opens the
/// watchlist narrowed to exactly those orders, and `Esc` comes back here.
struct OverviewComponent: Component {
    func crumb(_ c: RenderContext) -> String { "Overview \(c.state.overviewWindow.rawValue)" }

    /// The items, one after another in reading order; drawing puts them where `picture` says.
    func scroller(_ c: RenderContext, body: Rect) -> Scroller {
        let count = OverviewPicture(c, body: body).items.count
        return .list(count: count, rows: Rect(x: body.x, y: body.y, width: body.width, height: max(1, count)))
    }

    func item(atX x: Int, y: Int, _ c: RenderContext, body: Rect, frame: Frame) -> Int? {
        OverviewPicture(c, body: body).items.firstIndex { $0.rect.contains(x: x, y: y) }
    }

    mutating func open(_ index: Int, _ state: inout DashboardState) -> [Effect] {
        let c = RenderContext(state: state)
        guard let item = OverviewPicture(c, body: state.layout.body).items[safe: index] else { return [] }
        return [.loadOverviewOrders(item.selection, Self.period(state))]
    }

    func copyTarget(_ state: DashboardState, selected index: Int) -> CopyTarget? { nil }

    mutating func perform(_ command: Command, _ state: inout DashboardState) -> [Effect]? {
        switch command {
        case .window:
            state.overviewWindow = state.overviewWindow.next
            state.flash = Flash(message: "the overview looks back over \(state.overviewWindow.rawValue)", isError: false, at: state.wall)
            return Self.load(&state)
        case .refresh, .refreshAll:
            return Self.load(&state)
        case .pageDown, .pageUp:
            // A panel at a time: the first item of the next (or previous) panel.
            let items = OverviewPicture(RenderContext(state: state), body: state.layout.body).items
            guard let current = items[safe: state.frame.selected] else { return [] }
            let target: Int? = command == .pageDown
                ? items.indices.first { $0 > state.frame.selected && items[$0].panel != current.panel }
                : items.indices.last { $0 < state.frame.selected && items[$0].panel != current.panel }
                    .map { last in items.indices.first { items[$0].panel == items[last].panel } ?? last }
            if let target { Dashboard.select(target, &state) }
            return []
        default:
            return nil
        }
    }

    func render(_ c: RenderContext, frame: Frame, in body: Rect, into screen: inout Screen) {
        var picture = OverviewPicture(c, body: body, selected: frame.selected)
        picture.draw(into: &screen)
    }

    /// What the overview counts over now: the chosen window up to the data's clock.
    static func period(_ state: DashboardState) -> OverviewPeriod {
        OverviewPeriod.last(state.overviewWindow, until: state.now)
    }

    /// Reads the overview for the chosen window.
    static func load(_ state: inout DashboardState) -> [Effect] {
        state.overviewStale = false
        state.overviewLoading = true
        return [.loadOverview(period(state), state.overviewWindow)]
    }

    /// A bar's orders arrived: the watchlist opens on them, above the overview.
    static func opened(_ selection: OverviewSelection, _ ids: [Int64], _ state: inout DashboardState) -> [Effect] {
        guard state.frame.view == .overview else { return [] }
        let known = ids.filter { state.row(id: $0) != nil }
        guard !known.isEmpty else {
            state.flash = Flash(message: "no orders there: \(selection.title)", isError: false, at: state.wall)
            return []
        }
        state.drill = Drill(selection: selection, orderIDs: known)
        state.stack.append(Frame(.watchlist))
        Dashboard.clampCursor(&state)
        state.flash = Flash(message: "\(plural(known.count, "order")): \(selection.title) · Esc returns to the overview", isError: false, at: state.wall)
        return []
    }
}

/// The overview's panels, in the order they are kept: when the terminal is too small for all of
/// them, the last is dropped first (by method, by gateway, time to completion, per day, time to
/// ARN, fetch health, alerts, deadlines); open refunds always stay.
enum OverviewPanel: Int, CaseIterable, Comparable {
    case open, deadlines, alerts, health, toARN, timeline, toCompletion, gateways, methods

    var name: String {
        switch self {
        case .open: "open refunds"
        case .deadlines: "deadlines"
        case .alerts: "alerts"
        case .health: "fetch health"
        case .toARN: "time to ARN"
        case .timeline: "per day"
        case .toCompletion: "time to completion"
        case .gateways: "by gateway"
        case .methods: "by method"
        }
    }

    static func < (a: OverviewPanel, b: OverviewPanel) -> Bool { a.rawValue < b.rawValue }
}

/// One thing on the overview that stands for orders, and where it is drawn.
struct OverviewItem {
    var selection: OverviewSelection
    var rect: Rect
    var panel: OverviewPanel
}

/// The overview laid out in a body: which panels fit where, the items, and the drawing. Layout,
/// cursor movement and mouse hit-testing all use this one value, so a click lands on what is drawn.
struct OverviewPicture {
    let c: RenderContext
    let body: Rect
    let selected: Int?
    private(set) var items: [OverviewItem] = []
    private(set) var placed: [(panel: OverviewPanel, rect: Rect)] = []
    private(set) var hidden: [OverviewPanel] = []
    private var screen: Screen?

    init(_ c: RenderContext, body: Rect, selected: Int? = nil) {
        self.c = c
        self.body = body
        self.selected = selected
        guard let overview = c.state.overview else { return }
        (placed, hidden) = Self.place(overview, in: body.splitTop(1).rest)
        // The items, worked out by drawing nowhere.
        drawPanels(overview)
    }

    var overview: Overview? { c.state.overview }
    var glyphs: ChartGlyphs { c.state.glyphs }

    // MARK: - Layout

    static let gap = 1

    static func height(_ panel: OverviewPanel, _ overview: Overview) -> Int {
        switch panel {
        case .open: 7
        case .toARN, .toCompletion: 6
        case .timeline: 5
        case .deadlines: 2 + DeadlineStage.allCases.count
        case .alerts: 1 + AlertRule.allCases.count
        case .gateways: 2 + max(1, min(maxGroupRows, overview.gateways.count))
        case .methods: 2 + max(1, min(maxGroupRows, overview.methods.count))
        case .health: 3
        }
    }

    static let maxGroupRows = 6

    /// Panels side by side in a row of a column, and columns side by side: two columns from 100
    /// wide, else one, with deadlines beside alerts (and gateways beside methods) from 72.
    static func place(_ overview: Overview, in area: Rect) -> (placed: [(panel: OverviewPanel, rect: Rect)], hidden: [OverviewPanel]) {
        typealias Column = (x: Int, width: Int, rows: [[OverviewPanel]])
        var columns: [Column]
        if area.width >= 100 {
            let left = (area.width - 2) / 2
            columns = [(area.x, left, [[.open], [.toARN], [.toCompletion], [.timeline]]),
                       (area.x + left + 2, area.width - left - 2, [[.deadlines], [.alerts], [.gateways], [.methods], [.health]])]
        } else if area.width >= 72 {
            columns = [(area.x, area.width, [[.open], [.deadlines, .alerts], [.health], [.toARN], [.timeline], [.toCompletion], [.gateways, .methods]])]
        } else {
            columns = [(area.x, area.width, OverviewPanel.allCases.map { [$0] })]
        }
        var kept = Set(OverviewPanel.allCases)
        func height(_ column: Column) -> Int {
            let rows = column.rows.map { $0.filter(kept.contains) }.filter { !$0.isEmpty }
            return rows.map { row in row.map { Self.height($0, overview) }.max() ?? 0 }.reduce(0, +) + max(0, rows.count - 1) * gap
        }
        // One line says what was left out.
        while kept.count > 1, columns.contains(where: { height($0) + (kept.count < OverviewPanel.allCases.count ? 1 : 0) > area.height }) {
            kept.remove(kept.max()!)
        }
        var placed: [(panel: OverviewPanel, rect: Rect)] = []
        for column in columns {
            var y = area.y
            for row in column.rows {
                let shown = row.filter(kept.contains)
                guard !shown.isEmpty else { continue }
                let rowHeight = shown.map { Self.height($0, overview) }.max() ?? 0
                let width = (column.width - (shown.count - 1) * 2) / shown.count
                for (index, panel) in shown.enumerated() {
                    let x = column.x + index * (width + 2)
                    let w = index == shown.count - 1 ? column.x + column.width - x : width
                    placed.append((panel, Rect(x: x, y: y, width: w, height: min(Self.height(panel, overview), area.maxY - y))))
                }
                y += rowHeight + gap
            }
        }
        placed.sort { $0.panel < $1.panel }
        // Reading order for the cursor: top to bottom, then left to right.
        placed.sort { ($0.rect.y, $0.rect.x) < ($1.rect.y, $1.rect.x) }
        return (placed, OverviewPanel.allCases.filter { !kept.contains($0) })
    }

    // MARK: - Drawing

    mutating func draw(into target: inout Screen) {
        let c = self.c
        screen = target
        items = []
        defer {
            target = screen!
            screen = nil
        }
        let window = c.state.overviewWindow
        guard let overview else {
            put("Reading the overview…", x: body.x + 2, y: body.y + 1, style: Style(.muted))
            return
        }
        let period = overview.period
        let head = "Last \(window.rawValue): \(OverviewSelection.format(period.since)) – \(OverviewSelection.format(period.until)) IST"
        let keys = "  w window · Enter a bar's orders · PgDn next panel"
        put(head, x: body.x + 1, y: body.y, style: Style(.header), limit: body.width - 1)
        put(keys, x: body.x + 1 + DisplayWidth.of(head), y: body.y, style: Style(.muted), limit: max(0, body.width - 1 - DisplayWidth.of(head)))
        drawPanels(overview)
        if !hidden.isEmpty {
            // What a larger terminal would add, in the order they come back.
            let names = hidden.map(\.name).joined(separator: ", ")
            let note = placed.count == 1
                ? "Only \(placed[0].panel.name) fit here; a larger terminal adds \(names)"
                : "\(plural(hidden.count, "panel")) \(hidden.count == 1 ? "needs" : "need") a larger terminal: \(names)"
            put(DisplayWidth.clip(note, to: body.width - 2), x: body.x + 1, y: body.maxY - 1, style: Style(.muted))
        }
    }

    private mutating func drawPanels(_ overview: Overview) {
        for (panel, rect) in placed {
            switch panel {
            case .open: drawOpen(overview, rect)
            case .toARN: drawHistogram(overview.toARN, before: overview.toARNBefore, title: "Time to ARN", role: .series2, rect, panel: .toARN,
                                       selection: OverviewSelection.toARN)
            case .toCompletion: drawHistogram(overview.toCompletion, before: overview.toCompletionBefore, title: "Time to completion", role: .series5, rect,
                                              panel: .toCompletion, selection: OverviewSelection.toCompletion)
            case .timeline: drawTimeline(overview, rect)
            case .deadlines: drawDeadlines(overview, rect)
            case .alerts: drawAlerts(overview, rect)
            case .gateways: drawGroups(overview.gateways, title: "By gateway", rect, panel: .gateways, selection: OverviewSelection.gateway)
            case .methods: drawGroups(overview.methods, title: "By payment method", rect, panel: .methods, selection: OverviewSelection.method)
            case .health: drawHealth(overview, rect)
            }
        }
    }

    /// Writes text when drawing (nothing while only the items are worked out).
    private mutating func put(_ text: String, x: Int, y: Int, style: Style = .text, limit: Int? = nil) {
        guard screen != nil, limit.map({ $0 > 0 }) ?? true else { return }
        screen!.put(text, x: x, y: y, style: style, limit: limit)
    }

    private mutating func cell(_ text: String, x: Int, y: Int, style: Style = .text, width: Int, rightAligned: Bool = false) {
        guard screen != nil, width > 0 else { return }
        screen!.put(text, x: x, y: y, style: style, width: width, rightAligned: rightAligned)
    }

    /// Adds an item; its text drawn in `style`, or as selected when the cursor is on it.
    private mutating func item(_ selection: OverviewSelection, _ panel: OverviewPanel, _ text: String, x: Int, y: Int, width: Int,
                               style: Style = .text, rightAligned: Bool = false) {
        let index = items.count
        items.append(OverviewItem(selection: selection, rect: Rect(x: x, y: y, width: width, height: 1), panel: panel))
        cell(text, x: x, y: y, style: index == selected ? Style(.selection, bold: true, reverse: true) : style, width: width, rightAligned: rightAligned)
    }

    private mutating func title(_ text: String, _ detail: String, _ rect: Rect) {
        put(text, x: rect.x, y: rect.y, style: Style(.title), limit: rect.width)
        let used = DisplayWidth.of(text)
        if !detail.isEmpty { put("  " + detail, x: rect.x + used, y: rect.y, style: Style(.muted), limit: rect.width - used) }
    }

    // MARK: Open refunds by age and stage

    /// The segment glyphs of the stacked bars, one a stage: distinct without colour too.
    var stageGlyphs: [String] { glyphs == .unicode ? ["█", "▓", "▒", "░", "▚"] : ["#", "%", "=", "+", "-"] }
    static let stageRoles: [Role] = [.series1, .series2, .series3, .series4, .series5]
    static let stageNames = ["pending", "queued", "at bank", "no ARN", "unsettled"]

    private mutating func drawOpen(_ overview: Overview, _ rect: Rect) {
        title("Open refunds by age", "\(OverviewWords.count(overview.openCount)) · \(OverviewWords.rupees(overview.openAmountMinor))", rect)
        let labelWidth = 5
        let countWidth = 7
        var amountWidth = 13
        var barWidth = rect.width - labelWidth - 1 - countWidth - amountWidth - 1
        if barWidth < 10 {
            amountWidth = 0
            barWidth = rect.width - labelWidth - 1 - countWidth - 1
        }
        let stages = RefundProgress.open
        let totals = AgeBucket.allCases.map { age in overview.open(age).reduce(0) { $0 + $1.count } }
        let maximum = Double(max(1, totals.max() ?? 1))
        for (row, age) in AgeBucket.allCases.enumerated() {
            let y = rect.y + 1 + row
            let cells = overview.open(age)
            let counts = stages.map { stage in Double(cells.first { $0.progress == stage }?.count ?? 0) }
            let amount = cells.reduce(Int64(0)) { $0 + $1.amountMinor }
            item(.open(age, nil), .open, age.label, x: rect.x, y: y, width: labelWidth, style: Style(.muted))
            var x = rect.x + labelWidth + 1
            // Each stage's segment is a bar of its own: chosen, it opens that age's refunds at that stage.
            for (index, width) in Chart.segments(counts, maximum: maximum, width: max(0, barWidth)).enumerated() where width > 0 {
                item(.open(age, stages[index]), .open, String(repeating: stageGlyphs[index], count: width), x: x, y: y, width: width,
                     style: Style(Self.stageRoles[index]))
                x += width
            }
            let right = rect.x + labelWidth + 1 + max(0, barWidth) + 1
            cell(totals[row] == 0 ? "·" : OverviewWords.count(totals[row]), x: right, y: y, style: totals[row] == 0 ? Style(.muted) : .text, width: countWidth,
                 rightAligned: true)
            if amountWidth > 0 {
                cell(amount == 0 ? "" : OverviewWords.rupees(amount), x: right + countWidth, y: y, style: Style(.muted), width: amountWidth, rightAligned: true)
            }
        }
        var x = rect.x + labelWidth + 1
        for (index, name) in Self.stageNames.enumerated() {
            guard x < rect.maxX else { break }
            put(stageGlyphs[index], x: x, y: rect.y + 6, style: Style(Self.stageRoles[index]))
            put(" " + name + "  ", x: x + 1, y: rect.y + 6, style: Style(.muted), limit: rect.maxX - x - 1)
            x += 3 + DisplayWidth.of(name) + 1
        }
    }

    // MARK: Time to a milestone

    private mutating func drawHistogram(_ stats: SpanStats, before: SpanStats, title text: String, role: Role, _ rect: Rect, panel: OverviewPanel,
                                        selection: (SpanBucket) -> OverviewSelection) {
        title(text, "\(OverviewWords.count(stats.count)) · \(OverviewWords.figures(stats, before: before))", rect)
        let buckets = SpanBucket.allCases
        let columnWidth = max(3, min(8, rect.width / buckets.count))
        let maximum = Double(max(1, stats.histogram.max() ?? 1))
        let levels = glyphs.levels
        let barRows = 3
        for (column, bucket) in buckets.enumerated() {
            let x = rect.x + column * columnWidth
            let count = stats.histogram[bucket.rawValue]
            if count > 0 { cell(OverviewWords.count(count), x: x, y: rect.y + 1, style: Style(.muted), width: columnWidth - 1, rightAligned: false) }
            let eighths = count == 0 ? 0 : max(1, Int((Double(count) / maximum * Double(barRows * 8)).rounded()))
            for row in 0..<barRows {
                let filled = min(8, max(0, eighths - row * 8))
                guard filled > 0 else { continue }
                let glyph = filled == 8 ? String(levels[7]) : String(levels[filled - 1])
                put(String(repeating: glyph, count: columnWidth - 1), x: x, y: rect.y + 1 + barRows - row, style: Style(role))
            }
            // "12-24h" takes 6 columns; in narrower ones the hours' "h" is left to "<6h" to say.
            let label = DisplayWidth.of(bucket.label) <= columnWidth - 1 ? bucket.label : bucket.label.replacingOccurrences(of: "h", with: "")
            item(selection(bucket), panel, label, x: x, y: rect.y + 2 + barRows, width: columnWidth - 1, style: Style(.muted))
        }
    }

    // MARK: Per day

    private mutating func drawTimeline(_ overview: Overview, _ rect: Rect) {
        let timeline = overview.timeline
        let step = overview.period.step
        let labelWidth = 10
        let totalWidth = 7
        let room = max(1, rect.width - labelWidth - totalWidth)
        let cellWidth = timeline.isEmpty ? 1 : max(1, min(3, room / timeline.count))
        let kinds: [(name: String, role: Role, value: (TimelineBucket) -> Int, selection: (Date) -> OverviewSelection)] = [
            ("created", .series1, { $0.created }, OverviewSelection.created),
            ("completed", .good, { $0.completed }, OverviewSelection.completed),
            ("failed", .bad, { $0.failed }, OverviewSelection.failed),
        ]
        let firstItem = items.count
        let maximum = Double(max(1, timeline.map { max($0.created, $0.completed, $0.failed) }.max() ?? 1))
        for (row, kind) in kinds.enumerated() {
            let y = rect.y + 1 + row
            put(kind.name, x: rect.x, y: y, style: Style(.muted))
            let values = timeline.map { Double(kind.value($0)) }
            let line = Chart.sparkline(values, maximum: maximum, glyphs: glyphs).map(String.init)
            // Braille, where allowed: two points a cell, each bucket level across its cells (a
            // count is not a curve: nothing is drawn between days that was not counted), the last
            // point left blank between buckets wide enough to part them.
            let fine = c.state.braille && glyphs == .unicode ? Self.finerLine(values, cellsEach: cellWidth, maximum: maximum) : nil
            for (index, bucket) in timeline.enumerated() {
                let x = rect.x + labelWidth + index * cellWidth
                guard x + cellWidth <= rect.maxX - totalWidth else { break }
                let shown: String
                if let fine {
                    shown = String(fine[(index * cellWidth)..<((index + 1) * cellWidth)])
                } else {
                    // A day with none: a dot where the font has one, else blank (ASCII's "." is a height).
                    let glyph = line[index] == " " ? (glyphs == .unicode ? "·" : " ") : line[index]
                    shown = String(repeating: glyph, count: cellWidth >= 3 ? cellWidth - 1 : cellWidth)
                }
                item(kind.selection(bucket.start), .timeline, shown, x: x, y: y, width: DisplayWidth.of(shown),
                     style: Style(values[index] == 0 ? .muted : kind.role))
            }
            let total = timeline.reduce(0) { $0 + kind.value($1) }
            cell(OverviewWords.count(total), x: rect.maxX - totalWidth, y: y, style: .text, width: totalWidth, rightAligned: true)
        }
        // The title says the chosen bucket's numbers, or the window's.
        let unit = step == .hour ? "Per hour" : "Per day"
        var detail = ["created", "completed", "failed"].enumerated().map { index, name in
            "\(OverviewWords.count(timeline.reduce(0) { $0 + kinds[index].value($1) })) \(name)"
        }.joined(separator: ", ")
        if let selected, selected >= firstItem, selected < items.count, let bucket = timeline[safe: (selected - firstItem) % max(1, timeline.count)] {
            detail = "\(OverviewSelection.format(bucket.start)): \(bucket.created) created, \(bucket.completed) completed, \(bucket.failed) failed"
        }
        title(unit, detail, rect)
        if let first = timeline.first, let last = timeline.last {
            let y = rect.y + 4
            put(OverviewSelection.format(first.start), x: rect.x + labelWidth, y: y, style: Style(.muted))
            let end = OverviewSelection.format(last.start)
            let lastX = rect.x + labelWidth + min(timeline.count * cellWidth, room) - DisplayWidth.of(end)
            if lastX > rect.x + labelWidth + DisplayWidth.of(OverviewSelection.format(first.start)) + 1 { put(end, x: lastX, y: y, style: Style(.muted)) }
        }
    }

    /// `cellsEach` braille cells a bucket, two points a cell, each at the bucket's value; the
    /// last point of a bucket is blank when it has more than two, so that days stay apart.
    static func finerLine(_ values: [Double], cellsEach: Int, maximum: Double) -> [Character] {
        let points = cellsEach * 2
        var samples: [Double] = []
        for value in values {
            for point in 0..<points { samples.append(points > 2 && point == points - 1 ? 0 : value) }
        }
        return Array(Chart.braille(samples, maximum: maximum))
    }

    // MARK: Deadlines and alerts

    private mutating func drawDeadlines(_ overview: Overview, _ rect: Rect) {
        title("Deadlines", "late now · due in 24h", rect)
        let nameWidth = 11
        cell("", x: rect.x, y: rect.y + 1, width: nameWidth)
        cell("late", x: rect.x + nameWidth, y: rect.y + 1, style: Style(.header), width: 6, rightAligned: true)
        cell("due 24h", x: rect.x + nameWidth + 6, y: rect.y + 1, style: Style(.header), width: 9, rightAligned: true)
        for (row, tally) in overview.deadlines.enumerated() {
            let y = rect.y + 2 + row
            put(OverviewWords.stage(tally.stage), x: rect.x, y: y, style: Style(.muted), limit: nameWidth)
            item(.deadline(tally.stage, late: true), .deadlines, OverviewWords.count(tally.late), x: rect.x + nameWidth, y: y, width: 6,
                 style: tally.late > 0 ? Style(.bad, bold: true) : Style(.muted), rightAligned: true)
            item(.deadline(tally.stage, late: false), .deadlines, OverviewWords.count(tally.dueSoon), x: rect.x + nameWidth + 6, y: y, width: 9,
                 style: tally.dueSoon > 0 ? Style(.pending) : Style(.muted), rightAligned: true)
            let rule = c.state.rules.ruleText(tally.stage)
            put(rule, x: rect.x + nameWidth + 17, y: y, style: Style(.muted), limit: rect.width - nameWidth - 17)
        }
    }

    private mutating func drawAlerts(_ overview: Overview, _ rect: Rect) {
        title("Open alerts", "unresolved · not yet acknowledged", rect)
        let nameWidth = 20
        for (row, tally) in overview.alerts.enumerated() {
            let y = rect.y + 1 + row
            put(tally.rule.title, x: rect.x, y: y, style: Style(.muted), limit: nameWidth)
            item(.alert(tally.rule), .alerts, OverviewWords.count(tally.unresolved), x: rect.x + nameWidth, y: y, width: 6,
                 style: tally.unattended > 0 ? Style(.bad, bold: true) : tally.unresolved > 0 ? .text : Style(.muted), rightAligned: true)
            if tally.unattended > 0 {
                put("  \(OverviewWords.count(tally.unattended)) new", x: rect.x + nameWidth + 6, y: y, style: Style(.muted), limit: rect.width - nameWidth - 6)
            }
        }
    }

    // MARK: Gateways and methods

    private mutating func drawGroups(_ groups: [GroupTally], title text: String, _ rect: Rect, panel: OverviewPanel, selection: (String) -> OverviewSelection) {
        title(text, "open · ₹ open · median to ARN", rect)
        let nameWidth = 12
        let numbers = 6 + 13 + 8
        let barWidth = max(0, rect.width - nameWidth - numbers - 1)
        guard !groups.isEmpty else {
            put("no refunds yet", x: rect.x, y: rect.y + 1, style: Style(.muted), limit: rect.width)
            return
        }
        let maximum = Double(max(1, groups.map(\.open).max() ?? 1))
        for (row, group) in groups.prefix(Self.maxGroupRows).enumerated() {
            let y = rect.y + 1 + row
            item(selection(group.name), panel, group.name.isEmpty ? "(not said)" : group.name, x: rect.x, y: y, width: nameWidth - 1, style: Style(.muted))
            put(Chart.bar(Double(group.open), maximum: maximum, width: barWidth, glyphs: glyphs), x: rect.x + nameWidth, y: y, style: Style(.series1))
            var x = rect.x + nameWidth + barWidth + 1
            cell(OverviewWords.count(group.open), x: x, y: y, width: 6, rightAligned: true)
            x += 6
            cell(group.openAmountMinor == 0 ? "" : OverviewWords.rupees(group.openAmountMinor), x: x, y: y, style: Style(.muted), width: 13, rightAligned: true)
            x += 13
            cell(OverviewWords.span(group.medianToARN), x: x, y: y, style: Style(.muted), width: 8, rightAligned: true)
        }
        let header = rect.y + 1 + min(groups.count, Self.maxGroupRows)
        if groups.count > Self.maxGroupRows {
            put("and \(groups.count - Self.maxGroupRows) more", x: rect.x, y: header, style: Style(.muted), limit: rect.width)
        }
    }

    // MARK: Fetch health

    private mutating func drawHealth(_ overview: Overview, _ rect: Rect) {
        let health = overview.health
        title("Fetch health", "\(OverviewWords.count(health.orders)) orders · \(OverviewWords.count(health.neverFetched)) never fetched · "
              + "\(OverviewWords.count(health.partlyFailing)) without PayU", rect)
        var x = rect.x
        let y = rect.y + 1
        func text(_ words: String, _ style: Style = Style(.muted)) {
            put(words, x: x, y: y, style: style, limit: rect.maxX - x)
            x += DisplayWidth.of(words)
        }
        let failing = "\(OverviewWords.count(health.failing)) failing"
        if x + DisplayWidth.of(failing) <= rect.maxX {
            item(.failing(nil), .health, failing, x: x, y: y, width: DisplayWidth.of(failing), style: health.failing > 0 ? Style(.bad, bold: true) : Style(.muted))
            x += DisplayWidth.of(failing)
        }
        for (index, tally) in health.failingBy.enumerated() {
            text(index == 0 ? " (" : ", ")
            let words = "\(OverviewWords.count(tally.count)) \(OverviewWords.category(tally.category))"
            guard x + DisplayWidth.of(words) <= rect.maxX else { break }
            item(.failing(tally.category), .health, words, x: x, y: y, width: DisplayWidth.of(words),
                 style: tally.category == ErrorCategory.rateLimited.rawValue ? Style(.warning) : Style(.muted))
            x += DisplayWidth.of(words)
            if index == health.failingBy.count - 1 { text(")") }
        }
        x = rect.x
        var second: String
        if health.pollers.isEmpty {
            second = "no poller running: " + (c.state.readOnly ? "nothing fetches for this dashboard" : "this dashboard fetches")
        } else {
            let cycle = health.pollers.compactMap(\.sinceCycle).min()
            second = "\(plural(health.pollers.count, "poller"))" + (cycle.map { ", last cycle \(DurationText.short($0)) ago" } ?? ", no cycle ended yet")
        }
        let paused = c.state.slowdowns.filter { $0.resumesAt > c.state.wall }
        if !paused.isEmpty {
            second += " · " + paused.map { "\($0.service.rawValue) paused \(DurationText.short($0.resumesAt.timeIntervalSince(c.state.wall)))" }
                .joined(separator: ", ")
        } else if health.throttled > 0 {
            second += " · \(plural(health.throttled, "order")) throttled"
        }
        put(second, x: rect.x, y: rect.y + 2, style: paused.isEmpty && health.throttled == 0 ? Style(.muted) : Style(.warning), limit: rect.width)
    }
}
