import Foundation
import Testing
import RefundModel
import WatchlistModel
@testable import DashboardCore
import TestReports

/// A dashboard on a store where pollers run: it shows what they store and leaves the fetching to
/// them; `r` and `R` ask them.
@Suite struct DashboardPollerTests {
    let t0 = Watchlists.t0

    func presence(_ id: String, sinceCycle: TimeInterval?) -> PollerPresence {
        PollerPresence(id: id, host: "h", pid: 1, sinceBeat: 1, sinceCycle: sinceCycle)
    }

    /// Loaded with three orders, none due for half an hour (the interval is 30 s: due ones are
    /// made with `due`), and `pollers` seen.
    func withPollers(_ pollers: [PollerPresence], width: Int = 100) -> DashboardState {
        var state = Watchlists.loaded([Watchlists.row(1, "ORD-1"), Watchlists.row(2, "ORD-2"), Watchlists.row(3, "ORD-3")],
                                      size: Size(width: width, height: 24))
        _ = Dashboard.update(&state, .pollersSeen(pollers))
        return state
    }

    func statusLine(_ state: DashboardState) -> String {
        Dashboard.render(state).lines[state.size.height - 1]
    }

    /// `refundwatch listen` on the same store: the status line says when each source last pushed,
    /// the latest first, and a narrow terminal gives that part up before the pollers'.
    @Test func theStatusLineSaysWhenEachSourceLastPushed() {
        var state = withPollers([presence("a", sinceCycle: 14)], width: 120)
        #expect(!statusLine(state).contains("pushed"), "no push yet: \(statusLine(state))")
        _ = Dashboard.update(&state, .pushesSeen([.kaleyra: state.wall.addingTimeInterval(-12), .payuARN: state.wall.addingTimeInterval(-3 * 3_600)]))
        #expect(statusLine(state).hasPrefix(" live · 1 poller · last cycle 14s ago · pushed: Kaleyra 12s ago, PayU ARN 3h ago  "), "\(statusLine(state))")
        _ = Dashboard.update(&state, .resize(Size(width: 60, height: 24)))
        #expect(!statusLine(state).contains("pushed") && statusLine(state).contains("live · 1 poller"), "\(statusLine(state))")
    }

    /// The demo's own receiver (`--demo --push`) took a push: the orders waiting are fetched here
    /// at once, unless pollers run (the store asked them) or nothing is fetched here.
    @Test func aPushTakenHereFetchesTheOrdersItAskedForAtOnce() {
        var state = withPollers([], width: 120)
        let pushes: [PushSource: Date] = [.kaleyra: state.wall]
        let effects = Dashboard.update(&state, .pushed(asked: [2, 99], pushes: pushes))
        #expect(effects == [.refresh([Watchlists.row(2, "ORD-2").order])], "the order on the watchlist, fetched now: \(effects)")
        #expect(state.lastPushes == pushes && state.inFlight == [2])
        #expect(statusLine(state).contains("pushed: Kaleyra just now"), "\(statusLine(state))")
        var polled = withPollers([presence("a", sinceCycle: 3)])
        #expect(Dashboard.update(&polled, .pushed(asked: [2], pushes: pushes)) == [], "the pollers fetch it")
    }

    /// Three sources do not fit beside the pollers at 100 columns: the latest alone does, then
    /// only its age.
    @Test func thePushesGoShorterBeforeTheyGo() {
        var state = withPollers([presence("a", sinceCycle: 14)], width: 100)
        _ = Dashboard.update(&state, .pushesSeen([.payuRefundStatus: state.wall.addingTimeInterval(-5), .payuWebhook: state.wall.addingTimeInterval(-30),
                                                  .kaleyra: state.wall.addingTimeInterval(-31)]))
        #expect(statusLine(state).hasPrefix(" live · 1 poller · last cycle 14s ago · pushed: PayU refund status 5s ago  "), "\(statusLine(state))")
        _ = Dashboard.update(&state, .resize(Size(width: 72, height: 24)))
        #expect(statusLine(state).hasPrefix(" live · 1 poller · last cycle 14s ago · pushed 5s ago  "), "\(statusLine(state))")
    }

    /// With no poller (`listen` fetching what pushes ask for, or this dashboard), the pushes come
    /// right after the freshness, before the schedule, which goes first when the line is short.
    @Test func withoutPollersThePushesComeBeforeTheSchedule() {
        var state = withPollers([], width: 120)
        _ = Dashboard.update(&state, .pushesSeen([.payuRefundStatus: state.wall.addingTimeInterval(-5)]))
        let line = statusLine(state)
        #expect(line.contains(" · pushed: PayU refund status 5s ago · "), "\(line)")
        let pushed = try? #require(line.range(of: "pushed:"))
        let schedule = line.range(of: "every ")
        #expect(pushed != nil && schedule != nil && pushed!.lowerBound < schedule!.lowerBound, "\(line)")
        _ = Dashboard.update(&state, .resize(Size(width: 60, height: 24)))
        #expect(!statusLine(state).contains("every "), "\(statusLine(state))")
    }

