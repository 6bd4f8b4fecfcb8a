import Foundation
import RefundKit
import RefundSimulator
import RefundStore
import WatchlistModel
import Testing
import TestSupport

/// A team's pollers on one PostgreSQL database, through the binary, against the simulator.
@Suite struct TeamPollerTests {
    /// The team's database on a private server, and a handle on it for the test's own checks.
    struct TeamDatabase {
        let server: PostgresServer
        let url: String
        let store: PostgresStore

        /// Waits until the watchlist is as `condition` says and returns its rows; a wait that never
        /// comes true fails the test at the caller's line, with what the rows were.
        @discardableResult
        func waitFor(_ condition: String, timeout: Duration = .seconds(120), sourceLocation: SourceLocation = #_sourceLocation,
                     _ holds: ([WatchedOrder]) -> Bool) async throws -> [WatchedOrder] {
            try await TestSupport.waitFor(condition, timeout: timeout, sourceLocation: sourceLocation,
                                          describe: { rows in "\(rows.count) rows, \(rows.filter { $0.fetchedAt != nil }.count) fetched" },
                                          read: { try await store.watchlist() }, until: { holds($0) })
        }

        /// History rows written twice: the same change of the same order seen twice.
        func repeatedHistory() async throws -> String {
            try await server.psql("""
                SELECT order_id, transaction_id, refund_id, field, new_value FROM history
                GROUP BY order_id, transaction_id, refund_id, field, old_value, new_value HAVING count(*) > 1
                """, database: "team")
        }

        /// Orders some poller holds a lease on.
        func leased() async throws -> Int {
            Int(try await server.psql("SELECT count(*) FROM tracked_order WHERE lease_owner IS NOT NULL", database: "team")
                .trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        }
    }

    /// Runs `body` with the team's database on a private server, then closes the handle and stops
    /// the server, awaited, whether `body` returned or threw.
    func withTeamDatabase(_ body: (TeamDatabase) async throws -> Void) async throws {
        try await withPostgres { server in
            try await server.psql("CREATE DATABASE team")
            let url = server.url(database: "team")
            let store = try await PostgresStore.open(try PostgresLocation(url: url, environment: [:]), environment: ["PGPASSWORD": server.password])
            try await scoped(TeamDatabase(server: server, url: url, store: store), stop: { await $0.store.close() }, body)
        }
    }

    /// Kaleyra requests for each order, by reference id.
    static func kaleyraRequests(_ harness: Harness) -> [String: Int] {
        var counts: [String: Int] = [:]
        let ids = Set(harness.simulator.catalogue.orders.map(\.referenceID))
        for request in harness.simulator.receivedRequests() {
            if let id = request.pathSegments.first(where: ids.contains) { counts[id, default: 0] += 1 }
        }
        return counts
    }

    static func fetchedCount(_ log: String) -> Int {
        log.split(separator: "\n").compactMap { line -> Int? in
            guard let range = line.range(of: "[refundwatch.poll] fetched ") else { return nil }
            return Int(line[range.upperBound...].prefix { $0.isNumber })
        }.reduce(0, +)
    }

    /// Runs `body` with `count` tmux servers (each a terminal with a shell), all closed after it.
    func withTerminals(_ count: Int, opened: [Tmux] = [], _ body: ([Tmux]) async throws -> Void) async throws {
        guard opened.count < count else { return try await body(opened) }
        try await withTmux(width: 120, height: 30) { tmux in try await withTerminals(count, opened: opened + [tmux], body) }
    }

