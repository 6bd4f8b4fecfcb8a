import Foundation
import RefundKit
import RefundStore
import TestReports
import Testing
import WatchlistModel

/// `overview` counts in SQL what a plain reference counts in Swift from the refunds' facts, and
/// `overviewOrders` opens exactly the orders each bar counts: on a seeded random watchlist whose
/// refunds move forward fetch by fetch, on every backend, over several periods.
///
/// The reference knows the facts the way the test made them: each order's reports as stored
/// (`keepingPayU`, as `record` keeps them), and `RefundFact.of` chained over its fetches (that
/// derivation is pure model code, held to its meaning by `RefundFactTests`). Everything after that
/// is filters, groups and sorts of plain values here: no SQL of the store's.
@Suite struct OverviewStoreTests {
    typealias B = ReportBuilder

    /// The moment every overview is judged at: after the last fetch, not on an hour or a day.
    static let end = B.created.addingTimeInterval(14 * 86_400)
    static let rules = DeadlineRules()

    @Test(arguments: StoreBackend.allCases)
    func theOverviewCountsWhatThePlainReferenceCountsAndEachBarOpensItsOrders(_ backend: StoreBackend) async throws {
        let seed = SeededRandom.seedFromEnvironment()
        let why = "seed \(seed) (SEED=\(seed) repeats it), \(backend.rawValue)"
        try await backend.withStore { store in
            var random = SeededRandom(seed: seed)
            let desk = try await Self.fill(store, &random, why: why)

            // The store's alerts are what the reference's model of `syncAlerts` says.
            let unresolved = try await store.alerts(resolved: false, limit: 100_000)
            #expect(Set(unresolved.map(\.key)) == Set(desk.alerts.filter { !$0.value.resolved }.keys), "unresolved alerts, \(why)")

            let periods: [(String, OverviewPeriod)] = [
                ("7d", .last(.week, until: Self.end)),
                ("24h", .last(.day, until: Self.end)),
                ("30d", .last(.month, until: Self.end)),
                // Ending before some fetches: refunds created after its end, hours not on the hour.
                ("24h two days back", .last(.day, until: Self.end.addingTimeInterval(-2 * 86_400 + 1_037))),
            ]
            for (name, period) in periods {
                let said = "\(name), \(why)"
                let expected = desk.overview(period)
                let overview = try await store.overview(period)
                #expect(overview.open == expected.open, "open tallies by age and stage, \(said)")
                #expect(overview.toARN == expected.toARN, "to ARN, \(said)")
                #expect(overview.toARNBefore == expected.toARNBefore, "to ARN in the period before, \(said)")
                #expect(overview.toCompletion == expected.toCompletion, "to completion, \(said)")
                #expect(overview.toCompletionBefore == expected.toCompletionBefore, "to completion in the period before, \(said)")
                #expect(overview.timeline == expected.timeline, "timeline, \(said)")
                #expect(overview.deadlines == expected.deadlines, "deadlines, \(said)")
                #expect(overview.alerts == expected.alerts, "alerts, \(said)")
                #expect(overview.gateways == expected.gateways, "gateways, \(said)")
                #expect(overview.methods == expected.methods, "methods, \(said)")
                #expect(overview.health == expected.health, "fetch health, \(said)")
                #expect(overview == expected, "the whole overview, \(said)")

                for selection in desk.selections(period) {
                    let ids = try await store.overviewOrders(selection, period: period)
                    let wanted = desk.orders(selection, period)
                    #expect(ids == wanted, "drill-down \(selection) (\(selection.title)), \(said)")
                    // And the bar it stands for: counted when, and only when, it has orders.
                    if let count = Self.count(selection, in: expected) {
                        #expect(wanted.isEmpty == (count == 0) && wanted.count <= count, "bar \(selection): \(count) for \(wanted.count) orders, \(said)")
                    }
                }
            }
            try Self.expectCoverage(desk, why: why)
        }
    }

