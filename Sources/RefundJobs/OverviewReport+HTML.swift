import Foundation
import RefundKit
import WatchlistModel

extension OverviewReport {
    /// `report --format html`: one self-contained HTML5 page with the overview's panels in the
    /// screen's order. Its CSS and SVG charts are inline; it has no script and asks for nothing
    /// (no font, image, style sheet or link), and its Content-Security-Policy forbids any request,
    /// so it opens the same from a mail attachment, a file or a web server, and prints on A4.
    ///
    /// Every text from the data (names, categories, the source, the model's labels such as "<24h")
    /// is escaped: control characters shown visibly, then `& < > " '` as entities.
    public var html: String { OverviewHTMLPage(report: self).html }
}

/// The page, section by section: each function returns one section's HTML.
struct OverviewHTMLPage {
    let report: OverviewReport
    var overview: Overview { report.overview }

    /// The width of a full-width chart's coordinates, and of a half-width one: about the size it is
    /// drawn on a screen, so that its text is the page's size there and a little smaller on A4.
    static let wide: Double = 900
    static let half: Double = 430

    var html: String {
        let parts = [
            Self.head(title: "refundwatch report"),
            "<body>",
            "<main>",
            header,
            open,
            pair(histogram(overview.toARN, before: overview.toARNBefore, title: "Time to ARN", id: "to-arn"),
                 histogram(overview.toCompletion, before: overview.toCompletionBefore, title: "Time to completion", id: "to-completion")),
            timeline,
            pair(deadlines, alerts),
            pair(groups(overview.gateways, title: "By gateway", id: "gateways", column: "gateway"),
                 groups(overview.methods, title: "By payment method", id: "methods", column: "method")),
            health,
            "</main>",
            "</body>",
            "</html>",
        ]
        return parts.joined(separator: "\n") + "\n"
    }

    // MARK: - Text

    /// Text from the data made safe for HTML, in an element or in an attribute: control characters,
    /// C1 controls and bidi overrides shown visibly (`\e`, as on the terminal), then `&`, `<`, `>`,
    /// `"` and `'` written as entities.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in TerminalSafe.text(text) {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// A coordinate: whole numbers plain, others to a tenth ("12", "12.5"), the same on every machine.
    static func n(_ value: Double) -> String {
        let tenths = (value * 10).rounded()
        return tenths.truncatingRemainder(dividingBy: 10) == 0 ? String(Int(tenths / 10)) : String(format: "%.1f", tenths / 10)
    }

    static func count(_ number: Int) -> String { OverviewWords.count(number) }
    static func rupees(_ paise: Int64) -> String { OverviewWords.rupees(paise) }

    /// A name as shown: an empty one (a payment method nobody stated) as "(not said)".
    static func name(_ name: String) -> String { name.isEmpty ? "(not said)" : name }

    /// "2 orders": a count in Indian grouping and its noun.
    static func counted(_ number: Int, _ singular: String, _ pluralForm: String? = nil) -> String {
        "\(count(number)) \(number == 1 ? singular : pluralForm ?? singular + "s")"
    }

    // MARK: - Page

