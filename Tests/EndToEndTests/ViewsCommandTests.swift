import Foundation
import Testing
@testable import RefundStore
import TestSupport

/// `refundwatch views list|save|remove` as a person or a script uses them: views saved in the
/// watchlist's store and listed after the configuration's own `[[views]]`, numbered as the
/// dashboard's keys, bad input refused with the option named, what is not there said so with the
/// exit status of its kind, and on a team's PostgreSQL database everyone's views (`db copy`
/// carrying a file's views there).
@Suite struct ViewsCommandTests {
    /// One person's machine: a home, scratch folders, a login name, no API secret (the views
    /// commands make no API call).
    struct Person {
        let space: StateWorkspace
        let name: String
        var extra: [String: String] = [:]
        var db: String { space.db }
        var environment: [String: String] {
            ["HOME": space.folder, "USER": name, "LOGNAME": name, "XDG_STATE_HOME": space.state, "XDG_DATA_HOME": space.folder + "/data"]
                .merging(extra) { $1 }
        }

        init(_ name: String, extra: [String: String] = [:]) throws {
            space = try StateWorkspace()
            self.name = name
            self.extra = extra
        }

        /// A `config.toml` of this person's, holding `text` (no `[kaleyra]`: these commands need none).
        func configuration(_ text: String) throws -> String {
            let path = space.folder + "/config.toml"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        func run(_ arguments: [String]) async throws -> CLIResult {
            try await CLIRunner.run(arguments, environment: environment)
        }
    }

