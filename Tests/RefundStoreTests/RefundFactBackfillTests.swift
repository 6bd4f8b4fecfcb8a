import Foundation
import GRDB
import Testing
import RefundKit
@testable import RefundStore
import WatchlistModel
import TestReports
import TestSupport

/// The overview's `refund_fact` rows of orders stored before they existed: a file of schema v8 (a
/// database of schema 4) gets them from its stored reports when this version opens it, once; and
/// `db copy` carries them with the state they go with.
@Suite struct RefundFactBackfillTests {
    typealias B = ReportBuilder
    let t0 = ReportBuilder.created
    var fetched: Date { t0.addingTimeInterval(10 * 3_600) }
    let rules = DeadlineRules()

    /// An order with one of each: queued since its creation, refunded with an ARN (WhatsApp last
    /// updated it 4 hours in), failed (2 hours in), and done at another gateway (3 hours in).
    var refunds: OrderReport {
        B.order([
            B.transaction("t1", refunds: [
                B.refund("queued", paise: 1_250, payu: B.record("queued", status: .queued)),
                B.refund("arn", status: .success, payu: B.record("arn", status: .success, arn: "A1"), updated: t0.addingTimeInterval(4 * 3_600)),
                B.refund("failed", status: .failed, updated: t0.addingTimeInterval(2 * 3_600)),
            ], method: "upi"),
            B.transaction("t2", gateway: .razorpay, refunds: [B.refund("done", status: .success, updated: t0.addingTimeInterval(3 * 3_600))], method: "card"),
        ], fetchedAt: fetched)
    }

    /// A payment still pending: its deadline is 30 minutes after the attempt, 20 minutes after the fetch.
    var pendingPayment: OrderReport {
        B.order([B.transaction("t3", status: .pending, refunds: [], created: fetched.addingTimeInterval(-600))], status: .pending, fetchedAt: fetched)
    }

    /// Each order's facts, by reference id, as `db copy` reads them.
    func facts(_ store: some CopyableStore) async throws -> [String: Set<RefundFact>] {
        var facts: [String: Set<RefundFact>] = [:]
        for order in try await store.copyOrders(afterID: 0, limit: 100) { facts[order.order.referenceID, default: []].formUnion(order.facts) }
        return facts
    }

    /// The backfilled facts of `refunds`, by hand.
    func expectBackfilled(_ facts: Set<RefundFact>, _ said: String) {
        let byID = Dictionary(uniqueKeysWithValues: facts.map { ($0.refundID, $0) })
        #expect(facts == Set(RefundFact.of(refunds, previous: [], rules: rules)), "as at a first fetch, \(said)")
        #expect(byID["queued"]?.progress == .queued && byID["queued"]?.progressSince == t0 && byID["queued"]?.amountMinor == 1_250, "\(said)")
        #expect(byID["arn"]?.progress == .unsettled && byID["arn"]?.arnAt == t0.addingTimeInterval(4 * 3_600) && byID["arn"]?.completedAt == nil, "\(said)")
        #expect(byID["failed"]?.failedAt == t0.addingTimeInterval(2 * 3_600) && byID["failed"]?.gateway == "payu", "\(said)")
        #expect(byID["done"]?.progress == .done && byID["done"]?.completedAt == t0.addingTimeInterval(3 * 3_600) && byID["done"]?.method == "card", "\(said)")
    }

    /// What the overview of the backfilled store counts an hour after the fetch.
    func expectOverview(_ store: some WatchlistStore, _ said: String) async throws {
        let period = OverviewPeriod.last(.week, until: fetched.addingTimeInterval(3_600))
        let overview = try await store.overview(period)
        #expect(overview.openCount == 2 && overview.openAmountMinor == 1_250 + 10_000, "queued and unsettled, \(said)")
        #expect(overview.toARN.histogram[SpanBucket.underSixHours.rawValue] == 1 && overview.toARN.median == 4 * 3_600, "\(said)")
        #expect(overview.toCompletion.count == 1 && overview.toCompletion.median == 3 * 3_600, "\(said)")
        #expect(overview.timeline.reduce(0) { $0 + $1.failed } == 1, "\(said)")
        #expect(overview.deadlines.first { $0.stage == .payment } == DeadlineTally(stage: .payment, late: 1, dueSoon: 0), "the payment's deadline, \(said)")
        #expect(overview.health.orders == 5 && overview.health.neverFetched == 2 && overview.health.failing == 1, "never fetched, only failed; \(said)")
        #expect(try await store.overviewOrders(.deadline(.payment, late: true), period: period) == [2], "\(said)")
        #expect(try await store.overviewOrders(.open(.underDay, nil), period: period) == [1], "\(said)")
    }

