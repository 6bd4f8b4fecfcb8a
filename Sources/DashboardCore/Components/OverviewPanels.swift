import Foundation
import RefundModel
import WatchlistModel

/// The overview's panels, each drawn into the rectangle `OverviewPicture.place` gave it, adding
/// its items (what the cursor and the mouse choose) as it goes.
extension OverviewPicture {
    // MARK: Open refunds by age and stage

    /// The segment glyphs of the stacked bars, one a stage: distinct without colour too.
    var stageGlyphs: [String] { glyphs == .unicode ? ["█", "▓", "▒", "░", "▚"] : ["#", "%", "=", "+", "-"] }
    static let stageRoles: [Role] = [.series1, .series2, .series3, .series4, .series5]
    static let stageNames = ["pending", "queued", "at bank", "no ARN", "unsettled"]

    mutating func drawOpen(_ overview: Overview, _ rect: Rect) {
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

    mutating func drawHistogram(_ stats: SpanStats, before: SpanStats, title text: String, role: Role, _ rect: Rect, panel: OverviewPanel,
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

    mutating func drawTimeline(_ overview: Overview, _ rect: Rect) {
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

    mutating func drawDeadlines(_ overview: Overview, _ rect: Rect) {
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

    mutating func drawAlerts(_ overview: Overview, _ rect: Rect) {
        title("Open alerts", "unresolved · not yet acknowledged", rect)
        let nameWidth = 20
        for (row, tally) in OverviewPicture.alertRows(overview).enumerated() {
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

    mutating func drawGroups(_ groups: [GroupTally], title text: String, _ rect: Rect, panel: OverviewPanel, selection: (String) -> OverviewSelection) {
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

    mutating func drawHealth(_ overview: Overview, _ rect: Rect) {
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