    /// The edges, counted by hand: a milestone at the period's start counts and one at its end
    /// does not; a span of exactly 6 hours is 6-12h; an age of exactly a day is 1-3d; a milestone
    /// before the creation WhatsApp gives is a span of 0, not less; a deadline at the very moment
    /// is due, not passed, and one exactly 24 hours on is not soon; a snooze ending at the very
    /// moment is over.
    @Test(arguments: StoreBackend.allCases)
    func theEdgesOfPeriodsBucketsAndDeadlinesAreCountedAsDocumented(_ backend: StoreBackend) async throws {
        let now = Self.end, since = now.addingTimeInterval(-86_400)
        let period = OverviewPeriod.last(.day, until: now)
        let hour = OverviewStep.hour.start(of: now).addingTimeInterval(-5 * 3_600)
        func arn(_ id: String, created: Date, updated: Date) -> TransactionReport {
            B.transaction("t-\(id)", refunds: [B.refund(id, status: .success, created: created, payu: B.record(id, status: .success, arn: "A-\(id)"),
                                                       updated: updated)], method: "upi")
        }
        func pending(_ ids: [(String, Date)]) -> TransactionReport {
            B.transaction("t-\(ids[0].0)", refunds: ids.map { B.refund($0.0, created: $0.1) }, method: "card")
        }
        func payment(due: Date) -> OrderReport {
            B.order([B.transaction("t-pay", status: .pending, refunds: [], created: due.addingTimeInterval(-1_800))], status: .pending,
                    fetchedAt: now.addingTimeInterval(-60))
        }
        let reports: [OrderReport] = [
            // 1: ARN at the period's start, 6 hours after creation (first seen: WhatsApp's update time).
            B.order([arn("a", created: since.addingTimeInterval(-6 * 3_600), updated: since)], fetchedAt: now.addingTimeInterval(-60)),
            // 2: ARN at the period's end.
            B.order([arn("b", created: now.addingTimeInterval(-10 * 3_600), updated: now)], fetchedAt: now),
            // 3: ARN seen 2 hours before now, "created" an hour before now.
            B.order([arn("c", created: now.addingTimeInterval(-3_600), updated: now.addingTimeInterval(-3_600))], fetchedAt: now.addingTimeInterval(-7_200)),
            // 4: pending, created exactly a day before now, a hair later, and exactly 7 days before.
            B.order([pending([("d", since), ("e", since.addingTimeInterval(0.5)), ("f", now.addingTimeInterval(-7 * 86_400))])],
                    fetchedAt: now.addingTimeInterval(-60)),
            // 5, 6, 7: payments due at the moment, exactly 24 hours on, and a millisecond ago.
            payment(due: now), payment(due: now.addingTimeInterval(86_400)), payment(due: now.addingTimeInterval(-0.001)),
            // 8: created at the start of an hour, and a millisecond before it.
            B.order([pending([("g", hour), ("h", hour.addingTimeInterval(-0.001))])], fetchedAt: now.addingTimeInterval(-60)),
        ]
        try await backend.withStore { store in
            let ids = try await store.add((1...8).map { TrackedOrder(referenceID: "ORD-\($0)", addedAt: since.addingTimeInterval(-8 * 86_400)) })
                .added.compactMap(\.id)
            try #require(ids == Array(1...8))
            for (id, report) in zip(ids, reports) { _ = try await store.record(report, orderID: id, rules: Self.rules) }
            var snoozes: [Date] = [now, now.addingTimeInterval(1)]
            for id in ids.prefix(2) {
                let draft = AlertDraft(key: "deadline_passed:\(id):x", rule: .deadlinePassed, orderID: id, referenceID: "ORD-\(id)", refundID: nil, text: "late")
                let alert = try #require(try await store.syncAlerts(orderID: id, judged: [.deadlinePassed], active: [draft], at: since).raised.first)
                _ = try await store.snoozeAlert(id: alert.id, until: snoozes.removeFirst())
            }

            let overview = try await store.overview(period)
            let said = "\(backend.rawValue)"
            #expect(overview.open == [
                OpenTally(age: .underDay, progress: .pending, count: 3, amountMinor: 30_000),    // e, g, h
                OpenTally(age: .underDay, progress: .unsettled, count: 2, amountMinor: 20_000),  // b, c
                OpenTally(age: .oneToThree, progress: .pending, count: 1, amountMinor: 10_000),  // d: exactly a day
                OpenTally(age: .oneToThree, progress: .unsettled, count: 1, amountMinor: 10_000), // a
                OpenTally(age: .overSeven, progress: .pending, count: 1, amountMinor: 10_000),   // f: exactly 7 days
            ], "\(said)")
            var histogram = SpanStats().histogram
            histogram[SpanBucket.underSixHours.rawValue] = 1   // c: 0, not -1h
            histogram[SpanBucket.sixToTwelve.rawValue] = 1     // a: exactly 6h
            #expect(overview.toARN == SpanStats(histogram: histogram, median: 0, p90: 6 * 3_600), "b's ARN at the end is not in it, \(said)")
            #expect(overview.toARNBefore == SpanStats() && overview.toCompletion == SpanStats(), "\(said)")
            #expect(overview.gateways == [GroupTally(name: "payu", open: 8, openAmountMinor: 80_000, arns: 2, medianToARN: 0)], "\(said)")
            #expect(overview.methods == [GroupTally(name: "card", open: 5, openAmountMinor: 50_000, arns: 0, medianToARN: nil),
                                         GroupTally(name: "upi", open: 3, openAmountMinor: 30_000, arns: 2, medianToARN: 0)], "\(said)")
            #expect(overview.deadlines.first { $0.stage == .payment } == DeadlineTally(stage: .payment, late: 1, dueSoon: 1), "\(said)")
            #expect(overview.alerts.first { $0.rule == .deadlinePassed } == AlertTally(rule: .deadlinePassed, unresolved: 2, unattended: 1),
                    "the snooze ending now is over, \(said)")
            let first = period.bucketStarts[0]
            #expect(first == OverviewStep.hour.start(of: since) && first < since, "\(said)")
            #expect(overview.timeline.first { $0.start == first }?.created == 2, "d at the start, e after it, \(said)")
            #expect(overview.timeline.first { $0.start == hour }?.created == 1 && overview.timeline.first { $0.start == hour.addingTimeInterval(-3_600) }?.created == 1,
                    "\(said)")
            #expect(overview.timeline.reduce(0) { $0 + $1.created } == 6, "b, c, d, e, g, h; \(said)")

            let drills: [(OverviewSelection, [Int64])] = [
                (.open(.underDay, .unsettled), [2, 3]), (.open(.oneToThree, nil), [1, 4]), (.open(.overSeven, .pending), [4]),
                (.toARN(.underSixHours), [3]), (.toARN(.sixToTwelve), [1]), (.toARN(.twelveToDay), []),
                (.deadline(.payment, late: true), [7]), (.deadline(.payment, late: false), [5]),
                (.created(first), [4]), (.created(hour), [8]), (.created(hour.addingTimeInterval(-3_600)), [8]),
                (.alert(.deadlinePassed), [1, 2]), (.gateway("payu"), [1, 2, 3, 4, 8]), (.method("upi"), [1, 2, 3]), (.method("card"), [4, 8]),
            ]
            for (selection, wanted) in drills {
                #expect(try await store.overviewOrders(selection, period: period) == wanted, "\(selection), \(said)")
            }
        }
    }

    /// The seed made something to count in every part (else a part could agree by being empty).
    static func expectCoverage(_ desk: Desk, why: String) throws {
        let week = desk.overview(.last(.week, until: end))
        #expect(Set(week.open.map(\.progress)) == Set(RefundProgress.open), "every open stage, \(why)")
        #expect(Set(week.open.map(\.age)).count >= 4, "open refunds of most ages, \(why)")
        #expect(week.open.contains { $0.amountMinor > 0 }, "\(why)")
        #expect(week.toARN.count > 0 && week.toARNBefore.count > 0 && week.toCompletion.count > 0 && week.toCompletionBefore.count > 0,
                "spans in both periods, \(why)")
        #expect(week.toARN.histogram.filter { $0 > 0 }.count >= 3 && week.toARN.p90 != nil && week.toARN.median != nil, "\(why)")
        #expect(week.timeline.contains { $0.created > 0 } && week.timeline.contains { $0.completed > 0 } && week.timeline.contains { $0.failed > 0 },
                "created, completed and failed in the timeline, \(why)")
        #expect(week.deadlines.filter { $0.late > 0 }.count >= 3 && week.deadlines.contains { $0.stage != .payment && $0.dueSoon > 0 },
                "deadlines late and due soon, \(why)")
        #expect(week.deadlines.first { $0.stage == .payment }.map { $0.late > 0 && $0.dueSoon > 0 } == true, "payment deadlines both ways, \(why)")
        for rule in [AlertRule.refundFailed, .deadlinePassed, .fetchFailing, .payuToken] {
            #expect(week.alerts.first { $0.rule == rule }.map { $0.unresolved > 0 } == true, "alerts of \(rule), \(why)")
        }
        #expect(week.alerts.contains { $0.unattended < $0.unresolved } && week.alerts.contains { $0.unattended > 0 }, "attended and not, \(why)")
        #expect(week.gateways.count >= 2 && week.methods.count >= 2, "gateways and methods, \(why)")
        #expect(week.gateways.contains { $0.medianToARN != nil } && week.methods.contains { $0.name == "" }, "\(why)")
        #expect(week.health.failing > 0 && week.health.throttled > 0 && week.health.failingBy.count >= 2, "failing fetches, \(why)")
        #expect(week.health.neverFetched > 0 && week.health.partlyFailing > 0, "\(why)")
        let day = desk.overview(.last(.day, until: end))
        #expect(day.toARN.count > 0 && day.toCompletion.count > 0 && day.timeline.contains { $0.created > 0 }, "the last day has its own, \(why)")
        #expect(desk.facts.values.joined().contains { $0.createdAt == nil } && desk.facts.values.joined().contains { $0.amountMinor == nil },
                "refunds without a creation time or an amount, \(why)")
        // A milestone before the creation WhatsApp gives (a span of 0) is rare in this data (a
        // skewed refund that then reached its ARN): some seeds have none (1796477823647), so it
        // is not asked of every seed here. theEdgesOfPeriodsBucketsAndDeadlinesAreCountedAsDocumented
        // counts one on every run (its order 3).
    }

    /// The bar's number in `overview` a drill-down stands for; nil where the overview has none to
    /// compare with (an alert about the whole watchlist has no order).
    static func count(_ selection: OverviewSelection, in overview: Overview) -> Int? {
        switch selection {
        case .open(let age, let progress):
            return overview.open.filter { $0.age == age && (progress == nil || $0.progress == progress) }.reduce(0) { $0 + $1.count }
        case .toARN(let span): return overview.toARN.histogram[span.rawValue]
        case .toCompletion(let span): return overview.toCompletion.histogram[span.rawValue]
        case .created(let start): return overview.timeline.first { $0.start == start }?.created
        case .completed(let start): return overview.timeline.first { $0.start == start }?.completed
        case .failed(let start): return overview.timeline.first { $0.start == start }?.failed
        case .deadline(let stage, let late): return overview.deadlines.first { $0.stage == stage }.map { late ? $0.late : $0.dueSoon }
        case .alert(let rule): return rule == .payuToken ? nil : overview.alerts.first { $0.rule == rule }?.unresolved
        case .gateway(let name): return overview.gateways.first { $0.name == name }?.open ?? 0
        case .method(let name): return overview.methods.first { $0.name == name }?.open ?? 0
        case .failing(let category):
            return category.map { c in overview.health.failingBy.first { $0.category == c }?.count ?? 0 } ?? overview.health.failing
        }
    }

    // MARK: - The watchlist

    /// What the test knows of the store it filled.
    struct Desk {
        var ids: [Int64] = []
        /// Each fetched order's facts, chained over its fetches.
        var facts: [Int64: [RefundFact]] = [:]
        /// Each fetched order's last good report, as `record` keeps it.
        var stored: [Int64: OrderReport] = [:]
        /// Orders whose last attempt failed, and why.
        var failing: [Int64: ErrorCategory] = [:]
        var alerts: [String: AlertModel] = [:]
        var alertIDs: [String: Int64] = [:]

        struct AlertModel {
            var rule: AlertRule
            var orderID: Int64?
            var resolved = false
            var acknowledged = false
            var snoozedUntil: Date?
        }

        /// `syncAlerts` as its contract says: a key not seen before is raised; an unresolved alert
        /// of the order, of a rule judged, whose key is not active, resolves.
        mutating func synced(_ orderID: Int64?, judged: Set<AlertRule>, active: [AlertDraft], result: AlertSync) {
            let keys = Set(active.map(\.key))
            for draft in active where alerts[draft.key] == nil { alerts[draft.key] = AlertModel(rule: draft.rule, orderID: draft.orderID) }
            for (key, alert) in alerts where alert.orderID == orderID && judged.contains(alert.rule) && !alert.resolved && !keys.contains(key) {
                alerts[key]?.resolved = true
            }
            for alert in result.raised { alertIDs[alert.key] = alert.id }
        }

        var allFacts: [(order: Int64, fact: RefundFact)] { ids.flatMap { id in (facts[id] ?? []).map { (id, $0) } } }

        /// Seconds from creation to the milestone of the facts that reached it within `period`.
        func spans(_ milestone: KeyPath<RefundFact, Date?>, _ period: OverviewPeriod, _ facts: [RefundFact]) -> [TimeInterval] {
            facts.compactMap { fact in
                guard let created = fact.createdAt, let reached = fact[keyPath: milestone], reached >= period.since, reached < period.until else { return nil }
                return max(0, reached.timeIntervalSince(created))
            }
        }

        func age(_ fact: RefundFact, at now: Date) -> AgeBucket {
            AgeBucket(age: now.timeIntervalSince(fact.createdAt ?? fact.progressSince))
        }

        func paymentDue(_ id: Int64) -> Date? { stored[id].flatMap { OverviewStoreTests.rules.deadline(for: $0.payment) }?.due }

        /// The overview, counted here.
        func overview(_ period: OverviewPeriod) -> Overview {
            let now = period.until
            let facts = allFacts.map(\.fact)
            var overview = Overview(period: period)

            let open = facts.filter { RefundProgress.open.contains($0.progress) }
            for age in AgeBucket.allCases {
                for progress in RefundProgress.open {
                    let cell = open.filter { self.age($0, at: now) == age && $0.progress == progress }
                    guard !cell.isEmpty else { continue }
                    overview.open.append(OpenTally(age: age, progress: progress, count: cell.count, amountMinor: cell.reduce(0) { $0 + ($1.amountMinor ?? 0) }))
                }
            }

            overview.toARN = SpanStats(spans(\.arnAt, period, facts))
            overview.toARNBefore = SpanStats(spans(\.arnAt, period.before, facts))
            overview.toCompletion = SpanStats(spans(\.completedAt, period, facts))
            overview.toCompletionBefore = SpanStats(spans(\.completedAt, period.before, facts))

            let step = period.step
            func inBucket(_ date: Date?, _ start: Date) -> Bool {
                guard let date, period.contains(date) else { return false }
                return step.start(of: date) == start
            }
            overview.timeline = period.bucketStarts.map { start in
                TimelineBucket(start: start, created: facts.filter { inBucket($0.createdAt, start) }.count,
                               completed: facts.filter { inBucket($0.completedAt, start) }.count,
                               failed: facts.filter { inBucket($0.failedAt, start) }.count)
            }

            let soon = now.addingTimeInterval(DeadlineTally.soon)
            overview.deadlines = DeadlineStage.allCases.map { stage in
                let dues = stage == .payment ? ids.compactMap(paymentDue) : facts.compactMap(\.deadline).filter { $0.stage == stage }.map(\.due)
                return DeadlineTally(stage: stage, late: dues.filter { $0 < now }.count, dueSoon: dues.filter { $0 >= now && $0 < soon }.count)
            }

            overview.alerts = AlertRule.allCases.map { rule in
                let unresolved = alerts.values.filter { $0.rule == rule && !$0.resolved }
                let unattended = unresolved.filter { !$0.acknowledged && ($0.snoozedUntil.map { $0 <= now } ?? true) }
                return AlertTally(rule: rule, unresolved: unresolved.count, unattended: unattended.count)
            }

            func groups(_ name: (RefundFact) -> String) -> [GroupTally] {
                Dictionary(grouping: facts, by: name).compactMap { name, members -> GroupTally? in
                    let open = members.filter { $0.progress.isOpen }
                    let arns = spans(\.arnAt, period, members)
                    guard !open.isEmpty || !arns.isEmpty else { return nil }
                    return GroupTally(name: name, open: open.count, openAmountMinor: open.reduce(0) { $0 + ($1.amountMinor ?? 0) }, arns: arns.count,
                                      medianToARN: SpanStats(arns).median)
                }.sorted { $0.open != $1.open ? $0.open > $1.open : $0.name < $1.name }
            }
            overview.gateways = groups(\.gateway)
            overview.methods = groups { $0.method ?? "" }

            let byCategory = Dictionary(grouping: failing.values, by: \.rawValue)
                .map { FailureTally(category: $0.key, count: $0.value.count) }
                .sorted { $0.count != $1.count ? $0.count > $1.count : $0.category < $1.category }
            overview.health = FetchHealth(orders: ids.count, failing: failing.count, failingBy: byCategory,
                                          partlyFailing: stored.values.filter { $0.transactions.contains { $0.payuError != nil } }.count,
                                          neverFetched: ids.filter { stored[$0] == nil }.count, pollers: [])
            return overview
        }

        /// Every part of the overview of `period` that can be chosen, and some that count nothing.
        func selections(_ period: OverviewPeriod) -> [OverviewSelection] {
            var all: [OverviewSelection] = AgeBucket.allCases.flatMap { age in [.open(age, nil)] + RefundProgress.open.map { .open(age, $0) } }
            all += SpanBucket.allCases.flatMap { [OverviewSelection.toARN($0), .toCompletion($0)] }
            all += period.bucketStarts.flatMap { [OverviewSelection.created($0), .completed($0), .failed($0)] }
            all += DeadlineStage.allCases.flatMap { [OverviewSelection.deadline($0, late: true), .deadline($0, late: false)] }
            all += AlertRule.allCases.map(OverviewSelection.alert)
            let facts = allFacts.map(\.fact)
            all += (Set(facts.map(\.gateway)).sorted() + ["zaakpay"]).map(OverviewSelection.gateway)
            all += (Set(facts.map { $0.method ?? "" }).sorted() + ["wallet"]).map(OverviewSelection.method)
            all += [.failing(nil)] + ErrorCategory.allCases.map { .failing($0.rawValue) }
            return all
        }

        /// The orders a selection stands for, counted here: ascending, each once.
        func orders(_ selection: OverviewSelection, _ period: OverviewPeriod) -> [Int64] {
            let now = period.until
            func having(_ test: (RefundFact) -> Bool) -> [Int64] { ids.filter { (facts[$0] ?? []).contains(where: test) }.sorted() }
            func reached(_ milestone: KeyPath<RefundFact, Date?>, _ span: SpanBucket) -> [Int64] {
                having { !spans(milestone, period, [$0]).isEmpty && SpanBucket(seconds: spans(milestone, period, [$0])[0]) == span }
            }
            func inBucket(_ date: Date?, _ start: Date) -> Bool {
                guard let date, period.contains(date) else { return false }
                return period.step.start(of: date) == start
            }
            switch selection {
            case .open(let age, let progress):
                return having { $0.progress.isOpen && self.age($0, at: now) == age && (progress == nil || $0.progress == progress) }
            case .toARN(let span): return reached(\.arnAt, span)
            case .toCompletion(let span): return reached(\.completedAt, span)
            case .created(let start): return having { inBucket($0.createdAt, start) }
            case .completed(let start): return having { inBucket($0.completedAt, start) }
            case .failed(let start): return having { inBucket($0.failedAt, start) }
            case .deadline(let stage, let late):
                let soon = now.addingTimeInterval(DeadlineTally.soon)
                func counted(_ due: Date) -> Bool { late ? due < now : due >= now && due < soon }
                if stage == .payment { return ids.filter { paymentDue($0).map(counted) ?? false }.sorted() }
                return having { $0.deadline.map { $0.stage == stage && counted($0.due) } ?? false }
            case .alert(let rule):
                return Set(alerts.values.filter { $0.rule == rule && !$0.resolved }.compactMap(\.orderID)).sorted()
            case .gateway(let name): return having { $0.progress.isOpen && $0.gateway == name }
            case .method(let name): return having { $0.progress.isOpen && ($0.method ?? "") == name }
            case .failing(let category):
                return failing.filter { category == nil || $0.value.rawValue == category }.keys.sorted()
            }
        }
    }

    // MARK: - Making it

    /// One refund's life: where it starts when first seen, and where each later fetch finds it.
    struct RefundPlan {
        enum Path { case payu, whatsappOnly }

        var id: String
        var path: Path
        /// When it appears in fetches.
        var created: Date
        /// How far ahead of `created` the creation time WhatsApp reports is.
        var skew: TimeInterval
        var createdKnown: Bool
        var paise: Int
        var amountKnown: Bool
        var updated: Date
        var instant: Bool
        /// 0 nothing known, 1 PayU queued, 2 at the bank, 3 refunded without ARN, 4 ARN, 5 settled;
        /// nil before it is first seen.
        var stage: Int?
        var failed: Failure?
        var bankStatus: PayURefundStatus
        var pendingWithARN: Bool
        var settledByUTR: Bool

        enum Failure { case whatsapp, payu }

        /// First seen, or seen again: it moves forward (or fails, or, rarely, its ARN goes away).
        mutating func advance(_ random: inout SeededRandom) {
            guard let current = stage else {
                stage = [0, 0, 1, 1, 2, 3, 3, 4, 5][Int.random(in: 0..<9, using: &random)]
                if Int.random(in: 0..<12, using: &random) == 0 { failed = Bool.random(using: &random) ? .whatsapp : .payu }
                return
            }
            guard failed == nil, current < 5 else { return }
            if Int.random(in: 0..<16, using: &random) == 0 {
                failed = Bool.random(using: &random) ? .whatsapp : .payu
            } else if current == 4 && Int.random(in: 0..<10, using: &random) == 0 {
                stage = 3   // PayU no longer gives the ARN
            } else {
                stage = min(5, current + Int.random(in: 0...2, using: &random))
            }
        }

        /// As a fetch at this stage reports it; `payuAnswered` false when PayU could not be asked.
        func report(payuAnswered: Bool) -> RefundReport {
            let stage = stage ?? 0
            var status: RefundStatus
            var payu: PayURefundRecord?
            switch path {
            case .whatsappOnly:
                status = failed != nil ? .failed : (stage >= 3 ? .success : .pending)
            case .payu:
                switch stage {
                case 0: (status, payu) = (.pending, nil)
                case 1: (status, payu) = (.pending, B.record(id, status: .queued))
                case 2: (status, payu) = (.pending, B.record(id, status: bankStatus))
                case 3: (status, payu) = (.success, B.record(id, status: .success))
                case 4: (status, payu) = (pendingWithARN ? .pending : .success, B.record(id, status: .success, arn: "ARN-\(id)"))
                default: (status, payu) = (.success, settledByUTR ? B.record(id, status: .success, arn: "ARN-\(id)", utr: "UTR-\(id)")
                                                                  : B.record(id, status: .success, arn: "ARN-\(id)", settlement: "S-\(id)"))
                }
                switch failed {
                case .whatsapp?: status = .failed
                case .payu?: payu = B.record(id, status: .failure)
                case nil: break
                }
                if !payuAnswered { payu = nil }
            }
            var refund = B.refund(id, status: status, paise: paise, created: OverviewStoreTests.milliseconds(created.addingTimeInterval(skew)), speed: instant ? .instant : .normal, payu: payu, updated: updated)
            if !createdKnown { refund.refund.created = .unknown("") }
            if !amountKnown { refund.refund.amount = nil }
            return refund
        }
    }

    struct TransactionPlan {
        var id: String
        var gateway: Gateway
        var payuQueried: Bool
        var method: String?
        var refunds: [RefundPlan]
    }

    static func seconds(_ range: ClosedRange<Int>, _ random: inout SeededRandom) -> TimeInterval {
        TimeInterval(Int.random(in: range, using: &random))
    }

    /// A time to the millisecond, as the APIs' times are kept (`Timestamp`): a report stored and
    /// read back has the same one.
    static func milliseconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded() / 1000)
    }

    /// Some seconds and milliseconds after `date` (before, for a negative range).
    static func shifted(_ date: Date, _ range: ClosedRange<Int>, _ random: inout SeededRandom) -> Date {
        milliseconds(date.addingTimeInterval(seconds(range, &random) + seconds(0...999, &random) / 1000))
    }

    /// An order's fetches: one to five, increasing, in the last ten days before the end.
    static func fetchTimes(_ random: inout SeededRandom) -> [Date] {
        let count = Int.random(in: 1...5, using: &random)
        let first = end.addingTimeInterval(-seconds(86_400...10 * 86_400, &random))
        var times = (0..<count).map { _ in shifted(first, 0...Int(end.timeIntervalSince(first)) - 60, &random) }.sorted()
        for index in times.indices.dropFirst() where times[index] <= times[index - 1] { times[index] = milliseconds(times[index - 1].addingTimeInterval(1)) }
        return times
    }

    static func failure(_ random: inout SeededRandom) -> ReportedError {
        switch Int.random(in: 0..<20, using: &random) {
        case 0..<8: ReportedError(category: .rateLimited, service: .kaleyra, message: "Kaleyra: too many requests")
        case 8..<13: ReportedError(RefundWatchError.timeout(.kaleyra, seconds: 20))
        case 13..<17: ReportedError(category: .server, service: .kaleyra, message: "Kaleyra answered 502")
        default: ReportedError(category: .authentication, service: .kaleyra, message: "Kaleyra refused the API key")
        }
    }

    /// Adds 150 orders and stores their fetches, failures and alerts; returns what the test knows.
    static func fill(_ store: any WatchlistStore, _ random: inout SeededRandom, why: String) async throws -> Desk {
        let added = end.addingTimeInterval(-11 * 86_400)
        let orders = (0..<150).map { TrackedOrder(referenceID: String(format: "ORD-%03d", $0), addedAt: added) }
        var desk = Desk()
        desk.ids = try await store.add(orders).added.compactMap(\.id)
        try #require(desk.ids.count == 150)

        func sync(_ orderID: Int64?, _ judged: Set<AlertRule>, _ active: [AlertDraft], at date: Date) async throws {
            let result = try await store.syncAlerts(orderID: orderID, judged: judged, active: active, at: date)
            desk.synced(orderID, judged: judged, active: active, result: result)
        }
        func record(_ fetched: OrderReport, _ id: Int64) async throws {
            let stored = fetched.keepingPayU(from: desk.stored[id])
            let outcome = try await store.record(fetched, orderID: id, rules: rules)
            #expect(outcome?.report == stored, "the report as stored, \(why)")
            desk.facts[id] = RefundFact.of(stored, previous: desk.facts[id] ?? [], rules: rules)
            desk.stored[id] = stored
            desk.failing[id] = nil
            let drafts = AlertDraft.conditions(for: stored, orderID: id, rules: rules, thresholds: AlertThresholds(), now: fetched.fetchedAt)
            try await sync(id, AlertRule.fromReport, drafts, at: fetched.fetchedAt)
        }
        func fail(_ id: Int64, at date: Date, _ random: inout SeededRandom) async throws {
            let error = failure(&random)
            try await store.recordFailure(error, at: date, orderID: id)
            desk.failing[id] = error.category
            let since = desk.stored[id]?.fetchedAt ?? added
            let draft = AlertDraft.fetchFailing(orderID: id, referenceID: "ORD", since: since, error: error, thresholds: AlertThresholds(), now: date)
            try await sync(id, [.fetchFailing], draft.map { [$0] } ?? [], at: date)
        }

        for (n, id) in desk.ids.enumerated() {
            if n < 3 {
                // A payment whose collect request is still open at the end: due within the next hour.
                let made = end.addingTimeInterval(-1_200)
                try await record(B.order([B.transaction("t\(n)", status: .pending, refunds: [], method: "upi", created: made)], status: .pending,
                                         fetchedAt: end.addingTimeInterval(-300 + Double(n))), id)
                continue
            }
            let kind = Int.random(in: 0..<20, using: &random)
            if kind == 0 { continue }   // never fetched
            if kind == 1 {
                // Every fetch failed.
                var at = shifted(end, -5 * 86_400...(-3_600), &random)
                for _ in 0..<Int.random(in: 1...2, using: &random) {
                    try await fail(id, at: at, &random)
                    at = shifted(at, 60...3_600, &random)
                }
                continue
            }
            let times = fetchTimes(&random)
            if kind <= 3 {
                // A payment never paid (or paid later): no refunds.
                let made = shifted(times[0], -2_400...(-1), &random)
                var paid = false
                for time in times {
                    paid = paid || Int.random(in: 0..<4, using: &random) == 0
                    try await record(B.order([B.transaction("t\(n)", status: paid ? .success : .pending, refunds: [], method: "upi", created: made)],
                                             status: paid ? .captured : .pending, fetchedAt: time), id)
                }
                if Int.random(in: 0..<4, using: &random) == 0 {
                    try await fail(id, at: min(end.addingTimeInterval(-1), shifted(times.last!, 60...7_200, &random)), &random)
                }
                continue
            }

            var transactions: [TransactionPlan] = (0..<(Int.random(in: 0..<4, using: &random) == 0 ? 2 : 1)).map { t in
                let (gateway, queried): (Gateway, Bool) = switch Int.random(in: 0..<10, using: &random) {
                case 0..<6: (.payu, true)
                case 6: (.payu, false)
                case 7, 8: (.razorpay, false)
                default: (.billdesk, false)
                }
                let method = ["upi", "upi", "card", "netbanking", nil][Int.random(in: 0..<5, using: &random)]
                let refunds = (0..<[0, 1, 1, 2, 2, 3][Int.random(in: 0..<6, using: &random)]).map { r in
                    let later = times.count > 1 && Int.random(in: 0..<4, using: &random) == 0
                    let created = later
                        ? shifted(times[0], 0...Int(times.last!.timeIntervalSince(times[0])) - 1, &random)
                        : shifted(times[0], -8 * 86_400...(-1), &random)
                    // Now and then WhatsApp's clock is ahead: a refund "created" after the fetch
                    // that first sees it (its spans are then 0, its age under a day).
                    let firstSight = times.first { $0 >= created } ?? created
                    let skew = Int.random(in: 0..<15, using: &random) == 0 ? firstSight.timeIntervalSince(created) + seconds(60...3_600, &random) : 0
                    return RefundPlan(
                        id: "r\(n)-\(t)-\(r)", path: gateway == .payu && queried ? .payu : .whatsappOnly, created: created, skew: skew,
                        createdKnown: Int.random(in: 0..<20, using: &random) != 0,
                        paise: Int.random(in: 0..<5, using: &random) < 3 ? 10_000 : Int.random(in: 100...900_000, using: &random),
                        amountKnown: Int.random(in: 0..<20, using: &random) != 0,
                        updated: shifted(created, -3_600...4 * 86_400, &random),
                        instant: Int.random(in: 0..<7, using: &random) == 0,
                        bankStatus: [PayURefundStatus.requested, .pending, .inProgress][Int.random(in: 0..<3, using: &random)],
                        pendingWithARN: Int.random(in: 0..<4, using: &random) == 0, settledByUTR: Bool.random(using: &random))
                }
                return TransactionPlan(id: "t\(n)-\(t)", gateway: gateway, payuQueried: queried, method: method, refunds: refunds)
            }

            for (f, time) in times.enumerated() {
                if f > 0 && Int.random(in: 0..<10, using: &random) == 0 {
                    // A failure between two good fetches: the later one clears it.
                    try await fail(id, at: milliseconds(times[f - 1].addingTimeInterval(time.timeIntervalSince(times[f - 1]) / 2)), &random)
                }
                var reports: [TransactionReport] = []
                for t in transactions.indices {
                    let payuFailed = transactions[t].gateway == .payu && transactions[t].payuQueried && Int.random(in: 0..<8, using: &random) == 0
                    var refunds: [RefundReport] = []
                    for r in transactions[t].refunds.indices where transactions[t].refunds[r].created <= time {
                        transactions[t].refunds[r].advance(&random)
                        refunds.append(transactions[t].refunds[r].report(payuAnswered: !payuFailed))
                    }
                    let plan = transactions[t]
                    reports.append(B.transaction(plan.id, gateway: plan.gateway, refunds: refunds, payuQueried: plan.payuQueried,
                                                 payuError: payuFailed ? ReportedError(category: .server, service: .payu, message: "PayU answered 503") : nil,
                                                 method: plan.method))
                }
                try await record(B.order(reports, fetchedAt: time), id)
            }
            if Int.random(in: 0..<4, using: &random) == 0 {
                try await fail(id, at: min(end.addingTimeInterval(-1), shifted(times.last!, 60...7_200, &random)), &random)
            }
        }

        // PayU refusing its token: an alert of the whole watchlist.
        let token = ReportedError(category: .authentication, service: .payu, message: "PayU refused the client credentials")
        try await sync(nil, [.payuToken], [AlertDraft.payuToken(token, now: end.addingTimeInterval(-600))], at: end.addingTimeInterval(-600))

        // People at work: some alerts acknowledged, some snoozed (until before the end, or after).
        for key in desk.alerts.keys.sorted() where !desk.alerts[key]!.resolved {
            guard let alertID = desk.alertIDs[key] else { continue }
            switch Int.random(in: 0..<8, using: &random) {
            case 0:
                _ = try await store.acknowledgeAlert(id: alertID, by: "asha", note: nil, at: end.addingTimeInterval(-120))
                desk.alerts[key]?.acknowledged = true
            case 1:
                let until = end.addingTimeInterval(Bool.random(using: &random) ? -3_600 : 5 * 3_600)
                _ = try await store.snoozeAlert(id: alertID, until: until)
                desk.alerts[key]?.snoozedUntil = until
            default: break
            }
        }
        return desk
    }
}
