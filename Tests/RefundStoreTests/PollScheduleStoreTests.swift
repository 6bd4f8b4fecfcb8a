import Foundation
import GRDB
import Testing
import RefundKit
@testable import RefundStore
import WatchlistModel
import TestReports
import TestSupport

/// The poll schedule as the store keeps it: what each order waits for, failures, archive and revival.
@Suite struct PollScheduleStoreTests {
    typealias B = ReportBuilder
    let t0 = ReportBuilder.created
    let policy = PollPolicy(interval: 30, settledInterval: 6 * 3600, archiveAfter: 14 * 86_400)

    @Test func eachOrderIsDueByWhatItWaitsForAndAFailureBacksOff() async throws {
        let store = try await SQLiteStore.inMemory()
        let added = try await store.add(["ORD-ACTIVE", "ORD-SETTLED", "ORD-OLD", "ORD-FAILING", "ORD-NEW"].map { TrackedOrder(referenceID: $0, addedAt: t0) }).added
        let ids = added.compactMap(\.id)
        let active = B.order([B.transaction("t", refunds: [B.refund("r", status: .pending)])], fetchedAt: t0)
        let settled = B.order([B.transaction("t", refunds: [B.refund("r", status: .failed)])], fetchedAt: t0)
        _ = try await store.record(active, orderID: ids[0], rules: DeadlineRules())
        _ = try await store.record(settled, orderID: ids[1], rules: DeadlineRules())
        _ = try await store.record(settled, orderID: ids[2], rules: DeadlineRules())
        _ = try await store.record(active, orderID: ids[3], rules: DeadlineRules())
        let error = ReportedError(RefundWatchError.timeout(.kaleyra, seconds: 20))
        try await store.recordFailure(error, at: t0.addingTimeInterval(40), orderID: ids[3])
        try await store.recordFailure(error, at: t0.addingTimeInterval(100), orderID: ids[3])

        var rows = try await store.watchlist()
        #expect(rows.map(\.failures) == [0, 0, 0, 2, 0])
        #expect(rows[1].summary?.settledAt == t0)
        #expect(rows[0].summary?.settledAt == nil)
        #expect(rows[0].due(policy, now: t0) == .at(t0 + 30))
        #expect(rows[1].due(policy, now: t0) == .at(t0 + 6 * 3600))
        #expect(rows[3].due(policy, now: t0) == .at(t0 + 100 + 60), "two failures: twice the interval after the last attempt")
        #expect(rows[4].due(policy, now: t0) == .at(.distantPast))

        // 14 days on, the settled orders are archived; the plan counts each kind.
        let later = t0.addingTimeInterval(14 * 86_400)
        let plan = PollPlan(rows, policy: policy, now: later)
        #expect(plan.due.map(\.referenceID) == ["ORD-ACTIVE", "ORD-FAILING", "ORD-NEW"])
        #expect(plan.archived == 2)
        #expect(plan.settled == 0 && plan.waiting == 0)
        let early = PollPlan(rows, policy: policy, now: t0 + 10)
        #expect(early.due.map(\.referenceID) == ["ORD-NEW"])
        #expect(early.waiting == 2 && early.nextWaiting == t0 + 30)
        #expect(early.settled == 2 && early.nextSettled == t0 + 6 * 3600)

        // A good fetch clears the failures.
        _ = try await store.record(active, orderID: ids[3], rules: DeadlineRules())
        rows = try await store.watchlist()
        #expect(rows[3].failures == 0)

        // An archived order fetched on request comes back when something moved: a new refund.
        let revived = B.order([B.transaction("t", refunds: [B.refund("r", status: .failed), B.refund("r2", status: .pending)])], fetchedAt: later)
        _ = try await store.record(revived, orderID: ids[2], rules: DeadlineRules())
        let row = try await #require(try store.watchedOrder(id: ids[2]))
        #expect(row.summary?.settledAt == nil)
        #expect(row.due(policy, now: later) == .at(later + 30))
        // Fetched again with nothing new, an archived order stays archived.
        _ = try await store.record(settled.with(fetchedAt: later), orderID: ids[1], rules: DeadlineRules())
        #expect(try await store.watchedOrder(id: ids[1])?.due(policy, now: later) == .archived)
    }

    @Test func aFileFromBeforeTheScheduleCountsItsFailingOrdersAsFailedOnce() async throws {
        let scratch = try ScratchFolder()
        let path = scratch.file("v2.sqlite")
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: Schema.v1)
            try db.execute(sql: Schema.v2)
            try db.execute(sql: "CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
            try db.execute(sql: "INSERT INTO grdb_migrations VALUES ('v1: watchlist, last reports, history'), ('v2: summary columns')")
            try db.execute(sql: "INSERT INTO tracked_order (reference_id, added_at) VALUES ('ORD-1', '2026-11-20 10:00:00.000'), ('ORD-2', '2026-11-20 10:00:00.000')")
            try db.execute(sql: "INSERT INTO order_state (order_id, attempted_at, error_category, error_message, failed_at) VALUES (2, '2026-11-20 10:00:00.000', 'server', 'HTTP 500', '2026-11-20 10:00:00.000')")
        }
        try queue.close()
        let rows = try await SQLiteStore.open(at: path).watchlist()
        #expect(rows.map(\.failures) == [0, 1])
        #expect(rows.map { $0.summary?.settledAt } == [nil, nil])
    }
}

private extension OrderReport {
    func with(fetchedAt: Date) -> OrderReport {
        var copy = self
        copy.fetchedAt = fetchedAt
        return copy
    }
}
