import Foundation
import Testing
import RefundModel
import WatchlistModel
@testable import DashboardCore
import TestReports

/// The terminal seam: the diff between two screens, and the dashboard's loop run against an
/// in-memory terminal and fake effects (no curses, no store, no network).
@Suite struct DashboardLoopTests {
    typealias B = ReportBuilder
    let t0 = Date(timeIntervalSince1970: 1_795_000_000)

    /// Widths come from libc's wcwidth, which needs a UTF-8 locale (the terminal sets one).
    init() { setlocale(LC_ALL, "C.UTF-8") }

    // MARK: - ScreenDiff

    func screen(_ width: Int, _ height: Int, _ writes: [(String, Int, Int)]) -> Screen {
        var screen = Screen(Size(width: width, height: height))
        for (text, x, y) in writes { screen.put(text, x: x, y: y) }
        return screen
    }

    @Test func theFirstFrameWritesEveryCellAndAnUnchangedOneNone() {
        let a = screen(10, 3, [("hello", 0, 0)])
        #expect(ScreenDiff.changes(from: nil, to: a).count == 30)
        #expect(ScreenDiff.changes(from: a, to: a).isEmpty)
        // A different size is a new screen.
        #expect(ScreenDiff.changes(from: screen(9, 3, []), to: a).count == 30)
        let b = screen(10, 3, [("hellO", 0, 0)])
        #expect(ScreenDiff.changes(from: a, to: b) == [ScreenDiff.Change(x: 4, y: 0, cell: Cell("O"))])
    }

    @Test func wideCharactersAndTheLastColumn() {
        // "₹" is one column, "界" two: the continuation is never written, the character covers it.
        let narrow = screen(6, 1, [("abcdef", 0, 0)])
        let wide = screen(6, 1, [("a界def", 0, 0)])
        #expect(ScreenDiff.changes(from: narrow, to: wide).map(\.x) == [1])
        // Back to narrow: both halves are written.
        #expect(ScreenDiff.changes(from: wide, to: narrow).map(\.x) == [1, 2])
        // The cell before a new continuation is written even when it looks unchanged: here "界"
        // moves one column right, over a cell that stays "界"'s continuation's neighbour.
        let moved = screen(6, 1, [("ab界ef", 0, 0)])
        #expect(ScreenDiff.changes(from: wide, to: moved).map(\.x) == [1, 2])
        // The last column: a change there is written; a wide character that would not fit is not drawn.
        let last = screen(6, 1, [("abcdeX", 0, 0)])
        #expect(ScreenDiff.changes(from: narrow, to: last).map(\.x) == [5])
        // Writing over half of a wide character blanks its other half.
        var over = screen(6, 1, [("界界", 1, 0), ("x", 2, 0), ("y", 3, 0)])
        #expect(over.lines == ["  xy"])
        #expect(!(0..<6).contains { over[$0, 0].isContinuation })
        over.put("日", x: 4, y: 0)
        over.put("z", x: 3, y: 0)
        #expect(over.lines == ["  xz日"])
        var cut = Screen(Size(width: 6, height: 1))
        #expect(cut.put("abcde界", x: 0, y: 0) == 5)
        #expect(cut.lines == ["abcde"])
    }

    @Test func aTerminalShowingTheDiffsShowsTheLastScreen() {
        // Random frames of narrow and wide text: what the memory terminal shows, built only from
        // the diffs, is each frame exactly.
        let seed = SeededRandom.seedFromEnvironment()
        var random = SeededRandom(seed: seed)
        let terminal = MemoryTerminal(size: Size(width: 12, height: 4))
        let pieces = ["a", "bc", "界", "₹9", "ü", "日本", " ", "xyz"]
        for frame in 0..<200 {
            var next = Screen(Size(width: 12, height: 4))
            for _ in 0..<Int(random.next() % 8) {
                next.put(pieces[Int(random.next() % UInt64(pieces.count))], x: Int(random.next() % 12), y: Int(random.next() % 4))
            }
            terminal.draw(next)
            let same = terminal.shown == next
            #expect(same, "frame \(frame) differs: shown\n\(terminal.shown.text)\nexpected\n\(next.text)\nseed \(seed) (SEED=\(seed) repeats it)")
            if !same { break }
        }
    }

    // MARK: - The loop

    /// Effects recorded; the watchlist load answered at once with `rows`; themes known by name.
    final class FakeEffects: EffectPerformer, @unchecked Sendable {
        let rows: [WatchedOrder]
        private let lock = NSLock()
        private var performed: [Effect] = []
        var effects: [Effect] { lock.withLock { performed } }

        init(rows: [WatchedOrder]) { self.rows = rows }

        func perform(_ effect: Effect, post: @escaping @Sendable (Action) -> Void) {
            lock.withLock { performed.append(effect) }
            if effect == .loadWatchlist { post(.watchlistLoaded(rows)) }
        }

        func loadTheme(_ name: String) -> Result<Theme, ThemeFailure> {
            name == "light" ? .success(Theme(name: "light", looks: Theme.builtIn.looks)) : .failure(ThemeFailure("theme \(name): no such file"))
        }
    }

    func row(_ id: Int64, _ reference: String) -> WatchedOrder { Watchlists.row(id, reference) }

