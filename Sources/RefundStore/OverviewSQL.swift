import Foundation
import RefundKit
import WatchlistModel

/// The overview's numbers in SQL, for both backends: the statements, and the one place their rows
/// become an `Overview`. Nothing here touches a database; each backend runs `queries` (side by
/// side, each a snapshot of its own) and hands the rows to `assemble`. The counts and sums are
/// SQL's; for the time to a milestone SQL selects and sorts the spans, and `assemble` counts the
/// histogram and the nearest ranks off that sorted column.
///
/// Every number is counted from `refund_fact` (one row a refund, written with each fetch: where
/// the refund is, its amount in paise, when it was created, got its ARN, completed or failed, its
/// stage deadline; times in seconds since 1970), `order_state` (the payment's deadline, the fetch
/// failures) and `alert`. The drill-down (`orders(for:)`) uses the same expressions as the counts,
/// so a bar opens exactly the orders it counts.
enum OverviewSQL {
    enum Dialect: Sendable {
        case sqlite
        case postgres
    }

    enum Column: Sendable {
        case text
        case int
        case real
    }

    /// One value of a result row, as its query declared it.
    enum Cell: Sendable {
        case text(String?)
        case int(Int64?)
        case real(Double?)

        var text: String? { if case .text(let value) = self { value } else { nil } }
        var int: Int64 { if case .int(let value) = self { value ?? 0 } else { 0 } }
        var real: Double? { if case .real(let value) = self { value } else { nil } }
    }

    struct Query: Sendable {
        var sql: String
        var binds: [StoreValue]
        var columns: [Column]
    }

    /// The parts of an overview, each one query.
    enum Part: CaseIterable, Sendable {
        /// Open refunds by age, stage, gateway and method: the open panel and the groups' open
        /// counts from one pass over the open refunds.
        case open
        /// Each milestone's refunds in a period, read once: the histogram, the median's and the
        /// 90th percentile's ranks, and (for ARNs in the period) each gateway's and method's count
        /// and median.
        case arn, arnBefore, completion, completionBefore
        case timeline, deadlines, alerts, failing, totals
    }

    /// Writes a statement with a numbered placeholder for each bound value: `?n` in SQLite, `$n` in
    /// PostgreSQL. Numbered in both, so that a value bound before another may appear after it in
    /// the text (a bare `?` takes the values in the order they appear, not the order bound).
    struct Builder {
        let dialect: Dialect
        var binds: [StoreValue] = []

        init(_ dialect: Dialect) { self.dialect = dialect }

        mutating func time(_ date: Date) -> String { bind(.real(date.timeIntervalSince1970)) }
        mutating func text(_ text: String) -> String { bind(.text(text)) }
        /// A time for the columns of the other tables (DATETIME in SQLite, timestamptz in PostgreSQL).
        mutating func moment(_ date: Date) -> String { bind(.time(date)) }

        mutating func bind(_ value: StoreValue) -> String {
            binds.append(value)
            return dialect == .sqlite ? "?\(binds.count)" : "$\(binds.count)"
        }

        /// An integer result: PostgreSQL's `sum` of bigint is numeric, so it is cast back.
        func int(_ expression: String) -> String { dialect == .sqlite ? expression : "(\(expression))::bigint" }

        /// The timeline bucket holding `column`: whole steps since 1970 from the step's origin.
        func bucket(_ column: String, _ step: OverviewStep) -> String {
            let shifted = "(\(column) + \(Int(step.offset))) / \(Int(step.seconds))"
            return dialect == .sqlite ? "CAST(\(shifted) AS INTEGER)" : "floor(\(shifted))::bigint"
        }

        /// The statement with the values bound so far. Mutating, so that a statement whose text binds
        /// more values while it is passed here does not compile (the text must be written first).
        mutating func query(_ sql: String, _ columns: [Column]) -> Query { Query(sql: sql, binds: binds, columns: columns) }
    }

    static let openList = "(" + RefundProgress.open.map { "'\($0.rawValue)'" }.joined(separator: ", ") + ")"

