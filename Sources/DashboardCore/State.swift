import Foundation
import RefundModel
import WatchlistModel

/// Where the dashboard is: the watchlist, or one order, one of its transactions, one refund.
public enum View: Sendable, Hashable {
    case watchlist
    case order(Int64)
    case transaction(Int64, transaction: Int)
    case refund(Int64, transaction: Int, refund: Int)
    /// The team's alerts (`!`).
    case alerts
    /// The whole desk in charts (`v`).
    case overview

    public var orderID: Int64? {
        switch self {
        case .watchlist, .alerts, .overview: nil
        case .order(let id), .transaction(let id, _), .refund(let id, _, _): id
        }
    }
}

/// One level of the breadcrumb with its own cursor, so going back lands where you were.
public struct Frame: Sendable, Hashable {
    public var view: View
    /// The item the cursor is on (a list), or unused (a page).
    public var selected = 0
    /// The first item (or line) drawn.
    public var top = 0
    /// The user put the cursor where it is. Until then it stays on the first row while a refresh
    /// re-sorts the rows under it (the order that most needs attention); afterwards it follows its
    /// order. `g` (Home) pins it to the top again.
    public var moved = false

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
    /// The soonest deadline first (the latest late one leads); orders without one last.
    case deadline = "deadline"

    public var next: SortMode {
        let all = SortMode.allCases
        return all[(all.firstIndex(of: self)! + 1) % all.count]
    }

    /// The sort as a saved view writes it (`sort = "deadline"`).
    public var viewSort: ViewSort {
        switch self {
        case .attention: .attention
        case .recent: .recent
        case .reference: .reference
        case .deadline: .deadline
        }
    }

    public init(_ sort: ViewSort) {
        switch sort {
        case .attention: self = .attention
        case .recent: self = .recent
        case .reference: self = .reference
        case .deadline: self = .deadline
        }
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
        /// `A` on the alerts screen: an optional note, then Enter acknowledges this alert.
        case acknowledge(Int64)
        /// `z` on the alerts screen: for how long this alert is put aside.
        case snooze(Int64)
    }

    public var kind: Kind
    public var text: String

    public init(_ kind: Kind, text: String = "") {
        self.kind = kind
        self.text = text
    }
}

/// The pollers the store knew of at one moment.
public struct PollersSeen: Sendable, Hashable {
    public var count: Int
    /// Seconds since the latest cycle of any of them ended, as of `at` (nil: none ended yet).
    public var sinceCycle: TimeInterval?
    /// When they were counted (wall clock).
    public var at: Date

    public init(count: Int, sinceCycle: TimeInterval?, at: Date) {
        self.count = count
        self.sinceCycle = sinceCycle
        self.at = at
    }
}

/// A bar of the overview opened as the watchlist: what it stands for and exactly its orders.
public struct Drill: Sendable, Hashable {
    public var selection: OverviewSelection
    public var orderIDs: [Int64]

    public init(selection: OverviewSelection, orderIDs: [Int64]) {
        self.selection = selection
        self.orderIDs = orderIDs
    }
}

/// An order looked up with `o`: shown like a tracked one, stored nowhere.
public struct Lookup: Sendable, Hashable {
    public var referenceID: String
    /// Why the last look-up failed; nil while it runs or when it worked.
    public var error: ReportedError?
    public var inFlight = true
    /// The account (and payment configuration) that knew the order, once looked up.
    public var place: OrderPlace?

    public init(referenceID: String) { self.referenceID = referenceID }
}

