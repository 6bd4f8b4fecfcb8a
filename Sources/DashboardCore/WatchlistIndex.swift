import Foundation
import RefundModel
import WatchlistModel

/// The watchlist as shown: sorted, then filtered, as positions in the stored rows, with the header's
/// counts. It is kept up to date as rows, sort, filter and clock change (one order's new row is
/// moved into place by binary search), so that drawing 10,000 orders sorts nothing.
public struct WatchlistIndex: Sendable {
    /// The watchlist as stored, in the order added.
    public private(set) var rows: [WatchedOrder] = []
    public private(set) var sort: SortMode = .attention
    /// Rows whose id, label, status, stage, ARN or fetch error contain this (any case) are shown.
    /// Two words are conditions instead: `is:late` keeps orders past a deadline, `is:due` those
    /// with a deadline within 24 hours (late ones included).
    public private(set) var filter = ""
    private var query = WatchlistQuery("")
    /// Only these orders are shown (a bar of the overview chosen); nil: every order.
    public private(set) var subset: Set<Int64>?
    /// The data's clock, for the overdue rule.
    public private(set) var now: Date
    /// Positions in `rows` of the rows shown, in the order shown.
    public private(set) var visible: [Int] = []
    public private(set) var totals = WatchlistTotals()
    /// Position in `rows` of each stored order.
    private var position: [Int64: Int] = [:]
    /// The first moment a refund becomes overdue by the clock alone: the order and the counts
    /// change then, so the index is rebuilt when `now` passes it (not every second).
    private var clockMattersAt = Date.distantFuture

    public init(now: Date) { self.now = now }

    public mutating func setRows(_ rows: [WatchedOrder]) {
        self.rows = rows
        rebuild()
    }

    public mutating func setSort(_ sort: SortMode) {
        guard sort != self.sort else { return }
        self.sort = sort
        rebuild()
    }

    /// The accounts the filter names (`account:NAME`), sorted; empty when it names none. The
    /// overview counts these accounts' orders only.
    public var filterAccounts: [String] { query.accounts.filter { $0 != "?" }.sorted() }

    public mutating func setFilter(_ filter: String) {
        guard filter != self.filter else { return }
        self.filter = filter
        query = WatchlistQuery(filter)
        rebuild()
    }

    public mutating func setSubset(_ subset: Set<Int64>?) {
        guard subset != self.subset else { return }
        self.subset = subset
        rebuild()
    }

    public mutating func setNow(_ now: Date) {
        let before = self.now
        self.now = now
        if now > clockMattersAt || now < before { rebuild() }
    }

