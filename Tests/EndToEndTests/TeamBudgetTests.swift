import Foundation
import RefundKit
import RefundSimulator
import RefundStore
import WatchlistModel
import Testing
import TestSupport

/// One request budget per account for the whole team: processes on one PostgreSQL database take
/// turns in the account's `max_requests_per_second` (`rate_budget`), through the binary, against a
/// simulator that enforces the account's limit. In `RateBudgetCommandTests`' suite, which runs
/// its tests one at a time: both need the machine to go faster than an account's limit.
extension RateBudgetCommandTests {
    /// Three pollers and a dashboard on one account, each configured with the account's whole
    /// limit (which, kept per process, would be three times the limit): a full cycle of 2,000
    /// orders without one throttled answer. One poller is killed part way; the two left take its
    /// share (its leased orders after the lease) and finish the cycle, still never throttled.
    /// How much of the limit they use is a rate, measured by `refundwatch-bench budget`.
    @Test func threePollersAndADashboardShareTheAccountsLimitAndNeverExceedIt() async throws {
        let orders = 2_000
        try await TeamPollerTests().withTeamDatabase { team in
            try await withSimulator(await Harness.start(orders: orders, rateLimits: try RateLimitSpec.parse("kaleyra=50/s,payu=50/s"))) { harness in
                let spaces = try (0..<3).map { _ in try StateWorkspace() }
                let config = try writeConfiguration(harness, refreshInterval: 3600, kaleyraBudget: 50, payuBudget: 50)
                let environment = { (space: StateWorkspace) in space.environment.merging(["PGPASSWORD": team.server.password]) { $1 } }
                let ids = harness.simulator.catalogue.orders.map(\.referenceID)
                #expect(ids.count == orders)
                let add = try await CLIRunner.run(["track", "add", "-", "--db", team.url, "--config", config], environment: environment(spaces[0]),
                                                  stdin: ids.joined(separator: "\n"))
                #expect(add.status == 0, "\(add.stderr)")

                let poll = ["poll", "--lease", "3s", "--db", team.url, "--config", config]
                try await withTmux(width: 120, height: 30) { dashboard in
                    try await CLIRunner.withProcess(poll, environment: environment(spaces[0])) { doomed in
                        try await CLIRunner.withProcess(poll, environment: environment(spaces[1])) { second in
                            try await CLIRunner.withProcess(poll, environment: environment(spaces[2])) { third in
                                try await waitUntil("the three pollers' first heartbeat") { try await team.store.pollers(seenWithin: 20).count == 3 }
                                try await dashboard.keys(TeamPollerTests.dashboardCommand(team, config: config, folder: dashboard.folder), enter: true)
                                try await dashboard.waitFor("the dashboard live with 3 pollers") { $0.contains("live · 3 pollers") }

                                try await team.waitFor("300 orders fetched") { $0.filter { $0.fetchedAt != nil }.count >= 300 }
                                doomed.signal(SIGKILL)
                                #expect(try await doomed.exit().termination == .signalled(SIGKILL))

                                let rows = try await team.waitFor("the whole cycle fetched by the two left", timeout: .seconds(300)) {
                                    $0.count == orders && $0.allSatisfy { $0.fetchedAt != nil }
                                }
                                #expect(rows.filter { $0.failure != nil }.isEmpty, "no fetch failed")
                                try await dashboard.waitFor("the dashboard showing the stored cycle") { $0.contains("\(orders) orders") }
                                try await dashboard.keys("q")
                                for poller in [second, third] {
                                    poller.signal(SIGTERM)
                                    #expect(try await poller.exit().termination == .exited(0), "\(poller.stderr)")
                                }
                            }
                        }
                    }
                }

                #expect(harness.simulator.overBudgetRequests(.kaleyra).isEmpty, "Kaleyra throttled \(harness.simulator.overBudgetRequests(.kaleyra).count) requests")
                #expect(harness.simulator.overBudgetRequests(.payu).isEmpty, "PayU throttled \(harness.simulator.overBudgetRequests(.payu).count) requests")
                for space in spaces { #expect(!space.log.contains("asked us to slow down"), "\(space.log.suffix(2_000))") }
                #expect(TeamPollerTests.fetchedCount(spaces[1].log) > 0 && TeamPollerTests.fetchedCount(spaces[2].log) > 0, "both survivors fetched")
                // The ledger's rows: one per API of the account, at the budget (never throttled, never slowed).
                let budget = try await team.server.psql("SELECT account, service, rate, throttles FROM rate_budget ORDER BY service", database: "team")
                #expect(budget == "default|Kaleyra|50|0\ndefault|PayU|50|0\n", "\(budget)")
            }
        }
    }
}
