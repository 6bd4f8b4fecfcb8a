import Foundation
import RefundKit
import WatchlistModel

/// Alerts, the same on both backends: the statements (with each dialect's placeholders) and the
/// decision of what one sync raises and resolves, from the unresolved alerts it finds.
enum AlertSQL {
    /// Every column, in the order `Alert` is read from.
    static let columns = ["id", "key", "rule", "order_id", "reference_id", "refund_id", "text", "raised_at", "resolved_at",
                          "acknowledged_by", "acknowledged_at", "note", "snoozed_until"]
    /// The columns of `alert` (called `table` in the statement), and its order's account as
    /// `account`, read where the alert is (an order placed under an account since it was raised
    /// says so).
    static func selection(_ table: String = "alert") -> String {
        columns.map { "\(table).\($0)" }.joined(separator: ", ")
            + ", (SELECT t.account FROM tracked_order t WHERE t.id = \(table).order_id) AS account"
    }
    static var selection: String { selection() }

    /// The unresolved alerts of one order (binds: its id) or, with `global`, of the whole watchlist.
    static func open(_ p: Placeholders, global: Bool) -> String {
        "SELECT id, key, rule FROM alert WHERE resolved_at IS NULL AND " + (global ? "order_id IS NULL" : "order_id = \(p.mark(1))")
    }

    /// A new alert, unless its key is stored (or, for the watchlist's own rules, one of its rule is
    /// unresolved: a partial unique index). Returns its id only when it was inserted here.
    /// Binds: `insertValues`.
    static func insert(_ p: Placeholders) -> String {
        """
        INSERT INTO alert (key, rule, order_id, reference_id, refund_id, text, raised_at)
        VALUES (\(p.list(7))) ON CONFLICT DO NOTHING RETURNING id
        """
    }

    static func insertValues(_ draft: AlertDraft, at date: Date) -> [StoreValue] {
        [.text(draft.key), .text(draft.rule.rawValue), .bigint(draft.orderID), .text(draft.referenceID), .text(draft.refundID), .text(draft.text), .time(date)]
    }

    /// Binds: the time, the alert's id. Returns the id only when it was unresolved.
    static func resolve(_ p: Placeholders) -> String {
        "UPDATE alert SET resolved_at = \(p.mark(1)) WHERE id = \(p.mark(2)) AND resolved_at IS NULL RETURNING id"
    }

    /// Binds: who, the note, when, the id.
    static func acknowledge(_ p: Placeholders) -> String {
        "UPDATE alert SET acknowledged_by = \(p.mark(1)), note = \(p.mark(2)), acknowledged_at = \(p.mark(3)) WHERE id = \(p.mark(4)) RETURNING order_id"
    }

    /// Binds: until when, the id.
    static func snooze(_ p: Placeholders) -> String {
        "UPDATE alert SET snoozed_until = \(p.mark(1)) WHERE id = \(p.mark(2)) RETURNING order_id"
    }

    /// An event for the outbox; binds: the alert's id, the event, when (twice: created, first try).
    static func enqueue(_ p: Placeholders) -> String {
        "INSERT INTO alert_outbox (alert_id, event, created_at, next_at) VALUES (\(p.list(4))) ON CONFLICT DO NOTHING"
    }

    /// Leases the oldest due items nobody holds. Binds: owner, lease end, now, now, limit.
    /// `lockClause` is PostgreSQL's `FOR UPDATE SKIP LOCKED` (SQLite's one writer needs none).
    static func claim(_ p: Placeholders, lockClause: String = "") -> String {
        """
        UPDATE alert_outbox SET lease_owner = \(p.mark(1)), lease_until = \(p.mark(2))
        WHERE id IN (
            SELECT id FROM alert_outbox
            WHERE done_at IS NULL AND next_at <= \(p.mark(3)) AND (lease_until IS NULL OR lease_until < \(p.mark(4)))
            ORDER BY id LIMIT \(p.mark(5)) \(lockClause))
        RETURNING id
        """
    }

    /// The items with these ids (listed in the SQL, numbers only), with their alerts.
    static func items(ids: [Int64]) -> String {
        """
        SELECT o.id AS outbox_id, o.event, o.attempts, o.delivered_to, \(selection("a"))
        FROM alert_outbox o JOIN alert a ON a.id = o.alert_id WHERE o.id IN (\(ids.map(String.init).joined(separator: ","))) ORDER BY o.id
        """
    }

    /// Binds: delivered_to, next_at, last_error, done_at, the id, the owner.
    static func finish(_ p: Placeholders) -> String {
        """
        UPDATE alert_outbox SET delivered_to = \(p.mark(1)), attempts = attempts + 1, next_at = \(p.mark(2)), last_error = \(p.mark(3)),
            done_at = \(p.mark(4)), lease_owner = NULL, lease_until = NULL
        WHERE id = \(p.mark(5)) AND lease_owner = \(p.mark(6))
        """
    }

    /// Items not delivered yet (`cast`: PostgreSQL's `::bigint`, so the count decodes as one).
    static func pending(cast: String = "") -> String { "SELECT count(*)\(cast) FROM alert_outbox WHERE done_at IS NULL" }

    static func finishValues(_ id: Int64, owner: String, deliveredTo: [String], retryAt: Date?, error: String?, at date: Date) -> [StoreValue] {
        [.text(deliveredTo.joined(separator: ",")), .time(retryAt ?? date), .text(error), .time(retryAt == nil ? date : nil), .bigint(id), .text(owner)]
    }

    /// Binds: the limit.
    static func list(_ p: Placeholders, resolved: Bool) -> String {
        "SELECT \(selection) FROM alert \(resolved ? "" : "WHERE resolved_at IS NULL ")ORDER BY raised_at DESC, id DESC LIMIT \(p.mark(1))"
    }
}

/// What one sync does, decided from the unresolved alerts in its scope.
struct AlertWrite {
    struct Open: Sendable {
        var id: Int64
        var key: String
        var rule: String
    }

    /// Drafts to insert: those not stored as unresolved already (the insert itself also refuses
    /// a key stored and resolved, so an event that ended is not raised again). Alerts to resolve:
    /// the unresolved ones of the rules judged whose condition no longer holds. An alert about
    /// the whole watchlist has its first moment in its key, so a later draft of the same rule
    /// keeps it rather than replacing it.
    ///
    /// An alert about the whole watchlist is one of its subject at a time: its key without the
    /// moment (`payu_token:-:-`, `push_silent:-:kaleyra`), as the partial unique index
    /// `alert_one_open_global` has it.
    static func decide(open: [Open], active: [AlertDraft], judged: Set<AlertRule>) -> (raise: [AlertDraft], resolve: [Int64]) {
        let openKeys = Set(open.map(\.key))
        let activeKeys = Set(active.map(\.key))
        let activeGlobalSubjects = Set(active.filter { $0.orderID == nil }.map { subject($0.key) })
        let raise = active.filter { draft in
            !openKeys.contains(draft.key) && !(draft.orderID == nil && open.contains { subject($0.key) == subject(draft.key) })
        }
        let resolve = open.filter { alert in
            guard let rule = AlertRule(rawValue: alert.rule), judged.contains(rule) else { return false }
            return !activeKeys.contains(alert.key) && !activeGlobalSubjects.contains(subject(alert.key))
        }.map(\.id)
        return (raise, resolve)
    }

    /// A key without the moment it names: what one open alert about the whole watchlist is of.
    static func subject(_ key: String) -> Substring {
        key.range(of: ":since@").map { key[..<$0.lowerBound] } ?? key[...]
    }
}
