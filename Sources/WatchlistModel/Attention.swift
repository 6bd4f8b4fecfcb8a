import Foundation
import RefundModel

/// What needs attention first: the dashboard's default order, defined once. `WatchlistIndex`
/// sorts by it in Swift; each store ranks by it in SQL for a first screen read in one query
/// (`WatchlistStore.firstPage`), one SQL condition per tier written against this enum, and
/// `WatchlistPageTests` holds both backends' SQL to `Attention.precedes` on a seeded random
/// watchlist.
///
/// The tiers, first first; within a tier the most recently changed order comes first (one never
/// changed comes last), then the reference id, compared byte by byte.
public enum Attention: Int, Sendable, Hashable, CaseIterable, Comparable {
    /// A refund failed (on either side).
    case refundFailed = 0
    /// A refund is past its deadline for an ARN.
    case overdue
    /// The last fetch failed (the data shown is the last good one).
    case fetchFailing
    /// A refund or the payment is still pending.
    case pending
    /// Never fetched yet.
    case neverFetched
    /// Nothing to do.
    case rest

    /// The tier of `row` at `now` (the data's clock). A row never fetched successfully has no
    /// summary: it is `fetchFailing` when its fetch failed, else `neverFetched`.
    public init(_ row: WatchedOrder, at now: Date) {
        guard let summary = row.summary else {
            self = row.failure != nil ? .fetchFailing : .neverFetched
            return
        }
        if summary.failedRefunds > 0 {
            self = .refundFailed
        } else if summary.overdueCount(at: now) > 0 {
            self = .overdue
        } else if row.failure != nil {
            self = .fetchFailing
        } else if summary.pendingRefunds > 0 || summary.paymentStatus == "pending" {
            self = .pending
        } else {
            self = .rest
        }
    }

    public static func < (a: Attention, b: Attention) -> Bool { a.rawValue < b.rawValue }

    /// What the order compares, computed once per row.
    public struct Key: Sendable, Hashable {
        public var tier: Attention
        /// `.distantPast` when the order never changed.
        public var changed: Date
        public var reference: String
        /// The order's soonest deadline (`.distantFuture` when it has none), for the deadline sort.
        public var deadline: Date

        public init(_ row: WatchedOrder, at now: Date) {
            tier = Attention(row, at: now)
            deadline = row.summary?.nearestDeadline?.due ?? .distantFuture
            changed = row.changedAt ?? .distantPast
            reference = row.order.referenceID
        }
    }

    /// Whether `a` comes before `b` in the attention order.
    public static func precedes(_ a: Key, _ b: Key) -> Bool {
        if a.tier != b.tier { return a.tier < b.tier }
        if a.changed != b.changed { return a.changed > b.changed }
        return a.reference.utf8.lexicographicallyPrecedes(b.reference.utf8)
    }
}
