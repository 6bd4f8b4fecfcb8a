import Foundation
import RefundModel
import WatchlistModel

/// A key as the dashboard understands it; the terminal backend maps its codes to these.
public enum Key: Sendable, Hashable {
    case character(Character)
    /// Ctrl and a letter (`Ctrl-d` is `.control("d")`), other than the ones that are keys of
    /// their own on a terminal (Ctrl-H is Backspace, Ctrl-I Tab, Ctrl-M Enter, Ctrl-[ Esc).
    case control(Character)
    case up, down, left, right, pageUp, pageDown, home, end
    case enter, escape, backspace
}

/// A mouse event at a cell, as the terminal reports it.
public struct MouseEvent: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case click, doubleClick, wheelUp, wheelDown
    }

    public var kind: Kind
    public var x: Int
    public var y: Int

    public init(_ kind: Kind, x: Int, y: Int) {
        self.kind = kind
        self.x = x
        self.y = y
    }
}

/// Everything that can happen to the dashboard: a key, the clock, the terminal, a result.
public enum Action: Sendable {
    case key(Key)
    case mouse(MouseEvent)
    /// A second passed: the data's clock and real time (they differ in the demo).
    case tick(now: Date, wall: Date)
    case resize(Size)
    /// The first screen's rows and the whole watchlist's counts, read before the whole
    /// watchlist (which follows as `watchlistLoaded`).
    case watchlistPage(WatchlistPage)
    /// The whole watchlist as read. `mark` is the store's count of other processes' writes taken
    /// just before the read (`WatchlistStore.externalChanges`): watching for changes starts from
    /// it, so that nothing written between the read and the watch is missed.
    case watchlistLoaded([WatchedOrder], mark: Int? = nil)
    case detailLoaded(Int64, Detail)
    /// One order's fetch finished and was stored; `row` is its new watchlist row.
    case fetched(Int64, row: WatchedOrder?, error: ReportedError?)
    /// One order's stored report could not be read, so it was not refreshed (the history is kept).
    case unreadable(Int64, row: WatchedOrder?, message: String)
    /// A refresh stopped before these orders were done (the store failed): they are not in flight.
    case refreshFailed([Int64], message: String)
    /// Something the executable could not do (the database went away): shown, nothing lost.
    case failed(String)
    /// The APIs that asked us to slow down, and when requests to them resume.
    case slowdowns([RateSlowdown])
    /// The terminal now uses this theme.
    case themeChanged(String)
    /// The theme called this could not be used: why.
    case themeFailed(String, String)
    /// A look-up (`o`) finished: the order, or why there is none.
    /// `place`: the account (and payment configuration) that knew the order.
    case lookedUp(Int64, report: OrderReport?, error: ReportedError?, place: OrderPlace? = nil)
    /// `a` stored these orders (their rows as read back); the others were tracked already.
    case tracked(added: [WatchedOrder], alreadyTracked: [String])
    /// `d` removed the orders of this reference id (their stored ids).
    case untracked(String, ids: Set<Int64>)
    /// `e` wrote its file.
    case exported(ExportSummary)
    /// The team's unresolved alerts, the newest first.
    case alertsLoaded([Alert])
    /// One alert after it was acknowledged or snoozed here.
    case alertChanged(Alert)
    /// The overview's numbers, as read for this window.
    case overviewLoaded(Overview, OverviewWindow)
    /// The orders one part of the overview counts (a bar chosen): the watchlist opens on them.
    case overviewOrders(OverviewSelection, [Int64])
    /// `e` could not write its file: why.
    case exportFailed(String)
    /// Another process changed these orders: their rows as stored now (an id without a row was
    /// removed).
    case rowsChanged(Set<Int64>, rows: [WatchedOrder])
    /// The pollers whose heartbeats the store has (checked every few seconds). While one runs
    /// this dashboard fetches nothing itself.
    case pollersSeen([PollerPresence])
    /// When each source last pushed (`refundwatch listen`), read with the pollers' heartbeats.
    case pushesSeen([PushSource: Date])
    /// The dashboard's own receiver took a push (`--demo --push`): the orders waiting for a fetch
    /// now, and when each source last pushed.
    case pushed(asked: [Int64], pushes: [PushSource: Date])
    /// The views saved in the store, by name (read at start and again every few seconds).
    case viewsLoaded([SavedView])
    /// The pollers were asked to fetch these orders now (`r`, `R` while pollers run).
    case requested([Int64])
    /// A subscription stopped (the store went away, say) and starts again after `retryIn` seconds.
    case subscriptionFailed(Subscription.Kind, reason: String, retryIn: TimeInterval)
}

