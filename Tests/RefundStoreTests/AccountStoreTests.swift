import Foundation
import GRDB
import Testing
import RefundKit
@testable import RefundStore
import WatchlistModel
import TestReports
import TestSupport

/// Several accounts in the store: `tracked_order.account` (SQLite v10, PostgreSQL 6), a file or a
/// database of the release before opened by this one (every order "default", its report and
/// history kept), the same reference id under two accounts, `place`, and `db copy` carrying the
/// account.
@Suite struct AccountStoreTests {
    typealias B = ReportBuilder
    let t0 = ReportBuilder.created
    let rules = DeadlineRules()

    /// ORD-1's two fetches: queued, then refunded with an ARN ten minutes later.
    var firstFetch: OrderReport {
        B.order([B.transaction("t1", refunds: [B.refund("r1", payu: B.record("r1", status: .queued))])], fetchedAt: t0)
    }
    var secondFetch: OrderReport {
        B.order([B.transaction("t1", refunds: [B.refund("r1", status: .success, payu: B.record("r1", status: .success, arn: "921125460021"))])],
                fetchedAt: t0.addingTimeInterval(600))
    }

    /// What the release before wrote for ORD-1's two fetches, as the statements it ran: the state,
    /// the summary's columns, the history rows.
    var writes: [RecordWrite] {
        let first = RecordWrite(fetched: firstFetch, previous: nil, previousFacts: [], rules: rules)
        let second = RecordWrite(fetched: secondFetch, previous: first.report, previousFacts: first.facts, rules: rules)
        return [first, second]
    }

    /// ORD-1's history as the store must read it back: its first sighting, then the changes.
    var expectedHistory: [(seenAt: Date, change: OrderChange)] {
        writes.flatMap { write in write.changes.map { (write.report.fetchedAt, $0) } }
    }

    /// ORD-1 (fetched twice) and ORD-2 (never fetched): what both backends must show after the
    /// upgrade, whatever wrote them.
    func expectUpgraded(_ store: any WatchlistStore, _ said: String) async throws {
        let orders = try await store.trackedOrders()
        #expect(orders.map(\.referenceID) == ["ORD-1", "ORD-2"], "\(said)")
        #expect(orders.map(\.account) == ["default", "default"], "every order stored before is the account \"default\"'s, \(said)")
        #expect(orders.allSatisfy { $0.phoneNumberID == nil && $0.paymentConfigID == nil }, "\(said)")
        let one = try #require(orders.first?.id)
        let two = try #require(orders.last?.id)

        #expect(try await store.report(orderID: one) == writes[1].report, "ORD-1's last report, \(said)")
        let history = try await store.history(orderID: one)
        #expect(history.count == expectedHistory.count && expectedHistory.count > writes[0].changes.count, "\(said)")
        #expect(history.map(\.change) == expectedHistory.map(\.change), "\(said)")
        #expect(history.map(\.seenAt.timeIntervalSince1970) == expectedHistory.map(\.seenAt.timeIntervalSince1970), "\(said)")
        let row = try #require(try await store.watchedOrder(id: one))
        #expect(row.order.account == "default" && row.fetchedAt == secondFetch.fetchedAt, "\(said)")
        #expect(row.summary == writes[1].summary, "\(said)")
        #expect(try await store.report(orderID: two) == nil, "ORD-2 never fetched, \(said)")
        #expect(try await store.history(orderID: two).isEmpty, "ORD-2 never fetched, \(said)")

        // The key gained the account: the same reference id under "north" is a second entry, under
        // "default" again a duplicate.
        let north = try await store.add([TrackedOrder(referenceID: "ORD-1", account: "north", addedAt: t0.addingTimeInterval(3_600))])
        #expect(north.added.count == 1 && north.duplicates.isEmpty, "\(said): \(north)")
        let again = try await store.add([TrackedOrder(referenceID: "ORD-1", account: "default", addedAt: t0.addingTimeInterval(3_600))])
        #expect(again.added.isEmpty && again.duplicates.map(\.referenceID) == ["ORD-1"], "\(said): \(again)")
        let entries = try await store.orders(referenceID: "ORD-1")
        #expect(entries.map(\.account) == ["default", "north"], "\(said)")
        #expect(entries.first?.id == one, "the old entry kept its id, \(said)")
        let newID = try #require(entries.last?.id)
        #expect(try await store.report(orderID: newID) == nil, "the new entry has nothing of the old one's, \(said)")
        #expect(try await store.report(orderID: one) == writes[1].report, "\(said)")
        #expect(try await store.count() == 3, "\(said)")
    }