    static func head(title: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <style>
        \(style)
        </style>
        </head>
        """
    }

    /// The look: dark text on white, on a screen and on paper alike; the stage colours of the
    /// terminal's series (blue, cyan, yellow, magenta, green) darkened enough for white paper, and
    /// told apart in greyscale by their patterns and the numbers written on them.
    static let style = """
    :root { color-scheme: light; }
    * { box-sizing: border-box; }
    body { margin: 0; background: #fff; color: #1b1f24; font: 14px/1.45 system-ui, "Segoe UI", "DejaVu Sans", "Liberation Sans", Arial, sans-serif; }
    main { max-width: 980px; margin: 0 auto; padding: 24px 28px 40px; }
    h1 { font-size: 24px; margin: 0 0 4px; letter-spacing: -0.01em; }
    h2 { font-size: 16px; margin: 0; }
    section { margin: 0 0 22px; break-inside: avoid; }
    .pair { display: grid; grid-template-columns: 1fr 1fr; gap: 0 32px; }
    .pair > section { min-width: 0; }
    .pair .heading { display: block; }
    .pair .heading .detail { display: block; }
    .heading { display: flex; flex-wrap: wrap; align-items: baseline; gap: 2px 12px; border-bottom: 1px solid #c9ced6; padding-bottom: 3px; margin-bottom: 8px; }
    .detail, .muted { color: #586069; }
    .detail { font-size: 13px; }
    .period { font-size: 16px; margin: 0 0 6px; }
    .meta { display: grid; grid-template-columns: max-content 1fr; gap: 0 12px; margin: 0 0 12px; font-size: 13px; }
    .meta dt { color: #586069; }
    .meta dd { margin: 0; overflow-wrap: anywhere; }
    .figures { display: flex; flex-wrap: wrap; gap: 10px; list-style: none; padding: 0; margin: 0 0 22px; }
    .figures li { border: 1px solid #c9ced6; border-left: 4px solid #2f6fd0; border-radius: 3px; padding: 6px 12px; min-width: 150px; }
    .figures li.warn { border-left-color: #c62828; }
    .figures b { display: block; font-size: 20px; font-variant-numeric: tabular-nums; }
    svg { display: block; width: 100%; height: auto; overflow: visible; }
    svg text { font-family: inherit; fill: #1b1f24; }
    svg .axis { fill: #586069; font-size: 12px; }
    svg .value { font-size: 12px; font-variant-numeric: tabular-nums; }
    svg .label { font-size: 13px; }
    svg .on-bar { font-size: 11px; font-weight: 600; paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
    svg .grid { stroke: #e3e6ea; stroke-width: 1; }
    svg .base { stroke: #8a929c; stroke-width: 1; }
    svg .previous { fill: #fff; stroke: #6b7480; stroke-width: 1.2; stroke-dasharray: 3 2; }
    svg .created { fill: #2457b3; }
    svg .completed { fill: #6fbf73; }
    svg .failed { fill: url(#failed-hatch); }
    svg .to-arn { fill: #12869a; }
    svg .to-completion { fill: #3d9447; }
    svg .group { fill: #2457b3; }
    table { border-collapse: collapse; width: 100%; font-size: 13px; font-variant-numeric: tabular-nums; }
    th, td { text-align: left; padding: 3px 8px 3px 0; border-bottom: 1px solid #eceef1; vertical-align: middle; }
    th { font-weight: 600; color: #586069; border-bottom-color: #c9ced6; vertical-align: bottom; }
    th.num { text-align: right; }
    td.num { text-align: right; white-space: nowrap; }
    td.num:last-child, th.num:last-child { padding-right: 0; }
    td.bar { width: 90px; padding-right: 6px; }
    td.bar svg { width: 90px; height: 10px; }
    td.name { overflow-wrap: anywhere; min-width: 7.5em; }
    td.key { white-space: nowrap; }
    table.by-stage { width: auto; margin-top: 4px; }
    table.by-stage th.num, table.by-stage td.num { padding-left: 28px; }
    .bad { color: #b71c1c; font-weight: 700; }
    .soon { color: #8a5a00; font-weight: 600; }
    .numbers { display: flex; flex-wrap: wrap; align-items: flex-start; gap: 8px 36px; margin-top: 10px; }
    .numbers table { width: auto; font-size: 12px; flex: 0 0 auto; }
    .numbers th, .numbers td { padding: 1px 8px 1px 0; }
    .none { color: #586069; font-style: italic; margin: 4px 0; }
    .facts { display: flex; flex-wrap: wrap; gap: 4px 24px; margin: 0 0 8px; padding: 0; list-style: none; }
    .facts b { font-variant-numeric: tabular-nums; }
    h3 { font-size: 13px; margin: 8px 0 4px; color: #586069; font-weight: 600; }
    @media (max-width: 760px) { .pair { grid-template-columns: 1fr; } }
    @page { size: A4; margin: 14mm 12mm; }
    @media print {
      body { font-size: 11px; background: #fff; color: #000; print-color-adjust: exact; -webkit-print-color-adjust: exact; }
      main { max-width: none; padding: 0; }
      h1 { font-size: 19px; }
      h2 { font-size: 13px; }
      .period { font-size: 13px; }
      .detail, .meta, table { font-size: 10.5px; }
      .numbers table { font-size: 9.5px; }
      h3 { font-size: 11px; }
      .figures li { min-width: 0; padding: 3px 8px; }
      .figures b { font-size: 15px; }
      .pair { grid-template-columns: 1fr 1fr; gap: 0 20px; }
      section { margin-bottom: 14px; }
      .figures { margin-bottom: 14px; }
    }
    """

    /// Two sections side by side (one above the other on a narrow screen).
    func pair(_ left: String, _ right: String) -> String {
        "<div class=\"pair\">\n\(left)\n\(right)\n</div>"
    }

    /// A section with its heading and a line of detail beside it (under it in a pair).
    static func section(_ id: String, _ title: String, detail: String, _ body: String) -> String {
        """
        <section id="\(id)" aria-labelledby="\(id)-title">
        <div class="heading"><h2 id="\(id)-title">\(escape(title))</h2><span class="detail">\(escape(detail))</span></div>
        \(body)
        </section>
        """
    }

    // MARK: - Header

    var header: String {
        let period = overview.period
        let days = period.length / 86_400
        let length = days >= 1 && days == days.rounded() ? Self.counted(Int(days), "day") : Self.counted(Int((period.length / 3600).rounded()), "hour")
        let late = overview.deadlines.reduce(0) { $0 + $1.late }
        let unresolved = overview.alerts.reduce(0) { $0 + $1.unresolved }
        let figures: [(value: String, words: String, warn: Bool)] = [
            (Self.count(overview.openCount), "open refunds, \(Self.rupees(overview.openAmountMinor))", false),
            (Self.count(late), late == 1 ? "deadline passed" : "deadlines passed", late > 0),
            (Self.count(unresolved), unresolved == 1 ? "unresolved alert" : "unresolved alerts", unresolved > 0),
            (Self.count(overview.health.failing), overview.health.failing == 1 ? "order failing to fetch" : "orders failing to fetch", overview.health.failing > 0),
        ]
        let tiles = figures.map { "<li\($0.warn ? " class=\"warn\"" : "")><b>\(Self.escape($0.value))</b>\(Self.escape($0.words))</li>" }
        return """
        <header>
        <h1>refundwatch report</h1>
        <p class="period">\(Self.escape(OverviewReport.india(period.since))) – \(Self.escape(OverviewReport.india(period.until))) <span class="muted">(\(Self.escape(length)))</span></p>
        <dl class="meta">
        <dt>Generated</dt><dd>\(Self.escape(OverviewReport.india(report.generatedAt)))</dd>
        <dt>Source</dt><dd>\(Self.escape(report.source))</dd>\(period.accounts.isEmpty ? "" : "\n<dt>Accounts</dt><dd>\(Self.escape(period.accounts.joined(separator: ", ")))</dd>")
        </dl>
        <ul class="figures">
        \(tiles.joined(separator: "\n"))
        </ul>
        </header>
        """
    }

    // MARK: - Open refunds by age

    /// The stages of an open refund, in the order a refund goes through them, each with its colour
    /// and how its pattern differs: solid, stripes one way, solid and light, stripes the other way,
    /// level lines.
    static let stages: [(progress: RefundProgress, id: String, colour: String, angle: Int?)] = [
        (.pending, "pending", "#2457b3", nil),
        (.queued, "queued", "#12869a", 45),
        (.bank, "bank", "#e0ae14", nil),
        (.arn, "arn", "#a83a98", -45),
        (.unsettled, "unsettled", "#3d9447", 0),
    ]

    /// One `<pattern>` a stage, for the stacked bars and their legend.
    static var stagePatterns: String {
        let patterns = stages.map { stage -> String in
            guard let angle = stage.angle else {
                return "<pattern id=\"stage-\(stage.id)\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\"><rect width=\"6\" height=\"6\" fill=\"\(stage.colour)\"/></pattern>"
            }
            return "<pattern id=\"stage-\(stage.id)\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(\(angle))\">"
                + "<rect width=\"6\" height=\"6\" fill=\"\(stage.colour)\"/><rect width=\"6\" height=\"2\" fill=\"#fff\" fill-opacity=\"0.55\"/></pattern>"
        }
        return "<defs>\n" + patterns.joined(separator: "\n") + "\n</defs>"
    }

    var open: String {
        let detail = "\(Self.counted(overview.openCount, "refund")) · \(Self.rupees(overview.openAmountMinor))"
        return Self.section("open", "Open refunds by age", detail: detail, openChart + "\n" + openTable)
    }

    /// A stacked bar an age bucket, as long as its share of the largest bucket, each stage's part
    /// with its count written on it when it has room; the bucket's count and money at the right.
    var openChart: String {
        let width = Self.wide
        let labelWidth: Double = 56, countRight: Double = width - 128, moneyRight = width
        let barLeft = labelWidth, barWidth = countRight - 64 - labelWidth
        let rowHeight: Double = 30, barHeight: Double = 20, top: Double = 22
        let ages = AgeBucket.allCases
        let totals = ages.map { age in overview.open(age).reduce(0) { $0 + $1.count } }
        let maximum = Double(max(1, totals.max() ?? 1))
        var out = [Self.svgStart(width: width, height: top + Double(ages.count) * rowHeight + 34, label: "Open refunds by age and stage"), Self.stagePatterns]
        out.append("<text class=\"axis\" x=\"\(Self.n(countRight))\" y=\"14\" text-anchor=\"end\">open</text>")
        out.append("<text class=\"axis\" x=\"\(Self.n(moneyRight))\" y=\"14\" text-anchor=\"end\">₹ open</text>")
        for (row, age) in ages.enumerated() {
            let y = top + Double(row) * rowHeight
            let middle = y + barHeight / 2 + 4.5
            let cells = overview.open(age)
            out.append("<text class=\"label\" x=\"0\" y=\"\(Self.n(middle))\">\(Self.escape(age.label))</text>")
            var x = barLeft
            for stage in Self.stages {
                guard let cell = cells.first(where: { $0.progress == stage.progress }), cell.count > 0 else { continue }
                let w = Double(cell.count) / maximum * barWidth
                let what = "\(age.label), \(stage.progress.label): \(Self.counted(cell.count, "refund")), \(Self.rupees(cell.amountMinor))"
                out.append("<rect x=\"\(Self.n(x))\" y=\"\(Self.n(y))\" width=\"\(Self.n(max(1, w)))\" height=\"\(Self.n(barHeight))\" fill=\"url(#stage-\(stage.id))\">"
                           + "<title>\(Self.escape(what))</title></rect>")
                let number = Self.count(cell.count)
                if w >= Double(number.count) * 7 + 8 {
                    out.append("<text class=\"on-bar\" x=\"\(Self.n(x + w / 2))\" y=\"\(Self.n(middle - 0.5))\" text-anchor=\"middle\">\(Self.escape(number))</text>")
                }
                x += w
            }
            let amount = cells.reduce(Int64(0)) { $0 + $1.amountMinor }
            out.append("<text class=\"value\" x=\"\(Self.n(countRight))\" y=\"\(Self.n(middle))\" text-anchor=\"end\">\(Self.escape(Self.count(totals[row])))</text>")
            out.append("<text class=\"value\" x=\"\(Self.n(moneyRight))\" y=\"\(Self.n(middle))\" text-anchor=\"end\">\(Self.escape(amount == 0 ? "—" : Self.rupees(amount)))</text>")
        }
        // The legend, under the bars: a swatch and a name a stage.
        var x = barLeft
        let y = top + Double(ages.count) * rowHeight + 10
        for stage in Self.stages {
            out.append("<rect x=\"\(Self.n(x))\" y=\"\(Self.n(y))\" width=\"16\" height=\"14\" fill=\"url(#stage-\(stage.id))\"/>")
            out.append("<text class=\"label\" x=\"\(Self.n(x + 22))\" y=\"\(Self.n(y + 11.5))\">\(Self.escape(stage.progress.label))</text>")
            x += 22 + Double(stage.progress.label.count) * 7.4 + 26
        }
        out.append("</svg>")
        return out.joined(separator: "\n")
    }

    /// Each stage's count as a table, an age bucket a row (a part too short for its number on the
    /// bar, or a colour lost in print, still has it here).
    var openTable: String {
        let stages = Self.stages.map(\.progress)
        var rows = ["<table class=\"by-stage\">",
                    "<thead><tr><th>age</th>" + stages.map { "<th class=\"num\">\(Self.escape($0.label))</th>" }.joined() + "</tr></thead>", "<tbody>"]
        for age in AgeBucket.allCases {
            let cells = overview.open(age)
            let counts = stages.map { stage in cells.first { $0.progress == stage }?.count ?? 0 }
            rows.append("<tr><td>\(Self.escape(age.label))</td>"
                        + counts.map { "<td class=\"num\(($0 == 0) ? " muted" : "")\">\(Self.escape(Self.count($0)))</td>" }.joined() + "</tr>")
        }
        rows.append("</tbody>")
        rows.append("</table>")
        return rows.joined(separator: "\n")
    }

    // MARK: - Time to a milestone

    /// A histogram of the eight spans: this period's bar, and to its left, dashed, the period before's;
    /// each with its count above it (the period before's in grey). `id` names the section and the class of this period's bars (cyan to the ARN, green to
    /// completion, as on the terminal).
    func histogram(_ stats: SpanStats, before: SpanStats, title: String, id: String) -> String {
        let detail = "\(Self.count(stats.count)) · \(OverviewWords.figures(stats, before: before))"
        return Self.section(id, title, detail: detail, histogramChart(stats, before: before, title: title, id: id))
    }

    func histogramChart(_ stats: SpanStats, before: SpanStats, title: String, id: String) -> String {
        let width = Self.half
        let buckets = SpanBucket.allCases
        let top: Double = 40, plot: Double = 120, bottom = top + plot
        let slot = width / Double(buckets.count)
        let barWidth = min(22, slot * 0.42)
        let maximum = Double(max(1, (stats.histogram + before.histogram).max() ?? 1))
        var out = [Self.svgStart(width: width, height: bottom + 24, label: "\(title): this period and the period before")]
        // The legend, at the top.
        out.append("<rect x=\"0\" y=\"4\" width=\"12\" height=\"12\" class=\"\(id)\"/>")
        out.append("<text class=\"axis\" x=\"17\" y=\"14\">this period (\(Self.escape(Self.count(stats.count))))</text>")
        let second = 17 + Double("this period (\(Self.count(stats.count)))".count) * 6.6 + 24
        out.append("<rect x=\"\(Self.n(second))\" y=\"4.5\" width=\"11\" height=\"11\" class=\"previous\"/>")
        out.append("<text class=\"axis\" x=\"\(Self.n(second + 17))\" y=\"14\">the period before (\(Self.escape(Self.count(before.count))))</text>")
        out.append("<line class=\"base\" x1=\"0\" x2=\"\(Self.n(width))\" y1=\"\(Self.n(bottom + 0.5))\" y2=\"\(Self.n(bottom + 0.5))\"/>")
        for (index, bucket) in buckets.enumerated() {
            let now = stats.histogram[safe: bucket.rawValue] ?? 0
            let was = before.histogram[safe: bucket.rawValue] ?? 0
            let centre = slot * (Double(index) + 0.5)
            let what = "\(title) \(bucket.label): \(Self.count(now)) this period, \(Self.count(was)) the period before"
            func height(_ value: Int) -> Double { value == 0 ? 0 : max(1.5, Double(value) / maximum * plot) }
            let wasHeight = height(was)
            if was > 0 {
                out.append("<rect class=\"previous\" x=\"\(Self.n(centre - barWidth - 1))\" y=\"\(Self.n(bottom - wasHeight))\" width=\"\(Self.n(barWidth))\" "
                           + "height=\"\(Self.n(wasHeight))\"><title>\(Self.escape(what))</title></rect>")
                out.append("<text class=\"axis\" x=\"\(Self.n(centre - 1 - barWidth / 2))\" y=\"\(Self.n(bottom - wasHeight - 4))\" text-anchor=\"middle\">"
                           + "\(Self.escape(Self.count(was)))</text>")
            }
            let nowHeight = height(now)
            if now > 0 {
                out.append("<rect class=\"\(id)\" x=\"\(Self.n(centre + 1))\" y=\"\(Self.n(bottom - nowHeight))\" "
                           + "width=\"\(Self.n(barWidth))\" height=\"\(Self.n(nowHeight))\"><title>\(Self.escape(what))</title></rect>")
                out.append("<text class=\"value\" x=\"\(Self.n(centre + 1 + barWidth / 2))\" y=\"\(Self.n(bottom - nowHeight - 4))\" text-anchor=\"middle\">"
                           + "\(Self.escape(Self.count(now)))</text>")
            }
            out.append("<text class=\"axis\" x=\"\(Self.n(centre))\" y=\"\(Self.n(bottom + 17))\" text-anchor=\"middle\">\(Self.escape(bucket.label))</text>")
        }
        out.append("</svg>")
        return out.joined(separator: "\n")
    }

    // MARK: - Per day (or hour)

    /// The timeline's three series, each name also its bars' class: the terminal's created (blue),
    /// completed (green) and failed (red, and hatched, so that it stays apart from created in greyscale).
    static let series: [(name: String, value: @Sendable (TimelineBucket) -> Int)] = [
        ("created", { $0.created }),
        ("completed", { $0.completed }),
        ("failed", { $0.failed }),
    ]

    var timeline: String {
        let unit = overview.period.step == .hour ? "Per hour" : "Per day"
        let totals = Self.series.map { kind in "\(Self.count(overview.timeline.reduce(0) { $0 + kind.value($1) })) \(kind.name)" }
        guard !overview.timeline.isEmpty else {
            return Self.section("timeline", unit, detail: totals.joined(separator: ", "), "<p class=\"none\">nothing in this period</p>")
        }
        return Self.section("timeline", unit, detail: totals.joined(separator: ", "), timelineChart + "\n" + timelineTables)
    }

    /// Three bars a bucket side by side, on a scale with three or four grid lines.
    var timelineChart: String {
        let width = Self.wide
        let buckets = overview.timeline
        let step = overview.period.step
        let left: Double = 40, top: Double = 30, plot: Double = 150
        let bottom = top + plot
        let slot = (width - left) / Double(buckets.count)
        let barWidth = min(14, slot * 0.8 / 3)
        let largest = buckets.map { max($0.created, $0.completed, $0.failed) }.max() ?? 0
        let tick = Self.niceStep(Double(max(1, largest)) / 4)
        let scaleTop = max(tick, (Double(max(1, largest)) / tick).rounded(.up) * tick)
        var out = [Self.svgStart(width: width, height: bottom + 40, label: "\(step == .hour ? "Per hour" : "Per day"): created, completed and failed"),
                   "<defs><pattern id=\"failed-hatch\" width=\"5\" height=\"5\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
                   + "<rect width=\"5\" height=\"5\" fill=\"#c62828\"/><rect width=\"5\" height=\"1.6\" fill=\"#fff\" fill-opacity=\"0.6\"/></pattern></defs>"]
        // The legend, at the top.
        var x = left
        for kind in Self.series {
            out.append("<rect x=\"\(Self.n(x))\" y=\"4\" width=\"12\" height=\"12\" class=\"\(kind.name)\"/>")
            out.append("<text class=\"axis\" x=\"\(Self.n(x + 17))\" y=\"14\">\(Self.escape(kind.name))</text>")
            x += 17 + Double(kind.name.count) * 7 + 22
        }
        // The scale.
        for value in stride(from: 0, through: scaleTop, by: tick) {
            let y = bottom - value / scaleTop * plot
            if value > 0 { out.append("<line class=\"grid\" x1=\"\(Self.n(left))\" x2=\"\(Self.n(width))\" y1=\"\(Self.n(y + 0.5))\" y2=\"\(Self.n(y + 0.5))\"/>") }
            out.append("<text class=\"axis\" x=\"\(Self.n(left - 6))\" y=\"\(Self.n(y + 4))\" text-anchor=\"end\">\(Self.escape(Self.count(Int(value))))</text>")
        }
        out.append("<line class=\"base\" x1=\"\(Self.n(left))\" x2=\"\(Self.n(width))\" y1=\"\(Self.n(bottom + 0.5))\" y2=\"\(Self.n(bottom + 0.5))\"/>")
        let every = Self.labelEvery(count: buckets.count, step: step)
        var lastDay: String?
        for (index, bucket) in buckets.enumerated() {
            let start = left + slot * Double(index) + (slot - barWidth * 3) / 2
            let label = OverviewReport.bucketLabel(bucket.start)
            for (k, kind) in Self.series.enumerated() {
                let value = kind.value(bucket)
                let height = value == 0 ? 0 : max(1.5, Double(value) / scaleTop * plot)
                let what = "\(label): \(Self.count(value)) \(kind.name)"
                // A zero is a hairline on the base, so that its title can still be found.
                out.append("<rect class=\"\(kind.name)\" x=\"\(Self.n(start + Double(k) * barWidth))\" y=\"\(Self.n(bottom - max(height, 1)))\" "
                           + "width=\"\(Self.n(max(1, barWidth - 1)))\" height=\"\(Self.n(max(height, 1)))\"\(value == 0 ? " fill-opacity=\"0.25\"" : "")>"
                           + "<title>\(Self.escape(what))</title></rect>")
            }
            guard index % every == 0 else { continue }
            let centre = left + slot * (Double(index) + 0.5)
            let (first, second) = Self.axisLabel(bucket.start, step: step)
            // A label that would stick out past the chart's right edge ends at it instead.
            func place(_ text: String) -> String {
                centre + Double(text.count) * 3.6 > width ? "x=\"\(Self.n(width))\" text-anchor=\"end\"" : "x=\"\(Self.n(centre))\" text-anchor=\"middle\""
            }
            out.append("<text class=\"axis\" \(place(first)) y=\"\(Self.n(bottom + 16))\">\(Self.escape(first))</text>")
            if let second, second != lastDay {
                out.append("<text class=\"axis\" \(place(second)) y=\"\(Self.n(bottom + 31))\">\(Self.escape(second))</text>")
                lastDay = second
            }
        }
        out.append("</svg>")
        return out.joined(separator: "\n")
    }

    /// Every bucket's numbers as text: small tables side by side, of at most eleven rows (a day's 25
    /// hours in three, a month's 31 days in three), two of them at least for more than four buckets.
    var timelineTables: String {
        let buckets = overview.timeline
        let tables = buckets.count <= 4 ? 1 : max(2, Int((Double(buckets.count) / 11).rounded(.up)))
        let size = Int((Double(buckets.count) / Double(max(1, tables))).rounded(.up))
        let unit = overview.period.step == .hour ? "hour (IST)" : "day (IST)"
        var out = ["<div class=\"numbers\">"]
        for chunk in stride(from: 0, to: buckets.count, by: max(1, size)) {
            out.append("<table>")
            out.append("<thead><tr><th>\(Self.escape(unit))</th>" + Self.series.map { "<th class=\"num\">\(Self.escape($0.name))</th>" }.joined() + "</tr></thead>")
            out.append("<tbody>")
            for bucket in buckets[chunk..<min(buckets.count, chunk + size)] {
                let cells = Self.series.map { kind -> String in
                    let value = kind.value(bucket)
                    let style = value == 0 ? " muted" : kind.name == "failed" ? " bad" : ""
                    return "<td class=\"num\(style)\">\(Self.escape(Self.count(value)))</td>"
                }
                out.append("<tr><td>\(Self.escape(OverviewReport.bucketLabel(bucket.start)))</td>" + cells.joined() + "</tr>")
            }
            out.append("</tbody>")
            out.append("</table>")
        }
        out.append("</div>")
        return out.joined(separator: "\n")
    }

    /// 1, 2 or 5 times a power of ten, at least `rough` (and at least 1: counts are whole).
    static func niceStep(_ rough: Double) -> Double {
        guard rough > 1 else { return 1 }
        let power = pow(10, (log10(rough)).rounded(.down))
        for factor in [1.0, 2, 5, 10] where factor * power >= rough { return factor * power }
        return 10 * power
    }

    /// How many buckets apart the axis labels are: about a dozen labels at most.
    static func labelEvery(count: Int, step: OverviewStep) -> Int {
        let most = step == .hour ? 12 : 16
        guard count > most else { return 1 }
        // Hours: a whole divisor of a day's 24 (every 2, 3, 4 or 6 hours), so the labels repeat daily.
        let every = Int((Double(count) / Double(most)).rounded(.up))
        return step == .hour ? ([2, 3, 4, 6, 8, 12, 24].first { $0 >= every } ?? every) : every
    }

    /// An axis label: a day's date ("11 Nov"); or an hour's start in India ("14:30") and, under it,
    /// its date.
    static func axisLabel(_ start: Date, step: OverviewStep) -> (String, String?) {
        guard step == .hour else { return (OverviewReport.bucketLabel(start), nil) }
        let seconds = Int((start.timeIntervalSince1970 + OverviewStep.indiaOffset).rounded(.down))
        let ofDay = ((seconds % 86_400) + 86_400) % 86_400
        let time = String(format: "%02d:%02d", ofDay / 3600, ofDay % 3600 / 60)
        return (time, OverviewReport.bucketLabel(OverviewStep.day.start(of: start)))
    }

    // MARK: - Deadlines and alerts

    var deadlines: String {
        var rows = ["<table>", "<thead><tr><th>stage</th><th>rule</th><th class=\"num\">late</th><th class=\"num\">due in 24h</th></tr></thead>", "<tbody>"]
        for tally in overview.deadlines {
            rows.append("<tr><td class=\"key\">\(Self.escape(OverviewWords.stage(tally.stage)))</td><td class=\"muted\">\(Self.escape(report.rules.ruleText(tally.stage)))</td>"
                        + "<td class=\"num\(tally.late > 0 ? " bad" : " muted")\">\(Self.escape(Self.count(tally.late)))</td>"
                        + "<td class=\"num\(tally.dueSoon > 0 ? " soon" : " muted")\">\(Self.escape(Self.count(tally.dueSoon)))</td></tr>")
        }
        rows += ["</tbody>", "</table>"]
        let late = overview.deadlines.reduce(0) { $0 + $1.late }
        let soon = overview.deadlines.reduce(0) { $0 + $1.dueSoon }
        return Self.section("deadlines", "Deadlines", detail: "\(Self.count(late)) late now · \(Self.count(soon)) due in 24h", rows.joined(separator: "\n"))
    }

    var alerts: String {
        var rows = ["<table>", "<thead><tr><th>rule</th><th class=\"num\">unresolved</th><th class=\"num\">not yet acknowledged</th></tr></thead>", "<tbody>"]
        for tally in overview.alerts {
            rows.append("<tr><td class=\"key\">\(Self.escape(tally.rule.title))</td>"
                        + "<td class=\"num\(tally.unresolved > 0 ? "" : " muted")\">\(Self.escape(Self.count(tally.unresolved)))</td>"
                        + "<td class=\"num\(tally.unattended > 0 ? " bad" : " muted")\">\(Self.escape(Self.count(tally.unattended)))</td></tr>")
        }
        rows += ["</tbody>", "</table>"]
        let unresolved = overview.alerts.reduce(0) { $0 + $1.unresolved }
        let unattended = overview.alerts.reduce(0) { $0 + $1.unattended }
        return Self.section("alerts", "Open alerts", detail: "\(Self.count(unresolved)) unresolved · \(Self.count(unattended)) not yet acknowledged",
                            rows.joined(separator: "\n"))
    }

    // MARK: - By gateway and by payment method

    /// A table of gateways (or methods), each with a bar as long as its share of the most open.
    func groups(_ groups: [GroupTally], title: String, id: String, column: String) -> String {
        let detail = "ARNs that came in the period, and their median time from creation"
        guard !groups.isEmpty else { return Self.section(id, title, detail: detail, "<p class=\"none\">no refunds yet</p>") }
        let maximum = Double(max(1, groups.map(\.open).max() ?? 1))
        var rows = ["<table>", "<thead><tr><th>\(column)</th><th></th><th class=\"num\">open</th><th class=\"num\">₹ open</th>"
                    + "<th class=\"num\">ARNs</th><th class=\"num\">median to ARN</th></tr></thead>", "<tbody>"]
        for group in groups {
            let name = Self.name(group.name)
            let length = group.open == 0 ? 0 : max(1, Double(group.open) / maximum * 90)
            let bar = "<svg viewBox=\"0 0 90 10\" width=\"90\" height=\"10\" role=\"img\" aria-label=\"\(Self.escape("\(name): \(Self.count(group.open)) open"))\">"
                + "<title>\(Self.escape("\(name): \(Self.counted(group.open, "open refund")), \(Self.rupees(group.openAmountMinor))"))</title>"
                + "<rect class=\"group\" x=\"0\" y=\"0\" width=\"\(Self.n(length))\" height=\"10\"/></svg>"
            rows.append("<tr><td class=\"name\">\(Self.escape(name))</td><td class=\"bar\">\(bar)</td>"
                        + "<td class=\"num\">\(Self.escape(Self.count(group.open)))</td>"
                        + "<td class=\"num\">\(Self.escape(group.openAmountMinor == 0 ? "—" : Self.rupees(group.openAmountMinor)))</td>"
                        + "<td class=\"num\">\(Self.escape(Self.count(group.arns)))</td>"
                        + "<td class=\"num\">\(Self.escape(OverviewWords.span(group.medianToARN)))</td></tr>")
        }
        rows += ["</tbody>", "</table>"]
        return Self.section(id, title, detail: detail, rows.joined(separator: "\n"))
    }

    // MARK: - Fetch health

    var health: String {
        let health = overview.health
        func fact(_ number: Int, _ words: String, bad: Bool = false) -> String {
            "<li><b\(bad ? " class=\"bad\"" : "")>\(Self.escape(Self.count(number)))</b> \(Self.escape(words))</li>"
        }
        let facts = [fact(health.orders, health.orders == 1 ? "order" : "orders"), fact(health.failing, "failing to fetch", bad: health.failing > 0),
                     fact(health.partlyFailing, "without PayU's side"), fact(health.neverFetched, "never fetched")]
        var failing = ["<h3>Failing, by why</h3>"]
        if health.failingBy.isEmpty {
            failing.append("<p class=\"none\">no order's last fetch failed</p>")
        } else {
            failing.append("<table><thead><tr><th>error</th><th class=\"num\">orders</th></tr></thead><tbody>")
            for tally in health.failingBy {
                failing.append("<tr><td class=\"name\">\(Self.escape(OverviewWords.category(tally.category)))</td><td class=\"num\">\(Self.escape(Self.count(tally.count)))</td></tr>")
            }
            failing.append("</tbody></table>")
        }
        if health.throttled > 0 {
            failing.append("<p class=\"soon\">\(Self.escape(Self.counted(health.throttled, "order"))) refused for the request rate (throttled)</p>")
        }
        var pollers = ["<h3>Pollers</h3>"]
        if health.pollers.isEmpty {
            pollers.append("<p class=\"none\">no poller running</p>")
        } else {
            pollers.append("<table><thead><tr><th>host</th><th class=\"num\">pid</th><th class=\"num\">last heartbeat</th><th class=\"num\">last cycle</th></tr></thead><tbody>")
            for poller in health.pollers {
                let cycle = poller.sinceCycle.map { "\(DurationText.short($0)) ago" } ?? "none yet"
                pollers.append("<tr><td class=\"name\">\(Self.escape(poller.host))</td><td class=\"num\">\(Self.escape(String(poller.pid)))</td>"
                               + "<td class=\"num\">\(Self.escape(DurationText.short(poller.sinceBeat) + " ago"))</td><td class=\"num\">\(Self.escape(cycle))</td></tr>")
            }
            pollers.append("</tbody></table>")
        }
        let body = "<ul class=\"facts\">\n\(facts.joined(separator: "\n"))\n</ul>\n"
            + "<div class=\"pair\">\n<div>\n\(failing.joined(separator: "\n"))\n</div>\n<div>\n\(pollers.joined(separator: "\n"))\n</div>\n</div>"
        let detail = "\(Self.counted(health.pollers.count, "poller")) · \(Self.count(health.failing)) failing"
        return Self.section("health", "Fetch health", detail: detail, body)
    }

    // MARK: - SVG

    /// An SVG chart's opening tag: its coordinates `width` × `height`, drawn as wide as its section.
    static func svgStart(width: Double, height: Double, label: String) -> String {
        "<svg class=\"chart\" viewBox=\"0 0 \(n(width)) \(n(height))\" role=\"img\" aria-label=\"\(escape(label))\">"
    }
}

extension Array {
    fileprivate subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
