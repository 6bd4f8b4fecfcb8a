import Foundation
import Logging
import PostgresNIO
import RefundKit
import WatchlistModel

/// Stored reports read back: one order's, all of them, or those of some orders; a report that
/// cannot be decoded names its order (`StoreError.unreadableReport`), never taken for "not fetched".
extension PostgresStore {

    public func report(orderID: Int64) async throws(StoreError) -> OrderReport? {
        try await transaction { connection, logger in try await self.storedReport(connection, logger, orderID: orderID) }
    }

    func storedReport(_ connection: PostgresConnection, _ logger: Logger, orderID: Int64) async throws -> OrderReport? {
        let rows = try await connection.query("SELECT report FROM order_state WHERE order_id = \(orderID)", logger: logger)
        guard let stored = try await Self.value(rows, Data?.self), let data = stored else { return nil }
        return try await decodeReport(data, connection, logger, orderID: orderID)
    }

    func decodeReport(_ data: Data, _ connection: PostgresConnection, _ logger: Logger, orderID: Int64) async throws -> OrderReport {
        do {
            return try JSONDecoder().decode(OrderReport.self, from: data)
        } catch {
            let reference = try await Self.value(connection.query("SELECT reference_id FROM tracked_order WHERE id = \(orderID)", logger: logger), String.self)
            throw StoreError.unreadableReport(location, referenceID: reference ?? "order \(orderID)", detail: StoredJSON.describe(error))
        }
    }

    public func reports() async throws(StoreError) -> [(order: TrackedOrder, report: OrderReport?)] {
        try await reports(where: "")
    }

    public func reports(orderIDs: [Int64]) async throws(StoreError) -> [(order: TrackedOrder, report: OrderReport?)] {
        guard !orderIDs.isEmpty else { return [] }
        return try await reports(where: "WHERE t.id = ANY(\(orderIDs)::bigint[])")
    }

    func reports(where condition: PostgresQuery) async throws(StoreError) -> [(order: TrackedOrder, report: OrderReport?)] {
        try await transaction { connection, logger in
            var stored: [(TrackedOrder, Data?)] = []
            let rows = try await connection.query(PostgresQuery(unsafeSQL: """
                SELECT \(Self.orderColumns), s.report FROM tracked_order t LEFT JOIN order_state s ON s.order_id = t.id \(condition.sql) ORDER BY t.id
                """, binds: condition.binds), logger: logger)
            for try await row in rows {
                let random = row.makeRandomAccess()
                stored.append((try Self.trackedOrder(random), try random["report"].decode(Data?.self)))
            }
            var result: [(order: TrackedOrder, report: OrderReport?)] = []
            for (order, data) in stored {
                let report: OrderReport?
                if let data { report = try await self.decodeReport(data, connection, logger, orderID: order.id ?? 0) } else { report = nil }
                result.append((order, report))
            }
            return result
        }
    }
}
