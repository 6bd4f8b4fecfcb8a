import Foundation
import RefundKit
import RefundSimulator
import RefundStore
import WatchlistModel
import TestPostgres
import ProcessRunner

/// `team`: a team's watchlist of 100,000 orders in PostgreSQL (on a private server in a temporary
/// folder) and in SQLite. The dashboard's start to its first screen and to the whole watchlist,
/// with its memory; one poller cycle over 10,000 due orders with 1, 2 and 4 pollers against the
/// simulator at 50 ms a request; and a change stored by a poller to the changed row on a
/// dashboard's screen (NOTIFY, LISTEN, one row re-read, drawn).
struct TeamBench {
    let binary: String
    let folder: String
    let runs: Int
    let pollOrders: Int
    let notifies: Int
    static let orders = 100_000

    /// The same terminal and configuration as `startup` (an API nowhere: the data is fresher than
    /// the day-long interval, so the dashboard fetches nothing).
    var dashboards: DashboardProcessBench {
        DashboardProcessBench(binary: binary, database: "", folder: folder, orders: Self.orders, startRuns: runs, idleSeconds: 0)
    }

    func run() async throws -> [Result] {
        var results: [Result] = []
        let small = try await BenchStore.file(orders: 1_000, folder: folder)
        var started = monotonicSeconds()
        let large = try await BenchStore.file(orders: Self.orders, folder: folder)
        print(String(format: "team: %d orders in SQLite ready in %.1f s", Self.orders, monotonicSeconds() - started))

        return try await withPostgres { server in
            try await server.psql("CREATE DATABASE team")
            // Filling it is not what is measured: commits without waiting for the disk. What is
            // measured on it does not depend on that: the dashboards only read, and a change is timed
            // from its commit. The pollers' databases commit as usual.
            try await server.psql("ALTER DATABASE team SET synchronous_commit = off")
            let url = server.url(database: "team")
            let secrets = ["PGPASSWORD": server.password]
            let team = try await PostgresStore.open(try PostgresLocation(url: url, environment: [:]), environment: secrets)
            return try await scoped(team, stop: { await $0.close() }) { team in
                started = monotonicSeconds()
                let counts = try await StoreCopy.copy(from: try await SQLiteStore.open(at: large), to: team)
                print(String(format: "team: copied %d orders and %d history rows into PostgreSQL in %.1f s", counts.ordersCopied, counts.historyCopied,
                             monotonicSeconds() - started))

                results += try await startup("SQLite, 1,000 orders", arguments: ["--db", small], orders: 1_000, environment: [:])
                results += try await startup("SQLite, 100,000 orders", arguments: ["--db", large], orders: Self.orders, environment: [:])
                results += try await startup("PostgreSQL, 100,000 orders", arguments: ["--db", url], orders: Self.orders, environment: secrets)
                results += try await notifyToScreen(team, url: url, environment: secrets)
                results += try await pollers(server)
                return results
            }
        }
    }

    // MARK: - Start-up and memory

    func startup(_ name: String, arguments: [String], orders: Int, environment extra: [String: String]) async throws -> [Result] {
        let bench = dashboards
        let config = try bench.configuration()
        let environment = bench.environment.merging(extra) { $1 }
        let header = "\(orders) orders", loaded = "updated "
        var first = Samples(), whole = Samples()
        var memory: (resident: Double, peak: Double) = (.nan, .nan)
        for run in 0..<runs {
            try await DashboardProcess.with(binary: binary, arguments: arguments + ["--config", config], environment: environment, watch: [header, loaded]) { process in
                first.add(try await process.waitFor(header))
                whole.add(try await process.waitFor(loaded, timeout: 60))
                if run == runs - 1 {
                    try await Task.sleep(for: .seconds(1))
                    memory = process.memory()
                }
                try await process.quit()
            }
        }
        return [
            Result(scenario: "team", measure: "\(name): start to first screen", median: first.milliseconds.median, spread: first.milliseconds.spread,
                   target: orders == Self.orders ? "≤ 500 ms" : "reference", verdict: orders == Self.orders ? verdict(first.median <= 0.5) : "\(runs) runs"),
            Result(scenario: "team", measure: "\(name): start to whole watchlist read", median: whole.milliseconds.median, spread: whole.milliseconds.spread,
                   target: "", verdict: "\(runs) runs"),
            Result(scenario: "team", measure: "\(name): resident memory (peak)", median: String(format: "%.1f MB", memory.resident / 1e6),
                   spread: String(format: "peak %.1f MB", memory.peak / 1e6), target: "≤ 150 MB", verdict: verdict(memory.peak <= 150e6)),
        ]
    }

