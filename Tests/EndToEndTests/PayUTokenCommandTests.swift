import Foundation
import Testing
import RefundKit
import RefundSimulator
import TestSupport

/// `[payu.oauth]` through the binary: `payu token`, renewal across processes that share the token
/// cache, and a refused renewal as a person meets it.
@Suite struct PayUTokenCommandTests {
    private typealias Workspace = StateWorkspace

    private func expectNoSecrets(_ results: [CLIResult], log: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for result in results {
            #expect(TestSecrets.leaked(in: result.stdout + result.stderr) == [], sourceLocation: sourceLocation)
        }
        #expect(TestSecrets.leaked(in: log) == [], "the log holds a secret", sourceLocation: sourceLocation)
    }

    @Test func tokenShowsItsOriginAndExpiryAndLookupsRenewAcrossProcesses() async throws {
        // Processes of the binary read the machine's clock, so they cannot share a test's. The
        // simulator starts on that clock with 10-minute tokens, and the test moves only the
        // simulator's clock past a token's life: each process still holds the token good (its own
        // clock has hardly moved), PayU answers it 401, and that renews it, once across processes.
        try await withSimulator(await Harness.start(tokenLifetime: 600, startDate: nil)) { harness in
            let space = try Workspace()
            let config = try writeConfiguration(harness, oauth: true)
            let order = harness.order(.multipleRefunds)

            let before = try await CLIRunner.run(["payu", "token", "--config", config], environment: space.environment)
            #expect(before.status == 0, "\(before.stderr)")
            #expect(before.stdout.contains("  from       OAuth at \(harness.simulator.payuTokenURL), client id \(harness.simulator.options.credentials.clientID)\n"))
            #expect(before.stdout.contains("  token      none yet: the first PayU call obtains one (or run: refundwatch payu token --renew)\n"))
            #expect(before.stdout.contains("  refresh    refresh_token_env RW_TEST_PAYU_REFRESH\n"))

            var results = [before]
            func lookup() async throws -> CLIResult {
                let lookup = try await CLIRunner.run(["lookup", "--config", config, order], environment: space.environment)
                #expect(lookup.status == 0, "\(lookup.stderr)")
                #expect(!lookup.stdout.contains("PayU         unavailable"), "\(lookup.stdout)")
                return lookup
            }
            // The first lookup obtains a token; the next process adopts it from the cache.
            results.append(try await lookup())
            #expect(harness.simulator.tokenRequestCount() == 1)
            results.append(try await lookup())
            #expect(harness.simulator.tokenRequestCount() == 1, "the second process used the cached token")

            // Three lifetimes: after each, two processes at once meet the 401, and one of them renews.
            for lifetime in 1...3 {
                harness.simulator.advanceClock(by: 601)
                async let first = lookup()
                async let second = lookup()
                results += [try await first, try await second]
                #expect(harness.simulator.tokenRequestCount() == 1 + lifetime, "one renewal for both processes after lifetime \(lifetime)")
                results.append(try await lookup())
                #expect(harness.simulator.tokenRequestCount() == 1 + lifetime, "the renewed token is shared")
            }
            let bearers = Set(harness.simulator.receivedRequests().filter { $0.rawPath.contains("refunds") }.compactMap { $0.header("authorization") })
            #expect(bearers.count == 4, "every token requested was used, and none requested twice")

            let after = try await CLIRunner.run(["payu", "token", "--config", config], environment: space.environment)
            #expect(after.stdout.contains("  obtained   "))
            #expect(after.stdout.contains("  expires    "))
            #expect(after.stdout.contains("  refresh    the token cache (PayU's newest, replacing refresh_token_env RW_TEST_PAYU_REFRESH)\n"))
            let renewed = try await CLIRunner.run(["payu", "token", "--renew", "--config", config], environment: space.environment)
            #expect(renewed.status == 0, "\(renewed.stderr)")
            #expect(renewed.stdout.hasPrefix("PayU access token renewed\n"))
            #expect(renewed.stdout.contains("(at 90% of its life)"))
            #expect(harness.simulator.tokenRequestCount() == 5)
            results += [after, renewed]

            // Token requests are logged, tokens never; the cache is its owner's alone.
            #expect(space.log.contains("POST PayU 127.0.0.1:\(harness.simulator.port)/oauth/token grant_type=refresh_token -> 200"))
            expectNoSecrets(results, log: space.log)
            let cacheFiles = try FileManager.default.contentsOfDirectory(atPath: space.state + "/refundwatch").filter { $0.hasPrefix("payu-token-") && $0.hasSuffix(".json") }
            #expect(cacheFiles.count == 1)
            let mode = try FileManager.default.attributesOfItem(atPath: space.state + "/refundwatch/" + cacheFiles[0])[.posixPermissions] as? Int
            #expect(mode == 0o600)
        }
    }

