import Foundation
import Testing
import RefundModel
import WatchlistModel
@testable import DashboardCore
import TestReports

/// One way to write a duration (`DurationText.short`), wherever refundwatch shows one.
@Suite struct DurationWordsTests {
    let t0 = Date(timeIntervalSince1970: 1_795_000_000)

    @Test func ninetySecondsReadTheSameInEveryPlace() {
        #expect(DurationText.short(90) == "1m 30s")
        #expect(Format.interval(90) == "1m 30s")
        // An age in a list counts whole minutes once a minute has passed, in the same words: it
        // does not tick every second on every row.
        #expect(Age.text(since: t0.addingTimeInterval(-90), now: t0) == "1m ago")
        #expect(Age.text(since: t0.addingTimeInterval(-45), now: t0) == "45s ago")
        #expect(Age.text(since: t0.addingTimeInterval(-(20 * 60 + 14)), now: t0) == "20m ago")
        #expect(Age.text(since: t0.addingTimeInterval(-(3 * 3_600 + 12 * 60 + 59)), now: t0) == "3h 12m ago")
        #expect(RefundWatchError.rateLimited(.payu, retryAfter: 90).message.contains("try again in 1m 30s."))
        #expect(RefundWatchError.timeout(.kaleyra, seconds: 90).message.contains("did not answer within 1m 30s."))

        // The dashboard: a row fetched 90 s ago, refreshing every 90 s.
        var row = Watchlists.row(1, "ORD-1", stage: .success)
        row.fetchedAt = t0.addingTimeInterval(-90)
        row.attemptedAt = row.fetchedAt
        var state = DashboardState(now: t0, size: Size(width: 120, height: 24), interval: 90)
        _ = Dashboard.update(&state, .watchlistLoaded([row]))
        let screen = Dashboard.render(state).lines
        let listed = screen.first { $0.contains("ORD-1") } ?? ""
        #expect(listed.contains(" 1m ago"), "\(listed)")
        #expect(screen.last?.contains(" · every 1m 30s") == true, "\(screen.last ?? "")")
    }
}
