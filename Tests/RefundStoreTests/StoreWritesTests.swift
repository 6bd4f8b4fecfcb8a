import Foundation
import Testing
import GRDB
import PostgresNIO
import RefundKit
@testable import RefundStore
import WatchlistModel
import TestReports

/// What the store writes is decided once (`RecordWrite`, `FailureWrite`, `CopyWrite`) and each
/// backend only runs the statements: these are the decisions, and a history field this version
/// does not know, kept as it was written on both backends.
@Suite struct StoreWritesTests {
    typealias B = ReportBuilder
    let t0 = B.created

    @Test func aFirstFetchIsAllFirstSightingsAndLeavesTheLastChangeAlone() {
        let report = B.order([B.transaction("t1", refunds: [B.refund("r1", status: .pending, payu: B.record("r1"))])], fetchedAt: t0)
        let write = RecordWrite(fetched: report, previous: nil, previousFacts: [], rules: DeadlineRules())
        #expect(write.isFirstFetch)
        #expect(write.changes.map(\.field) == [.appeared, .appeared, .appeared, .payuStatus], "PayU's fields seen with the refund")
        #expect(write.changedAt == nil, "a first sighting is not a change")
        #expect(write.history.count == 4)
    }

    @Test func aLaterFetchWithAChangeStampsItAndOneWithoutKeepsTheStoredTime() {
        let before = B.order([B.transaction("t1", refunds: [B.refund("r1", status: .pending, payu: B.record("r1"))])], fetchedAt: t0)
        let after = B.order([B.transaction("t1", refunds: [B.refund("r1", status: .success, payu: B.record("r1", status: .success, arn: "A1"))])],
                            fetchedAt: t0 + 60)
        let changed = RecordWrite(fetched: after, previous: before, previousFacts: [], rules: DeadlineRules())
        #expect(changed.changedAt == t0 + 60)
        #expect(Set(changed.changes.map(\.field)) == [.status, .payuStatus, .arn])
        let same = RecordWrite(fetched: B.order(before.transactions, fetchedAt: t0 + 120), previous: before, previousFacts: [], rules: DeadlineRules())
        #expect(same.changes.isEmpty && same.changedAt == nil)
    }

    @Test func payusEarlierAnswerIsKeptWhenPayUFailsThisTime() {
        let before = B.order([B.transaction("t1", refunds: [B.refund("r1", status: .success, payu: B.record("r1", status: .success, arn: "A1"))])],
                             fetchedAt: t0)
        var failed = B.order([B.transaction("t1", refunds: [B.refund("r1", status: .success)])], fetchedAt: t0 + 60)
        failed.transactions[0].payuError = ReportedError(category: .server, service: .payu, message: "PayU answered 503")
        let write = RecordWrite(fetched: failed, previous: before, previousFacts: [], rules: DeadlineRules())
        #expect(write.report.transactions[0].refunds[0].payu?.bankARN == "A1")
        #expect(write.changes.isEmpty, "PayU's silence is not a change of PayU's fields")
    }

    @Test func copiedHistoryIsMatchedOneForOneAndAStateReplacesOnlyAnEarlierOne() {
        func row(_ field: String, _ seconds: Double) -> OrderCopy.HistoryRow {
            OrderCopy.HistoryRow(seenAt: t0 + seconds, transactionID: "t1", refundID: "r1", field: field, oldValue: nil, newValue: "x")
        }
        // The source holds one row twice; the target has it once, and one other row.
        let (rows, alreadyThere) = CopyWrite.newHistory([row("status", 1), row("status", 1), row("arn", 2)], here: [row("status", 1), row("utr", 3)])
        #expect(rows == [row("status", 1), row("arn", 2)])
        #expect(alreadyThere == 1)
        // Times are compared to the millisecond: a microsecond apart is the same row.
        #expect(CopyWrite.newHistory([row("arn", 2.000_000_4)], here: [row("arn", 2)]).rows.isEmpty)

        let state = OrderCopy.State(report: nil, summaryJSON: nil, summary: nil, fetchedAt: nil, changedAt: nil, attemptedAt: t0 + 10,
                                    errorCategory: nil, errorService: nil, errorMessage: nil, failedAt: nil, failures: 0)
        #expect(CopyWrite.replacesState(state, hereAttemptedAt: nil), "no state here")
        #expect(CopyWrite.replacesState(state, hereAttemptedAt: .some(t0 + 5)), "an earlier attempt here")
        #expect(!CopyWrite.replacesState(state, hereAttemptedAt: .some(t0 + 10)), "as recent here")
        #expect(!CopyWrite.replacesState(nil, hereAttemptedAt: nil), "nothing to copy")
    }

    /// A newer refundwatch may write a history field this one does not know: it is read back, and
    /// copied, as it was written, never relabelled as another field.
    @Test(arguments: StoreBackend.allCases)
    func aHistoryFieldThisVersionDoesNotKnowIsKeptAsItIs(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in try await keepsAnUnknownField(store) }
    }

    func keepsAnUnknownField(_ store: any WatchlistStore) async throws {
        let id = try #require(try await store.add([TrackedOrder(referenceID: "ORD-1", addedAt: t0)]).added.first?.id)
        let row = OrderCopy.HistoryRow(seenAt: t0, transactionID: "t1", refundID: "r1", field: "refund_reason", oldValue: nil, newValue: "duplicate")
        switch store {
        case let sqlite as SQLiteStore:
            try await sqlite.run { db in
                try db.execute(sql: StoreSQL.insertHistory(.question), arguments: SQLiteStore.arguments([.bigint(id)] + StoreSQL.historyValues(row)))
            }
        case let postgres as PostgresStore:
            try await postgres.transaction { connection, logger in
                try await postgres.run(StoreSQL.insertHistory(.numbered), [.bigint(id)] + StoreSQL.historyValues(row), connection, logger)
            }
        default:
            Issue.record("a backend this test does not know")
        }
        let history = try await store.history(orderID: id)
        #expect(history.map(\.change.field.rawValue) == ["refund_reason"])
        #expect(!history[0].change.field.isKnown)
        #expect(history[0].change.words == "refund_reason: — → duplicate", "shown by its name")
    }
}
