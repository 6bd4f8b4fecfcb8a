import Foundation
import Logging
import PostgresNIO
import RefundKit
import WatchlistModel

/// The overview's numbers (`OverviewSQL`) and the refund facts they are counted from.
extension PostgresStore {
    public func overview(_ period: OverviewPeriod) async throws(StoreError) -> Overview {
        let pollers = try await pollers(seenWithin: PollerPresence.aliveWithin)
        let queries = OverviewSQL.queries(.postgres, period)
        // The parts at once, each on a pooled connection of its own, so that the server works on
        // them side by side (one after another took half again as long at 100,000 orders). Each
        // part is a snapshot of its own: a fetch stored while they run can show in some parts and
        // not yet in others, until the next read (which its NOTIFY asks for).
        var rows: [OverviewSQL.Part: [[OverviewSQL.Cell]]] = [:]
        do {
            try await withThrowingTaskGroup(of: (OverviewSQL.Part, [[OverviewSQL.Cell]]).self) { group in
                for (part, query) in queries {
                    group.addTask { (part, try await self.onConnection { connection, logger in try await self.cells(query, connection, logger) }) }
                }
                for try await (part, cells) in group { rows[part] = cells }
            }
        } catch {
            throw storeError(error)
        }
        return OverviewSQL.assemble(period, rows: rows, pollers: pollers)
    }

    public func overviewOrders(_ selection: OverviewSelection, period: OverviewPeriod) async throws(StoreError) -> [Int64] {
        let query = OverviewSQL.orders(.postgres, selection, period)
        return try await transaction { connection, logger in try await self.cells(query, connection, logger).map { $0[0].int } }
    }

    /// A query's rows as the cells it declared.
    func cells(_ query: OverviewSQL.Query, _ connection: PostgresConnection, _ logger: Logger) async throws -> [[OverviewSQL.Cell]] {
        var result: [[OverviewSQL.Cell]] = []
        for try await row in try await rows(query.sql, query.binds, connection, logger) {
            let r = row.makeRandomAccess()
            result.append(try query.columns.enumerated().map { index, column in
                switch column {
                case .text: .text(try r[index].decode(String?.self))
                case .int: .int(try r[index].decode(Int64?.self))
                case .real: .real(try r[index].decode(Double?.self))
                }
            })
        }
        return result
    }

    func facts(orderID: Int64, _ connection: PostgresConnection, _ logger: Logger) async throws -> [RefundFact] {
        try await cells(OverviewSQL.Query(sql: OverviewSQL.selectFacts(.numbered), binds: [.bigint(orderID)], columns: OverviewSQL.factColumnTypes),
                        connection, logger).compactMap(OverviewSQL.fact)
    }

    func replaceFacts(orderID: Int64, _ facts: [RefundFact], _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await run(OverviewSQL.deleteFacts(.numbered), [.bigint(orderID)], connection, logger)
        for fact in facts {
            try await run(OverviewSQL.insertFact(.numbered), [.bigint(orderID)] + OverviewSQL.values(fact), connection, logger)
        }
    }

    /// Gives orders stored before the facts existed (schema 5) their rows, from their stored
    /// reports, once (`refundwatch_meta` remembers it): only orders with no fact rows, a batch a
    /// transaction, so that a fetch stored meanwhile by another process is never overwritten. A
    /// report that cannot be read is left for its next fetch.
    func backfillFacts() async throws(StoreError) {
        guard try await metadata(OverviewSQL.backfillKey) == nil else { return }
        var after: Int64 = 0
        while true {
            let last = try await transaction { connection, logger -> Int64? in
                let query = OverviewSQL.Query(sql: """
                    SELECT s.order_id, s.deadlines, s.deadline_stages FROM order_state s
                    WHERE s.order_id > $1 AND s.report IS NOT NULL AND NOT EXISTS (SELECT 1 FROM refund_fact f WHERE f.order_id = s.order_id)
                    ORDER BY s.order_id LIMIT 500 FOR UPDATE OF s
                    """, binds: [.bigint(after)], columns: [.int, .text, .text])
                let rows = try await self.cells(query, connection, logger)
                for row in rows {
                    let orderID = row[0].int
                    guard let report = try? await self.storedReport(connection, logger, orderID: orderID) else { continue }
                    try await self.replaceFacts(orderID: orderID, OverviewSQL.backfilled(report), connection, logger)
                    let deadlines = SummaryColumns.decodeDeadlines(times: row[1].text ?? "", stages: row[2].text)
                    try await self.run("UPDATE order_state SET payment_due = $1 WHERE order_id = $2",
                                       [.real(deadlines.first { $0.stage == .payment }?.due.timeIntervalSince1970), .bigint(orderID)], connection, logger)
                }
                return rows.last?[0].int
            }
            guard let last else { break }
            after = last
        }
        try await setMetadata(OverviewSQL.backfillKey, "1")
    }
}
