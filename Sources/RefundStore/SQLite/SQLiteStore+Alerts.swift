import Foundation
import GRDB
import RefundKit
import WatchlistModel

/// Alerts in the SQLite file: `AlertWrite` decides, `AlertSQL` writes, in one write transaction
/// (SQLite's single writer makes a sync atomic against other processes).
extension SQLiteStore {
    public func syncAlerts(orderID: Int64?, judged: Set<AlertRule>, active: [AlertDraft], at date: Date) async throws(StoreError) -> AlertSync {
        try await run { db in
            if let orderID, try !Self.isTracked(db, orderID) { return AlertSync() }
            let open = try Row.fetchAll(db, sql: AlertSQL.open(.question, global: orderID == nil), arguments: orderID.map { [$0] } ?? [])
                .map { AlertWrite.Open(id: $0["id"], key: $0["key"], rule: $0["rule"]) }
            let (raise, resolve) = AlertWrite.decide(open: open, active: active, judged: judged)
            var raised: [Int64] = [], resolved: [Int64] = []
            for draft in raise {
                if let id = try Int64.fetchOne(db, sql: AlertSQL.insert(.question), arguments: Self.arguments(AlertSQL.insertValues(draft, at: date))) {
                    raised.append(id)
                    try db.execute(sql: AlertSQL.enqueue(.question), arguments: [id, OutboxItem.Event.raised.rawValue, date, date])
                }
            }
            for id in resolve {
                if let done = try Int64.fetchOne(db, sql: AlertSQL.resolve(.question), arguments: [date, id]) {
                    resolved.append(done)
                    try db.execute(sql: AlertSQL.enqueue(.question), arguments: [done, OutboxItem.Event.resolved.rawValue, date, date])
                }
            }
            return AlertSync(raised: try Self.alerts(db, ids: raised), resolved: try Self.alerts(db, ids: resolved))
        }
    }

    public func alerts(resolved: Bool, limit: Int) async throws(StoreError) -> [Alert] {
        try await read { db in try Row.fetchAll(db, sql: AlertSQL.list(.question, resolved: resolved), arguments: [limit]).compactMap(Self.alert) }
    }

    public func alert(id: Int64) async throws(StoreError) -> Alert? {
        try await read { db in try Self.alerts(db, ids: [id]).first }
    }

    public func acknowledgeAlert(id: Int64, by person: String, note: String?, at date: Date) async throws(StoreError) -> Alert? {
        try await run { db in
            guard try Row.fetchOne(db, sql: AlertSQL.acknowledge(.question), arguments: [person, note, date, id]) != nil else { return nil }
            return try Self.alerts(db, ids: [id]).first
        }
    }

    public func snoozeAlert(id: Int64, until: Date) async throws(StoreError) -> Alert? {
        try await run { db in
            guard try Row.fetchOne(db, sql: AlertSQL.snooze(.question), arguments: [until, id]) != nil else { return nil }
            return try Self.alerts(db, ids: [id]).first
        }
    }

    public func claimDeliveries(owner: String, limit: Int, lease: TimeInterval, at date: Date) async throws(StoreError) -> [OutboxItem] {
        try await run { db in
            let ids = try Int64.fetchAll(db, sql: AlertSQL.claim(.question), arguments: [owner, date.addingTimeInterval(lease), date, date, limit])
            guard !ids.isEmpty else { return [] }
            return try Row.fetchAll(db, sql: AlertSQL.items(ids: ids)).compactMap { row in
                guard let alert = Self.alert(row), let event = OutboxItem.Event(rawValue: row["event"]) else { return nil }
                let delivered: String = row["delivered_to"]
                return OutboxItem(id: row["outbox_id"], event: event, alert: alert, attempts: row["attempts"],
                                  deliveredTo: delivered.split(separator: ",").map(String.init))
            }
        }
    }

    public func finishDelivery(_ id: Int64, owner: String, deliveredTo: [String], retryAt: Date?, error: String?, at date: Date) async throws(StoreError) {
        try await run { db in
            try db.execute(sql: AlertSQL.finish(.question),
                           arguments: Self.arguments(AlertSQL.finishValues(id, owner: owner, deliveredTo: deliveredTo, retryAt: retryAt, error: error, at: date)))
        }
    }

    public func pendingDeliveries() async throws(StoreError) -> Int {
        try await read { db in try Int.fetchOne(db, sql: AlertSQL.pending()) ?? 0 }
    }

    static func alerts(_ db: Database, ids: [Int64]) throws -> [Alert] {
        guard !ids.isEmpty else { return [] }
        let marks = ids.map { _ in "?" }.joined(separator: ", ")
        return try Row.fetchAll(db, sql: "SELECT \(AlertSQL.selection) FROM alert WHERE id IN (\(marks)) ORDER BY id", arguments: StatementArguments(ids))
            .compactMap(alert)
    }

    /// A stored alert; nil for a rule this version does not know (a newer one wrote it).
    static func alert(_ row: Row) -> Alert? {
        guard let rule = AlertRule(rawValue: row["rule"]) else { return nil }
        return Alert(id: row["id"], key: row["key"], rule: rule, orderID: row["order_id"], referenceID: row["reference_id"], refundID: row["refund_id"],
                     text: row["text"], raisedAt: row["raised_at"], resolvedAt: row["resolved_at"], acknowledgedBy: row["acknowledged_by"],
                     acknowledgedAt: row["acknowledged_at"], note: row["note"], snoozedUntil: row["snoozed_until"], account: row["account"])
    }
}
