import ArgumentParser
import Foundation
import RefundStore
import WatchlistModel

/// `swift run -c release refundwatch-bench [SCENARIO...]`: measures what the dashboard costs and
/// prints a table of medians and spreads against the targets. Numbers, never pass/fail tests.
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refundwatch-bench",
        abstract: "Benchmarks for refundwatch: refresh (and a curl baseline), decode, frame, startup (and memory), idle, day (a working day of polling), team (100,000 orders on PostgreSQL, pollers, live dashboards), alerts (a cycle with and without deadlines and alerts, the alerts screen on 100,000 orders, webhook delivery), overview (its first draw at 1,000 to 100,000 orders on SQLite and PostgreSQL, report --format json at 100,000), copy (db copy of 100,000 orders from SQLite into PostgreSQL), budget (4 pollers sharing one account's limit of 100/s), listen (pushes accepted a second by refundwatch listen on SQLite and PostgreSQL, a push to the changed row on a dashboard's screen).",
        discussion: "Run from a release build: swift run -c release refundwatch-bench. The watchlist database is built once in the work folder and reused."
    )

    enum Scenario: String, ExpressibleByArgument, CaseIterable {
        case refresh, decode, frame, startup, idle, day, team, alerts, overview, copy, budget, listen
    }

    @Argument(help: "Scenarios to run (default: all). startup also measures memory.")
    var scenarios: [Scenario] = []

    @Flag(help: "Fewer repetitions and a 10 s idle period.")
    var quick = false

    @Option(help: "Tracked orders in the watchlist.")
    var orders = 10_000

    @Option(help: ArgumentHelp("Where the benchmark database is kept between runs.", valueName: "FOLDER"))
    var work = FileManager.default.temporaryDirectory.appendingPathComponent("refundwatch-bench").path

    func run() async throws {
        let chosen = scenarios.isEmpty ? Scenario.allCases : scenarios
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let start = monotonicSeconds()
        let database = try await BenchStore.file(orders: orders, folder: work)
        print(String(format: "watchlist of %d orders ready in %.1f s: %@", orders, monotonicSeconds() - start, database))
        // The dashboard binary built beside this one.
        let binary = URL(fileURLWithPath: Self.ownPath()).deletingLastPathComponent().appendingPathComponent("refundwatch").path
        var results: [Result] = []
        if chosen.contains(.refresh) || chosen.contains(.decode) {
            // The curl loop also saves the bodies the decode scenario reads.
            let baseline = try await CurlBaseline(orders: 100, folder: work).run()
            if chosen.contains(.refresh) {
                let refresh = try await RefreshBench(sizes: quick ? [100, 1_000] : [100, 1_000, 10_000], runs: quick ? 1 : 3, folder: work).run()
                results += refresh
                let hundred = Double(refresh[0].median.dropLast(2)) ?? .nan
                results.append(Result(scenario: "refresh", measure: "100 orders, curl loop (\(baseline.requests) requests, sequential)",
                                      median: String(format: "%.2f s", baseline.seconds), spread: "1 run", target: "≥ 10× slower",
                                      verdict: String(format: "refundwatch is %.1f× faster ", baseline.seconds / hundred) + verdict(baseline.seconds / hundred >= 10)))
            }
            if chosen.contains(.decode) {
                results += try await DecodeBench(bodies: baseline.bodies, folder: work, seconds: quick ? 1 : 3).run()
            }
        }
        if chosen.contains(.frame) {
            results += try await FrameBench(store: try await SQLiteStore.open(at: database), iterations: quick ? 50 : 300).run()
        }
        if chosen.contains(.startup) || chosen.contains(.idle) {
            guard FileManager.default.isExecutableFile(atPath: binary) else {
                throw BenchError("\(binary) is missing: build it first (swift build -c release)")
            }
            let bench = DashboardProcessBench(binary: binary, database: database, folder: work, orders: orders,
                                              startRuns: chosen.contains(.startup) ? (quick ? 3 : 7) : 1,
                                              idleSeconds: chosen.contains(.idle) ? (quick ? 10 : 60) : 1)
            results += try await bench.run()
        }
        if chosen.contains(.day) {
            results += try await DayBench(orders: orders).run()
        }
        if chosen.contains(.team) {
            results += try await TeamBench(binary: binary, folder: work, runs: quick ? 3 : 7, pollOrders: quick ? 2_000 : 10_000,
                                           notifies: quick ? 5 : 21).run()
        }
        if chosen.contains(.alerts) {
            results += try await AlertsBench(folder: work, runs: quick ? 1 : 2, cycleOrders: quick ? 2_000 : 10_000).run()
        }
        if chosen.contains(.overview) {
            guard FileManager.default.isExecutableFile(atPath: binary) else {
                throw BenchError("\(binary) is missing: build it first (swift build -c release)")
            }
            results += try await OverviewBench(binary: binary, folder: work, runs: quick ? 3 : 7).run()
        }
        if chosen.contains(.budget) {
            guard FileManager.default.isExecutableFile(atPath: binary) else {
                throw BenchError("\(binary) is missing: build it first (swift build -c release)")
            }
            results += try await BudgetBench(binary: binary, folder: work, orders: quick ? 2_000 : 6_000).run()
        }
        if chosen.contains(.listen) {
            guard FileManager.default.isExecutableFile(atPath: binary) else {
                throw BenchError("\(binary) is missing: build it first (swift build -c release)")
            }
            results += try await ListenBench(binary: binary, folder: work, runs: quick ? 1 : 3, seconds: quick ? 3 : 10, rounds: quick ? 5 : 20).run()
        }
        if chosen.contains(.copy) {
            results += try await CopyBench(folder: work, orders: 100_000).run()
        }
        print(machine())
        printTable(results)
    }

    static func ownPath() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    func machine() -> String {
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.split(separator: "\n")
            .first { $0.hasPrefix("model name") }?.split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
        return "machine: \(cpu), \(ProcessInfo.processInfo.activeProcessorCount) cores"
    }
}

