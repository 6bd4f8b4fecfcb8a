import Foundation
import Testing
import RefundModel
import WatchlistModel
import TestReports

/// `PollSchedule` keeps, order by order, what `PollPlan` works out over the whole watchlist: both
/// must say the same at every moment, on a seeded random watchlist whose rows change and whose
/// clock moves on (orders falling due, settled ones archived).
@Suite struct PollScheduleTests {
    typealias B = ReportBuilder
    let t0 = B.created

    /// A row in one of the states the schedule tells apart, fetched some time before `now`.
    func row(_ id: Int64, now: Date, _ random: inout SeededRandom) -> WatchedOrder {
        let order = TrackedOrder(id: id, referenceID: "ORD-\(id)", addedAt: t0)
        let fetched = now.addingTimeInterval(-Double(Int.random(in: 0...7_200, using: &random)))
        var summary = OrderSummary(B.order([]), rules: DeadlineRules())
        switch Int.random(in: 0..<6, using: &random) {
        case 0: return WatchedOrder(order: order)  // never fetched
        case 1: summary.settledAt = nil  // can still change
        case 2: summary.settledAt = fetched.addingTimeInterval(-Double(Int.random(in: 0...(20 * 86_400), using: &random)))
        case 3:
            // Failed lately, backing off.
            let failure = FetchFailure(error: ReportedError(category: .network, service: .kaleyra, message: "timed out"), at: fetched)
            return WatchedOrder(order: order, summary: summary, fetchedAt: fetched.addingTimeInterval(-600), failure: failure,
                                attemptedAt: fetched, failures: Int.random(in: 1...4, using: &random))
        case 4:
            // Settled, almost archived.
            summary.settledAt = now.addingTimeInterval(-PollPolicy.defaultArchiveAfter + Double(Int.random(in: 1...3_600, using: &random)))
        default:
            return WatchedOrder(order: order, summary: summary, fetchedAt: fetched, requestedAt: fetched)
        }
        return WatchedOrder(order: order, summary: summary, fetchedAt: fetched)
    }

    func expectSame(_ schedule: PollSchedule, _ rows: [WatchedOrder], policy: PollPolicy, now: Date, seed: UInt64,
                    sourceLocation: SourceLocation = #_sourceLocation) {
        let plan = PollPlan(rows, policy: policy, now: now)
        let context = "seed \(seed) (SEED=\(seed) repeats it), now +\(Int(now.timeIntervalSince(t0)))s"
        #expect(schedule.archived == plan.archived, "archived: \(context)", sourceLocation: sourceLocation)
        #expect(schedule.due(by: now).sorted() == plan.due.compactMap(\.id).sorted(), "due: \(context)", sourceLocation: sourceLocation)
        #expect(schedule.waiting(after: now).count == plan.waiting && schedule.waiting(after: now).next == plan.nextWaiting,
                "waiting: \(context)", sourceLocation: sourceLocation)
        #expect(schedule.settled(after: now).count == plan.settled && schedule.settled(after: now).next == plan.nextSettled,
                "settled: \(context)", sourceLocation: sourceLocation)
        for ahead in [0.0, 30, 900] {
            let by = now.addingTimeInterval(ahead)
            #expect(schedule.due(by: by).sorted() == PollPlan(rows, policy: policy, now: now, ahead: ahead).due.compactMap(\.id).sorted(),
                    "due within \(Int(ahead))s: \(context)", sourceLocation: sourceLocation)
        }
    }

    @Test func itSaysWhatThePlanSaysAsRowsChangeAndTheClockMoves() {
        let seed = SeededRandom.seedFromEnvironment()
        var random = SeededRandom(seed: seed)
        let policy = PollPolicy(interval: 30)
        var now = t0
        var rows = (1...300).map { row(Int64($0), now: now, &random) }
        var schedule = PollSchedule(rows, policy: policy, now: now)
        expectSame(schedule, rows, policy: policy, now: now, seed: seed)
        for _ in 0..<40 {
            // Some rows change, one goes, one comes; the clock moves on.
            for _ in 0..<10 {
                let index = Int.random(in: 0..<rows.count, using: &random)
                let old = rows[index]
                rows[index] = row(rows[index].order.id!, now: now, &random)
                schedule.update(rows[index], replacing: old, now: now)
            }
            let gone = rows.remove(at: Int.random(in: 0..<rows.count, using: &random))
            schedule.update(nil, replacing: gone, now: now)
            let added = row((rows.map { $0.order.id! }.max() ?? 0) + 1, now: now, &random)
            rows.append(added)
            schedule.update(added, replacing: nil, now: now)
            now = now.addingTimeInterval(Double(Int.random(in: 1...900, using: &random)))
            schedule.advance(to: now)
            expectSame(schedule, rows, policy: policy, now: now, seed: seed)
        }
        #expect(schedule.archived > 0, "the seed archives some orders on the way, seed \(seed)")
    }
}
