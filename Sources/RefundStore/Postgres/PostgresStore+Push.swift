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
    ///
    /// Pushes that add no order (no `auto_track`) are written together in a few statements
    /// whatever their number: their names looked up at once, the new ones inserted in one
    /// statement, their orders asked for in one; an `auto_track` push is written alone after them.
    public func recordPushes(_ pushes: [PushRecord]) async throws(StoreError) -> [PushOutcome] {
        guard !pushes.isEmpty else { return [] }
        return try await transaction { connection, logger in
            var outcomes = [PushOutcome](repeating: PushOutcome(duplicate: true), count: pushes.count)
            let together = pushes.indices.filter { !pushes[$0].autoTrack }
            var orders = try await self.recordTogether(together.map { pushes[$0] }, connection, logger) { position, outcome in
                outcomes[together[position]] = outcome
            }
            for index in pushes.indices where pushes[index].autoTrack {
                let (outcome, touched) = try await self.recordPush(pushes[index], connection, logger)
                outcomes[index] = outcome
                orders += touched
            }
            if !orders.isEmpty { try await self.markWritten(connection, logger, orders: orders) }
            return outcomes
        }
    }

    /// Pushes that add no order, in four statements: what they name looked up (two), the new ones
    /// kept with what came of them, their orders asked for. Tells each push's outcome by its
    /// position; returns the orders asked for.
    private func recordTogether(_ pushes: [PushRecord], _ connection: PostgresConnection, _ logger: Logger,
                                outcome tell: (Int, PushOutcome) -> Void) async throws -> [Int64] {
        guard !pushes.isEmpty else { return [] }
        let references = Array(Set(pushes.flatMap(\.names.referenceIDs)))
        let payuIDs = Array(Set(pushes.flatMap(\.names.payuIDs)))
        let (byReference, byTransaction) = try await lookUp(references: references, payuIDs: payuIDs, connection, logger)
        // The same push twice in the batch: the first is the one kept.
        var seen = Set<String>()
        var candidates: [(position: Int, push: PushRecord, decision: PushSQL.Decision)] = []
        for (position, push) in pushes.enumerated() where seen.insert(push.source.rawValue + ":" + push.bodyHash).inserted {
            candidates.append((position, push, PushSQL.decide(push, byReference: byReference, byTransaction: byTransaction)))
        }
        var values: [StoreValue] = []
        for candidate in candidates {
            values += PushSQL.eventValues(candidate.push, counted: PushOutcome(asked: candidate.decision.asked.count, untracked: candidate.decision.untracked, added: 0))
        }
        let rows = (0..<candidates.count).map { "(\(Placeholders.numbered.list(10, from: $0 * 10 + 1)))" }.joined(separator: ", ")
        let inserted = try await self.rows("""
            INSERT INTO push_event (source, account, received_at, client, body_hash, names, body, asked, untracked, added) VALUES \(rows)
            ON CONFLICT (source, body_hash) DO NOTHING RETURNING source, body_hash
            """, values, connection, logger)
        var kept = Set<String>()
        for try await (source, hash) in inserted.decode((String, String).self) { kept.insert(source + ":" + hash) }
        // Each order asked for once, marked with the source of the last push that named it.
        var asked: [Int64: PushRecord] = [:]
        var order: [Int64] = []
        for candidate in candidates where kept.contains(candidate.push.source.rawValue + ":" + candidate.push.bodyHash) {
            tell(candidate.position, PushOutcome(asked: candidate.decision.asked.count, untracked: candidate.decision.untracked, added: 0))
            for id in candidate.decision.asked {
                if asked[id] == nil { order.append(id) }
                asked[id] = candidate.push
            }
        }
        guard !order.isEmpty else { return [] }
        let times = order.map { StoredTime.roundedToMicrosecond(asked[$0]!.receivedAt) }
        let sources = order.map { asked[$0]!.source.rawValue }
        try await connection.query("""
            UPDATE tracked_order t SET requested_at = COALESCE(t.requested_at, v.at), pushed_by = v.source
            FROM unnest(\(order)::bigint[], \(times)::timestamptz[], \(sources)::text[]) AS v(id, at, source)
            WHERE t.id = v.id
            """, logger: logger)
        return order
    }

    /// The tracked orders these reference ids name, and the orders whose stored transactions have
    /// these PayU ids.
    private func lookUp(references: [String], payuIDs: [String], _ connection: PostgresConnection,
                        _ logger: Logger) async throws -> ([PushSQL.ByReference], [PushSQL.ByTransaction]) {
        var byReference: [PushSQL.ByReference] = []
        if !references.isEmpty {
            let rows = try await connection.query("""
                SELECT id, reference_id, account FROM tracked_order WHERE reference_id = ANY(\(references)::text[]) ORDER BY id
                """, logger: logger)
            for try await (id, reference, account) in rows.decode((Int64, String, String?).self) {
                byReference.append(PushSQL.ByReference(id: id, referenceID: reference, account: account))
            }
        }
        var byTransaction: [PushSQL.ByTransaction] = []
        if !payuIDs.isEmpty {
            let rows = try await connection.query("""
                SELECT order_id, transaction_id FROM order_transaction WHERE transaction_id = ANY(\(payuIDs)::text[]) ORDER BY order_id
                """, logger: logger)
            for try await (orderID, transactionID) in rows.decode((Int64, String).self) {
                byTransaction.append(PushSQL.ByTransaction(orderID: orderID, transactionID: transactionID))
            }
        }
        return (byReference, byTransaction)
    }

    /// One push within the caller's transaction (an `auto_track` one, which may add orders): its
    /// outcome, and the orders it asked for or added.
    private func recordPush(_ push: PushRecord, _ connection: PostgresConnection, _ logger: Logger) async throws -> (PushOutcome, [Int64]) {
        do {
            let (byReference, byTransaction) = try await lookUp(references: push.names.referenceIDs, payuIDs: push.names.payuIDs, connection, logger)
            let decision = PushSQL.decide(push, byReference: byReference, byTransaction: byTransaction)
            let inserted = try await self.rows(PushSQL.insertEvent(.numbered), PushSQL.eventValues(push), connection, logger)
            guard let eventID = try await Self.value(inserted, Int64.self) else { return (PushOutcome(duplicate: true), []) }
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
            try await ask(decision.asked, push, connection, logger)
            let outcome = PushOutcome(asked: decision.asked.count, untracked: decision.untracked - added.count, added: added.count)
            try await self.run(PushSQL.finishEvent(.numbered), [.integer(outcome.asked), .integer(outcome.untracked), .integer(outcome.added), .bigint(eventID)],
                               connection, logger)
            return (outcome, decision.asked + added)
        }
    }

    /// The orders a push asks for: due now, their next fetch marked as pushed by its source.
    private func ask(_ orders: [Int64], _ push: PushRecord, _ connection: PostgresConnection, _ logger: Logger) async throws {
        guard !orders.isEmpty else { return }
        try await connection.query("""
            UPDATE tracked_order SET requested_at = COALESCE(requested_at, \(push.receivedAt)), pushed_by = \(push.source.rawValue)
            WHERE id = ANY(\(orders)::bigint[])
            """, logger: logger)
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