    /// " AND `orderID` IN (the orders of the period's accounts)", or nothing when it counts every
    /// order. Account names are compared without regard to case, as the configuration does.
    static func scope(_ b: inout Builder, _ period: OverviewPeriod, _ orderID: String) -> String {
        guard !period.accounts.isEmpty else { return "" }
        let names = period.accounts.map { b.text($0.lowercased()) }.joined(separator: ", ")
        return " AND \(orderID) IN (SELECT id FROM tracked_order WHERE lower(account) IN (\(names)))"
    }

    /// The age bucket (`AgeBucket.rawValue`) of an open refund at `now`, from its creation (or,
    /// when Kaleyra gave none, since it is at its stage).
    static func ageBucket(_ b: inout Builder, now: Date) -> String {
        let origin = "COALESCE(f.created_at, f.progress_since)"
        let cases = AgeBucket.allCases.reversed().dropLast().map { bucket in
            "WHEN \(b.time(now)) - \(origin) >= \(Int(bucket.lower)) THEN \(bucket.rawValue)"
        }
        return "CASE \(cases.joined(separator: " ")) ELSE 0 END"
    }

    /// Seconds from creation to `column`, never below zero.
    static func span(_ column: String) -> String {
        "CASE WHEN f.\(column) < f.created_at THEN 0 ELSE f.\(column) - f.created_at END"
    }

    static func spanBucket(_ column: String) -> String {
        let cases = SpanBucket.allCases.reversed().dropLast().map { "WHEN \(span(column)) >= \(Int($0.lower)) THEN \($0.rawValue)" }
        return "CASE \(cases.joined(separator: " ")) ELSE 0 END"
    }

    /// Refunds that reached `column` within `period` (and whose creation is known).
    static func reached(_ b: inout Builder, _ column: String, _ period: OverviewPeriod) -> String {
        "f.\(column) >= \(b.time(period.since)) AND f.\(column) < \(b.time(period.until)) AND f.created_at IS NOT NULL"
    }

    /// The spans (seconds from creation to `column`, never below zero) of the refunds that reached
    /// `column` in `period`, sorted, with each one's gateway and payment method: the histogram, the
    /// nearest-rank percentiles and the groups' medians are counted off this one sorted column
    /// (`assemble`), which costs a sort of the column instead of a window query for each figure.
    static func milestone(_ dialect: Dialect, _ column: String, _ period: OverviewPeriod) -> Query {
        var b = Builder(dialect)
        let condition = reached(&b, column, period) + scope(&b, period, "f.order_id")
        let sql = """
            SELECT \(span(column)) AS span, f.gateway, COALESCE(f.method, '')
            FROM refund_fact f WHERE \(condition)
            ORDER BY 1
            """
        return b.query(sql, [.real, .text, .text])
    }

