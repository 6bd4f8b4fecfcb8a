import Foundation
import GRDB
import RefundKit
import WatchlistModel

/// One tracked order as it is copied from one store into another: its row, its state (the last
/// good report and summary, the fetch times and the last failure) and every row of its history,
/// read together so that they agree with each other.
///
/// Stored values are carried as they are kept, not as the rest of refundwatch reads them: the
/// report and the summary as their stored JSON bytes (copied byte for byte, never decoded and
/// encoded again), the error and history fields as their stored text (an error category or a
/// history field this version does not know is copied as it is, not read as a known one).
public struct OrderCopy: Sendable, Hashable {
    /// The order; its `id` is the source's, for reading only: the target gives it an id of its own.
    public var order: TrackedOrder
    /// nil when the order has never been fetched (nor a fetch attempted).
    public var state: State?
    /// Oldest first (by the time seen, then as written).
    public var history: [HistoryRow]
    /// Its refunds' rows of `refund_fact` (the overview's), copied with the state they go with.
    public var facts: [RefundFact]
    /// Its rows of `order_transaction` (the ids a push may name it by), copied with the state.
    public var transactions: [String]

    public init(order: TrackedOrder, state: State?, history: [HistoryRow], facts: [RefundFact] = [], transactions: [String] = []) {
        self.order = order
        self.state = state
        self.history = history
        self.facts = facts
        self.transactions = transactions
    }

    /// An order's row of `order_state`.
    public struct State: Sendable, Hashable {
        /// The last good report's JSON, as stored; nil when no fetch has succeeded yet.
        public var report: Data?
        /// The summary's JSON, as stored.
        public var summaryJSON: Data?
        /// The summary's columns (nil when they are empty: never fetched successfully).
        public var summary: OrderSummary?
        public var fetchedAt: Date?
        public var changedAt: Date?
        public var attemptedAt: Date?
        public var errorCategory: String?
        public var errorService: String?
        public var errorMessage: String?
        public var failedAt: Date?
        /// Fetches failed since the last good one.
        public var failures: Int

        public init(report: Data?, summaryJSON: Data?, summary: OrderSummary?, fetchedAt: Date?, changedAt: Date?, attemptedAt: Date?,
                    errorCategory: String?, errorService: String?, errorMessage: String?, failedAt: Date?, failures: Int) {
            self.report = report
            self.summaryJSON = summaryJSON
            self.summary = summary
            self.fetchedAt = fetchedAt
            self.changedAt = changedAt
            self.attemptedAt = attemptedAt
            self.errorCategory = errorCategory
            self.errorService = errorService
            self.errorMessage = errorMessage
            self.failedAt = failedAt
            self.failures = failures
        }
    }

    /// One row of `history`, without its ids.
    public struct HistoryRow: Sendable, Hashable {
        public var seenAt: Date
        public var transactionID: String?
        public var refundID: String?
        /// `OrderChange.Field`'s raw value, as stored.
        public var field: String
        public var oldValue: String?
        public var newValue: String?

        public init(seenAt: Date, transactionID: String?, refundID: String?, field: String, oldValue: String?, newValue: String?) {
            self.seenAt = seenAt
            self.transactionID = transactionID
            self.refundID = refundID
            self.field = field
            self.oldValue = oldValue
            self.newValue = newValue
        }

        /// What tells two history rows of one order apart when a copy is run again: everything
        /// but the ids, the time to the millisecond (`StoredTime.comparable`).
        var key: Key {
            Key(seenAt: StoredTime.comparable(seenAt), transactionID: transactionID, refundID: refundID,
                field: field, oldValue: oldValue, newValue: newValue)
        }

        struct Key: Hashable {
            /// Milliseconds since 1970.
            var seenAt: Int64
            var transactionID: String?
            var refundID: String?
            var field: String
            var oldValue: String?
            var newValue: String?
        }
    }
}

/// What a target store did with one copied order.
public struct AbsorbOutcome: Sendable, Hashable {
    public enum Order: Sendable, Hashable {
        /// The target did not have the order: it was added, with its state.
        case added
        /// The target had the order, and its state was as recent as the source's or more (a later
        /// or equal `attempted_at`, or no state in either): the target's state was kept.
        case alreadyThere
        /// The target had the order with an older state (an earlier `attempted_at`, or none): the
        /// source's state replaced it.
        case updated
    }

    public var order: Order
    /// History rows written to the target.
    public var historyCopied: Int
    /// History rows the target had already (same order, time seen, ids, field and values).
    public var historyAlreadyThere: Int

    public init(order: Order, historyCopied: Int, historyAlreadyThere: Int) {
        self.order = order
        self.historyCopied = historyCopied
        self.historyAlreadyThere = historyAlreadyThere
    }
}

/// A store whose watchlist and history can be read out order by order and written into another,
/// whatever keeps each of them (`refundwatch db copy`).
public protocol CopyableStore: WatchlistStore {
    /// Up to `limit` orders whose id is above `afterID`, lowest id first (the order added), each
    /// with its state and history. Each call reads one consistent snapshot of the store, so every
    /// order comes whole; a copy reads page after page, never the whole store at once.
    func copyOrders(afterID: Int64, limit: Int) async throws(StoreError) -> [OrderCopy]

    /// Writes one order from another store in one transaction: its row if it is not tracked here
    /// yet (matched by `TrackedOrder.key`), its state if it is later than the one here (by
    /// `attempted_at`), and the history rows this store does not have yet.
    func absorb(_ order: OrderCopy) async throws(StoreError) -> AbsorbOutcome

    /// The same for a page of orders, in one transaction: each order as `absorb` writes it, all
    /// of them or none.
    func absorb(page: [OrderCopy]) async throws(StoreError) -> [AbsorbOutcome]
}

