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

        static func start() async throws -> TeamDatabase {
            let server = try await PostgresServer.launch()
            do {
                try await server.run(sql: "CREATE DATABASE team")
                let url = server.url(database: "team")
                let store = try await PostgresStore.open(try PostgresLocation(url: url, environment: [:]), environment: ["PGPASSWORD": server.password])
                return TeamDatabase(server: server, url: url, store: store)
            } catch {
                server.stop()
                throw error
            }
        }

        /// Waits until `enough` says the watchlist is so, at most `seconds`; the last rows read.
        func waitFor(_ seconds: Double, _ enough: ([WatchedOrder]) -> Bool) async throws -> [WatchedOrder] {
            let deadline = ContinuousClock.now + .seconds(seconds)
            var rows = try await store.watchlist()
            while !enough(rows) && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                rows = try await store.watchlist()
            }
            return rows
        }

        /// History rows written twice: the same change of the same order seen twice.
        func repeatedHistory() async throws -> String {
            try await server.run(sql: """
                SELECT order_id, transaction_id, refund_id, field, new_value FROM history
                GROUP BY order_id, transaction_id, refund_id, field, old_value, new_value HAVING count(*) > 1
                """, database: "team")
        }

        /// Stops the server at once (a `defer` cannot wait for a task: a test's last one may
        /// never run, and the server would outlive the tests).
        func stop() {
            server.stop()
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

    @Test func twoPollersFetchEveryDueOrderExactlyOnceAndShareTheWork() async throws {
        let team = try await TeamDatabase.start()
        let harness = try await Harness.start(latency: LatencySpec(fixedMilliseconds: 50, jitterMilliseconds: 0), orders: 120)
        defer { team.stop(); Task { await harness.stop() } }
        let (one, two) = (try StateWorkspace(), try StateWorkspace())
        // An interval of an hour: one cycle's worth of fetches in this test, no second round.
        let config = try writeConfiguration(harness, refreshInterval: 3600, kaleyraBudget: 60, payuBudget: 60)
        let environment = { (space: StateWorkspace) in space.environment.merging(["PGPASSWORD": team.server.password]) { $1 } }
        let ids = harness.simulator.catalogue.orders.map(\.referenceID)
        let add = try await CLIRunner.run(["track", "add", "-", "--db", team.url, "--config", config], environment: environment(one), stdin: ids.joined(separator: "\n"))
        #expect(add.status == 0, "\(add.stderr)")

        let (first, _) = try CLIRunner.start(["poll", "--db", team.url, "--config", config], environment: environment(one))
        let (second, _) = try CLIRunner.start(["poll", "--db", team.url, "--config", config], environment: environment(two))
        // Three dashboards open on the database while the pollers work: they fetch nothing. (A
        // dashboard opened before any poller's first heartbeat fetches what is due, as alone.)
        let beating = ContinuousClock.now + .seconds(20)
        while try await team.store.pollers(seenWithin: 20).count < 2 && ContinuousClock.now < beating {
            try await Task.sleep(for: .milliseconds(50))
        }
        var dashboards: [DashboardTerminalTests.Tmux] = []
        for _ in 0..<3 {
            let tmux = try await DashboardTerminalTests.Tmux(width: 120, height: 30)
            try await tmux.keys(Self.dashboardCommand(team, config: config, folder: tmux.folder), enter: true)
            dashboards.append(tmux)
        }
        defer { for tmux in dashboards { Task { await tmux.close() } } }
        let rows = try await team.waitFor(60) { $0.allSatisfy { $0.fetchedAt != nil } }
        #expect(rows.count == 120 && rows.allSatisfy { $0.fetchedAt != nil }, "\(rows.filter { $0.fetchedAt == nil }.count) never fetched")
        // Both pollers have finished their cycle and sleep: nothing more is fetched.
        try await Task.sleep(for: .seconds(2))
        let pollers = try await team.store.pollers(seenWithin: 20)
        #expect(pollers.count == 2 && pollers.allSatisfy { $0.sinceCycle != nil }, "\(pollers)")
        for tmux in dashboards {
            let screen = try await tmux.waitFor(5) { $0.contains("live · 2 pollers · last cycle") && $0.contains("120 orders") }
            #expect(screen.contains("live · 2 pollers · last cycle"), "\(screen)")
            try await tmux.keys("q")
        }
        first.terminate()
        second.terminate()
        await first.exited()
        await second.exited()

        let requests = Self.kaleyraRequests(harness)
        #expect(requests.count == 120, "every order fetched")
        let twice = requests.filter { $0.value != 1 }
        #expect(twice.isEmpty, "\(twice.count) fetched more than once in the cycle, e.g. \(twice.keys.sorted().prefix(3))")
        let (byOne, byTwo) = (Self.fetchedCount(one.log), Self.fetchedCount(two.log))
        #expect(byOne + byTwo == 120, "the pollers' logs: \(byOne) + \(byTwo)")
        #expect(byOne > 0 && byTwo > 0, "both did part of the work: \(byOne) and \(byTwo)")
        #expect(try await team.repeatedHistory().isEmpty)
        #expect(try await team.store.pollers(seenWithin: 20).isEmpty, "a poller stopped by a signal leaves the list")
        #expect(try await team.server.run(sql: "SELECT count(*) FROM tracked_order WHERE lease_owner IS NOT NULL", database: "team") == "0\n")
    }

    /// The dashboard on the team's database, as typed in a tmux shell (the password in the
    /// environment, as PGPASSWORD).
    static func dashboardCommand(_ team: TeamDatabase, config: String, folder: String) -> String {
        let secrets = secretEnvironment().merging(["PGPASSWORD": team.server.password, "XDG_STATE_HOME": folder + "/state"]) { $1 }
            .map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " ")
        return "export \(secrets); clear; \(CLIRunner.executable.path) --db '\(team.url)' --config \(config)"
    }

    @Test func aDashboardShowsWhatAPollerOnAnotherConnectionStoresWithinASecondAndAsksItToFetch() async throws {
        let team = try await TeamDatabase.start()
        let harness = try await Harness.start()
        defer { team.stop(); Task { await harness.stop() } }
        let tmux = try await DashboardTerminalTests.Tmux(width: 120, height: 30)
        defer { Task { await tmux.close() } }
        let space = try StateWorkspace()
        let config = try writeConfiguration(harness, refreshInterval: 3600)
        let environment = space.environment.merging(["PGPASSWORD": team.server.password]) { $1 }
        let order = harness.order(.multipleRefunds)
        let (poller, _) = try CLIRunner.start(["poll", "--db", team.url, "--config", config], environment: environment)
        defer { poller.terminate() }
        try await tmux.keys(Self.dashboardCommand(team, config: config, folder: tmux.folder), enter: true)
        let empty = try await tmux.waitFor(10) { $0.contains("live · 1 poller") }
        #expect(empty.contains("live · 1 poller"), "\(empty)")

        // Another process adds an order: the dashboard shows it; the poller wakes for it and stores
        // it; the dashboard shows what it stored within a second.
        let add = try await CLIRunner.run(["track", "add", order, "--db", team.url, "--config", config], environment: environment)
        #expect(add.status == 0, "\(add.stderr)")
        var stored: ContinuousClock.Instant?
        let deadline = ContinuousClock.now + .seconds(10)
        while stored == nil && ContinuousClock.now < deadline {
            if try await team.store.watchlist().first?.fetchedAt != nil { stored = .now } else { try await Task.sleep(for: .milliseconds(20)) }
        }
        let storedAt = try #require(stored, "the poller never stored the order")
        let shown = try await tmux.waitFor(3) { $0.contains(order) && $0.contains("captured") }
        let took = ContinuousClock.now - storedAt
        #expect(shown.contains(order) && shown.contains("captured"), "\(shown)")
        #expect(took < .seconds(1), "shown \(took) after the poller stored it")
        #expect(harness.simulator.requestCounts().kaleyra == 1, "the poller's one lookup; the dashboard fetched nothing")

        // R asks the poller: it fetches the order again, the dashboard does not.
        try await tmux.key("R")
        let asked = try await tmux.waitFor(3) { $0.contains("asked the 1 poller to fetch 1 order now") }
        #expect(asked.contains("asked the 1 poller to fetch 1 order now"), "\(asked)")
        let requestDeadline = ContinuousClock.now + .seconds(5)
        while harness.simulator.requestCounts().kaleyra < 2 && ContinuousClock.now < requestDeadline { try await Task.sleep(for: .milliseconds(50)) }
        try await Task.sleep(for: .milliseconds(500))
        #expect(harness.simulator.requestCounts().kaleyra == 2, "fetched once more, by the poller")
        let done = try await tmux.waitFor(3) { !$0.contains("asked for") }
        #expect(!done.contains("asked for"), "\(done)")

        // The poller stops: the dashboard says so and fetches by itself again.
        poller.terminate()
        await poller.exited()
        let alone = try await tmux.waitFor(6) { $0.contains("no poller is running any more") }
        #expect(alone.contains("no poller is running any more: this dashboard fetches what is due itself"), "\(alone)")
        #expect(!alone.contains("live · "), "\(alone)")
        try await tmux.keys("q")
        #expect(TestSecrets.leaked(in: empty + shown + asked + alone) == [])
        #expect(!(empty + shown + asked + alone).contains(team.server.password))
    }

    @Test func aPollerKilledMidCycleLosesNothingAndNoHistoryRowIsWrittenTwice() async throws {
        let team = try await TeamDatabase.start()
        let harness = try await Harness.start(latency: LatencySpec(fixedMilliseconds: 150, jitterMilliseconds: 0), orders: 160)
        defer { team.stop(); Task { await harness.stop() } }
        let (one, two) = (try StateWorkspace(), try StateWorkspace())
        let config = try writeConfiguration(harness, refreshInterval: 3600, kaleyraBudget: 40, payuBudget: 40)
        let environment = { (space: StateWorkspace) in space.environment.merging(["PGPASSWORD": team.server.password]) { $1 } }
        let ids = harness.simulator.catalogue.orders.map(\.referenceID)
        _ = try await CLIRunner.run(["track", "add", "-", "--db", team.url, "--config", config], environment: environment(one), stdin: ids.joined(separator: "\n"))

        let (doomed, _) = try CLIRunner.start(["poll", "--lease", "3s", "--db", team.url, "--config", config], environment: environment(one))
        let (survivor, _) = try CLIRunner.start(["poll", "--lease", "3s", "--db", team.url, "--config", config], environment: environment(two))
        let started = try await team.waitFor(30) { rows in rows.filter { $0.fetchedAt != nil }.count >= 30 }
        #expect(started.filter { $0.fetchedAt != nil }.count >= 30, "the pollers never got going")
        kill(doomed.processIdentifier, SIGKILL)
        await doomed.exited()
        let leased = try await team.server.run(sql: "SELECT count(*) FROM tracked_order WHERE lease_owner IS NOT NULL", database: "team")
        #expect(Int(leased.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 > 0, "the killed poller held leases")

        let rows = try await team.waitFor(90) { $0.allSatisfy { $0.fetchedAt != nil } }
        #expect(rows.allSatisfy { $0.fetchedAt != nil }, "lost: \(rows.filter { $0.fetchedAt == nil }.map(\.order.referenceID))")
        #expect(rows.allSatisfy { $0.failure == nil })
        survivor.terminate()
        await survivor.exited()
        #expect(survivor.terminationStatus == 0)

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
