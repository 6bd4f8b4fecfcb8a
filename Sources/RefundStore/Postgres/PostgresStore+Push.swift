import Foundation
import Logging
import PostgresNIO
import RefundKit
import WatchlistModel

/// Pushes on the team's database (migration 9): `push_event`, `order_transaction`, `pushed_by`.
/// Asking for an order announces it (NOTIFY), so a poller fetches it within a second and every
/// dashboard shows it asked for.
extension PostgresStore {
    /// Several pushes in one transaction, with one notice for all the orders they asked for:
    /// what `listen` writes when pushes arrive faster than one transaction a push.
    public func recordPushes(_ pushes: [PushRecord]) async throws(StoreError) -> [PushOutcome] {
        guard !pushes.isEmpty else { return [] }
        return try await transaction { connection, logger in
            var outcomes: [PushOutcome] = []
            var orders: [Int64] = []
            for push in pushes {
                let (outcome, touched) = try await self.recordPush(push, connection, logger)
                outcomes.append(outcome)
                orders += touched
            }
            if !orders.isEmpty { try await self.markWritten(connection, logger, orders: orders) }
            return outcomes
        }
    }

    /// One push within the caller's transaction: its outcome, and the orders it asked for or added.
    private func recordPush(_ push: PushRecord, _ connection: PostgresConnection, _ logger: Logger) async throws -> (PushOutcome, [Int64]) {
        do {
            let inserted = try await self.rows(PushSQL.insertEvent(.numbered), PushSQL.eventValues(push), connection, logger)
            guard let eventID = try await Self.value(inserted, Int64.self) else { return (PushOutcome(duplicate: true), []) }
            var byReference: [PushSQL.ByReference] = []
            if !push.names.referenceIDs.isEmpty {
                let rows = try await connection.query("""
                    SELECT id, reference_id, account FROM tracked_order WHERE reference_id = ANY(\(push.names.referenceIDs)::text[]) ORDER BY id
                    """, logger: logger)
                for try await (id, reference, account) in rows.decode((Int64, String, String?).self) {
                    byReference.append(PushSQL.ByReference(id: id, referenceID: reference, account: account))
                }
            }
            var byTransaction: [PushSQL.ByTransaction] = []
            if !push.names.payuIDs.isEmpty {
                let rows = try await connection.query("""
                    SELECT order_id, transaction_id FROM order_transaction WHERE transaction_id = ANY(\(push.names.payuIDs)::text[]) ORDER BY order_id
                    """, logger: logger)
                for try await (orderID, transactionID) in rows.decode((Int64, String).self) {
                    byTransaction.append(PushSQL.ByTransaction(orderID: orderID, transactionID: transactionID))
                }
            }
            let decision = PushSQL.decide(push, byReference: byReference, byTransaction: byTransaction)
            var added: [Int64] = []
            if push.autoTrack {
                for reference in decision.unmatchedReferences {
                    let rows = try await connection.query("""
                        INSERT INTO tracked_order (reference_id, account, label, added_at) VALUES (\(reference), \(push.account), \(PushSQL.label(push.source)), \(push.receivedAt))
                        ON CONFLICT DO NOTHING RETURNING id
                        """, logger: logger)
                    if let id = try await Self.value(rows, Int64.self) { added.append(id) }
                }
            }
            if !decision.asked.isEmpty {
                try await connection.query("""
                    UPDATE tracked_order SET requested_at = COALESCE(requested_at, \(push.receivedAt)), pushed_by = \(push.source.rawValue)
                    WHERE id = ANY(\(decision.asked)::bigint[])
                    """, logger: logger)
            }
            let outcome = PushOutcome(asked: decision.asked.count, untracked: decision.untracked - added.count, added: added.count)
            try await self.run(PushSQL.finishEvent(.numbered), [.integer(outcome.asked), .integer(outcome.untracked), .integer(outcome.added), .bigint(eventID)],
                               connection, logger)
            return (outcome, decision.asked + added)
        }
    }

    public func lastPushes() async throws(StoreError) -> [PushSource: Date] {
        try await transaction { connection, logger in
            var last: [PushSource: Date] = [:]
            for try await (source, at) in try await connection.query(PostgresQuery(unsafeSQL: PushSQL.lastPushes), logger: logger).decode((String, Date).self) {
                if let source = PushSource(rawValue: source) { last[source] = at }
            }
            return last
        }
    }

    public func forgetPushBodies(receivedBefore date: Date) async throws(StoreError) -> Int {
        try await transaction { connection, logger in
            let rows = try await connection.query("""
                UPDATE push_event SET body = NULL WHERE received_at < \(date) AND body IS NOT NULL RETURNING id
                """, logger: logger).collect()
            return rows.count
        }
    }

    /// An order's `order_transaction` rows, as its stored report has them.
    func replaceTransactions(orderID: Int64, _ ids: [String], _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await connection.query("DELETE FROM order_transaction WHERE order_id = \(orderID)", logger: logger)
        guard !ids.isEmpty else { return }
        try await connection.query("""
            INSERT INTO order_transaction (transaction_id, order_id) SELECT unnest(\(ids)::text[]), \(orderID) ON CONFLICT DO NOTHING
            """, logger: logger)
    }
}

extension PostgresStore {
    /// As the SQLite file's: orders stored before migration 9 get their `order_transaction` rows
    /// from their stored reports, once (`refundwatch_meta` remembers it), a batch a transaction.
    func backfillTransactions() async throws(StoreError) {
        guard try await metadata(PushSQL.backfillKey) == nil else { return }
        var after: Int64 = 0
        while true {
            let last = try await transaction { connection, logger -> Int64? in
                var ids: [Int64] = []
                let rows = try await connection.query("""
                    SELECT s.order_id FROM order_state s
                    WHERE s.order_id > \(after) AND s.report IS NOT NULL AND NOT EXISTS (SELECT 1 FROM order_transaction t WHERE t.order_id = s.order_id)
                    ORDER BY s.order_id LIMIT 500 FOR UPDATE OF s
                    """, logger: logger)
                for try await id in rows.decode(Int64.self) { ids.append(id) }
                for orderID in ids {
                    guard let report = try? await self.storedReport(connection, logger, orderID: orderID) else { continue }
                    try await self.replaceTransactions(orderID: orderID, PushSQL.transactionIDs(report), connection, logger)
                }
                return ids.last
            }
            guard let last else { break }
            after = last
        }
        try await setMetadata(PushSQL.backfillKey, "1")
    }
}
