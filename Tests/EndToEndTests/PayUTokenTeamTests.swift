import Foundation
import Testing
import RefundKit
import RefundSimulator
import RefundStore
import TestSupport

/// PayU tokens through the binary when the watchlist is a team's PostgreSQL database: processes of
/// two people (each their own home and state folder) share one rotating refresh token through the
/// database and never refuse each other's; with an SQLite file nothing changes (the token cache
/// file in the state folder).
@Suite struct PayUTokenTeamTests {
    /// One person: their own home, state and data folders, and the database's password.
    private struct Person {
        let space: StateWorkspace
        let extra: [String: String]
        var environment: [String: String] { space.environment.merging(extra.merging(["HOME": space.folder]) { $1 }) { $1 } }

        /// The token cache files in this person's state folder.
        var cacheFiles: [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: space.state + "/refundwatch")) ?? []).filter { $0.hasPrefix("payu-token-") }
        }
    }

    /// The simulator's configuration (`[payu.oauth]` with its refresh token), in a file of mode 0600.
    private static func configuration(_ harness: Harness, in folder: String) throws -> String {
        let path = folder + "/refundwatch.toml"
        try harness.simulator.demoConfigurationTOML().write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        return path
    }

    /// What must never be printed: the test secrets, the simulator's token prefixes, the tokens the
    /// team's database holds now, and the database's password.
    private static func expectNoSecrets(_ results: [CLIResult], logs: [String], also: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        for text in results.map({ $0.stdout + $0.stderr }) + logs {
            #expect(TestSecrets.leaked(in: text) == [], sourceLocation: sourceLocation)
            for secret in also where !secret.isEmpty {
                #expect(!text.contains(secret), "a secret was printed", sourceLocation: sourceLocation)
            }
        }
    }

    /// Anything that says PayU refused a token, or that PayU's side is missing.
    private static func refusal(in result: CLIResult) -> Bool {
        let text = result.stdout + result.stderr
        return ["invalid_grant", "PayU refused", "PayU rejected", "partly failed", "could not be asked", "PayU         unavailable"].contains { text.contains($0) }
    }

    @Test func twoPeopleOnOneDatabaseShareOneRotatingRefreshTokenAcrossLifetimes() async throws {
        try await withPostgres { server in
            try await server.psql("CREATE DATABASE team")
            let url = server.url(database: "team")
            // The binary reads the machine's clock, so the simulator starts on it with 10-minute
            // tokens; the test moves only the simulator's clock past each token's life. A process
            // still believes the team's token good (its clock has hardly moved), PayU answers it
            // 401, and that renews it, once for the team.
            try await withSimulator(await Harness.start(tokenLifetime: 600, startDate: nil)) { harness in
                let people = try (0..<2).map { _ in Person(space: try StateWorkspace(), extra: ["PGPASSWORD": server.password]) }
                let config = try Self.configuration(harness, in: people[0].space.folder)
                let orders = [harness.order(.multipleRefunds), harness.order(.settled)]
                let add = try await CLIRunner.run(["track", "add"] + orders + ["--db", url, "--config", config], environment: people[0].environment)
                #expect(add.status == 0, "\(add.stderr)")

                var results = [add]
                func refresh(_ person: Person, _ step: String) async throws {
                    let run = try await CLIRunner.run(["track", "refresh", "--all", "--config", config, "--db", url], environment: person.environment)
                    #expect(run.status == 0, "\(step): \(run.stderr)")
                    #expect(!Self.refusal(in: run), "\(step): \(run.stdout)\(run.stderr)")
                    results.append(run)
                }
                // Four lifetimes; in each the two take turns, three runs apiece.
                for lifetime in 0..<4 {
                    if lifetime > 0 { harness.simulator.advanceClock(by: 601) }
                    for turn in 0..<6 {
                        try await refresh(people[turn % 2], "lifetime \(lifetime), run \(turn + 1)")
                    }
                    #expect(harness.simulator.tokenRequestCount() == lifetime + 1, "one token request in lifetime \(lifetime), not one per process")
                }

                #expect(try await server.psql("SELECT count(*) FROM payu_token", database: "team").trimmingCharacters(in: .whitespacesAndNewlines) == "1")
                let stored = try await server.psql("SELECT refresh_token || ' ' || access_token FROM payu_token", database: "team")
                    .trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ").map(String.init)
                #expect(stored.first?.hasPrefix("sim-rt-4-") == true, "PayU's newest refresh token is the team's")
                for person in people { #expect(person.cacheFiles.isEmpty, "no token cache file: \(person.cacheFiles)") }

                // `payu token` and `lookup` with the database named by the environment: the team's
                // token, where it is kept, and no renewal of their own.
                let third = Person(space: try StateWorkspace(), extra: ["PGPASSWORD": server.password, "REFUNDWATCH_DATABASE_URL": url])
                let lookup = try await CLIRunner.run(["lookup", "--config", config, orders[0]], environment: third.environment)
                #expect(lookup.status == 0, "\(lookup.stderr)")
                #expect(!Self.refusal(in: lookup), "\(lookup.stdout)\(lookup.stderr)")
                let status = try await CLIRunner.run(["payu", "token", "--config", config], environment: third.environment)
                #expect(status.status == 0, "\(status.stderr)")
                let location = try PostgresLocation(url: url, environment: [:]).description
                #expect(status.stdout.contains("  cache      the team's database \(location) (table payu_token)\n"), "\(status.stdout)")
                #expect(status.stdout.contains("  obtained   ") && status.stdout.contains("  expires    "), "\(status.stdout)")
                #expect(status.stdout.contains("  refresh    the team's database (PayU's newest, replacing refresh_token in \(config))\n"), "\(status.stdout)")
                #expect(harness.simulator.tokenRequestCount() == 4, "lookup and payu token used the team's token")
                #expect(third.cacheFiles.isEmpty)
                results += [lookup, status]

                Self.expectNoSecrets(results, logs: (people + [third]).map(\.space.log), also: stored + [server.password])
            }
        }
    }

    @Test func withAnSQLiteFileTokensStayInTheStateFoldersCacheFile() async throws {
        try await withSimulator(await Harness.start(tokenLifetime: 600, startDate: nil)) { harness in
            let person = Person(space: try StateWorkspace(), extra: [:])
            let config = try Self.configuration(harness, in: person.space.folder)
            let order = harness.order(.multipleRefunds)
            let common = ["--config", config, "--db", person.space.db]
            let add = try await CLIRunner.run(["track", "add", order] + common, environment: person.environment)
            #expect(add.status == 0, "\(add.stderr)")
            var results = [add]
            for lifetime in 0..<2 {
                if lifetime > 0 { harness.simulator.advanceClock(by: 601) }
                for _ in 0..<2 {
                    let run = try await CLIRunner.run(["track", "refresh", "--all"] + common, environment: person.environment)
                    #expect(run.status == 0, "\(run.stderr)")
                    #expect(!Self.refusal(in: run), "\(run.stdout)\(run.stderr)")
                    results.append(run)
                }
                #expect(harness.simulator.tokenRequestCount() == lifetime + 1)
            }
            let files = person.cacheFiles.filter { $0.hasSuffix(".json") }
            #expect(files.count == 1, "the token cache file, as before: \(person.cacheFiles)")
            let status = try await CLIRunner.run(["payu", "token", "--config", config], environment: person.environment)
            #expect(status.status == 0, "\(status.stderr)")
            #expect(status.stdout.contains("  cache      \(person.space.state)/refundwatch/\(files.first ?? "")\n"), "\(status.stdout)")
            #expect(!status.stdout.contains("team's database"))
            results.append(status)
            let cached = try String(contentsOfFile: person.space.state + "/refundwatch/" + (files.first ?? ""), encoding: .utf8)
            Self.expectNoSecrets(results, logs: [person.space.log], also: [])
            #expect(cached.contains("sim-rt-2-"), "the file keeps PayU's newest refresh token")
        }
    }
}
