import Foundation
import RefundKit
import RefundStore

/// Where the dashboard is: the watchlist, or one order, one of its transactions, one refund.
public enum View: Sendable, Hashable {
    case watchlist
    case order(Int64)
    case transaction(Int64, transaction: Int)
    case refund(Int64, transaction: Int, refund: Int)

    public var orderID: Int64? {
        switch self {
        case .watchlist: nil
        case .order(let id), .transaction(let id, _), .refund(let id, _, _): id
        }
    }
}

/// One level of the breadcrumb with its own cursor, so going back lands where you were.
public struct Frame: Sendable, Hashable {
    public var view: View
    public var selected = 0
    public var top = 0

    public init(_ view: View) { self.view = view }
}

/// An order's full report and history, loaded from the store when it is opened.
public struct Detail: Sendable, Hashable {
    public var report: OrderReport?
    public var history: [HistoryEntry]

    public init(report: OrderReport?, history: [HistoryEntry]) {
        self.report = report
        self.history = history
    }
}

public enum SortMode: String, Sendable, CaseIterable {
    case attention = "needs attention"
    case recent = "recently changed"
    case reference = "reference id"

    public var next: SortMode {
        let all = SortMode.allCases
        return all[(all.firstIndex(of: self)! + 1) % all.count]
    }
}

/// A line at the bottom that says what just happened, without hiding the data.
public struct Flash: Sendable, Hashable {
    public var message: String
    public var isError: Bool
    public var at: Date

    public init(message: String, isError: Bool, at: Date) {
        self.message = message
        self.isError = isError
        self.at = at
    }
}

public enum Overlay: Sendable, Hashable {
    case help
}

/// A line typed at the bottom of the screen, or a question waiting for an answer.
public struct Prompt: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// `/`: applies as it is typed.
        case filter
        /// `o` or `:`: a reference id to look up without tracking it.
        case lookup
        /// `a`: reference ids to add to the watchlist.
        case track
        /// `e`: the file to export the list on screen to.
        case export
        /// `d`: y removes this order (stored id, reference id) from the watchlist.
        case remove(Int64, String)
    }

    public var kind: Kind
    public var text: String

    public init(_ kind: Kind, text: String = "") {
        self.kind = kind
        self.text = text
    }
}

/// An order looked up with `o`: shown like a tracked one, stored nowhere.
public struct Lookup: Sendable, Hashable {
    public var referenceID: String
    /// Why the last look-up failed; nil while it runs or when it worked.
    public var error: ReportedError?
    public var inFlight = true

    public init(referenceID: String) { self.referenceID = referenceID }
}

/// The header's counts over the whole watchlist.
public struct Totals: Sendable, Hashable {
    public var orders = 0
    public var pending = 0
    public var overdue = 0
    public var failing = 0

    mutating func add(_ row: WatchedOrder, now: Date, sign: Int = 1) {
        orders += sign
        pending += sign * (row.summary?.pendingRefunds ?? 0)
        overdue += sign * (row.summary?.overdueCount(at: now) ?? 0)
        if row.failure != nil { failing += sign }
    }

    mutating func remove(_ row: WatchedOrder, now: Date) { add(row, now: now, sign: -1) }
}

/// Everything the dashboard shows, as a value. `update` changes it; `render` draws it.
public struct DashboardState: Sendable {
    /// The data's clock: ages and overdue checks (the simulator's fast clock in demo mode).
    public var now: Date {
        didSet {
            // The clock matters to the list only through the overdue rule: counts and the
            // needs-attention order change when a deadline passes, not every second.
            if now > clockMattersAt || now < oldValue { reindex() }
        }
    }
    /// Real time: when to refresh next, how long a flash stays. The same as `now` outside the demo.
    public var wall: Date
    public var size: Size
    /// The watchlist as stored, in the order added. Change it with `setRows` and `replaceRow`.
    public private(set) var rows: [WatchedOrder] = []
    public var loaded = false
    public var stack: [Frame] = [Frame(.watchlist)]
    public var details: [Int64: Detail] = [:]
    public var sort: SortMode = .attention { didSet { reindex() } }
    /// `/`: the watchlist shows only rows whose id, label, status, stage or ARN contain this.
    public var filter = "" { didSet { if filter != oldValue { reindex() } } }
    /// A line being typed at the bottom (filter, look up, add, export) or a question waiting for y.
    public var prompt: Prompt?
    public var rule: OverdueRule

    // Refreshing
    public var interval: TimeInterval
    public var paused = false
    public var inFlight: Set<Int64> = []
    public var refreshTotal = 0
    public var refreshDone = 0
    public var lastRefresh: Date?
    public var nextRefresh: Date?

    /// Orders looked up with `o` without tracking them, by the id their views use (negative, so it
    /// never meets a stored order's).
    public var lookups: [Int64: Lookup] = [:]
    /// When each order was last on screen (opened); rows changed after that carry a marker.
    public var seen: [Int64: Date] = [:]
    public var flash: Flash?
    public var overlay: Overlay?
    public var themeName: String
    public var demo: Bool
    /// For names that carry a time (the export's file).
    public var timeZone = TimeZone.current

    /// The watchlist as shown, sorted then filtered, as positions in `rows`. Kept up to date as rows,
    /// sort, filter and clock change, so that drawing 10,000 orders sorts nothing.
    public private(set) var visible: [Int] = []
    /// Position in `rows` of each stored order.
    private var position: [Int64: Int] = [:]
    /// The first moment a refund becomes overdue by the clock alone; the index and the totals are
    /// rebuilt when `now` passes it.
    private var clockMattersAt = Date.distantFuture
    /// The header's counts, kept with the index.
    public private(set) var totals = Totals()