    /// Every statement of an overview of `period` (judged at its end).
    static func queries(_ dialect: Dialect, _ period: OverviewPeriod) -> [Part: Query] {
        let now = period.until
        var queries: [Part: Query] = [:]
        do {
            // Grouped in the index's order (no sort of the open refunds), each age a pair of sums.
            var b = Builder(dialect)
            let origin = "COALESCE(f.created_at, f.progress_since)"
            let sums = AgeBucket.allCases.map { age -> String in
                var condition = "\(b.time(now)) - \(origin) >= \(Int(age.lower))"
                if let next = AgeBucket(rawValue: age.rawValue + 1) { condition += " AND \(b.time(now)) - \(origin) < \(Int(next.lower))" }
                if age == .underDay { condition = "\(b.time(now)) - \(origin) < \(Int(AgeBucket.oneToThree.lower))" }
                return "\(b.int("sum(CASE WHEN \(condition) THEN 1 ELSE 0 END)")), \(b.int("sum(CASE WHEN \(condition) THEN COALESCE(f.amount_minor, 0) ELSE 0 END)"))"
            }
            let scoped = scope(&b, period, "f.order_id")
            let sql = """
                SELECT f.progress, f.gateway, COALESCE(f.method, ''), \(sums.joined(separator: ", "))
                FROM refund_fact f WHERE f.progress IN \(openList)\(scoped)
                GROUP BY f.progress, f.gateway, f.method
                """
            queries[.open] = b.query(sql, [.text, .text, .text] + Array(repeating: Column.int, count: 2 * AgeBucket.allCases.count))
        }
        queries[.arn] = milestone(dialect, "arn_at", period)
        queries[.arnBefore] = milestone(dialect, "arn_at", period.before)
        queries[.completion] = milestone(dialect, "completed_at", period)
        queries[.completionBefore] = milestone(dialect, "completed_at", period.before)
        do {
            var b = Builder(dialect)
            let parts = ["created_at", "completed_at", "failed_at"].enumerated().map { kind, column in
                """
                SELECT \(kind) AS kind, \(b.bucket("f.\(column)", period.step)) AS bucket, \(b.int("count(*)")) AS n
                FROM refund_fact f WHERE f.\(column) >= \(b.time(period.since)) AND f.\(column) < \(b.time(period.until))\(scope(&b, period, "f.order_id"))
                GROUP BY 2
                """
            }
            queries[.timeline] = b.query(parts.joined(separator: "\nUNION ALL\n"), [.int, .int, .int])
        }
        do {
            var b = Builder(dialect)
            let soon = now.addingTimeInterval(DeadlineTally.soon)
            queries[.deadlines] = b.query("""
                SELECT f.deadline_stage, \(b.int("sum(CASE WHEN f.deadline_due < \(b.time(now)) THEN 1 ELSE 0 END)")),
                       \(b.int("sum(CASE WHEN f.deadline_due >= \(b.time(now)) THEN 1 ELSE 0 END)"))
                FROM refund_fact f WHERE f.deadline_due < \(b.time(soon))\(scope(&b, period, "f.order_id"))
                GROUP BY f.deadline_stage
                UNION ALL
                SELECT 'payment', \(b.int("sum(CASE WHEN s.payment_due < \(b.time(now)) THEN 1 ELSE 0 END)")),
                       \(b.int("sum(CASE WHEN s.payment_due >= \(b.time(now)) THEN 1 ELSE 0 END)"))
                FROM order_state s WHERE s.payment_due < \(b.time(soon))\(scope(&b, period, "s.order_id"))
                """, [.text, .int, .int])
        }
        do {
            var b = Builder(dialect)
            queries[.alerts] = b.query("""
                SELECT rule, \(b.int("count(*)")),
                       \(b.int("sum(CASE WHEN acknowledged_at IS NULL AND (snoozed_until IS NULL OR snoozed_until <= \(b.moment(now))) THEN 1 ELSE 0 END)"))
                FROM alert WHERE resolved_at IS NULL\(scope(&b, period, "order_id"))
                GROUP BY rule
                """, [.text, .int, .int])
        }
        do {
            var b = Builder(dialect)
            queries[.failing] = b.query("""
                SELECT COALESCE(s.error_category, ''), \(b.int("count(*)"))
                FROM order_state s WHERE \(AttentionSQL.fetchFailed)\(scope(&b, period, "s.order_id"))
                GROUP BY 1
                """, [.text, .int])
        }
        do {
            var b = Builder(dialect)
            let scoped = scope(&b, period, "t.id")
            queries[.totals] = b.query("""
                SELECT \(b.int("count(*)")),
                       \(b.int("COALESCE(sum(CASE WHEN s.payment_status IS NULL THEN 1 ELSE 0 END), 0)")),
                       \(b.int("COALESCE(sum(CASE WHEN s.payu_errors > 0 THEN 1 ELSE 0 END), 0)"))
                FROM tracked_order t LEFT JOIN order_state s\(dialect == .sqlite ? " INDEXED BY order_state_attention" : "") ON s.order_id = t.id
                WHERE 1 = 1\(scoped)
                """, [.int, .int, .int])
        }
        return queries
    }

