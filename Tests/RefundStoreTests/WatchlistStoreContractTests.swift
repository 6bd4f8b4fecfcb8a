import Clocks
import Foundation
import GRDB
import Testing
import RefundKit
@testable import RefundStore
import WatchlistModel
import TestReports
import TestSupport

/// The behaviour every `WatchlistStore` must have, whatever keeps the data: each test runs once per
/// backend: SQLite in a file and in memory, and PostgreSQL on a private server of the test's own.
enum StoreBackend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqliteFile = "SQLite file"
    case sqliteMemory = "SQLite in memory"
    case postgres = "PostgreSQL"

    var testDescription: String { rawValue }

    /// Runs `body` with a fresh, empty store, then closes it and removes what held it (the file, the
    /// server), awaited, whether `body` returned or threw.
    func withStore(_ body: (any WatchlistStore) async throws -> Void) async throws {
        switch self {
        case .sqliteFile:
            try await withScratchFolder { folder in try await body(try SQLiteStore.open(at: folder + "/w.sqlite")) }
        case .sqliteMemory:
            try await body(try SQLiteStore.inMemory())
        case .postgres:
            try await withWatchlistDatabase { place, environment in
                try await scoped(try await PostgresStore.open(place, environment: environment), stop: { await $0.close() }, body)
            }
        }
    }
}

extension StoreBackend {
    /// The backends two processes can share (an in-memory database is one process's).
    static let shared: [StoreBackend] = [.sqliteFile, .postgres]

    /// Runs `body` with two handles on one fresh store, as two processes would have them (one file
    /// opened twice, or two connection pools to one database), then closes both and removes what
    /// held the store, awaited, whether `body` returned or threw.
    /// `clock`: the time both reckon pollers' leases and heartbeats by (nil: the machine's, or
    /// the server's).
    func withTwo(clock: (@Sendable () -> Date)? = nil, _ body: (any WatchlistStore, any WatchlistStore) async throws -> Void) async throws {
        switch self {
        case .sqliteMemory:
            throw CancellationError()  // an in-memory database is one process's: not in `shared`
        case .sqliteFile:
            try await withScratchFolder { folder in
                try await body(try await SQLiteStore.open(at: folder + "/w.sqlite", clock: clock), try await SQLiteStore.open(at: folder + "/w.sqlite", clock: clock))
            }
        case .postgres:
            try await withWatchlistDatabase { place, environment in
                try await scoped(try await PostgresStore.open(place, environment: environment, clock: clock), stop: { await $0.close() }) { first in
                    try await scoped(try await PostgresStore.open(place, environment: environment, clock: clock), stop: { await $0.close() }) { second in
                        try await body(first, second)
                    }
                }
            }
        }
    }

    /// A fresh folder for `body`, removed after it.
    private func withScratchFolder(_ body: (String) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rw-contract-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try await scoped(folder, stop: { try? FileManager.default.removeItem(atPath: $0) }, body)
    }

    /// A database `watchlist` on a private server for `body`, which gets its location and the
    /// environment that holds its password; the server is stopped after it.
    private func withWatchlistDatabase(_ body: (PostgresLocation, [String: String]) async throws -> Void) async throws {
        try await withPostgres { server in
            try await server.psql("CREATE DATABASE watchlist")
            try await body(try PostgresLocation(url: server.url(database: "watchlist"), environment: [:]), ["PGPASSWORD": server.password])
        }
    }
}

@Suite struct WatchlistStoreContractTests {
    typealias B = ReportBuilder
    let t0 = ReportBuilder.created

    private func order(_ id: String, label: String? = nil, phone: String? = nil) -> TrackedOrder {
        TrackedOrder(referenceID: id, phoneNumberID: phone, label: label, addedAt: t0)
    }

