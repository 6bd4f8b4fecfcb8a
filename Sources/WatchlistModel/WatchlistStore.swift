import Foundation
import RefundModel

/// What every part of refundwatch asks of the watchlist's storage: the tracked orders, each one's
/// last good report with its summary and last failure, the history of changes, and facts about the
/// store. `SQLiteStore` keeps it in one SQLite file (a person's), `PostgresStore` in a PostgreSQL
/// database (a team's), with the same behaviour (`WatchlistStoreContractTests` runs on both).
///
/// Every method may wait (a server is a network away), and throws `StoreError`, which names the
/// store and says what to do. Every order's report, summary and history are written in one
/// transaction: a process stopped at any moment leaves whole orders only.
public protocol WatchlistStore: Sendable {
    /// The store as messages name it: a file's path, or a server's URL without its password.
    var location: String { get }

    /// Adds orders; one already tracked (same reference id and lookup ids) is a duplicate.
    func add(_ orders: [TrackedOrder]) async throws(StoreError) -> AddOutcome
    /// Removes every entry with one of these reference ids; returns those that were tracked.
    func remove(referenceIDs: [String]) async throws(StoreError) -> [String]
    func trackedOrders() async throws(StoreError) -> [TrackedOrder]
    func orders(referenceID: String) async throws(StoreError) -> [TrackedOrder]
    func count() async throws(StoreError) -> Int
    /// Every order with its summary, fetch times and last failure, in the order added.
    func watchlist() async throws(StoreError) -> [WatchedOrder]
    func watchedOrder(id: Int64) async throws(StoreError) -> WatchedOrder?
    /// The first `limit` rows in the dashboard's default order at `now` (the data's clock), and
    /// the whole watchlist's counts: a dashboard's first screen, read in one go however long the
    /// watchlist.
    func firstPage(limit: Int, now: Date) async throws(StoreError) -> WatchlistPage
    /// The rows of these orders, in watchlist order; an order removed is absent.
    func watchedOrders(ids: [Int64]) async throws(StoreError) -> [WatchedOrder]
    /// The last good report; nil if never fetched. A stored report that cannot be read throws.
    func report(orderID: Int64) async throws(StoreError) -> OrderReport?
    /// Every order with its last good report (nil: never fetched), in the order added. A stored
    /// report that cannot be read throws.
    func reports() async throws(StoreError) -> [(order: TrackedOrder, report: OrderReport?)]
    /// The same for these orders only: no other order's report is read.
    func reports(orderIDs: [Int64]) async throws(StoreError) -> [(order: TrackedOrder, report: OrderReport?)]
    /// Stores a successful fetch with its summary and changes, in one transaction; nil when the
    /// order was removed meanwhile.
    func record(_ fetched: OrderReport, orderID: Int64, rules: DeadlineRules) async throws(StoreError) -> RecordOutcome?
    /// Remembers where an order was found (`OrderPlace`: the account and the payment configuration
    /// that knew it). When the watchlist holds the order there already under another entry, this
    /// entry is removed and the other's id is returned, for the fetch to be stored under it; else
    /// this entry's id. nil when the order was removed meanwhile.
    func place(orderID: Int64, at place: OrderPlace) async throws(StoreError) -> Int64?
    /// Stores a failed fetch; the last good report stays.
    func recordFailure(_ error: ReportedError, at date: Date, orderID: Int64) async throws(StoreError)
    func history(orderID: Int64) async throws(StoreError) -> [HistoryEntry]

    // MARK: The overview

    /// The whole desk's numbers over `period`, judged at its end (`Overview`), counted in SQL.
    func overview(_ period: OverviewPeriod) async throws(StoreError) -> Overview
    /// The orders counted in one part of that overview, by id, ascending.
    func overviewOrders(_ selection: OverviewSelection, period: OverviewPeriod) async throws(StoreError) -> [Int64]

    // MARK: Alerts