    @Test func twoPollersFetchEveryDueOrderExactlyOnceAndShareTheWork() async throws {
        try await withTeamDatabase { team in
            try await withSimulator(await Harness.start(latency: LatencySpec(fixedMilliseconds: 50, jitterMilliseconds: 0), orders: 120)) { harness in
                let (one, two) = (try StateWorkspace(), try StateWorkspace())
                // An interval of an hour: one cycle's worth of fetches in this test, no second round.
                let config = try writeConfiguration(harness, refreshInterval: 3600, kaleyraBudget: 60, payuBudget: 60)
                let environment = { (space: StateWorkspace) in space.environment.merging(["PGPASSWORD": team.server.password]) { $1 } }
                let ids = harness.simulator.catalogue.orders.map(\.referenceID)
                let add = try await CLIRunner.run(["track", "add", "-", "--db", team.url, "--config", config], environment: environment(one), stdin: ids.joined(separator: "\n"))
                #expect(add.status == 0, "\(add.stderr)")

                let poll = ["poll", "--db", team.url, "--config", config]
                try await CLIRunner.withProcess(poll, environment: environment(one)) { first in
                    try await CLIRunner.withProcess(poll, environment: environment(two)) { second in
                        // Three dashboards open on the database while the pollers work: they fetch nothing. (A
                        // dashboard opened before any poller's first heartbeat fetches what is due, as alone.)
                        try await waitUntil("both pollers' first heartbeat") { try await team.store.pollers(seenWithin: 20).count == 2 }
                        try await withTerminals(3) { dashboards in
                            for tmux in dashboards {
                                try await tmux.keys(Self.dashboardCommand(team, config: config, folder: tmux.folder), enter: true)
                            }
                            try await team.waitFor("every order fetched") { $0.count == 120 && $0.allSatisfy { $0.fetchedAt != nil } }
                            // Both pollers finish their cycle and sleep.
                            _ = try await TestSupport.waitFor("both pollers past their first cycle", read: { try await team.store.pollers(seenWithin: 20) },
                                                          until: { $0.count == 2 && $0.allSatisfy { $0.sinceCycle != nil } })
                            for tmux in dashboards {
                                try await tmux.waitFor("live with 2 pollers, 120 orders") { $0.contains("live · 2 pollers · last cycle") && $0.contains("120 orders") }
                                try await tmux.keys("q")
                            }
                        }
                        for poller in [first, second] {
                            poller.signal(SIGTERM)
                            #expect(try await poller.exit().termination == .exited(0), "\(poller.stderr)")
                        }
                    }
                }

                // Counted over the whole run: each order looked up once, by one poller or the other.
                let requests = Self.kaleyraRequests(harness)
                #expect(requests.count == 120, "every order fetched")
                let twice = requests.filter { $0.value != 1 }
                #expect(twice.isEmpty, "\(twice.count) fetched more than once, e.g. \(twice.keys.sorted().prefix(3))")
                let (byOne, byTwo) = (Self.fetchedCount(one.log), Self.fetchedCount(two.log))
                #expect(byOne + byTwo == 120, "the pollers' logs: \(byOne) + \(byTwo)")
                #expect(byOne > 0 && byTwo > 0, "both did part of the work: \(byOne) and \(byTwo)")
                #expect(try await team.repeatedHistory().isEmpty)
                #expect(try await team.store.pollers(seenWithin: 20).isEmpty, "a poller stopped by a signal leaves the list")
                #expect(try await team.leased() == 0)
            }
        }
    }

    /// The dashboard on the team's database, as typed in a tmux shell (the password in the
    /// environment, as PGPASSWORD).
    static func dashboardCommand(_ team: TeamDatabase, config: String, folder: String) -> String {
        let secrets = secretEnvironment().merging(["PGPASSWORD": team.server.password, "XDG_STATE_HOME": folder + "/state"]) { $1 }
            .map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " ")
        return "export \(secrets); clear; \(CLIRunner.executable.path) --db '\(team.url)' --config \(config)"
    }

