import Foundation
import RefundKit
import WatchlistModel

/// Fetches tracked orders and stores what came back: each order's report, summary and changes as
/// one transaction the moment its fetch finishes, so a refresh cut short keeps every order it got.
///
/// Requests in flight are bounded by the service's transport (`concurrency` in the configuration);
/// this keeps a window of orders in progress a little larger than that, so that an order waiting
/// for its PayU call never leaves the request limit unused.
public struct WatchlistRefresher: Sendable {
    public struct Result: Sendable {
        public enum Outcome: Sendable {
            case recorded(RecordOutcome)
            case failed(ReportedError)
            /// Removed from the watchlist (by another process) while it was being fetched.
            case removed
            /// Fetched, but its stored report cannot be read, so nothing was written for it
            /// (`StoreError.unreadableReport`); the other orders go on.
            case unreadable(StoreError)
            /// The refresh was cancelled while this order was being fetched: nothing was written
            /// for it, neither a report nor a failure.
            case interrupted
        }

        public var order: TrackedOrder
        public var outcome: Outcome
        /// The alerts this fetch raised and resolved (for the whole team: another process seeing
        /// the same event raises nothing).
        public var alerts = AlertSync()
    }

    public let store: any WatchlistStore
    public let service: RefundService
    public let rules: DeadlineRules
    public let thresholds: AlertThresholds
    private let now: @Sendable () -> Date
    private let token = TokenAlertCheck()
    /// Whether fetches raise and resolve alerts (always, but for the benchmark that measures what
    /// alerts cost a cycle).
    public var raisesAlerts = true

    public init(store: any WatchlistStore, service: RefundService, rules: DeadlineRules, thresholds: AlertThresholds = AlertThresholds(),
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.service = service
        self.rules = rules
        self.thresholds = thresholds
        self.now = now
    }

    /// Orders fetched at once: twice the request limit, so the limit stays busy.
    public var window: Int { max(2, service.configuration.http.concurrency * 2) }

    /// Fetches every order once. `progress` is called after each order is stored, with the number
    /// done so far. Throws only when the database cannot be written; fetch failures, and an order
    /// whose stored report cannot be read, are results.
    ///
    /// Once `stopping` says so, no further order is started; those in flight finish and are
    /// stored, and the orders never started are not in the results. Cancelling the task cuts the
    /// ones in flight short: they are `.interrupted` and nothing is written for them.
    public func refresh(_ orders: [TrackedOrder], progress: @Sendable (Result, Int) async -> Void = { _, _ in },
                        stopping: @escaping @Sendable () -> Bool = { false }) async throws(StoreError) -> [Result] {
        let given = Given(orders)
        return try await refresh(feed: { given.take() }, progress: progress, stopping: stopping)
    }

    /// As `refresh(_:)`, with the orders asked for as they are needed: `feed` is called whenever
    /// fewer than `window` orders are in flight and the last batch it gave is used up, and an
    /// empty batch means there are no more. A poller feeds the orders it has just claimed, so that
    /// it holds no more leases than it is about to use.
    public func refresh(feed: @escaping @Sendable () async throws(StoreError) -> [TrackedOrder],
                        progress: @Sendable (Result, Int) async -> Void = { _, _ in },
                        stopping: @escaping @Sendable () -> Bool = { false }) async throws(StoreError) -> [Result] {
        var results: [Result] = []
        var storeFailure: StoreError?
        await withTaskGroup(of: (TrackedOrder, Swift.Result<RefundService.Located, RefundWatchError>).self) { group in
            var queue: [TrackedOrder] = []
            var next = 0
            var exhausted = false
            var running = 0
            func topUp() async throws(StoreError) {
                while running < window, !stopping(), !Task.isCancelled {
                    if next == queue.count {
                        guard !exhausted else { return }
                        queue = try await feed()
                        next = 0
                        if queue.isEmpty { exhausted = true; return }
                    }
                    let order = queue[next]
                    next += 1
                    running += 1
                    group.addTask { (order, await Self.locate(order, service)) }
                }
            }
            do throws(StoreError) {
                try await topUp()
            } catch {
                storeFailure = error
                return
            }
            while let (order, fetched) = await group.next() {
                running -= 1
                // Cut short by the stop (the task cancelled once its grace ran out): nothing more
                // is written, not even an answer already in hand, since the store refuses a
                // cancelled task's reads and writes (GRDB throws CancellationError); and a fetch
                // that failed, or whose PayU side failed, failed only because its calls were cancelled.
                if Task.isCancelled {
                    let result = Result(order: order, outcome: .interrupted)
                    results.append(result)
                    await progress(result, results.count)
                    continue
                }
                do throws(StoreError) {
                    let result = try await store(order, fetched)
                    results.append(result)
                    await progress(result, results.count)
                    try await topUp()
                } catch {
                    storeFailure = error
                    group.cancelAll()
                    break
                }
            }
        }
        if let storeFailure { throw storeFailure }
        return results
    }

