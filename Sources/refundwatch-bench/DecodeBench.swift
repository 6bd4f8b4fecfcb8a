import Foundation
import ProcessRunner
import RefundKit

/// Payment-status and refund-status bodies decoded on one core, as the clients decode them, against
/// Python's json.loads over the same bytes.
struct DecodeBench {
    let bodies: String
    let folder: String
    let seconds: Double

    func run() async throws -> [Result] {
        let names = try FileManager.default.contentsOfDirectory(atPath: bodies).sorted()
        let allPayments = try names.filter { $0.hasPrefix("k-") }.map { (String($0.dropFirst(2).dropLast(5)), try Data(contentsOf: URL(fileURLWithPath: "\(bodies)/\($0)"))) }
        let allRefunds = try names.filter { $0.hasPrefix("p-") }.map { (String($0.dropFirst(2).dropLast(5)), try Data(contentsOf: URL(fileURLWithPath: "\(bodies)/\($0)"))) }
        // Only answers the clients accept as data (an unknown payu_id is an error body): copied to
        // a folder of their own so that Python reads exactly the same bytes.
        let input = "\(folder)/decode-input"
        try? FileManager.default.removeItem(atPath: input)
        try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
        let payments = allPayments.filter { (try? WireDecoding.payment($0.1, referenceID: $0.0)) != nil }
        let refunds = allRefunds.filter { (try? WireDecoding.refundRecords($0.1, payuID: $0.0)) != nil }
        for (prefix, items) in [("k-", payments), ("p-", refunds)] {
            for (key, data) in items { try data.write(to: URL(fileURLWithPath: "\(input)/\(prefix)\(key).json")) }
        }
        guard !payments.isEmpty, !refunds.isEmpty else { throw BenchError("no bodies in \(bodies)") }
        let swiftPayments = try rate(payments) { _ = try WireDecoding.payment($0.1, referenceID: $0.0) }
        let swiftRefunds = try rate(refunds) { _ = try WireDecoding.refundRecords($0.1, payuID: $0.0) }
        let python = try await pythonRates()
        func line(_ kind: String, _ swift: (Double, Double), _ python: (Double, Double), target: String, met: Bool) -> Result {
            Result(scenario: "decode", measure: kind, median: String(format: "%.0f bodies/s", swift.0),
                   spread: String(format: "%.1f MB/s", swift.1 / 1e6), target: target,
                   verdict: String(format: "Python json.loads %.0f/s (%.1f MB/s): %.2f× ", python.0, python.1 / 1e6, swift.0 / python.0) + verdict(met))
        }
        return [
            line("payment status, \(payments.count) bodies", swiftPayments, python.payments, target: "≥ 20,000/s, > Python",
                 met: swiftPayments.0 >= 20_000 && swiftPayments.0 > python.payments.0),
            line("refund status, \(refunds.count) bodies", swiftRefunds, python.refunds, target: "≥ 25,000/s, > Python",
                 met: swiftRefunds.0 >= 25_000 && swiftRefunds.0 > python.refunds.0),
        ]
    }

    /// Bodies per second and bytes per second: the median of five rounds of `seconds / 5` each.
    func rate(_ items: [(String, Data)], _ decode: ((String, Data)) throws -> Void) throws -> (Double, Double) {
        let bytes = Double(items.reduce(0) { $0 + $1.1.count })
        var perSecond = Samples()
        for _ in 0..<5 {
            var count = 0
            let start = monotonicSeconds()
            while monotonicSeconds() - start < seconds / 5 {
                for item in items { try decode(item) }
                count += 1
            }
            perSecond.add(Double(count) / (monotonicSeconds() - start))
        }
        return (perSecond.median * Double(items.count), perSecond.median * bytes)
    }

    func pythonRates() async throws -> (payments: (Double, Double), refunds: (Double, Double)) {
        let script = "\(folder)/decode.py"
        try """
            import glob, json, statistics, sys, time
            def rate(pattern, seconds):
                bodies = [open(f, 'rb').read() for f in sorted(glob.glob(pattern))]
                size = sum(len(b) for b in bodies)
                rounds = []
                for _ in range(5):
                    count, start = 0, time.perf_counter()
                    while time.perf_counter() - start < seconds / 5:
                        for b in bodies:
                            json.loads(b)
                        count += 1
                    rounds.append(count / (time.perf_counter() - start))
                r = statistics.median(rounds)
                return r * len(bodies), r * size
            seconds = float(sys.argv[2])
            for kind in ('k', 'p'):
                print(*rate(sys.argv[1] + '/' + kind + '-*.json', seconds))
            """.write(toFile: script, atomically: false, encoding: .utf8)
        let python = try await ProcessRunner.run(ProcessCommand("/usr/bin/env", ["python3", script, "\(folder)/decode-input", "\(seconds)"],
                                                                timeout: .seconds(600)))
        guard python.status == 0 else { throw BenchError("python3 \(script) failed: \(python.stderr)") }
        let lines = python.stdout.split(separator: "\n").map { $0.split(separator: " ").compactMap { Double($0) } }
        guard lines.count == 2, lines.allSatisfy({ $0.count == 2 }) else { throw BenchError("python3 printed something unexpected: \(lines)") }
        return ((lines[0][0], lines[0][1]), (lines[1][0], lines[1][1]))
    }
}
