import Foundation
import Testing
import RefundSimulator
import TestSupport

/// `--db postgres://…` through the binary, on a private PostgreSQL server.
@Suite struct PostgresCommandTests {
    @Test func theWatchlistOnPostgreSQLWorksAsOnAFileAndFailuresExitNine() async throws {
        let server = try await PostgresServer.launch()
        defer { server.stop() }
        try await server.run(sql: "CREATE DATABASE team")
        let harness = try await Harness.start()
        defer { Task { await harness.stop() } }
        let space = try StateWorkspace()
        let config = try writeConfiguration(harness)
        let url = server.url(database: "team")
        let environment = space.environment.merging(["PGPASSWORD": server.password]) { $1 }
        let common = ["--db", url, "--config", config]

        let add = try await CLIRunner.run(["track", "add", harness.order(.multipleRefunds), harness.order(.settled)] + common, environment: environment)
        #expect(add.status == 0, "\(add.stderr)")
        #expect(add.stdout == "Added 2 orders. The watchlist has 2 orders.\n")
        let refresh = try await CLIRunner.run(["track", "refresh"] + common, environment: environment)
        #expect(refresh.status == 0, "\(refresh.stderr)")
        #expect(refresh.stdout.hasPrefix("Refreshed 2 orders in "))
        let list = try await CLIRunner.run(["track", "list"] + common, environment: environment)
        #expect(list.stdout.contains(harness.order(.multipleRefunds)) && list.stdout.contains("2 orders · "))
        let history = try await CLIRunner.run(["track", "history", harness.order(.multipleRefunds)] + common, environment: environment)
        #expect(history.status == 0 && history.stdout.contains("first seen"), "\(history.stdout)")
        let poll = try await CLIRunner.run(["poll", "--once"] + common, environment: environment)
        #expect(poll.status == 0 && poll.stderr.contains("nothing due of 2 orders"), "\(poll.stderr)")

        let wrong = try await CLIRunner.run(["track", "list"] + common, environment: environment.merging(["PGPASSWORD": "wrong-TESTSECRET"]) { $1 })
        #expect(wrong.status == 9)
        #expect(wrong.stderr.contains("postgres://refundwatch@/team?host=\(server.folder): the server refused the password of user refundwatch."), "\(wrong.stderr)")
        let withPassword = try await CLIRunner.run(["track", "list", "--db", "postgres://refundwatch:s3cret-pw@/team?host=\(server.folder)"], environment: environment)
        #expect(withPassword.status == 9)
        #expect(withPassword.stderr.contains("the URL holds a password"))
        server.stop()
        let down = try await CLIRunner.run(["track", "list"] + common, environment: environment)
        #expect(down.status == 9)
        #expect(down.stderr.contains("cannot connect") && down.stderr.contains("Is the server running, with its socket in \(server.folder)?"), "\(down.stderr)")
        for result in [add, refresh, list, wrong, withPassword, down] {
            #expect(!result.stdout.contains(server.password) && !result.stderr.contains(server.password))
            #expect(!result.stderr.contains("s3cret-pw") && !result.stderr.contains("wrong-TESTSECRET"))
        }
    }

    @Test func theDatabaseComesFromDbElseTheEnvironmentElseTheConfiguration() async throws {
        let server = try await PostgresServer.launch()
        defer { server.stop() }
        try await server.run(sql: "CREATE DATABASE team")
        let harness = try await Harness.start()
        defer { Task { await harness.stop() } }
        let space = try StateWorkspace()
        let url = server.url(database: "team")
        let environment = space.environment.merging(["PGPASSWORD": server.password]) { $1 }
        let plain = try writeConfiguration(harness)
        let withURL = try writeConfiguration(harness, extra: "database_url = \"\(url)\"")

        // REFUNDWATCH_DATABASE_URL: the team's database.
        let add = try await CLIRunner.run(["track", "add", "ORD-20261009-2760", "--config", plain],
                                          environment: environment.merging(["REFUNDWATCH_DATABASE_URL": url]) { $1 })
        #expect(add.status == 0, "\(add.stderr)")
        #expect(try await server.run(sql: "SELECT count(*) FROM tracked_order", database: "team") == "1\n")
        // database_url in the configuration: the same database.
        let list = try await CLIRunner.run(["track", "list", "--config", withURL], environment: environment)
        #expect(list.stdout.contains("ORD-20261009-2760"), "\(list.stdout)\(list.stderr)")
        // --db wins over both: a file of one's own.
        let file = space.folder + "/mine.sqlite"
        let mine = try await CLIRunner.run(["track", "list", "--db", file, "--config", withURL],
                                           environment: environment.merging(["REFUNDWATCH_DATABASE_URL": url]) { $1 })
        #expect(mine.stdout.hasPrefix("The watchlist is empty."), "\(mine.stdout)")
        // Neither: the default file, not the team's.
        let fallback = try await CLIRunner.run(["track", "list", "--config", plain], environment: environment)
        #expect(fallback.stdout.hasPrefix("The watchlist is empty."), "\(fallback.stdout)")
    }
}