/// Everything the dashboard shows, as a value. `update` changes it; `render` draws it.
public struct DashboardState: Sendable {
    /// The data's clock: ages and overdue checks (the simulator's fast clock in demo mode).
    public var now: Date {
        get { index.now }
        set {
            let before = index.now
            index.setNow(newValue)
            if newValue < before {
                // A clock set back: what was archived may not be yet.
                schedule.reset(rows, now: newValue)
            } else {
                schedule.advance(to: newValue)
            }
        }
    }
    /// Real time: when to refresh next, how long a flash stays. The same as `now` outside the demo.
    public var wall: Date
    public var size: Size
    /// The watchlist: stored rows, sorted and filtered. Change it with `setRows` and `replaceRow`.
    public private(set) var index: WatchlistIndex
    public var loaded = false
    /// The breadcrumb: the watchlist, then what was opened from it, each with its own cursor.
    public var stack: [Frame] = [Frame(.watchlist)]
    /// The orders open (or once opened), by id: their reports and histories.
    public var details: [Int64: Detail] = [:]
    public var sort: SortMode {
        get { index.sort }
        set { index.setSort(newValue) }
    }
    /// `/`: the watchlist shows only rows whose id, label, status, stage or ARN contain this.
    public var filter: String {
        get { index.filter }
        set { index.setFilter(newValue) }
    }
    /// A line being typed at the bottom (filter, look up, add, export) or a question waiting for y.
    public var prompt: Prompt?
    public var rules: DeadlineRules

    // Refreshing
    public var interval: TimeInterval { didSet { reschedule() } }
    public var paused = false
    /// `--no-fetch`: nothing is fetched or written here; what other processes store shows up.
    public var readOnly = false
    /// Pollers running on this store, as last seen: while there is one, this dashboard fetches
    /// nothing itself and `r`/`R` ask the pollers.
    public var pollers: PollersSeen?
    /// When each source last pushed (`refundwatch listen`, on the same store); empty when none has.
    public var lastPushes: [PushSource: Date] = [:]
    /// Orders the pollers were asked for and have not stored yet.
    public var requested: Set<Int64> = []
    public var inFlight: Set<Int64> = []
    public var refreshTotal = 0
    public var refreshDone = 0
    public var lastRefresh: Date?
    /// When the next round starts (wall clock): each round fetches the orders due by then.
    public var nextRefresh: Date?
    /// Seconds of `now` per second of `wall` (60 in the demo), so that intervals on the wall
    /// clock and due times on the data's clock agree.
    public var clockRate: Double = 1 { didSet { reschedule() } }
    /// `settled_interval` and `archive_after`, on the data's clock.
    public var settledInterval: TimeInterval = PollPolicy.defaultSettledInterval { didSet { reschedule() } }
    public var archiveAfter: TimeInterval = PollPolicy.defaultArchiveAfter { didSet { reschedule() } }
    /// When each order is due, kept up to date with the rows and the clock: what the status line
    /// shows and what a round fetches.
    public private(set) var schedule = PollSchedule(policy: PollPolicy())

    /// When each order is due: `interval` on the wall clock is `interval × clockRate` on the data's.
    public var pollPolicy: PollPolicy {
        PollPolicy(interval: interval * clockRate, settledInterval: settledInterval, archiveAfter: archiveAfter)
    }

    /// Orders looked up with `o` without tracking them, by the id their views use (negative, so it
    /// never meets a stored order's).
    public var lookups: [Int64: Lookup] = [:]
    /// When each order was last on screen (opened); rows changed after that carry a marker.
    public var seen: [Int64: Date] = [:]
    public var flash: Flash?
    /// Pauses the APIs asked for (throttling); the status line shows those still running.
    public var slowdowns: [RateSlowdown] = []
    public var overlay: Overlay?
    /// The first line of the help shown, when it is longer than the screen.
    public var helpTop = 0
    /// Clicks, double clicks and the wheel act (`mouse = false` in the configuration turns them
    /// off, so that the terminal's own text selection works).
    public var mouse = true
    public var themeName: String
    public var demo: Bool
    /// The zone exact times are shown in (and the export's file is named in).
    public var timeZone: TimeZone {
        get { times.timeZone }
        set { times = TimeText(timeZone: newValue) }
    }
    /// How exact times are written: made once for the zone, not once a frame.
    public private(set) var times = TimeText(timeZone: .current)
    /// The watchlist's row texts, kept between frames (see `RowTextCache`).
    let rowTexts = RowTextCache()