    public init(now: Date, wall: Date? = nil, size: Size, interval: TimeInterval, rule: OverdueRule = OverdueRule(), themeName: String = "default", demo: Bool = false) {
        self.now = now
        self.wall = wall ?? now
        self.size = size
        self.interval = interval
        self.rule = rule
        self.themeName = themeName
        self.demo = demo
        nextRefresh = self.wall
    }

    public var frame: Frame {
        get { stack[stack.count - 1] }
        set { stack[stack.count - 1] = newValue }
    }

    public var isRefreshing: Bool { !inFlight.isEmpty }

    /// The filter is being typed: keys go to it.
    public var editingFilter: Bool { prompt?.kind == .filter }

    // MARK: - The watchlist and its index

    public mutating func setRows(_ rows: [WatchedOrder]) {
        self.rows = rows
        reindex()
    }

    /// One order's new row after a fetch: moved to its new place without sorting the others.
    public mutating func replaceRow(_ row: WatchedOrder) {
        guard let id = row.order.id, let index = position[id] else { return }
        totals.remove(rows[index], now: now)
        rows[index] = row
        totals.add(row, now: now)
        if let shown = visible.firstIndex(of: index) { visible.remove(at: shown) }
        if let next = nextDeadline(row) { clockMattersAt = min(clockMattersAt, next) }
        guard matchesFilter(row) else { return }
        let key = sortKey(index)
        var low = 0, high = visible.count
        while low < high {
            let middle = (low + high) / 2
            if precedes(sortKey(visible[middle]), key) { low = middle + 1 } else { high = middle }
        }
        visible.insert(index, at: low)
    }

    public func row(id: Int64) -> WatchedOrder? { position[id].map { rows[$0] } }

    public var visibleCount: Int { visible.count }
    /// Where an order is in the list as shown, if it is shown.
    public func visibleIndex(of id: Int64) -> Int? { position[id].flatMap { visible.firstIndex(of: $0) } }
    public func visibleRow(_ index: Int) -> WatchedOrder? { visible.indices.contains(index) ? rows[visible[index]] : nil }

    /// The watchlist as shown: sorted, then filtered.
    public var visibleRows: [WatchedOrder] { visible.map { rows[$0] } }

    /// The watchlist in the chosen order, unfiltered.
    public var sortedRows: [WatchedOrder] {
        rows.indices.map { ($0, sortKey($0)) }.sorted { precedes($0.1, $1.1) }.map { rows[$0.0] }
    }

    private mutating func reindex() {
        position = Dictionary(uniqueKeysWithValues: rows.indices.compactMap { index in rows[index].order.id.map { ($0, index) } })
        let keys = rows.indices.map(sortKey)
        visible = rows.indices.filter { matchesFilter(rows[$0]) }.sorted { precedes(keys[$0], keys[$1]) }
        clockMattersAt = rows.compactMap(nextDeadline).min() ?? .distantFuture
        totals = Totals()
        for row in rows { totals.add(row, now: now) }
    }

    /// What the sort compares: computed once per row, not once per comparison.
    private struct SortKey {
        var rank: Int
        var changed: Date
        var reference: String
    }

    private func sortKey(_ index: Int) -> SortKey {
        let row = rows[index]
        return SortKey(rank: sort == .attention ? Self.attention(row, now: now) : 0, changed: row.changedAt ?? .distantPast, reference: row.order.referenceID)
    }

    private func precedes(_ a: SortKey, _ b: SortKey) -> Bool {
        switch sort {
        case .attention:
            if a.rank != b.rank { return a.rank < b.rank }
            if a.changed != b.changed { return a.changed > b.changed }
            return a.reference < b.reference
        case .recent:
            if a.changed != b.changed { return a.changed > b.changed }
            return a.reference < b.reference
        case .reference:
            return a.reference < b.reference
        }
    }

    /// When this row's next refund without an ARN becomes overdue, if that is still to come.
    private func nextDeadline(_ row: WatchedOrder) -> Date? {
        row.summary?.arnDeadlines.first { $0 >= now }
    }

    private func matchesFilter(_ row: WatchedOrder) -> Bool {
        let needle = filter.trimmingCharacters(in: .whitespaces).lowercased()
        return needle.isEmpty || Self.matches(row, needle)
    }

    static func matches(_ row: WatchedOrder, _ needle: String) -> Bool {
        var haystack = [row.order.referenceID, row.order.label ?? ""]
        if let summary = row.summary {
            haystack += [summary.paymentStatus, summary.stageSummary] + (summary.arns ?? [])
        }
        if let failure = row.failure { haystack += ["error", failure.error.message] }
        return haystack.contains { $0.lowercased().contains(needle) }
    }

    /// 0 failed, 1 overdue, 2 fetch error, 3 pending, 4 never fetched, 5 the rest.
    static func attention(_ row: WatchedOrder, now: Date) -> Int {
        guard let summary = row.summary else { return row.failure != nil ? 2 : 4 }
        if summary.failedRefunds > 0 { return 0 }
        if summary.overdueCount(at: now) > 0 { return 1 }
        if row.failure != nil { return 2 }
        if summary.pendingRefunds > 0 || summary.paymentStatus == "pending" { return 3 }
        return 5
    }

    /// Changed since the operator last opened it.
    public func isUnseenChange(_ row: WatchedOrder) -> Bool {
        guard let changed = row.changedAt, let id = row.order.id else { return false }
        return changed > (seen[id] ?? .distantPast)
    }
}
