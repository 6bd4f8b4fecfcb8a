import Foundation
import RefundStore
import ProcessRunner
import TestPostgres

/// `refundwatch db copy` of 100,000 orders from an SQLite file into PostgreSQL 15 (a private server,
/// its settings the defaults, so each page's commit waits for the disk): orders a second, then the
/// same copy run again (nothing left to write, every order compared), as a desk restarting one.
struct CopyBench {
    let folder: String
    let orders: Int

    func run() async throws -> [Result] {
        let file = try await BenchStore.file(orders: orders, folder: folder)
        // A file made before the overview existed gets its facts when first opened: untimed.
        let source = try await SQLiteStore.open(at: file)
        // Reading the source alone, page by page as the copy does: what the copy can go no faster
        // than, whatever the target (printed, for tuning).
        let reading = monotonicSeconds()
        var read = 0
        var page = try await source.copyOrders(afterID: 0, limit: StoreCopy.pageSize)
        while let last = page.last?.order.id {
            read += page.count
            page = try await source.copyOrders(afterID: last, limit: StoreCopy.pageSize)
        }
        print(String(format: "copy: reading the %d orders alone: %.1f s (%.0f orders/s)", read, monotonicSeconds() - reading,
                     Double(read) / (monotonicSeconds() - reading)))
        var results: [Result] = []
        try await withPostgres { server in
            try await server.psql("CREATE DATABASE copybench")
            let target = try await PostgresStore.open(try PostgresLocation(url: server.url(database: "copybench"), environment: [:]),
                                                      environment: ["PGPASSWORD": server.password])
            try await scoped(target, stop: { await $0.close() }) { target in
                for (round, what) in [(1, "into an empty database"), (2, "again, nothing left to copy")] {
                    let started = monotonicSeconds()
                    let counts = try await StoreCopy.copy(from: source, to: target)
                    let seconds = monotonicSeconds() - started
                    let rate = Double(orders) / seconds
                    print(String(format: "copy: round %d, %d copied, %d already there, %d history rows, %.1f s", round,
                                 counts.ordersCopied, counts.ordersAlreadyThere, counts.historyCopied, seconds))
                    results.append(Result(scenario: "copy", measure: "db copy of \(orders.formatted()) orders, SQLite to PostgreSQL, \(what)",
                                          median: String(format: "%.0f orders/s", rate), spread: String(format: "1 run, %.1f s", seconds),
                                          target: "≥ 2,000 orders/s", verdict: verdict(rate >= 2_000)))
                }
            }
        }
        return results
    }
}