/// The counts of one copy, in the words `refundwatch db copy` prints.
public struct CopyCounts: Sendable, Hashable {
    /// Orders the target did not have.
    public var ordersCopied = 0
    /// Orders the target had, with a state as recent as the source's or more: kept as they were.
    public var ordersAlreadyThere = 0
    /// Orders the target had with an older state, which the source's replaced.
    public var ordersUpdated = 0
    public var historyCopied = 0
    public var historyAlreadyThere = 0
    /// Saved views the target did not have (by name), and those it had and kept.
    public var viewsCopied = 0
    public var viewsAlreadyThere = 0

    public init() {}

    public init(ordersCopied: Int, ordersAlreadyThere: Int, ordersUpdated: Int, historyCopied: Int, historyAlreadyThere: Int) {
        self.ordersCopied = ordersCopied
        self.ordersAlreadyThere = ordersAlreadyThere
        self.ordersUpdated = ordersUpdated
        self.historyCopied = historyCopied
        self.historyAlreadyThere = historyAlreadyThere
    }

    mutating func add(_ outcome: AbsorbOutcome) {
        switch outcome.order {
        case .added: ordersCopied += 1
        case .alreadyThere: ordersAlreadyThere += 1
        case .updated: ordersUpdated += 1
        }
        historyCopied += outcome.historyCopied
        historyAlreadyThere += outcome.historyAlreadyThere
    }
}

/// Copies a watchlist and its history from one store into another.
public enum StoreCopy {
    /// Orders read from the source at a time: each page is one read of the source, and only one
    /// page of reports is held in memory, however long the watchlist.
    public static let pageSize = 200

    /// Copies every order of `source` into `target` (then its saved views), one transaction in the target a page (each
    /// order's row, state and history together, and the page's orders together: a commit each
    /// order made PostgreSQL wait for its disk 200 times a page), so a copy stopped part way
    /// leaves whole orders and running it again finishes the job without writing anything twice.
    /// The next page is read from the source while the target writes this one: two pages in
    /// memory at most.
    public static func copy(from source: some CopyableStore, to target: some CopyableStore,
                            pageSize: Int = pageSize) async throws(StoreError) -> CopyCounts {
        var counts = CopyCounts()
        var page = try await source.copyOrders(afterID: 0, limit: pageSize)
        while let last = page.last?.order.id {
            let next = Task { () async -> Result<[OrderCopy], StoreError> in
                do throws(StoreError) { return .success(try await source.copyOrders(afterID: last, limit: pageSize)) } catch { return .failure(error) }
            }
            let outcomes: [AbsorbOutcome]
            do throws(StoreError) {
                outcomes = try await target.absorb(page: page)
            } catch {
                next.cancel()
                _ = await next.value
                throw error
            }
            for outcome in outcomes { counts.add(outcome) }
            page = try await next.value.get()
        }
        // The saved views: one the target has by that name is the target's to keep.
        let there = Set(try await target.savedViews().map { $0.name.lowercased() })
        for view in try await source.savedViews() {
            if there.contains(view.name.lowercased()) {
                counts.viewsAlreadyThere += 1
            } else {
                try await target.saveView(view)
                counts.viewsCopied += 1
            }
        }
        return counts
    }
}

/// Times as the stores keep them.
///
/// An SQLite file keeps a time to the millisecond (GRDB writes `yyyy-MM-dd HH:mm:ss.SSS`, rounded),
/// PostgreSQL to the microsecond (`timestamptz`); a `Date` is a binary fraction finer than both.
///
/// Writing: PostgresNIO writes a `Date` by truncating it to the microsecond, so a time whose binary
/// value falls a hair below a whole microsecond would lose one. Times are therefore rounded to the
/// microsecond before they are written to PostgreSQL, into the very `Date` PostgresNIO reads back
/// (`roundedToMicrosecond`), so that a time copied SQLite → PostgreSQL → SQLite comes back equal,
/// field for field. (GRDB already rounds to the millisecond when it writes to SQLite.)
///
/// Comparing: a time in one store is compared with one in another to the millisecond, as the
/// coarser of the two keeps it (`comparable`). A time with microseconds in PostgreSQL is kept to
/// the millisecond in an SQLite file: compared finer, the same history row copied into the file
/// and back (or the copy run again) would not be found again and would be written twice.
enum StoredTime {
    /// Milliseconds since 1970, as an SQLite file keeps `date` (GRDB's own rounding, so that a
    /// time read from a file and the same time read from PostgreSQL give the same number).
    static func comparable(_ date: Date) -> Int64 {
        let stored = Date.fromDatabaseValue(date.databaseValue) ?? date
        return Int64((stored.timeIntervalSince1970 * 1_000).rounded())
    }

    /// PostgreSQL's epoch, from which PostgresNIO counts the microseconds it writes and reads.
    static let postgresEpoch = Date(timeIntervalSince1970: 946_684_800)

    /// `date` rounded to the microsecond, computed as PostgresNIO computes a `Date` it reads (from
    /// the microseconds since 2000-01-01), so that writing it gives back these microseconds and
    /// reading them gives back this `Date`.
    static func roundedToMicrosecond(_ date: Date) -> Date {
        let microseconds = (date.timeIntervalSince(postgresEpoch) * 1_000_000).rounded()
        return Date(timeInterval: microseconds / 1_000_000, since: postgresEpoch)
    }

    /// Whether an attempt at `candidate` is later than one at `current` (nil: no attempt), to the
    /// millisecond.
    static func isLater(_ candidate: Date?, than current: Date?) -> Bool {
        guard let candidate else { return false }
        guard let current else { return true }
        return comparable(candidate) > comparable(current)
    }
}
