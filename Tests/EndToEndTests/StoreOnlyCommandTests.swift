import Foundation
import Testing
import RefundSimulator
import TestSupport

/// The commands that only read or edit the watchlist work with the team's configuration file and no
/// API credential in the environment (support staff read the shared watchlist so); the commands
/// that fetch still refuse a missing secret, saying which.
@Suite struct StoreOnlyCommandTests {
    /// The workspace's folders, without the test secrets.
    func withoutSecrets(_ space: StateWorkspace, _ extra: [String: String] = [:]) -> [String: String] {
        ["XDG_STATE_HOME": space.state, "XDG_DATA_HOME": space.folder + "/data"].merging(extra) { $1 }
    }

    /// What a fetching command says when `[kaleyra] api_key_env` names a variable that is not set.
    func missingKey(_ config: String) -> String {
        "refundwatch: Configuration error: \(config): kaleyra.api_key_env: names the environment variable RW_TEST_KALEYRA_KEY, which is not set or empty; export it, or put api_key in the file\n"
    }

    /// A configuration file named on the command line or in REFUNDWATCH_CONFIG that is not there
    /// is an error (it was quietly replaced by the defaults, a team's database_url with them).
    @Test func aNamedConfigurationThatIsMissingIsAnError() async throws {
        let space = try StateWorkspace()
        let missing = space.folder + "/no-such.toml"
        for arguments in [["track", "list", "--db", space.db, "--config", missing], ["alerts", "--db", space.db, "--config", missing],
                          ["track", "list", "--config", missing]] {
            let result = try await CLIRunner.run(arguments, environment: withoutSecrets(space))
            #expect(result.status == 3, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("\(missing): no such file. Create it"), "\(result.stderr)")
        }
        let fromEnvironment = try await CLIRunner.run(["track", "list", "--db", space.db], environment: withoutSecrets(space, ["REFUNDWATCH_CONFIG": missing]))
        #expect(fromEnvironment.status == 3 && fromEnvironment.stderr.contains("no such file"), "\(fromEnvironment.stderr)")
        // Nothing at the usual place: the defaults, as before.
        #expect(try await CLIRunner.run(["track", "list", "--db", space.db], environment: withoutSecrets(space)).status == 0)
    }

    @Test func listHistoryExportAddAndRemoveNeedNoAPICredentials() async throws {
        try await withSimulator { harness in
            let space = try StateWorkspace()
            // archive_after from the file: the list shows it read the file's settings.
            let config = try writeConfiguration(harness, extra: "archive_after = \"3d\"")
            let common = ["--db", space.db, "--config", config]
            let active = harness.order(.refundInProgress), settled = harness.order(.settled)
            #expect(try await CLIRunner.run(["track", "add", active, settled] + common, environment: space.environment).status == 0)
            let refreshed = try await CLIRunner.run(["track", "refresh"] + common, environment: space.environment)
            #expect(refreshed.status == 0, "\(refreshed.stderr)")
            let requests = harness.simulator.requestCounts()

            let bare = withoutSecrets(space)
            let list = try await CLIRunner.run(["track", "list"] + common, environment: bare)
            #expect(list.status == 0, "\(list.stderr)")
            #expect(list.stderr.isEmpty)
            #expect(list.stdout.contains("Archived: settled more than 3d ago, no longer polled"), "\(list.stdout)")
            #expect(list.stdout.contains(active) && list.stdout.contains(settled))
            let json = try await CLIRunner.run(["track", "list", "--json"] + common, environment: bare)
            #expect(json.status == 0, "\(json.stderr)")
            let orders = try #require((try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])?["orders"] as? [[String: Any]])
            #expect(orders.map { $0["payment_status"] as? String } == ["captured", "captured"])
            let history = try await CLIRunner.run(["track", "history", active] + common, environment: bare)
            #expect(history.status == 0, "\(history.stderr)")
            #expect(history.stdout.hasPrefix("\(active)\n") && history.stdout.contains("first seen"), "\(history.stdout)")
            let csv = try await CLIRunner.run(["export", "--format", "csv"] + common, environment: bare)
            #expect(csv.status == 0, "\(csv.stderr)")
            #expect(csv.stdout.components(separatedBy: "\r\n").filter { $0.hasPrefix(active + ",") || $0.hasPrefix(settled + ",") }.count >= 2)
            let add = try await CLIRunner.run(["track", "add", "ORD-20261009-2760"] + common, environment: bare)
            #expect(add.status == 0 && add.stdout == "Added 1 order. The watchlist has 3 orders.\n", "\(add.stderr)")
            let remove = try await CLIRunner.run(["track", "remove", "ORD-20261009-2760"] + common, environment: bare)
            #expect(remove.status == 0 && remove.stdout == "Removed 1 order.\n", "\(remove.stderr)")
            #expect(harness.simulator.requestCounts() == requests, "nothing was fetched")

            // The commands that fetch need the secrets, and say which one is missing.
            let refresh = try await CLIRunner.run(["track", "refresh"] + common, environment: bare)
            let poll = try await CLIRunner.run(["poll", "--once"] + common, environment: bare)
            let lookup = try await CLIRunner.run(["lookup", active, "--config", config], environment: bare)
            for refused in [refresh, poll, lookup] {
                #expect(refused.status == 3)
                #expect(refused.stderr == missingKey(config))
                #expect(refused.stdout.isEmpty)
            }
            #expect(harness.simulator.requestCounts() == requests, "nothing was fetched")
            for result in [list, json, history, csv, add, remove, refresh, poll, lookup] {
                #expect(TestSecrets.leaked(in: result.stdout + result.stderr).isEmpty)
            }
        }
    }