    func json(_ text: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8)) }

    /// `views list --json`, parsed; fails the test when it does not exit 0 or is not a JSON list.
    func listed(_ person: Person, _ options: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws -> [[String: Any]] {
        let result = try await person.run(["views", "list", "--json"] + options)
        #expect(result.status == 0, "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.isEmpty, "\(result.stderr)", sourceLocation: sourceLocation)
        return try #require(try json(result.stdout) as? [[String: Any]], "\(result.stdout)", sourceLocation: sourceLocation)
    }

    /// The keys `views list --json` documents for every view (docs/views.md).
    static let documentedKeys: Set<String> = ["key", "name", "origin", "filter", "sort", "columns", "saved_by", "saved_at", "hidden"]

    /// The words of a text table's line, the cells split where they hold spaces.
    func words(_ line: Substring) -> [String] { line.split(separator: " ").map(String.init) }

    // MARK: - An empty store, saving, replacing

    @Test func aStoreWithoutViewsListsNoneAndSaysHowToSaveOne() async throws {
        let asha = try Person("asha")
        for arguments in [["views", "list", "--db", asha.db], ["views", "--db", asha.db]] {
            let list = try await asha.run(arguments)
            #expect(list.status == 0, "\(arguments): \(list.stderr)")
            #expect(list.stderr.isEmpty)
            #expect(list.stdout == """
                No saved views. Save one for everyone who uses this watchlist with:
                  refundwatch views save late --filter "is:late" --sort deadline --columns reference,amount,state,deadline,updated
                or add a [[views]] table to the configuration (docs/views.md).

                """, "\(arguments)")
        }
        #expect(try await listed(asha, ["--db", asha.db]).isEmpty, "JSON: an empty list")
    }

    @Test func savingAViewSaysWhatWasSavedAndItsKeyAndSavingTheNameAgainReplacesIt() async throws {
        let asha = try Person("asha")
        let save = try await asha.run(["views", "save", "late", "--filter", "is:late", "--sort", "deadline",
                                       "--columns", "reference,amount,state,deadline,updated", "--by", "Asha K", "--db", asha.db])
        #expect(save.status == 0, "\(save.stderr)")
        #expect(save.stderr.isEmpty, "\(save.stderr)")
        #expect(save.stdout == """
            Saved the view "late" (/is:late, sorted by deadline, reference, amount, state, deadline, updated columns) in \(asha.db).
            Dashboards show it on the key 1 within 5 seconds.

            """)

        // A second view sorts after it by name: the key 2.
        let north = try await asha.run(["views", "save", "north", "--filter", "account:north", "--db", asha.db])
        #expect(north.status == 0, "\(north.stderr)")
        #expect(north.stdout == """
            Saved the view "north" (/account:north, sorted by attention, usual columns) in \(asha.db).
            Dashboards show it on the key 2 within 5 seconds.

            """)

        // The same name in another case: replaced, signed by the login (no --by, no [alerts] user).
        let again = try await asha.run(["views", "save", "LATE", "--sort", "recent", "--columns", "state,amount", "--db", asha.db])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout == """
            Replaced the view "LATE" (every order, sorted by recent, reference, state, amount columns) in \(asha.db).
            Dashboards show it on the key 1 within 5 seconds.

            """)

        let views = try await listed(asha, ["--db", asha.db])
        #expect(views.map { $0["name"] as? String } == ["LATE", "north"], "one view of that name, under its new spelling")
        let late = try #require(views.first)
        #expect(late["filter"] as? String == "" && late["sort"] as? String == "recent")
        #expect(late["columns"] as? [String] == ["reference", "state", "amount"], "the reference first when left out")
        #expect(late["saved_by"] as? String == "asha", "signed by the login when neither --by nor [alerts] user says")
        #expect(views.last?["saved_by"] as? String == "asha")
        #expect(views.last?["columns"] is NSNull, "the usual columns: null")
    }

    // MARK: - The list

    @Test func theListShowsTheConfigurationsViewsFirstThenTheDatabasesAndOnesHiddenByAViewOfTheSameName() async throws {
        let asha = try Person("asha")
        let config = try asha.configuration("""
            [[views]]
            name = "mine"
            filter = "is:due"
            sort = "deadline"

            [[views]]
            name = "Late"
            filter = "is:late account:north"
            columns = ["account", "state"]
            """)
        let common = ["--db", asha.db, "--config", config]
        for (name, by, options) in [("north", "ravi", ["--filter", "account:north"]), ("arn", "meera", ["--sort", "recent", "--columns", "reference,arn"]),
                                    ("late", "ravi", ["--filter", "is:late"])] {
            let save = try await asha.run(["views", "save", name, "--by", by] + options + common)
            #expect(save.status == 0, "\(name): \(save.stderr)")
        }

        let list = try await asha.run(["views", "list"] + common)
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stderr.isEmpty, "\(list.stderr)")
        let lines = list.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        try #require(lines.count == 10 && lines[9] == "", "\(list.stdout)")
        #expect(words(lines[0]) == ["KEY", "NAME", "FROM", "FILTER", "SORT", "COLUMNS", "SAVED"], "\(list.stdout)")
        // The configuration's in the file's order, then the database's by name; each with its key.
        #expect(words(lines[1]) == ["1", "mine", "config", "is:due", "deadline", "usual"], "\(list.stdout)")
        #expect(words(lines[2]) == ["2", "Late", "config", "is:late", "account:north", "attention", "reference,", "account,", "state"], "\(list.stdout)")
        #expect(Array(words(lines[3]).prefix(7)) == ["3", "arn", "database", "(every", "order)", "recent", "reference,"], "\(list.stdout)")
        // Who saved it, and how long ago ("just now", or "12s ago" on a slow machine).
        let saved = try #require(lines[3].range(of: "meera, ").map { lines[3][$0.upperBound...] }, "who saved it: \(list.stdout)")
        #expect(saved == "just now" || saved.hasSuffix(" ago"), "when: \(list.stdout)")
        #expect(Array(words(lines[4]).prefix(5)) == ["4", "north", "database", "account:north", "attention"], "\(list.stdout)")
        #expect(lines[4].contains("ravi, "), "\(list.stdout)")
        // The database's "late", hidden by the configuration's "Late": no key, and said why.
        #expect(lines[5].hasPrefix(" "), "no key: \(list.stdout)")
        #expect(Array(words(lines[5]).prefix(4)) == ["late", "database", "is:late", "attention"], "\(list.stdout)")
        #expect(lines[6] == "  ↳ hidden here: the configuration has a view of the same name", "\(list.stdout)")
        #expect(lines[7] == "" && lines[8] == "4 views", "the hidden one is not counted: \(list.stdout)")
        #expect(!list.stdout.contains("the first 9"), "four views: every one has a key")

        // Without the configuration the database's "late" is no longer hidden.
        let plain = try await asha.run(["views", "list", "--db", asha.db])
        #expect(plain.status == 0)
        let plainLines = plain.stdout.split(separator: "\n")
        #expect(plainLines.dropFirst().prefix(3).map { Array(words($0).prefix(3)) } == [["1", "arn", "database"], ["2", "late", "database"], ["3", "north", "database"]],
                "\(plain.stdout)")
        #expect(!plain.stdout.contains("hidden here") && plain.stdout.hasSuffix("\n3 views\n"), "\(plain.stdout)")
    }

    @Test func theJSONListHasEveryViewWithItsKeyOriginAndWhetherItIsHiddenAndOnlyNineHaveAKey() async throws {
        let asha = try Person("asha")
        let config = try asha.configuration("""
            [[views]]
            name = "mine"
            columns = ["state"]
            """)
        let common = ["--db", asha.db, "--config", config]
        // A saved view of the configuration's name: hidden here, said so when saving.
        let hiddenSave = try await asha.run(["views", "save", "Mine", "--filter", "is:due", "--by", "ravi"] + common)
        #expect(hiddenSave.status == 0, "\(hiddenSave.stderr)")
        #expect(hiddenSave.stdout.hasPrefix("Saved the view \"Mine\" "), "\(hiddenSave.stdout)")
        #expect(!hiddenSave.stdout.contains("key"), "it has no key here: \(hiddenSave.stdout)")
        #expect(hiddenSave.stderr == "refundwatch: note: the configuration has a view named \"Mine\" too, which wins on this machine; others see the saved one.\n")

        var said: [String] = []
        for number in 1...10 {
            let name = String(format: "a%02d", number)
            let options = number == 1 ? ["--columns", "amount,reference", "--sort", "reference"] : ["--filter", "word\(number)"]
            let save = try await asha.run(["views", "save", name, "--by", "meera"] + options + common)
            #expect(save.status == 0, "\(name): \(save.stderr)")
            said.append(save.stdout.split(separator: "\n").last.map(String.init) ?? "")
        }
        // "mine" is 1: a01 to a08 are on 2 to 9, a09 and a10 are 10 and 11.
        #expect(said[0] == "Dashboards show it on the key 2 within 5 seconds.", "\(said)")
        #expect(said[7] == "Dashboards show it on the key 9 within 5 seconds.", "\(said)")
        #expect(said[8] == "It is view 10: only the first 9 have a key (views list shows the order).", "\(said)")
        #expect(said[9] == "It is view 11: only the first 9 have a key (views list shows the order).", "\(said)")

        let views = try await listed(asha, common)
        try #require(views.count == 12, "\(views)")
        for view in views { #expect(Set(view.keys) == Self.documentedKeys, "\(view)") }
        #expect(views.map { $0["name"] as? String } == ["mine"] + (1...10).map { String(format: "a%02d", $0) } + ["Mine"])
        #expect(views.map { $0["key"] as? Int } == (1...9).map(Optional.some) + [nil, nil, nil])
        #expect(views.suffix(3).allSatisfy { $0["key"] is NSNull }, "null past the ninth, and for the hidden one")
        #expect(views.map { $0["origin"] as? String } == ["config"] + Array(repeating: "database", count: 11))
        #expect(views.map { $0["hidden"] as? Bool } == Array(repeating: false, count: 11) + [true])

        let mine = views[0]
        #expect(mine["filter"] as? String == "" && mine["sort"] as? String == "attention", "\(mine)")
        #expect(mine["columns"] as? [String] == ["reference", "state"], "\(mine)")
        #expect(mine["saved_by"] is NSNull && mine["saved_at"] is NSNull, "a configuration's view is nobody's in the database: \(mine)")
        let first = views[1]
        #expect(first["columns"] as? [String] == ["amount", "reference"] && first["sort"] as? String == "reference", "\(first)")
        #expect(views[2]["columns"] is NSNull && views[2]["filter"] as? String == "word2", "\(views[2])")
        let hidden = try #require(views.last)
        #expect(hidden["filter"] as? String == "is:due" && hidden["saved_by"] as? String == "ravi", "\(hidden)")
        for view in views.dropFirst() {
            #expect(view["saved_by"] is String)
            let savedAt = try #require(view["saved_at"] as? String, "\(view)")
            let date = try #require(ISO8601DateFormatter().date(from: savedAt), "\(savedAt) is ISO 8601")
            #expect(abs(date.timeIntervalSinceNow) < 600, "saved just now: \(savedAt)")
        }

        // The text list numbers the same way, and says only nine have a key.
        let text = try await asha.run(["views", "list"] + common)
        #expect(text.status == 0)
        #expect(text.stdout.hasSuffix("\n11 views · the first 9 are on the keys 1-9\n"), "\(text.stdout)")
        let rows = text.stdout.split(separator: "\n")
        #expect(rows.contains { words($0).prefix(2) == ["9", "a08"] }, "\(text.stdout)")
        #expect(rows.contains { $0.hasPrefix(" ") && words($0).first == "a10" }, "no key: \(text.stdout)")
    }

    // MARK: - What is refused

    @Test func badInputIsAUsageErrorNamingTheOptionAndSavesNothing() async throws {
        let asha = try Person("asha")
        let keep = try await asha.run(["views", "save", "keep", "--filter", "is:late", "--sort", "deadline", "--db", asha.db])
        #expect(keep.status == 0, "\(keep.stderr)")
        let before = try await listed(asha, ["--db", asha.db])

        let cases: [(arguments: [String], message: String)] = [
            (["x", "--sort", "latest"], "Error: --sort \"latest\" is not a sort; expected one of attention, recent, reference, deadline."),
            (["keep", "--sort", "latest"], "Error: --sort \"latest\" is not a sort;"),
            (["x", "--columns", "reference,colour"], "Error: --columns \"colour\" is not a column; the columns are reference, account, label, payment, amount, txn, rfd, refunded, state, arn, deadline, updated."),
            (["x", "--columns", "state,state"], "Error: --columns names \"state\" twice."),
            (["x", "--columns", ""], "Error: --columns \"\" is not a column;"),
            (["late north"], "Error: NAME \"late north\" is not a view name; a name is 1 to 32 letters (A-Z, a-z), digits, _ or -, e.g. \"late-north\"."),
            (["keep", "--filter", "is:late\u{1B}[2J"], "Error: --filter holds control characters; a filter is what you would type after / on the watchlist"),
            (["x", "--filter", String(repeating: "w", count: 201)], "Error: --filter is 201 characters long; a view's filter is at most 200."),
        ]
        for (arguments, message) in cases {
            let result = try await asha.run(["views", "save"] + arguments + ["--db", asha.db])
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
            #expect(result.stderr.hasPrefix(message), "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("Usage: refundwatch views save"), "\(result.stderr)")
            #expect(!result.stderr.contains("\u{1B}"), "no raw escape reaches the terminal: \(result.stderr)")
            #expect(result.stdout.isEmpty, "\(arguments): \(result.stdout)")
        }

        let after = try await listed(asha, ["--db", asha.db])
        #expect(after.map { $0["name"] as? String } == ["keep"], "nothing saved: \(after)")
        #expect(after.first?["filter"] as? String == "is:late" && after.first?["sort"] as? String == "deadline", "keep unchanged: \(after)")
        #expect(after.first?["saved_at"] as? String == before.first?["saved_at"] as? String)

        // Refused before the store is opened: no file is made for a bad view.
        let other = asha.space.folder + "/other.sqlite"
        let refused = try await asha.run(["views", "save", "x", "--sort", "latest", "--db", other])
        #expect(refused.status == 2)
        #expect(!FileManager.default.fileExists(atPath: other))
    }

    @Test func removingAViewTheDatabaseDoesNotHaveExitsFourAndSaysWhere() async throws {
        let asha = try Person("asha")
        let config = try asha.configuration("""
            [[views]]
            name = "mine"
            filter = "is:due"
            """)
        let common = ["--db", asha.db, "--config", config]
        #expect(try await asha.run(["views", "save", "late", "--filter", "is:late"] + common).status == 0)

        let unknown = try await asha.run(["views", "remove", "nothing"] + common)
        #expect(unknown.status == 4)
        #expect(unknown.stdout.isEmpty)
        #expect(unknown.stderr == "refundwatch: no view named \"nothing\" is saved in \(asha.db); refundwatch views list shows the views.\n")

        // A name with an escape in it is echoed harmless.
        let hostile = try await asha.run(["views", "remove", "x\u{1B}[2J"] + common)
        #expect(hostile.status == 4)
        #expect(hostile.stderr.hasPrefix("refundwatch: no view named \"x") && !hostile.stderr.contains("\u{1B}"), "\(hostile.stderr)")

        // The configuration's own: not the database's to remove.
        let configured = try await asha.run(["views", "remove", "MINE"] + common)
        #expect(configured.status == 4)
        #expect(configured.stdout.isEmpty)
        #expect(configured.stderr == "refundwatch: the view \"MINE\" is in the configuration's [[views]], not in the database; remove it from the file.\n")

        // A saved one, in another case: removed; a second time, not there.
        let removed = try await asha.run(["views", "remove", "LATE"] + common)
        #expect(removed.status == 0, "\(removed.stderr)")
        #expect(removed.stdout == "Removed the view \"LATE\" from \(asha.db).\n")
        #expect(removed.stderr.isEmpty)
        #expect(try await listed(asha, common).map { $0["name"] as? String } == ["mine"])
        let twice = try await asha.run(["views", "remove", "late"] + common)
        #expect(twice.status == 4 && twice.stderr.contains("no view named \"late\""), "\(twice.stderr)")

        // One in both: the database's goes, and the file's is said to remain.
        #expect(try await asha.run(["views", "save", "Mine", "--sort", "recent"] + common).status == 0)
        let both = try await asha.run(["views", "remove", "mine"] + common)
        #expect(both.status == 0, "\(both.stderr)")
        #expect(both.stdout == "Removed the view \"mine\" from \(asha.db).\n")
        #expect(both.stderr == "refundwatch: note: the configuration's [[views]] still has a view named \"mine\"; edit the file to remove it.\n")
        let left = try await listed(asha, common)
        #expect(left.map { $0["origin"] as? String } == ["config"], "\(left)")
    }

    @Test func aBrokenViewInTheConfigurationIsAConfigurationErrorNamingItsPlace() async throws {
        let asha = try Person("asha")
        let config = try asha.configuration("""
            [[views]]
            name = "late"
            filter = "is:late"

            [[views]]
            name = "recent"
            sort = "latest"
            """)
        #expect(try await asha.run(["views", "save", "kept", "--db", asha.db]).status == 0)
        let expected = "refundwatch: Configuration error: \(config): views[2].sort: \"latest\" is not a sort; expected one of attention, recent, reference, deadline\n"
        for arguments in [["views", "list"], ["views", "list", "--json"], ["views", "save", "other"], ["views", "remove", "kept"]] {
            let result = try await asha.run(arguments + ["--db", asha.db, "--config", config])
            #expect(result.status == 3, "\(arguments): \(result.stderr)")
            #expect(result.stderr == expected, "\(arguments): \(result.stderr)")
            #expect(result.stdout.isEmpty, "\(arguments): \(result.stdout)")
        }
        #expect(try await listed(asha, ["--db", asha.db]).map { $0["name"] as? String } == ["kept"], "nothing saved or removed")

        // Other mistakes, named the same way.
        let misspelt = try asha.configuration("""
            [[views]]
            name = "late"
            colums = ["state"]
            """)
        let spelling = try await asha.run(["views", "list", "--db", asha.db, "--config", misspelt])
        #expect(spelling.status == 3)
        #expect(spelling.stderr.contains("\(misspelt): views[1].colums: is not a key of a view"), "\(spelling.stderr)")
        let twice = try asha.configuration("""
            [[views]]
            name = "late"

            [[views]]
            name = "LATE"
            """)
        let duplicate = try await asha.run(["views", "list", "--db", asha.db, "--config", twice])
        #expect(duplicate.status == 3)
        #expect(duplicate.stderr.contains("views[2].name: \"LATE\" is already the name of views[1]"), "\(duplicate.stderr)")
    }

    /// A view written into the file by hand with a time SQLite keeps but that is no time
    /// ('yesterday' in `saved_at`, a DATETIME column that takes any text), or bytes that are no text for a name,
    /// is left out, as `StoredViews` leaves out the other rows `views save` would not write: never
    /// a crash (GRDB's fatal "could not decode"), of `views list` or of a dashboard.
    @Test func aViewWrittenByHandWithAnUnreadableTimeIsLeftOutNotACrash() async throws {
        let asha = try Person("asha", extra: ["SWIFT_BACKTRACE": "enable=no"])
        #expect(try await asha.run(["views", "save", "good", "--filter", "is:late", "--db", asha.db]).status == 0)
        do {
            let store = try await SQLiteStore.open(at: asha.db)
            try await store.writer.write { db in
                try db.execute(sql: """
                    INSERT INTO saved_view (name_key, name, filter, sort, columns, saved_by, saved_at)
                    VALUES ('odd', 'odd', 'is:due', 'recent', NULL, 'mallory', 'yesterday')
                    """)
                try db.execute(sql: """
                    INSERT INTO saved_view (name_key, name, filter, sort, columns, saved_by, saved_at)
                    VALUES ('num', X'FF', 'is:due', 'recent', NULL, 'mallory', '2026-12-01 10:00:00.000')
                    """)
            }
        }
        let list = try await asha.run(["views", "list", "--json", "--db", asha.db])
        #expect(list.status == 0, "\(list.stderr.split(separator: "\n").first ?? "")")
        #expect((try? json(list.stdout) as? [[String: Any]])?.map { $0["name"] as? String } == ["good"], "\(list.stdout)")
    }

    // MARK: - A team's database

    @Test func aViewOnTheTeamsDatabaseIsListedByAnotherPersonAndDbCopyBringsAFilesViews() async throws {
        try await withPostgres { server in
            try await server.psql("CREATE DATABASE team")
            let url = server.url(database: "team")
            let secret = ["PGPASSWORD": server.password]
            let asha = try Person("asha", extra: secret), ravi = try Person("ravi", extra: secret)
            let ashas = try asha.configuration("""
                database_url = "\(url)"
                alerts.user = "asha.k"
                """)
            let ravis = try ravi.configuration("""
                database_url = "\(url)"

                [[views]]
                name = "late"
                filter = "is:late account:south"
                """)

            // Asha saves two views on the team's database, one signed with --by.
            let late = try await asha.run(["views", "save", "late", "--filter", "is:late", "--sort", "deadline", "--by", "Asha Kumar", "--config", ashas])
            #expect(late.status == 0, "\(late.stderr)")
            #expect(late.stdout.hasPrefix("Saved the view \"late\" (/is:late, sorted by deadline, usual columns) in postgres://"), "\(late.stdout)")
            #expect(!late.stdout.contains(server.password) && !late.stderr.contains(server.password))
            let north = try await asha.run(["views", "save", "north", "--filter", "account:north", "--config", ashas])
            #expect(north.status == 0, "\(north.stderr)")
            #expect(try await server.psql("SELECT name, saved_by FROM saved_view ORDER BY name_key", database: "team") == "late|Asha Kumar\nnorth|asha.k\n")

            // Ravi, on another machine, sees them: his own "late" first, Asha's hidden behind it.
            let seen = try await listed(ravi, ["--config", ravis])
            #expect(seen.map { $0["name"] as? String } == ["late", "north", "late"], "\(seen)")
            #expect(seen.map { $0["origin"] as? String } == ["config", "database", "database"])
            #expect(seen.map { $0["hidden"] as? Bool } == [false, false, true])
            #expect(seen[1]["saved_by"] as? String == "asha.k", "[alerts] user signs when --by is not given")
            #expect(seen[2]["saved_by"] as? String == "Asha Kumar" && seen[2]["filter"] as? String == "is:late", "\(seen[2])")
            let text = try await ravi.run(["views", "list", "--config", ravis])
            #expect(text.status == 0, "\(text.stderr)")
            #expect(text.stdout.contains("Asha Kumar, ") && text.stdout.contains("asha.k, ") && text.stdout.contains("hidden here"), "\(text.stdout)")
            // Without his file's view, Asha's "late" is his key 1.
            let bare = try await listed(ravi, ["--db", url])
            #expect(bare.map { $0["name"] as? String } == ["late", "north"] && bare.first?["saved_by"] as? String == "Asha Kumar", "\(bare)")
            #expect(bare.first?["key"] as? Int == 1)

            // Ravi's own file: an order, no views yet; copied, nothing is said of views.
            let file = ravi.space.folder + "/mine.sqlite"
            #expect(try await ravi.run(["track", "add", "ORD-20261009-2760", "--db", file]).status == 0)
            let first = try await ravi.run(["db", "copy", "--from", file, "--to", url])
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stdout.hasPrefix("copied 1 order (0 already there, 0 updated) and 0 history rows (0 already there) from \(file) to postgres://"),
                    "\(first.stdout)")
            #expect(!first.stdout.contains("saved view"), "a file without views says nothing of them: \(first.stdout)")

            // His file's views: "north" (the team has one) and "due".
            #expect(try await ravi.run(["views", "save", "north", "--filter", "account:north is:due", "--db", file]).status == 0)
            #expect(try await ravi.run(["views", "save", "due", "--filter", "is:due", "--sort", "deadline", "--db", file]).status == 0)
            let copy = try await ravi.run(["db", "copy", "--from", file, "--to", url])
            #expect(copy.status == 0, "\(copy.stderr)")
            #expect(copy.stdout.hasPrefix("copied 0 orders (1 already there, 0 updated) and 0 history rows (0 already there) "
                                          + "and 1 saved view (1 already there) from \(file) to postgres://"), "\(copy.stdout)")
            let again = try await ravi.run(["db", "copy", "--from", file, "--to", url])
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stdout.contains(" and 0 saved views (2 already there) from \(file) to postgres://"), "\(again.stdout)")

            // Asha sees Ravi's "due", signed by him; the team's "north" is still hers.
            let now = try await listed(asha, ["--config", ashas])
            #expect(now.map { $0["name"] as? String } == ["due", "late", "north"], "\(now)")
            let due = try #require(now.first)
            #expect(due["saved_by"] as? String == "ravi" && due["filter"] as? String == "is:due" && due["sort"] as? String == "deadline", "\(due)")
            #expect(now.last?["saved_by"] as? String == "asha.k" && now.last?["filter"] as? String == "account:north", "\(String(describing: now.last))")
            for result in [late, north, text, first, copy, again] {
                #expect(!result.stdout.contains(server.password) && !result.stderr.contains(server.password))
            }
        }
    }
}
