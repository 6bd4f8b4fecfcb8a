import Foundation
import Testing
import RefundModel
import WatchlistModel
@testable import DashboardCore
import TestReports

/// Deadlines where operators look: the watchlist's DEADLINE column, the deadline sort, the
/// `is:late` and `is:due` filters, the refunds table and the refund view's words for a customer.
@Suite struct DashboardDeadlineTests {
    typealias B = ReportBuilder
    let t0 = Watchlists.t0

    /// An order whose one refund is at PayU `status`, created `hoursAgo` hours before t0
    /// (Wednesday 2026-11-18 16:36:40 in India).
    func order(_ id: Int64, _ status: PayURefundStatus, createdHoursAgo hoursAgo: Double, whatsapp: RefundStatus = .pending) -> WatchedOrder {
        let refund = B.refund("r\(id)", status: whatsapp, created: t0.addingTimeInterval(-hoursAgo * 3600), payu: B.record("r\(id)", status: status))
        let summary = OrderSummary(B.order([B.transaction("t\(id)", refunds: [refund])]), rules: DeadlineRules())
        return WatchedOrder(order: TrackedOrder(id: id, referenceID: "ORD-\(id)", addedAt: t0), summary: summary, fetchedAt: t0,
                            changedAt: t0.addingTimeInterval(-Double(id)))
    }

    func type(_ text: String, _ state: inout DashboardState) {
        for character in text { _ = Dashboard.update(&state, .key(.character(character))) }
    }

    func filter(_ text: String, _ state: inout DashboardState) {
        _ = Dashboard.update(&state, .key(.character("/")))
        // The prompt starts with the filter in force: clear it first.
        for _ in 0..<(state.prompt?.text.count ?? 0) { _ = Dashboard.update(&state, .key(.backspace)) }
        type(text, &state)
        _ = Dashboard.update(&state, .key(.enter))
    }

    var watchlist: [WatchedOrder] {
        [
            order(1, .queued, createdHoursAgo: 30),       // queued: late by 6h
            order(2, .success, createdHoursAgo: 60),      // ARN: due in 12h
            order(3, .pending, createdHoursAgo: 1),       // bank: 7 business days, over a weekend: Fri 27 Nov
            order(4, .success, createdHoursAgo: 10, whatsapp: .success),  // ARN: 72 business hours, Mon 23 Nov 06:36
            Watchlists.row(5, "ORD-5"),                   // done: no deadline
        ]
    }

    @Test func theWatchlistShowsEachOrdersNearestDeadlineRedWhenLate() {
        var state = Watchlists.loaded(watchlist, size: Size(width: 100, height: 12))
        _ = Dashboard.update(&state, .key(.character("j")))   // the cursor (on ORD-2 now) off ORD-1, whose colours it would hide
        let screen = Dashboard.render(state)
        let header = screen.lines[1]
        #expect(header.contains("DEADLINE"))
        func line(_ reference: String) -> String { screen.lines.first { $0.contains(reference + " ") } ?? "" }
        #expect(line("ORD-1").contains("queued 6h late"))
        #expect(line("ORD-2").contains("ARN in 12h"))
        #expect(line("ORD-3").contains("bank in 8d"))
        #expect(line("ORD-4").contains("ARN in 4d"))
        #expect(!line("ORD-5").contains(" in ") && !line("ORD-5").contains("late"))
        // Red (the overdue role, bold) only where it is late.
        let column = header.distance(from: header.startIndex, to: header.range(of: "DEADLINE")!.lowerBound)
        let y1 = screen.lines.firstIndex { $0.contains("ORD-1 ") }!
        let y2 = screen.lines.firstIndex { $0.contains("ORD-4 ") }!
        #expect(screen[column, y1].style == Style(.overdue, bold: true))
        #expect(screen[column, y2].style.role == .muted)
        #expect(state.totals.overdue == 1)
    }

    @Test func theDeadlineSortPutsTheMostUrgentFirstAndOrdersWithoutOneLast() {
        var state = Watchlists.loaded(watchlist)
        while state.sort != .deadline { _ = Dashboard.update(&state, .key(.character("s"))) }
        #expect(state.flash?.message == "sorted by deadline")
        #expect(state.visibleRows.map(\.order.referenceID) == ["ORD-1", "ORD-2", "ORD-4", "ORD-3", "ORD-5"])
    }

    @Test func isLateAndIsDueFilterByTheClockAndMoveWithIt() {
        var state = Watchlists.loaded(watchlist)
        filter("is:late", &state)
        #expect(state.visibleRows.map(\.order.referenceID) == ["ORD-1"])
        filter("is:due", &state)
        #expect(Set(state.visibleRows.map(\.order.referenceID)) == ["ORD-1", "ORD-2"], "late, or due within 24 hours")
        // Words and conditions together: only ORD-2 of those has "2" in its id.
        filter("is:due 2", &state)
        #expect(state.visibleRows.map(\.order.referenceID) == ["ORD-2"])
        // 13 hours on, ORD-2's ARN is late too, with no fetch; on Sunday morning ORD-4's (Monday
        // 06:36) is due within a day.
        filter("is:late", &state)
        _ = Dashboard.update(&state, .tick(now: t0.addingTimeInterval(13 * 3600), wall: t0))
        #expect(Set(state.visibleRows.map(\.order.referenceID)) == ["ORD-1", "ORD-2"])
        filter("is:due", &state)
        _ = Dashboard.update(&state, .tick(now: t0.addingTimeInterval(88 * 3600), wall: t0))
        #expect(Set(state.visibleRows.map(\.order.referenceID)) == ["ORD-1", "ORD-2", "ORD-4"])
    }

    @Test func theRefundsTableAndTheRefundViewSayTheStageTheRuleAndWhatToTellTheCustomer() {
        var state = Watchlists.loaded([order(1, .queued, createdHoursAgo: 30)], size: Size(width: 100, height: 40))
        _ = Dashboard.update(&state, .key(.enter))
        let refund = B.refund("r1", created: t0.addingTimeInterval(-30 * 3600), payu: B.record("r1", status: .queued))
        _ = Dashboard.update(&state, .detailLoaded(1, Detail(report: B.order([B.transaction("t1", refunds: [refund])]), history: [])))
        _ = Dashboard.update(&state, .key(.enter))
        let table = Dashboard.render(state)
        #expect(table.lines.contains { $0.contains("DEADLINE") })
        #expect(table.lines.contains { $0.contains("r1") && $0.hasSuffix("queued 6h late") })
        _ = Dashboard.update(&state, .key(.enter))
        let view = Dashboard.render(state).lines
        #expect(view.contains { $0.contains("Deadline") && $0.contains("queued late by 6h") })
        #expect(view.contains { $0.contains("Rule") && $0.contains("24 business hours after creation") })
        let words = view.firstIndex { $0.contains("Tell the customer") }
        #expect(words != nil)
        if let words {
            #expect(view[words + 1].contains("PayU has accepted the refund and not yet sent it to the bank."))
            #expect(view[words + 2].contains("Late by 6h (due Wed 18 Nov 2026, 10:36 IST): ask PayU support why"))
        }
    }
}
