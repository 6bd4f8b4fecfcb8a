import Foundation
import GRDB
import Testing
import RefundKit
@testable import RefundStore
import WatchlistModel
import TestReports
import TestSupport

/// `StoreCopy`: a watchlist and its history from one store into another, SQLite and PostgreSQL.
@Suite struct StoreCopyTests {
    typealias B = ReportBuilder
    /// Times with milliseconds, as real fetches have them.
    let t0 = ReportBuilder.created.addingTimeInterval(0.123)

    /// What a person sees of one order, whatever the store: its watchlist row, its last report and
    /// its history, without the ids (each store gives its own).
    struct Seen: Hashable {
        var row: WatchedOrder
        var report: OrderReport?
        var history: [HistoryEntry]
    }

    func seen(_ store: any WatchlistStore) async throws -> [Seen] {
        var result: [Seen] = []
        for var row in try await store.watchlist() {
            let id = try #require(row.order.id)
            row.order.id = nil
            // How many fetches each store has seen of the order is its own (a copy is one more).
            row.attempts = 0
            let history = try await store.history(orderID: id).map { entry in
                var entry = entry
                entry.id = 0
                entry.orderID = 0
                return entry
            }
            result.append(Seen(row: row, report: try await store.report(orderID: id), history: history))
        }
        return result
    }

