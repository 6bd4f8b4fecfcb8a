import CursesTerminal
import DashboardCore
import WatchlistModel
import Foundation
import RefundKit
import RefundStore

/// The watchlist of `orders` orders at 200x50, rendered by `Dashboard.render` and drawn by the
/// curses backend into a file (an xterm-256color that is not there), which counts the bytes a
/// terminal would be sent.
struct FrameBench {
    let store: SQLiteStore
    let iterations: Int

    func run() async throws -> [Result] {
        let size = Size(width: 200, height: 50)
        let now = Date()
        var load = Samples()
        var rows: [WatchedOrder] = []
        for _ in 0..<3 {
            let start = monotonicSeconds()
            rows = try await store.watchlist()
            load.add(monotonicSeconds() - start)
        }
        var state = DashboardState(now: now, size: size, interval: 30)
        _ = Dashboard.update(&state, .watchlistLoaded(rows))
        state.lastRefresh = now

        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("refundwatch-bench-frame-\(getpid()).out").path
        guard let output = fopen(outputPath, "w+"), let input = fopen("/dev/null", "r") else {
            throw BenchError("cannot open \(outputPath) for the curses output")
        }
        defer {
            fclose(output)
            fclose(input)
            unlink(outputPath)
        }
        let terminal = try CursesTerminal(theme: .builtIn, output: output, input: input, size: size)
        defer { terminal.restore() }
        func written(_ body: () -> Void) -> Int {
            fflush(output)
            let before = ftell(output)
            body()
            fflush(output)
            return ftell(output) - before
        }
        _ = written { terminal.draw(Dashboard.render(state)) }

        // A full frame: everything drawn as after a resize.
        var full = Samples(), fullBytes = 0
        var renderOnly = Samples()
        for _ in 0..<iterations {
            terminal.invalidate()
            let start = monotonicSeconds()
            let screen = Dashboard.render(state)
            let rendered = monotonicSeconds()
            fullBytes = written { terminal.draw(screen) }
            full.add(monotonicSeconds() - start)
            renderOnly.add(rendered - start)
        }

        // The frame each second: the clock moved, the status line ("updated 7s ago") with it. No
        // refresh starts (paused): this is the idle dashboard's frame.
        state.paused = true
        var tick = Samples(), tickBytes = Samples()
        for second in 0..<iterations {
            let start = monotonicSeconds()
            _ = Dashboard.update(&state, .tick(now: now.addingTimeInterval(Double(second + 1)), wall: now.addingTimeInterval(Double(second + 1))))
            var bytes = 0
            bytes = written { terminal.draw(Dashboard.render(state)) }
            tick.add(monotonicSeconds() - start)
            tickBytes.add(Double(bytes))
        }

        // One order fetched again: its row changes ("just now"), nothing else.
        var oneRow = Samples(), oneRowBytes = Samples()
        let frozen = state.now
        for iteration in 0..<iterations {
            guard var row = state.visibleRow(3), let id = row.order.id else { break }
            row.fetchedAt = frozen.addingTimeInterval(iteration % 2 == 0 ? 0 : -600)
            let start = monotonicSeconds()
            _ = Dashboard.update(&state, .fetched(id, row: row, error: nil))
            var bytes = 0
            bytes = written { terminal.draw(Dashboard.render(state)) }
            oneRow.add(monotonicSeconds() - start)
            oneRowBytes.add(Double(bytes))
        }
        let n = "\(rows.count) orders, 200x50"
        return [
            Result(scenario: "frame", measure: "load the watchlist from the store", median: load.milliseconds.median, spread: load.milliseconds.spread, target: "", verdict: ""),
            Result(scenario: "frame", measure: "render only (\(n))", median: renderOnly.milliseconds.median, spread: renderOnly.milliseconds.spread, target: "", verdict: ""),
            Result(scenario: "frame", measure: "render + draw, every cell repainted", median: full.milliseconds.median, spread: full.milliseconds.spread, target: "< 2 ms",
                   verdict: verdict(full.median < 0.002) + " \(fullBytes) bytes"),
            Result(scenario: "frame", measure: "tick: clock moved, render + draw", median: tick.milliseconds.median, spread: tick.milliseconds.spread, target: "< 2 ms",
                   verdict: verdict(tick.median < 0.002) + " \(Int(tickBytes.median)) bytes"),
            Result(scenario: "frame", measure: "one row changed: update + render + draw", median: oneRow.milliseconds.median, spread: oneRow.milliseconds.spread, target: "< 0.5 ms, < 1 KB",
                   verdict: verdict(oneRow.median < 0.0005 && oneRowBytes.median < 1_024) + " \(Int(oneRowBytes.median)) bytes"),
        ]
    }
}

func verdict(_ met: Bool) -> String { met ? "met" : "MISSED" }

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
