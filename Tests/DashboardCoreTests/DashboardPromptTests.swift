import Foundation
import Testing
import RefundModel
import WatchlistModel
@testable import DashboardCore
import TestReports

/// The keys that open a line at the bottom or change the watchlist: o/: look up, a add, d remove,
/// e export, y copy; the refund page's scrolling; and the watchlist index that keeps 10,000 rows
/// sorted without sorting them each frame.
@Suite struct DashboardPromptTests {
    typealias B = ReportBuilder
    let t0 = Date(timeIntervalSince1970: 1_795_000_000)

    func row(_ id: Int64, _ reference: String, stage: RefundStatus = .success, arn: String? = "1", changedAt: Date? = nil) -> WatchedOrder {
        Watchlists.row(id, reference, stage: stage, arn: arn, changedAt: changedAt)
    }

    func loaded(_ rows: [WatchedOrder], size: Size = Size(width: 80, height: 24)) -> DashboardState {
        Watchlists.loaded(rows, size: size)
    }

    func type(_ text: String, _ state: inout DashboardState) {
        for character in text { _ = Dashboard.update(&state, .key(.character(character))) }
    }

    func bottomLines(_ state: DashboardState) -> [String] { Array(Dashboard.render(state).lines.suffix(2)) }

    // MARK: - o / : look up

    @Test func lookingUpAnOrderShowsItWithoutTrackingItAndATracksIt() {
        var state = loaded([row(1, "ORD-1")])
        _ = Dashboard.update(&state, .key(.character("o")))
        #expect(state.prompt == Prompt(.lookup))
        type("ORD-NEW-9", &state)
        #expect(bottomLines(state)[0].hasPrefix("Look up order: ORD-NEW-9▏"))
        // While typing, letters are the prompt's: q does not quit.
        #expect(Dashboard.update(&state, .key(.character("q"))).isEmpty)
        _ = Dashboard.update(&state, .key(.backspace))
        #expect(Dashboard.update(&state, .key(.enter)) == [.lookup(-1, referenceID: "ORD-NEW-9")])
        #expect(state.prompt == nil)
        #expect(state.frame.view == .order(-1))
        #expect(Dashboard.render(state).lines[0].contains("Watchlist › ORD-NEW-9 (not tracked)"))
        #expect(Dashboard.render(state).lines[2].contains("Looking up ORD-NEW-9…"))

        var report = B.order([B.transaction("t9", refunds: [B.refund("r9", status: .success, payu: B.record("r9", status: .success, arn: "7400"))])])
        report.referenceID = "ORD-NEW-9"
        _ = Dashboard.update(&state, .lookedUp(-1, report: report, error: nil))
        let screen = Dashboard.render(state).text
        #expect(screen.contains("not tracked · a adds it"))
        #expect(screen.contains("t9"))
        // Into its transaction and refund like any order; the refund page says why there is no timeline.
        _ = Dashboard.update(&state, .key(.enter))
        _ = Dashboard.update(&state, .key(.enter))
        _ = Dashboard.update(&state, .key(.character("G")))
        #expect(Dashboard.render(state).text.contains("not tracked, so no history: a adds it to the watchlist"))
        _ = Dashboard.update(&state, .key(.escape))
        _ = Dashboard.update(&state, .key(.escape))

        // r asks again; a tracks it.
        #expect(Dashboard.update(&state, .key(.character("r"))) == [.lookup(-1, referenceID: "ORD-NEW-9")])
        _ = Dashboard.update(&state, .lookedUp(-1, report: report, error: nil))
        #expect(Dashboard.update(&state, .key(.character("a"))) == [.track(["ORD-NEW-9"])])
        let added = TrackedOrder(id: 2, referenceID: "ORD-NEW-9", addedAt: t0)
        #expect(state.frame.view == .order(-1), "a looked-up order stays open while it is being added")
        #expect(Dashboard.update(&state, .tracked(added: [WatchedOrder(order: added)], alreadyTracked: [])) == [.refresh([added])])
        #expect(state.rows.map(\.order.id) == [1, 2], "the new row alone was put on the watchlist")
        // It is now the tracked order: same screen, its stored id, no "not tracked".
        #expect(state.frame.view == .order(2))
        #expect(state.lookups.isEmpty)
        #expect(state.details[2]?.report == report)
        #expect(!Dashboard.render(state).text.contains("not tracked"))
        #expect(bottomLines(state)[0] == "added ORD-NEW-9 to the watchlist")
    }

