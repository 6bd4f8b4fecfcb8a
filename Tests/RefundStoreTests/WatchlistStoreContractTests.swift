import Foundation
import Testing
import RefundKit
@testable import RefundStore
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
            return (try RefundStore.open(at: folder + "/w.sqlite"), { try? FileManager.default.removeItem(atPath: folder) })
        case .sqliteMemory:
            return (try RefundStore.inMemory(), {})
        case .postgres:
            let server = try PostgresServer.start()
            do {
                try server.psql("CREATE DATABASE watchlist")
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
}
