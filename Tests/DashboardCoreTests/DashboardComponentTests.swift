import Foundation
import Testing
import RefundModel
import WatchlistModel
@testable import DashboardCore
import TestReports

/// The dashboard's parts as a user meets them: lists that never select a row they do not draw,
/// the cursor that stays on top until moved, labels given their width, the key table, half pages,
/// n/N, the mouse. States are built from `ReportBuilder`: no simulator, no store, no network.
@Suite struct DashboardComponentTests {
    typealias B = ReportBuilder
    let t0 = Date(timeIntervalSince1970: 1_795_000_000)

    func row(_ id: Int64, _ reference: String, failedRefund: Bool = false, changedAt: Date? = nil, failure: Bool = false) -> WatchedOrder {
        Watchlists.row(id, reference, stage: failedRefund ? .failed : .success, changedAt: changedAt, failure: failure)
    }

    func loaded(_ rows: [WatchedOrder], size: Size = Size(width: 80, height: 24)) -> DashboardState {
        Watchlists.loaded(rows, size: size)
    }

    /// An order of `count` transactions (ids 4000000000000000xx), one refund each, opened.
    func openOrder(transactions count: Int, size: Size, payment: Payment? = nil) -> DashboardState {
        var state = loaded([row(1, "ORD-1")], size: size)
        _ = Dashboard.update(&state, .key(.enter))
        let transactions = (0..<count).map { B.transaction(String(format: "40000000000000%04d", $0), refunds: [B.refund("rf\($0)")]) }
        var report = B.order(transactions)
        if let payment { report.payment = payment }
        _ = Dashboard.update(&state, .detailLoaded(1, Detail(report: report, history: [])))
        return state
    }

    /// Rows of the screen drawn in the selection role.
    func selectedLines(_ screen: Screen) -> [String] {
        (0..<screen.size.height).filter { y in screen[2, y].style.role == .selection }.map { screen.lines[$0] }
    }

    // MARK: - Layout

    @Test func aListNeverSelectsARowItDoesNotDraw() {
        // At 60x12 an order's transactions get four rows: the cursor scrolls them.
        var state = openOrder(transactions: 8, size: Size(width: 60, height: 12))
        for step in 0..<8 {
            let selected = String(format: "40000000000000%04d", state.frame.selected)
            let drawn = selectedLines(Dashboard.render(state))
            #expect(drawn.count == 1 && drawn[0].contains(selected), "step \(step): \(selected) is selected but the screen shows \(drawn)\n\(Dashboard.render(state).text)")
            _ = Dashboard.update(&state, .key(.down))
        }
        #expect(state.frame.selected == 7)
        // The same at 80x24, and after the terminal shrinks under the cursor.
        _ = Dashboard.update(&state, .resize(Size(width: 80, height: 24)))
        _ = Dashboard.update(&state, .resize(Size(width: 60, height: 12)))
        #expect(selectedLines(Dashboard.render(state)).first?.contains("400000000000000007") == true)
        // A click on a drawn row selects that row's transaction, whatever the scroll.
        let screen = Dashboard.render(state)
        let y = try! #require(screen.lines.firstIndex { $0.contains("400000000000000005") })
        _ = Dashboard.update(&state, .mouse(MouseEvent(.click, x: 10, y: y)))
        #expect(state.frame.selected == 5)
    }

    /// The watchlist keeps its rows' texts between frames; a row that changed is drawn anew, and
    /// the cache never shows an order's old amount, stage or label.
    @Test func rowTextsKeptBetweenFramesFollowEveryChange() {
        var state = loaded([row(1, "ORD-1"), row(2, "ORD-2")], size: Size(width: 120, height: 12))
        let first = Dashboard.render(state).text
        #expect(first.contains("₹500.00"))
        #expect(state.rowTexts.texts(for: state.row(id: 1)!, make: WatchlistComponent.fixedTexts).cached)
        #expect(Dashboard.render(state).text == first)

        // A new amount, a new label, a failed stage: each is on the next frame.
        var changed = row(1, "ORD-1", failedRefund: true)
        changed.order.label = "desk 7"
        var report = B.order([B.transaction("t1", refunds: [B.refund("r1", status: .failed, payu: B.record("r1", status: .failure))])])
        report.payment.amount = Money(value: 123_456_700, offset: 100)
        changed.summary = OrderSummary(report, rules: DeadlineRules())
        _ = Dashboard.update(&state, .fetched(1, row: changed, error: nil))
        let line = Dashboard.render(state).lines.first { $0.contains("ORD-1") } ?? ""
        #expect(line.contains("desk 7"), "\(line)")
        #expect(line.contains("₹12,34,567.00"), "\(line)")
        #expect(line.contains("1 failed"), "\(line)")
        #expect(!line.contains("₹500.00"), "\(line)")
    }