    // Alerts
    /// The team's unresolved alerts, the newest first, as last read from the store.
    public var alerts: [Alert] = []
    /// They were read at least once (before that the title bar counts none).
    public var alertsLoaded = false
    /// Something was stored since they were read: read them again on the next tick.
    public var alertsStale = false
    /// The highest alert id seen: a higher one is new, and rings.
    public var alertMark: Int64?
    /// New alerts not yet rung for (at most one ring or notification each 10 seconds).
    public var unannounced: [Alert] = []
    public var lastAnnounced: Date?
    /// `[alerts] notify`: the bell, a desktop notification (OSC 777 or OSC 9), or nothing.
    public var notify: NotifyStyle = .bell
    /// Inside tmux, a notification goes through its passthrough.
    public var insideTmux = false
    /// Who acknowledges (`[alerts] user`, else the login).
    public var person = "me"

    // The overview
    /// The desk's numbers as last read from the store; nil before the first read.
    public var overview: Overview?
    /// The window the overview looks back over (`w` cycles it).
    public var overviewWindow: OverviewWindow = .week
    /// Something was stored since the overview was read: read it again on the next tick while
    /// it is on screen.
    public var overviewStale = false
    /// A read of the overview is under way.
    public var overviewLoading = false
    /// Block characters, or ASCII under a locale that is not UTF-8.
    public var glyphs: ChartGlyphs = .unicode
    /// Braille for the finer lines (`braille = false` in the configuration turns it off; never
    /// under ASCII).
    public var braille = true
    /// The configured accounts' names, in the configuration's order. With more than one, the
    /// watchlist has an ACCOUNT column and an order says its account.
    public var accounts: [String] = []
    public var showsAccounts: Bool { accounts.count > 1 }
    /// `[[views]]` of the configuration, and the views saved in the store (read as the dashboard
    /// starts and every few seconds after): `views` is what the keys `1`–`9` choose from.
    public var configuredViews: [SavedView] = [] { didSet { views = SavedView.offered(configured: configuredViews, stored: storedViews) } }
    public var storedViews: [SavedView] = [] { didSet { views = SavedView.offered(configured: configuredViews, stored: storedViews) } }
    public private(set) var views: [SavedView] = []
    /// The view in force, as it was chosen (its filter, sort and columns); nil: no view, every
    /// column the width allows.
    public var activeView: SavedView?
    /// Whether the filter or the sort was changed since the view was chosen (the title says so).
    public var viewChanged: Bool {
        guard let view = activeView else { return false }
        return view.filter != filter || view.sort != sort.viewSort
    }
    /// The part of the overview the watchlist is narrowed to (a bar chosen there), with its
    /// orders; nil when the watchlist shows every order.
    public var drill: Drill? {
        didSet { index.setSubset(drill.map { Set($0.orderIDs) }) }
    }

    /// Alerts nobody has acknowledged or snoozed.
    public var openAlerts: Int { alerts.reduce(0) { $0 + ($1.state(at: now) == .open ? 1 : 0) } }

    public init(now: Date, wall: Date? = nil, size: Size, interval: TimeInterval, rules: DeadlineRules = DeadlineRules(), themeName: String = "default", demo: Bool = false) {
        index = WatchlistIndex(now: now)
        self.wall = wall ?? now
        self.size = size
        self.interval = interval
        self.rules = rules
        self.themeName = themeName
        self.demo = demo
        nextRefresh = self.wall
        schedule = PollSchedule(policy: pollPolicy)
    }

    public var frame: Frame {
        get { stack[stack.count - 1] }
        set { stack[stack.count - 1] = newValue }
    }

    public var isRefreshing: Bool { !inFlight.isEmpty }

