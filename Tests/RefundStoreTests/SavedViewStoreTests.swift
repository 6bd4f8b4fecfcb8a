import Foundation
import GRDB
import Testing
import RefundKit
@testable import RefundStore
import WatchlistModel
import TestReports
import TestSupport

/// Saved views in the store (`saved_view`: SQLite v11, PostgreSQL 8): saved, listed by name,
/// replaced and removed without regard to case, a row written by hand that `views save` would
/// refuse left out, a file or a database of the release before opened by this one, and `db copy`
/// carrying the views without replacing the target's.
// One private PostgreSQL server at a time: several at once load a 2-core machine enough to
// make the suite's timing tests (a poller stopped by SIGTERM within 10 s) miss.
@Suite(.serialized) struct SavedViewStoreTests {
    typealias B = ReportBuilder
    let t0 = ReportBuilder.created
    let rules = DeadlineRules()

    // MARK: - Stores with a way in by hand

    /// Runs SQL in the store as someone with `sqlite3` or `psql` would; what it printed, one line a
    /// row, values between `|` (NULL as nothing), as `psql -qAt` prints.
    typealias RawSQL = (String) async throws -> String

    /// A fresh, empty store of `backend` for `body`, with a way to run SQL in it by hand; the file
    /// or the private server is removed after it, whether `body` returned or threw.
    func withStore(_ backend: StoreBackend, _ body: (any WatchlistStore, RawSQL) async throws -> Void) async throws {
        switch backend {
        case .sqliteFile, .sqliteMemory:
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rw-views-\(UUID())").path
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try await scoped(folder, stop: { try? FileManager.default.removeItem(atPath: $0) }) { folder in
                let store = try await SQLiteStore.open(at: folder + "/w.sqlite")
                try await body(store) { sql in try await Self.sqlite(store.writer, sql) }
            }
        case .postgres:
            try await withPostgres { server in
                try await server.psql("CREATE DATABASE watchlist")
                let place = try PostgresLocation(url: server.url(database: "watchlist"), environment: [:])
                try await scoped(try await PostgresStore.open(place, environment: ["PGPASSWORD": server.password]), stop: { await $0.close() }) { store in
                    try await body(store) { sql in try await server.psql(sql, database: "watchlist") }
                }
            }
        }
    }

    /// SQL run in an SQLite file, its rows printed as `psql -qAt` prints them.
    static func sqlite(_ writer: any DatabaseWriter, _ sql: String) async throws -> String {
        try await writer.write { db in
            let rows = try Row.fetchAll(db, sql: sql)
            return rows.map { row in
                row.databaseValues.map { value -> String in
                    switch value.storage {
                    case .null: ""
                    case .int64(let number): String(number)
                    case .double(let number): String(number)
                    case .string(let text): text
                    case .blob(let data): data.base64EncodedString()
                    }
                }.joined(separator: "|") + "\n"
            }.joined()
        }
    }

    /// The SQL of a character by its code: SQLite's `char`, PostgreSQL's `chr`.
    func character(_ code: Int, _ backend: StoreBackend) -> String { backend == .postgres ? "chr(\(code))" : "char(\(code))" }

    /// A time to the millisecond, as both backends keep it.
    func milliseconds(_ date: Date?) -> Int64? { date.map { Int64(($0.timeIntervalSince1970 * 1_000).rounded()) } }

    /// What a view is, fields by fields, for messages that say which differs.
    struct Fields: Hashable, CustomStringConvertible {
        var name: String
        var filter: String
        var sort: ViewSort
        var columns: [ViewColumn]?
        var origin: SavedView.Origin
        var savedBy: String?
        var savedAt: Int64?
        init(_ view: SavedView) {
            (name, filter, sort, columns, origin, savedBy) = (view.name, view.filter, view.sort, view.columns, view.origin, view.savedBy)
            savedAt = view.savedAt.map { Int64(($0.timeIntervalSince1970 * 1_000).rounded()) }
        }
        var description: String {
            "\(name) /\(filter) \(sort.rawValue) [\(columns.map { $0.map(\.rawValue).joined(separator: ",") } ?? "usual")] \(origin) by \(savedBy ?? "nil") at \(savedAt.map(String.init) ?? "nil")"
        }
    }

