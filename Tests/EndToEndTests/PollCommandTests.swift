import Foundation
import Testing
import RefundKit
import RefundSimulator
import RefundStore
import WatchlistModel
import TestSupport

/// `refundwatch poll` through the binary: cycles, exit codes, a clean stop, and a dashboard beside it.
@Suite struct PollCommandTests {
    private typealias Workspace = StateWorkspace

    @Test func onceRunsOneCycleWithTrackRefreshsExitCodes() async throws {
        try await withSimulator(await Harness.start(maxAttempts: 1)) { harness in
            let space = try Workspace()
            // An hour between fetches: on a loaded machine the steps below can take more than the
            // default 30 s, and an order fetched at the start would be due again by the end.
            let config = try writeConfiguration(harness, refreshInterval: 3600)
            let common = ["--db", space.db, "--config", config]
            let empty = try await CLIRunner.run(["poll", "--once"] + common, environment: space.environment)
            #expect(empty.status == 0)
            #expect(empty.stderr == "refundwatch poll: the watchlist is empty: refundwatch track add REF... adds orders, and the next cycle fetches them\n")
            _ = try await CLIRunner.run(["track", "add", harness.order(.refundInProgress), harness.order(.settled)] + common, environment: space.environment)

            let first = try await CLIRunner.run(["poll", "--once"] + common, environment: space.environment)
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stdout.isEmpty)
            #expect(first.stderr.hasPrefix("refundwatch poll: fetched 2 of 2 orders in "), "\(first.stderr)")
            #expect(first.stderr.contains(": 0 changed, 2 new, 0 failed, 1 alert raised · next due in "), "\(first.stderr)")
            let idle = try await CLIRunner.run(["poll", "--once"] + common, environment: space.environment)
            #expect(idle.status == 0)
            #expect(idle.stderr.hasPrefix("refundwatch poll: nothing due of 2 orders · next due in "), "\(idle.stderr)")
            let quiet = try await CLIRunner.run(["poll", "--once", "--quiet"] + common, environment: space.environment)
            #expect(quiet.status == 0 && quiet.stderr.isEmpty)

            // A new order, and Kaleyra failing: exit 7 (server), as track refresh would.
            _ = try await CLIRunner.run(["track", "add", harness.order(.multipleRefunds)] + common, environment: space.environment)
            harness.simulator.setFaults(try FaultSpec.parse("kaleyra:5xx=1"))
            let failing = try await CLIRunner.run(["poll", "--once"] + common, environment: space.environment)
            #expect(failing.status == 7, "\(failing.stderr)")
            #expect(failing.stderr.contains("fetched 1 of 3 orders"))
            #expect(failing.stderr.contains("0 changed, 1 failed (first: \(harness.order(.multipleRefunds)): Kaleyra had a server error (HTTP "))
            #expect(space.log.contains("[refundwatch.poll] fetched 1 of 3 orders"))
            #expect(TestSecrets.leaked(in: first.stderr + failing.stderr + space.log) == [])
        }
    }

    /// A simulator answering in `latencyMilliseconds` with a catalogue of `orders`, every one of
    /// them tracked in a fresh workspace, whose configuration is `config`.
    private func withWholeCatalogueTracked(latencyMilliseconds: Int, orders: Int,
                                           _ body: (Harness, Workspace, _ config: String) async throws -> Void) async throws {
        try await withSimulator(await Harness.start(latency: LatencySpec(fixedMilliseconds: latencyMilliseconds, jitterMilliseconds: 0), orders: orders)) { harness in
            let space = try Workspace()
            let config = try writeConfiguration(harness)
            let ids = harness.simulator.catalogue.orders.map(\.referenceID).joined(separator: "\n")
            #expect(try await CLIRunner.run(["track", "add", "-", "--db", space.db], environment: space.environment, stdin: ids).status == 0)
            try await body(harness, space, config)
        }
    }

    /// Stopped mid-cycle by SIGTERM, the poller exits by itself (status 0, not killed by the signal:
    /// the runner would kill it only after ten seconds) with every stored order whole.
    @Test func sigtermMidCycleStopsAndLeavesEveryStoredOrderWhole() async throws {
        try await withWholeCatalogueTracked(latencyMilliseconds: 150, orders: 300) { harness, space, config in
            try await CLIRunner.withProcess(["poll", "--db", space.db, "--config", config], environment: space.environment) { process in
                let store = try await SQLiteStore.open(at: space.db)
                try await waitUntil("20 orders stored by the poller") { try await store.watchlist().filter { $0.fetchedAt != nil }.count >= 20 }
                process.signal(SIGTERM)
                let outcome = try await process.exit()
                #expect(outcome.termination == .exited(0), "it exited by itself, not killed by the signal: \(outcome)")
            }

            let (stored, rows) = try await expectEveryStoredOrderWhole(space.db)
            #expect(stored >= 20 && stored < 300, "\(stored) stored: the stop came mid-cycle")
            #expect(rows.allSatisfy { $0.failure == nil }, "an order cut short by the stop is not recorded as failed")
            #expect(space.log.contains("[refundwatch.poll] poll stopped by a signal"))
        }
    }

    /// Stopped while Kaleyra is slower than the stop's grace (3 s): the lookups in flight are cut
    /// short, nothing is written for them, and the poller still exits 0 with the cycle's line
    /// (before, the store refused the cancelled task and `poll` exited 9, a database error).
    @Test func sigtermWhileLookupsOutlastTheGraceCutsThemShortAndExits0() async throws {
        try await withWholeCatalogueTracked(latencyMilliseconds: 6_000, orders: 4) { harness, space, config in
            try await CLIRunner.withProcess(["poll", "--db", space.db, "--config", config], environment: space.environment) { process in
                try await waitUntil("the four lookups in flight") { harness.simulator.receivedRequests().count >= 4 }
                process.signal(SIGTERM)
                let outcome = try await process.exit()
                #expect(outcome.termination == .exited(0), "\(outcome)")
                #expect(process.stderr.contains("refundwatch poll: fetched 0 of 4 orders in ") && process.stderr.contains(" s: 0 changed, 0 failed, 4 cut short by the stop"),
                        "\(process.stderr)")
            }
            let store = try await SQLiteStore.open(at: space.db)
            let rows = try await store.watchlist()
            #expect(rows.allSatisfy { $0.fetchedAt == nil && $0.failure == nil && $0.attempts == 0 }, "nothing written for those cut short")
            #expect(try await store.pollers(seenWithin: 3_600).isEmpty, "the poller's row given back")
            #expect(space.log.contains("[refundwatch.poll] poll stopped by a signal"), "\(space.log)")
            #expect(!space.log.contains("CancellationError"), "\(space.log)")
        }
    }

    @Test func aDashboardAndAPollerAcrossThreeTokenLifetimesShareTheTokenAndTheData() async throws {
        // Processes of the binary read the machine's clock. The simulator starts on it with
        // 10-minute tokens, and the test moves only the simulator's clock past a token's life,
        // three times: the processes still hold the token good, PayU answers it 401, and that
        // renews it once, whichever process meets it first.
        try await withSimulator(await Harness.start(tokenLifetime: 600, startDate: nil)) { harness in
            try await withTmux(width: 120, height: 30) { tmux in
                let space = try Workspace(folder: tmux.folder)
                let config = try writeConfiguration(harness, oauth: true, refreshInterval: 1)
                let orders = [harness.order(.multipleRefunds), harness.order(.refundInProgress), harness.order(.arnArrivesLater), harness.order(.overdueNoARN)]
                _ = try await CLIRunner.run(["track", "add"] + orders + ["--db", space.db], environment: space.environment)

                /// The access tokens PayU's refund status requests carried.
                func tokensUsed() -> Set<String> {
                    Set(harness.simulator.receivedRequests().filter { $0.rawPath.contains("refunds") }.compactMap { $0.header("authorization") })
                }
                let secrets = secretEnvironment().map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " ")
                try await tmux.keys("export \(secrets); \(CLIRunner.executable.path) --db \(space.db) --config \(config)", enter: true)
                let (screen, last) = try await CLIRunner.withProcess(["poll", "--db", space.db, "--config", config], environment: space.environment) { poller in
                    let screen = try await tmux.waitFor("4 orders") { $0.contains("4 orders") && ($0.contains("updated ") || $0.contains("live · ")) }
                    try await waitUntil("PayU was called with the first token") { !tokensUsed().isEmpty }
                    #expect(harness.simulator.tokenRequestCount() == 1, "the two processes share the first token")
                    // From here on the dashboard leaves fetching to the poller it sees.
                    try await tmux.waitFor("live with 1 poller") { $0.contains("live · 1 poller") }
                    for lifetime in 1...3 {
                        harness.simulator.advanceClock(by: 601)
                        try await waitUntil("PayU was called with token \(lifetime + 1)") { tokensUsed().count == lifetime + 1 }
                        #expect(harness.simulator.tokenRequestCount() == lifetime + 1, "one renewal after lifetime \(lifetime)")
                    }
                    // The poller fetches; the dashboard, seeing its heartbeat, shows what it stores.
                    let last = try await tmux.waitFor("live with 1 poller after a cycle") { $0.contains("4 orders") && $0.contains("live · 1 poller · last cycle") }
                    try await tmux.keys("q")
                    poller.signal(SIGTERM)
                    #expect(try await poller.exit().termination == .exited(0), "\(poller.stderr)")
                    return (screen, last)
                }

                let rows = try await SQLiteStore.open(at: space.db).watchlist()
                #expect(rows.count == 4 && rows.allSatisfy { $0.fetchedAt != nil && $0.failure == nil })
                #expect(rows.allSatisfy { $0.summary?.payuErrors == 0 }, "no PayU error stored: every 401 was met by a renewal")
                let log = space.log
                #expect(log.contains("/apilayer/partner/refunds/status payu_id="), "PayU's calls are in the log")
                let refused = log.split(separator: "\n").filter { $0.contains("/apilayer/partner/refunds/status") && $0.contains("-> 401") }
                #expect(refused.count >= 3, "each lifetime's end was met by PayU's 401: \(refused.count)")
                #expect(harness.simulator.tokenRequestCount() == 4 && tokensUsed().count == 4, "one token request per lifetime, each token used")
                // The poller ran its cycles beside the dashboard.
                #expect(log.contains("[refundwatch.poll] poll started") && log.contains("[refundwatch.poll] poll stopped by a signal"))
                // (The shell's command line held the secrets' variables; the dashboard's screen did not.)
                #expect(TestSecrets.leaked(in: log + screen + last) == [])
            }
        }
    }

    /// How soon a poller's write reaches a read-only dashboard is the bench's to measure; here,
    /// with an hour between refreshes, only the change the dashboard sees in the file can bring
    /// the stored orders to its screen at all.
    @Test func aReadOnlyDashboardShowsWhatThePollerStoresAndFetchesNothing() async throws {
        try await withSimulator { harness in
            try await withTmux(width: 120, height: 30) { tmux in
                let space = try Workspace(folder: tmux.folder)
                let config = try writeConfiguration(harness, refreshInterval: 3600)
                let orders = [harness.order(.multipleRefunds), harness.order(.settled)]
                _ = try await CLIRunner.run(["track", "add"] + orders + ["--db", space.db], environment: space.environment)
                let secrets = secretEnvironment().map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " ")
                try await tmux.keys("export \(secrets); clear; \(CLIRunner.executable.path) --no-fetch --db \(space.db) --config \(config)", enter: true)
                let before = try await tmux.waitFor("2 orders, read-only") { $0.contains("2 orders") && $0.contains("read-only") }
                #expect(before.contains("not fetched yet"), "\(before)")

                let poll = try await CLIRunner.run(["poll", "--once", "--db", space.db, "--config", config], environment: space.environment)
                #expect(poll.status == 0, "\(poll.stderr)")
                let after = try await tmux.waitFor("what the poller stored") { !$0.contains("not fetched yet") && $0.contains("captured") }
                // "just now", or a few seconds ago on a loaded machine: the poller's fetch, not never.
                #expect(after.contains(/updated (just now|\d+s ago) · read-only/), "\(after)")
                try await tmux.key("R")
                let refused = try await tmux.waitFor("that a read-only dashboard does not refresh") { $0.contains("read-only (--no-fetch)") }
                #expect(refused.contains("⚠ read-only (--no-fetch): nothing is fetched or changed here; what a poller stores shows within a second"), "\(refused)")
                try await tmux.keys("q")
                try await tmux.waitFor("the main screen back after q") { _ in try await tmux.flag("alternate_on") == "0" }
                // Counted over the whole run, the dashboard's life included: the poller's two lookups.
                #expect(harness.simulator.requestCounts().kaleyra == 2, "only the poller's two lookups")
            }
        }
    }
}