    @Test func supportStaffReadTheTeamsDatabaseFromItsURLWithoutAnAPIKey() async throws {
        try await withPostgres { server in
            try await server.psql("CREATE DATABASE team")
            try await withSimulator { harness in
                let space = try StateWorkspace()
                let config = try writeConfiguration(harness, extra: "database_url = \"\(server.url(database: "team"))\"")
                let order = harness.order(.multipleRefunds)
                let team = space.environment.merging(["PGPASSWORD": server.password]) { $1 }
                #expect(try await CLIRunner.run(["track", "add", order, "--config", config], environment: team).status == 0)
                #expect(try await CLIRunner.run(["track", "refresh", "--config", config], environment: team).status == 0)

                let support = withoutSecrets(space, ["PGPASSWORD": server.password])
                let list = try await CLIRunner.run(["track", "list", "--config", config], environment: support)
                #expect(list.status == 0, "\(list.stderr)")
                #expect(list.stdout.contains(order) && list.stdout.contains("1 order · "), "\(list.stdout)")
                let refresh = try await CLIRunner.run(["track", "refresh", "--config", config], environment: support)
                #expect(refresh.status == 3)
                #expect(refresh.stderr == missingKey(config))
            }
        }
    }

    /// A `--no-fetch` dashboard in a real terminal: the shell has no API secret.
    @Test func aReadOnlyDashboardNeedsNoAPICredentials() async throws {
        try await withSimulator { harness in
            try await withTmux(width: 120, height: 30) { tmux in
                let space = try StateWorkspace(folder: tmux.folder)
                let config = try writeConfiguration(harness)
                let orders = [harness.order(.multipleRefunds), harness.order(.settled)]
                let common = ["--db", space.db, "--config", config]
                #expect(try await CLIRunner.run(["track", "add"] + orders + common, environment: space.environment).status == 0)
                #expect(try await CLIRunner.run(["track", "refresh"] + common, environment: space.environment).status == 0)
                let requests = harness.simulator.requestCounts()

                try await tmux.keys("\(CLIRunner.executable.path) --no-fetch \(common.joined(separator: " ")); echo status=$?", enter: true)
                let screen = try await tmux.waitFor("the read-only dashboard on its two orders") { $0.contains("2 orders") && $0.contains("read-only") && $0.contains("captured") }
                #expect(screen.contains("read-only") && screen.contains(orders[0]) && screen.contains("captured"), "\(screen)")
                try await tmux.keys("q")
                let after = try await tmux.waitFor("the dashboard's exit status, echoed") { $0.split(separator: "\n").contains { $0.hasPrefix("status=") } }
                #expect(after.contains("\nstatus=0\n"), "\(after)")
                #expect(try await tmux.flag("alternate_on") == "0", "the terminal is given back")
                #expect(harness.simulator.requestCounts() == requests, "a read-only dashboard fetches nothing")
                #expect(TestSecrets.leaked(in: screen + after) == [])
            }
        }
    }
}
