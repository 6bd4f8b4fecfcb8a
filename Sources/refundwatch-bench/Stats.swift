import Foundation

/// Medians and spreads of repeated measurements.
struct Samples {
    var values: [Double] = []

    mutating func add(_ value: Double) { values.append(value) }

    var median: Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    var min: Double { values.min() ?? .nan }
    var max: Double { values.max() ?? .nan }

    /// The median and "min–max", in milliseconds, for a row of the table.
    var milliseconds: (median: String, spread: String) {
        (formatMilliseconds(median), "\(formatMilliseconds(min))–\(formatMilliseconds(max))")
    }
}

/// Seconds on a monotonic clock.
func monotonicSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// One line of the results table.
struct Result {
    var scenario: String
    var measure: String
    var median: String
    var spread: String
    var target: String
    var verdict: String
}

func formatMilliseconds(_ seconds: Double) -> String { String(format: "%.3f ms", seconds * 1_000) }

func printTable(_ results: [Result]) {
    let header = Result(scenario: "scenario", measure: "measure", median: "median", spread: "spread (min–max)", target: "target", verdict: "")
    let rows = [header] + results
    let widths = [\Result.scenario, \Result.measure, \Result.median, \Result.spread, \Result.target].map { path in rows.map { $0[keyPath: path].count }.max() ?? 0 }
    for (index, row) in rows.enumerated() {
        let cells = [row.scenario, row.measure, row.median, row.spread, row.target]
        let line = zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ") + "  " + row.verdict
        print(line.trimmingCharacters(in: .whitespaces))
        if index == 0 { print(String(repeating: "-", count: widths.reduce(0, +) + 2 * widths.count + 4)) }
    }
}
