import Foundation
import Testing
import RefundModel
import WatchlistModel
@testable import DashboardCore
import TestReports

@Suite struct DashboardUpdateTests {
    typealias B = ReportBuilder
    let t0 = Date(timeIntervalSince1970: 1_795_000_000)

    func row(_ id: Int64, _ reference: String, failedRefund: Bool = false, changedAt: Date? = nil, failure: Bool = false) -> WatchedOrder {
        Watchlists.row(id, reference, stage: failedRefund ? .failed : .success, changedAt: changedAt, failure: failure)
    }

    func loaded(_ rows: [WatchedOrder], size: Size = Size(width: 80, height: 24)) -> DashboardState {
        Watchlists.loaded(rows, size: size, timeZone: nil)
    }

    @Test func theWatchlistPutsWhatNeedsAttentionFirst() {
        let state = loaded([row(1, "ORD-A"), row(2, "ORD-B", failure: true), row(3, "ORD-C", failedRefund: true), row(4, "ORD-D", changedAt: t0)])
        #expect(state.sortedRows.map(\.order.referenceID) == ["ORD-C", "ORD-B", "ORD-D", "ORD-A"])
        var sorted = state
        _ = Dashboard.update(&sorted, .key(.character("s")))
        #expect(sorted.sort == .recent)
        _ = Dashboard.update(&sorted, .key(.character("s")))
        #expect(sorted.sortedRows.map(\.order.referenceID) == ["ORD-A", "ORD-B", "ORD-C", "ORD-D"])
    }

    @Test func movingKeysStayInsideTheList() {
        var state = loaded((1...50).map { row(Int64($0), String(format: "ORD-%02d", $0)) })
        for key: Key in [.down, .character("j"), .down] { _ = Dashboard.update(&state, .key(key)) }
        #expect(state.frame.selected == 3)
        _ = Dashboard.update(&state, .key(.up))
        _ = Dashboard.update(&state, .key(.character("k")))
        #expect(state.frame.selected == 1)
        _ = Dashboard.update(&state, .key(.character("G")))
        #expect(state.frame.selected == 49)
        #expect(state.frame.top == 50 - (24 - 4))
        _ = Dashboard.update(&state, .key(.down))
        #expect(state.frame.selected == 49)
        _ = Dashboard.update(&state, .key(.character("g")))
        #expect(state.frame == Frame(.watchlist))
        _ = Dashboard.update(&state, .key(.pageDown))
        #expect(state.frame.selected == 19)
        _ = Dashboard.update(&state, .key(.pageUp))
        #expect(state.frame.selected == 0)
        // A smaller terminal keeps the cursor on screen.
        _ = Dashboard.update(&state, .key(.character("G")))
        _ = Dashboard.update(&state, .resize(Size(width: 80, height: 14)))
        #expect(state.frame.top == 50 - 10)
    }

    @Test func enterDrillsInAndEscapeComesBack() {
        var state = loaded([row(7, "ORD-7")])
        #expect(Dashboard.update(&state, .key(.enter)) == [.loadDetail(7)])
        #expect(state.frame.view == .order(7))
        #expect(state.seen[7] == t0)
        // Nothing to open until the report is there.
        #expect(Dashboard.update(&state, .key(.enter)).isEmpty)
        #expect(state.frame.view == .order(7))
        let report = B.order([B.transaction("t7", refunds: [B.refund("r7")])])
        _ = Dashboard.update(&state, .detailLoaded(7, Detail(report: report, history: [])))
        _ = Dashboard.update(&state, .key(.character("l")))
        #expect(state.frame.view == .transaction(7, transaction: 0))
        _ = Dashboard.update(&state, .key(.enter))
        #expect(state.frame.view == .refund(7, transaction: 0, refund: 0))
        #expect(state.stack.count == 4)
        for key: Key in [.escape, .character("h"), .backspace, .left] { _ = Dashboard.update(&state, .key(key)) }
        #expect(state.stack == [Frame(.watchlist)])
    }