    @Test func withPollersRunningNothingIsFetchedHereAndTheStatusLineSaysLive() {
        var state = withPollers([presence("a", sinceCycle: 14), presence("b", sinceCycle: 40)])
        // Everything is due (never fetched by this dashboard's clock): still no refresh.
        let effects = Dashboard.update(&state, .tick(now: t0 + 3_600, wall: t0 + 3_600))
        #expect(!effects.contains { if case .refresh = $0 { true } else { false } }, "\(effects)")
        #expect(statusLine(state).hasPrefix(" live · 2 pollers · last cycle "), "\(statusLine(state))")
        var fresh = withPollers([presence("a", sinceCycle: 14), presence("b", sinceCycle: 40)])
        #expect(statusLine(fresh).hasPrefix(" live · 2 pollers · last cycle 14s ago"), "\(statusLine(fresh))")
        _ = Dashboard.update(&fresh, .pollersSeen([presence("a", sinceCycle: nil)]))
        #expect(statusLine(fresh).hasPrefix(" live · 1 poller · first cycle running"), "\(statusLine(fresh))")
    }

    @Test func rAndRAskThePollersAndTheRowsSayWhenTheyAreDone() {
        var state = withPollers([presence("a", sinceCycle: 3)])
        #expect(Dashboard.update(&state, .key(.character("R"))) == [.requestFetch([1, 2, 3])])
        #expect(Dashboard.update(&state, .key(.character("r"))) == [.requestFetch([1, 2, 3])], "the orders on screen")
        _ = Dashboard.update(&state, .key(.down))
        _ = Dashboard.update(&state, .key(.enter))
        let open = state.frame.view.orderID!
        #expect(Dashboard.update(&state, .key(.character("r"))) == [.requestFetch([open])], "the order open")
        #expect(state.inFlight.isEmpty, "nothing is fetched here")
        _ = Dashboard.update(&state, .key(.escape))

        // The request stored: the flash says so and the status line counts what is asked for.
        var asked = Watchlists.row(2, "ORD-2")
        asked.requestedAt = t0
        _ = Dashboard.update(&state, .rowsChanged([2], rows: [asked]))
        _ = Dashboard.update(&state, .requested([2]))
        #expect(state.flash?.message == "asked the 1 poller to fetch 1 order now")
        #expect(statusLine(state).contains("live · 1 poller · last cycle just now · 1 asked for  "), "\(statusLine(state))")
        // A poller stored it: no longer asked for.
        var fetched = Watchlists.row(2, "ORD-2", stage: .failed)
        fetched.attempts = 1
        _ = Dashboard.update(&state, .rowsChanged([2], rows: [fetched]))
        #expect(state.requested.isEmpty)
        #expect(state.row(id: 2)?.summary?.stages["failed"] == 1)
        #expect(!statusLine(state).contains("asked for"))
    }

    @Test func rowsOtherProcessesChangedAreUpdatedAddedAndRemovedInPlace() {
        var state = withPollers([presence("a", sinceCycle: 3)])
        _ = Dashboard.update(&state, .key(.enter))
        #expect(state.frame.view == .order(state.visibleRow(0)!.order.id!))
        let open = state.frame.view.orderID!
        let changed = Watchlists.row(open, "ORD-\(open)", stage: .failed)
        #expect(Dashboard.update(&state, .rowsChanged([open], rows: [changed])) == [.loadDetail(open)], "the open order shows its new report")
        _ = Dashboard.update(&state, .rowsChanged([4], rows: [Watchlists.row(4, "ORD-4")]))
        #expect(state.rows.map(\.order.id) == [1, 2, 3, 4], "an order added elsewhere")
        _ = Dashboard.update(&state, .rowsChanged([open], rows: []))
        #expect(state.row(id: open) == nil && state.frame.view == .watchlist, "removed elsewhere: its screen closes")
        #expect(state.totals == Watchlists.loaded(state.rows).totals)
    }

    @Test func anOrderAddedHereIsLeftToThePollers() {
        var state = withPollers([presence("a", sinceCycle: 3)])
        let added = TrackedOrder(id: 4, referenceID: "ORD-4", addedAt: t0)
        #expect(Dashboard.update(&state, .tracked(added: [WatchedOrder(order: added)], alreadyTracked: [])).isEmpty, "a poller wakes for it")
        #expect(state.flash?.message == "added ORD-4 to the watchlist")
        var alone = Watchlists.loaded([Watchlists.row(1, "ORD-1")])
        #expect(Dashboard.update(&alone, .tracked(added: [WatchedOrder(order: added)], alreadyTracked: [])) == [.refresh([added])], "alone: fetched here")
    }

