import Foundation
import RefundKit
import WatchlistModel

// MARK: - Text

extension OverviewReport {
    /// Plain text for a mail: sections with aligned columns (for a fixed-width font), bars in `#`
    /// so that any mail client shows them, amounts in rupees with Indian grouping.
    public var text: String {
        let o = overview
        var out: [String] = []
        let days = o.period.length / 86_400
        let span = days >= 1 && days == days.rounded() ? plural(Int(days), "day") : DurationText.short(o.period.length)
        out.append("refundwatch report: \(Self.india(o.period.since)) to \(Self.india(o.period.until)) (\(span))")
        out.append("Made \(Self.india(generatedAt)) from \(source.terminalSafe)")
        if !o.period.accounts.isEmpty { out.append("Accounts: \(o.period.accounts.joined(separator: ", ").terminalSafe) (the other accounts' orders are not counted)") }

        out.append("")
        out.append("OPEN REFUNDS: \(OverviewWords.count(o.openCount)), \(OverviewWords.rupees(o.openAmountMinor))")
        let stages = RefundProgress.open
        var open = TextColumns(["age", "open", "amount"] + stages.map(\.label), rightAligned: [false] + Array(repeating: true, count: 2 + stages.count))
        for age in AgeBucket.allCases {
            let cells = o.open(age)
            let count = cells.reduce(0) { $0 + $1.count }
            let amount = cells.reduce(Int64(0)) { $0 + $1.amountMinor }
            open.add([age.label, OverviewWords.count(count), OverviewWords.rupees(amount)]
                     + stages.map { stage in OverviewWords.count(cells.first { $0.progress == stage }?.count ?? 0) })
        }
        out += open.lines

        for (name, now, before) in [("TIME TO ARN", o.toARN, o.toARNBefore), ("TIME TO COMPLETION", o.toCompletion, o.toCompletionBefore)] {
            out.append("")
            out.append("\(name) (\(plural(now.count, "refund")) in the window): \(OverviewWords.figures(now, before: before))")
            let maximum = max(1, now.histogram.max() ?? 1)
            var table = TextColumns(["after", "refunds", "before", ""], rightAligned: [false, true, true, false])
            for bucket in SpanBucket.allCases {
                let count = now.histogram[bucket.rawValue]
                table.add([bucket.label, OverviewWords.count(count), OverviewWords.count(before.histogram[bucket.rawValue]),
                           String(repeating: "#", count: count == 0 ? 0 : max(1, count * 30 / maximum))])
            }
            out += table.lines
        }

        out.append("")
        out.append(o.period.step == .hour ? "PER HOUR (IST)" : "PER DAY (IST)")
        var timeline = TextColumns([o.period.step == .hour ? "hour" : "day", "created", "completed", "failed"], rightAligned: [false, true, true, true])
        for bucket in o.timeline {
            timeline.add([Self.bucketLabel(bucket.start), OverviewWords.count(bucket.created), OverviewWords.count(bucket.completed), OverviewWords.count(bucket.failed)])
        }
        timeline.add(["total", OverviewWords.count(o.timeline.reduce(0) { $0 + $1.created }), OverviewWords.count(o.timeline.reduce(0) { $0 + $1.completed }),
                      OverviewWords.count(o.timeline.reduce(0) { $0 + $1.failed })])
        out += timeline.lines

        out.append("")
        out.append("DEADLINES (late now, due within 24 hours)")
        var deadlines = TextColumns(["stage", "late", "due 24h", "rule"], rightAligned: [false, true, true, false])
        for tally in o.deadlines {
            deadlines.add([OverviewWords.stage(tally.stage), OverviewWords.count(tally.late), OverviewWords.count(tally.dueSoon), rules.ruleText(tally.stage)])
        }
        out += deadlines.lines

        out.append("")
        out.append("ALERTS NOT RESOLVED")
        var alerts = TextColumns(["rule", "unresolved", "not acknowledged"], rightAligned: [false, true, true])
        for tally in o.alerts { alerts.add([tally.rule.title, OverviewWords.count(tally.unresolved), OverviewWords.count(tally.unattended)]) }
        out += alerts.lines

        for (name, groups) in [("BY GATEWAY", o.gateways), ("BY PAYMENT METHOD", o.methods)] {
            out.append("")
            out.append(name)
            guard !groups.isEmpty else {
                out.append("  no refunds")
                continue
            }
            var table = TextColumns(["name", "open", "amount open", "ARNs", "median to ARN"], rightAligned: [false, true, true, true, true])
            for group in groups {
                table.add([group.name.isEmpty ? "(not said)" : group.name, OverviewWords.count(group.open), OverviewWords.rupees(group.openAmountMinor),
                           OverviewWords.count(group.arns), OverviewWords.span(group.medianToARN)])
            }
            out += table.lines
        }

        out.append("")
        out.append("FETCH HEALTH")
        let h = o.health
        let failing = h.failingBy.map { "\(OverviewWords.count($0.count)) \(OverviewWords.category($0.category))" }.joined(separator: ", ")
        out.append("  \(plural(h.orders, "order")): \(OverviewWords.count(h.failing)) failing\(failing.isEmpty ? "" : " (\(failing))"), "
                   + "\(OverviewWords.count(h.partlyFailing)) without PayU's side, \(OverviewWords.count(h.neverFetched)) never fetched")
        if h.pollers.isEmpty {
            out.append("  no poller running")
        } else {
            for poller in h.pollers {
                let cycle = poller.sinceCycle.map { "last cycle \(DurationText.short($0)) ago" } ?? "no cycle ended yet"
                out.append("  poller on \(poller.host) (pid \(poller.pid)): \(cycle)")
            }
        }
        return out.map { $0.terminalSafe }.joined(separator: "\n") + "\n"
    }
}