    // MARK: - A change to the screen

    /// A dashboard on the team's database beside a poller (this process beats as one, so the
    /// dashboard leaves the fetching to it). Each round adds an order, waits for the dashboard to
    /// take it in (an order never fetched goes to the bottom), then stores its first fetch, a
    /// refund that failed, which puts it on the top rows (failed, and its id sorts before the
    /// others' "ORD-"): from the moment that write committed to its reference id drawn.
    func notifyToScreen(_ team: PostgresStore, url: String, environment extra: [String: String]) async throws -> [Result] {
        let bench = dashboards
        let config = try bench.configuration()
        try await team.beat(poller: "bench", host: "bench", pid: Int(getpid()), cycleEnded: true, lease: 60)
        // Ids that sort before the watchlist's "ORD-…" (a leading "0"), so each lands on the first
        // screen, and are watched without that "0": two letters taken in turn ("ABAB…", "BCBC…"),
        // no run of one letter (which the terminal would be sent as "repeat this"), and none of
        // the letters or digits of "ORD-…", so that no cell stays as it was on the row drawn there
        // before and the terminal is sent every letter of it.
        let letters = Array("ABCEFGHJKLMNPQSTUVWXYZ")
        let markers = (0..<notifies).map { n in String((0..<13).map { letters[(n + $0 % 2) % letters.count] }) }
        let ids = markers.map { "0" + $0 }
        var latency = Samples()
        var early = 0
        try await DashboardProcess.with(binary: binary, arguments: ["--db", url, "--config", config],
                                        environment: bench.environment.merging(extra) { $1 }, watch: ["live · 1 poller"] + markers) { process in
            _ = try await process.waitFor("live · 1 poller", timeout: 60)
            let now = Date()
            for (n, (id, marker)) in zip(ids, markers).enumerated() {
                guard let order = try await team.add([TrackedOrder(referenceID: id, addedAt: now)]).added.first, let orderID = order.id else {
                    throw BenchError("could not add \(id)")
                }
                try await Task.sleep(for: .milliseconds(800))
                // Drawn already (it should not be: an order never fetched sorts last): not timed, counted.
                if process.hasDrawn(marker) {
                    early += 1
                    continue
                }
                _ = try await team.record(report(id, status: .failed, at: now.addingTimeInterval(Double(n + 1))), orderID: orderID, rules: DeadlineRules())
                let committed = monotonicSeconds() - process.started
                let drawn = try await process.waitFor(marker, timeout: 10)
                latency.add(drawn - committed)
                try await team.beat(poller: "bench", host: "bench", pid: Int(getpid()), cycleEnded: false, lease: 60)
            }
            try await process.quit()
        }
        try await team.retire(poller: "bench")
        _ = try await team.remove(referenceIDs: ids)
        return [Result(scenario: "team", measure: "a poller's write to the row on screen (NOTIFY)", median: latency.milliseconds.median,
                       spread: latency.milliseconds.spread, target: "≤ 50 ms",
                       verdict: verdict(latency.median <= 0.05) + " \(latency.values.count) changes" + (early > 0 ? ", \(early) drawn before the write (not timed)" : ""))]
    }

    func report(_ id: String, status: RefundStatus, at date: Date) -> OrderReport {
        let refund = RefundReport(refund: Refund(id: "r-\(id)", amount: Money(value: 10_000, offset: 100), speed: .normal, status: status,
                                                 created: .known(date), updated: .known(date)), payu: nil, match: nil)
        let transaction = Transaction(id: "t-\(id)", gateway: .razorpay, status: .success, created: .known(date), updated: .known(date),
                                      refunds: [refund.refund])
        return OrderReport(referenceID: id, fetchedAt: date,
                           payment: Payment(referenceID: id, status: .captured, amount: Money(value: 50_000, offset: 100), transactions: [transaction]),
                           transactions: [TransactionReport(transaction: transaction, refunds: [refund], payuQueried: false)])
    }