    @Test func whenTheLastPollerStopsTheDashboardFetchesAgain() {
        var state = withPollers([presence("a", sinceCycle: 3)])
        _ = Dashboard.update(&state, .pollersSeen([]))
        #expect(state.flash?.message == "no poller is running any more: this dashboard fetches what is due itself")
        let effects = Dashboard.update(&state, .tick(now: t0 + 3_600, wall: t0 + 3_600))
        #expect(effects.contains { if case .refresh = $0 { true } else { false } }, "\(effects)")
        #expect(!statusLine(state).contains("live"))
    }

    @Test func aReadOnlyDashboardAsksNothingOfThePollers() {
        var state = withPollers([presence("a", sinceCycle: 3)])
        state.readOnly = true
        #expect(Dashboard.update(&state, .key(.character("R"))).isEmpty)
        #expect(state.flash?.message.hasPrefix("read-only (--no-fetch)") == true)
    }

    @Test func theFirstPageIsShownWithTheWholeWatchlistsCountsUntilTheWholeWatchlistIsRead() {
        var state = DashboardState(now: t0, size: Size(width: 100, height: 24), interval: 30)
        let page = WatchlistPage(rows: [Watchlists.row(7, "ORD-7", stage: .failed), Watchlists.row(3, "ORD-3")],
                                 totals: WatchlistTotals(orders: 100_000, pending: 12_345, overdue: 67, failing: 8))
        _ = Dashboard.update(&state, .watchlistPage(page))
        let screen = Dashboard.render(state).lines
        #expect(screen[0].contains("100000 orders · 12345 pending · 67 overdue · 8 failing"), "\(screen[0])")
        #expect(screen.contains { $0.contains("ORD-7") } && screen.contains { $0.contains("ORD-3") })
        #expect(statusLine(state).hasPrefix(" loading all 100,000 orders…"), "\(statusLine(state))")
        #expect(Dashboard.update(&state, .tick(now: t0 + 60, wall: t0 + 60)).isEmpty, "nothing fetched on the first page alone")

        _ = Dashboard.update(&state, .watchlistLoaded([Watchlists.row(3, "ORD-3"), Watchlists.row(7, "ORD-7", stage: .failed), Watchlists.row(9, "ORD-9")]))
        #expect(state.totals.orders == 3 && state.pageTotals == nil)
        #expect(Dashboard.render(state).lines[0].contains("3 orders"))
        // A page that arrives after the whole watchlist (a slow read) changes nothing.
        _ = Dashboard.update(&state, .watchlistPage(page))
        #expect(state.rows.count == 3 && state.totals.orders == 3)
    }

    /// An order another process adds is never fetched yet: it sorts below every order that needs
    /// attention, so a long watchlist's first screen does not change for it.
    @Test func anOrderAddedElsewhereGoesBelowTheOrdersThatNeedAttention() {
        var state = DashboardState(now: t0, size: Size(width: 200, height: 50), interval: 30)
        let rows = (1...300).map { Watchlists.row(Int64($0), String(format: "ORD-%05d", $0), stage: .failed) }
        _ = Dashboard.update(&state, .watchlistLoaded(rows))
        _ = Dashboard.update(&state, .pollersSeen([presence("a", sinceCycle: 3)]))
        let added = WatchedOrder(order: TrackedOrder(id: 999, referenceID: "AAAAAAAAAAAAAA", addedAt: t0))
        _ = Dashboard.update(&state, .rowsChanged([999], rows: [added]))
        let screen = Dashboard.render(state).lines
        #expect(!screen.contains { $0.contains("AAAAAAAAAAAAAA") }, "\(screen.joined(separator: "\n"))")
        #expect(state.sortedRows.last?.order.id == 999)
    }

    @Test func watchingStartsOnceTheWholeWatchlistIsReadFromItsMark() {
        var state = DashboardState(now: t0, size: Size(width: 100, height: 24), interval: 30)
        #expect(Dashboard.update(&state, .watchlistPage(WatchlistPage(rows: [Watchlists.row(1, "ORD-1")], totals: WatchlistTotals(orders: 3)))).isEmpty,
                "nothing is watched on the first page alone")
        let effects = Dashboard.update(&state, .watchlistLoaded([Watchlists.row(1, "ORD-1"), Watchlists.row(2, "ORD-2")], mark: 17))
        #expect(effects == [.subscribe(.changes(after: 17)), .subscribe(.pollers), .subscribe(.views), .subscribe(.slowdowns), .subscribe(.pushes), .loadAlerts])
        // Another process's whole watchlist later (an SQLite file changed) is taken as it is, and
        // starts nothing again.
        #expect(Dashboard.update(&state, .watchlistLoaded([Watchlists.row(1, "ORD-1")])).isEmpty)
        #expect(state.rows.count == 1)
        // A read-only dashboard fetches nothing, so the APIs' pauses are nothing to it.
        var readOnly = DashboardState(now: t0, size: Size(width: 100, height: 24), interval: 30)
        readOnly.readOnly = true
        #expect(Dashboard.update(&readOnly, .watchlistLoaded([], mark: 3)) == [.subscribe(.changes(after: 3)), .subscribe(.pollers), .subscribe(.views), .loadAlerts])
    }
}
