import Foundation
import RefundKit

/// What a dashboard's first screen needs without reading every row: the rows that come first in
/// its default order (what needs attention first), and the header's counts over the whole
/// watchlist, counted by the database.
public struct WatchlistPage: Sendable, Hashable {
    /// The first rows, in the dashboard's default order.
    public var rows: [WatchedOrder]
    /// Orders tracked, refunds not done yet, refunds overdue for their ARN, orders whose last
    /// fetch failed: over the whole watchlist.
    public var orders: Int
    public var pending: Int
    public var overdue: Int
    public var failing: Int

    public init(rows: [WatchedOrder], orders: Int, pending: Int, overdue: Int, failing: Int) {
        self.rows = rows
        self.orders = orders
        self.pending = pending
        self.overdue = overdue
        self.failing = failing
    }
}

/// The dashboard's default order in SQL, for `firstPage`. It must rank exactly as
/// `WatchlistIndex.attention` does in Swift (`WatchlistPageTests` compares the two on a seeded
/// random watchlist, on both backends):
///
///   0 a refund failed · 1 a refund overdue for its ARN · 2 the last fetch failed ·
///   3 a refund or the payment pending · 4 never fetched · 5 the rest;
///
/// then the most recently changed first (never changed last), then by reference id. A row that
/// was never fetched has no summary (`payment_status` NULL): 2 if its fetch failed, else 4. An
/// order is overdue when its first ARN deadline (`arn_deadlines` holds them sorted, seconds since
/// 1970, a space apart) is before now.
enum AttentionSQL {
    static let pendingStages = "s.stage_pending + s.stage_queued + s.stage_in_progress + s.stage_no_arn_yet"
    static let failed = "(s.error_message IS NOT NULL AND s.failed_at IS NOT NULL)"

    static func rank(firstDeadlineBeforeNow: String) -> String {
        """
        CASE
            WHEN s.payment_status IS NULL THEN CASE WHEN \(failed) THEN 2 ELSE 4 END
            WHEN s.stage_failed > 0 THEN 0
            WHEN \(firstDeadlineBeforeNow) THEN 1
            WHEN \(failed) THEN 2
            WHEN \(pendingStages) > 0 OR s.payment_status = 'pending' THEN 3
            ELSE 5
        END
        """
    }

    /// SQLite, with `:now` the moment in seconds since 1970.
    static let sqlite = rank(firstDeadlineBeforeNow: """
        (s.arn_deadlines <> '' AND CAST(substr(s.arn_deadlines, 1, instr(s.arn_deadlines || ' ', ' ') - 1) AS REAL) < :now)
        """)
    static let sqliteOrder = "attention_rank, s.changed_at IS NULL, s.changed_at DESC, t.reference_id, t.id"
    static let sqliteTotals = """
        SELECT count(*) AS orders,
               COALESCE(sum(\(pendingStages)), 0) AS pending,
               COALESCE(sum((SELECT count(*) FROM json_each('[' || replace(s.arn_deadlines, ' ', ',') || ']') WHERE value < :now)), 0) AS overdue,
               COALESCE(sum(CASE WHEN \(failed) THEN 1 ELSE 0 END), 0) AS failing
        FROM tracked_order t LEFT JOIN order_state s INDEXED BY order_state_attention ON s.order_id = t.id
        """

    /// PostgreSQL, with `$1` the moment in seconds since 1970. Reference ids compare byte by
    /// byte (`COLLATE "C"`), as Swift compares these ASCII ids, whatever the database's locale.
    static let postgres = rank(firstDeadlineBeforeNow: """
        (NULLIF(split_part(s.arn_deadlines, ' ', 1), '')::float8 < $1)
        """)
    static let postgresOrder = "attention_rank, s.changed_at DESC NULLS LAST, t.reference_id COLLATE \"C\", t.id"
    static let postgresTotals = """
        SELECT count(*)::bigint AS orders,
               COALESCE(sum(\(pendingStages)), 0)::bigint AS pending,
               COALESCE(sum((SELECT count(*) FROM unnest(string_to_array(NULLIF(s.arn_deadlines, ''), ' ')) AS d WHERE d::float8 < $1)), 0)::bigint AS overdue,
               COALESCE(sum(CASE WHEN \(failed) THEN 1 ELSE 0 END), 0)::bigint AS failing
        FROM tracked_order t LEFT JOIN order_state s ON s.order_id = t.id
        """
}
