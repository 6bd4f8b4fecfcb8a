import Foundation
import RefundKit
import WatchlistModel

/// `Attention`, the dashboard's default order, in SQL for `firstPage`: one condition per tier,
/// written against the enum (a tier added there does not compile here until it has its SQL),
/// over `tracked_order t LEFT JOIN order_state s`. `WatchlistPageTests` holds both dialects to
/// `Attention.precedes` on a seeded random watchlist.
///
/// A row never fetched has no summary (`payment_status` NULL). An order is overdue when its
/// first ARN deadline (`arn_deadlines` holds them sorted, seconds since 1970, a space apart) is
/// before now.
enum AttentionSQL {
    enum Dialect {
        /// `:now`, the moment in seconds since 1970.
        case sqlite
        /// `$1`, the moment in seconds since 1970.
        case postgres
    }

    static let pendingStages = [RefundStage.pending, .queued, .inProgress, .awaitingARN]
        .map { "s." + SummaryColumns.stageColumn($0) }.joined(separator: " + ")
    static let fetchFailed = "(s.error_message IS NOT NULL AND s.failed_at IS NOT NULL)"

    static func firstDeadlineBeforeNow(_ dialect: Dialect) -> String {
        switch dialect {
        case .sqlite:
            "(s.deadlines <> '' AND CAST(substr(s.deadlines, 1, instr(s.deadlines || ' ', ' ') - 1) AS REAL) < :now)"
        case .postgres:
            "(NULLIF(split_part(s.deadlines, ' ', 1), '')::float8 < $1)"
        }
    }

    /// The condition for a fetched row (one with a summary) to be in `tier`, given that it is in
    /// none of the tiers before.
    static func condition(_ tier: Attention, _ dialect: Dialect) -> String {
        switch tier {
        case .refundFailed: "s.\(SummaryColumns.stageColumn(.failed)) > 0"
        case .overdue: firstDeadlineBeforeNow(dialect)
        case .fetchFailing: fetchFailed
        case .pending: "(\(pendingStages)) > 0 OR s.payment_status = 'pending'"
        case .neverFetched: "FALSE"
        case .rest: "TRUE"
        }
    }

    /// The tier number, as `attention_rank`.
    static func rank(_ dialect: Dialect) -> String {
        let tiers = Attention.allCases.map { "        WHEN \(condition($0, dialect)) THEN \($0.rawValue)" }.joined(separator: "\n")
        return """
            CASE
                WHEN s.payment_status IS NULL THEN CASE WHEN \(fetchFailed) THEN \(Attention.fetchFailing.rawValue) ELSE \(Attention.neverFetched.rawValue) END
            \(tiers)
            END
            """
    }

    static let sqlite = rank(.sqlite)
    static let sqliteOrder = "attention_rank, s.changed_at IS NULL, s.changed_at DESC, t.reference_id, t.id"
    /// Reference ids compare byte by byte (`COLLATE "C"`), as `Attention.precedes` does, whatever
    /// the database's locale.
    static let postgres = rank(.postgres)
    static let postgresOrder = "attention_rank, s.changed_at DESC NULLS LAST, t.reference_id COLLATE \"C\", t.id"

    /// `WatchlistTotals`' counts, by name. Never fetched is told by the summary's columns (empty
    /// until the first good fetch), which the SQLite index holds; `fetched_at` sits behind each
    /// report's overflow pages there.
    static let sqliteTotals = """
        SELECT count(*) AS orders,
               COALESCE(sum(\(pendingStages)), 0) AS pending,
               COALESCE(sum((SELECT count(*) FROM json_each('[' || replace(s.deadlines, ' ', ',') || ']') WHERE value < :now)), 0) AS overdue,
               COALESCE(sum(CASE WHEN \(fetchFailed) THEN 1 ELSE 0 END), 0) AS failing,
               COALESCE(sum(CASE WHEN s.payment_status IS NULL THEN 1 ELSE 0 END), 0) AS never_fetched,
               COALESCE(sum(CASE WHEN s.payu_errors > 0 THEN 1 ELSE 0 END), 0) AS partly_failing
        FROM tracked_order t LEFT JOIN order_state s INDEXED BY order_state_attention ON s.order_id = t.id
        """
    static let postgresTotals = """
        SELECT count(*)::bigint AS orders,
               COALESCE(sum(\(pendingStages)), 0)::bigint AS pending,
               COALESCE(sum((SELECT count(*) FROM unnest(string_to_array(NULLIF(s.deadlines, ''), ' ')) AS d WHERE d::float8 < $1)), 0)::bigint AS overdue,
               COALESCE(sum(CASE WHEN \(fetchFailed) THEN 1 ELSE 0 END), 0)::bigint AS failing,
               COALESCE(sum(CASE WHEN s.payment_status IS NULL THEN 1 ELSE 0 END), 0)::bigint AS never_fetched,
               COALESCE(sum(CASE WHEN s.payu_errors > 0 THEN 1 ELSE 0 END), 0)::bigint AS partly_failing
        FROM tracked_order t LEFT JOIN order_state s ON s.order_id = t.id
        """
}