    @Test(arguments: StoreBackend.allCases)
    func addingReportsDuplicatesAndRemovingTakesEverythingOfTheOrder(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let first = try await store.add([order("ORD-1", label: "vip"), order("ORD-2"), order("ORD-1")])
            #expect(first.added.map(\.referenceID) == ["ORD-1", "ORD-2"])
            #expect(first.duplicates.map(\.referenceID) == ["ORD-1"])
            let second = try await store.add([order("ORD-2"), order("ORD-2", phone: "919000000002")])
            #expect(second.added.map(\.phoneNumberID) == ["919000000002"])
            #expect(try await store.count() == 3)
            #expect(try await store.trackedOrders().map(\.referenceID) == ["ORD-1", "ORD-2", "ORD-2"])
            #expect(try await store.orders(referenceID: "ORD-2").count == 2)

            let id = try #require(first.added[0].id)
            _ = try await store.record(B.order([B.transaction("t", refunds: [B.refund("r")])], fetchedAt: t0), orderID: id, rules: DeadlineRules())
            #expect(try await store.history(orderID: id).isEmpty == false)
            #expect(try await store.remove(referenceIDs: ["ORD-1", "ORD-9"]) == ["ORD-1"])
            #expect(try await store.history(orderID: id).isEmpty, "its history went with it")
            #expect(try await store.report(orderID: id) == nil)
            #expect(try await store.record(B.order([], fetchedAt: t0), orderID: id, rules: DeadlineRules()) == nil, "a removed order is not written")
            #expect(try await store.watchlist().map(\.order.referenceID) == ["ORD-2", "ORD-2"])
        }
    }

    /// Every refund's stage deadline is kept with its stage and refund (an id with a tab or a line
    /// break in it included), soonest first, and the first screen ranks a late one first.
    @Test(arguments: StoreBackend.allCases)
    func eachRefundsStageDeadlineIsStoredAndRanked(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let ids = try await store.add([order("ORD-LATE"), order("ORD-CALM")]).added.compactMap(\.id)
            let old = t0.addingTimeInterval(-10 * 86_400)
            let late = B.order([
                B.transaction("t1", refunds: [B.refund("r\t1\n", created: old, payu: B.record("r\t1\n", status: .queued)),
                                              B.refund("r2", status: .success, created: t0, payu: B.record("r2", status: .success))]),
                B.transaction("t2", gateway: .razorpay, refunds: [B.refund("r3", created: t0, speed: .instant)]),
            ], fetchedAt: t0)
            _ = try await store.record(late, orderID: ids[0], rules: DeadlineRules())
            _ = try await store.record(B.order([B.transaction("t9", refunds: [B.refund("r9", created: t0, payu: B.record("r9", status: .pending))])], fetchedAt: t0),
                                       orderID: ids[1], rules: DeadlineRules())
            let row = try #require(try await store.watchedOrder(id: ids[0]))
            #expect(row.summary?.deadlines == DeadlineRules().deadlines(for: late))
            #expect(row.summary?.deadlines.map(\.stage) == [.queued, .credit, .arn])
            #expect(row.summary?.deadlines.map(\.refundID) == ["r\t1\n", "r3", "r2"])
            let page = try await store.firstPage(limit: 10, now: t0)
            #expect(page.rows.map(\.order.referenceID) == ["ORD-LATE", "ORD-CALM"])
            #expect(page.totals.overdue == 1)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func aReportItsSummaryAndItsChangesAreStoredTogether(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let id = try #require(try await store.add([order("ORD-TEST-0001")]).added.first?.id)
            let first = B.order([B.transaction("t1", refunds: [B.refund("r1", payu: B.record("r1", status: .queued))])], fetchedAt: t0)
            let recorded = try #require(try await store.record(first, orderID: id, rules: DeadlineRules()))
            #expect(recorded.isFirstFetch && recorded.changes.count == 4)
            #expect(try await store.report(orderID: id) == first)

            let later = t0.addingTimeInterval(600)
            let second = B.order([B.transaction("t1", refunds: [B.refund("r1", status: .success, payu: B.record("r1", status: .success, arn: "921125460021", settlement: "S1"))])],
                                 fetchedAt: later)
            let again = try #require(try await store.record(second, orderID: id, rules: DeadlineRules()))
            #expect(again.changes.map(\.field) == [.status, .payuStatus, .arn, .settlementID])
            let history = try await store.history(orderID: id)
            #expect(history.count == 8)
            #expect(history.last?.seenAt == later)
            let row = try #require(try await store.watchedOrder(id: id))
            #expect(row.summary == OrderSummary(second, rules: DeadlineRules()))
            #expect(row.summary?.settledAt == t0, "settled since the refund last moved")
            #expect(row.fetchedAt == later && row.changedAt == later && row.failure == nil && row.failures == 0)
            #expect(try await store.reports().map(\.report) == [second])
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func aFailedFetchKeepsTheLastGoodReportAndCountsTowardsTheBackOff(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let id = try #require(try await store.add([order("ORD-1")]).added.first?.id)
            let report = B.order([B.transaction("t", refunds: [B.refund("r")])], fetchedAt: t0)
            _ = try await store.record(report, orderID: id, rules: DeadlineRules())
            let error = ReportedError(RefundWatchError.timeout(.kaleyra, seconds: 20))
            try await store.recordFailure(error, at: t0 + 40, orderID: id)
            try await store.recordFailure(error, at: t0 + 100, orderID: id)
            let row = try #require(try await store.watchlist().first)
            #expect(row.failures == 2 && row.attemptedAt == t0 + 100)
            #expect(row.failure?.error.message == error.message && row.failure?.at == t0 + 100)
            #expect(row.fetchedAt == t0 && row.summary != nil, "the last good data stays")
            #expect(row.due(PollPolicy(interval: 30), now: t0 + 100) == .at(t0 + 160))
            _ = try await store.record(report, orderID: id, rules: DeadlineRules())
            #expect(try await store.watchlist().first?.failures == 0)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func factsAboutTheStoreAndOtherProcessesWrites(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            #expect(try await store.metadata("demo_epoch") == nil)
            try await store.setMetadata("demo_epoch", "1795000000")
            try await store.setMetadata("demo_epoch", "1795000001")
            #expect(try await store.metadata("demo_epoch") == "1795000001")
            let before = try await store.externalChanges()
            _ = try await store.add([order("ORD-1")])
            #expect(try await store.externalChanges() == before, "this process's own writes are not another's")
            try await store.verify()
            #expect(!store.location.isEmpty)
        }
    }

    // MARK: - Pollers sharing the work

    @Test(arguments: StoreBackend.shared)
    func anOrderIsClaimedByOnePollerUntilItsFetchIsStoredOrItsLeaseRunsOut(_ backend: StoreBackend) async throws {
        let clock = TestClock<Duration>()
        try await backend.withTwo(clock: clock.wallTime(from: t0)) { a, b in
            let ids = try await a.add((1...4).map { order("ORD-\($0)") }).added.compactMap(\.id)
            let read = try await b.watchlist()
            #expect(try await a.claim(read, poller: "A", lease: 60).map(\.id) == ids)
            #expect(try await b.claim(read, poller: "B", lease: 60).isEmpty, "leased to A")
            #expect(try await a.claim(read, poller: "A", lease: 60).map(\.id) == ids, "a poller may claim again what it holds")

            // A stores order 1: its lease ends, and a claim made from the watchlist read before that
            // does not take it (it was fetched since), while one made from a fresh read does.
            _ = try await a.record(B.order([], fetchedAt: t0), orderID: ids[0], rules: DeadlineRules())
            #expect(try await b.claim(read, poller: "B", lease: 60).isEmpty)
            let fresh = try await b.watchlist()
            #expect(fresh[0].attempts == read[0].attempts + 1)
            #expect(try await b.claim(fresh, poller: "B", lease: 60).map(\.id) == [ids[0]])

            // B retires, giving order 1 back; A takes it with orders 2 to 4 it holds, on a 3 s lease,
            // and dies: once its leases run out, B takes all four.
            try await a.retire(poller: "B")
            #expect(try await a.claim(fresh, poller: "A", lease: 3).map(\.id) == ids)
            #expect(try await b.claim(fresh, poller: "B", lease: 60).isEmpty)
            #expect(try await b.waitingCount() == 0, "orders 2 to 4 were never fetched, but A holds them")
            await clock.advance(by: .seconds(3))
            #expect(try await b.claim(fresh, poller: "B", lease: 60).isEmpty, "the lease's last moment is still A's")
            await clock.advance(by: .seconds(1))
            #expect(try await b.waitingCount() == 3, "A's leases ran out: the three never fetched wait for a poller")
            #expect(try await b.claim(fresh, poller: "B", lease: 60).map(\.id) == ids)

            // A heartbeat keeps a poller's leases alive past their first expiry, for as long as the
            // lease it gives.
            try await b.retire(poller: "B")
            #expect(try await a.claim(fresh, poller: "A", lease: 2).count == 4)
            await clock.advance(by: .seconds(1))
            try await a.beat(poller: "A", host: "h", pid: 1, cycleEnded: false, lease: 60)
            await clock.advance(by: .seconds(2))
            #expect(try await b.claim(fresh, poller: "B", lease: 60).isEmpty, "past the claim's 2 s, A beat, so its leases hold")
            await clock.advance(by: .seconds(58))
            #expect(try await b.claim(fresh, poller: "B", lease: 60).isEmpty, "the beat's 60 s are not over")
            await clock.advance(by: .seconds(1))
            #expect(try await b.claim(fresh, poller: "B", lease: 60).map(\.id) == ids, "a minute after A's last beat")
        }
    }

    @Test(arguments: StoreBackend.shared)
    func pollersAreSeenByTheirHeartbeatsAndGoneWhenTheyRetire(_ backend: StoreBackend) async throws {
        let clock = TestClock<Duration>()
        try await backend.withTwo(clock: clock.wallTime(from: t0)) { a, b in
            #expect(try await b.pollers(seenWithin: 15).isEmpty)
            try await a.beat(poller: "host-1:101", host: "host-1", pid: 101, cycleEnded: false, lease: 30)
            try await a.beat(poller: "host-2:202", host: "host-2", pid: 202, cycleEnded: true, lease: 30)
            await clock.advance(by: .seconds(4))
            let seen = try await b.pollers(seenWithin: 15)
            #expect(seen.map(\.id) == ["host-1:101", "host-2:202"])
            #expect(seen.map(\.pid) == [101, 202] && seen.map(\.host) == ["host-1", "host-2"])
            #expect(seen[0].sinceCycle == nil, "no cycle ended yet")
            #expect(seen.map(\.sinceBeat) == [4, 4] && seen[1].sinceCycle == 4)
            try await a.beat(poller: "host-2:202", host: "host-2", pid: 202, cycleEnded: false, lease: 30)
            let again = try await b.pollers(seenWithin: 15)[1]
            #expect(again.sinceBeat == 0 && again.sinceCycle == 4, "a beat without a cycle keeps the last cycle's time")

            // Seen within a window: a beat exactly its length ago counts, an older one does not.
            await clock.advance(by: .seconds(1))
            #expect(try await b.pollers(seenWithin: 1).map(\.id) == ["host-2:202"])
            await clock.advance(by: .seconds(1))
            #expect(try await b.pollers(seenWithin: 1).isEmpty, "not seen within the last second")
            #expect(try await b.pollers(seenWithin: 15).map(\.id) == ["host-1:101", "host-2:202"])
            try await a.retire(poller: "host-1:101")
            #expect(try await b.pollers(seenWithin: 15).map(\.id) == ["host-2:202"])
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func anOrderAskedForIsDueUntilItIsFetched(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let ids = try await store.add([order("ORD-1"), order("ORD-2")]).added.compactMap(\.id)
            #expect(try await store.waitingCount() == 2, "never fetched: a poller wakes for them")
            for id in ids { _ = try await store.record(B.order([], fetchedAt: t0), orderID: id, rules: DeadlineRules()) }
            #expect(try await store.waitingCount() == 0)
            let policy = PollPolicy(interval: 60)
            #expect(PollPlan(try await store.watchlist(), policy: policy, now: t0 + 1).due.isEmpty, "both fetched a second ago")
            try await store.requestFetch(orderIDs: [ids[1]])
            try await store.requestFetch(orderIDs: [ids[1]])
            #expect(try await store.waitingCount() == 1)
            let rows = try await store.watchlist()
            #expect(rows[1].requestedAt != nil && rows[0].requestedAt == nil)
            #expect(PollPlan(rows, policy: policy, now: t0 + 1).due.map(\.id) == [ids[1]], "asked for: due now")
            _ = try await store.record(B.order([], fetchedAt: t0 + 2), orderID: ids[1], rules: DeadlineRules())
            #expect(try await store.waitingCount() == 0)
            #expect(try await store.watchlist()[1].requestedAt == nil)
        }
    }

    /// The count a sleeping poller asks for up to ten times a second reads the partial index of
    /// orders waiting, not the whole watchlist (SQLite uses a partial index only when the query
    /// says its condition word for word).
    @Test func sqliteCountsTheWaitingFromTheirPartialIndex() async throws {
        let store = try await SQLiteStore.inMemory()
        let plan = try await store.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + SQLiteStore.waitingSQL, arguments: [t0]).map { $0["detail"] as String }
        }
        #expect(plan.count == 1 && plan[0].contains("USING INDEX tracked_order_waiting"), "\(plan)")
    }

    // MARK: - Live changes

    @Test(arguments: StoreBackend.shared)
    func anotherProcesssWritesAreToldAsTheyHappenAndOurOwnAreNot(_ backend: StoreBackend) async throws {
        try await backend.withTwo { a, b in
            let ids = try await a.add([order("ORD-1"), order("ORD-2"), order("ORD-3"), order("ORD-PRIMER")]).added.compactMap(\.id)
            let heard = Heard()
            let watching = Task { try await b.watchChanges { await heard.add($0) } }
            try await scoped(watching, stop: { $0.cancel(); _ = await $0.result }) { _ in
                try await untilListening(a, primer: ids[3], heard: heard)

                _ = try await b.record(B.order([], fetchedAt: t0), orderID: ids[0], rules: DeadlineRules())
                _ = try await a.record(B.order([], fetchedAt: t0), orderID: ids[1], rules: DeadlineRules())
                let told = try await waitFor("a change told after the other handle's write", read: { await heard.changes }, until: { !$0.isEmpty })
                switch backend {
                case .postgres:
                    #expect(told == [.orders([ids[1]])], "the order another process wrote, not the one we wrote")
                default:
                    #expect(told == [.everything], "a file says only that something changed")
                }
                await heard.clear()
                _ = try await a.remove(referenceIDs: ["ORD-3"])
                let removal = try await waitFor("a change told after the other handle's removal", read: { await heard.changes }, until: { !$0.isEmpty })
                #expect(removal == [backend == .postgres ? .orders([ids[2]]) : .everything])
                #expect(try await b.watchedOrders(ids: [ids[2], ids[1], ids[0]]).map(\.order.id) == [ids[0], ids[1]], "a removed order is absent")
            }
        }
    }

    /// Returns once the watcher behind `heard` listens: `writer` stores `primer` until it is told
    /// of it (then forgets what it was told). A write made before the watcher listens is never
    /// told, so one unheard for ten seconds is made again; never heard in a minute fails the test.
    private func untilListening(_ writer: any WatchlistStore, primer: Int64, heard: Heard,
                                sourceLocation: SourceLocation = #_sourceLocation) async throws {
        for _ in 0..<6 {
            _ = try await writer.record(B.order([], fetchedAt: t0), orderID: primer, rules: DeadlineRules())
            let deadline = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < deadline {
                if await !heard.changes.isEmpty {
                    await heard.clear()
                    return
                }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        Issue.record("the watcher was never told of another handle's write, made six times over a minute", sourceLocation: sourceLocation)
        throw WaitFailed(condition: "the watcher listening")
    }
}

/// What a store's `watchChanges` told, for a test to wait on.
actor Heard {
    private(set) var changes: [StoreChange] = []
    func add(_ change: StoreChange) { changes.append(change) }
    func clear() { changes = [] }
}
