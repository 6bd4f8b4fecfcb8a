import Clocks
import Foundation
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

    /// A fresh, empty store, and what removes it after.
    func make() async throws -> (store: any WatchlistStore, cleanup: @Sendable () -> Void) {
        switch self {
        case .sqliteFile:
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rw-contract-\(UUID())").path
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            return (try SQLiteStore.open(at: folder + "/w.sqlite"), { try? FileManager.default.removeItem(atPath: folder) })
        case .sqliteMemory:
            return (try SQLiteStore.inMemory(), {})
        case .postgres:
            let server = try await PostgresServer.launch()
            do {
                try await server.run(sql: "CREATE DATABASE watchlist")
                let store = try await PostgresStore.open(try PostgresLocation(url: server.url(database: "watchlist"), environment: [:]),
                                                         environment: ["PGPASSWORD": server.password])
                return (store, { server.stop() })
            } catch {
                server.stop()
                throw error
            }
        }
    }
}

extension StoreBackend {
    /// The backends two processes can share (an in-memory database is one process's).
    static let shared: [StoreBackend] = [.sqliteFile, .postgres]

    /// Two handles on one fresh store, as two processes would have: one file opened twice, or two
    /// connection pools to one database. `clock`: the time both reckon pollers' leases and
    /// heartbeats by (nil: the machine's, or the server's).
    func makeTwo(clock: (@Sendable () -> Date)? = nil) async throws -> (first: any WatchlistStore, second: any WatchlistStore, cleanup: @Sendable () -> Void) {
        switch self {
        case .sqliteMemory:
            throw CancellationError()  // an in-memory database is one process's: not in `shared`
        case .sqliteFile:
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rw-contract-\(UUID())").path
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            return (try SQLiteStore.open(at: folder + "/w.sqlite", clock: clock), try SQLiteStore.open(at: folder + "/w.sqlite", clock: clock),
                    { try? FileManager.default.removeItem(atPath: folder) })
        case .postgres:
            let server = try await PostgresServer.launch()
            do {
                try await server.run(sql: "CREATE DATABASE watchlist")
                let place = try PostgresLocation(url: server.url(database: "watchlist"), environment: [:])
                let first = try await PostgresStore.open(place, environment: ["PGPASSWORD": server.password], clock: clock)
                let second = try await PostgresStore.open(place, environment: ["PGPASSWORD": server.password], clock: clock)
                return (first, second, { server.stop() })
            } catch {
                server.stop()
                throw error
            }
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
        let (store, cleanup) = try await backend.make()
        defer { cleanup() }
        let first = try await store.add([order("ORD-1", label: "vip"), order("ORD-2"), order("ORD-1")])
        #expect(first.added.map(\.referenceID) == ["ORD-1", "ORD-2"])
        #expect(first.duplicates.map(\.referenceID) == ["ORD-1"])
        let second = try await store.add([order("ORD-2"), order("ORD-2", phone: "919000000002")])
        #expect(second.added.map(\.phoneNumberID) == ["919000000002"])
        #expect(try await store.count() == 3)
        #expect(try await store.trackedOrders().map(\.referenceID) == ["ORD-1", "ORD-2", "ORD-2"])
        #expect(try await store.orders(referenceID: "ORD-2").count == 2)

        let id = try #require(first.added[0].id)
        _ = try await store.record(B.order([B.transaction("t", refunds: [B.refund("r")])], fetchedAt: t0), orderID: id, rule: OverdueRule())
        #expect(try await store.history(orderID: id).isEmpty == false)
        #expect(try await store.remove(referenceIDs: ["ORD-1", "ORD-9"]) == ["ORD-1"])
        #expect(try await store.history(orderID: id).isEmpty, "its history went with it")
        #expect(try await store.report(orderID: id) == nil)
        #expect(try await store.record(B.order([], fetchedAt: t0), orderID: id, rule: OverdueRule()) == nil, "a removed order is not written")
        #expect(try await store.watchlist().map(\.order.referenceID) == ["ORD-2", "ORD-2"])
    }

    @Test(arguments: StoreBackend.allCases)
    func aReportItsSummaryAndItsChangesAreStoredTogether(_ backend: StoreBackend) async throws {
        let (store, cleanup) = try await backend.make()
        defer { cleanup() }
        let id = try #require(try await store.add([order("ORD-TEST-0001")]).added.first?.id)
        let first = B.order([B.transaction("t1", refunds: [B.refund("r1", payu: B.record("r1", status: .queued))])], fetchedAt: t0)
        let recorded = try #require(try await store.record(first, orderID: id, rule: OverdueRule()))
        #expect(recorded.isFirstFetch && recorded.changes.count == 4)
        #expect(try await store.report(orderID: id) == first)

        let later = t0.addingTimeInterval(600)
        let second = B.order([B.transaction("t1", refunds: [B.refund("r1", status: .success, payu: B.record("r1", status: .success, arn: "921125460021", settlement: "S1"))])],
                             fetchedAt: later)
        let again = try #require(try await store.record(second, orderID: id, rule: OverdueRule()))
        #expect(again.changes.map(\.field) == [.status, .payuStatus, .arn, .settlementID])
        let history = try await store.history(orderID: id)
        #expect(history.count == 8)
        #expect(history.last?.seenAt == later)
        let row = try #require(try await store.watchedOrder(id: id))
        #expect(row.summary == OrderSummary(second, rule: OverdueRule()))
        #expect(row.summary?.settledAt == t0, "settled since the refund last moved")
        #expect(row.fetchedAt == later && row.changedAt == later && row.failure == nil && row.failures == 0)
        #expect(try await store.reports().map(\.report) == [second])
    }

    @Test(arguments: StoreBackend.allCases)
    func aFailedFetchKeepsTheLastGoodReportAndCountsTowardsTheBackOff(_ backend: StoreBackend) async throws {
        let (store, cleanup) = try await backend.make()
        defer { cleanup() }
        let id = try #require(try await store.add([order("ORD-1")]).added.first?.id)
        let report = B.order([B.transaction("t", refunds: [B.refund("r")])], fetchedAt: t0)
        _ = try await store.record(report, orderID: id, rule: OverdueRule())
        let error = ReportedError(RefundWatchError.timeout(.kaleyra, seconds: 20))
        try await store.recordFailure(error, at: t0 + 40, orderID: id)
        try await store.recordFailure(error, at: t0 + 100, orderID: id)
        let row = try #require(try await store.watchlist().first)
        #expect(row.failures == 2 && row.attemptedAt == t0 + 100)
        #expect(row.failure?.error.message == error.message && row.failure?.at == t0 + 100)
        #expect(row.fetchedAt == t0 && row.summary != nil, "the last good data stays")
        #expect(row.due(PollPolicy(interval: 30), now: t0 + 100) == .at(t0 + 160))
        _ = try await store.record(report, orderID: id, rule: OverdueRule())
        #expect(try await store.watchlist().first?.failures == 0)
    }

    @Test(arguments: StoreBackend.allCases)
    func factsAboutTheStoreAndOtherProcessesWrites(_ backend: StoreBackend) async throws {
        let (store, cleanup) = try await backend.make()
        defer { cleanup() }
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

    // MARK: - Pollers sharing the work
    //
    // Leases and heartbeats are reckoned on a test clock that both handles share, as two processes
    // share the server's (or the machine's) clock: the test moves it past a lease's end instead of
    // sleeping there, and every age is exact. It moves in whole seconds, which every backend
    // stores exactly (SQLite keeps milliseconds).

    @Test(arguments: StoreBackend.shared)
    func anOrderIsClaimedByOnePollerUntilItsFetchIsStoredOrItsLeaseRunsOut(_ backend: StoreBackend) async throws {
        let clock = TestClock<Duration>()
        let (a, b, cleanup) = try await backend.makeTwo(clock: clock.wallTime(from: t0))
        defer { cleanup() }
        let ids = try await a.add((1...4).map { order("ORD-\($0)") }).added.compactMap(\.id)
        let read = try await b.watchlist()
        #expect(try await a.claim(read, poller: "A", lease: 60).map(\.id) == ids)
        #expect(try await b.claim(read, poller: "B", lease: 60).isEmpty, "leased to A")
        #expect(try await a.claim(read, poller: "A", lease: 60).map(\.id) == ids, "a poller may claim again what it holds")

        // A stores order 1: its lease ends, and a claim made from the watchlist read before that
        // does not take it (it was fetched since), while one made from a fresh read does.
        _ = try await a.record(B.order([], fetchedAt: t0), orderID: ids[0], rule: OverdueRule())
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

    @Test(arguments: StoreBackend.shared)
    func pollersAreSeenByTheirHeartbeatsAndGoneWhenTheyRetire(_ backend: StoreBackend) async throws {
        let clock = TestClock<Duration>()
        let (a, b, cleanup) = try await backend.makeTwo(clock: clock.wallTime(from: t0))
        defer { cleanup() }
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

    @Test(arguments: StoreBackend.allCases)
    func anOrderAskedForIsDueUntilItIsFetched(_ backend: StoreBackend) async throws {
        let (store, cleanup) = try await backend.make()
        defer { cleanup() }
        let ids = try await store.add([order("ORD-1"), order("ORD-2")]).added.compactMap(\.id)
        #expect(try await store.waitingCount() == 2, "never fetched: a poller wakes for them")
        for id in ids { _ = try await store.record(B.order([], fetchedAt: t0), orderID: id, rule: OverdueRule()) }
        #expect(try await store.waitingCount() == 0)
        let policy = PollPolicy(interval: 60)
        #expect(PollPlan(try await store.watchlist(), policy: policy, now: t0 + 1).due.isEmpty, "both fetched a second ago")
        try await store.requestFetch(orderIDs: [ids[1]])
        try await store.requestFetch(orderIDs: [ids[1]])
        #expect(try await store.waitingCount() == 1)
        let rows = try await store.watchlist()
        #expect(rows[1].requestedAt != nil && rows[0].requestedAt == nil)
        #expect(PollPlan(rows, policy: policy, now: t0 + 1).due.map(\.id) == [ids[1]], "asked for: due now")
        _ = try await store.record(B.order([], fetchedAt: t0 + 2), orderID: ids[1], rule: OverdueRule())
        #expect(try await store.waitingCount() == 0)
        #expect(try await store.watchlist()[1].requestedAt == nil)
    }

    // MARK: - Live changes

    @Test(arguments: StoreBackend.shared)
    func anotherProcesssWritesAreToldAsTheyHappenAndOurOwnAreNot(_ backend: StoreBackend) async throws {
        let (a, b, cleanup) = try await backend.makeTwo()
        defer { cleanup() }
        let ids = try await a.add([order("ORD-1"), order("ORD-2"), order("ORD-3"), order("ORD-PROBE")]).added.compactMap(\.id)
        let probe = ids[3]
        let heard = Heard(ignoring: .orders([probe]))
        let watcher = Task { try await b.watchChanges { await heard.add($0) } }
        defer { watcher.cancel() }
        // Nothing is heard until the watcher listens: another process asks for a probe order until
        // the watcher has heard it once. (PostgreSQL's word about the probe is left out of what is
        // heard; a file's "something changed" cannot be told apart.)
        try await eventually("the watcher hears another process's writes") {
            try await a.requestFetch(orderIDs: [probe])
            let heardSoFar = await heard.waitFor(seconds: 0.5, { !$0.isEmpty }, counting: true)
            return !heardSoFar.isEmpty
        }
        await heard.clear()

        _ = try await b.record(B.order([], fetchedAt: t0), orderID: ids[0], rule: OverdueRule())
        _ = try await a.record(B.order([], fetchedAt: t0), orderID: ids[1], rule: OverdueRule())
        let told = await heard.waitFor(seconds: 60) { !$0.isEmpty }
        switch backend {
        case .postgres:
            #expect(told == [.orders([ids[1]])], "the order another process wrote, not the one we wrote")
        default:
            #expect(told == [.everything], "a file says only that something changed")
        }
        await heard.clear()
        _ = try await a.remove(referenceIDs: ["ORD-3"])
        let removal = await heard.waitFor(seconds: 60) { !$0.isEmpty }
        #expect(removal == [backend == .postgres ? .orders([ids[2]]) : .everything])
        #expect(try await b.watchedOrders(ids: [ids[2], ids[1], ids[0]]).map(\.order.id) == [ids[0], ids[1]], "a removed order is absent")
    }
}

/// What a store's `watchChanges` told, for a test to wait on.
actor Heard {
    private(set) var changes: [StoreChange] = []
    /// Heard, then left out of `changes`: the test's own probe.
    private let ignored: StoreChange?
    private var ignoredCount = 0

    init(ignoring ignored: StoreChange? = nil) {
        self.ignored = ignored
    }

    func add(_ change: StoreChange) {
        if change == ignored { ignoredCount += 1 } else { changes.append(change) }
    }

    func clear() { changes = [] }

    /// Waits until `enough` holds, at most `seconds` (a generous bound: it returns as soon as
    /// `enough` holds); what was heard by then. `counting`: the ignored changes count as heard.
    func waitFor(seconds: Double, _ enough: ([StoreChange]) -> Bool, counting ignoredToo: Bool = false) async -> [StoreChange] {
        let deadline = ContinuousClock.now + .seconds(seconds)
        func heard() -> [StoreChange] {
            ignoredToo ? changes + Array(repeating: ignored!, count: ignoredCount) : changes
        }
        while !enough(heard()) && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        return heard()
    }
}
