import Foundation
import GRDB
import RefundKit
import WatchlistModel

/// The overview's numbers (`OverviewSQL`) and the refund facts they are counted from.
extension SQLiteStore {
    public func overview(_ period: OverviewPeriod) async throws(StoreError) -> Overview {
        let pollers = try await pollers(seenWithin: PollerPresence.aliveWithin)
        let queries = OverviewSQL.queries(.sqlite, period)
        // The parts at once, each on a reader connection of its own (a file's pool has several),
        // so that both cores count: at 100,000 orders one read after another took twice as long.
        // Each part is a snapshot of its own: a fetch stored while they run can show in some parts
        // and not yet in others, until the next read (which that store itself asks for).
        var rows: [OverviewSQL.Part: [[OverviewSQL.Cell]]] = [:]
        do {
            try await withThrowingTaskGroup(of: (OverviewSQL.Part, [[OverviewSQL.Cell]]).self) { group in
                for (part, query) in queries {
                    group.addTask { (part, try await self.read { db in try Self.cells(db, query) }) }
                }
                for try await (part, cells) in group { rows[part] = cells }
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreFile.storeError(error, file: path)
        }
        return OverviewSQL.assemble(period, rows: rows, pollers: pollers)
    }

    public func overviewOrders(_ selection: OverviewSelection, period: OverviewPeriod) async throws(StoreError) -> [Int64] {
        let query = OverviewSQL.orders(.sqlite, selection, period)
        return try await read { db in try Self.cells(db, query).map { $0[0].int } }
    }

    /// A query's rows as the cells it declared.
    static func cells(_ db: Database, _ query: OverviewSQL.Query) throws -> [[OverviewSQL.Cell]] {
        try Row.fetchAll(db, sql: query.sql, arguments: arguments(query.binds)).map { row in
            query.columns.enumerated().map { index, column in
                switch column {
                case .text: .text(row[index])
                case .int: .int(row[index])
                case .real: .real(row[index])
                }
            }
        }
    }

    static func facts(_ db: Database, orderID: Int64) throws -> [RefundFact] {
        try cells(db, OverviewSQL.Query(sql: OverviewSQL.selectFacts(.question), binds: [.bigint(orderID)], columns: OverviewSQL.factColumnTypes))
            .compactMap(OverviewSQL.fact)
    }

    static func replaceFacts(_ db: Database, orderID: Int64, _ facts: [RefundFact]) throws {
        try db.execute(sql: OverviewSQL.deleteFacts(.question), arguments: [orderID])
        guard !facts.isEmpty else { return }
        let insert = try db.makeStatement(sql: OverviewSQL.insertFact(.question))
        for fact in facts { try insert.execute(arguments: arguments([.bigint(orderID)] + OverviewSQL.values(fact))) }
    }

    /// Gives orders stored before the facts existed (schema v9) their rows, from their stored
    /// reports, once: `store_meta` remembers it was done. Only orders with no fact rows are
    /// written, a batch a transaction, so that a fetch stored meanwhile is never overwritten.
    /// A report that cannot be read is left for its next fetch.
    func backfillFacts() async throws(StoreError) {
        guard try await metadata(OverviewSQL.backfillKey) == nil else { return }
        var next: Int64 = 0
        while true {
            let after = next
            let last = try await run { db -> Int64? in
                let rows = try Row.fetchAll(db, sql: """
                    SELECT s.order_id, s.report, s.deadlines, s.deadline_stages FROM order_state s
                    WHERE s.order_id > ? AND s.report IS NOT NULL AND NOT EXISTS (SELECT 1 FROM refund_fact f WHERE f.order_id = s.order_id)
                    ORDER BY s.order_id LIMIT 500
                    """, arguments: [after])
                for row in rows {
                    let orderID: Int64 = row["order_id"]
                    let data: Data = row["report"]
                    guard let report = try? JSONDecoder().decode(OrderReport.self, from: data) else { continue }
                    try Self.replaceFacts(db, orderID: orderID, OverviewSQL.backfilled(report))
                    let deadlines = SummaryColumns.decodeDeadlines(times: row["deadlines"] ?? "", stages: row["deadline_stages"])
                    try db.execute(sql: "UPDATE order_state SET payment_due = ? WHERE order_id = ?",
                                   arguments: [deadlines.first { $0.stage == .payment }?.due.timeIntervalSince1970, orderID])
                }
                return rows.last?["order_id"]
            }
            guard let last else { break }
            next = last
        }
        try await setMetadata(OverviewSQL.backfillKey, "1")
    }
}
