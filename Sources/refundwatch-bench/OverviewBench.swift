import DashboardCore
import Foundation
import ProcessRunner
import RefundJobs
import RefundKit
import RefundStore
import TestPostgres
import WatchlistModel

/// The overview's first draw (`v`: the store counts, `update`, `render`) at 1,000, 10,000 and
/// 100,000 orders on SQLite and on PostgreSQL, and `refundwatch report --format json` at 100,000
/// orders, the whole process timed.
struct OverviewBench {
    let binary: String
    let folder: String
    let runs: Int
    static let sizes = [1_000, 10_000, 100_000]

    func run() async throws -> [Result] {
        var results: [Result] = []
        var files: [Int: String] = [:]
        for size in Self.sizes {
            let started = monotonicSeconds()
            files[size] = try await BenchStore.file(orders: size, folder: folder)
            // A file made before the overview existed gets its facts when first opened: untimed.
            _ = try await SQLiteStore.open(at: files[size]!)
            print(String(format: "overview: %d orders in SQLite ready in %.1f s", size, monotonicSeconds() - started))
        }
        for size in Self.sizes {
            results.append(try await firstDraw("SQLite", size, try await SQLiteStore.open(at: files[size]!)))
        }
        results.append(try await report(files[100_000]!))
        try await withPostgres { server in
            for size in Self.sizes {
                let database = "overview\(size)"
                try await server.psql("CREATE DATABASE \(database)")
                try await server.psql("ALTER DATABASE \(database) SET synchronous_commit = off")
                let store = try await PostgresStore.open(try PostgresLocation(url: server.url(database: database), environment: [:]),
                                                         environment: ["PGPASSWORD": server.password])
                try await scoped(store, stop: { await $0.close() }) { store in
                    let started = monotonicSeconds()
                    let counts = try await StoreCopy.copy(from: try await SQLiteStore.open(at: files[size]!), to: store)
                    _ = try await server.psql("VACUUM ANALYZE", database: database)
                    print(String(format: "overview: copied %d orders into PostgreSQL in %.1f s", counts.ordersCopied, monotonicSeconds() - started))
                    results.append(try await firstDraw("PostgreSQL", size, store))
                }
            }
        }
        return results
    }

    /// `v` pressed on a loaded dashboard: the store's numbers over 7 days, then the frame.
    func firstDraw(_ name: String, _ size: Int, _ store: any WatchlistStore) async throws -> Result {
        var times = Samples()
        var open = 0
        for _ in 0..<max(runs, 5) {
            var state = DashboardState(now: Date(), size: Size(width: 120, height: 40), interval: 30)
            let start = monotonicSeconds()
            let effects = Dashboard.update(&state, .key(.character("v")))
            guard case .loadOverview(let period, let window)? = effects.first else { throw BenchError("v asked for \(effects)") }
            let overview = try await store.overview(period)
            _ = Dashboard.update(&state, .overviewLoaded(overview, window))
            let screen = Dashboard.render(state)
            times.add(monotonicSeconds() - start)
            open = overview.openCount
            guard screen.lines[3].hasPrefix("<24h") else { throw BenchError("the overview was not drawn: \(screen.lines[3])") }
        }
        return Result(scenario: "overview", measure: "\(name), \(size.formatted()) orders: first draw of the overview (\(open.formatted()) open refunds)",
                      median: formatMilliseconds(times.median), spread: formatMilliseconds(times.min) + "–" + formatMilliseconds(times.max),
                      target: "≤ 300 ms", verdict: verdict(times.median <= 0.3))
    }

    /// `refundwatch report --format json` at 100,000 orders: the process, start to exit.
    func report(_ database: String) async throws -> Result {
        var times = Samples()
        var bytes = 0
        for _ in 0..<max(runs, 5) {
            let start = monotonicSeconds()
            let outcome = try await ProcessRunner.run(ProcessCommand(binary, ["report", "--since", "7d", "--format", "json", "--db", database],
                                                                     environment: .only(["HOME": folder]), timeout: .seconds(120)))
            times.add(monotonicSeconds() - start)
            guard outcome.termination == .exited(0), outcome.stdout.contains("\"schema\" : \"refundwatch.report/1\"") else {
                throw BenchError("report failed: \(outcome.stderr)")
            }
            bytes = outcome.stdout.utf8.count
        }
        return Result(scenario: "overview", measure: "report --format json, 100,000 orders, 7 days (the process; \(bytes.formatted()) bytes)",
                      median: formatMilliseconds(times.median), spread: formatMilliseconds(times.min) + "–" + formatMilliseconds(times.max),
                      target: "≤ 1 s", verdict: verdict(times.median <= 1))
    }
}