    /// The overview from each part's rows.
    static func assemble(_ period: OverviewPeriod, rows: [Part: [[Cell]]], pollers: [PollerPresence]) -> Overview {
        var overview = Overview(period: period)
        func each(_ part: Part, _ body: ([Cell]) -> Void) { for row in rows[part] ?? [] { body(row) } }

        // The open refunds: by age and stage, and by gateway and method.
        var open: [String: OpenTally] = [:]
        var gateways: [String: GroupTally] = [:]
        var methods: [String: GroupTally] = [:]
        func add(_ name: String, to groups: inout [String: GroupTally], count: Int, amount: Int64) {
            groups[name, default: GroupTally(name: name, open: 0, openAmountMinor: 0, arns: 0, medianToARN: nil)].open += count
            groups[name]!.openAmountMinor += amount
        }
        each(.open) { row in
            guard let progress = row[0].text.flatMap(RefundProgress.init(rawValue:)) else { return }
            for age in AgeBucket.allCases {
                let count = Int(row[3 + 2 * age.rawValue].int), amount = row[4 + 2 * age.rawValue].int
                guard count > 0 else { continue }
                let key = "\(age.rawValue)\t\(progress.rawValue)"
                open[key, default: OpenTally(age: age, progress: progress, count: 0, amountMinor: 0)].count += count
                open[key]!.amountMinor += amount
                add(row[1].text ?? "", to: &gateways, count: count, amount: amount)
                add(row[2].text ?? "", to: &methods, count: count, amount: amount)
            }
        }
        overview.open = open.values.sorted {
            ($0.age, RefundProgress.open.firstIndex(of: $0.progress) ?? 0) < ($1.age, RefundProgress.open.firstIndex(of: $1.progress) ?? 0)
        }

        // Each milestone's spans come sorted: the histogram and the percentiles are counted off
        // them, and for ARNs in the period, each gateway's and method's count and median too.
        func stats(_ part: Part, groups: Bool = false) -> SpanStats {
            let rows = rows[part] ?? []
            let spans = rows.compactMap { $0[0].real }
            guard groups else { return SpanStats(sorted: spans) }
            var byGateway: [String: [TimeInterval]] = [:]
            var byMethod: [String: [TimeInterval]] = [:]
            for row in rows {
                guard let span = row[0].real else { continue }
                byGateway[row[1].text ?? "", default: []].append(span)
                byMethod[row[2].text ?? "", default: []].append(span)
            }
            func fill(_ spans: [String: [TimeInterval]], into groups: inout [String: GroupTally]) {
                for (name, sorted) in spans {
                    groups[name, default: GroupTally(name: name, open: 0, openAmountMinor: 0, arns: 0, medianToARN: nil)].arns = sorted.count
                    groups[name]!.medianToARN = SpanStats(sorted: sorted).median
                }
            }
            fill(byGateway, into: &gateways)
            fill(byMethod, into: &methods)
            return SpanStats(sorted: spans)
        }
        overview.toARN = stats(.arn, groups: true)
        overview.toARNBefore = stats(.arnBefore)
        overview.toCompletion = stats(.completion)
        overview.toCompletionBefore = stats(.completionBefore)
        let byOpen: (GroupTally, GroupTally) -> Bool = { ($0.open, $1.name) > ($1.open, $0.name) }
        overview.gateways = gateways.values.filter { $0.open > 0 || $0.arns > 0 }.sorted(by: byOpen)
        overview.methods = methods.values.filter { $0.open > 0 || $0.arns > 0 }.sorted(by: byOpen)

        let step = period.step
        var timeline = period.bucketStarts.map { TimelineBucket(start: $0) }
        let first = timeline.first.map { Int64((($0.start.timeIntervalSince1970 + step.offset) / step.seconds).rounded()) } ?? 0
        each(.timeline) { row in
            let index = Int(row[1].int - first)
            guard timeline.indices.contains(index) else { return }
            switch row[0].int {
            case 0: timeline[index].created += Int(row[2].int)
            case 1: timeline[index].completed += Int(row[2].int)
            default: timeline[index].failed += Int(row[2].int)
            }
        }
        overview.timeline = timeline

        var deadlines = Dictionary(uniqueKeysWithValues: DeadlineStage.allCases.map { ($0, DeadlineTally(stage: $0, late: 0, dueSoon: 0)) })
        each(.deadlines) { row in
            guard let stage = row[0].text.flatMap(DeadlineStage.init(rawValue:)) else { return }
            deadlines[stage]!.late += Int(row[1].int)
            deadlines[stage]!.dueSoon += Int(row[2].int)
        }
        overview.deadlines = DeadlineStage.allCases.map { deadlines[$0]! }

        var alerts = Dictionary(uniqueKeysWithValues: AlertRule.allCases.map { ($0, AlertTally(rule: $0, unresolved: 0, unattended: 0)) })
        each(.alerts) { row in
            guard let rule = row[0].text.flatMap(AlertRule.init(rawValue:)) else { return }
            alerts[rule]!.unresolved += Int(row[1].int)
            alerts[rule]!.unattended += Int(row[2].int)
        }
        overview.alerts = AlertRule.allCases.map { alerts[$0]! }

        var health = FetchHealth(pollers: pollers)
        each(.totals) { row in
            health.orders = Int(row[0].int)
            health.neverFetched = Int(row[1].int)
            health.partlyFailing = Int(row[2].int)
        }
        each(.failing) { row in health.failingBy.append(FailureTally(category: row[0].text ?? "", count: Int(row[1].int))) }
        health.failingBy.sort { ($0.count, $1.category) > ($1.count, $0.category) }
        health.failing = health.failingBy.reduce(0) { $0 + $1.count }
        overview.health = health
        return overview
    }

