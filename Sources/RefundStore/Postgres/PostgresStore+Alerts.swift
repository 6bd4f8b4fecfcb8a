import Foundation
import Logging
import PostgresNIO
import RefundKit
import WatchlistModel

/// Alerts on PostgreSQL: `AlertWrite` decides, `AlertSQL` writes. A sync locks its order's row
/// first, so two pollers syncing one order take turns; the unique key (and, for the watchlist's
/// own alerts, the partial unique index on the rule) keeps one event one row when they race.
extension PostgresStore {
    public func syncAlerts(orderID: Int64?, judged: Set<AlertRule>, active: [AlertDraft], at date: Date) async throws(StoreError) -> AlertSync {
        try await transaction { connection, logger in
            if let orderID, try await !self.lockOrder(orderID, connection, logger) { return AlertSync() }
            var open: [AlertWrite.Open] = []
            for try await row in try await self.rows(AlertSQL.open(.numbered, global: orderID == nil), orderID.map { [.bigint($0)] } ?? [], connection, logger) {
                let r = row.makeRandomAccess()
                open.append(AlertWrite.Open(id: try r["id"].decode(Int64.self), key: try r["key"].decode(String.self), rule: try r["rule"].decode(String.self)))
            }
            let (raise, resolve) = AlertWrite.decide(open: open, active: active, judged: judged)
            var raised: [Int64] = [], resolved: [Int64] = []
            for draft in raise {
                if let id = try await Self.value(self.rows(AlertSQL.insert(.numbered), AlertSQL.insertValues(draft, at: date), connection, logger), Int64.self) {
                    raised.append(id)
                    try await self.run(AlertSQL.enqueue(.numbered), [.bigint(id), .text(OutboxItem.Event.raised.rawValue), .time(date), .time(date)], connection, logger)
                }
            }
            for id in resolve {
                if let done = try await Self.value(self.rows(AlertSQL.resolve(.numbered), [.time(date), .bigint(id)], connection, logger), Int64.self) {
                    resolved.append(done)
                    try await self.run(AlertSQL.enqueue(.numbered), [.bigint(done), .text(OutboxItem.Event.resolved.rawValue), .time(date), .time(date)], connection, logger)
                }
            }
            if let orderID, !(raised.isEmpty && resolved.isEmpty) { try await self.markWritten(connection, logger, orders: [orderID]) }
            return AlertSync(raised: try await self.alerts(ids: raised, connection, logger), resolved: try await self.alerts(ids: resolved, connection, logger))
        }
    }

    public func alerts(resolved: Bool, limit: Int) async throws(StoreError) -> [Alert] {
        try await transaction { connection, logger in
            try await self.decodeAlerts(self.rows(AlertSQL.list(.numbered, resolved: resolved), [.bigint(Int64(limit))], connection, logger))
        }
    }

    public func alert(id: Int64) async throws(StoreError) -> Alert? {
        try await transaction { connection, logger in try await self.alerts(ids: [id], connection, logger).first }
    }

    public func acknowledgeAlert(id: Int64, by person: String, note: String?, at date: Date) async throws(StoreError) -> Alert? {
        try await change(id, AlertSQL.acknowledge(.numbered), [.text(person), .text(note), .time(date), .bigint(id)])
    }

    public func snoozeAlert(id: Int64, until: Date) async throws(StoreError) -> Alert? {
        try await change(id, AlertSQL.snooze(.numbered), [.time(until), .bigint(id)])
    }

    /// An acknowledgement or a snooze, told to the other dashboards through the order's NOTIFY.
    private func change(_ id: Int64, _ sql: String, _ values: [StoreValue]) async throws(StoreError) -> Alert? {
        try await transaction { connection, logger in
            var found = false
            var orderID: Int64?
            for try await row in try await self.rows(sql, values, connection, logger) {
                found = true
                orderID = try row.makeRandomAccess()[0].decode(Int64?.self)
            }
            guard found else { return nil }
            if let orderID { try await self.markWritten(connection, logger, orders: [orderID]) }
            return try await self.alerts(ids: [id], connection, logger).first
        }
    }