/// What the dashboard watches while it runs, started by `update` once the watchlist was read and
/// checked, and stopped when it quits. Each posts actions as things happen.
public enum Subscription: Sendable, Hashable {
    /// What other processes write to the store: `rowsChanged` with the rows they changed, or
    /// `watchlistLoaded` when a store can only say that something changed. `after` is the mark
    /// the watchlist was read at (`watchlistLoaded`): writes since then are read first.
    case changes(after: Int?)
    /// The pollers running on the store, every two seconds: `pollersSeen`; and when each source
    /// last pushed, when that changed: `pushesSeen`.
    case pollers
    /// Pauses the APIs asked for (throttling), as they begin and end: `slowdowns`.
    case slowdowns
    /// The views saved in the store (`refundwatch views save`), read at once and then every few
    /// seconds: `viewsLoaded` when they differ from the last read.
    case views
    /// The pushes the dashboard's own receiver takes (`--demo --push`), as they come: `pushed`.
    /// Nothing without one.
    case pushes

    public enum Kind: Sendable, Hashable {
        case changes, pollers, slowdowns, views, pushes
    }

    public var kind: Kind {
        switch self {
        case .changes: .changes
        case .pollers: .pollers
        case .slowdowns: .slowdowns
        case .views: .views
        case .pushes: .pushes
        }
    }
}

/// What `update` asks the executable to do; results come back as actions.
public enum Effect: Sendable, Hashable {
    /// Read the first page, then the whole watchlist (checked for damage before it is posted).
    case loadWatchlist
    /// Start watching; the runner holds it until the dashboard quits.
    case subscribe(Subscription)
    case loadDetail(Int64)
    /// Fetch these tracked orders (bounded concurrency) and store the results.
    case refresh([TrackedOrder])
    /// Load the theme called this and draw with it.
    case switchTheme(String)
    /// Fetch one order without storing it; the result comes back as `lookedUp` with this id.
    case lookup(Int64, referenceID: String)
    /// Add these reference ids to the watchlist (with the configuration's lookup ids), and read
    /// back the new rows only. `place`: where a looked-up order was found, kept with it; nil for
    /// the only account's, or with several accounts, found at the first fetch.
    case track([String], place: OrderPlace? = nil)
    /// Remove this reference id from the watchlist, with its history; `ids` are its rows here.
    case untrack(String, ids: Set<Int64>)
    /// Write these stored orders' refunds to a file (CSV, or JSON for a .json name), as `export` does.
    case export([Int64], path: String)
    /// Ask the pollers to fetch these orders now (they run on the same store).
    case requestFetch([Int64])
    /// Put this text on the clipboard (OSC 52).
    case copy(String)
    /// Read the unresolved alerts (`alertsLoaded` or `failed`).
    case loadAlerts
    /// Acknowledge an alert, signed by `by` (`alertChanged` or `failed`).
    case acknowledgeAlert(Int64, by: String, note: String?)
    /// Put an alert aside until `until` (`alertChanged` or `failed`).
    case snoozeAlert(Int64, until: Date)
    /// Read the overview's numbers over `period` (`overviewLoaded` or `failed`).
    case loadOverview(OverviewPeriod, OverviewWindow)
    /// Read the orders one part of the overview counts (`overviewOrders` or `failed`).
    case loadOverviewOrders(OverviewSelection, OverviewPeriod)
    /// Ring the bell or send a desktop notification: these bytes, written to the terminal as they are
    /// (`AlertNotice` made them safe).
    case ring(String)
    case quit
}

/// What an export wrote.
public struct ExportSummary: Sendable, Hashable {
    public var refunds: Int
    public var orders: Int
    /// Orders left out because they were never fetched.
    public var unfetched: Int
    /// The file, as a full path.
    public var path: String

    public init(refunds: Int, orders: Int, unfetched: Int, path: String) {
        self.refunds = refunds
        self.orders = orders
        self.unfetched = unfetched
        self.path = path
    }
}