/// Columns padded to their widest cell, two spaces apart, indented by two.
struct TextColumns {
    let header: [String]
    let rightAligned: [Bool]
    private(set) var rows: [[String]] = []

    init(_ header: [String], rightAligned: [Bool]) {
        self.header = header
        self.rightAligned = rightAligned
    }

    mutating func add(_ cells: [String]) { rows.append(cells.map(\.terminalSafe)) }

    var lines: [String] {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            let cells = row.indices.map { column -> String in
                let gap = String(repeating: " ", count: widths[column] - row[column].count)
                return rightAligned[column] ? gap + row[column] : row[column] + gap
            }
            return ("  " + cells.joined(separator: "  ")).replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
    }
}

// MARK: - JSON

extension OverviewReport {
    /// The report's JSON: keys sorted, times in ISO 8601 (UTC), amounts as decimal strings of
    /// rupees, spans in seconds. `schema` names its version; a field is only ever added to it.
    public var json: String {
        get throws { String(decoding: try JSONOutput.encode(ReportJSON(self)), as: UTF8.self) + "\n" }
    }
}

struct ReportJSON: Encodable {
    static let schema = "refundwatch.report/1"

    struct Money: Encodable {
        let count: Int
        let amount: String
        let currency = "INR"
    }

    struct OpenAge: Encodable {
        let age: String
        let count: Int
        let amount: String
        let currency = "INR"
        let byStage: [String: Money]

        enum CodingKeys: String, CodingKey { case age, count, amount, currency, byStage = "by_stage" }
    }

    struct Open: Encodable {
        let count: Int
        let amount: String
        let currency = "INR"
        let byAge: [OpenAge]

        enum CodingKeys: String, CodingKey { case count, amount, currency, byAge = "by_age" }
    }

    struct Bucket: Encodable {
        let bucket: String
        let fromSeconds: Int
        let count: Int

        enum CodingKeys: String, CodingKey { case bucket, fromSeconds = "from_seconds", count }
    }

    struct Span: Encodable {
        let count: Int
        let medianSeconds: Double?
        let p90Seconds: Double?
        let histogram: [Bucket]

        init(_ stats: SpanStats) {
            count = stats.count
            medianSeconds = stats.median
            p90Seconds = stats.p90
            histogram = SpanBucket.allCases.map { Bucket(bucket: $0.label, fromSeconds: Int($0.lower), count: stats.histogram[$0.rawValue]) }
        }