    @Test func refreshKeysAskForTheOrdersOnScreenOrAll() {
        var state = loaded([row(1, "ORD-1"), row(2, "ORD-2")])
        #expect(Dashboard.update(&state, .key(.character("R"))) == [.refresh(state.rows.map(\.order))])
        #expect(state.inFlight == [1, 2])
        #expect(state.refreshTotal == 2)
        // Already in flight: asking again sends nothing twice.
        #expect(Dashboard.update(&state, .key(.character("r"))).isEmpty)
        _ = Dashboard.update(&state, .fetched(1, row: row(1, "ORD-1", changedAt: t0), error: nil))
        #expect(state.refreshDone == 1)
        #expect(state.rows[0].changedAt == t0)
        let error = ReportedError(category: .server, service: .kaleyra, message: "Kaleyra answered 503")
        _ = Dashboard.update(&state, .fetched(2, row: row(2, "ORD-2", failure: true), error: error))
        #expect(!state.isRefreshing)
        #expect(state.flash?.message == "ORD-2: Kaleyra answered 503")
        #expect(state.rows[1].summary != nil)
        #expect(state.nextRefresh == t0.addingTimeInterval(30))

        var inside = loaded([row(1, "ORD-1"), row(2, "ORD-2")])
        _ = Dashboard.update(&inside, .key(.down))
        _ = Dashboard.update(&inside, .key(.enter))
        #expect(Dashboard.update(&inside, .key(.character("r"))) == [.refresh([inside.rows.first { $0.order.id == inside.frame.view.orderID }!.order])])
    }

    @Test func theIntervalRefreshesOnTheWallClockAndPauses() {
        // The row was fetched an hour ago: the first tick refreshes it.
        let hour = t0.addingTimeInterval(3_600)
        var state = DashboardState(now: hour, wall: hour, size: Size(width: 80, height: 24), interval: 30)
        _ = Dashboard.update(&state, .watchlistLoaded([row(1, "ORD-1")]))
        #expect(Dashboard.update(&state, .tick(now: hour, wall: hour)) == [.refresh([state.rows[0].order])])
        _ = Dashboard.update(&state, .fetched(1, row: Self.fetched(row(1, "ORD-1"), at: hour), error: nil))
        #expect(Dashboard.update(&state, .tick(now: hour + 29, wall: hour + 29)).isEmpty)
        #expect(Dashboard.update(&state, .tick(now: hour + 30, wall: hour + 30)).count == 1)
        _ = Dashboard.update(&state, .fetched(1, row: Self.fetched(row(1, "ORD-1"), at: hour + 30), error: nil))
        _ = Dashboard.update(&state, .key(.character("p")))
        #expect(state.paused)
        #expect(Dashboard.update(&state, .tick(now: hour + 600, wall: hour + 600)).isEmpty)
        _ = Dashboard.update(&state, .key(.character("p")))
        #expect(state.nextRefresh == hour + 630)
        _ = Dashboard.update(&state, .key(.character("+")))
        #expect(state.interval == 60)
        #expect(state.flash?.message == "refresh every 1m")
        for _ in 0..<20 { _ = Dashboard.update(&state, .key(.character("-"))) }
        #expect(state.interval == 5)
    }

    static func fetched(_ row: WatchedOrder, at date: Date) -> WatchedOrder {
        var row = row
        row.fetchedAt = date
        row.attemptedAt = date
        return row
    }