    /// Brings the alerts of one order (nil: of the whole watchlist) up to date with the
    /// conditions that hold now, for the rules `judged`: a draft whose key is not stored yet is
    /// raised, once for the whole team however many processes see it at once; an unresolved
    /// alert of those rules whose condition is gone is resolved. Nothing is written for an order
    /// no longer tracked.
    func syncAlerts(orderID: Int64?, judged: Set<AlertRule>, active: [AlertDraft], at date: Date) async throws(StoreError) -> AlertSync
    /// Alerts, the newest first: unresolved ones only, or every one when `resolved` is true.
    func alerts(resolved: Bool, limit: Int) async throws(StoreError) -> [Alert]
    func alert(id: Int64) async throws(StoreError) -> Alert?
    /// "I have it": who, when, and an optional note. nil when there is no such alert.
    func acknowledgeAlert(id: Int64, by person: String, note: String?, at date: Date) async throws(StoreError) -> Alert?
    /// Puts an alert aside until `until`. nil when there is no such alert.
    func snoozeAlert(id: Int64, until: Date) async throws(StoreError) -> Alert?
    /// Takes up to `limit` outbox items due at `date` that no other poller holds, as a lease
    /// until `date + lease`, the oldest first.
    func claimDeliveries(owner: String, limit: Int, lease: TimeInterval, at date: Date) async throws(StoreError) -> [OutboxItem]
    /// Records a try of an item this poller holds: the targets that have it now, and either done
    /// (`retryAt` nil) or the time of the next try with the error of this one. The lease ends.
    func finishDelivery(_ id: Int64, owner: String, deliveredTo: [String], retryAt: Date?, error: String?, at date: Date) async throws(StoreError)
    /// Items not delivered yet.
    func pendingDeliveries() async throws(StoreError) -> Int
    /// Keeps a push once (the same source and body again is a duplicate, and asks nothing) and
    /// asks for the tracked orders it names, as `requestFetch` does, marked as pushed by its
    /// source: orders by reference id (under the push's account when it names one), and by the
    /// PayU payment ids of their stored transactions. With `autoTrack`, a reference id no order
    /// has is added. Several pushes are one transaction (`recordPush` for one), their outcomes in
    /// their order; a push that repeats one before it in the same call is its duplicate.
    func recordPushes(_ pushes: [PushRecord]) async throws(StoreError) -> [PushOutcome]
    /// When each source last pushed.
    func lastPushes() async throws(StoreError) -> [PushSource: Date]
    /// Drops the bodies of pushes received before `date` (what they named is kept); how many.
    func forgetPushBodies(receivedBefore date: Date) async throws(StoreError) -> Int
    /// The views saved with `refundwatch views save`, by name (each `origin` `.store`).
    func savedViews() async throws(StoreError) -> [SavedView]
    /// Saves `view` under its name, replacing one of the same name (compared without regard to
    /// case); true when it replaced one.
    @discardableResult
    func saveView(_ view: SavedView) async throws(StoreError) -> Bool
    /// Removes the view of that name (without regard to case); false when there was none.
    func removeView(named name: String) async throws(StoreError) -> Bool
    func metadata(_ key: String) async throws(StoreError) -> String?
    func setMetadata(_ key: String, _ value: String) async throws(StoreError)
    /// Reads the whole store for damage, where that means something (a file).
    func verify() async throws(StoreError)
    /// A number that changes when another process has written since the last call.
    func externalChanges() async throws(StoreError) -> Int
    /// Tells `changed` what other processes write, as they write it, until the task is cancelled
    /// or the store goes away (then it throws). PostgreSQL names the orders (LISTEN/NOTIFY); an
    /// SQLite file says only that something changed, within `StoreChange.fileLatency`.
    ///
    /// `after`: a value of `externalChanges()` taken before the caller read what it shows. Once
    /// watching, if other processes have written since then, `changed` is told `.everything`
    /// first, so that nothing written between that read and the watch is missed.
    func watchChanges(after mark: Int?, _ changed: @escaping @Sendable (StoreChange) async -> Void) async throws(StoreError)

    // Pollers sharing the work: any number of `refundwatch poll` on one store.

    /// Leases to `poller`, for `lease` seconds, those of `candidates` that no other poller holds
    /// (or whose lease ran out) and that nobody fetched since they were read (`attempts`
    /// unchanged); returns the orders leased, in watchlist order. Storing an order's fetch ends its
    /// lease.
    func claim(_ candidates: [WatchedOrder], poller: String, lease: TimeInterval) async throws(StoreError) -> [TrackedOrder]
    /// A running poller's heartbeat: says it is alive (and, with `cycleEnded`, that a cycle just
    /// ended), and extends its leases by `lease` seconds from now.
    func beat(poller: String, host: String, pid: Int, cycleEnded: Bool, lease: TimeInterval) async throws(StoreError)
    /// A poller stopping: its row goes, and its leases are given back.
    func retire(poller: String) async throws(StoreError)
    /// Pollers whose last heartbeat is at most `seenWithin` seconds old, by the store's clock.
    func pollers(seenWithin: TimeInterval) async throws(StoreError) -> [PollerPresence]
    /// Asks the pollers to fetch these orders now (they count as due until fetched).
    func requestFetch(orderIDs: [Int64]) async throws(StoreError)
    /// Orders waiting for a poller now: asked for, or never fetched (just added), and held by
    /// none. A sleeping poller asks this every second.
    func waitingCount() async throws(StoreError) -> Int
}

extension WatchlistStore {
    /// One push, as `recordPushes` keeps them.
    public func recordPush(_ push: PushRecord) async throws(StoreError) -> PushOutcome {
        try await recordPushes([push]).first ?? PushOutcome(duplicate: true)
    }

    /// Watching from now on.
    public func watchChanges(_ changed: @escaping @Sendable (StoreChange) async -> Void) async throws(StoreError) {
        try await watchChanges(after: nil, changed)
    }
}

/// What another process changed.
public enum StoreChange: Sendable, Hashable {
    /// These orders' rows: added, changed or removed.
    case orders(Set<Int64>)
    /// Anything: read the watchlist again.
    case everything

    /// How often an SQLite file is asked whether another process wrote to it.
    public static let fileLatency: Duration = .milliseconds(250)
}

/// A poller that beat recently, as the store knows it.
public struct PollerPresence: Sendable, Hashable {
    /// A poller that has not beaten for this long (seconds) is taken for stopped.
    public static let aliveWithin: TimeInterval = 20

    public var id: String
    public var host: String
    public var pid: Int
    /// Seconds since its last heartbeat, and since its last cycle ended (nil: none yet).
    public var sinceBeat: TimeInterval
    public var sinceCycle: TimeInterval?

    public init(id: String, host: String, pid: Int, sinceBeat: TimeInterval, sinceCycle: TimeInterval?) {
        self.id = id
        self.host = host
        self.pid = pid
        self.sinceBeat = sinceBeat
        self.sinceCycle = sinceCycle
    }
}