    @Test func aRevokedRefreshTokenIsExplainedAndTheWhatsAppSideIsStillRecorded() async throws {
        try await withSimulator(await Harness.start(tokenLifetime: 60)) { harness in
            let space = try Workspace()
            let config = try writeConfiguration(harness, oauth: true)
            let order = harness.order(.multipleRefunds)
            let common = ["--db", space.db, "--config", config]
            _ = try await CLIRunner.run(["track", "add", order] + common, environment: space.environment)
            let first = try await CLIRunner.run(["track", "refresh"] + common, environment: space.environment)
            #expect(first.status == 0, "\(first.stderr)")

            harness.simulator.revokeRefreshTokens()
            harness.simulator.advanceClock(by: 120)
            let refresh = try await CLIRunner.run(["track", "refresh", "--all", "--json"] + common, environment: space.environment)
            // The WhatsApp side was fetched and recorded; PayU's was not: partly failed, exit 11.
            #expect(refresh.status == 11, "\(refresh.stderr)")
            let summary = try #require(try JSONSerialization.jsonObject(with: Data(refresh.stdout.utf8)) as? [String: Any])
            #expect(summary["fetched"] as? Int == 1 && summary["failed"] as? Int == 0 && summary["partly_failed"] as? Int == 1)
            let history = try await CLIRunner.run(["track", "history", order, "--json"] + common, environment: space.environment)
            #expect(history.status == 0)

            let lookup = try await CLIRunner.run(["lookup", "--config", config, order], environment: space.environment)
            #expect(lookup.status == 11, "the order is found; PayU's side is missing")
            let unwrapped = lookup.stdout.replacingOccurrences(of: "\n +", with: " ", options: .regularExpression)
            #expect(unwrapped.contains("PayU         unavailable: PayU refused to renew the access token (invalid_grant"), "\(lookup.stdout)")
            #expect(unwrapped.contains("PayU         unknown: PayU could not be asked (above)"))
            #expect(lookup.stderr.contains("partly failed: PayU could not be asked for 1 transaction"))
            let renew = try await CLIRunner.run(["payu", "token", "--renew", "--config", config], environment: space.environment)
            #expect(renew.status == 5)
            #expect(renew.stderr.contains("Authorize refundwatch again in PayU's partner flow, set the new refresh token as [payu.oauth] refresh_token_env (or refresh_token), then run: refundwatch payu token --renew"))
            expectNoSecrets([first, refresh, history, lookup, renew], log: space.log)
        }
    }

    @Test func aFixedBearerTokenIsDescribedAndCannotBeRenewed() async throws {
        try await withSimulator { harness in
            let space = try Workspace()
            let config = try writeConfiguration(harness)
            let shown = try await CLIRunner.run(["payu", "token", "--config", config], environment: space.environment)
            #expect(shown.status == 0)
            #expect(shown.stdout.contains("  from       the fixed bearer_token in \(config)\n"))
            #expect(shown.stdout.contains("[payu.oauth] renews tokens by itself"))
            let renew = try await CLIRunner.run(["payu", "token", "--renew", "--config", config], environment: space.environment)
            #expect(renew.status == 3)
            #expect(renew.stderr.contains("--renew needs [payu.oauth]"))
            expectNoSecrets([shown, renew], log: space.log)
        }
    }

    @Test func theDemoRenewsTokensInMemory() async throws {
        let space = try Workspace()
        let renewed = try await CLIRunner.run(["payu", "token", "--renew", "--demo"], environment: space.environment)
        #expect(renewed.status == 0, "\(renewed.stderr)")
        #expect(renewed.stdout.contains("  cache      memory only (demo: its simulator starts afresh each run)\n"))
        // PayU's own lifetime: one-off commands run the simulator at real speed.
        #expect(renewed.stdout.contains("(in 2h)"), "\(renewed.stdout)")
    }
}
