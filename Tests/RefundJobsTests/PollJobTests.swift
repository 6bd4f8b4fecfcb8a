import Clocks
import Foundation
import RefundJobs
import RefundKit
import RefundSimulator
import RefundStore
import ServiceLifecycle
import ServiceLifecycleTestKit
import Testing
import TestSupport
import WatchlistModel

/// `PollJob` in-process against the simulator, its waits on a test clock: cycles, sleeps, the
/// heartbeat, orders that end a sleep, and both ways of stopping (a graceful shutdown, as SIGTERM
/// begins one; a cancellation, as the lifecycle's grace running out does).
@Suite struct PollJobTests {
    @Test func onceFetchesWhatIsDueSaysSoAndLeavesNoPollerBehind() async throws {
        let fixture = try await JobsFixture.make(orders: 5)
        let outcome = try await fixture.job(once: true).run()
        await fixture.stop()
        let summary = try #require(outcome.last)
        #expect(outcome.cycles == 1 && !outcome.stoppedBySignal)
        #expect(summary.orders == 5 && summary.firstFetched == 5 && summary.failures.isEmpty)
        #expect(summary.exitStatus == nil)
        #expect(fixture.said.all.count == 1)
        #expect(fixture.said.all.first?.hasPrefix("fetched 5 of 5 orders in ") == true, "\(fixture.said.all)")
        // One of the five (a refund the catalogue fails) raises an alert, and the line counts it.
        #expect(fixture.said.all.first?.contains(": 0 changed, 5 new, 0 failed, 1 alert raised · next due in 30s") == true, "\(fixture.said.all)")
        #expect(try await fixture.store.watchlist().allSatisfy { $0.fetchedAt != nil && $0.attempts == 1 })
        #expect(try await fixture.store.pollers(seenWithin: 3_600).isEmpty, "once never beats")
    }

    @Test func aPollerSleepsOnItsClockUntilTheNextOrderIsDueAndStopsOnAGracefulShutdown() async throws {
        let fixture = try await JobsFixture.make(orders: 3)
        let job = fixture.job(interval: 30, poller: "test-poller")
        try await testGracefulShutdown { trigger in
            let run = Task { try await job.run() }
            try await waitUntil("the first cycle") { fixture.said.all.count == 1 }
            #expect(fixture.said.all[0].contains("3 new") && fixture.said.all[0].hasSuffix("next due in 30s"), "\(fixture.said.all)")
            #expect(try await fixture.store.pollers(seenWithin: 3_600).map(\.id) == ["test-poller"], "a running poller beats")
            // Thirty seconds on its clock later the orders are due again.
            await fixture.clock.advance(by: .seconds(30))
            try await waitUntil("the second cycle") { fixture.said.all.count == 2 }
            #expect(fixture.said.all[1].contains("fetched 3 of 3 orders"), "\(fixture.said.all)")
            trigger.triggerGracefulShutdown()
            let outcome = try await run.value
            #expect(outcome.cycles == 2 && outcome.stoppedBySignal)
        }
        #expect(try await fixture.store.pollers(seenWithin: 3_600).isEmpty, "a poller that stops retires")
        #expect(try await fixture.store.watchlist().allSatisfy { $0.attempts == 2 })
        await fixture.stop()
    }

    @Test func anOrderAddedWhileThePollerSleepsEndsTheSleep() async throws {
        let fixture = try await JobsFixture.make(orders: 2)
        let job = fixture.job(interval: 600)
        try await testGracefulShutdown { trigger in
            let run = Task { try await job.run() }
            try await waitUntil("the first cycle") { fixture.said.all.count == 1 }
            _ = try await fixture.store.add([TrackedOrder(referenceID: fixture.untrackedMovingOrder(), addedAt: fixture.now())])
            // One second of its clock: it asks, finds an order waiting, and fetches it (not the
            // other two, due in ten minutes).
            await fixture.clock.advance(by: .seconds(1))
            try await waitUntil("a cycle for the order added") { fixture.said.all.count == 2 }
            #expect(fixture.said.all[1].contains("fetched 1 of 3 orders"), "\(fixture.said.all)")
            trigger.triggerGracefulShutdown()
            _ = try await run.value
        }
        await fixture.stop()
    }