    // MARK: - Pollers sharing a cycle

    /// The account's limit the simulator enforces (429 beyond it), and its budget in the
    /// configuration: the team's, shared by the pollers through the database.
    static let accountLimit = 300

    /// One cycle (`poll --once`) over `pollOrders` orders never fetched, by 1, 2 and 4 pollers at
    /// once, sharing the account's budget, against the simulator at 50 ms a request: the time until
    /// the last poller ends, the orders a second, and the simulator's count of lookups (each order once).
    func pollers(_ server: PostgresServer) async throws -> [Result] {
        var options = SimulatorOptions()
        options.orders = pollOrders
        options.latency = LatencySpec(fixedMilliseconds: 50, jitterMilliseconds: 0)
        options.rateLimits = RateLimitSpec(perSecond: [.kaleyra: Double(Self.accountLimit), .payu: Double(Self.accountLimit)])
        let simulator = try await RunningSimulator.start(options)
        return try await scoped(simulator, stop: { await $0.stop() }) { simulator in
            let config = folder + "/team-poll.toml"
            try simulator.demoConfigurationTOML()
                .replacingOccurrences(of: "refresh_interval = 30", with: "refresh_interval = 3600")
                .write(toFile: config, atomically: true, encoding: .utf8)
            let environment = ["HOME": folder, "XDG_STATE_HOME": folder + "/state", "XDG_CONFIG_HOME": folder + "/config",
                               "PGPASSWORD": server.password, "PATH": "/usr/bin:/bin"]
            var results: [Result] = []
            var single: Double?
            for count in [1, 2, 4] {
                let database = "poll\(count)"
                try await server.psql("CREATE DATABASE \(database)")
                let url = server.url(database: database)
                let ids = simulator.catalogue.orders.map(\.referenceID).joined(separator: "\n")
                let add = try await ProcessRunner.run(ProcessCommand(binary, ["track", "add", "-", "--db", url, "--config", config],
                                                                     environment: .only(environment), input: .text(ids), timeout: .seconds(600)))
                guard add.status == 0 else { throw BenchError("track add into \(database) failed: \(add.stderr)") }
                let before = simulator.requestCounts()
                let refusedBefore = simulator.overBudgetRequests(.kaleyra).count
                let start = monotonicSeconds()
                let poll = ProcessCommand(binary, ["poll", "--once", "--quiet", "--db", url, "--config", config], environment: .only(environment),
                                          timeout: .seconds(1_800))
                // Their exit statuses are not the measure: a poller the account's limit slowed may end 7.
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<count { group.addTask { _ = try await ProcessRunner.run(poll) } }
                    try await group.waitForAll()
                }
                let seconds = monotonicSeconds() - start
                let after = simulator.requestCounts()
                let lookups = after.kaleyra - before.kaleyra
                // Requests the account's limit refused (429) are counted as requests too, and the
                // poller asks again after the wait: a lookup beyond one an order that is one of these
                // is not an order fetched twice.
                let refused = simulator.overBudgetRequests(.kaleyra).count - refusedBefore
                let attempts = Int(try await server.psql("SELECT COALESCE(max(attempts), 0) FROM tracked_order", database: database)
                    .trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
                let fetched = Int(try await server.psql("SELECT count(*) FROM order_state WHERE fetched_at IS NOT NULL", database: database)
                    .trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
                let rate = Double(fetched) / seconds
                if count == 1 { single = rate }
                let scaling = single.map { String(format: "%.2f× one poller", rate / $0) } ?? "reference"
                results.append(Result(scenario: "team", measure: "\(count) poller\(count == 1 ? "" : "s"), \(pollOrders) due orders, the account's \(Self.accountLimit)/s shared",
                                      median: String(format: "%.1f s", seconds), spread: String(format: "%.0f orders/s", rate),
                                      target: "scales until the account's \(Self.accountLimit)/s binds",
                                      verdict: "\(scaling); \(fetched) stored (each \(attempts == 1 ? "once" : "up to \(attempts) times")), "
                                          + "\(lookups) lookups, \(refused) of them refused by the account's limit (429) and asked again"))
            }
            return results
        }
    }
}
