import Foundation
import RefundKit
import ServiceLifecycle
import WatchlistModel

/// One cycle of a poller: what was due, what was fetched, and when the next order is due.
public struct PollCycle: Sendable {
    public var summary: RefreshSummary?
    public var fetched: Int { summary?.orders ?? 0 }
    /// Some order failed, or was stored without PayU's side: the cycle's line is a warning.
    public var hadProblems: Bool { summary?.problemsLine != nil }
    /// The plan after the cycle: what is due next, and when.
    public var after: PollPlan
    /// When the cycle ended, on the data's clock.
    public var now: Date

    public init(summary: RefreshSummary?, after: PollPlan, now: Date) {
        self.summary = summary
        self.after = after
        self.now = now
    }

    /// Fetches the orders due now, claiming them a batch at a time (`Claims`). Once a graceful
    /// shutdown begins no further order is started and those in flight finish and are stored;
    /// cancelling the task cuts them short (nothing is written for those: `interrupted`).
    ///
    /// `askedOnly`: only the orders waiting for a poller (asked for by a push or a dashboard, or
    /// never fetched), not those the schedule makes due: what `listen` fetches with no poller.
    public static func run(store: any WatchlistStore, refresher: WatchlistRefresher, policy: PollPolicy,
                           clock: @escaping @Sendable () -> Date, poller: Poller, askedOnly: Bool = false) async throws(StoreError) -> PollCycle {
        let rows = try await store.watchlist()
        let plannedAt = clock()
        var plan = PollPlan(rows, policy: policy, now: plannedAt, ahead: policy.interval / 2)
        if askedOnly {
            let asked = Set(rows.filter { $0.requestedAt != nil || $0.attempts == 0 }.compactMap(\.order.id))
            plan.due = plan.due.filter { $0.id.map(asked.contains) ?? false }
        }
        var summary: RefreshSummary?
        if !plan.due.isEmpty {
            let started = ContinuousClock.now
            let claims = Claims(store: store, poller: poller, due: plan.due, rows: rows, batch: refresher.window)
            let results = try await refresher.refresh(feed: { () async throws(StoreError) -> [TrackedOrder] in try await claims.next() },
                                                      stopping: { Task.isShuttingDownGracefully })
            var made = RefreshSummary(results: results.sorted { ($0.order.id ?? 0) < ($1.order.id ?? 0) }, tracked: rows.count, plan: plan,
                                      seconds: Self.seconds(ContinuousClock.now - started), overdue: 0)
            made.plannedAt = plannedAt
            summary = made
        }
        let now = clock()
        // Cancelled (a stop whose grace ran out): the store would refuse the read; the plan made
        // before is what is left to say.
        let after = summary == nil || Task.isCancelled ? plan : PollPlan(try await store.watchlist(), policy: policy, now: now)
        return PollCycle(summary: summary, after: after, now: now)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }

    /// Until the next order is due, in real seconds: at least a second, at most one interval.
    /// `rate`: seconds of the data's clock per real second (60 in the demo).
    public func wait(rate: Double, interval: Double) -> Double {
        if !after.due.isEmpty { return 1 }
        let next = [after.nextWaiting, after.nextSettled].compactMap { $0 }.min()
        let until = next.map { $0.timeIntervalSince(now) / rate } ?? interval
        return min(interval, max(1, until))
    }

    /// "fetched 4 of 9,816 orders in 1.2 s: 1 changed, 0 failed · next due in 18s"; a failure and
    /// an order stored without PayU's side are named with the first reason:
    /// "…: 0 changed, 1 failed (first: ORD-1: …), 2 partly failed: PayU could not be asked (first: ORD-2: …)".
    ///
    /// `schedule: false` leaves out when the next order is due and how many are archived (for
    /// `listen`, which fetches only what pushes ask for).
    public func line(rate: Double, schedule: Bool = true) -> String {
        var text: String
        if let summary, summary.orders > 0 {
            var parts = ["\(summary.changedOrders) changed"]
            if summary.firstFetched > 0 { parts.append("\(summary.firstFetched) new") }
            parts.append(summary.failedText)
            if let partly = summary.partlyFailedText { parts.append(partly) }
            let interrupted = summary.interrupted
            if interrupted > 0 { parts.append("\(interrupted) cut short by the stop") }
            if summary.alertsRaised > 0 { parts.append(plural(summary.alertsRaised, "alert") + " raised") }
            if summary.alertsResolved > 0 { parts.append(plural(summary.alertsResolved, "alert") + " resolved") }
            // Those cut short were started, not fetched.
            text = "fetched \(summary.orders - interrupted) of \(summary.tracked) orders in \(String(format: "%.1f", summary.seconds)) s: \(parts.joined(separator: ", "))"
        } else if summary != nil {
            text = "the orders due were taken by other pollers"
        } else if after.polled + after.archived == 0 {
            text = "the watchlist is empty: refundwatch track add REF... adds orders, and the next cycle fetches them"
        } else {
            text = "nothing due of \(after.polled + after.archived) orders"
        }
        guard schedule else { return text }
        if let next = [after.nextWaiting, after.nextSettled].compactMap({ $0 }).min() {
            text += " · next due in \(DurationText.short(next.timeIntervalSince(now) / rate))"
        }
        if after.archived > 0 { text += " · \(after.archived) archived" }
        return text
    }
}
