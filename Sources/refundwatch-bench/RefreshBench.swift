import Foundation
import ProcessRunner
import RefundJobs
import RefundKit
import RefundSimulator
import RefundStore
import WatchlistModel

/// `track refresh`'s work over N tracked orders against the simulator in this process, 50 ms a
/// request, the default concurrency limit: wall time against the ideal (requests × 50 ms / limit).
struct RefreshBench {
    let sizes: [Int]
    let runs: Int
    let folder: String
    static let latency = 50

    func run() async throws -> [Result] {
        var results: [Result] = []
        for size in sizes {
            var options = SimulatorOptions()
            options.orders = size
            options.latency = LatencySpec(fixedMilliseconds: Self.latency, jitterMilliseconds: 0)
            let simulator = try await RunningSimulator.start(options)
            var configuration = try ConfigurationLoader(environment: [:]).parse(simulator.demoConfigurationTOML(), file: nil)
            // This measures refundwatch's own throughput: no request budget.
            configuration.http.requestsPerSecond = [:]
            let service = RefundService(configuration: configuration)
            let path = "\(folder)/refresh-\(size).sqlite"
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            let store = try await SQLiteStore.open(at: path)
            _ = try await store.add(simulator.catalogue.orders.map { TrackedOrder(referenceID: $0.referenceID, addedAt: Date()) })
            let orders = try await store.trackedOrders()
            let refresher = WatchlistRefresher(store: store, service: service, rules: configuration.deadlineRules)
            var seconds = Samples(), ratios = Samples()
            var requests = 0, failed = 0
            for _ in 0..<runs {
                let before = simulator.requestCounts()
                let start = monotonicSeconds()
                let fetched = try await refresher.refresh(orders)
                let elapsed = monotonicSeconds() - start
                let after = simulator.requestCounts()
                requests = after.kaleyra - before.kaleyra + after.payu - before.payu
                failed = fetched.filter { if case .failed = $0.outcome { true } else { false } }.count
                let ideal = Double(requests) * Double(Self.latency) / 1_000 / Double(configuration.http.concurrency)
                seconds.add(elapsed)
                ratios.add(elapsed / ideal)
            }
            await service.shutdown()
            await simulator.stop()
            let ideal = Double(requests) * Double(Self.latency) / 1_000 / Double(configuration.http.concurrency)
            let target = size >= 1_000 ? "≤ 1.2× ideal" : ""
            results.append(Result(
                scenario: "refresh", measure: "\(size) orders, \(requests) requests, limit \(configuration.http.concurrency)",
                median: String(format: "%.2f s", seconds.median), spread: String(format: "%.2f–%.2f s", seconds.min, seconds.max),
                target: target, verdict: String(format: "%.2f× ideal (%.2f s)", ratios.median, ideal)
                    + (size >= 1_000 ? " " + verdict(ratios.median <= 1.2) : "") + (failed > 0 ? " — \(failed) FAILED" : "")))
        }
        return results
    }
}

/// What a person would do without refundwatch: a shell loop of curl, one order after another,
/// then each of its PayU transactions, against the same simulator. The bodies it saves are the
/// decode benchmark's input.
struct CurlBaseline {
    let orders: Int
    let folder: String

    /// Runs the loop once; returns its wall time and the folder of bodies.
    func run() async throws -> (seconds: Double, requests: Int, bodies: String) {
        var options = SimulatorOptions()
        options.orders = orders
        options.latency = LatencySpec(fixedMilliseconds: RefreshBench.latency, jitterMilliseconds: 0)
        return try await scoped(try await RunningSimulator.start(options), stop: { await $0.stop() }) { simulator in
            try await loop(simulator)
        }
    }

    private func loop(_ simulator: RunningSimulator) async throws -> (seconds: Double, requests: Int, bodies: String) {
        let credentials = simulator.options.credentials
        let bodies = "\(folder)/bodies-\(orders)"
        try? FileManager.default.removeItem(atPath: bodies)
        try FileManager.default.createDirectory(atPath: bodies, withIntermediateDirectories: true)
        let base = "\(simulator.kaleyraBaseURL)/v1/\(credentials.sid)/wrapper/\(credentials.phoneNumberID)/payments/\(credentials.paymentConfigID)"
        var script = """
            #!/bin/bash
            # One order after another: the payment status, then each PayU transaction's refunds.
            set -eu
            cd \(shellQuote(bodies))

            """
        for order in simulator.catalogue.orders {
            script += "curl -sS -o k-\(order.referenceID).json -H \(shellQuote("api-key: " + credentials.apiKey)) -H 'Accept: application/json' \(shellQuote(base + "/" + order.referenceID))\n"
            for payu in order.payuTransactionIDs {
                script += "hash=$(printf '%s' \(shellQuote("\(credentials.merchantID)|\(payu)|\(credentials.clientSecret)")) | sha512sum | cut -d' ' -f1)\n"
                let body = "{\"hash\":\"'\"$hash\"'\",\"merchant_id\":\"\(credentials.merchantID)\",\"payu_id\":\"\(payu)\",\"reseller_id\":\"\(credentials.resellerID)\"}"
                script += "curl -sS -o p-\(payu).json -X POST -H \(shellQuote("Authorization: Bearer " + credentials.bearerToken)) -H 'Content-Type: application/json' -d '\(body)' \(shellQuote(simulator.payuRefundStatusURL))\n"
            }
        }
        let scriptPath = "\(folder)/curl-loop-\(orders).sh"
        try script.write(toFile: scriptPath, atomically: false, encoding: .utf8)
        let before = simulator.requestCounts()
        let start = monotonicSeconds()
        let loop = try await ProcessRunner.run(ProcessCommand("/bin/bash", [scriptPath], timeout: .seconds(1_800)))
        let elapsed = monotonicSeconds() - start
        guard loop.status == 0 else { throw BenchError("the curl loop failed (exit \(loop.status)): \(loop.stderr); the script is \(scriptPath)") }
        let after = simulator.requestCounts()
        return (elapsed, after.kaleyra - before.kaleyra + after.payu - before.payu, bodies)
    }
}

func shellQuote(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }
