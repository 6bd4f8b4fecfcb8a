import Foundation
import GRDB
import RefundKit
import WatchlistModel

/// Pushes on an SQLite file (schema v12): `push_event`, `order_transaction`, `pushed_by`.
extension SQLiteStore {
    /// Several pushes in one transaction: what `listen` writes when pushes arrive faster than
    /// one transaction a push.
    public func recordPushes(_ pushes: [PushRecord]) async throws(StoreError) -> [PushOutcome] {
        guard !pushes.isEmpty else { return [] }
        return try await run { db in try pushes.map { push in try Self.recordPush(push, db) } }
    }

    /// One push within the caller's transaction.
    private static func recordPush(_ push: PushRecord, _ db: Database) throws -> PushOutcome {
        do {
            guard let eventID = try Int64.fetchOne(db, sql: PushSQL.insertEvent(.question), arguments: Self.arguments(PushSQL.eventValues(push))) else {
                return PushOutcome(duplicate: true)
            }
            func marks(_ count: Int) -> String { Array(repeating: "?", count: count).joined(separator: ", ") }
            var byReference: [PushSQL.ByReference] = []
            if !push.names.referenceIDs.isEmpty {
                byReference = try Row.fetchAll(db, sql: "SELECT id, reference_id, account FROM tracked_order WHERE reference_id IN (\(marks(push.names.referenceIDs.count))) ORDER BY id",
                                               arguments: StatementArguments(push.names.referenceIDs)).map {
                    PushSQL.ByReference(id: $0["id"], referenceID: $0["reference_id"], account: $0["account"])
                }
            }
            var byTransaction: [PushSQL.ByTransaction] = []
            if !push.names.payuIDs.isEmpty {
                byTransaction = try Row.fetchAll(db, sql: "SELECT order_id, transaction_id FROM order_transaction WHERE transaction_id IN (\(marks(push.names.payuIDs.count))) ORDER BY order_id",
                                                 arguments: StatementArguments(push.names.payuIDs)).map {
                    PushSQL.ByTransaction(orderID: $0["order_id"], transactionID: $0["transaction_id"])
                }
            }
            let decision = PushSQL.decide(push, byReference: byReference, byTransaction: byTransaction)
            var added: [Int64] = []
            if push.autoTrack {
                for reference in decision.unmatchedReferences {
                    if let id = try Int64.fetchOne(db, sql: """
                        INSERT INTO tracked_order (reference_id, account, label, added_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id
                        """, arguments: [reference, push.account, PushSQL.label(push.source), push.receivedAt]) {
                        added.append(id)
                    }
                }
            }
            if !decision.asked.isEmpty {
                try db.execute(sql: "UPDATE tracked_order SET requested_at = COALESCE(requested_at, ?), pushed_by = ? WHERE id IN (\(marks(decision.asked.count)))",
                               arguments: StatementArguments([push.receivedAt, push.source.rawValue] as [any DatabaseValueConvertible] + decision.asked))
            }
            let outcome = PushOutcome(asked: decision.asked.count, untracked: decision.untracked - added.count, added: added.count)
            try db.execute(sql: PushSQL.finishEvent(.question), arguments: [outcome.asked, outcome.untracked, outcome.added, eventID])
            return outcome
        }
    }

    public func lastPushes() async throws(StoreError) -> [PushSource: Date] {
        try await read { db in
            var last: [PushSource: Date] = [:]
            for row in try Row.fetchAll(db, sql: PushSQL.lastPushes) {
                guard let source = PushSource(rawValue: row[0]), let at = Date.fromDatabaseValue(row[1] as DatabaseValue) else { continue }
                last[source] = at
            }
            return last
        }
    }

    public func forgetPushBodies(receivedBefore date: Date) async throws(StoreError) -> Int {
        try await run { db in
            try db.execute(sql: "UPDATE push_event SET body = NULL WHERE received_at < ? AND body IS NOT NULL", arguments: [date])
            return db.changesCount
        }
    }

    /// An order's `order_transaction` rows, as its stored report has them.
    static func replaceTransactions(_ db: Database, orderID: Int64, _ ids: [String]) throws {
        try db.execute(sql: "DELETE FROM order_transaction WHERE order_id = ?", arguments: [orderID])
        for id in ids {
            try db.execute(sql: "INSERT INTO order_transaction (transaction_id, order_id) VALUES (?, ?) ON CONFLICT DO NOTHING", arguments: [id, orderID])
        }
    }
}

extension SQLiteStore {
    /// Gives orders stored before schema v12 their `order_transaction` rows, from their stored
    /// reports, once (`store_meta` remembers it): only orders with none, a batch a transaction, so
    /// a fetch stored meanwhile is never overwritten. A report that cannot be read waits for its
    /// next fetch.
    func backfillTransactions() async throws(StoreError) {
        guard try await metadata(PushSQL.backfillKey) == nil else { return }
        var next: Int64 = 0
        while true {
            let after = next
            let last = try await run { db -> Int64? in
                let rows = try Row.fetchAll(db, sql: """
                    SELECT s.order_id, s.report FROM order_state s
                    WHERE s.order_id > ? AND s.report IS NOT NULL AND NOT EXISTS (SELECT 1 FROM order_transaction t WHERE t.order_id = s.order_id)
                    ORDER BY s.order_id LIMIT 500
                    """, arguments: [after])
                for row in rows {
                    let data: Data = row["report"]
                    guard let report = try? JSONDecoder().decode(OrderReport.self, from: data) else { continue }
                    try Self.replaceTransactions(db, orderID: row["order_id"], PushSQL.transactionIDs(report))
                }
                return rows.last?["order_id"]
            }
            guard let last else { break }
            next = last
        }
        try await setMetadata(PushSQL.backfillKey, "1")
    }
}
