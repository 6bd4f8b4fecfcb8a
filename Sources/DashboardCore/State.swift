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

/// Everything the dashboard shows, as a value. `update` changes it; `render` draws it.
public struct DashboardState: Sendable {
    /// The data's clock: ages and overdue checks (the simulator's fast clock in demo mode).
    public var now: Date
    /// Real time: when to refresh next, how long a flash stays. The same as `now` outside the demo.
    public var wall: Date
    public var size: Size
    public var rows: [WatchedOrder] = []
    public var loaded = false
    public var stack: [Frame] = [Frame(.watchlist)]
    public var details: [Int64: Detail] = [:]
    public var sort: SortMode = .attention
    /// `/`: the watchlist shows only rows whose id, label, status, stage or ARN contain this.
    public var filter = ""
    /// The filter is being typed: keys go to it.
    public var editingFilter = false
    public var rule: OverdueRule

    // Refreshing
    public var interval: TimeInterval
    public var paused = false
    public var inFlight: Set<Int64> = []
    public var refreshTotal = 0
    public var refreshDone = 0
    public var lastRefresh: Date?
    public var nextRefresh: Date?

    /// When each order was last on screen (opened); rows changed after that carry a marker.
    public var seen: [Int64: Date] = [:]
    public var flash: Flash?
    public var overlay: Overlay?
    public var themeName: String
    public var demo: Bool

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

    /// The watchlist in the chosen order.
    public var sortedRows: [WatchedOrder] {
        let now = self.now
        switch sort {
        case .attention:
            return rows.sorted { a, b in
                let (ra, rb) = (Self.attention(a, now: now), Self.attention(b, now: now))
                if ra != rb { return ra < rb }
                let (ca, cb) = (a.changedAt ?? .distantPast, b.changedAt ?? .distantPast)
                if ca != cb { return ca > cb }
                return a.order.referenceID < b.order.referenceID
            }
        case .recent:
            return rows.sorted { ($0.changedAt ?? .distantPast, $1.order.referenceID) > ($1.changedAt ?? .distantPast, $0.order.referenceID) }
        case .reference:
            return rows.sorted { $0.order.referenceID < $1.order.referenceID }
        }
    }

    /// The watchlist as shown: sorted, then filtered.
    public var visibleRows: [WatchedOrder] {
        let needle = filter.trimmingCharacters(in: .whitespaces).lowercased()
        guard !needle.isEmpty else { return sortedRows }
        return sortedRows.filter { Self.matches($0, needle) }
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