    /// Pollers do the fetching: one was seen in the store lately.
    public var pollersRun: Bool { (pollers?.count ?? 0) > 0 }

    /// The filter is being typed: keys go to it.
    public var editingFilter: Bool { prompt?.kind == .filter }

    // MARK: - The watchlist

    public var rows: [WatchedOrder] { index.rows }
    /// The header's counts: the database's while only the first page is here.
    public var totals: WatchlistTotals { pageTotals ?? index.totals }
    /// Set while the rows are only the first page (`watchlistPage`): the whole watchlist's counts.
    public var pageTotals: WatchlistTotals?

    public mutating func setRows(_ rows: [WatchedOrder]) {
        index.setRows(rows)
        schedule.reset(rows, policy: pollPolicy, now: now)
    }

    /// One order's new row after a fetch: moved to its new place without sorting the others.
    public mutating func replaceRow(_ row: WatchedOrder) {
        guard let id = row.order.id, let old = index.row(id: id) else { return }
        index.replace(row)
        schedule.update(row, replacing: old, now: now)
    }

    /// Other processes' changes: these ids' rows as stored now (an id without a row is gone).
    public mutating func applyChanges(_ ids: Set<Int64>, rows: [WatchedOrder]) {
        let old = ids.map { index.row(id: $0) }
        index.apply(ids, rows: rows)
        for row in old { schedule.update(nil, replacing: row, now: now) }
        for row in rows { schedule.update(row, replacing: nil, now: now) }
    }

    /// The policy changed (`+`, `-`): every order's due time again.
    private mutating func reschedule() {
        guard schedule.policy != pollPolicy else { return }
        schedule.reset(rows, policy: pollPolicy, now: now)
    }

    public func row(id: Int64) -> WatchedOrder? { index.row(id: id) }
    public var visibleCount: Int { index.count }
    /// Where an order is in the list as shown, if it is shown.
    public func visibleIndex(of id: Int64) -> Int? { index.shownIndex(of: id) }
    public func visibleRow(_ position: Int) -> WatchedOrder? { index[shown: position] }
    /// The watchlist as shown: sorted, then filtered.
    public var visibleRows: [WatchedOrder] { index.shownRows }
    /// The watchlist in the chosen order, unfiltered.
    public var sortedRows: [WatchedOrder] { index.sortedRows }

    /// Changed since the operator last opened it.
    public func isUnseenChange(_ row: WatchedOrder) -> Bool {
        guard let changed = row.changedAt, let id = row.order.id else { return false }
        return changed > (seen[id] ?? .distantPast)
    }
}

/// Exact times as the dashboard writes them, `2026-11-22 14:05:09` in the state's zone: an ISO 8601
/// format style made once (building a `DateFormatter` costs about 350 µs on Linux; formatting with
/// this about 1 µs).
public struct TimeText: Sendable {
    public let timeZone: TimeZone
    private let style: Date.ISO8601FormatStyle
    private let compact: Date.ISO8601FormatStyle

    public init(timeZone: TimeZone) {
        self.timeZone = timeZone
        style = Date.ISO8601FormatStyle(dateSeparator: .dash, dateTimeSeparator: .space, timeSeparator: .colon, timeZoneSeparator: .omitted,
                                        includingFractionalSeconds: false, timeZone: timeZone).year().month().day().time(includingFractionalSeconds: false)
        compact = Date.ISO8601FormatStyle(dateSeparator: .omitted, dateTimeSeparator: .standard, timeSeparator: .omitted, timeZoneSeparator: .omitted,
                                          includingFractionalSeconds: false, timeZone: timeZone).year().month().day().time(includingFractionalSeconds: false)
    }

    /// `2026-11-22 14:05:09`.
    public func exact(_ date: Date) -> String { style.format(date) }

    /// `20261122-140509`, for file names.
    public func fileStamp(_ date: Date) -> String { compact.format(date).replacingOccurrences(of: "T", with: "-") }
}