    /// Another process asking for an order (a push through `listen`, a dashboard's `r`) wakes a
    /// sleeping poller at once: its clock never moves here, so only the store's change can.
    @Test func anOrderAskedForByAnotherProcessWakesThePollerWithoutItsClock() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rw-nudge-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let fixture = try await JobsFixture.make(orders: 3, store: try await SQLiteStore.open(at: folder + "/w.sqlite"))
        let other = try await SQLiteStore.open(at: folder + "/w.sqlite")
        let job = fixture.job(interval: 600)
        try await testGracefulShutdown { trigger in
            let run = Task { try await job.run() }
            try await waitUntil("the first cycle") { fixture.said.all.count == 1 }
            let asked = try #require(try await other.watchlist().first?.order)
            try await other.requestFetch(orderIDs: [try #require(asked.id)])
            try await waitUntil("a cycle for the order asked for, the clock standing still", timeout: .seconds(20)) { fixture.said.all.count == 2 }
            #expect(fixture.said.all[1].contains("fetched 1 of 3 orders"), "\(fixture.said.all)")
            #expect(try await other.watchedOrder(id: asked.id!)?.attempts == 2)
            trigger.triggerGracefulShutdown()
            _ = try await run.value
        }
        await fixture.stop()
    }

    /// `[listen.SOURCE] silent_after`: a poller checks the pushes' silence after its cycle, says
    /// the alert it raised, and the alert is in the store for the whole team.
    @Test func aPollerRaisesTheAlertOfASilentPushSource() async throws {
        let fixture = try await JobsFixture.make(orders: 1)
        var settings = ListenSettings()
        var kaleyra = ListenSettings.Source()
        kaleyra.silentAfter = 3_600
        settings.sources["kaleyra"] = kaleyra
        let watched = Date(timeIntervalSince1970: 1_780_000_000)
        var job = fixture.job(once: true)
        job.pushSilence = PushSilence(settings, watchedSince: watched)
        job.wallClock = { watched.addingTimeInterval(2 * 3_600) }
        _ = try await job.run()
        await fixture.stop()
        #expect(fixture.said.all.contains("alert: no push from Kaleyra for over 1h (none received in 2h of watching); polling goes on by its schedule"), "\(fixture.said.all)")
        let open = try await fixture.store.alerts(resolved: false, limit: 10).filter { $0.rule == .pushSilent }
        #expect(open.count == 1 && open.first?.orderID == nil, "\(open)")
    }

    /// SIGTERM: no order is started after it, and those in flight finish and are stored whole.
    @Test func aGracefulShutdownLetsTheOrdersInFlightFinishAndStartsNoOther() async throws {
        let fixture = try await JobsFixture.make(orders: 40, latency: LatencySpec(fixedMilliseconds: 300, jitterMilliseconds: 0), concurrency: 2)
        let job = fixture.job(interval: 30)
        let outcome = try await testGracefulShutdown { trigger in
            let run = Task { try await job.run() }
            try await waitUntil("a lookup in flight") { !fixture.harness.simulator.receivedRequests().isEmpty }
            trigger.triggerGracefulShutdown()
            return try await run.value
        }
        let rows = try await fixture.store.watchlist()
        let fetched = rows.filter { $0.fetchedAt != nil }
        let summary = try #require(outcome.last)
        #expect(outcome.stoppedBySignal && outcome.cycles == 1)
        #expect(summary.orders == fetched.count && summary.interrupted == 0, "those in flight finished and were stored")
        #expect(fetched.count > 0 && fetched.count < 40, "\(fetched.count) fetched: none started after the shutdown")
        #expect(rows.allSatisfy { $0.failure == nil }, "nothing failed")
        #expect(rows.filter { $0.fetchedAt == nil }.allSatisfy { $0.attempts == 0 }, "the others untouched")
        #expect(try await fixture.store.pollers(seenWithin: 3_600).isEmpty)
        await fixture.stop()
    }

    /// The lifecycle's grace ran out: the orders in flight are cut short and nothing is written
    /// for them, neither a report nor a failure; the poller ends as stopped, not as failed (a
    /// store read or write after the cancellation would throw, and `poll` exit 9).
    @Test func aCancelledCycleWritesNothingForTheOrdersItCutShort() async throws {
        let fixture = try await JobsFixture.make(orders: 6, latency: LatencySpec(fixedMilliseconds: 5_000, jitterMilliseconds: 0), concurrency: 8)
        let job = fixture.job(interval: 30)
        let run = Task { try await job.run() }
        try await waitUntil("every lookup in flight") { fixture.harness.simulator.receivedRequests().count >= 6 }
        run.cancel()
        let outcome = await run.result
        #expect((try? outcome.get()).map { $0.cycles == 1 && $0.last?.interrupted == 6 && $0.last?.orders == 6 } == true, "\(outcome)")
        #expect(fixture.said.all.contains { $0.contains("6 cut short by the stop") }, "\(fixture.said.all)")
        let rows = try await fixture.store.watchlist()
        #expect(rows.allSatisfy { $0.fetchedAt == nil && $0.failure == nil && $0.attempts == 0 }, "\(rows.map(\.attempts))")
        #expect(try await fixture.store.pollers(seenWithin: 3_600).isEmpty, "retired though cancelled")
        await fixture.stop()
    }
}

/// `PushSilence` from `[listen.SOURCE] silent_after`: which sources it watches, and its check
/// against the store's pushes at given moments.
@Suite struct PushSilenceTests {
    @Test func onlySourcesWithALimitAreWatchedAndTheCheckRaisesAndResolves() async throws {
        var settings = ListenSettings()
        var kaleyra = ListenSettings.Source()
        kaleyra.silentAfter = 600
        settings.sources = ["kaleyra": kaleyra, "payu-webhook": ListenSettings.Source()]
        #expect(PushSilence(nil, watchedSince: Date()) == nil)
        #expect(PushSilence(ListenSettings(), watchedSince: Date()) == nil)
        let start = Date(timeIntervalSince1970: 1_780_000_000)
        let silence = try #require(PushSilence(settings, watchedSince: start))
        #expect(silence.limits == [.kaleyra: 600])

        let store = try await SQLiteStore.inMemory()
        #expect(try await silence.check(store, now: start.addingTimeInterval(599)).isEmpty)
        let raised = try await silence.check(store, now: start.addingTimeInterval(600))
        #expect(raised.raised.map(\.text) == ["no push from Kaleyra for over 10m (none received in 10m of watching); polling goes on by its schedule"])
        var names = PushNames()
        names.add("ORD-1", to: \.referenceIDs)
        _ = try await store.recordPush(PushRecord(source: .kaleyra, account: nil, client: "127.0.0.1", bodyHash: "b", names: names, body: nil,
                                                  receivedAt: start.addingTimeInterval(700), autoTrack: false))
        let resolved = try await silence.check(store, now: start.addingTimeInterval(701))
        #expect(resolved.raised.isEmpty && resolved.resolved.count == 1)
    }
}