    // MARK: - Upgrades

    /// A v9 file as the release before this one left it: ORD-1 fetched twice, ORD-2 never.
    func writeVersionNineFile(_ path: String) async throws {
        let queue = try DatabaseQueue(path: path)
        try Schema.migrator.migrate(queue, upTo: "v9: refund facts for the overview")
        let (writes, t0) = (writes, t0)
        try await queue.write { db in
            for id in 1...2 {
                try db.execute(sql: "INSERT INTO tracked_order (id, reference_id, added_at) VALUES (?, ?, ?)", arguments: [id, "ORD-\(id)", t0])
            }
            for write in writes {
                try db.execute(sql: StoreSQL.recordState(.question), arguments: SQLiteStore.arguments([.bigint(1)] + write.stateValues()))
                try db.execute(sql: StoreSQL.summary(.question), arguments: SQLiteStore.arguments(SummaryColumns.values(write.summary) + [.bigint(1)]))
                for row in write.history {
                    try db.execute(sql: StoreSQL.insertHistory(.question), arguments: SQLiteStore.arguments([.bigint(1)] + row))
                }
            }
        }
        try queue.close()
    }

    @Test func aVersionNineFileOpensWithEveryOrderUnderTheDefaultAccountAndItsHistoryIntact() async throws {
        let folder = try ScratchFolder()
        let path = folder.file("v9.sqlite")
        try await writeVersionNineFile(path)
        do {
            // What the release before sees: no account column yet.
            let queue = try DatabaseQueue(path: path)
            let columns = try await queue.read { db in try db.columns(in: "tracked_order").map(\.name) }
            #expect(!columns.contains("account"))
            try queue.close()
        }

        let store = try await SQLiteStore.open(at: path)
        let applied = try await store.writer.read { try Schema.migrator.appliedIdentifiers($0) }
        #expect(applied == Set(Schema.migrator.migrations) && applied.contains("v10: accounts"))
        try await expectUpgraded(store, "SQLite")

        // Opened again: nothing migrates twice, nothing changes.
        let again = try await SQLiteStore.open(at: path)
        #expect(try await again.orders(referenceID: "ORD-1").map(\.account) == ["default", "north"])
        #expect(try await again.history(orderID: 1).map(\.change) == expectedHistory.map(\.change))
    }

    /// A value as PostgreSQL's literal SQL, for a database written by psql as the release before
    /// would have written it.
    static func literal(_ value: StoreValue) -> String {
        switch value {
        case .text(let text): text.map { "'" + $0.replacingOccurrences(of: "'", with: "''") + "'" } ?? "NULL"
        case .integer(let number): number.map(String.init) ?? "NULL"
        case .bigint(let number): number.map { String($0) } ?? "NULL"
        case .time(let date): date.map { "to_timestamp(\($0.timeIntervalSince1970))" } ?? "NULL"
        case .bytes(let data): data.map { "'\\x" + $0.map { String(format: "%02x", $0) }.joined() + "'::bytea" } ?? "NULL"
        case .real(let number): number.map { "\($0)::float8" } ?? "NULL"
        }
    }

    /// A statement with numbered placeholders, its values written in (the highest first, so that
    /// `$1` never eats the start of `$12`).
    static func inline(_ sql: String, _ values: [StoreValue]) -> String {
        var sql = sql
        for (index, value) in values.enumerated().reversed() { sql = sql.replacingOccurrences(of: "$\(index + 1)", with: literal(value)) }
        return sql
    }