    /// Steps until `condition` holds, at most `steps` times; fails the test if it never does.
    func step(_ runner: DashboardRunner, until condition: () -> Bool, steps: Int = 50, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for _ in 0..<steps where !condition() { runner.step(waiting: 0) }
        #expect(condition(), "never: \(what)", sourceLocation: sourceLocation)
    }

    @Test func aTerminalThatWentAwayEndsTheLoop() {
        let terminal = MemoryTerminal(size: Size(width: 80, height: 24))
        let effects = FakeEffects(rows: [row(1, "ORD-1")])
        let runner = DashboardRunner(state: DashboardState(now: t0, size: Size(width: 80, height: 24), interval: 30, themeName: "default"),
                                     terminal: terminal, performer: effects, clock: { (self.t0, self.t0) })
        runner.start()
        #expect(runner.step(waiting: 0))
        terminal.events = [.hangup]
        #expect(!runner.step(waiting: 0), "the loop stops")
        #expect(runner.quit)
    }

    @Test func theLoopDrawsKeysEffectsAndQuits() {
        let terminal = MemoryTerminal(size: Size(width: 80, height: 24))
        let effects = FakeEffects(rows: [row(1, "ORD-1"), row(2, "ORD-2")])
        var clock = t0
        let runner = DashboardRunner(state: DashboardState(now: t0, size: Size(width: 10, height: 10), interval: 30, themeName: "default"),
                                     terminal: terminal, performer: effects, clock: { (clock, clock) })
        runner.start()
        #expect(effects.effects.first == .loadWatchlist)
        step(runner, until: { terminal.shown.text.contains("ORD-2") }, "the watchlist is drawn")
        #expect(terminal.shown.lines[0].contains("2 orders"))
        // The first tick after loading refreshes the never-fetched... here fetched rows: an interval later.
        clock = t0.addingTimeInterval(31)
        step(runner, until: { effects.effects.contains(.refresh([TrackedOrder(id: 1, referenceID: "ORD-1", addedAt: t0), TrackedOrder(id: 2, referenceID: "ORD-2", addedAt: t0)])) }, "the interval refreshes")
        step(runner, until: { terminal.shown.lines[23].contains("refreshing 0/2") }, "the status line says so")
        // The store failed mid-refresh: update clears the orders in flight and says why.
        runner.post(.refreshFailed([1, 2], message: "database is locked"))
        step(runner, until: { terminal.shown.lines[22].contains("⚠ database is locked") }, "the failure is shown")
        #expect(!runner.state.isRefreshing)
        #expect(!terminal.shown.lines[23].contains("refreshing"))
        // y copies through the terminal, t switches theme through it, a bad theme is said.
        terminal.events = [.key(.character("y")), .key(.character("t"))]
        step(runner, until: { terminal.themes == ["light"] }, "the theme is set")
        #expect(terminal.copied == ["ORD-1"])
        step(runner, until: { terminal.shown.lines[22].contains("theme: light") }, "the theme is named")
        terminal.events = [.key(.character("t"))]
        step(runner, until: { terminal.shown.lines[22].contains("⚠ theme high-contrast: no such file") }, "a theme that cannot be read is said")
        // The export's words come from update.
        runner.post(.exported(ExportSummary(refunds: 2, orders: 2, unfetched: 0, path: "/tmp/x.csv")))
        step(runner, until: { terminal.shown.lines[22].contains("exported 2 refunds of 2 orders to /tmp/x.csv") }, "the export is said")
        // A resize redraws at the new size; a click selects; q quits.
        terminal.resize(to: Size(width: 60, height: 12))
        terminal.events.append(.mouse(MouseEvent(.click, x: 4, y: 3)))
        step(runner, until: { runner.state.frame.selected == 1 }, "the click selects the second row")
        #expect(terminal.shown.size == Size(width: 60, height: 12))
        #expect(terminal.shown == Dashboard.render(runner.state))
        terminal.events = [.key(.character("q"))]
        step(runner, until: { runner.quit }, "q quits")
        #expect(!runner.step(waiting: 0))
    }

    /// Curses cannot be woken by another thread: while results are expected the loop waits in
    /// short slices, so a loaded watchlist or a fetched order is drawn within 15 ms, and an idle
    /// dashboard wakes ten times a second.
    @Test func theLoopWaitsBrieflyWhileResultsAreExpected() {
        let terminal = MemoryTerminal(size: Size(width: 80, height: 24))
        let effects = FakeEffects(rows: [row(1, "ORD-1")])
        var clock = t0
        let runner = DashboardRunner(state: DashboardState(now: t0, size: Size(width: 80, height: 24), interval: 30, themeName: "default"),
                                     terminal: terminal, performer: effects, clock: { (clock, clock) })
        #expect(runner.waitMilliseconds == 15, "before the watchlist is loaded")
        runner.start()
        step(runner, until: { runner.state.loaded }, "the watchlist loads")
        #expect(runner.waitMilliseconds == 15, "just after an effect")
        clock = t0.addingTimeInterval(2.5)
        runner.step(waiting: 0)
        #expect(runner.waitMilliseconds == 100, "idle")
        terminal.events = [.key(.enter)]
        runner.step(waiting: 0)
        #expect(effects.effects.last == .loadDetail(1))
        #expect(runner.waitMilliseconds == 15, "an order's detail is loading")
    }
}