        enum CodingKeys: String, CodingKey { case count, medianSeconds = "median_seconds", p90Seconds = "p90_seconds", histogram }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(count, forKey: .count)
            try c.encode(medianSeconds, forKey: .medianSeconds)
            try c.encode(p90Seconds, forKey: .p90Seconds)
            try c.encode(histogram, forKey: .histogram)
        }
    }

    struct Milestone: Encodable {
        let window: Span
        let before: Span
    }

    struct Step: Encodable {
        let start: String
        let created: Int
        let completed: Int
        let failed: Int
    }

    struct Deadline: Encodable {
        let stage: String
        let rule: String
        let late: Int
        let dueWithin24h: Int

        enum CodingKeys: String, CodingKey { case stage, rule, late, dueWithin24h = "due_within_24h" }
    }

    struct AlertCount: Encodable {
        let rule: String
        let unresolved: Int
        let unacknowledged: Int
    }

    struct Group: Encodable {
        let name: String
        let open: Int
        let openAmount: String
        let currency = "INR"
        let arns: Int
        let medianToARNSeconds: Double?

        enum CodingKeys: String, CodingKey { case name, open, openAmount = "open_amount", currency, arns, medianToARNSeconds = "median_to_arn_seconds" }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(open, forKey: .open)
            try c.encode(openAmount, forKey: .openAmount)
            try c.encode(currency, forKey: .currency)
            try c.encode(arns, forKey: .arns)
            try c.encode(medianToARNSeconds, forKey: .medianToARNSeconds)
        }
    }

    struct Poller: Encodable {
        let host: String
        let pid: Int
        let secondsSinceBeat: Double
        let secondsSinceCycle: Double?

        enum CodingKeys: String, CodingKey { case host, pid, secondsSinceBeat = "seconds_since_beat", secondsSinceCycle = "seconds_since_cycle" }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(host, forKey: .host)
            try c.encode(pid, forKey: .pid)
            try c.encode(secondsSinceBeat, forKey: .secondsSinceBeat)
            try c.encode(secondsSinceCycle, forKey: .secondsSinceCycle)
        }
    }

    struct Failure: Encodable {
        let category: String
        let count: Int
    }

    struct Health: Encodable {
        let orders: Int
        let failing: Int
        let failingBy: [Failure]
        let withoutPayU: Int
        let neverFetched: Int
        let pollers: [Poller]

        enum CodingKeys: String, CodingKey {
            case orders, failing, failingBy = "failing_by", withoutPayU = "without_payu", neverFetched = "never_fetched", pollers
        }
    }

    let schema = ReportJSON.schema
    let generatedAt: String
    let source: String
    /// The accounts counted; empty: every order.
    let accounts: [String]
    let since: String
    let until: String
    let step: String
    let open: Open
    let timeToARN: Milestone
    let timeToCompletion: Milestone
    let timeline: [Step]
    let deadlines: [Deadline]
    let alerts: [AlertCount]
    let gateways: [Group]
    let methods: [Group]
    let fetchHealth: Health

    enum CodingKeys: String, CodingKey {
        case schema, generatedAt = "generated_at", source, accounts, since, until, step, open, timeToARN = "time_to_arn", timeToCompletion = "time_to_completion"
        case timeline, deadlines, alerts, gateways, methods, fetchHealth = "fetch_health"
    }

    init(_ report: OverviewReport) {
        let o = report.overview
        generatedAt = Timestamp.iso8601(report.generatedAt)
        source = report.source
        accounts = o.period.accounts
        since = Timestamp.iso8601(o.period.since)
        until = Timestamp.iso8601(o.period.until)
        step = o.period.step.rawValue
        open = Open(count: o.openCount, amount: OverviewReport.amount(o.openAmountMinor), byAge: AgeBucket.allCases.map { age in
            let cells = o.open(age)
            return OpenAge(age: age.label, count: cells.reduce(0) { $0 + $1.count }, amount: OverviewReport.amount(cells.reduce(0) { $0 + $1.amountMinor }),
                           byStage: Dictionary(uniqueKeysWithValues: RefundProgress.open.map { stage in
                               let cell = cells.first { $0.progress == stage }
                               return (stage.rawValue, Money(count: cell?.count ?? 0, amount: OverviewReport.amount(cell?.amountMinor ?? 0)))
                           }))
        })
        timeToARN = Milestone(window: Span(o.toARN), before: Span(o.toARNBefore))
        timeToCompletion = Milestone(window: Span(o.toCompletion), before: Span(o.toCompletionBefore))
        timeline = o.timeline.map { Step(start: Timestamp.iso8601($0.start), created: $0.created, completed: $0.completed, failed: $0.failed) }
        deadlines = o.deadlines.map { Deadline(stage: $0.stage.rawValue, rule: report.rules.ruleText($0.stage), late: $0.late, dueWithin24h: $0.dueSoon) }
        alerts = o.alerts.map { AlertCount(rule: $0.rule.rawValue, unresolved: $0.unresolved, unacknowledged: $0.unattended) }
        func group(_ g: GroupTally) -> Group {
            Group(name: g.name, open: g.open, openAmount: OverviewReport.amount(g.openAmountMinor), arns: g.arns, medianToARNSeconds: g.medianToARN)
        }
        gateways = o.gateways.map(group)
        methods = o.methods.map(group)
        let h = o.health
        fetchHealth = Health(orders: h.orders, failing: h.failing, failingBy: h.failingBy.map { Failure(category: $0.category, count: $0.count) },
                             withoutPayU: h.partlyFailing, neverFetched: h.neverFetched,
                             pollers: h.pollers.map { Poller(host: $0.host, pid: $0.pid, secondsSinceBeat: $0.sinceBeat, secondsSinceCycle: $0.sinceCycle) })
    }
}