    // MARK: - Saving, listing, replacing, removing

    @Test(arguments: StoreBackend.shared)
    func savedViewsAreListedByNameWithoutRegardToCaseWithWhoSavedThemAndWhen(_ backend: StoreBackend) async throws {
        try await withStore(backend) { store, _ in
            #expect(try await store.savedViews().isEmpty, "a new store has no views")
            let late = SavedView(name: "Late-North", filter: "is:late account:north", sort: .deadline, columns: [.reference, .amount, .state, .deadline],
                                 origin: .store, savedBy: "asha", savedAt: t0.addingTimeInterval(0.25))
            let changed = SavedView(name: "Changed", sort: .recent, origin: .store, savedBy: "ravi", savedAt: t0.addingTimeInterval(3_600))
            let arn = SavedView(name: "arn", filter: "is:due", sort: .reference, columns: [.reference, .arn], origin: .store, savedBy: "meera",
                                savedAt: t0.addingTimeInterval(-86_400))
            let before = Date()
            for view in [late, changed, arn] {
                #expect(try await store.saveView(view) == false, "\(view.name) is new")
            }
            // No time given: the store's clock (the machine's, or the database server's).
            #expect(try await store.saveView(SavedView(name: "due", filter: "is:due", origin: .configuration)) == false)
            let after = Date()

            let views = try await store.savedViews()
            // By name without regard to case: "arn" before "Changed" (byte order would put "C" first).
            #expect(views.map(\.name) == ["arn", "Changed", "due", "Late-North"])
            #expect(views.allSatisfy { $0.origin == .store }, "a view read from the store is the store's, whatever it was saved as")
            #expect(views.map(Fields.init).filter { $0.name != "due" } == [arn, changed, late].map(Fields.init))
            let due = try #require(views.first { $0.name == "due" })
            #expect(due.filter == "is:due" && due.sort == .attention && due.columns == nil && due.savedBy == nil, "\(Fields(due))")
            let savedAt = try #require(due.savedAt, "a view saved without a time gets one")
            #expect(savedAt >= before.addingTimeInterval(-1) && savedAt <= after.addingTimeInterval(1), "\(savedAt) between \(before) and \(after)")
        }
    }

    @Test(arguments: StoreBackend.shared)
    func savingANameAgainInAnotherCaseReplacesTheViewUnderTheNewSpelling(_ backend: StoreBackend) async throws {
        try await withStore(backend) { store, sql in
            let first = SavedView(name: "late", filter: "is:late", sort: .attention, origin: .store, savedBy: "asha", savedAt: t0)
            #expect(try await store.saveView(first) == false)
            #expect(try await store.saveView(SavedView(name: "other", origin: .store, savedBy: "asha", savedAt: t0)) == false)
            let second = SavedView(name: "LATE", filter: "is:late account:north", sort: .deadline, columns: [.reference, .state],
                                   origin: .store, savedBy: "ravi", savedAt: t0.addingTimeInterval(120.5))
            #expect(try await store.saveView(second) == true, "the same name in another case is the same view")

            let views = try await store.savedViews()
            #expect(views.map(\.name) == ["LATE", "other"], "one row for the name, under its new spelling")
            #expect(views.first.map(Fields.init) == Fields(second), "everything of the first is gone")
            #expect(try await sql("SELECT count(*) FROM saved_view") == "2\n")
            #expect(try await sql("SELECT name_key, name FROM saved_view ORDER BY name_key") == "late|LATE\nother|other\n")

            // The same spelling again replaces too.
            #expect(try await store.saveView(SavedView(name: "LATE", filter: "is:due", origin: .store, savedBy: "meera", savedAt: t0)) == true)
            #expect(try await store.savedViews().map { "\($0.name) \($0.filter) \($0.savedBy ?? "nil")" } == ["LATE is:due meera", "other  asha"])
        }
    }

