import Foundation
import ProcessRunner
import RefundSimulator
import TestPostgres

/// One account's request budget shared by a team: 4 pollers (`poll --once`) on one PostgreSQL
/// database share a cycle over `orders` orders never fetched, against the simulator enforcing the
/// account's limit of 100 requests a second per API (429 beyond it) at 20 ms a request. Three
/// ways: the team's budget (each poller configured with the account's 100/s, reserved from
/// `rate_budget`), and each poller keeping a budget of its own (`budget_per_process = true`) of 25/s
/// (the limit divided by hand, as the docs used to say) and of 100/s (not divided).
struct BudgetBench {
    let binary: String
    let folder: String
    let orders: Int
    static let limit = 100
    static let pollers = 4

    func run() async throws -> [Result] {
        var options = SimulatorOptions()
        options.orders = orders
        options.latency = LatencySpec(fixedMilliseconds: 20, jitterMilliseconds: 0)
        options.rateLimits = RateLimitSpec(perSecond: [.kaleyra: Double(Self.limit), .payu: Double(Self.limit)])
        let simulator = try await RunningSimulator.start(options)
        return try await scoped(simulator, stop: { await $0.stop() }) { simulator in
            try await withPostgres { server in
                var results: [Result] = []
                let ways: [(name: String, budget: Int, perProcess: Bool)] = [
                    ("the team's budget, \(Self.limit)/s for the account", Self.limit, false),
                    ("a budget per poller, \(Self.limit / Self.pollers)/s each", Self.limit / Self.pollers, true),
                    ("a budget per poller, \(Self.limit)/s each", Self.limit, true),
                ]
                for (index, way) in ways.enumerated() {
                    results.append(try await cycle(simulator, server, database: "budget\(index)", way: way))
                }
                return results
            }
        }
    }

    func cycle(_ simulator: RunningSimulator, _ server: PostgresServer, database: String,
               way: (name: String, budget: Int, perProcess: Bool)) async throws -> Result {
        let config = folder + "/\(database).toml"
        try (way.perProcess ? "budget_per_process = true\n" : "")
            .appending(simulator.demoConfigurationTOML()
                .replacingOccurrences(of: "max_requests_per_second = \(Self.limit)", with: "max_requests_per_second = \(way.budget)")
                .replacingOccurrences(of: "refresh_interval = 30", with: "refresh_interval = 3600"))
            .write(toFile: config, atomically: true, encoding: .utf8)
        let environment = ["HOME": folder, "XDG_STATE_HOME": folder + "/state", "XDG_CONFIG_HOME": folder + "/config",
                           "PGPASSWORD": server.password, "PATH": "/usr/bin:/bin"]
        try await server.psql("CREATE DATABASE \(database)")
        let url = server.url(database: database)
        let ids = simulator.catalogue.orders.map(\.referenceID).joined(separator: "\n")
        let add = try await ProcessRunner.run(ProcessCommand(binary, ["track", "add", "-", "--db", url, "--config", config],
                                                             environment: .only(environment), input: .text(ids), timeout: .seconds(600)))
        guard add.status == 0 else { throw BenchError("track add into \(database) failed: \(add.stderr)") }
        // The account's fresh start: no earlier run's 429 leaves a pause or a slower pace behind.
        try await Task.sleep(for: .seconds(2))
        let before = simulator.requestCounts()
        let refusedBefore = simulator.overBudgetRequests(.kaleyra).count + simulator.overBudgetRequests(.payu).count
        let start = monotonicSeconds()
        let poll = ProcessCommand(binary, ["poll", "--once", "--quiet", "--db", url, "--config", config], environment: .only(environment),
                                  timeout: .seconds(1_800))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<Self.pollers { group.addTask { _ = try await ProcessRunner.run(poll) } }
            try await group.waitForAll()
        }
        let seconds = monotonicSeconds() - start
        let after = simulator.requestCounts()
        let lookups = after.kaleyra - before.kaleyra
        let refused = simulator.overBudgetRequests(.kaleyra).count + simulator.overBudgetRequests(.payu).count - refusedBefore
        let fetched = Int(try await server.psql("SELECT count(*) FROM order_state WHERE fetched_at IS NOT NULL", database: database)
            .trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        let rate = Double(lookups) / seconds
        let shared = !way.perProcess
        return Result(scenario: "budget", measure: "\(Self.pollers) pollers, \(orders.formatted()) orders, account limit \(Self.limit)/s: \(way.name)",
                      median: String(format: "%.1f Kaleyra requests/s", rate), spread: String(format: "1 run, %.1f s", seconds),
                      target: shared ? "≥ 90/s, no 429" : "for comparison",
                      verdict: (shared ? verdict(rate >= 90 && refused == 0) + "; " : "")
                          + "\(fetched) orders stored, \(lookups) lookups, \(refused) answered 429")
    }
}
