import Foundation
import RefundKit

/// What every part of refundwatch asks of the watchlist's storage: the tracked orders, each one's
/// last good report with its summary and last failure, the history of changes, and facts about the
/// store. `RefundStore` keeps it in one SQLite file (a person's); the same behaviour on PostgreSQL
/// (a team's) is the other implementation to come.
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
    /// The last good report; nil if never fetched. A stored report that cannot be read throws.
    func report(orderID: Int64) async throws(StoreError) -> OrderReport?
    func reports() async throws(StoreError) -> [(order: TrackedOrder, report: OrderReport?)]
    /// Stores a successful fetch with its summary and changes, in one transaction; nil when the
    /// order was removed meanwhile.
    func record(_ fetched: OrderReport, orderID: Int64, rule: OverdueRule) async throws(StoreError) -> RecordOutcome?
    /// Stores a failed fetch; the last good report stays.
    func recordFailure(_ error: ReportedError, at date: Date, orderID: Int64) async throws(StoreError)
    func history(orderID: Int64) async throws(StoreError) -> [HistoryEntry]
    func metadata(_ key: String) async throws(StoreError) -> String?
    func setMetadata(_ key: String, _ value: String) async throws(StoreError)
    /// Reads the whole store for damage, where that means something (a file).
    func verify() async throws(StoreError)
    /// A number that changes when another process has written since the last call.
    func externalChanges() async throws(StoreError) -> Int
}

extension RefundStore: WatchlistStore {
    public var location: String { path }
}
