import Foundation
import Testing
import RefundKit
import RefundSimulator
import RefundStore
import WatchlistModel
import TestSupport

/// `db copy` through the binary: a file made by `track add` and `track refresh` into a private
/// PostgreSQL server, and back.
@Suite struct DbCopyCommandTests {
    @Test func aFileIsCopiedIntoPostgreSQLOnceWhateverTheNumberOfRunsAndBackIntoANewFile() async throws {
        try await withPostgres { server in
            try await server.psql("CREATE DATABASE team")
            try await withSimulator { harness in
                let space = try StateWorkspace()
                let config = try writeConfiguration(harness)
                let url = server.url(database: "team")
                let shown = "postgres://refundwatch@/team?host=\(server.folder)"
                let environment = space.environment.merging(["PGPASSWORD": server.password]) { $1 }
                let orders = [harness.order(.multipleRefunds), harness.order(.settled), harness.order(.refundInProgress)]

                // Two orders fetched (reports and a history), one never fetched.
                let add = try await CLIRunner.run(["track", "add", orders[0], orders[1], "--label", "escalated", "--db", space.db], environment: environment)
                #expect(add.status == 0, "\(add.stderr)")
                let refresh = try await CLIRunner.run(["track", "refresh", "--db", space.db, "--config", config], environment: environment)
                #expect(refresh.status == 0, "\(refresh.stderr)")
                let addLater = try await CLIRunner.run(["track", "add", orders[2], "--db", space.db], environment: environment)
                #expect(addLater.status == 0, "\(addLater.stderr)")
                let rows = try await expectEveryStoredOrderWhole(space.db)
                #expect(rows.stored == 2 && rows.rows.count == 3)
                let store = try await SQLiteStore.open(at: space.db)
                var history = 0
                for row in rows.rows { await history += try store.history(orderID: try #require(row.order.id)).count }
                #expect(history > 2)

                let copy = try await CLIRunner.run(["db", "copy", "--from", space.db, "--to", url], environment: environment)
                #expect(copy.status == 0, "\(copy.stderr)")
                #expect(copy.stdout == "copied 3 orders (0 already there, 0 updated) and \(history) history rows (0 already there) from \(space.db) to \(shown)\n")
                let again = try await CLIRunner.run(["db", "copy", "--from", space.db, "--to", url], environment: environment)
                #expect(again.status == 0, "\(again.stderr)")
                #expect(again.stdout == "copied 0 orders (3 already there, 0 updated) and 0 history rows (\(history) already there) from \(space.db) to \(shown)\n")
                #expect(try await server.psql("SELECT count(*) FROM tracked_order", database: "team") == "3\n")
                #expect(try await server.psql("SELECT count(*) FROM history", database: "team") == "\(history)\n")

                // The team's database shows the same watchlist and history as the file.
                let list = try await CLIRunner.run(["track", "list", "--db", url], environment: environment)
                #expect(list.status == 0, "\(list.stderr)")
                for order in orders { #expect(list.stdout.contains(order), "\(list.stdout)") }
                #expect(list.stdout.contains("3 orders · "), "\(list.stdout)")
                for order in orders {
                    let fromFile = try await CLIRunner.run(["track", "history", order, "--db", space.db], environment: environment)
                    let fromServer = try await CLIRunner.run(["track", "history", order, "--db", url], environment: environment)
                    #expect(fromServer.status == 0 && fromServer.stdout == fromFile.stdout, "\(fromServer.stdout)\(fromServer.stderr)")
                }

                // And back into a new file: the same again.
                let back = space.folder + "/back.sqlite"
                let home = try await CLIRunner.run(["db", "copy", "--from", url, "--to", back], environment: environment)
                #expect(home.status == 0, "\(home.stderr)")
                #expect(home.stdout == "copied 3 orders (0 already there, 0 updated) and \(history) history rows (0 already there) from \(shown) to \(back)\n")
                let listFile = try await CLIRunner.run(["track", "list", "--db", space.db, "--json"], environment: environment)
                let listBack = try await CLIRunner.run(["track", "list", "--db", back, "--json"], environment: environment)
                #expect(listBack.status == 0 && listFile.status == 0)
                let fileOrders = try Self.withoutAges(listFile.stdout)
                #expect(fileOrders.contains(orders[2]) && fileOrders.contains("escalated"), "\(fileOrders)")
                #expect(try Self.withoutAges(listBack.stdout) == fileOrders)

                for result in [copy, again, list, home] {
                    #expect(!result.stdout.contains(server.password) && !result.stderr.contains(server.password))
                }
            }
        }
    }

    @Test func aTargetThatCannotBeOpenedExitsNineNamingTheServerNeverThePassword() async throws {
        try await withPostgres { server in
            try await server.psql("CREATE DATABASE team")
            let space = try StateWorkspace()
            let environment = space.environment.merging(["PGPASSWORD": server.password]) { $1 }
            let add = try await CLIRunner.run(["track", "add", "ORD-20261009-2760", "--db", space.db], environment: environment)
            #expect(add.status == 0, "\(add.stderr)")
            let url = server.url(database: "team")
            let shown = "postgres://refundwatch@/team?host=\(server.folder)"

            let wrong = try await CLIRunner.run(["db", "copy", "--from", space.db, "--to", url],
                                                environment: environment.merging(["PGPASSWORD": "wrong-TESTSECRET"]) { $1 })
            #expect(wrong.status == 9)
            #expect(wrong.stderr.contains("\(shown): the server refused the password of user refundwatch."), "\(wrong.stderr)")
            #expect(wrong.stdout.isEmpty)

            let noSource = try await CLIRunner.run(["db", "copy", "--from", space.folder + "/missing.sqlite", "--to", url], environment: environment)
            #expect(noSource.status == 9)
            #expect(noSource.stderr.contains("\(space.folder)/missing.sqlite: there is no such file."), "\(noSource.stderr)")
            #expect(!FileManager.default.fileExists(atPath: space.folder + "/missing.sqlite"), "the source is never created")

            await server.stop()
            let down = try await CLIRunner.run(["db", "copy", "--from", space.db, "--to", url], environment: environment)
            #expect(down.status == 9)
            #expect(down.stderr.contains("\(shown): cannot connect: there is no folder \(server.folder) for the server's socket. Is the server running"),
                    "\(down.stderr)")
            for result in [wrong, noSource, down] {
                #expect(!result.stdout.contains(server.password) && !result.stderr.contains(server.password))
                #expect(!result.stderr.contains("wrong-TESTSECRET"))
            }
        }
    }

    @Test func theSameStoreOnBothSidesExitsTwo() async throws {
        let space = try StateWorkspace()
        let add = try await CLIRunner.run(["track", "add", "ORD-20261009-2760", "--db", space.db], environment: space.environment)
        #expect(add.status == 0, "\(add.stderr)")
        let link = space.folder + "/link.sqlite"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: space.db)
        let cases = [
            [space.db, space.db],
            [space.db, space.folder + "/./watch.sqlite"],
            [link, space.db],
            ["postgres://alice@db.example/refunds", "postgresql://bob@DB.example:5432/refunds?sslmode=require"],
        ]
        for pair in cases {
            let same = try await CLIRunner.run(["db", "copy", "--from", pair[0], "--to", pair[1]], environment: space.environment)
            #expect(same.status == 2, "\(pair): \(same.stderr)")
            #expect(same.stderr.contains("--from and --to name the same store"), "\(same.stderr)")
            #expect(same.stdout.isEmpty)
        }
        // Nothing was written: still one order, no second copy of it.
        #expect(try await SQLiteStore.open(at: space.db).count() == 1)
    }

    /// The orders of `track list --json`, without what depends on the moment it runs (ages,
    /// overdue counts, due times), as JSON with sorted keys.
    static func withoutAges(_ text: String) throws -> String {
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        let orders = (object?["orders"] as? [[String: Any]] ?? []).map { order in
            var kept = order.filter { key, _ in !key.contains("age") && !key.contains("due") }
            // Each deadline's seconds left move with the clock between the two lists.
            kept["deadlines"] = (order["deadlines"] as? [[String: Any]])?.map { $0.filter { $0.key != "seconds_left" } }
            return kept
        }
        return String(decoding: try JSONSerialization.data(withJSONObject: orders, options: [.sortedKeys]), as: UTF8.self)
    }

    /// `--config` as every other command takes it: a side left out is the configured watchlist
    /// (`database_url`, else `REFUNDWATCH_DATABASE_URL`), so a person's file goes into the team's
    /// database with `--from` alone.
    @Test func aSideLeftOutIsTheConfiguredWatchlist() async throws {
        try await withPostgres { server in
            try await server.psql("CREATE DATABASE team")
            try await withSimulator { harness in
                let space = try StateWorkspace()
                let url = server.url(database: "team")
                let shown = "postgres://refundwatch@/team?host=\(server.folder)"
                let config = try writeConfiguration(harness, extra: "database_url = \"\(url)\"")
                let environment = space.environment.merging(["PGPASSWORD": server.password]) { $1 }
                let add = try await CLIRunner.run(["track", "add", "ORD-20261009-2760", "--db", space.db], environment: environment)
                #expect(add.status == 0, "\(add.stderr)")

                let into = try await CLIRunner.run(["db", "copy", "--from", space.db, "--config", config], environment: environment)
                #expect(into.status == 0, "\(into.stderr)")
                #expect(into.stdout == "copied 1 order (0 already there, 0 updated) and 0 history rows (0 already there) from \(space.db) to \(shown)\n")
                #expect(try await server.psql("SELECT count(*) FROM tracked_order", database: "team") == "1\n")

                let back = space.folder + "/back.sqlite"
                let out = try await CLIRunner.run(["db", "copy", "--to", back], environment: environment.merging(["REFUNDWATCH_DATABASE_URL": url]) { $1 })
                #expect(out.status == 0, "\(out.stderr)")
                #expect(out.stdout == "copied 1 order (0 already there, 0 updated) and 0 history rows (0 already there) from \(shown) to \(back)\n")

                let neither = try await CLIRunner.run(["db", "copy", "--config", config], environment: environment)
                #expect(neither.status == 2)
                #expect(neither.stderr.contains("Give --from, --to or both"), "\(neither.stderr)")

                let withPassword = try await CLIRunner.run(["db", "copy", "--from", space.db, "--to", "postgres://refundwatch:pw-TESTSECRET@/team?host=\(server.folder)"],
                                                           environment: environment)
                #expect(withPassword.status == 2)
                #expect(withPassword.stderr.hasPrefix("Error: --to: the URL holds a password"), "\(withPassword.stderr)")
                for result in [into, out, neither, withPassword] {
                    #expect(!result.stderr.contains("pw-TESTSECRET") && !result.stderr.contains(server.password) && !result.stdout.contains(server.password))
                }
            }
        }
    }
}
