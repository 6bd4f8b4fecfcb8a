import Foundation
import Testing
import RefundModel
import WatchlistModel
@testable import DashboardCore
import TestReports

/// Who decides what a key does: the open screen's component for what means something there, the
/// dashboard for what is global; and a read-only (`--no-fetch`) dashboard, where no command builds
/// an effect that fetches or writes.
@Suite struct DashboardCommandTests {
    let t0 = Watchlists.t0

    func type(_ text: String, _ state: inout DashboardState) {
        for character in text { _ = Dashboard.update(&state, .key(.character(character))) }
    }

    /// A row settled long ago: archived, no longer polled.
    func archived(_ id: Int64, _ reference: String) -> WatchedOrder {
        var row = Watchlists.row(id, reference)
        row.summary?.settledAt = t0.addingTimeInterval(-30 * 86_400)
        return row
    }

    @Test func rOnTheWatchlistFetchesTheRowsTheFilterShowsButNotArchivedOnes() throws {
        var state = Watchlists.loaded([Watchlists.row(1, "ORD-A1"), Watchlists.row(2, "ORD-B2"), archived(3, "ORD-A3"), Watchlists.row(4, "ORD-A4")])
        _ = Dashboard.update(&state, .key(.character("/")))
        type("ORD-A", &state)
        _ = Dashboard.update(&state, .key(.enter))
        #expect(state.visibleCount == 3)
        let effects = Dashboard.update(&state, .key(.character("r")))
        let refresh = try #require(effects.first)
        guard case .refresh(let orders) = refresh else { Issue.record("expected a refresh, got \(effects)"); return }
        #expect(orders.map(\.referenceID) == ["ORD-A1", "ORD-A4"], "shown and not archived")
        // R fetches everything, archived or not.
        var all = Watchlists.loaded([Watchlists.row(1, "ORD-A1"), archived(3, "ORD-A3")])
        guard case .refresh(let everything)? = Dashboard.update(&all, .key(.character("R"))).first else { Issue.record("R fetched nothing"); return }
        #expect(everything.map(\.referenceID) == ["ORD-A1", "ORD-A3"])
        // With only archived rows shown, r says what to do instead.
        var old = Watchlists.loaded([archived(3, "ORD-A3")])
        #expect(Dashboard.update(&old, .key(.character("r"))).isEmpty)
        #expect(old.flash?.message.hasPrefix("the orders shown are archived") == true)
        // On an archived order's own screen r fetches it.
        _ = Dashboard.update(&old, .key(.enter))
        #expect(Dashboard.update(&old, .key(.character("r"))) == [.refresh([archived(3, "ORD-A3").order])])
    }

    @Test func aReadOnlyDashboardBuildsNoEffectThatFetchesOrWrites() {
        var state = Watchlists.loaded([Watchlists.row(1, "ORD-1"), Watchlists.row(2, "ORD-2")])
        state.readOnly = true
        let refusal = "read-only (--no-fetch): nothing is fetched or changed here; what a poller stores shows within a second"
        for key in ["r", "R", "a", "d"] {
            state.flash = nil
            #expect(Dashboard.update(&state, .key(.character(Character(key)))).isEmpty, "\(key)")
            #expect(state.flash?.message == refusal, "\(key) says why")
            #expect(state.prompt == nil, "\(key) opens no prompt it could not act on")
        }
        // o finds an order on the watchlist (nothing fetched)…
        _ = Dashboard.update(&state, .key(.character("o")))
        type("ORD-2", &state)
        #expect(Dashboard.update(&state, .key(.enter)) == [.loadDetail(2)])
        #expect(state.frame.view == .order(2))
        // …and looks nothing up.
        _ = Dashboard.update(&state, .key(.escape))
        _ = Dashboard.update(&state, .key(.character("o")))
        type("ORD-9", &state)
        #expect(Dashboard.update(&state, .key(.enter)).isEmpty)
        #expect(state.flash?.message == refusal)
        #expect(state.lookups.isEmpty)
        // The clock schedules nothing.
        #expect(Dashboard.update(&state, .tick(now: t0 + 3_600, wall: t0 + 3_600)).isEmpty)
    }

    @Test func theScreensOfALookedUpOrderTrackItAndAskAgainAndRemoveNothing() {
        var state = Watchlists.loaded([Watchlists.row(1, "ORD-1")])
        _ = Dashboard.update(&state, .key(.character("o")))
        type("ORD-NEW", &state)
        #expect(Dashboard.update(&state, .key(.enter)) == [.lookup(-1, referenceID: "ORD-NEW")])
        let report = ReportBuilder.order([ReportBuilder.transaction("t9", refunds: [ReportBuilder.refund("r9", status: .pending)])])
        _ = Dashboard.update(&state, .lookedUp(-1, report: report, error: nil))
        // Down in its transaction, the keys still mean the looked-up order.
        _ = Dashboard.update(&state, .key(.enter))
        #expect(state.frame.view == .transaction(-1, transaction: 0))
        #expect(Dashboard.update(&state, .key(.character("d"))).isEmpty)
        #expect(state.flash?.message == "ORD-NEW is not on the watchlist (a adds it): nothing to remove")
        #expect(Dashboard.update(&state, .key(.character("r"))) == [.lookup(-1, referenceID: "ORD-NEW")])
        #expect(Dashboard.update(&state, .key(.character("a"))) == [.track(["ORD-NEW"])])
        // On a tracked order's screen a opens the prompt, as on the watchlist.
        var tracked = Watchlists.loaded([Watchlists.row(1, "ORD-1")])
        _ = Dashboard.update(&tracked, .key(.enter))
        #expect(Dashboard.update(&tracked, .key(.character("a"))).isEmpty)
        #expect(tracked.prompt == Prompt(.track))
    }

    @Test func watchlistKeysMeanNothingOnAnOrdersScreen() {
        var state = Watchlists.loaded([Watchlists.row(1, "ORD-1"), Watchlists.row(2, "ORD-2")])
        _ = Dashboard.update(&state, .key(.enter))
        let before = state.sort
        #expect(Dashboard.update(&state, .key(.character("s"))).isEmpty)
        #expect(Dashboard.update(&state, .key(.character("/"))).isEmpty)
        #expect(state.sort == before && state.prompt == nil)
        // n opens the next order in place.
        #expect(Dashboard.update(&state, .key(.character("n"))) == [.loadDetail(2)])
        #expect(state.stack.map(\.view) == [.watchlist, .order(2)])
    }
}