    /// A v8 file as the release before the overview left it: five orders (refunds; a pending
    /// payment; never fetched; only a failed fetch; a stored report this version cannot read).
    func writeVersionEightFile(_ path: String) async throws {
        let queue = try DatabaseQueue(path: path)
        try Schema.migrator.migrate(queue, upTo: "v8: alerts")
        let (refunds, pendingPayment, fetched, t0) = (refunds, pendingPayment, fetched, t0)
        try await queue.write { db in
            for id in 1...5 {
                try db.execute(sql: "INSERT INTO tracked_order (id, reference_id, added_at) VALUES (?, ?, ?)", arguments: [id, "ORD-\(id)", t0])
            }
            // v8's summary columns: all of today's but `payment_due`.
            let names = SummaryColumns.names.filter { $0 != "payment_due" }
            func state(_ id: Int, report: Data, _ summary: OrderSummary) throws {
                let values = Array(SummaryColumns.values(summary).prefix(names.count))
                try db.execute(sql: """
                    INSERT INTO order_state (order_id, report, summary, fetched_at, attempted_at, \(names.joined(separator: ", ")))
                    VALUES (?, ?, ?, ?, ?, \(Array(repeating: "?", count: names.count).joined(separator: ", ")))
                    """, arguments: [id, report, try JSONEncoder().encode(summary), fetched, fetched] + SQLiteStore.arguments(values))
            }
            try state(1, report: refunds.jsonData(pretty: false), OrderSummary(refunds, rules: DeadlineRules()))
            try state(2, report: pendingPayment.jsonData(pretty: false), OrderSummary(pendingPayment, rules: DeadlineRules()))
            try db.execute(sql: """
                INSERT INTO order_state (order_id, attempted_at, error_category, error_service, error_message, failed_at, failures)
                VALUES (4, ?, 'network', 'Kaleyra', 'Kaleyra did not answer within 20 s.', ?, 1)
                """, arguments: [fetched, fetched])
            try state(5, report: Data(#"{"not": "a report"}"#.utf8), OrderSummary(refunds, rules: DeadlineRules()))
        }
        try queue.close()
    }

    @Test func aVersionEightFileGetsTheFactsOfItsStoredReportsWhenOpenedOnce() async throws {
        let folder = try ScratchFolder()
        let path = folder.file("v8.sqlite")
        try await writeVersionEightFile(path)

        let store = try await SQLiteStore.open(at: path)
        let applied = try await store.writer.read { try Schema.migrator.appliedIdentifiers($0) }
        #expect(applied == Set(Schema.migrator.migrations))
        let facts = try await facts(store)
        expectBackfilled(facts["ORD-1"] ?? [], "SQLite")
        #expect(facts["ORD-2"] == [] && facts["ORD-3"] == [] && facts["ORD-4"] == [], "no refunds, never fetched, only failed")
        #expect(facts["ORD-5"] == [], "a report this version cannot read is left for its next fetch")
        #expect(try await store.metadata(OverviewSQL.backfillKey) == "1")
        let paymentDue = try await store.writer.read { db in try Double.fetchOne(db, sql: "SELECT payment_due FROM order_state WHERE order_id = 2") }
        #expect(paymentDue == fetched.addingTimeInterval(1_200).timeIntervalSince1970)
        try await expectOverview(store, "SQLite")

        // The next fetch carries the estimates over: the ARN's time stays, the settlement is now.
        var settled = refunds
        settled.fetchedAt = fetched.addingTimeInterval(3_600)
        settled.transactions[0].refunds[1].payu?.settlementID = "S1"
        _ = try await store.record(settled, orderID: 1, rules: rules)
        let next = try #require(try await self.facts(store)["ORD-1"]?.first { $0.refundID == "arn" })
        #expect(next.progress == .settled && next.arnAt == t0.addingTimeInterval(4 * 3_600) && next.completedAt == settled.fetchedAt)

        // Once: rows removed since are not written again when the file is opened again.
        try await store.writer.write { db in try db.execute(sql: "DELETE FROM refund_fact WHERE order_id = 1") }
        let again = try await SQLiteStore.open(at: path)
        #expect(try await self.facts(again)["ORD-1"] == [])
    }

    /// An order that has its rows already (a fetch stored by a newer process meanwhile) keeps them;
    /// the others get theirs.
    @Test func theBackfillWritesOnlyOrdersWithoutFacts() async throws {
        let folder = try ScratchFolder()
        let path = folder.file("v9.sqlite")
        try await writeVersionEightFile(path)
        let mine = RefundFact(transactionID: "t1", refundID: "queued", gateway: "payu", method: "upi", amountMinor: 7, currency: "INR", progress: .bank,
                              createdAt: t0, progressSince: fetched, arnAt: nil, completedAt: nil, failedAt: nil, deadline: nil)
        do {
            let queue = try DatabaseQueue(path: path)
            try Schema.migrator.migrate(queue)
            try await queue.write { db in try SQLiteStore.replaceFacts(db, orderID: 1, [mine]) }
            try queue.close()
        }
        let store = try await SQLiteStore.open(at: path)
        #expect(try await facts(store)["ORD-1"] == [mine])
        #expect(try await store.metadata(OverviewSQL.backfillKey) == "1")
        let paymentDue = try await store.writer.read { db in try Double.fetchOne(db, sql: "SELECT payment_due FROM order_state WHERE order_id = 2") }
        #expect(paymentDue == fetched.addingTimeInterval(1_200).timeIntervalSince1970, "the order without facts got its payment deadline")
    }

    /// A PostgreSQL database of schema 4 (the release before the overview), with the same orders.
    @Test func aSchemaFourDatabaseGetsTheFactsOfItsStoredReportsWhenOpened() async throws {
        try await withPostgres { server in
            try await server.psql("CREATE DATABASE old")
            let migrations = PostgresSchema.migrations.filter { $0.version <= 4 }.map(\.sql)
            try await server.psql(migrations.joined(separator: ";\n") + ";\nINSERT INTO refundwatch_meta (key, value) VALUES ('schema_version', '4');",
                                  database: "old")
            func bytes(_ data: Data) -> String { "'\\x" + data.map { String(format: "%02x", $0) }.joined() + "'::bytea" }
            func time(_ date: Date) -> String { "to_timestamp(\(date.timeIntervalSince1970))" }
            var sql = (1...5).map { "INSERT INTO tracked_order (id, reference_id, added_at) VALUES (\($0), 'ORD-\($0)', \(time(t0)));" }
            for (id, report) in [(1, refunds), (2, pendingPayment)] {
                let summary = OrderSummary(report, rules: rules)
                let deadlines = SummaryColumns.encode(summary.deadlines)
                sql.append("""
                    INSERT INTO order_state (order_id, report, summary, fetched_at, attempted_at, payment_status, deadlines, deadline_stages, payu_errors)
                    VALUES (\(id), \(bytes(try report.jsonData(pretty: false))), \(bytes(try JSONEncoder().encode(summary))), \(time(fetched)), \(time(fetched)),
                            '\(summary.paymentStatus)', '\(deadlines.times)', '\(deadlines.stages)', 0);
                    """)
            }
            sql.append("""
                INSERT INTO order_state (order_id, attempted_at, error_category, error_service, error_message, failed_at, failures)
                VALUES (4, \(time(fetched)), 'network', 'Kaleyra', 'Kaleyra did not answer within 20 s.', \(time(fetched)), 1);
                INSERT INTO order_state (order_id, report, summary, fetched_at, attempted_at, payment_status)
                VALUES (5, \(bytes(Data(#"{"not": "a report"}"#.utf8))), \(bytes(Data("{}".utf8))), \(time(fetched)), \(time(fetched)), 'captured');
                SELECT setval('tracked_order_id_seq', 5);
                """)
            _ = try await server.psql(sql.joined(separator: "\n"), database: "old")

            let store = try await PostgresStore.open(try PostgresLocation(url: server.url(database: "old"), environment: [:]),
                                                     environment: ["PGPASSWORD": server.password])
            #expect(try await server.psql("SELECT value FROM refundwatch_meta WHERE key = 'schema_version'", database: "old") == "\(PostgresSchema.latest)\n")
            let facts = try await facts(store)
            expectBackfilled(facts["ORD-1"] ?? [], "PostgreSQL")
            #expect(facts["ORD-2"] == [] && facts["ORD-3"] == [] && facts["ORD-4"] == [] && facts["ORD-5"] == [])
            #expect(try await store.metadata(OverviewSQL.backfillKey) == "1")
            try await expectOverview(store, "PostgreSQL")
            await store.close()

            // Once: rows removed since are not written again when the database is opened again.
            try await server.psql("DELETE FROM refund_fact WHERE order_id = 1", database: "old")
            let again = try await PostgresStore.open(try PostgresLocation(url: server.url(database: "old"), environment: [:]),
                                                     environment: ["PGPASSWORD": server.password])
            #expect(try await self.facts(again)["ORD-1"] == [])
            await again.close()
        }
    }

    /// Facts whose times no report holds (an ARN seen at the second fetch, not estimated) go with
    /// their order's state into another store and back; a target that keeps its own later state
    /// keeps its own facts.
    @Test(arguments: [StoreBackend.sqliteFile, .postgres])
    func aCopyCarriesTheFactsWithTheStateTheyGoWith(_ backend: StoreBackend) async throws {
        let source = try await SQLiteStore.inMemory()
        let t1 = t0.addingTimeInterval(3_600), t2 = t0.addingTimeInterval(7_200), t3 = t0.addingTimeInterval(10_800)
        let ids = try await source.add([TrackedOrder(referenceID: "ORD-1", addedAt: t0), TrackedOrder(referenceID: "ORD-2", addedAt: t0)]).added.compactMap(\.id)
        func arn(_ payu: PayURefundRecord, status: RefundStatus = .success, at: Date) -> OrderReport {
            B.order([B.transaction("t1", refunds: [B.refund("r1", status: status, payu: payu)], method: "upi")], fetchedAt: at)
        }
        _ = try await source.record(arn(B.record("r1", status: .queued), status: .pending, at: t0), orderID: ids[0], rules: rules)
        _ = try await source.record(arn(B.record("r1", status: .success, arn: "A1"), at: t1), orderID: ids[0], rules: rules)
        let last = arn(B.record("r1", status: .success, arn: "A1", settlement: "S1"), at: t2)
        _ = try await source.record(last, orderID: ids[0], rules: rules)
        let pending = B.order([B.transaction("t2", gateway: .razorpay, refunds: [B.refund("r2")])], fetchedAt: t0)
        _ = try await source.record(pending, orderID: ids[1], rules: rules)
        let mine = try await facts(source)
        let settled = try #require(mine["ORD-1"]?.first)
        #expect(settled.progress == .settled && settled.arnAt == t1 && settled.completedAt == t2)
        #expect(mine["ORD-1"] != Set(RefundFact.of(last, previous: [], rules: rules)), "not what the last report alone would give")

        try await backend.withStore { made in
            let target = try #require(made as? any CopyableStore)
            // The target fetched ORD-2 after the source did: its state, and its facts, stay.
            let theirs = try #require(try await target.add([TrackedOrder(referenceID: "ORD-2", addedAt: t0)]).added.first?.id)
            _ = try await target.record(pending, orderID: theirs, rules: rules)
            let done = B.order([B.transaction("t2", gateway: .razorpay, refunds: [B.refund("r2", status: .success)])], fetchedAt: t3)
            _ = try await target.record(done, orderID: theirs, rules: rules)
            let theirFacts = try await facts(target)["ORD-2"]

            _ = try await StoreCopy.copy(from: source, to: target)
            let copied = try await facts(target)
            #expect(copied["ORD-1"] == mine["ORD-1"], "the source's facts, times and all")
            #expect(copied["ORD-2"] == theirFacts && copied["ORD-2"]?.first?.completedAt == t3, "the target's later state kept, with its facts")

            // And back into a new file: the same again.
            let back = try await SQLiteStore.inMemory()
            _ = try await StoreCopy.copy(from: target, to: back)
            #expect(try await facts(back) == copied)
            let period = OverviewPeriod.last(.day, until: t3.addingTimeInterval(60))
            #expect(try await back.overview(period) == target.overview(period))
            #expect(try await target.overview(period).toARN.median == 3_600, "the ARN an hour after creation, as seen")
        }
    }
}