    /// A fixed list of orders as a feed: all of them at once, then none.
    private final class Given: @unchecked Sendable {
        private var orders: [TrackedOrder]?
        private let lock = NSLock()
        init(_ orders: [TrackedOrder]) { self.orders = orders }
        func take() -> [TrackedOrder] { lock.withLock { defer { orders = nil }; return orders ?? [] } }
    }

    private func store(_ order: TrackedOrder, _ fetched: Swift.Result<RefundService.Located, RefundWatchError>) async throws(StoreError) -> Result {
        guard var id = order.id else { return Result(order: order, outcome: .removed) }
        var order = order
        switch fetched {
        case .success(let located):
            let report = located.report
            // Found under an account it was not known to belong to (or under one of its account's
            // payment configurations): remembered, so later fetches go straight there.
            let place = located.place
            if order.account != place.account || order.phoneNumberID != place.phoneNumberID || order.paymentConfigID != place.paymentConfigID {
                guard let placed = try await store.place(orderID: id, at: place) else { return Result(order: order, outcome: .removed) }
                id = placed
                order.id = placed
                order.account = place.account
                order.phoneNumberID = place.phoneNumberID
                order.paymentConfigID = place.paymentConfigID
            }
            let recorded: RecordOutcome
            do throws(StoreError) {
                guard let stored = try await store.record(report, orderID: id, rules: rules) else { return Result(order: order, outcome: .removed) }
                recorded = stored
            } catch where error.kind == .unreadableReport {
                return Result(order: order, outcome: .unreadable(error))
            }
            guard raisesAlerts else { return Result(order: order, outcome: .recorded(recorded)) }
            // The stored report: PayU's earlier answer kept where PayU failed this time.
            let conditions = AlertDraft.conditions(for: recorded.report, orderID: id, rules: rules, thresholds: thresholds, now: report.fetchedAt)
            var alerts = try await store.syncAlerts(orderID: id, judged: AlertRule.fromReport, active: conditions, at: report.fetchedAt)
            if let tokenSync = try await syncTokenAlert(report) {
                alerts.raised += tokenSync.raised
                alerts.resolved += tokenSync.resolved
            }
            return Result(order: order, outcome: .recorded(recorded), alerts: alerts)
        case .failure(let error):
            let reported = ReportedError(error)
            let at = now()
            try await store.recordFailure(reported, at: at, orderID: id)
            guard raisesAlerts else { return Result(order: order, outcome: .failed(reported)) }
            // Failing since the last good fetch (or since the order was added).
            let since = try await store.watchedOrder(id: id).map { $0.fetchedAt ?? $0.order.addedAt } ?? order.addedAt
            let draft = AlertDraft.fetchFailing(orderID: id, referenceID: order.referenceID, since: since, error: reported, thresholds: thresholds, now: at)
            let alerts = try await store.syncAlerts(orderID: id, judged: [.fetchFailing], active: draft.map { [$0] } ?? [], at: at)
            return Result(order: order, outcome: .failed(reported), alerts: alerts)
        }
    }

    /// One order's lookup as a `Result`. A function of its own on purpose: Swift 6.3.1's optimizer
    /// miscompiles a task group's child closure that returns a tuple from a `do throws(…)`/`catch`
    /// (in release builds the tuple came back as garbage, or the heap was corrupted). Debug
    /// builds are not affected.
    private static func locate(_ order: TrackedOrder, _ service: RefundService) async -> Swift.Result<RefundService.Located, RefundWatchError> {
        do throws(RefundWatchError) {
            return .success(try await service.locate(referenceID: order.referenceID, account: order.account,
                                                     phoneNumberID: order.phoneNumberID, paymentConfigID: order.paymentConfigID))
        } catch {
            return .failure(error)
        }
    }

    /// PayU refusing its token is one alert for the whole watchlist: raised by the first order
    /// that meets the refusal, resolved by an order PayU answered again. The resolving is tried at
    /// most once a minute, not once an order.
    private func syncTokenAlert(_ report: OrderReport) async throws(StoreError) -> AlertSync? {
        let refused = report.transactions.compactMap(\.payuError).first { $0.category == .authentication && $0.service == .payu }
        if let refused {
            return try await store.syncAlerts(orderID: nil, judged: [.payuToken], active: [AlertDraft.payuToken(refused, now: report.fetchedAt)], at: report.fetchedAt)
        }
        let answered = report.transactions.contains { $0.payuQueried && $0.payuError == nil }
        guard answered, token.shouldResolve(at: report.fetchedAt) else { return nil }
        return try await store.syncAlerts(orderID: nil, judged: [.payuToken], active: [], at: report.fetchedAt)
    }

    /// When this refresher last tried to resolve PayU's token alert.
    private final class TokenAlertCheck: @unchecked Sendable {
        private let lock = NSLock()
        private var last: Date?

        func shouldResolve(at now: Date) -> Bool {
            lock.withLock {
                if let last, abs(now.timeIntervalSince(last)) < 60 { return false }
                last = now
                return true
            }
        }
    }
}
