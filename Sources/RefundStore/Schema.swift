import Foundation
import GRDB
import RefundKit

/// The database layout, as GRDB migrations. A migration is never edited once released: a change is
/// a new migration, so every older file upgrades in place and a newer file is recognised.
enum Schema {
    /// `PRAGMA application_id`: "RFWC". Marks the file as refundwatch's, so that `--db` pointed at
    /// someone else's SQLite database is refused instead of having tables added to it.
    static let applicationID: Int32 = 0x5246_5743

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: watchlist, last reports, history") { db in
            try db.execute(sql: "PRAGMA application_id = \(applicationID)")
            // One row per watched order. NULL phone number / payment configuration ids mean "the
            // configuration's", so a changed configuration applies to every order added without them.
            try db.create(table: "tracked_order") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("reference_id", .text).notNull()
                t.column("phone_number_id", .text)
                t.column("payment_config_id", .text)
                t.column("label", .text)
                t.column("added_at", .datetime).notNull()
            }
            try db.execute(sql: """
                CREATE UNIQUE INDEX tracked_order_key
                ON tracked_order(reference_id, IFNULL(phone_number_id, ''), IFNULL(payment_config_id, ''))
                """)
            // The last good report of each order (kept when a later fetch fails) and the last failure.
            try db.create(table: "order_state") { t in
                t.primaryKey("order_id", .integer).references("tracked_order", onDelete: .cascade)
                t.column("report", .blob)
                t.column("summary", .blob)
                t.column("fetched_at", .datetime)
                t.column("changed_at", .datetime)
                t.column("attempted_at", .datetime)
                t.column("error_category", .text)
                t.column("error_service", .text)
                t.column("error_message", .text)
                t.column("failed_at", .datetime)
            }
            // Every change of a status, an ARN or a settlement field, when it was first seen.
            try db.create(table: "history") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("order_id", .integer).notNull().references("tracked_order", onDelete: .cascade)
                t.column("seen_at", .datetime).notNull()
                t.column("transaction_id", .text)
                t.column("refund_id", .text)
                t.column("field", .text).notNull()
                t.column("old_value", .text)
                t.column("new_value", .text)
            }
            try db.create(index: "history_by_order", on: "history", columns: ["order_id", "seen_at"])
            // Small facts about the file itself (the demo clock's start).
            try db.create(table: "store_meta") { t in
                t.primaryKey("key", .text)
                t.column("value", .text).notNull()
            }
        }
        migrator.registerMigration("v2: summary columns") { db in
            // The summary's numbers as columns, so that lists read them without decoding JSON.
            try db.alter(table: "order_state") { t in
                for name in SummaryColumns.names {
                    switch name {
                    case "payment_status", "amount", "amount_currency", "refund_total", "refund_total_currency", "arn_deadlines", "arns":
                        t.add(column: name, .text)
                    default:
                        t.add(column: name, .integer)
                    }
                }
            }
            let decoder = JSONDecoder()
            let rows = try Row.fetchAll(db, sql: "SELECT order_id, summary FROM order_state WHERE summary IS NOT NULL")
            for row in rows {
                guard let data: Data = row["summary"], let summary = try? decoder.decode(OrderSummary.self, from: data) else { continue }
                try db.execute(sql: "UPDATE order_state SET \(SummaryColumns.assignments) WHERE order_id = ?",
                               arguments: StatementArguments(SummaryColumns.values(summary) + [row["order_id"] as Int64]))
            }
        }
        return migrator
    }
}