    @Test func aSchemaFiveDatabaseOpensWithEveryOrderUnderTheDefaultAccountAndItsHistoryIntact() async throws {
        try await withPostgres { server in
            try await server.psql("CREATE DATABASE old")
            let migrations = PostgresSchema.migrations.filter { $0.version <= 5 }.map(\.sql)
            #expect(migrations.count == 5)
            try await server.psql(migrations.joined(separator: ";\n") + ";\nINSERT INTO refundwatch_meta (key, value) VALUES ('schema_version', '5');",
                                  database: "old")
            var sql = (1...2).map { "INSERT INTO tracked_order (id, reference_id, added_at) VALUES (\($0), 'ORD-\($0)', \(Self.literal(.time(t0))));" }
            for write in writes {
                sql.append(Self.inline(StoreSQL.recordState(.numbered), [.bigint(1)] + (try write.stateValues())) + ";")
                sql.append(Self.inline(StoreSQL.summary(.numbered), SummaryColumns.values(write.summary) + [.bigint(1)]) + ";")
                for row in write.history { sql.append(Self.inline(StoreSQL.insertHistory(.numbered), [.bigint(1)] + row) + ";") }
            }
            sql.append("SELECT setval('tracked_order_id_seq', 2);")
            _ = try await server.psql(sql.joined(separator: "\n"), database: "old")
            #expect(try await server.psql("SELECT count(*) FROM information_schema.columns WHERE table_name = 'tracked_order' AND column_name = 'account'",
                                         database: "old") == "0\n")