    @Test func theLayoutGivesEachPartItsRows() {
        let layout = ScreenLayout(Size(width: 80, height: 24))
        #expect(layout.title == Rect(x: 0, y: 0, width: 80, height: 1))
        #expect(layout.body == Rect(x: 0, y: 1, width: 80, height: 21))
        #expect(layout.flash == Rect(x: 0, y: 22, width: 80, height: 1))
        #expect(layout.status == Rect(x: 0, y: 23, width: 80, height: 1))
        #expect(!ScreenLayout.fits(Size(width: 59, height: 12)))
        #expect(ScreenLayout.fits(Size(width: 60, height: 12)))
        // The watchlist's rows start under its column header and end above the flash line.
        let state = loaded((1...40).map { row(Int64($0), String(format: "ORD-%02d", $0)) })
        #expect(state.scroller == .list(count: 40, rows: Rect(x: 0, y: 2, width: 80, height: 20)))
    }

    // MARK: - The cursor

    @Test func theCursorStaysOnTheTopRowUntilTheUserMovesIt() {
        var state = loaded([row(1, "ORD-1"), row(2, "ORD-2"), row(3, "ORD-3")])
        // A refresh finds ORD-3 failing: it goes first, and the cursor stays on the first row.
        _ = Dashboard.update(&state, .fetched(3, row: row(3, "ORD-3", failedRefund: true), error: nil))
        #expect(state.visibleRows.map(\.order.id) == [3, 1, 2])
        #expect(state.frame.selected == 0)
        // Moved onto ORD-1, the cursor follows it as the rows move.
        _ = Dashboard.update(&state, .key(.down))
        _ = Dashboard.update(&state, .fetched(2, row: row(2, "ORD-2", failedRefund: true, changedAt: t0), error: nil))
        #expect(state.visibleRows[state.frame.selected].order.id == 1)
        // g (Home) pins it to the top again.
        _ = Dashboard.update(&state, .key(.home))
        _ = Dashboard.update(&state, .fetched(1, row: row(1, "ORD-1", failedRefund: true, changedAt: t0.addingTimeInterval(1)), error: nil))
        #expect(state.frame.selected == 0)
        #expect(state.visibleRows[0].order.id == 1)
    }

    @Test func halfPagesAndTheEnds() {
        var state = loaded((1...50).map { row(Int64($0), String(format: "ORD-%02d", $0)) })
        // 20 rows on screen at 80x24: half a page is 10.
        _ = Dashboard.update(&state, .key(.control("d")))
        #expect(state.frame.selected == 10)
        _ = Dashboard.update(&state, .key(.control("d")))
        _ = Dashboard.update(&state, .key(.control("u")))
        #expect(state.frame.selected == 10)
        _ = Dashboard.update(&state, .key(.end))
        #expect(state.frame.selected == 49)
        #expect(state.frame.top == 30)
        _ = Dashboard.update(&state, .key(.home))
        #expect(state.frame.selected == 0 && state.frame.top == 0)
        _ = Dashboard.update(&state, .key(.character(" ")))
        #expect(state.frame.selected == 19)
    }

    @Test func nAndShiftNGoThroughTheFilterMatches() {
        var state = loaded([row(1, "ORD-AAA-1"), row(2, "ORD-BBB-2"), row(3, "ORD-AAA-3"), row(4, "ORD-AAA-4")])
        _ = Dashboard.update(&state, .key(.character("/")))
        for character in "aaa" { _ = Dashboard.update(&state, .key(.character(character))) }
        _ = Dashboard.update(&state, .key(.enter))
        _ = Dashboard.update(&state, .key(.character("n")))
        #expect(state.visibleRow(state.frame.selected)?.order.referenceID == "ORD-AAA-3")
        #expect(state.flash?.message == "match 2 of 3 for /aaa")
        _ = Dashboard.update(&state, .key(.character("N")))
        _ = Dashboard.update(&state, .key(.character("N")))
        #expect(state.visibleRow(state.frame.selected)?.order.referenceID == "ORD-AAA-4", "N wraps round")
        // From an order's screen, n opens the next match in its place.
        _ = Dashboard.update(&state, .key(.character("N")))
        #expect(Dashboard.update(&state, .key(.enter)) == [.loadDetail(3)])
        #expect(Dashboard.update(&state, .key(.character("n"))) == [.loadDetail(4)])
        #expect(state.stack.map(\.view) == [.watchlist, .order(4)])
        #expect(Dashboard.render(state).lines[0].contains("Watchlist /aaa · 3 of 4 orders › ORD-AAA-4"))
        _ = Dashboard.update(&state, .key(.escape))
        #expect(state.visibleRow(state.frame.selected)?.order.referenceID == "ORD-AAA-4")
        // Nothing matches: said so.
        state.filter = "zzz"
        _ = Dashboard.update(&state, .key(.character("n")))
        #expect(state.flash == Flash(message: "no order matches /zzz", isError: true, at: t0))
    }

    // MARK: - Labels