    @Test func aBadIdIsRefusedAndWhatWasTypedStays() {
        var state = loaded([row(1, "ORD-1")])
        // An older error does not follow the prompt onto the status line.
        _ = Dashboard.update(&state, .failed("ORD-1: Kaleyra did not answer"))
        _ = Dashboard.update(&state, .key(.character(":")))
        #expect(bottomLines(state)[1].hasPrefix(" updated"))
        type("ORD 12", &state)
        #expect(Dashboard.update(&state, .key(.enter)).isEmpty)
        #expect(state.prompt == Prompt(.lookup, text: "ORD 12"))
        #expect(state.frame.view == .watchlist)
        // The prompt keeps its line; what was wrong takes the status line.
        #expect(bottomLines(state) == ["Look up order: ORD 12▏   Enter shows it (not tracked) · Esc cancels",
                                       " ⚠ \"ORD 12\" is not a WhatsApp reference id: it contains a space; WhatsApp allow…"])
        // Fixing it and pressing Enter works; the table is still there all along.
        _ = Dashboard.update(&state, .key(.backspace))
        _ = Dashboard.update(&state, .key(.backspace))
        _ = Dashboard.update(&state, .key(.backspace))
        type("-12", &state)
        #expect(Dashboard.update(&state, .key(.enter)) == [.lookup(-1, referenceID: "ORD-12")])
        // Esc cancels a prompt without doing anything.
        _ = Dashboard.update(&state, .key(.character("o")))
        type("x", &state)
        #expect(Dashboard.update(&state, .key(.escape)).isEmpty)
        #expect(state.prompt == nil)
        #expect(state.frame.view == .order(-1))
    }

    @Test func aFailedLookUpSaysWhyAndWhatToDo() {
        var state = loaded([])
        _ = Dashboard.update(&state, .key(.character("o")))
        type("ORD-00000000-0000", &state)
        _ = Dashboard.update(&state, .key(.enter))
        let missing = ReportedError(category: .notFound, service: .kaleyra, message: "Kaleyra has no order ORD-00000000-0000 for this phone number id.")
        _ = Dashboard.update(&state, .lookedUp(-1, report: nil, error: missing))
        let lines = Dashboard.render(state).lines
        #expect(lines[2] == "  ORD-00000000-0000: Kaleyra has no order ORD-00000000-0000 for this phone")
        #expect(lines[3] == "  number id.")
        #expect(lines[5] == "  o looks up another · Esc goes back")
        // A second look-up of the same id reuses its place; a tracked id opens the tracked order.
        _ = Dashboard.update(&state, .key(.escape))
        _ = Dashboard.update(&state, .key(.character("o")))
        type("ORD-00000000-0000", &state)
        #expect(Dashboard.update(&state, .key(.enter)) == [.lookup(-1, referenceID: "ORD-00000000-0000")])
        var tracked = loaded([row(1, "ORD-1"), row(5, "ORD-5")])
        _ = Dashboard.update(&tracked, .key(.character("o")))
        type("ORD-5", &tracked)
        #expect(Dashboard.update(&tracked, .key(.enter)) == [.loadDetail(5)])
        #expect(tracked.stack.map(\.view) == [.watchlist, .order(5)])
    }

    // MARK: - a, d

    @Test func aAddsSeveralIdsAndTheCursorGoesToTheFirstNewOne() {
        var state = loaded([row(1, "ORD-1")])
        _ = Dashboard.update(&state, .key(.character("a")))
        type("ORD-2, ORD-3 ORD/4", &state)
        #expect(Dashboard.update(&state, .key(.enter)).isEmpty)
        #expect(bottomLines(state)[1].hasPrefix(" ⚠ \"ORD/4\" is not a WhatsApp reference id: it contains '/'"))
        _ = Dashboard.update(&state, .key(.backspace))
        _ = Dashboard.update(&state, .key(.backspace))
        _ = Dashboard.update(&state, .key(.backspace))
        _ = Dashboard.update(&state, .key(.backspace))
        _ = Dashboard.update(&state, .key(.backspace))
        type("ORD-1", &state)
        #expect(Dashboard.update(&state, .key(.enter)) == [.track(["ORD-2", "ORD-3", "ORD-1"])])
        let new = [TrackedOrder(id: 2, referenceID: "ORD-2", addedAt: t0), TrackedOrder(id: 3, referenceID: "ORD-3", addedAt: t0)]
        #expect(Dashboard.update(&state, .tracked(added: new.map { WatchedOrder(order: $0) }, alreadyTracked: ["ORD-1"])) == [.refresh(new)])
        #expect(state.rows.map(\.order.id) == [1, 2, 3])
        #expect(state.visibleRow(state.frame.selected)?.order.referenceID == "ORD-2")
        #expect(bottomLines(state)[0] == "added 2 orders to the watchlist; ORD-1 was already tracked")
        #expect(bottomLines(state)[1].contains("refreshing 0/2"))
    }

    @Test func dAsksFirstAndOnlyYRemoves() {
        var state = loaded([row(1, "ORD-1"), row(2, "ORD-2")])
        _ = Dashboard.update(&state, .key(.down))
        _ = Dashboard.update(&state, .key(.character("d")))
        #expect(bottomLines(state)[0] == "Remove ORD-2 and its history? y: yes · any other key: no")
        #expect(Dashboard.update(&state, .key(.character("n"))).isEmpty)
        #expect(bottomLines(state)[0] == "kept ORD-2")
        _ = Dashboard.update(&state, .key(.character("d")))
        #expect(Dashboard.update(&state, .key(.enter)).isEmpty, "Enter is not a yes")
        _ = Dashboard.update(&state, .key(.character("d")))
        #expect(Dashboard.update(&state, .key(.character("y"))) == [.untrack("ORD-2", ids: [2])])
        _ = Dashboard.update(&state, .untracked("ORD-2", ids: [2]))
        #expect(state.rows.map(\.order.id) == [1], "the removed row alone left the watchlist")
        #expect(state.frame.selected == 0)
        #expect(bottomLines(state)[0] == "removed ORD-2 from the watchlist")

        // From inside an order, d removes that order; once it is gone its screens close.
        var inside = loaded([row(1, "ORD-1"), row(2, "ORD-2")])
        _ = Dashboard.update(&inside, .key(.enter))
        let open = inside.frame.view.orderID!
        _ = Dashboard.update(&inside, .key(.character("d")))
        #expect(Dashboard.update(&inside, .key(.character("Y"))) == [.untrack(inside.row(id: open)!.order.referenceID, ids: [open])])
        _ = Dashboard.update(&inside, .untracked(inside.row(id: open)!.order.referenceID, ids: [open]))
        #expect(inside.stack.map(\.view) == [.watchlist])
    }

    // MARK: - e, y

    @Test func eExportsTheListAsShown() {
        var state = loaded([row(1, "ORD-AAA-1"), row(2, "ORD-BBB-2"), row(3, "ORD-AAA-3")])
        state.wall = moment(2026, 11, 21, 18, 5)
        state.filter = "aaa"
        _ = Dashboard.update(&state, .key(.character("e")))
        #expect(state.prompt == Prompt(.export, text: "refundwatch-20261121-180500.csv"))
        #expect(bottomLines(state)[0].hasPrefix("Export 2 orders to: refundwatch-20261121-180500.csv▏"))
        for _ in 0..<3 { _ = Dashboard.update(&state, .key(.backspace)) }
        type("json", &state)
        #expect(Dashboard.update(&state, .key(.enter)) == [.export([1, 3], path: "refundwatch-20261121-180500.json")])
        _ = Dashboard.update(&state, .exported(ExportSummary(refunds: 2, orders: 2, unfetched: 0, path: "/tmp/x.json")))
        #expect(bottomLines(state)[0] == "exported 2 refunds of 2 orders to /tmp/x.json")
        _ = Dashboard.update(&state, .exported(ExportSummary(refunds: 1, orders: 1, unfetched: 2, path: "/tmp/y.csv")))
        #expect(bottomLines(state)[0] == "exported 1 refund of 1 order to /tmp/y.csv (2 not fetched yet, left out)")
        _ = Dashboard.update(&state, .exportFailed("cannot write /nope/x.csv: No such file or directory"))
        #expect(bottomLines(state)[0] == "⚠ export: cannot write /nope/x.csv: No such file or directory")
        // The filter in force stays in sight in the title while the flash says what happened.
        #expect(Dashboard.render(state).lines[0].hasPrefix(" refundwatch Watchlist /aaa · 2 of 3 orders"))
        // An empty name is refused; nothing to export says so.
        _ = Dashboard.update(&state, .key(.character("e")))
        for _ in 0..<40 { _ = Dashboard.update(&state, .key(.backspace)) }
        #expect(Dashboard.update(&state, .key(.enter)).isEmpty)
        #expect(state.prompt?.kind == .export)
        var empty = loaded([])
        _ = Dashboard.update(&empty, .key(.character("e")))
        #expect(empty.prompt == nil)
        #expect(bottomLines(empty)[0] == "⚠ nothing to export: no tracked order on screen")
    }

    /// Ctrl-u clears the line (the export's suggested name gives way to a typed one) and Ctrl-w
    /// deletes the last word, as in a shell; outside a prompt Ctrl-u is still half a page up.
    @Test func ctrlUClearsAPromptAndCtrlWDeletesAWord() {
        var state = loaded([row(1, "ORD-AAA-1"), row(2, "ORD-BBB-2")])
        state.wall = moment(2026, 11, 21, 18, 5)
        _ = Dashboard.update(&state, .key(.character("e")))
        _ = Dashboard.update(&state, .key(.control("u")))
        #expect(bottomLines(state)[0].hasPrefix("Export 2 orders to: ▏"))
        type("/tmp/out.json", &state)
        #expect(Dashboard.update(&state, .key(.enter)) == [.export([1, 2], path: "/tmp/out.json")])

        _ = Dashboard.update(&state, .key(.character("a")))
        type("ORD-1 ORD-2  ", &state)
        _ = Dashboard.update(&state, .key(.control("w")))
        #expect(bottomLines(state)[0].hasPrefix("Track: ORD-1 ▏"))
        _ = Dashboard.update(&state, .key(.control("w")))
        _ = Dashboard.update(&state, .key(.control("w")))
        #expect(state.prompt == Prompt(.track, text: ""))
        _ = Dashboard.update(&state, .key(.escape))
        #expect(state.prompt == nil)
    }

    @Test func yCopiesTheIdOrTheARN() {
        var state = loaded([row(1, "ORD-1", arn: "74001234"), row(2, "ORD-2", stage: .pending, arn: nil)])
        #expect(Dashboard.update(&state, .key(.character("y"))) == [.copy(state.visibleRow(0)!.order.referenceID)])
        #expect(bottomLines(state)[0].hasPrefix("copied reference id ORD-"))
        // In a refund: its ARN when PayU gave one, else the refund id.
        let withARN = B.order([B.transaction("t1", refunds: [B.refund("r1", status: .success, payu: B.record("r1", status: .success, arn: "74001234")),
                                                            B.refund("r2", payu: B.record("r2"))])])
        let id = state.visibleRow(0)!.order.id!
        _ = Dashboard.update(&state, .key(.enter))
        _ = Dashboard.update(&state, .detailLoaded(id, Detail(report: withARN, history: [])))
        #expect(Dashboard.update(&state, .key(.character("y"))) == [.copy("t1")])
        _ = Dashboard.update(&state, .key(.enter))
        #expect(Dashboard.update(&state, .key(.character("y"))) == [.copy("74001234")])
        _ = Dashboard.update(&state, .key(.down))
        #expect(Dashboard.update(&state, .key(.character("y"))) == [.copy("r2")])
        _ = Dashboard.update(&state, .key(.enter))
        #expect(Dashboard.update(&state, .key(.character("y"))) == [.copy("r2")])
        #expect(bottomLines(state)[0] == "copied refund id r2 to the clipboard (OSC 52)")
    }

    // MARK: - The refund page scrolls

    @Test func theRefundPageScrollsToItsTimeline() {
        let report = B.order([B.transaction("t1", refunds: [B.refund("r1", status: .success, payu: B.record("r1", status: .success, arn: "74001234"))])])
        var history: [HistoryEntry] = []
        for minute in 0..<12 {
            let change = OrderChange(transactionID: "t1", refundID: "r1", field: .status, old: "queued", new: "success")
            history.append(HistoryEntry(id: Int64(minute), orderID: 1, seenAt: t0.addingTimeInterval(Double(minute) * 60), change: change))
        }
        var state = loaded([row(1, "ORD-1")], size: Size(width: 80, height: 24))
        _ = Dashboard.update(&state, .key(.enter))
        _ = Dashboard.update(&state, .detailLoaded(1, Detail(report: report, history: history)))
        _ = Dashboard.update(&state, .key(.enter))
        _ = Dashboard.update(&state, .key(.enter))
        let first = Dashboard.render(state).lines
        #expect(first[1].hasPrefix("  Refund          r1"))
        #expect(first[21].contains("↓ more: j/k scroll"))
        _ = Dashboard.update(&state, .key(.character("j")))
        #expect(state.frame.top == 1)
        #expect(Dashboard.render(state).lines[1].hasPrefix("  Stage"))
        _ = Dashboard.update(&state, .key(.character("G")))
        let last = Dashboard.render(state).lines
        #expect(last[21].hasSuffix("status: queued → success"))
        #expect(!last.joined().contains("↓ more"))
        #expect(last.contains { $0 == "  Timeline" })
        _ = Dashboard.update(&state, .key(.character("g")))
        #expect(state.frame.top == 0)
    }

    // MARK: - The watchlist index

    /// Rows moved one by one as fetches arrive end in the same order as sorting them all.
    @Test(arguments: SortMode.allCases)
    func rowsMovedOneAtATimeMatchAFullSort(sort: SortMode) {
        let seed = SeededRandom.seedFromEnvironment()
        var random = SeededRandom(seed: seed)
        let stages: [RefundStatus] = [.success, .pending, .failed]
        func randomRow(_ id: Int64) -> WatchedOrder {
            row(id, "ORD-\(Int.random(in: 0..<50, using: &random))-\(id)", stage: stages.randomElement(using: &random)!,
                arn: Bool.random(using: &random) ? "9" : nil, changedAt: Bool.random(using: &random) ? t0.addingTimeInterval(Double.random(in: 0..<1_000, using: &random)) : nil)
        }
        var state = loaded((1...300).map(randomRow))
        state.sort = sort
        state.filter = "ord-1"
        for _ in 0..<200 {
            let id = Int64.random(in: 1...300, using: &random)
            _ = Dashboard.update(&state, .fetched(id, row: randomRow(id), error: nil))
        }
        let expected = state.sortedRows.filter { $0.order.referenceID.lowercased().contains("ord-1") }.map(\.order.id)
        #expect(state.visibleRows.map(\.order.id) == expected, "seed \(seed) (SEED=\(seed) repeats it)")
        #expect(state.visibleRows.count == state.visibleCount)
        // The header's counts, kept up to date row by row, agree with counting afresh.
        var recount = WatchlistTotals()
        for row in state.rows { recount.add(row, now: state.now) }
        #expect(state.totals == recount)
    }

    /// A refund that becomes overdue as the clock moves brings its order up without any fetch.
    @Test func anOrderBecomingOverdueMovesUpByTheClockAlone() {
        // ORD-9's refund is a day older than ORD-1's, so it is overdue first.
        let waiting = B.refund("r9", status: .success, created: t0.addingTimeInterval(-86_400), payu: B.record("r9", status: .success))
        let summary = OrderSummary(B.order([B.transaction("t9", refunds: [waiting])]), rules: DeadlineRules())
        let deadline = try! #require(summary.deadlines.first?.due)
        // ORD-1's refund is in progress at PayU: its ARN is due a day after ORD-9's.
        let inProgress = B.refund("r1", created: B.created, payu: B.record("r1", status: .inProgress))
        let first = OrderSummary(B.order([B.transaction("t1", refunds: [inProgress])]), rules: DeadlineRules())
        #expect(first.deadlines.map(\.stage) == [.arn] && first.deadlines[0].due > deadline)
        var state = loaded([WatchedOrder(order: TrackedOrder(id: 1, referenceID: "ORD-1", addedAt: t0), summary: first, fetchedAt: t0, changedAt: t0),
                            WatchedOrder(order: TrackedOrder(id: 9, referenceID: "ORD-9", addedAt: t0), summary: summary, fetchedAt: t0)])
        state.now = deadline.addingTimeInterval(-60)
        _ = Dashboard.update(&state, .tick(now: deadline.addingTimeInterval(-60), wall: t0))
        #expect(state.visibleRows.map(\.order.id) == [1, 9])
        #expect(state.totals.overdue == 0)
        _ = Dashboard.update(&state, .tick(now: deadline.addingTimeInterval(60), wall: t0))
        #expect(state.visibleRows.map(\.order.id) == [9, 1])
        #expect(state.totals.overdue == 1)
        #expect(Dashboard.render(state).lines[0].hasSuffix("2 orders · 2 pending · 1 overdue · 0 failing"))
        #expect(Dashboard.render(state).lines[2].hasPrefix("▲ ORD-9"))
    }
}