// MARK: - CSV

extension OverviewReport {
    /// One table per section in one file, each with its own header row whose first column is
    /// `section`, a blank line between them (RFC 4180 lines, CRLF). Amounts are decimal rupees,
    /// spans seconds, times ISO 8601; a cell a spreadsheet would take for a formula is guarded,
    /// and control characters are written visibly.
    public var csv: String {
        let o = overview
        var tables: [[[String]]] = []
        tables.append([["section", "since", "until", "step", "generated_at", "source", "accounts"],
                       ["report", Timestamp.iso8601(o.period.since), Timestamp.iso8601(o.period.until), o.period.step.rawValue,
                        Timestamp.iso8601(generatedAt), source, o.period.accounts.joined(separator: " ")]])
        var open = [["section", "age", "stage", "count", "amount_inr"]]
        for age in AgeBucket.allCases {
            for stage in RefundProgress.open {
                let cell = o.open(age).first { $0.progress == stage }
                open.append(["open", age.label, stage.rawValue, String(cell?.count ?? 0), Self.amount(cell?.amountMinor ?? 0)])
            }
        }
        tables.append(open)
        var spans = [["section", "milestone", "window", "bucket", "from_seconds", "count"]]
        var figures = [["section", "milestone", "window", "count", "median_seconds", "p90_seconds"]]
        for (milestone, now, before) in [("arn", o.toARN, o.toARNBefore), ("completion", o.toCompletion, o.toCompletionBefore)] {
            for (window, stats) in [("window", now), ("before", before)] {
                for bucket in SpanBucket.allCases {
                    spans.append(["time_to", milestone, window, bucket.label, String(Int(bucket.lower)), String(stats.histogram[bucket.rawValue])])
                }
                figures.append(["time_to_figures", milestone, window, String(stats.count), stats.median.map { String(Int($0.rounded())) } ?? "",
                                stats.p90.map { String(Int($0.rounded())) } ?? ""])
            }
        }
        tables.append(spans)
        tables.append(figures)
        tables.append([["section", "start", "created", "completed", "failed"]]
                      + o.timeline.map { ["timeline", Timestamp.iso8601($0.start), String($0.created), String($0.completed), String($0.failed)] })
        tables.append([["section", "stage", "late", "due_within_24h", "rule"]]
                      + o.deadlines.map { ["deadlines", $0.stage.rawValue, String($0.late), String($0.dueSoon), rules.ruleText($0.stage)] })
        tables.append([["section", "rule", "unresolved", "unacknowledged"]]
                      + o.alerts.map { ["alerts", $0.rule.rawValue, String($0.unresolved), String($0.unattended)] })
        for (section, groups) in [("gateways", o.gateways), ("methods", o.methods)] {
            tables.append([["section", "name", "open", "open_amount_inr", "arns", "median_to_arn_seconds"]]
                          + groups.map { [section, $0.name, String($0.open), Self.amount($0.openAmountMinor), String($0.arns),
                                          $0.medianToARN.map { String(Int($0.rounded())) } ?? ""] })
        }
        let h = o.health
        tables.append([["section", "measure", "value"],
                       ["fetch_health", "orders", String(h.orders)], ["fetch_health", "failing", String(h.failing)]]
                      + h.failingBy.map { ["fetch_health", "failing:" + $0.category, String($0.count)] }
                      + [["fetch_health", "without_payu", String(h.partlyFailing)], ["fetch_health", "never_fetched", String(h.neverFetched)],
                         ["fetch_health", "pollers", String(h.pollers.count)]])
        // Control characters in a name are written visibly (`\e`), so that a file printed in a
        // terminal cannot drive it.
        return tables.map { table in table.map { $0.map { CSVLine.escape($0.terminalSafe) }.joined(separator: ",") + "\r\n" }.joined() }
            .joined(separator: "\r\n")
    }
}
