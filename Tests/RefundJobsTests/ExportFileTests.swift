import Foundation
import GRDB
import RefundJobs
import RefundKit
@testable import RefundStore
import Testing
import TestReports
import WatchlistModel

/// What `export` and the dashboard's `e` write.
@Suite struct ExportFileTests {
    typealias B = ReportBuilder

    func store() async throws -> (SQLiteStore, [Int64]) {
        let store = try await SQLiteStore.inMemory()
        let ids = try await store.add(["ORD-1", "ORD-2"].map { TrackedOrder(referenceID: $0, addedAt: B.created) }).added.compactMap(\.id)
        for (n, id) in ids.enumerated() {
            let refund = B.refund("r\(n)", status: .success, payu: B.record("r\(n)", status: .success, arn: "ARN\(n)"))
            _ = try await store.record(B.order([B.transaction("t\(n)", refunds: [refund])]), orderID: id, rules: DeadlineRules())
        }
        return (store, ids)
    }

    /// `e` on one order reads that order's report alone: another order's unreadable report does
    /// not stop it (it did: the whole watchlist's reports were decoded, then filtered).
    @Test func oneOrdersExportReadsOnlyItsReport() async throws {
        let (store, ids) = try await store()
        try await store.run { db in try db.execute(sql: "UPDATE order_state SET report = ? WHERE order_id = ?", arguments: [Data("{".utf8), ids[1]]) }
        let file = try await ExportFile.load(store: store, orderIDs: [ids[0]], rules: DeadlineRules(), now: B.created, format: .csv)
        let text = String(decoding: file.data, as: UTF8.self)
        #expect(file.orders == 1 && file.refunds == 1)
        #expect(text.contains("ORD-1,") && text.contains("ARN0") && !text.contains("ORD-2"))
        // The whole watchlist's export names the order it cannot read.
        await #expect {
            _ = try await ExportFile.load(store: store, orderIDs: nil, rules: DeadlineRules(), now: B.created, format: .csv)
        } throws: { error in
            (error as? StoreError)?.description.contains("the stored report of ORD-2 cannot be read") == true
        }
    }

    @Test func jsonHasOneObjectPerRefundWithBothSides() async throws {
        let (store, _) = try await store()
        let file = try await ExportFile.load(store: store, orderIDs: nil, rules: DeadlineRules(), now: B.created, format: .json)
        let rows = try #require(try JSONSerialization.jsonObject(with: file.data) as? [[String: Any]])
        #expect(rows.map { $0["reference_id"] as? String } == ["ORD-1", "ORD-2"])
        #expect(rows.map { $0["arn"] as? String } == ["ARN0", "ARN1"])
        #expect(rows.allSatisfy { $0["whatsapp_status"] as? String == "success" && $0["payu_status"] as? String == "success" })
    }

    /// Each refund carries its stage's deadline and whether it is late at the export's moment.
    @Test func eachRefundCarriesItsStageDeadline() async throws {
        let store = try await SQLiteStore.inMemory()
        let id = try #require(try await store.add([TrackedOrder(referenceID: "ORD-Q", addedAt: B.created)]).added.first?.id)
        let queued = B.refund("rq", created: B.created, payu: B.record("rq", status: .queued))
        let done = B.refund("rd", status: .success, payu: B.record("rd", status: .success, arn: "ARN9"))
        _ = try await store.record(B.order([B.transaction("t", refunds: [queued, done])]), orderID: id, rules: DeadlineRules())
        let due = try #require(DeadlineRules().deadline(for: queued, in: B.transaction("t", refunds: [queued]))?.due)
        let json = try await ExportFile.load(store: store, orderIDs: nil, rules: DeadlineRules(), now: due.addingTimeInterval(1), format: .json)
        let rows = try #require(try JSONSerialization.jsonObject(with: json.data) as? [[String: Any]])
        #expect(rows.map { $0["deadline_stage"] as? String } == ["queued", nil])
        #expect(rows.map { $0["overdue"] as? Bool } == [true, false])
        #expect(rows[0]["deadline"] as? String == Timestamp.iso8601(due))
        #expect(rows[1]["deadline"] is NSNull)
        let csv = try await ExportFile.load(store: store, orderIDs: nil, rules: DeadlineRules(), now: due.addingTimeInterval(-1), format: .csv)
        let lines = String(decoding: csv.data, as: UTF8.self).components(separatedBy: "\r\n")
        #expect(lines[0].contains(",stage,deadline_stage,deadline,overdue,"))
        #expect(lines[1].contains(",queued,queued,\(Timestamp.iso8601(due)),no,"))
    }
}