    /// As `SQLiteStore.claimDeliveries`; `FOR UPDATE SKIP LOCKED` lets pollers claim at once
    /// without waiting for each other or taking the same item.
    public func claimDeliveries(owner: String, limit: Int, lease: TimeInterval, at date: Date) async throws(StoreError) -> [OutboxItem] {
        try await transaction { connection, logger in
            var ids: [Int64] = []
            let claimed = try await self.rows(AlertSQL.claim(.numbered, lockClause: "FOR UPDATE SKIP LOCKED"),
                                              [.text(owner), .time(date.addingTimeInterval(lease)), .time(date), .time(date), .bigint(Int64(limit))], connection, logger)
            for try await row in claimed { ids.append(try row.makeRandomAccess()[0].decode(Int64.self)) }
            guard !ids.isEmpty else { return [] }
            var items: [OutboxItem] = []
            for try await row in try await self.rows(AlertSQL.items(ids: ids), [], connection, logger) {
                let r = row.makeRandomAccess()
                guard let alert = try self.alert(r), let event = OutboxItem.Event(rawValue: try r["event"].decode(String.self)) else { continue }
                items.append(OutboxItem(id: try r["outbox_id"].decode(Int64.self), event: event, alert: alert, attempts: Int(try r["attempts"].decode(Int32.self)),
                                        deliveredTo: try r["delivered_to"].decode(String.self).split(separator: ",").map(String.init)))
            }
            return items
        }
    }

    public func finishDelivery(_ id: Int64, owner: String, deliveredTo: [String], retryAt: Date?, error: String?, at date: Date) async throws(StoreError) {
        try await transaction { connection, logger in
            try await self.run(AlertSQL.finish(.numbered), AlertSQL.finishValues(id, owner: owner, deliveredTo: deliveredTo, retryAt: retryAt, error: error, at: date),
                               connection, logger)
        }
    }

    public func pendingDeliveries() async throws(StoreError) -> Int {
        try await transaction { connection, logger in
            Int(try await Self.value(connection.query(PostgresQuery(unsafeSQL: AlertSQL.pending(cast: "::bigint")), logger: logger), Int64.self) ?? 0)
        }
    }

    func alerts(ids: [Int64], _ connection: PostgresConnection, _ logger: Logger) async throws -> [Alert] {
        guard !ids.isEmpty else { return [] }
        let list = ids.map(String.init).joined(separator: ",")
        return try await decodeAlerts(rows("SELECT \(AlertSQL.selection) FROM alert WHERE id IN (\(list)) ORDER BY id", [], connection, logger))
    }

    func decodeAlerts(_ rows: PostgresRowSequence) async throws -> [Alert] {
        var alerts: [Alert] = []
        for try await row in rows {
            if let alert = try alert(row.makeRandomAccess()) { alerts.append(alert) }
        }
        return alerts
    }

    /// A stored alert; nil for a rule this version does not know.
    func alert(_ r: PostgresRandomAccessRow) throws -> Alert? {
            guard let rule = AlertRule(rawValue: try r["rule"].decode(String.self)) else { return nil }
            return (Alert(id: try r["id"].decode(Int64.self), key: try r["key"].decode(String.self), rule: rule,
                                orderID: try r["order_id"].decode(Int64?.self), referenceID: try r["reference_id"].decode(String?.self),
                                refundID: try r["refund_id"].decode(String?.self), text: try r["text"].decode(String.self),
                                raisedAt: try r["raised_at"].decode(Date.self), resolvedAt: try r["resolved_at"].decode(Date?.self),
                                acknowledgedBy: try r["acknowledged_by"].decode(String?.self), acknowledgedAt: try r["acknowledged_at"].decode(Date?.self),
                                note: try r["note"].decode(String?.self), snoozedUntil: try r["snoozed_until"].decode(Date?.self),
                                account: try r["account"].decode(String?.self)))
    }
}