    /// How soon a poller's write reaches the screen is the bench's to measure (`team`: a poller's
    /// write to the row on screen); here, with an hour between refreshes, only the change the
    /// database tells the dashboard can bring the stored order to its screen at all.
    @Test func aDashboardShowsWhatAPollerOnAnotherConnectionStoresAndAsksItToFetch() async throws {
        try await withTeamDatabase { team in
            try await withSimulator { harness in
                try await withTmux(width: 120, height: 30) { tmux in
                    let space = try StateWorkspace()
                    let config = try writeConfiguration(harness, refreshInterval: 3600)
                    let environment = space.environment.merging(["PGPASSWORD": team.server.password]) { $1 }
                    let order = harness.order(.multipleRefunds)
                    try await CLIRunner.withProcess(["poll", "--db", team.url, "--config", config], environment: environment) { poller in
                        try await tmux.keys(Self.dashboardCommand(team, config: config, folder: tmux.folder), enter: true)
                        let empty = try await tmux.waitFor("live with 1 poller") { $0.contains("live · 1 poller") }

                        // Another process adds an order: the dashboard shows it; the poller wakes for it and
                        // stores it; the dashboard shows what it stored.
                        let add = try await CLIRunner.run(["track", "add", order, "--db", team.url, "--config", config], environment: environment)
                        #expect(add.status == 0, "\(add.stderr)")
                        try await team.waitFor("the order stored by the poller") { $0.first?.fetchedAt != nil }
                        let shown = try await tmux.waitFor("the order as the poller stored it") { $0.contains(order) && $0.contains("captured") }
                        #expect(harness.simulator.requestCounts().kaleyra == 1, "the poller's one lookup; the dashboard fetched nothing")

                        // R asks the poller: it fetches the order again, the dashboard does not.
                        try await tmux.key("R")
                        let asked = try await tmux.waitFor("the request to the poller") { $0.contains("asked the 1 poller to fetch 1 order now") }
                        try await waitUntil("the poller's second lookup") { harness.simulator.requestCounts().kaleyra >= 2 }
                        try await tmux.waitFor("the request answered") { !$0.contains("asked for") }

                        // The poller stops: the dashboard says so and fetches by itself again.
                        poller.signal(SIGTERM)
                        #expect(try await poller.exit().termination == .exited(0), "\(poller.stderr)")
                        let alone = try await tmux.waitFor("that no poller runs any more") { $0.contains("no poller is running any more") }
                        #expect(alone.contains("no poller is running any more: this dashboard fetches what is due itself"), "\(alone)")
                        #expect(!alone.contains("live · "), "\(alone)")
                        try await tmux.keys("q")
                        // Counted over the whole run: the poller's first lookup and the one R asked for.
                        #expect(harness.simulator.requestCounts().kaleyra == 2, "only the poller's two lookups")
                        #expect(TestSecrets.leaked(in: empty + shown + asked + alone) == [])
                        #expect(!(empty + shown + asked + alone).contains(team.server.password))
                    }
                }
            }
        }
    }

    @Test func aPollerKilledMidCycleLosesNothingAndNoHistoryRowIsWrittenTwice() async throws {
        try await withTeamDatabase { team in
            try await withSimulator(await Harness.start(latency: LatencySpec(fixedMilliseconds: 150, jitterMilliseconds: 0), orders: 160)) { harness in
                let (one, two) = (try StateWorkspace(), try StateWorkspace())
                let config = try writeConfiguration(harness, refreshInterval: 3600, kaleyraBudget: 40, payuBudget: 40)
                let environment = { (space: StateWorkspace) in space.environment.merging(["PGPASSWORD": team.server.password]) { $1 } }
                let ids = harness.simulator.catalogue.orders.map(\.referenceID)
                let add = try await CLIRunner.run(["track", "add", "-", "--db", team.url, "--config", config], environment: environment(one), stdin: ids.joined(separator: "\n"))
                #expect(add.status == 0, "\(add.stderr)")

                let poll = ["poll", "--lease", "3s", "--db", team.url, "--config", config]
                let rows = try await CLIRunner.withProcess(poll, environment: environment(one)) { doomed in
                    try await CLIRunner.withProcess(poll, environment: environment(two)) { survivor in
                        try await team.waitFor("30 orders fetched") { $0.filter { $0.fetchedAt != nil }.count >= 30 }
                        doomed.signal(SIGKILL)
                        #expect(try await doomed.exit().termination == .signalled(SIGKILL))
                        #expect(try await team.leased() > 0, "the killed poller held leases")

                        let rows = try await team.waitFor("every order fetched, the killed poller's leases taken over", timeout: .seconds(180)) {
                            $0.count == 160 && $0.allSatisfy { $0.fetchedAt != nil }
                        }
                        #expect(rows.allSatisfy { $0.failure == nil })
                        survivor.signal(SIGTERM)
                        #expect(try await survivor.exit().termination == .exited(0), "\(survivor.stderr)")
                        return rows
                    }
                }

                #expect(try await team.repeatedHistory().isEmpty, "a history row written twice")
                for row in rows {
                    let report = try #require(try await team.store.report(orderID: row.order.id!))
                    #expect(try await team.store.history(orderID: row.order.id!).map(\.change) == OrderChange.between(nil, report))
                }
                // At most the orders in flight when it died were asked for twice.
                let again = Self.kaleyraRequests(harness).filter { $0.value > 1 }
                #expect(again.count <= 20, "\(again.count) orders fetched twice")
                #expect(Self.fetchedCount(two.log) > 0)
            }
        }
    }
}