    @Test func aRoundFetchesWhatIsDueAndTheStatusLineSaysWhenTheRestIs() throws {
        let day: TimeInterval = 86_400
        func settled(_ id: Int64, _ reference: String, daysAgo: Double) -> WatchedOrder {
            let record = ReportBuilder.record("r\(id)", status: .success, arn: "A\(id)", settlement: "S\(id)")
            let refund = ReportBuilder.refund("r\(id)", status: .success, created: t0.addingTimeInterval(-daysAgo * day), payu: record)
            var transaction = ReportBuilder.transaction("t\(id)", refunds: [refund])
            transaction.transaction.updated = .known(t0.addingTimeInterval(-daysAgo * day))
            let summary = OrderSummary(ReportBuilder.order([transaction]), rules: DeadlineRules())
            return WatchedOrder(order: TrackedOrder(id: id, referenceID: reference, addedAt: t0), summary: summary, fetchedAt: t0)
        }
        let rows = [row(1, "ORD-ACTIVE"), settled(2, "ORD-SETTLED", daysAgo: 2), settled(3, "ORD-ARCHIVED", daysAgo: 20),
                    Self.fetched(row(4, "ORD-LATER"), at: t0 + 10)]
        var state = DashboardState(now: t0, size: Size(width: 120, height: 24), interval: 30)
        _ = Dashboard.update(&state, .watchlistLoaded(rows))
        state.nextRefresh = t0 + 30
        _ = Dashboard.update(&state, .tick(now: t0 + 12, wall: t0 + 12))
        #expect(Dashboard.render(state).lines.last?.hasPrefix(" updated 12s ago · 2 due in 18s · 1 settled, next in 6h · 1 archived · every 30s") == true,
                "\(Dashboard.render(state).lines.last ?? "")")
        // The round at 30 s takes the active orders (ORD-LATER is due at 40 s: within half an
        // interval, so with them), not the settled or the archived one.
        let round = Dashboard.update(&state, .tick(now: t0 + 30, wall: t0 + 30))
        #expect(round == [.refresh([rows[0].order, rows[3].order])])
        // The archived row is dimmed and says so; R fetches it too.
        let screen = Dashboard.render(state)
        let archivedLine = try #require(screen.lines.first { $0.contains("ORD-ARCHIVED") })
        #expect(archivedLine.hasSuffix("archived"), "\(archivedLine)")
        _ = Dashboard.update(&state, .fetched(1, row: nil, error: nil))
        _ = Dashboard.update(&state, .fetched(4, row: nil, error: nil))
        #expect(Dashboard.update(&state, .key(.character("R"))) == [.refresh(rows.map(\.order))])
    }

    @Test func countsAndIntervalsInTheDashboardsWords() {
        #expect([0, 7, 999, 1_000, 9_812, 1_234_567].map(Format.count) == ["0", "7", "999", "1,000", "9,812", "1,234,567"])
        #expect([59, 60, 90, 3_600, 18_000, 172_799, 1_209_600].map { Format.interval(TimeInterval($0)) } == ["59s", "1m", "1m 30s", "1h", "5h", "2d", "14d"])
    }

    @Test func aPauseTheAPIAskedForLeadsTheStatusLineUntilItEnds() {
        var state = DashboardState(now: t0.addingTimeInterval(10), wall: t0, size: Size(width: 100, height: 24), interval: 30)
        _ = Dashboard.update(&state, .watchlistLoaded([row(1, "ORD-1")]))
        #expect(Dashboard.update(&state, .slowdowns([RateSlowdown(service: .kaleyra, resumesAt: t0.addingTimeInterval(11.2))])).isEmpty)
        #expect(Dashboard.render(state).lines.last?.hasPrefix(" Kaleyra asked us to slow down: resuming in 12s · updated 10s ago · 1 due in 20s") == true,
                "\(Dashboard.render(state).lines.last ?? "")")
        _ = Dashboard.update(&state, .tick(now: t0.addingTimeInterval(22), wall: t0.addingTimeInterval(12)))
        #expect(Dashboard.render(state).lines.last?.hasPrefix(" updated 22s ago · 1 due in 8s") == true, "a pause that ended is not shown")
    }

    @Test func dataFetchedMomentsAgoIsNotFetchedAgainAtStart() {
        var state = DashboardState(now: t0.addingTimeInterval(10), wall: t0, size: Size(width: 80, height: 24), interval: 30)
        _ = Dashboard.update(&state, .watchlistLoaded([row(1, "ORD-1")]))
        #expect(state.nextRefresh == t0.addingTimeInterval(20))
        #expect(Dashboard.render(state).lines.last?.hasPrefix(" updated 10s ago · 1 due in 20s · every 30s") == true)
        #expect(Dashboard.update(&state, .tick(now: t0.addingTimeInterval(29), wall: t0.addingTimeInterval(19))).isEmpty)
        #expect(Dashboard.update(&state, .tick(now: t0.addingTimeInterval(30), wall: t0.addingTimeInterval(20))) == [.refresh([state.rows[0].order])])
        // A watchlist never fetched is fetched at once — also when a tick came before it was loaded
        // (a large file loads for a moment): nothing is scheduled until the rows are there.
        var fresh = DashboardState(now: t0, size: Size(width: 80, height: 24), interval: 30)
        #expect(Dashboard.update(&fresh, .tick(now: t0, wall: t0)).isEmpty)
        #expect(fresh.nextRefresh == t0)
        _ = Dashboard.update(&fresh, .watchlistLoaded([WatchedOrder(order: TrackedOrder(id: 1, referenceID: "ORD-1", addedAt: t0))]))
        #expect(Dashboard.update(&fresh, .tick(now: t0.addingTimeInterval(1), wall: t0.addingTimeInterval(1))).count == 1)
    }

    @Test func flashesFadeAndHelpOpensAndCloses() {
        var state = loaded([row(1, "ORD-1")])
        _ = Dashboard.update(&state, .failed("database x: disk full"))
        #expect(state.flash?.isError == true)
        _ = Dashboard.update(&state, .tick(now: t0, wall: t0.addingTimeInterval(5)))
        #expect(state.flash != nil)
        _ = Dashboard.update(&state, .tick(now: t0, wall: t0.addingTimeInterval(9)))
        #expect(state.flash == nil)
        _ = Dashboard.update(&state, .key(.character("?")))
        #expect(state.overlay == .help)
        _ = Dashboard.update(&state, .key(.down))
        #expect(state.overlay == nil)
        #expect(state.frame.selected == 0)
        #expect(Dashboard.update(&state, .key(.character("q"))) == [.quit])
    }

    @Test func tCyclesTheShippedThemes() {
        var state = loaded([])
        #expect(Dashboard.update(&state, .key(.character("t"))) == [.switchTheme("light")])
        _ = Dashboard.update(&state, .themeChanged("light"))
        #expect(Dashboard.update(&state, .key(.character("t"))) == [.switchTheme("high-contrast")])
        state.themeName = "mono"
        #expect(Dashboard.update(&state, .key(.character("t"))) == [.switchTheme("default")])
    }

    @Test func slashFiltersTheWatchlistAsYouTypeAndEscClearsIt() {
        var state = loaded([row(1, "ORD-AAA-1"), row(2, "ORD-BBB-2", failure: true), row(3, "ORD-AAA-3")])
        _ = Dashboard.update(&state, .key(.character("/")))
        #expect(state.editingFilter)
        for character in "aaa" { _ = Dashboard.update(&state, .key(.character(character))) }
        #expect(state.visibleRows.map(\.order.referenceID) == ["ORD-AAA-1", "ORD-AAA-3"])
        // While typing, letters are the filter's: q does not quit, j does not move.
        #expect(Dashboard.update(&state, .key(.character("q"))).isEmpty)
        _ = Dashboard.update(&state, .key(.backspace))
        _ = Dashboard.update(&state, .key(.enter))
        #expect(!state.editingFilter)
        #expect(state.filter == "aaa")
        _ = Dashboard.update(&state, .key(.down))
        #expect(Dashboard.update(&state, .key(.enter)) == [.loadDetail(3)])
        _ = Dashboard.update(&state, .key(.escape))
        #expect(state.filter == "aaa")
        _ = Dashboard.update(&state, .key(.escape))
        #expect(state.filter.isEmpty)
        #expect(state.visibleRows.count == 3)
        // By status words, by the error, by ARN.
        state.filter = "did not answer"
        #expect(state.visibleRows.map(\.order.referenceID) == ["ORD-BBB-2"])
        state.filter = "settled"
        #expect(state.visibleRows.isEmpty)
    }

    @Test func theCursorStaysOnItsOrderWhenRowsMove() {
        var state = loaded([row(1, "ORD-1"), row(2, "ORD-2"), row(3, "ORD-3")])
        _ = Dashboard.update(&state, .key(.character("G")))
        #expect(state.visibleRows[state.frame.selected].order.id == 3)
        // A refresh finds ORD-3 changed and ORD-1 failing: the order moves, the cursor with it.
        _ = Dashboard.update(&state, .fetched(1, row: row(1, "ORD-1", failedRefund: true), error: nil))
        #expect(state.visibleRows.map(\.order.id) == [1, 2, 3])
        _ = Dashboard.update(&state, .fetched(3, row: row(3, "ORD-3", failedRefund: true, changedAt: t0), error: nil))
        #expect(state.visibleRows.map(\.order.id) == [3, 1, 2])
        #expect(state.visibleRows[state.frame.selected].order.id == 3)
    }
}
