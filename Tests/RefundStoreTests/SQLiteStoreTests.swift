import Foundation
import GRDB
import Testing
import RefundKit
@testable import RefundStore
import WatchlistModel
import TestReports
import TestSupport

@Suite struct SQLiteStoreTests {
    typealias B = ReportBuilder
    let now = Date(timeIntervalSince1970: 1_795_000_000)

    func order(_ id: String, label: String? = nil, phone: String? = nil) -> TrackedOrder {
        TrackedOrder(referenceID: id, phoneNumberID: phone, label: label, addedAt: now)
    }

    @Test func aNewFileGetsTheSchemaInWALMode() async throws {
        let scratch = try ScratchFolder()
        let store = try await SQLiteStore.open(at: scratch.file("w.sqlite"))
        #expect(try await store.count() == 0)
        let queue = try DatabaseQueue(path: scratch.file("w.sqlite"))
        let (mode, applicationID, tables) = try await queue.read { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int32.fetchOne(db, sql: "PRAGMA application_id"),
             try ["tracked_order", "order_state", "history", "store_meta"].filter { try db.tableExists($0) })
        }
        #expect(mode == "wal")
        #expect(applicationID == Schema.applicationID)
        #expect(tables.count == 4)
        // Opening again migrates nothing and keeps what is there.
        _ = try await store.add([order("ORD-1")])
        #expect(try await SQLiteStore.open(at: scratch.file("w.sqlite")).trackedOrders().map(\.referenceID) == ["ORD-1"])
    }

    @Test func addingTwiceReportsDuplicatesAndWritesOnce() async throws {
        let store = try await SQLiteStore.inMemory()
        let first = try await store.add([order("ORD-1", label: "vip"), order("ORD-2"), order("ORD-1")])
        #expect(first.added.map(\.referenceID) == ["ORD-1", "ORD-2"])
        #expect(first.duplicates.map(\.referenceID) == ["ORD-1"])
        let second = try await store.add([order("ORD-2"), order("ORD-3"), order("ORD-2", phone: "919000000002")])
        #expect(second.added.map(\.referenceID) == ["ORD-3", "ORD-2"])
        #expect(second.duplicates.map(\.referenceID) == ["ORD-2"])
        let all = try await store.trackedOrders()
        #expect(all.map(\.referenceID) == ["ORD-1", "ORD-2", "ORD-3", "ORD-2"])
        #expect(all[0].label == "vip")
        #expect(all[3].phoneNumberID == "919000000002")
    }

    @Test func aReportRoundTripsWithItsSummaryAndHistory() async throws {
        let store = try await SQLiteStore.inMemory()
        let id = try await #require(try store.add([order("ORD-TEST-0001")]).added.first?.id)
        let first = B.order([B.transaction("t1", refunds: [B.refund("r1", payu: B.record("r1", status: .queued))])], fetchedAt: now)
        let recorded = try await #require(try store.record(first, orderID: id, rules: DeadlineRules()))
        #expect(recorded.isFirstFetch)
        #expect(recorded.changes.count == 4)
        #expect(try await store.report(orderID: id) == first)

        let later = now.addingTimeInterval(600)
        let second = B.order([B.transaction("t1", refunds: [B.refund("r1", status: .success, payu: B.record("r1", status: .success, arn: "921125460021"))])], fetchedAt: later)
        let again = try await #require(try store.record(second, orderID: id, rules: DeadlineRules()))
        #expect(!again.isFirstFetch)
        #expect(again.changes.map(\.field) == [.status, .payuStatus, .arn])

        let history = try await store.history(orderID: id)
        #expect(history.count == 7)
        #expect(history.last?.change == OrderChange(transactionID: "t1", refundID: "r1", field: .arn, old: nil, new: "921125460021"))
        #expect(history.last?.seenAt == later)
        let row = try await #require(try store.watchlist().first)
        #expect(row.fetchedAt == later)
        #expect(row.changedAt == later)
        #expect(row.summary?.stageSummary == "1 done")
        #expect(row.failure == nil)
    }

    /// The watchlist reads summaries from columns (schema v2): every field comes back as computed,
    /// ARNs, deadlines, stages, both amounts and their currencies included.
    @Test func summariesComeBackExactlyFromTheirColumns() async throws {
        let store = try await SQLiteStore.inMemory()
        let ids = try await store.add([order("ORD-TEST-0001"), order("ORD-TEST-0002")]).added.compactMap(\.id)
        let report = B.order([
            B.transaction("t1", refunds: [B.refund("r1", status: .success, payu: B.record("r1", status: .success, arn: "921125460021")),
                                          B.refund("r2", status: .success, payu: B.record("r2", status: .success)),
                                          B.refund("r3", status: .failed, payu: B.record("r3", status: .failure))]),
            B.transaction("t2", refunds: [B.refund("r4", payu: B.record("r4", status: .queued, arn: "74%0A\r\n1"))]),
        ], fetchedAt: now)
        _ = try await store.record(report, orderID: ids[0], rules: DeadlineRules())
        let rows = try await store.watchlist()
        #expect(rows[0].summary == OrderSummary(report, rules: DeadlineRules()))
        #expect(rows[0].summary?.deadlines.map(\.stage) == [.queued, .arn], "r4 is queued at PayU, r2 waits for its ARN")
        #expect(rows[0].summary?.deadlines.map(\.refundID) == ["r4", "r2"])
        #expect(rows[0].summary?.arns == ["921125460021", "74%0A\r\n1"])
        #expect(rows[1].summary == nil)
        #expect(try await store.watchedOrder(id: ids[0])?.summary == rows[0].summary)
    }

    /// Decoding a stored report can fail (a newer refundwatch wrote it, a disk damaged it). That is
    /// an error naming the order, never "not fetched yet": the history must not get a second set of
    /// "first seen" entries, and nothing is written for the order.
    @Test func aStoredReportThatCannotBeReadIsAnErrorAndNothingIsRewritten() async throws {
        let folder = try ScratchFolder()
        let store = try await SQLiteStore.open(at: folder.file("watch.sqlite"))
        let added = try await store.add([order("ORD-TEST-0001"), order("ORD-TEST-0002")]).added
        let id = try #require(added[0].id)
        let report = B.order([B.transaction("t1", refunds: [B.refund("r1", status: .success, payu: B.record("r1", status: .success))])], fetchedAt: now)
        _ = try await store.record(report, orderID: id, rules: DeadlineRules())
        _ = try await store.record(report, orderID: try #require(added[1].id), rules: DeadlineRules())
        let historyBefore = try await store.history(orderID: id)
        #expect(!historyBefore.isEmpty)

        let damaged = Data(#"{"reference_id": "ORD-TEST-0001", "payment": {"#.utf8)
        try await DatabaseQueue(path: store.path).write { try $0.execute(sql: "UPDATE order_state SET report = ? WHERE order_id = ?", arguments: [damaged, id]) }

        let later = B.order([B.transaction("t1", refunds: [B.refund("r1", status: .success, payu: B.record("r1", status: .success, arn: "ARN1"))])],
                            fetchedAt: now.addingTimeInterval(60))
        await #expect {
            _ = try await store.record(later, orderID: id, rules: DeadlineRules())
        } throws: { error in
            guard let error = error as? StoreError else { return false }
            return error.kind == .unreadableReport && error.description.contains("ORD-TEST-0001")
                && error.description.contains("not valid JSON") && error.description.contains("refundwatch track remove ORD-TEST-0001")
        }
        #expect(try await store.history(orderID: id) == historyBefore)
        let stored = try await DatabaseQueue(path: store.path).read { try Data.fetchOne($0, sql: "SELECT report FROM order_state WHERE order_id = ?", arguments: [id]) }
        #expect(stored == damaged)
        await #expect(throws: StoreError.self) { _ = try await store.report(orderID: id) }
        await #expect(throws: StoreError.self) { _ = try await store.reports() }
        // The other order is untouched and still records.
        let otherID = try #require(added[1].id)
        #expect(try await store.record(later, orderID: otherID, rules: DeadlineRules())?.changes.map(\.field) == [.arn])
    }

    @Test func aFailedFetchKeepsTheLastGoodReportAndIsShownUntilAFetchWorks() async throws {
        let store = try await SQLiteStore.inMemory()
        let id = try await #require(try store.add([order("ORD-TEST-0001")]).added.first?.id)
        let good = B.order([B.transaction("t1", refunds: [B.refund("r1")])], fetchedAt: now)
        _ = try await store.record(good, orderID: id, rules: DeadlineRules())
        let error = ReportedError(category: .network, service: .kaleyra, message: "Kaleyra did not answer within 20 s")
        try await store.recordFailure(error, at: now.addingTimeInterval(60), orderID: id)

        var row = try await #require(try store.watchlist().first)
        #expect(row.isStale)
        #expect(row.failure == FetchFailure(error: error, at: now.addingTimeInterval(60)))
        #expect(row.fetchedAt == now)
        #expect(row.summary?.refundCount == 1)
        #expect(try await store.report(orderID: id) == good)

        _ = try await store.record(good, orderID: id, rules: DeadlineRules())
        row = try await #require(try store.watchlist().first)
        #expect(row.failure == nil)
    }

    @Test func removingAnOrderRemovesItsStateAndHistory() async throws {
        let store = try await SQLiteStore.inMemory()
        let added = try await store.add([order("ORD-1"), order("ORD-2")]).added
        for entry in added {
            _ = try await store.record(B.order([B.transaction("t", refunds: [B.refund("r")])], fetchedAt: now), orderID: entry.id!, rules: DeadlineRules())
        }
        #expect(try await store.remove(referenceIDs: ["ORD-1", "ORD-9"]) == ["ORD-1"])
        #expect(try await store.history(orderID: added[0].id!).isEmpty)
        #expect(try await store.report(orderID: added[0].id!) == nil)
        #expect(try await store.history(orderID: added[1].id!).count == 3)
        // Recording for an order removed meanwhile (by another process) writes nothing.
        #expect(try await store.record(B.order([], fetchedAt: now), orderID: added[0].id!, rules: DeadlineRules()) == nil)
    }

    // MARK: - Files that are not what they should be

    /// The file's bytes before and after: a refused file must be left exactly as it was.
    func expectRefused(_ path: String, kind: StoreError.Kind, mentioning words: [String]) async throws {
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let error = await #expect(throws: StoreError.self) { try await SQLiteStore.open(at: path) }
        #expect(error?.kind == kind)
        for word in words { #expect(error?.description.contains(word) == true, "\(error?.description ?? "") lacks \(word)") }
        #expect(error?.description.contains(path) == true)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test func aFileThatIsNotSQLiteIsRefusedAndLeftAlone() async throws {
        let scratch = try ScratchFolder()
        let path = scratch.file("notes.sqlite")
        try Data("reference ids I must check\nORD-1\n".utf8).write(to: URL(fileURLWithPath: path))
        try await expectRefused(path, kind: .notSQLite, mentioning: ["not an SQLite file", "untouched", "--db"])
    }

    @Test func aDamagedDatabaseIsRefusedAndLeftAlone() async throws {
        let scratch = try ScratchFolder()
        let path = scratch.file("damaged.sqlite")
        do {
            let store = try await SQLiteStore.open(at: path)
            _ = try await store.add((1...500).map { order("ORD-\($0)") })
        }
        // Checkpoint the WAL into the main file, then overwrite pages past the header with garbage.
        try await DatabaseQueue(path: path).writeWithoutTransaction { try $0.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seek(toOffset: 4096)
        try handle.write(contentsOf: Data(repeating: 0xA5, count: 16_384))
        try handle.close()
        try await expectRefused(path, kind: .corrupt, mentioning: ["damaged", ".recover", "untouched"])

        // The dashboard opens without reading every page and verifies beside its first load: the
        // damage is found there (or at open, if it is in the schema), and the file is still as it was.
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let error = await #expect(throws: StoreError.self) {
            let store = try await SQLiteStore.open(at: path, verifyingEveryPage: false)
            try await store.verify()
        }
        #expect(error?.kind == .corrupt)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test func someoneElsesSQLiteDatabaseIsRefused() async throws {
        let scratch = try ScratchFolder()
        let path = scratch.file("crm.sqlite")
        try await DatabaseQueue(path: path).write { try $0.execute(sql: "CREATE TABLE customer (id INTEGER PRIMARY KEY, name TEXT)") }
        try await expectRefused(path, kind: .notRefundwatch, mentioning: ["not one of refundwatch's"])
    }

    @Test func aDatabaseFromANewerRefundwatchIsRefused() async throws {
        let scratch = try ScratchFolder()
        let path = scratch.file("newer.sqlite")
        _ = try await SQLiteStore.open(at: path).add([order("ORD-1")])
        let queue = try DatabaseQueue(path: path)
        try await queue.write { try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v9: something from the future')") }
        try await queue.writeWithoutTransaction { try $0.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        try await expectRefused(path, kind: .newerSchema, mentioning: ["newer refundwatch", "v9: something from the future", "Upgrade"])
    }

    @Test func aFolderOrAMissingFolderIsSaidPlainly() async throws {
        let scratch = try ScratchFolder()
        let folder = await #expect(throws: StoreError.self) { try await SQLiteStore.open(at: scratch.path) }
        #expect(folder?.problem.contains("is a folder") == true)
        let missing = await #expect(throws: StoreError.self) { try await SQLiteStore.open(at: scratch.file("no/such/dir/w.sqlite")) }
        #expect(missing?.problem.contains("does not exist") == true)
    }

    @Test func aReadOnlyDatabaseSaysToCheckPermissions() async throws {
        let scratch = try ScratchFolder()
        let path = scratch.file("ro.sqlite")
        _ = try await SQLiteStore.open(at: path).add([order("ORD-1")])
        // root writes through file modes; the immutable attribute stops even root (taken off after, awaited).
        let root = getuid() == 0
        let protect = root ? await chattr("+i", path) : (try? FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: path)) != nil
        try await scoped(path, stop: { if root { _ = await chattr("-i", $0) } }) { path in
            guard protect else {
                // No way to take write access away here: check what SQLite's read-only answer becomes.
                let error = StoreFile.storeError(DatabaseError(resultCode: .SQLITE_READONLY, message: "attempt to write a readonly database"), file: path)
                #expect(error.kind == .readOnly)
                return
            }
            try await expectRefused(path, kind: .readOnly, mentioning: ["read-only", "ls -l", "--db"])
        }
    }

    /// `chattr FLAG path`; false when the file system or the process's capabilities refuse it.
    func chattr(_ flag: String, _ path: String) async -> Bool {
        ((try? await ProcessRunner.run(ProcessCommand("/usr/bin/chattr", [flag, path], timeout: .seconds(30))))?.status ?? 1) == 0
    }

    @Test func theDemoPathIsNeverTheRealOne() {
        let environment = ["XDG_DATA_HOME": "/data", "HOME": "/home/op"]
        #expect(StoreFile.defaultPath(environment: environment) == "/data/refundwatch/refundwatch.sqlite")
        #expect(StoreFile.demoPath(environment: environment) == "/data/refundwatch/demo.sqlite")
        #expect(StoreFile.defaultPath(environment: ["HOME": "/home/op"]) == "/home/op/.local/share/refundwatch/refundwatch.sqlite")
    }
}
