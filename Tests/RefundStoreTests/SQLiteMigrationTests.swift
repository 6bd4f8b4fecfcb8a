import Foundation
import GRDB
import Testing
import RefundKit
@testable import RefundStore
import WatchlistModel
import TestReports
import TestSupport

/// Files written by older releases, opened by this one: upgraded in place, their data intact.
@Suite struct SQLiteMigrationTests {
    typealias B = ReportBuilder
    let now = Date(timeIntervalSince1970: 1_795_000_000)

    /// A file written by the first release (schema v1, summaries as JSON only) is upgraded in place
    /// when opened, its summaries copied into the new columns.
    @Test func aVersionOneFileGetsItsSummaryColumns() async throws {
        let folder = try ScratchFolder()
        let path = folder.path + "/v1.sqlite"
        let report = B.order([B.transaction("t1", refunds: [B.refund("r1", status: .success, payu: B.record("r1", status: .success))])], fetchedAt: now)
        let summary = OrderSummary(report, rules: DeadlineRules())
        do {
            let queue = try DatabaseQueue(path: path)
            try Schema.migrator.migrate(queue, upTo: "v1: watchlist, last reports, history")
            try await queue.write { db in
                try db.execute(sql: "INSERT INTO tracked_order (id, reference_id, added_at) VALUES (1, 'ORD-TEST-0001', ?)", arguments: [now])
                try db.execute(sql: "INSERT INTO order_state (order_id, report, summary, fetched_at) VALUES (1, ?, ?, ?)",
                               arguments: [try report.jsonData(pretty: false), try versionOneJSON(summary), now])
            }
        }
        let store = try await SQLiteStore.open(at: path)
        // v1 kept ARN deadlines without their refunds: read back as ARN deadlines of no refund.
        var expected = summary
        expected.deadlines = summary.deadlines.map { StageDeadline(stage: .arn, due: $0.due, refundID: nil) }
        #expect(try await store.watchlist().first?.summary == expected)
        #expect(try await store.watchlist().first?.summary?.arnMissing == 1)
    }

    /// A v1 file as the first release wrote it, made by the literal SQL in Fixtures/store/v1.sql
    /// (its own copy of v1's tables, GRDB's migrations table, and rows): opened now, it gets every
    /// later migration, its tables match a new file's column for column, and its data reads back.
    @Test func aVersionOneFixtureUpgradesToTheCurrentSchemaWithItsData() async throws {
        let folder = try ScratchFolder()
        let path = folder.file("v1.sqlite")
        let sql = try String(contentsOf: FixtureLoader.root.appendingPathComponent("store/v1.sql"), encoding: .utf8)
        do {
            let queue = try DatabaseQueue(path: path)
            try await queue.writeWithoutTransaction { try $0.execute(sql: sql) }
            try queue.close()
        }
        let store = try await SQLiteStore.open(at: path)
        let fresh = try await SQLiteStore.open(at: folder.file("new.sqlite"))
        func columns(_ store: SQLiteStore) async throws -> [String] {
            try await DatabaseQueue(path: store.path).read { db in
                try ["tracked_order", "order_state", "history", "store_meta"].flatMap { table in
                    try Row.fetchAll(db, sql: "PRAGMA table_info(\(table))").map { row -> String in
                        let name: String = row["name"], type: String = row["type"]
                        let notNull: Int = row["notnull"], key: Int = row["pk"]
                        return "\(table).\(name) \(type) notnull=\(notNull) pk=\(key)"
                    }
                }
            }
        }
        #expect(try await columns(store) == columns(fresh))
        let applied = try await DatabaseQueue(path: path).read { try Schema.migrator.appliedIdentifiers($0) }
        #expect(applied == Set(Schema.migrator.migrations))

        let rows = try await store.watchlist()
        #expect(rows.map(\.order.referenceID) == ["ORD-20261001-0001", "ORD-20261001-0002", "ORD-20261001-0003", "ORD-20261001-0004"])
        #expect(rows[0].order.label == "escalated")
        let first = try #require(rows[0].summary)
        #expect(first.paymentStatus == "captured")
        #expect(first.amount?.plainString == "2100.00")
        #expect(first.amount?.currency == "INR")
        #expect(first.transactionCount == 1)
        #expect(first.refundCount == 3)
        #expect(first.refundTotal?.plainString == "1500.00")
        #expect(first.stages == ["no ARN yet": 1, "in progress": 1, "settled": 1])
        #expect(first.arnPresent == 1)
        #expect(first.arnMissing == 1)
        // Written before deadlines had stages: all were ARN deadlines, and read back as such.
        #expect(first.deadlines == [StageDeadline(stage: .arn, due: Date(timeIntervalSince1970: 1_793_307_200.5), refundID: nil)])
        #expect(first.arns == ["ARN%1", "line\nbreak"])
        #expect(first.payuErrors == 0)
        // A summary from before ARNs were kept in it, an order never fetched, one whose only fetch failed.
        #expect(rows[1].summary?.arns == [])
        #expect(rows[1].summary?.stages == ["failed": 1])
        #expect(rows[1].summary?.refundTotal == nil)
        #expect(rows[2].summary == nil)
        #expect(rows[2].fetchedAt == nil)
        #expect(rows[3].summary == nil)
        #expect(rows[3].failure?.error.message == "Kaleyra did not answer within 20 s.")
        #expect(rows[3].failure?.error.category == .network)
        let firstID = try #require(rows[0].order.id)
        let report = try await #require(try store.report(orderID: firstID))
        #expect(report.referenceID == "ORD-20261001-0001")
        let history = try await store.history(orderID: firstID)
        #expect(history.map(\.change.field) == [.appeared, .arn])
        #expect(history.last?.change.new == "ARN%1")
        #expect(try await store.metadata("demo_epoch") == "1793000000")
    }
}

/// A summary as the first release wrote it: ARN deadlines under `arn_deadlines`, as seconds
/// since 2001 (Foundation's default date encoding), without stages or refund ids.
private func versionOneJSON(_ summary: OrderSummary) throws -> Data {
    var object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(summary)) as? [String: Any])
    object["deadlines"] = nil
    object["arn_deadlines"] = summary.deadlines.map { $0.due.timeIntervalSinceReferenceDate }
    return try JSONSerialization.data(withJSONObject: object)
}