    // MARK: - Drill-down

    /// The orders counted in `selection`, by id: one column of order ids, each once.
    static func orders(_ dialect: Dialect, _ selection: OverviewSelection, _ period: OverviewPeriod) -> Query {
        var b = Builder(dialect)
        let now = period.until
        func facts(_ condition: String) -> Query {
            let scoped = scope(&b, period, "f.order_id")
            return b.query("SELECT DISTINCT f.order_id FROM refund_fact f WHERE \(condition)\(scoped) ORDER BY 1", [.int])
        }
        switch selection {
        case .open(let age, let progress):
            let bucket = ageBucket(&b, now: now)
            let stage = progress.map { " AND f.progress = \(b.text($0.rawValue))" } ?? ""
            return facts("f.progress IN \(openList) AND \(bucket) = \(age.rawValue)\(stage)")
        case .toARN(let span):
            let condition = reached(&b, "arn_at", period)
            return facts("\(condition) AND \(spanBucket("arn_at")) = \(span.rawValue)")
        case .toCompletion(let span):
            let condition = reached(&b, "completed_at", period)
            return facts("\(condition) AND \(spanBucket("completed_at")) = \(span.rawValue)")
        case .created(let start), .completed(let start), .failed(let start):
            let column = if case .created = selection { "created_at" } else if case .completed = selection { "completed_at" } else { "failed_at" }
            let step = period.step
            let bucket = Int64(((start.timeIntervalSince1970 + step.offset) / step.seconds).rounded(.down))
            return facts("f.\(column) >= \(b.time(period.since)) AND f.\(column) < \(b.time(period.until)) AND \(b.bucket("f.\(column)", step)) = \(bucket)")
        case .deadline(let stage, let late):
            let soon = now.addingTimeInterval(DeadlineTally.soon)
            if stage == .payment {
                let range = late ? "s.payment_due < \(b.time(now))" : "s.payment_due >= \(b.time(now)) AND s.payment_due < \(b.time(soon))"
                let scoped = scope(&b, period, "s.order_id")
                return b.query("SELECT s.order_id FROM order_state s WHERE \(range)\(scoped) ORDER BY 1", [.int])
            }
            let range = late ? "f.deadline_due < \(b.time(now))" : "f.deadline_due >= \(b.time(now)) AND f.deadline_due < \(b.time(soon))"
            return facts("f.deadline_stage = \(b.text(stage.rawValue)) AND \(range)")
        case .alert(let rule):
            let condition = "resolved_at IS NULL AND order_id IS NOT NULL AND rule = \(b.text(rule.rawValue))"
            let scoped = scope(&b, period, "order_id")
            return b.query("SELECT DISTINCT order_id FROM alert WHERE \(condition)\(scoped) ORDER BY 1", [.int])
        case .gateway(let name):
            return facts("f.progress IN \(openList) AND f.gateway = \(b.text(name))")
        case .method(let name):
            return facts("f.progress IN \(openList) AND COALESCE(f.method, '') = \(b.text(name))")
        case .failing(let category):
            let kind = category.map { " AND COALESCE(s.error_category, '') = \(b.text($0))" } ?? ""
            let scoped = scope(&b, period, "s.order_id")
            return b.query("SELECT s.order_id FROM order_state s WHERE \(AttentionSQL.fetchFailed)\(kind)\(scoped) ORDER BY 1", [.int])
        }
    }

