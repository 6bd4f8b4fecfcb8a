import Foundation
import Testing
@testable import DashboardCore
import TestReports

/// The character charts the overview will draw: exact strings for known numbers, in Unicode and
/// in the ASCII a terminal without UTF-8 gets.
@Suite struct ChartTests {
    @Test func sparklinesScaleToTheLargestAndLeaveZeroBlank() {
        #expect(Chart.sparkline([0, 1, 2, 3, 4, 5, 6, 7, 8]) == " ▁▂▃▄▅▆▇█")
        #expect(Chart.sparkline([0, 1, 2, 3, 4, 5, 6, 7, 8], glyphs: .ascii) == " _.,:-=+#")
        // A small value above zero still shows; a value above the given maximum is capped.
        #expect(Chart.sparkline([1, 1000]) == "▁█")
        #expect(Chart.sparkline([5, 20], maximum: 10) == "▄█")
        #expect(Chart.sparkline([.nan, -3, .infinity, 0]) == "    ")
        #expect(Chart.sparkline([]) == "")
    }

    @Test func barsAreExactToAnEighthOfACell() {
        #expect(Chart.bar(10, maximum: 10, width: 8) == "████████")
        #expect(Chart.bar(5, maximum: 10, width: 8) == "████")
        #expect(Chart.bar(5.5, maximum: 10, width: 8) == "████▍")
        #expect(Chart.bar(0.01, maximum: 10, width: 8) == "▏", "a sliver for a value above zero")
        #expect(Chart.bar(0, maximum: 10, width: 8) == "")
        #expect(Chart.bar(30, maximum: 10, width: 8) == "████████", "capped at the width")
        #expect(Chart.bar(5.5, maximum: 10, width: 8, glyphs: .ascii) == "####=")
        #expect(Chart.bar(5, maximum: 0, width: 8) == "")
    }

    @Test func stackedBarsShareTheirCellsAndKeepEverySegmentVisible() {
        #expect(Chart.segments([5, 3, 2], maximum: 10, width: 10) == [5, 3, 2])
        #expect(Chart.segments([5, 3, 2], maximum: 20, width: 10) == [3, 1, 1], "half the width, by largest remainder")
        // One refund among thousands still gets its cell.
        let lopsided = Chart.segments([5_000, 1, 0], maximum: 5_001, width: 20)
        #expect(lopsided == [19, 1, 0])
        #expect(Chart.segments([0, 0], maximum: 10, width: 10) == [0, 0])
        // Seeded random cases (SEED=<n> repeats one): the cells never take more than the width,
        // and every segment above zero has one while there is room.
        let seed = SeededRandom.seedFromEnvironment()
        var generator = SeededRandom(seed: seed)
        for _ in 0..<200 {
            let values = (0..<Int.random(in: 1...5, using: &generator)).map { _ in Double(Int.random(in: 0...50, using: &generator)) }
            let maximum = max(1, values.reduce(0, +) + Double(Int.random(in: 0...50, using: &generator)))
            let width = Int.random(in: 1...40, using: &generator)
            let cells = Chart.segments(values, maximum: maximum, width: width)
            #expect(cells.reduce(0, +) <= max(width, values.filter { $0 > 0 }.count), "seed \(seed): \(values) of \(maximum) in \(width): \(cells)")
            #expect(zip(values, cells).allSatisfy { $0.0 > 0 ? $0.1 >= 1 || values.filter { $0 > 0 }.count > width : $0.1 == 0 }, "seed \(seed): \(values) in \(width): \(cells)")
        }
    }

    @Test func brailleLinesPutTwoValuesInACell() {
        // Left column 4 dots high, right column 1: ⣇ is dots 1, 2, 3, 7 and 8.
        #expect(Chart.braille([4, 1], maximum: 4) == "⣇")
        #expect(Chart.braille([0, 0, 4]) == "⠀⡇", "an empty cell, then a full left column")
        #expect(Chart.braille([1, 2, 3, 4], glyphs: .ascii) == Chart.sparkline([1, 2, 3, 4], glyphs: .ascii))
    }
}