    /// One order's new row after a fetch: moved to its new place without sorting the others.
    public mutating func replace(_ row: WatchedOrder) {
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

    /// Rows changed by another process: changed ones are moved into place one by one; an order
    /// added or removed rebuilds the index (rare, and a sort of 100,000 rows takes ~0.1 s).
    public mutating func apply(_ ids: Set<Int64>, rows changed: [WatchedOrder]) {
        let byID = Dictionary(changed.compactMap { row in row.order.id.map { ($0, row) } }, uniquingKeysWith: { $1 })
        let added = byID.keys.filter { position[$0] == nil }
        let removed = ids.filter { byID[$0] == nil && position[$0] != nil }
        if added.isEmpty && removed.isEmpty {
            for row in changed { replace(row) }
            return
        }
        rows = rows.compactMap { row in
            guard let id = row.order.id, ids.contains(id) else { return row }
            return byID[id]
        }
        rows += added.sorted().compactMap { byID[$0] }
        rebuild()
    }

    public func row(id: Int64) -> WatchedOrder? { position[id].map { rows[$0] } }
    public var count: Int { visible.count }
    public subscript(shown index: Int) -> WatchedOrder? { visible.indices.contains(index) ? rows[visible[index]] : nil }
    /// Where an order is in the list as shown, if it is shown.
    public func shownIndex(of id: Int64) -> Int? { position[id].flatMap { visible.firstIndex(of: $0) } }
    /// The rows shown from `start`, at most `count` of them.
    public func shown(from start: Int, count: Int) -> [WatchedOrder] { visible.dropFirst(start).prefix(count).map { rows[$0] } }
    public var shownRows: [WatchedOrder] { visible.map { rows[$0] } }

    /// Every row in the chosen order, the filter aside.
    public var sortedRows: [WatchedOrder] {
        rows.indices.map { ($0, sortKey($0)) }.sorted { precedes($0.1, $1.1) }.map { rows[$0.0] }
    }

    private mutating func rebuild() {
        position = Dictionary(uniqueKeysWithValues: rows.indices.compactMap { index in rows[index].order.id.map { ($0, index) } })
        let keys = rows.indices.map(sortKey)
        visible = rows.indices.filter { matchesFilter(rows[$0]) }.sorted { precedes(keys[$0], keys[$1]) }
        clockMattersAt = rows.compactMap(nextDeadline).min() ?? .distantFuture
        totals = WatchlistTotals()
        for row in rows { totals.add(row, now: now) }
    }

    /// What the sort compares: computed once per row, not once per comparison.
    private typealias SortKey = Attention.Key

    private func sortKey(_ index: Int) -> SortKey {
        Attention.Key(rows[index], at: now)
    }

    /// `Attention.precedes` for the default sort; the others by the same key's change time and
    /// reference id.
    private func precedes(_ a: SortKey, _ b: SortKey) -> Bool {
        switch sort {
        case .attention:
            return Attention.precedes(a, b)
        case .recent:
            if a.changed != b.changed { return a.changed > b.changed }
            return a.reference.utf8.lexicographicallyPrecedes(b.reference.utf8)
        case .reference:
            return a.reference.utf8.lexicographicallyPrecedes(b.reference.utf8)
        case .deadline:
            if a.deadline != b.deadline { return a.deadline < b.deadline }
            return Attention.precedes(a, b)
        }
    }

    /// The next moment the clock alone changes this row's place or counts: a deadline passing,
    /// or coming within the 24 hours `is:due` looks at.
    private func nextDeadline(_ row: WatchedOrder) -> Date? {
        guard let deadlines = row.summary?.deadlines else { return nil }
        let soon = deadlines.lazy.map { $0.due.addingTimeInterval(-WatchlistQuery.dueWithin) }.first { $0 >= self.now }
        let passing = deadlines.lazy.map(\.due).first { $0 >= self.now }
        return [soon, passing].compactMap { $0 }.min()
    }

    private func matchesFilter(_ row: WatchedOrder) -> Bool {
        if let subset, !(row.order.id.map(subset.contains) ?? false) { return false }
        return query.matches(row, now: now)
    }

    static func matches(_ row: WatchedOrder, _ needle: String) -> Bool {
        var haystack = [row.order.referenceID, row.order.label ?? ""]
        if let summary = row.summary {
            haystack += [summary.paymentStatus, summary.stageSummary] + (summary.arns ?? [])
        }
        if let failure = row.failure { haystack += ["error", failure.error.message] }
        return haystack.contains { $0.lowercased().contains(needle) }
    }
}

/// The watchlist filter as typed: words to look for, and the conditions `is:late`, `is:due` and
/// `account:NAME` (several `account:` words keep the orders of any of them).
struct WatchlistQuery: Sendable {
    /// What `is:due` calls soon.
    static let dueWithin: TimeInterval = 24 * 3600

    var needle: String
    var late = false
    var due = false
    /// Lowercased account names; empty: any account. "?" stands for orders whose account is not
    /// known yet.
    var accounts: Set<String> = []

    init(_ text: String) {
        var words: [Substring] = []
        for word in text.split(separator: " ") {
            let lower = word.lowercased()
            switch lower {
            case "is:late": late = true
            case "is:due": due = true
            default:
                if lower.hasPrefix("account:"), lower.count > "account:".count {
                    accounts.insert(String(lower.dropFirst("account:".count)))
                } else {
                    words.append(word)
                }
            }
        }
        needle = words.joined(separator: " ").lowercased()
    }

    func matches(_ row: WatchedOrder, now: Date) -> Bool {
        if !accounts.isEmpty, !accounts.contains(row.order.account?.lowercased() ?? "?") { return false }
        if late || due {
            guard let nearest = row.summary?.nearestDeadline?.due else { return false }
            if late, !(nearest < now) { return false }
            if due, !(nearest < now.addingTimeInterval(Self.dueWithin)) { return false }
        }
        return needle.isEmpty || WatchlistIndex.matches(row, needle)
    }
}