    @Test(arguments: StoreBackend.shared)
    func removingAViewIgnoresCaseAndSaysFalseForANameItDoesNotHave(_ backend: StoreBackend) async throws {
        try await withStore(backend) { store, sql in
            #expect(try await store.removeView(named: "late") == false, "nothing to remove in a new store")
            for name in ["Late-North", "due"] {
                try await store.saveView(SavedView(name: name, origin: .store, savedBy: "asha", savedAt: t0))
            }
            #expect(try await store.removeView(named: "late-NORTH") == true)
            #expect(try await store.savedViews().map(\.name) == ["due"])
            #expect(try await store.removeView(named: "Late-North") == false, "already removed")
            #expect(try await store.removeView(named: "late") == false, "a name is the whole name, not a prefix")
            #expect(try await store.removeView(named: "nothing") == false)
            #expect(try await store.savedViews().map(\.name) == ["due"], "an unknown name removes nothing")
            #expect(try await store.removeView(named: "DUE") == true)
            #expect(try await store.savedViews().isEmpty)
            #expect(try await sql("SELECT count(*) FROM saved_view") == "0\n")
        }
    }

    @Test(arguments: StoreBackend.shared)
    func theUsualColumnsAndAListOfColumnsComeBackAsSaved(_ backend: StoreBackend) async throws {
        try await withStore(backend) { store, sql in
            let every: [ViewColumn] = [.reference] + ViewColumn.allCases.filter { $0 != .reference }.reversed()
            let usual = SavedView(name: "usual", origin: .store, savedBy: "asha", savedAt: t0)
            let all = SavedView(name: "all", columns: every, origin: .store, savedBy: "asha", savedAt: t0)
            let two = SavedView(name: "two", sort: .recent, columns: [.state, .reference], origin: .store, savedBy: "asha", savedAt: t0)
            for view in [usual, all, two] { try await store.saveView(view) }

            let views = try await store.savedViews()
            #expect(views.map(\.name) == ["all", "two", "usual"])
            #expect(views.first { $0.name == "usual" }?.columns == nil, "nil: the watchlist's usual columns")
            #expect(views.first { $0.name == "all" }?.columns == every, "every column, in the order given")
            #expect(views.first { $0.name == "two" }?.columns == [.state, .reference], "the reference where it was placed")
            #expect(views.map(Fields.init) == [all, two, usual].map(Fields.init))
            // As the table keeps them: NULL for the usual ones, names with commas between.
            #expect(try await sql("SELECT name, COALESCE(columns, '(null)') FROM saved_view ORDER BY name_key")
                    == "all|\(every.map(\.rawValue).joined(separator: ","))\ntwo|state,reference\nusual|(null)\n")
        }
    }

    @Test(arguments: StoreBackend.shared)
    func aRowWrittenByHandThatViewsSaveWouldRefuseIsLeftOut(_ backend: StoreBackend) async throws {
        try await withStore(backend) { store, sql in
            try await store.saveView(SavedView(name: "good", filter: "is:late", origin: .store, savedBy: "asha", savedAt: t0))
            let at = "'2026-10-01 10:00:00.000'"
            let esc = character(27, backend), bell = character(7, backend)
            _ = try await sql("""
                INSERT INTO saved_view (name_key, name, filter, sort, columns, saved_by, saved_at) VALUES
                    ('latest', 'latest', 'is:late', 'latest', NULL, 'mallory', \(at)),
                    ('escape', 'escape', 'is:late' || \(esc) || '[2J', 'deadline', NULL, 'mallory', \(at)),
                    ('bell', 'bell', \(bell), 'recent', NULL, 'mallory', \(at)),
                    ('colour', 'colour', '', 'attention', 'reference,colour', 'mallory', \(at)),
                    ('two words', 'two words', '', 'attention', NULL, 'mallory', \(at)),
                    ('signed', 'signed', 'is:due', 'RECENT', 'STATE,amount', 'eve' || \(esc) || '[31m', \(at))
                """)
            #expect(try await sql("SELECT count(*) FROM saved_view") == "7\n", "the rows are there")

            let views = try await store.savedViews()
            // A bad sort, a control character in the filter, an unknown column, a name with a space:
            // left out, not shown and not thrown.
            #expect(views.map(\.name) == ["good", "signed"])
            let signed = try #require(views.last)
            // What `views save` would have made of it: case does not matter in a sort or a column,
            // the reference comes first when left out, and the signature reaches no terminal raw.
            #expect(signed.sort == .recent && signed.columns == [.reference, .state, .amount], "\(Fields(signed))")
            #expect(signed.savedBy?.hasPrefix("eve") == true && signed.savedBy?.contains("\u{1B}") == false, "\(signed.savedBy ?? "nil")")
            #expect(views.allSatisfy { !$0.filter.unicodeScalars.contains { $0.properties.generalCategory == .control } })
            #expect(try await sql("SELECT count(*) FROM saved_view") == "7\n", "reading removes nothing")
        }
    }

    // MARK: - Upgrades

    /// ORD-1's two fetches: queued, then refunded with an ARN ten minutes later.
    var firstFetch: OrderReport {
        B.order([B.transaction("t1", refunds: [B.refund("r1", payu: B.record("r1", status: .queued))])], fetchedAt: t0)
    }
    var secondFetch: OrderReport {
        B.order([B.transaction("t1", refunds: [B.refund("r1", status: .success, payu: B.record("r1", status: .success, arn: "921125460021"))])],
                fetchedAt: t0.addingTimeInterval(600))
    }

    /// What the release before wrote for ORD-1's two fetches, as the statements it ran.
    var writes: [RecordWrite] {
        let first = RecordWrite(fetched: firstFetch, previous: nil, previousFacts: [], rules: rules)
        let second = RecordWrite(fetched: secondFetch, previous: first.report, previousFacts: first.facts, rules: rules)
        return [first, second]
    }

    /// ORD-1 of the account "north", as the release before left it, read back through `store`;
    /// then the store takes a view, and has it.
    func expectOrderIntactAndViewsWork(_ store: any WatchlistStore, _ said: String) async throws {
        let orders = try await store.trackedOrders()
        #expect(orders.map(\.referenceID) == ["ORD-1"], "\(said)")
        #expect(orders.map(\.account) == ["north"], "\(said)")
        let id = try #require(orders.first?.id)
        #expect(try await store.report(orderID: id) == writes[1].report, "ORD-1's last report, \(said)")
        let expected = writes.flatMap { write in write.changes.map { (write.report.fetchedAt, $0) } }
        let history = try await store.history(orderID: id)
        #expect(history.count == expected.count && expected.count > writes[0].changes.count, "\(said)")
        #expect(history.map(\.change) == expected.map { $0.1 }, "\(said)")
        #expect(history.map(\.seenAt.timeIntervalSince1970) == expected.map { $0.0.timeIntervalSince1970 }, "\(said)")
        let row = try #require(try await store.watchedOrder(id: id))
        #expect(row.summary == writes[1].summary && row.fetchedAt == secondFetch.fetchedAt, "\(said)")

        #expect(try await store.savedViews().isEmpty, "an upgraded store has no views yet, \(said)")
        #expect(try await store.saveView(SavedView(name: "late", filter: "is:late", origin: .store, savedBy: "asha", savedAt: t0)) == false, "\(said)")
        #expect(try await store.savedViews().map(\.name) == ["late"], "\(said)")
        #expect(try await store.count() == 1, "\(said)")
    }

    @Test func aVersionTenFileOpensAtTheLatestVersionWithTheSavedViewTableAndItsOrderIntact() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rw-views-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try await scoped(folder, stop: { try? FileManager.default.removeItem(atPath: $0) }) { folder in
            let path = folder + "/v10.sqlite"
            // The release before: v10, ORD-1 of "north" fetched twice.
            do {
                let queue = try DatabaseQueue(path: path)
                try Schema.migrator.migrate(queue, upTo: "v10: accounts")
                let (writes, t0) = (writes, t0)
                try await queue.write { db in
                    try db.execute(sql: "INSERT INTO tracked_order (id, reference_id, added_at, account) VALUES (1, 'ORD-1', ?, 'north')", arguments: [t0])
                    for write in writes {
                        try db.execute(sql: StoreSQL.recordState(.question), arguments: SQLiteStore.arguments([.bigint(1)] + write.stateValues()))
                        try db.execute(sql: StoreSQL.summary(.question), arguments: SQLiteStore.arguments(SummaryColumns.values(write.summary) + [.bigint(1)]))
                        for row in write.history {
                            try db.execute(sql: StoreSQL.insertHistory(.question), arguments: SQLiteStore.arguments([.bigint(1)] + row))
                        }
                    }
                }
                let applied = try await queue.read { try Schema.migrator.appliedIdentifiers($0) }
                #expect(!applied.contains("v11: saved views"))
                #expect(try await queue.read { try $0.tableExists("saved_view") } == false)
                try queue.close()
            }

            let store = try await SQLiteStore.open(at: path)
            let applied = try await store.writer.read { try Schema.migrator.appliedIdentifiers($0) }
            #expect(applied == Set(Schema.migrator.migrations) && applied.contains("v11: saved views"))
            let columns = try await store.writer.read { db in try db.columns(in: "saved_view").map(\.name) }
            #expect(columns == ["name_key", "name", "filter", "sort", "columns", "saved_by", "saved_at"])
            try await expectOrderIntactAndViewsWork(store, "SQLite")

            // Opened again: nothing migrates twice, the view and the order stay.
            let again = try await SQLiteStore.open(at: path)
            #expect(try await again.savedViews().map(\.name) == ["late"])
            #expect(try await again.trackedOrders().map(\.referenceID) == ["ORD-1"])
            #expect(try await again.history(orderID: 1).map(\.change) == writes.flatMap(\.changes))
        }
    }

    @Test func aSchemaSevenDatabaseOpensAtTheLatestSchemaWithTheSavedViewTableAndItsOrderIntact() async throws {
        try await withPostgres { server in
            try await server.psql("CREATE DATABASE old")
            let migrations = PostgresSchema.migrations.filter { $0.version <= 7 }.map(\.sql)
            #expect(migrations.count == 7)
            try await server.psql(migrations.joined(separator: ";\n") + ";\nINSERT INTO refundwatch_meta (key, value) VALUES ('schema_version', '7');",
                                  database: "old")
            var sql = ["INSERT INTO tracked_order (id, reference_id, added_at, account) VALUES (1, 'ORD-1', \(AccountStoreTests.literal(.time(t0))), 'north');"]
            for write in writes {
                sql.append(AccountStoreTests.inline(StoreSQL.recordState(.numbered), [.bigint(1)] + (try write.stateValues())) + ";")
                sql.append(AccountStoreTests.inline(StoreSQL.summary(.numbered), SummaryColumns.values(write.summary) + [.bigint(1)]) + ";")
                for row in write.history { sql.append(AccountStoreTests.inline(StoreSQL.insertHistory(.numbered), [.bigint(1)] + row) + ";") }
            }
            sql.append("SELECT setval('tracked_order_id_seq', 1);")
            _ = try await server.psql(sql.joined(separator: "\n"), database: "old")
            #expect(try await server.psql("SELECT to_regclass('public.saved_view') IS NULL", database: "old") == "t\n", "no saved_view at schema 7")

            let place = try PostgresLocation(url: server.url(database: "old"), environment: [:])
            let store = try await PostgresStore.open(place, environment: ["PGPASSWORD": server.password])
            #expect(PostgresSchema.latest >= 8, "8 made saved_view")
            #expect(try await server.psql("SELECT value FROM refundwatch_meta WHERE key = 'schema_version'", database: "old") == "\(PostgresSchema.latest)\n")
            #expect(try await server.psql("SELECT column_name FROM information_schema.columns WHERE table_name = 'saved_view' ORDER BY ordinal_position",
                                         database: "old") == "name_key\nname\nfilter\nsort\ncolumns\nsaved_by\nsaved_at\n")
            try await expectOrderIntactAndViewsWork(store, "PostgreSQL")
            await store.close()

            // Opened again: already at the latest schema, the view and the order stay.
            let again = try await PostgresStore.open(place, environment: ["PGPASSWORD": server.password])
            #expect(try await again.savedViews().map(\.name) == ["late"])
            #expect(try await again.trackedOrders().map(\.referenceID) == ["ORD-1"])
            #expect(try await server.psql("SELECT value FROM refundwatch_meta WHERE key = 'schema_version'", database: "old") == "\(PostgresSchema.latest)\n")
            await again.close()
        }
    }

    // MARK: - db copy

    @Test func aCopyToPostgreSQLCarriesTheViewsAndKeepsThoseTheTargetHasByName() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rw-views-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try await scoped(folder, stop: { try? FileManager.default.removeItem(atPath: $0) }) { folder in
            let source = try await SQLiteStore.open(at: folder + "/mine.sqlite")
            let ids = try await source.add([TrackedOrder(referenceID: "ORD-A", account: "north", addedAt: t0), TrackedOrder(referenceID: "ORD-B", addedAt: t0)])
                .added.compactMap(\.id)
            try #require(ids.count == 2)
            _ = try await source.record(firstFetch, orderID: ids[0], rules: rules)
            let rows = try await source.history(orderID: ids[0]).count

            // The source's views: times with milliseconds, one signed by nobody.
            let mine = [
                SavedView(name: "north", filter: "account:north", sort: .deadline, columns: [.reference, .account, .deadline], origin: .store,
                          savedBy: "asha", savedAt: t0.addingTimeInterval(0.123)),
                SavedView(name: "Due", filter: "is:due", origin: .store, savedBy: nil, savedAt: t0.addingTimeInterval(86_400.987)),
                SavedView(name: "late", filter: "is:late", sort: .recent, origin: .store, savedBy: "asha", savedAt: t0.addingTimeInterval(7.001)),
            ]
            for view in mine { try await source.saveView(view) }
            let sourceViews = try await source.savedViews()
            #expect(sourceViews.map(\.name) == ["Due", "late", "north"])

            try await withPostgres { server in
                try await server.psql("CREATE DATABASE team")
                let place = try PostgresLocation(url: server.url(database: "team"), environment: [:])
                try await scoped(try await PostgresStore.open(place, environment: ["PGPASSWORD": server.password]), stop: { await $0.close() }) { team in
                    // The team has its own "LATE" already.
                    let theirs = SavedView(name: "LATE", filter: "is:late account:south", sort: .attention, columns: [.reference, .state],
                                           origin: .store, savedBy: "ravi", savedAt: t0.addingTimeInterval(-3_600.5))
                    try await team.saveView(theirs)

                    let counts = try await StoreCopy.copy(from: source, to: team)
                    var expected = CopyCounts(ordersCopied: 2, ordersAlreadyThere: 0, ordersUpdated: 0, historyCopied: rows, historyAlreadyThere: 0)
                    expected.viewsCopied = 2
                    expected.viewsAlreadyThere = 1
                    #expect(counts == expected)

                    let teamViews = try await team.savedViews()
                    #expect(teamViews.map(\.name) == ["Due", "LATE", "north"])
                    // Copied: every field, the time to the millisecond, the signature (none included).
                    for view in sourceViews where view.name != "late" {
                        let copied = try #require(teamViews.first { $0.name == view.name })
                        #expect(Fields(copied) == Fields(view))
                        #expect(milliseconds(copied.savedAt) == milliseconds(view.savedAt), "\(view.name) saved at the same millisecond")
                    }
                    #expect(milliseconds(teamViews.first { $0.name == "north" }?.savedAt) == milliseconds(t0).map { $0 + 123 })
                    #expect(teamViews.first { $0.name == "Due" }?.savedBy == nil)
                    // Kept: the team's own, as it was.
                    let kept = try #require(teamViews.first { SavedView.sameName($0.name, "late") })
                    #expect(Fields(kept) == Fields(theirs), "the target's view of that name is kept unchanged")
                    #expect(try await server.psql("SELECT name, saved_by FROM saved_view ORDER BY name_key", database: "team")
                            == "Due|\nLATE|ravi\nnorth|asha\n")

                    // Again: no view copied twice, no order either.
                    let again = try await StoreCopy.copy(from: source, to: team)
                    var none = CopyCounts(ordersCopied: 0, ordersAlreadyThere: 2, ordersUpdated: 0, historyCopied: 0, historyAlreadyThere: rows)
                    none.viewsCopied = 0
                    none.viewsAlreadyThere = 3
                    #expect(again == none)
                    #expect(try await team.savedViews().map(Fields.init) == teamViews.map(Fields.init))
                    #expect(try await server.psql("SELECT count(*) FROM saved_view", database: "team") == "3\n")

                    // And back into a new file: the team's views, times and signatures kept.
                    let back = try await SQLiteStore.open(at: folder + "/back.sqlite")
                    let home = try await StoreCopy.copy(from: team, to: back)
                    #expect(home.viewsCopied == 3 && home.viewsAlreadyThere == 0 && home.ordersCopied == 2)
                    #expect(try await back.savedViews().map(Fields.init) == teamViews.map(Fields.init))
                }
            }
        }
    }
}
