import Foundation
import Testing
import RefundSimulator
import TestSupport

/// PayU stops answering (its refresh token revoked) while WhatsApp's side still works: every
/// command that fetches says so, counted apart, in its output, its JSON, the log and its exit
/// status (11), so that a script or a quiet poller sees it.
@Suite struct PartialFailureCommandTests {
    static let refusal = "PayU refused to renew the access token (invalid_grant"

    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func aRefusedPayUTokenIsAPartialFailureEverywhere() async throws {
        try await withSimulator(try await Harness.start(tokenLifetime: 60)) { harness in
            let space = try StateWorkspace()
            let config = try writeConfiguration(harness, oauth: true)
            let common = ["--db", space.db, "--config", config]
            // Orders with one PayU transaction each.
            let orders = [Scenario.multipleRefunds, .settled, .refundInProgress, .arnArrivesLater].map { harness.order($0) }
            #expect(try await CLIRunner.run(["track", "add"] + orders + common, environment: space.environment).status == 0)
            let first = try await CLIRunner.run(["track", "refresh", "--json"] + common, environment: space.environment)
            #expect(first.status == 0, "\(first.stderr)")
            #expect(try json(first.stdout)["partly_failed"] as? Int == 0)

            harness.simulator.revokeRefreshTokens()
            harness.simulator.advanceClock(by: 120)
            let tokenRequests = harness.simulator.tokenRequestCount()
            let refresh = try await CLIRunner.run(["track", "refresh", "--all"] + common, environment: space.environment)
            #expect(refresh.status == 11, "\(refresh.stderr)")
            #expect(refresh.stdout.hasPrefix("Refreshed 4 orders in "), "\(refresh.stdout)")
            let line = refresh.stdout.prefix { $0 != "\n" }
            #expect(line.contains(" 0 failed, ") && line.hasSuffix(" overdue, 4 partly failed: PayU could not be asked."), "\(refresh.stdout)")
            #expect(refresh.stdout.contains("\nPartly failed (WhatsApp's side is stored; PayU's could not be fetched, its earlier answer is kept where there was one):\n  \(orders[0])  \(Self.refusal)"))
            // PayU's one refusal is remembered: a renewal tried once (the cache's newest refresh token,
            // then the configured one), not once an order.
            #expect(harness.simulator.tokenRequestCount() - tokenRequests <= 2, "\(harness.simulator.tokenRequestCount() - tokenRequests) token requests")
            #expect(space.log.contains("warning [refundwatch.refresh] refreshed 4 of 4 orders: 0 failed, 4 partly failed: PayU could not be asked (first: \(orders[0]): \(Self.refusal)"),
                    "\(space.log)")

            let summaryResult = try await CLIRunner.run(["track", "refresh", "--all", "--json"] + common, environment: space.environment)
            #expect(summaryResult.status == 11)
            let partial = try json(summaryResult.stdout)
            #expect(partial["failed"] as? Int == 0 && partial["partly_failed"] as? Int == 4)
            let entries = try #require(partial["partial"] as? [[String: Any]])
            #expect(entries.map { $0["reference_id"] as? String } == orders)
            #expect(entries.allSatisfy { $0["service"] as? String == "PayU" && $0["category"] as? String == "authentication" && $0["transactions"] as? Int == 1 })
            #expect(entries.allSatisfy { ($0["message"] as? String)?.hasPrefix(Self.refusal) == true })

            // PayU's refusal, met by every order of two refreshes, is one alert for the watchlist.
            let alerts = try await CLIRunner.run(["alerts", "list", "--json"] + common, environment: space.environment)
            let token = try #require(try JSONSerialization.jsonObject(with: Data(alerts.stdout.utf8)) as? [[String: Any]]).filter { $0["rule"] as? String == "payu_token" }
            #expect(token.count == 1, "\(alerts.stdout)")
            #expect(token.first?["reference_id"] is NSNull && (token.first?["text"] as? String)?.hasPrefix("PayU refuses the access token: ") == true)

            // The list says which orders lack PayU's side, and how many.
            let list = try await CLIRunner.run(["track", "list"] + common, environment: space.environment)
            #expect(list.status == 0)
            #expect(list.stdout.contains("\n4 orders · ") && list.stdout.hasSuffix(" · 0 failing · 4 partly failing (PayU could not be asked)\n"), "\(list.stdout)")
            let notes = list.stdout.components(separatedBy: "\n").filter { $0.hasPrefix("  ↳ partly failed: PayU could not be asked for 1 transaction in the fetch shown") }
            #expect(notes.count == 4, "\(list.stdout)")
            #expect(notes.first?.hasSuffix("(refundwatch lookup \(orders[0]) shows why)") == true)
            let listing = try json(try await CLIRunner.run(["track", "list", "--json"] + common, environment: space.environment).stdout)
            #expect((listing["totals"] as? [String: Int])?["partly_failing"] == 4)
            let rows = try #require(listing["orders"] as? [[String: Any]])
            #expect(rows.allSatisfy { ($0["partial"] as? [String: Any])?["service"] as? String == "PayU" && ($0["partial"] as? [String: Any])?["transactions"] as? Int == 1 })

            // One order looked up: printed, and exit 11.
            let lookup = try await CLIRunner.run(["lookup", "--config", config, orders[0]], environment: space.environment)
            #expect(lookup.status == 11)
            #expect(lookup.stdout.hasPrefix("Order \(orders[0])"))
            #expect(lookup.stderr == "refundwatch: partly failed: PayU could not be asked for 1 transaction; its bank details are missing (the reason is in the output).\n")
            #expect(space.log.contains("warning [refundwatch.lookup] \(orders[0]): partly failed: PayU could not be asked for 1 transaction: \(Self.refusal)"))

            for result in [first, refresh, summaryResult, list, lookup] {
                #expect(TestSecrets.leaked(in: result.stdout + result.stderr) == [])
            }
            #expect(TestSecrets.leaked(in: space.log) == [])
        }
    }

    @Test func aPollerSaysSoInItsLineAndItsLogEvenWhenQuiet() async throws {
        try await withSimulator(try await Harness.start(tokenLifetime: 60)) { harness in
            let space = try StateWorkspace()
            let config = try writeConfiguration(harness, oauth: true)
            let orders = [Scenario.multipleRefunds, .settled].map { harness.order($0) }
            harness.simulator.revokeRefreshTokens()

            let told = space.folder + "/told.sqlite", quiet = space.folder + "/quiet.sqlite"
            for db in [told, quiet] {
                #expect(try await CLIRunner.run(["track", "add"] + orders + ["--db", db], environment: space.environment).status == 0)
            }
            let poll = try await CLIRunner.run(["poll", "--once", "--db", told, "--config", config], environment: space.environment)
            #expect(poll.status == 11, "\(poll.stderr)")
            #expect(poll.stderr.contains("refundwatch poll: fetched 2 of 2 orders in "), "\(poll.stderr)")
            #expect(poll.stderr.contains(": 0 changed, 2 new, 0 failed, 2 partly failed: PayU could not be asked (first: \(orders[0]): \(Self.refusal)"), "\(poll.stderr)")
            let silent = try await CLIRunner.run(["poll", "--once", "--quiet", "--db", quiet, "--config", config], environment: space.environment)
            #expect(silent.status == 11)
            #expect(silent.stderr.isEmpty)
            let warnings = space.log.components(separatedBy: "\n").filter { $0.contains(" warning [refundwatch.poll] fetched 2 of 2 orders in ") }
            #expect(warnings.count == 2, "\(space.log)")
            #expect(warnings.allSatisfy { $0.contains("2 partly failed: PayU could not be asked (first: \(orders[0]): \(Self.refusal)") })
            #expect(TestSecrets.leaked(in: poll.stderr + space.log) == [])
        }
    }
}
