import Clocks
import Foundation
import RefundJobs
import RefundKit
import RefundSimulator
import RefundStore
import Testing
import TestSupport
import WatchlistModel

/// Two pollers on one store (an SQLite file opened twice, as two processes would): each due
/// order is claimed, and fetched, by one of them.
@Suite struct SharedPollingTests {
    @Test func twoPollersFetchEachDueOrderOnceBetweenThem() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rw-jobs-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let first = try await JobsFixture.make(orders: 30, latency: LatencySpec(fixedMilliseconds: 20, jitterMilliseconds: 10), concurrency: 2,
                                               store: try await SQLiteStore.open(at: folder + "/w.sqlite"))
        let secondStore = try await SQLiteStore.open(at: folder + "/w.sqlite")
        let refresher = WatchlistRefresher(store: secondStore, service: first.service, rules: DeadlineRules(), now: first.now)
        let other = PollJob(store: secondStore, refresher: refresher, policy: PollPolicy(interval: 30), interval: 30, now: first.now,
                            clock: first.clock, poller: Poller(lease: 30, id: "B"), once: true)
        async let a = first.job(once: true, poller: "A").run()
        async let b = other.run()
        let (one, two) = try await (a, b)
        let lookups = first.harness.simulator.receivedRequests().filter { $0.pathSegments.count == 7 && $0.pathSegments[4] == "payments" }
        await first.stop()
        let fetched = (one.last?.orders ?? 0) + (two.last?.orders ?? 0)
        #expect(fetched == 30, "every due order fetched once between them: \(one.last?.orders ?? 0) + \(two.last?.orders ?? 0)")
        #expect(lookups.count == 30 && Set(lookups.map(\.rawPath)).count == 30, "each order looked up once: \(lookups.count) lookups")
        let rows = try await secondStore.watchlist()
        let odd = rows.filter { $0.attempts != 1 || $0.fetchedAt == nil }
        #expect(odd.isEmpty, "each fetched once and stored: \(odd.map { "\($0.order.referenceID): attempts \($0.attempts), fetched \($0.fetchedAt.map { "\($0)" } ?? "never"), failure \($0.failure.map { "\($0)" } ?? "none")" })")
    }
}