    /// The same, with every time rounded to the microsecond: how PostgreSQL's rows compare with a
    /// file's (a `Date` read from each is a slightly different binary fraction of the same time).
    func toTheMicrosecond(_ seen: [Seen]) -> [Seen] {
        func round(_ date: Date) -> Date { Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1_000_000).rounded() / 1_000_000) }
        return seen.map { item in
            var item = item
            item.row.order.addedAt = round(item.row.order.addedAt)
            item.row.fetchedAt = item.row.fetchedAt.map(round)
            item.row.changedAt = item.row.changedAt.map(round)
            item.row.attemptedAt = item.row.attemptedAt.map(round)
            if var failure = item.row.failure {
                failure.at = round(failure.at)
                item.row.failure = failure
            }
            if var summary = item.row.summary {
                summary.settledAt = summary.settledAt.map(round)
                item.row.summary = summary
            }
            item.history = item.history.map { entry in
                var entry = entry
                entry.seenAt = round(entry.seenAt)
                return entry
            }
            return item
        }
    }

    /// A watchlist with one of everything: an order fetched twice (a history of changes), one whose
    /// last fetch failed twice, one never fetched, one with a label and both lookup ids, and a second
    /// entry of the first reference id under another phone number id. Returns the history's length.
    @discardableResult
    func fill(_ store: any WatchlistStore) async throws -> Int {
        let added = try await store.add([
            TrackedOrder(referenceID: "ORD-A", addedAt: t0.addingTimeInterval(-3600.0004567)),
            TrackedOrder(referenceID: "ORD-B", addedAt: t0.addingTimeInterval(-3500)),
            TrackedOrder(referenceID: "ORD-C", addedAt: t0.addingTimeInterval(-3400)),
            TrackedOrder(referenceID: "ORD-D", phoneNumberID: "919000000002", paymentConfigID: "cfg-7",
                         label: "vip: ₹ \"refund\"", addedAt: t0.addingTimeInterval(-3300)),
            TrackedOrder(referenceID: "ORD-A", phoneNumberID: "919000000009", addedAt: t0.addingTimeInterval(-3200)),
        ]).added
        let ids = added.compactMap(\.id)
        try #require(ids.count == 5)
        let rules = DeadlineRules()
        // ORD-A: first seen queued, then refunded with an ARN and a settlement.
        _ = try await store.record(B.order([B.transaction("t1", refunds: [B.refund("r1", payu: B.record("r1", status: .queued))])], fetchedAt: t0),
                                   orderID: ids[0], rules: rules)
        _ = try await store.record(B.order([B.transaction("t1", refunds: [B.refund("r1", status: .success,
                                                                                      payu: B.record("r1", status: .success, arn: "921125460021", settlement: "S1"))])],
                                           fetchedAt: t0.addingTimeInterval(600.456)), orderID: ids[0], rules: rules)
        // ORD-B: fetched once, then two failed fetches.
        _ = try await store.record(B.order([B.transaction("t2", refunds: [B.refund("r2")])], fetchedAt: t0.addingTimeInterval(60)), orderID: ids[1], rules: rules)
        let error = ReportedError(RefundWatchError.timeout(.kaleyra, seconds: 20))
        try await store.recordFailure(error, at: t0.addingTimeInterval(700.001), orderID: ids[1])
        try await store.recordFailure(error, at: t0.addingTimeInterval(900.999), orderID: ids[1])
        // ORD-D: two transactions, one of them not PayU's.
        _ = try await store.record(B.order([B.transaction("t3", refunds: [B.refund("r3", status: .success, payu: B.record("r3", status: .success, arn: "ARN-3"))]),
                                            B.transaction("t4", gateway: .razorpay, refunds: [B.refund("r4")])],
                                           fetchedAt: t0.addingTimeInterval(120.5)), orderID: ids[3], rules: rules)
        var rows = 0
        for id in ids { rows += try await store.history(orderID: id).count }
        return rows
    }

    func postgres(_ server: PostgresServer, database: String) async throws -> PostgresStore {
        try await server.psql("CREATE DATABASE \(database)")
        return try await PostgresStore.open(try PostgresLocation(url: server.url(database: database), environment: [:]),
                                            environment: ["PGPASSWORD": server.password])
    }

    @Test func aCopyToPostgreSQLAndBackToANewFileGivesTheSameWatchlistAndHistoryAndAgainCopiesNothing() async throws {
        let scratch = try ScratchFolder()
        let source = try await SQLiteStore.open(at: scratch.file("mine.sqlite"))
        let rows = try await fill(source)
        #expect(rows == 8 + 3 + 7, "A: 4 first seen and 4 changes; B: 3 first seen; D: 7 first seen")
        try await withPostgres { server in
            let team = try await postgres(server, database: "team")
            let back = try await SQLiteStore.open(at: scratch.file("back.sqlite"))

            // Two orders a page: three pages for five orders.
            let there = try await StoreCopy.copy(from: source, to: team, pageSize: 2)
            #expect(there == CopyCounts(ordersCopied: 5, ordersAlreadyThere: 0, ordersUpdated: 0, historyCopied: rows, historyAlreadyThere: 0))
            let andBack = try await StoreCopy.copy(from: team, to: back)
            #expect(andBack == there)

            let original = try await seen(source)
            #expect(original.count == 5)
            #expect(original.map(\.row.order.referenceID) == ["ORD-A", "ORD-B", "ORD-C", "ORD-D", "ORD-A"])
            #expect(original[1].row.failures == 2 && original[1].row.failure != nil && original[2].row.attemptedAt == nil)
            #expect(original[3].row.order.label == "vip: ₹ \"refund\"" && original[3].row.order.paymentConfigID == "cfg-7")
            // Field for field: the watchlist, every report and every history row.
            let returned = try await seen(back)
            #expect(returned == original)
            for (mine, theirs) in zip(original, returned) {
                #expect(mine.row == theirs.row)
                #expect(mine.report == theirs.report)
                #expect(mine.history == theirs.history)
            }
            #expect(toTheMicrosecond(try await seen(team)) == toTheMicrosecond(original))

            // Again, both ways: nothing more is written.
            let nothing = CopyCounts(ordersCopied: 0, ordersAlreadyThere: 5, ordersUpdated: 0, historyCopied: 0, historyAlreadyThere: rows)
            #expect(try await StoreCopy.copy(from: source, to: team) == nothing)
            #expect(try await StoreCopy.copy(from: team, to: back) == nothing)
            #expect(try await StoreCopy.copy(from: back, to: team) == nothing)
            #expect(try await seen(back) == original)
            #expect(toTheMicrosecond(try await seen(team)) == toTheMicrosecond(original))
            #expect(try await server.psql("SELECT count(*) FROM history", database: "team") == "\(rows)\n")
            #expect(try await server.psql("SELECT count(*) FROM tracked_order", database: "team") == "5\n")
            await team.close()
        }
    }

    @Test(arguments: [StoreBackend.sqliteFile, .postgres])
    func aTargetKeepsItsLaterStateTakesTheSourcesLaterOneAndGainsTheHistoryItLacks(_ backend: StoreBackend) async throws {
        let source: any CopyableStore = try await SQLiteStore.inMemory()
        try await backend.withStore { made in
            let target = try #require(made as? any CopyableStore)
            let rules = DeadlineRules()
            let queued = B.order([B.transaction("t", refunds: [B.refund("r", payu: B.record("r", status: .queued))])], fetchedAt: t0)
            let done = B.order([B.transaction("t", refunds: [B.refund("r", status: .success, payu: B.record("r", status: .success, arn: "ARN-1"))])],
                               fetchedAt: t0.addingTimeInterval(300))

            let mine = try await source.add([TrackedOrder(referenceID: "ORD-OLD-HERE", addedAt: t0), TrackedOrder(referenceID: "ORD-NEW-HERE", addedAt: t0),
                                             TrackedOrder(referenceID: "ORD-FAILED-SINCE", addedAt: t0)]).added.compactMap(\.id)
            let theirs = try await target.add([TrackedOrder(referenceID: "ORD-OLD-HERE", label: "theirs", addedAt: t0 - 60),
                                               TrackedOrder(referenceID: "ORD-NEW-HERE", label: "theirs", addedAt: t0 - 60),
                                               TrackedOrder(referenceID: "ORD-FAILED-SINCE", label: "theirs", addedAt: t0 - 60)]).added.compactMap(\.id)
            // ORD-OLD-HERE: the source saw it done after the target last saw it queued.
            _ = try await source.record(queued, orderID: mine[0], rules: rules)
            _ = try await source.record(done, orderID: mine[0], rules: rules)
            _ = try await target.record(queued, orderID: theirs[0], rules: rules)
            // ORD-NEW-HERE: the other way round.
            _ = try await source.record(queued, orderID: mine[1], rules: rules)
            _ = try await target.record(queued, orderID: theirs[1], rules: rules)
            _ = try await target.record(done, orderID: theirs[1], rules: rules)
            // ORD-FAILED-SINCE: both saw it done; the source's fetch failed after that.
            _ = try await source.record(done, orderID: mine[2], rules: rules)
            try await source.recordFailure(ReportedError(RefundWatchError.timeout(.payu, seconds: 8)), at: t0.addingTimeInterval(400), orderID: mine[2])
            _ = try await target.record(done, orderID: theirs[2], rules: rules)

            let before = try await seen(target)
            let sourceSeen = try await seen(source)
            let counts = try await StoreCopy.copy(from: source, to: target)
            // The first sightings are there already (4 rows queued, 5 done); ORD-OLD-HERE's change to
            // done (status, PayU status, ARN) only the source has.
            #expect(counts == CopyCounts(ordersCopied: 0, ordersAlreadyThere: 1, ordersUpdated: 2, historyCopied: 3, historyAlreadyThere: 4 + 4 + 5))
            let after = try await seen(target)
            #expect(after.map(\.row.order) == before.map(\.row.order), "the target's own rows stay: its labels and times added")
            // Updated: the source's state, whole.
            for index in [0, 2] {
                var expected = sourceSeen[index].row
                expected.order = before[index].row.order
                #expect(toTheMicrosecond([Seen(row: after[index].row, report: after[index].report, history: [])])
                        == toTheMicrosecond([Seen(row: expected, report: sourceSeen[index].report, history: [])]))
            }
            #expect(after[0].report == sourceSeen[0].report && after[0].report?.transactions.first?.refunds.first?.payu?.bankARN == "ARN-1")
            #expect(after[2].row.failures == 1 && after[2].row.failure?.error.service == .payu && after[2].row.summary != nil)
            // Kept: the target's later state.
            #expect(after[1].row == before[1].row && after[1].report == before[1].report && after[1].row.summary?.arnPresent == 1)
            #expect(after[0].history.map(\.change) == sourceSeen[0].history.map(\.change), "the target's history gained the rows it lacked")
            #expect(after[1].history == before[1].history, "nothing the target did not have")
            #expect(try await StoreCopy.copy(from: source, to: target)
                    == CopyCounts(ordersCopied: 0, ordersAlreadyThere: 3, ordersUpdated: 0, historyCopied: 0, historyAlreadyThere: 7 + 4 + 5))
        }
    }

    /// PostgreSQL takes at most 65,535 values a statement: a page whose orders hold more history
    /// rows than one statement can carry is written in several, every row once.
    @Test func aPageWithMoreHistoryThanOneStatementHoldsIsCopiedWhole() async throws {
        let scratch = try ScratchFolder()
        let source = try await SQLiteStore.open(at: scratch.file("mine.sqlite"))
        let rows = try await fill(source)
        let orderA = try await #require(try source.orders(referenceID: "ORD-A").first?.id)
        // 12,000 more rows for ORD-A: about three statements' worth at seven values a row.
        try await source.writer.write { db in
            for index in 0..<12_000 {
                try db.execute(sql: """
                    INSERT INTO history (order_id, seen_at, transaction_id, refund_id, field, old_value, new_value)
                    VALUES (?, ?, 't1', 'r1', 'refund.status', ?, ?)
                    """, arguments: [orderA, t0.addingTimeInterval(Double(index)), "s\(index)", "s\(index + 1)"])
            }
        }
        try await withPostgres { server in
            let team = try await postgres(server, database: "team")
            let counts = try await StoreCopy.copy(from: source, to: team)
            #expect(counts == CopyCounts(ordersCopied: 5, ordersAlreadyThere: 0, ordersUpdated: 0, historyCopied: rows + 12_000, historyAlreadyThere: 0))
            #expect(try await server.psql("SELECT count(*), count(DISTINCT old_value) FILTER (WHERE field = 'refund.status' AND old_value LIKE 's%') FROM history",
                                         database: "team") == "\(rows + 12_000)|12000\n")
            #expect(try await StoreCopy.copy(from: source, to: team).historyAlreadyThere == rows + 12_000)
            #expect(toTheMicrosecond(try await seen(team)) == toTheMicrosecond(try await seen(source)))
            await team.close()
        }
    }

    @Test func aCopyStoppedPartWayIsFinishedByRunningItAgain() async throws {
        let scratch = try ScratchFolder()
        let source = try await SQLiteStore.open(at: scratch.file("mine.sqlite"))
        let rows = try await fill(source)
        let target = try await SQLiteStore.open(at: scratch.file("copy.sqlite"))
        _ = try await StoreCopy.copy(from: source, to: target)
        // What a copy stopped after its third order leaves: whole orders, the others not there.
        let removed = try await target.remove(referenceIDs: ["ORD-D", "ORD-A"])
        #expect(removed == ["ORD-D", "ORD-A"])
        // A history row the source holds twice (the same change, seen at the same time) is copied twice.
        let orderB = try await #require(try source.orders(referenceID: "ORD-B").first?.id)
        try await source.writer.write { db in
            try db.execute(sql: """
                INSERT INTO history (order_id, seen_at, transaction_id, refund_id, field, old_value, new_value)
                SELECT order_id, seen_at, transaction_id, refund_id, field, old_value, new_value FROM history WHERE order_id = ? ORDER BY id LIMIT 1
                """, arguments: [orderB])
        }
        let removedRows = 8 + 0 + 7 // both entries of ORD-A, and ORD-D
        let counts = try await StoreCopy.copy(from: source, to: target)
        #expect(counts == CopyCounts(ordersCopied: 3, ordersAlreadyThere: 2, ordersUpdated: 0, historyCopied: removedRows + 1,
                                     historyAlreadyThere: rows - removedRows))
        #expect(Set(try await seen(target)) == Set(try await seen(source)), "the same orders (in another order: the removed ones came back last)")
        #expect(try await StoreCopy.copy(from: source, to: target).historyCopied == 0)
    }

    /// A time PostgreSQL keeps to the microsecond is kept to the millisecond in a file: a copy into
    /// the file and back, or run again, still finds every row and state it wrote.
    @Test func timesFinerThanAFileKeepsAreFoundAgainToTheMillisecond() async throws {
        try await withPostgres { server in
            let team = try await postgres(server, database: "team")
            let fine = Date(timeIntervalSince1970: 1_795_000_000.123_456_7)
            let id = try #require(try await team.add([TrackedOrder(referenceID: "ORD-FINE", addedAt: fine)]).added.first?.id)
            _ = try await team.record(B.order([B.transaction("t", refunds: [B.refund("r")])], fetchedAt: fine), orderID: id, rules: DeadlineRules())
            try await team.recordFailure(ReportedError(RefundWatchError.timeout(.kaleyra, seconds: 20)), at: fine + 60.000_4, orderID: id)
            let scratch = try ScratchFolder()
            let mine = try await SQLiteStore.open(at: scratch.file("mine.sqlite"))

            let rows = try await team.history(orderID: id).count
            #expect(rows == 3)
            #expect(try await StoreCopy.copy(from: team, to: mine)
                    == CopyCounts(ordersCopied: 1, ordersAlreadyThere: 0, ordersUpdated: 0, historyCopied: rows, historyAlreadyThere: 0))
            // Kept to the millisecond, rounded: .123456 is .123, and 60.123856 is 60.124.
            func milliseconds(_ date: Date?) -> Int64? { date.map { Int64(($0.timeIntervalSince1970 * 1_000).rounded()) } }
            let row = try await #require(try mine.watchlist().first)
            #expect(milliseconds(row.order.addedAt) == 1_795_000_000_123 && milliseconds(row.fetchedAt) == 1_795_000_000_123)
            #expect(milliseconds(row.attemptedAt) == 1_795_000_060_124)
            await #expect(milliseconds(try mine.history(orderID: 1).first?.seenAt) == 1_795_000_000_123)
            let again = CopyCounts(ordersCopied: 0, ordersAlreadyThere: 1, ordersUpdated: 0, historyCopied: 0, historyAlreadyThere: rows)
            #expect(try await StoreCopy.copy(from: team, to: mine) == again)
            #expect(try await StoreCopy.copy(from: mine, to: team) == again)
            #expect(try await team.history(orderID: id).count == rows)
            #expect(try await mine.history(orderID: 1).count == rows)
            await team.close()
        }
    }

    /// What a store holds is copied as it is stored: an error category or a history field this
    /// version does not know, the report's bytes; times to the target's precision, rounded (a time
    /// a hair below a whole microsecond is that microsecond, where PostgresNIO alone would
    /// truncate it to the one before).
    @Test(arguments: [StoreBackend.sqliteFile, .postgres])
    func whatASourceStoredIsCopiedAsStored(_ backend: StoreBackend) async throws {
        try await backend.withStore { made in
            let target = try #require(made as? any CopyableStore)
            // The binary fraction just below 1_795_000_000.123456: PostgresNIO would write .123455.
            let time = Date(timeIntervalSinceReferenceDate: Date(timeIntervalSince1970: 1_795_000_000.123_456).timeIntervalSinceReferenceDate.nextDown)
            let copy = OrderCopy(
                order: TrackedOrder(id: 41, referenceID: "ORD-RAW", phoneNumberID: "919000000002", label: "raw", addedAt: time),
                state: OrderCopy.State(report: Data(#"{"not": "a report this version reads"}"#.utf8), summaryJSON: Data("{}".utf8), summary: nil,
                                       fetchedAt: nil, changedAt: nil, attemptedAt: time, errorCategory: "quota_exceeded", errorService: "future-service",
                                       errorMessage: "a message", failedAt: time, failures: 7),
                history: [OrderCopy.HistoryRow(seenAt: time, transactionID: nil, refundID: "r", field: "future_field", oldValue: nil, newValue: "x"),
                          OrderCopy.HistoryRow(seenAt: time, transactionID: nil, refundID: "r", field: "future_field", oldValue: nil, newValue: "x")])
            #expect(try await target.absorb(copy) == AbsorbOutcome(order: .added, historyCopied: 2, historyAlreadyThere: 0))
            #expect(try await target.absorb(copy) == AbsorbOutcome(order: .alreadyThere, historyCopied: 0, historyAlreadyThere: 2))

            let stored = try #require(try await target.copyOrders(afterID: 0, limit: 10).first)
            let kept = backend == .postgres ? Date(timeIntervalSince1970: 1_795_000_000.123_456) : Date(timeIntervalSince1970: 1_795_000_000.123)
            func microseconds(_ date: Date?) -> Int64? { date.map { Int64(($0.timeIntervalSince1970 * 1_000_000).rounded()) } }
            #expect(microseconds(stored.order.addedAt) == microseconds(kept))
            #expect(microseconds(stored.state?.attemptedAt) == microseconds(kept) && microseconds(stored.state?.failedAt) == microseconds(kept))
            #expect(stored.history.map { microseconds($0.seenAt) } == [microseconds(kept), microseconds(kept)])
            var expected = copy
            expected.order.id = stored.order.id
            expected.order.addedAt = stored.order.addedAt
            expected.state?.attemptedAt = stored.state?.attemptedAt
            expected.state?.failedAt = stored.state?.failedAt
            for index in expected.history.indices { expected.history[index].seenAt = stored.history[index].seenAt }
            #expect(stored == expected)
            let row = try #require(try await target.watchlist().first)
            #expect(row.failures == 7 && row.failure?.error.message == "a message" && row.summary == nil)
        }
    }

    @Test func theSourceMustExist() async throws {
        let scratch = try ScratchFolder()
        await #expect(throws: StoreError.self) { try await SQLiteStore.openExisting(at: scratch.file("missing.sqlite")) }
        #expect(!FileManager.default.fileExists(atPath: scratch.file("missing.sqlite")), "no new empty file")
        FileManager.default.createFile(atPath: scratch.file("empty.sqlite"), contents: Data())
        await #expect(throws: StoreError.self) { try await SQLiteStore.openExisting(at: scratch.file("empty.sqlite")) }
        #expect(try FileManager.default.attributesOfItem(atPath: scratch.file("empty.sqlite"))[.size] as? Int == 0, "left empty")
        try await withPostgres { server in
            try await server.psql("CREATE DATABASE empty")
            let place = try PostgresLocation(url: server.url(database: "empty"), environment: [:])
            await #expect(throws: StoreError.self) { try await PostgresStore.openExisting(place, environment: ["PGPASSWORD": server.password]) }
            #expect(try await server.psql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", database: "empty") == "0\n", "left untouched")
        }
    }
}