    @Test func labelsGetTheWidthTheyNeedOrWrap() {
        let fields = [MerchantField(name: "udf1", value: "cart-1"), MerchantField(name: "additional_info1", value: "WA20931129")]
        let payment = Payment(referenceID: "ORD-1", status: .captured, amount: Money(value: 100, offset: 100),
                              notes: ["customer_reference_number_from_the_merchant_side": "X-42"], merchantFields: fields)
        let state = openOrder(transactions: 1, size: Size(width: 80, height: 24), payment: payment)
        let lines = Dashboard.render(state).lines
        // The label column is as wide as the longest label needs...
        #expect(lines.contains { $0.hasPrefix("  additional_info1  WA20931129") }, "\(lines.joined(separator: "\n"))")
        #expect(lines.contains { $0.hasPrefix("  udf1              cart-1") })
        // ...up to half the column: a longer label wraps in it (three rows at most) instead of
        // running into its value.
        let note = try! #require(lines.firstIndex { $0.contains("X-42") })
        #expect(lines[note].hasPrefix("  notes.customer_r  X-42"))
        #expect(lines[note + 1] == "  eference_number_")
        #expect(lines[note + 2] == "  from_the_mercha…")
    }

    // MARK: - Keys as data

    @Test func everyBindingIsDispatchedAndListedInTheHelp() {
        var keys = Set<Key>()
        for binding in KeyBindings.all {
            for key in binding.keys {
                #expect(keys.insert(key).inserted, "\(key.name) is bound twice")
                #expect(KeyBindings.binding(for: key, atWatchlist: binding.scope == .watchlist || binding.scope == .everywhere, atAlerts: binding.scope == .alerts,
                                            atOverview: binding.scope == .overview)?.command == binding.command)
            }
            #expect(DisplayWidth.of(binding.help) <= 22, "\(binding.help) is too long for two columns at 80")
        }
        #expect(KeyBindings.binding(for: .character("s"), atWatchlist: false) == nil, "s sorts only the watchlist")
        #expect(KeyBindings.binding(for: .character("z"), atWatchlist: true) == nil, "z snoozes only on the alerts screen")
        #expect(KeyBindings.binding(for: .character("w"), atWatchlist: true, atAlerts: true) == nil, "w changes the window only on the overview")
        // The overlay lists every binding with its words, in two columns at 80x24 without scrolling.
        var state = loaded([row(1, "ORD-1")])
        _ = Dashboard.update(&state, .key(.character("?")))
        let help = Dashboard.render(state).text
        for binding in KeyBindings.all {
            #expect(help.contains(binding.keyNames) && help.contains(binding.help), "the help misses \(binding.keyNames)")
        }
        for (what, does) in KeyBindings.mouse { #expect(help.contains(what) && help.contains(does)) }
        #expect(!help.contains("↓ more"))
        // At 60x12 it scrolls, and any other key closes it.
        _ = Dashboard.update(&state, .resize(Size(width: 60, height: 12)))
        #expect(Dashboard.render(state).text.contains("↓ more: j/k"))
        _ = Dashboard.update(&state, .key(.character("j")))
        #expect(state.overlay == .help && state.helpTop == 1)
        _ = Dashboard.update(&state, .key(.character("x")))
        #expect(state.overlay == nil)
    }

    // MARK: - Mouse

    @Test func clicksSelectOpenScrollAndGoBack() {
        var state = loaded((1...30).map { row(Int64($0), String(format: "ORD-%02d", $0)) })
        // Row 2 of the screen is the first order; a click on row 6 selects the fifth.
        _ = Dashboard.update(&state, .mouse(MouseEvent(.click, x: 5, y: 6)))
        #expect(state.frame.selected == 4)
        _ = Dashboard.update(&state, .mouse(MouseEvent(.wheelDown, x: 5, y: 6)))
        #expect(state.frame.selected == 7)
        // A click on the header, the flash or the status line selects nothing.
        for y in [1, 22, 23] { _ = Dashboard.update(&state, .mouse(MouseEvent(.click, x: 5, y: y))) }
        #expect(state.frame.selected == 7)
        // A double click opens the order under it.
        #expect(Dashboard.update(&state, .mouse(MouseEvent(.doubleClick, x: 5, y: 3))) == [.loadDetail(2)])
        #expect(state.frame.view == .order(2))
        _ = Dashboard.update(&state, .detailLoaded(2, Detail(report: B.order([B.transaction("t2", refunds: [B.refund("r2")])]), history: [])))
        _ = Dashboard.update(&state, .key(.enter))
        #expect(state.stack.count == 3)
        // A click on "Watchlist" in the breadcrumb goes back there; on the segment you are at, nothing.
        let title = Dashboard.render(state).lines[0]
        let orderColumn = try! #require(title.range(of: "ORD-02")).lowerBound.utf16Offset(in: title)
        _ = Dashboard.update(&state, .mouse(MouseEvent(.click, x: orderColumn + 1, y: 0)))
        #expect(state.stack.map(\.view) == [.watchlist, .order(2)])
        _ = Dashboard.update(&state, .mouse(MouseEvent(.click, x: orderColumn + 1, y: 0)))
        #expect(state.stack.count == 2)
        _ = Dashboard.update(&state, .mouse(MouseEvent(.click, x: 15, y: 0)))
        #expect(state.stack.map(\.view) == [.watchlist])
        // mouse = false: the dashboard ignores it (the terminal selects text instead).
        state.mouse = false
        _ = Dashboard.update(&state, .mouse(MouseEvent(.click, x: 5, y: 10)))
        #expect(state.frame.selected == 1)
    }
}