            let place = try PostgresLocation(url: server.url(database: "old"), environment: [:])
            let store = try await PostgresStore.open(place, environment: ["PGPASSWORD": server.password])
            #expect(try await server.psql("SELECT value FROM refundwatch_meta WHERE key = 'schema_version'", database: "old") == "\(PostgresSchema.latest)\n")
            #expect(PostgresSchema.latest >= 6, "6 gave tracked_order its account")
            try await expectUpgraded(store, "PostgreSQL")
            #expect(try await server.psql("SELECT reference_id, account FROM tracked_order ORDER BY id", database: "old")
                    == "ORD-1|default\nORD-2|default\nORD-1|north\n")
            await store.close()

            // Opened again: already at the latest schema, nothing changes.
            let again = try await PostgresStore.open(place, environment: ["PGPASSWORD": server.password])
            #expect(try await again.orders(referenceID: "ORD-1").map(\.account) == ["default", "north"])
            #expect(try await server.psql("SELECT value FROM refundwatch_meta WHERE key = 'schema_version'", database: "old") == "\(PostgresSchema.latest)\n")
            await again.close()
        }
    }

    // MARK: - place

    @Test(arguments: [StoreBackend.sqliteFile, .postgres])
    func placeRemembersWhereAnOrderWasFoundAndMergesIntoTheEntryAlreadyThere(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let added = try await store.add([
                TrackedOrder(referenceID: "ORD-P", label: "p", addedAt: t0),
                TrackedOrder(referenceID: "ORD-Q", label: "unplaced", addedAt: t0),
                TrackedOrder(referenceID: "ORD-Q", account: "north", paymentConfigID: "cfg-2", label: "placed", addedAt: t0.addingTimeInterval(-60)),
                TrackedOrder(referenceID: "ORD-R", addedAt: t0),
                TrackedOrder(referenceID: "ORD-S", addedAt: t0),
                TrackedOrder(referenceID: "ORD-S", account: "south", addedAt: t0),
            ])
            #expect(added.duplicates.isEmpty)
            let ids = added.added.compactMap(\.id)
            try #require(ids.count == 6)
            let (p, qUnplaced, qPlaced, r, sUnplaced, sSouth) = (ids[0], ids[1], ids[2], ids[3], ids[4], ids[5])

            // An order without account: the account and the payment configuration are written.
            #expect(try await store.place(orderID: p, at: OrderPlace(account: "north", paymentConfigID: "cfg-2")) == p)
            let placed = try await store.orders(referenceID: "ORD-P")
            #expect(placed.count == 1 && placed.first?.id == p)
            #expect(placed.first?.account == "north" && placed.first?.paymentConfigID == "cfg-2" && placed.first?.phoneNumberID == nil)
            #expect(placed.first?.label == "p", "the rest of the entry kept")
            // Placed again where it is: nothing changes.
            #expect(try await store.place(orderID: p, at: OrderPlace(account: "north", paymentConfigID: "cfg-2")) == p)
            #expect(try await store.orders(referenceID: "ORD-P").map(\.account) == ["north"])

            // The same order tracked there already under another entry: this one is removed, the
            // other's id returned, and the other keeps what it had.
            _ = try await store.record(B.order([B.transaction("t", refunds: [B.refund("r")])], fetchedAt: t0), orderID: qPlaced, rules: rules)
            try await store.recordFailure(ReportedError(RefundWatchError.timeout(.kaleyra, seconds: 20)), at: t0, orderID: qUnplaced)
            #expect(try await store.place(orderID: qUnplaced, at: OrderPlace(account: "north", paymentConfigID: "cfg-2")) == qPlaced)
            let q = try await store.orders(referenceID: "ORD-Q")
            #expect(q.map(\.id) == [qPlaced] && q.first?.label == "placed" && q.first?.account == "north" && q.first?.paymentConfigID == "cfg-2")
            #expect(try await store.report(orderID: qPlaced) != nil)
            #expect(try await store.watchedOrder(id: qUnplaced) == nil, "the merged entry is gone")

            // The same reference id under another account is another order: not merged.
            #expect(try await store.place(orderID: sUnplaced, at: OrderPlace(account: "north")) == sUnplaced)
            let s = try await store.orders(referenceID: "ORD-S")
            #expect(Set(s.map(\.id)) == [sUnplaced, sSouth])
            #expect(Set(s.map { $0.account ?? "nil" }) == ["north", "south"])
            #expect(s.first { $0.id == sUnplaced }?.paymentConfigID == nil)

            // An order removed meanwhile: nil, nothing written.
            #expect(try await store.remove(referenceIDs: ["ORD-R"]) == ["ORD-R"])
            #expect(try await store.place(orderID: r, at: OrderPlace(account: "default")) == nil)
            #expect(try await store.orders(referenceID: "ORD-R").isEmpty)
            #expect(try await store.count() == 4)
        }
    }

    /// An alert is read with its order's account, as the order is placed now: raised before the
    /// account was known, it names the account once the order is placed; the whole watchlist's
    /// alerts have none. Read every way a store gives alerts: the list, one by id, the outbox.
    @Test(arguments: [StoreBackend.sqliteFile, .postgres])
    func alertsSayTheirOrdersAccount(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let added = try await store.add([TrackedOrder(referenceID: "ORD-A", addedAt: t0)])
            let id = try #require(added.added.first?.id)
            let draft = AlertDraft(key: "refund_failed:\(id):r:failed", rule: .refundFailed, orderID: id, referenceID: "ORD-A", refundID: "r", text: "failed")
            let global = AlertDraft(key: "payu_token", rule: .payuToken, orderID: nil, referenceID: nil, refundID: nil, text: "token refused")
            let raised = try await store.syncAlerts(orderID: id, judged: [.refundFailed], active: [draft], at: t0).raised
            _ = try await store.syncAlerts(orderID: nil, judged: [.payuToken], active: [global], at: t0)
            #expect(raised.map(\.account) == [nil], "not placed yet")

            _ = try await store.place(orderID: id, at: OrderPlace(account: "north"))
            let alerts = try await store.alerts(resolved: false, limit: 10)
            #expect(alerts.first { $0.orderID == id }?.account == "north")
            #expect(alerts.first { $0.orderID == nil }.map { $0.account == nil } == true)
            #expect(try await store.alert(id: try #require(raised.first?.id))?.account == "north")
            let items = try await store.claimDeliveries(owner: "p", limit: 10, lease: 60, at: t0)
            #expect(items.first { $0.alert.orderID == id }?.alert.account == "north")
        }
    }

    // MARK: - db copy

    /// What tells entries apart now: the reference id, the account and both lookup ids, the label.
    struct Entry: Hashable, CustomStringConvertible {
        var referenceID: String
        var account: String?
        var phoneNumberID: String?
        var paymentConfigID: String?
        var label: String?
        init(_ order: TrackedOrder) {
            (referenceID, account, phoneNumberID, paymentConfigID, label) = (order.referenceID, order.account, order.phoneNumberID, order.paymentConfigID, order.label)
        }
        var description: String { "\(referenceID)@\(account ?? "nil")/\(paymentConfigID ?? "-")" }
    }

    func entries(_ store: any WatchlistStore) async throws -> [Entry] {
        try await store.trackedOrders().map(Entry.init)
    }

    @Test func aCopyToPostgreSQLAndBackCarriesEachOrdersAccount() async throws {
        let scratch = try ScratchFolder()
        let source = try await SQLiteStore.open(at: scratch.file("mine.sqlite"))
        let ids = try await source.add([
            TrackedOrder(referenceID: "ORD-A", account: "default", addedAt: t0),
            TrackedOrder(referenceID: "ORD-A", account: "north", paymentConfigID: "refundwatch_north_config_2", label: "north's", addedAt: t0),
            TrackedOrder(referenceID: "ORD-B", addedAt: t0),
            TrackedOrder(referenceID: "ORD-C", account: "south", phoneNumberID: "919000000003", addedAt: t0),
        ]).added.compactMap(\.id)
        try #require(ids.count == 4)
        _ = try await source.record(firstFetch, orderID: ids[0], rules: rules)
        _ = try await source.record(secondFetch, orderID: ids[1], rules: rules)
        let original = try await entries(source)
        #expect(original.map(\.account) == ["default", "north", nil, "south"])
        var rows = 0
        for id in ids { rows += try await source.history(orderID: id).count }

        try await withPostgres { server in
            try await server.psql("CREATE DATABASE team")
            let team = try await PostgresStore.open(try PostgresLocation(url: server.url(database: "team"), environment: [:]),
                                                    environment: ["PGPASSWORD": server.password])
            let back = try await SQLiteStore.open(at: scratch.file("back.sqlite"))

            let there = try await StoreCopy.copy(from: source, to: team)
            #expect(there == CopyCounts(ordersCopied: 4, ordersAlreadyThere: 0, ordersUpdated: 0, historyCopied: rows, historyAlreadyThere: 0))
            #expect(try await entries(team) == original, "each order's account, nil included, in PostgreSQL")
            #expect(try await server.psql("SELECT reference_id, COALESCE(account, '(null)') FROM tracked_order ORDER BY id", database: "team")
                    == "ORD-A|default\nORD-A|north\nORD-B|(null)\nORD-C|south\n")
            let andBack = try await StoreCopy.copy(from: team, to: back)
            #expect(andBack == there)
            #expect(try await entries(back) == original, "and back in a new file")

            // ORD-A's two entries stay two orders, each with its own report and history.
            for store in [source, back] as [any WatchlistStore] {
                let a = try await store.orders(referenceID: "ORD-A")
                #expect(a.map(\.account) == ["default", "north"])
                let first = try #require(a.first?.id), last = try #require(a.last?.id)
                #expect(try await store.report(orderID: first) == firstFetch)
                #expect(try await store.report(orderID: last) == secondFetch)
            }
            let teamA = try await team.orders(referenceID: "ORD-A")
            #expect(teamA.count == 2 && teamA.map(\.account) == ["default", "north"])

            // Again, every way: nothing is copied.
            for counts in [try await StoreCopy.copy(from: source, to: team), try await StoreCopy.copy(from: team, to: back),
                           try await StoreCopy.copy(from: back, to: team)] {
                #expect(counts == CopyCounts(ordersCopied: 0, ordersAlreadyThere: 4, ordersUpdated: 0, historyCopied: 0, historyAlreadyThere: rows))
            }
            #expect(try await entries(team) == original)
            #expect(try await entries(back) == original)
            #expect(try await server.psql("SELECT count(*) FROM tracked_order", database: "team") == "4\n")
            await team.close()
        }
    }
}