    // MARK: - Writing the facts

    /// `store_meta`'s key saying the orders stored before the facts existed have theirs.
    static let backfillKey = "refund_facts"

    /// The facts of a report stored before they existed: as at a first fetch, with the default
    /// deadline rules (the next fetch writes them with the configured ones).
    static func backfilled(_ report: OrderReport) -> [RefundFact] {
        RefundFact.of(report, previous: [], rules: DeadlineRules())
    }

    static let factColumns = ["transaction_id", "refund_id", "gateway", "method", "amount_minor", "currency", "progress", "created_at",
                              "progress_since", "arn_at", "completed_at", "failed_at", "deadline_stage", "deadline_due"]

    static func deleteFacts(_ p: Placeholders) -> String { "DELETE FROM refund_fact WHERE order_id = \(p.mark(1))" }

    static func insertFact(_ p: Placeholders) -> String {
        "INSERT INTO refund_fact (order_id, \(factColumns.joined(separator: ", "))) VALUES (\(p.list(factColumns.count + 1)))"
    }

    static func selectFacts(_ p: Placeholders) -> String {
        "SELECT \(factColumns.joined(separator: ", ")) FROM refund_fact WHERE order_id = \(p.mark(1))"
    }

    static let factColumnTypes: [Column] = [.text, .text, .text, .text, .int, .text, .text, .real, .real, .real, .real, .real, .text, .real]

    /// After the order id, for `insertFact`.
    static func values(_ fact: RefundFact) -> [StoreValue] {
        func time(_ date: Date?) -> StoreValue { .real(date?.timeIntervalSince1970) }
        return [.text(fact.transactionID), .text(fact.refundID), .text(fact.gateway), .text(fact.method), .bigint(fact.amountMinor), .text(fact.currency),
                .text(fact.progress.rawValue), time(fact.createdAt), time(fact.progressSince), time(fact.arnAt), time(fact.completedAt),
                time(fact.failedAt), .text(fact.deadline?.stage.rawValue), time(fact.deadline?.due)]
    }

    /// A fact back from `selectFacts`' row; nil for a row this version cannot read.
    static func fact(_ row: [Cell]) -> RefundFact? {
        guard row.count == factColumns.count, let transaction = row[0].text, let refund = row[1].text,
              let progress = row[6].text.flatMap(RefundProgress.init(rawValue:)), let since = row[8].real else { return nil }
        func date(_ cell: Cell) -> Date? { cell.real.map(Date.init(timeIntervalSince1970:)) }
        let deadline = zip(row[12].text.flatMap(DeadlineStage.init(rawValue:)), date(row[13])).map { StageDeadline(stage: $0, due: $1, refundID: refund) }
        let amount: Int64? = if case .int(let value) = row[4] { value } else { nil }
        return RefundFact(transactionID: transaction, refundID: refund, gateway: row[2].text ?? "", method: row[3].text, amountMinor: amount,
                          currency: row[5].text, progress: progress, createdAt: date(row[7]), progressSince: Date(timeIntervalSince1970: since),
                          arnAt: date(row[9]), completedAt: date(row[10]), failedAt: date(row[11]), deadline: deadline)
    }
}

/// Both optionals, or nil.
private func zip<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
    guard let a, let b else { return nil }
    return (a, b)
}
