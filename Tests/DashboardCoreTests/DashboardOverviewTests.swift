import Foundation
import Testing
import RefundModel
import WatchlistModel
@testable import DashboardCore

/// The overview (`v`): its panels at each size, the cursor over its bars, a bar opened as the
/// watchlist and `Esc` back, the window key, ASCII under a locale that is not UTF-8.
@Suite struct DashboardOverviewTests {
    let t0 = Watchlists.t0

    /// Numbers in every panel: open refunds in three age buckets at several stages, ARNs and
    /// completions in both windows, a week of days, late and due deadlines, alerts, two gateways
    /// and three methods, failing orders and a poller.
    var overview: Overview {
        let period = OverviewPeriod.last(.week, until: t0)
        var histogram = Array(repeating: 0, count: SpanBucket.allCases.count)
        histogram[SpanBucket.twelveToDay.rawValue] = 6
        histogram[SpanBucket.oneToTwo.rawValue] = 9
        histogram[SpanBucket.threeToFive.rawValue] = 2
        var before = histogram
        before[SpanBucket.oneToTwo.rawValue] = 3
        return Overview(
            period: period,
            open: [
                OpenTally(age: .underDay, progress: .queued, count: 4, amountMinor: 1_234_500),
                OpenTally(age: .underDay, progress: .arn, count: 8, amountMinor: 5_000_000),
                OpenTally(age: .oneToThree, progress: .bank, count: 3, amountMinor: 900_000),
                OpenTally(age: .overSeven, progress: .arn, count: 2, amountMinor: 12_345_600),
            ],
            toARN: SpanStats(histogram: histogram, median: 30 * 3600, p90: 41 * 3600),
            toARNBefore: SpanStats(histogram: before, median: 20 * 3600, p90: 33 * 3600),
            toCompletion: SpanStats(histogram: before, median: 50 * 3600, p90: 80 * 3600),
            toCompletionBefore: SpanStats(),
            timeline: period.bucketStarts.enumerated().map { TimelineBucket(start: $1, created: $0 * 2, completed: $0, failed: $0 == 3 ? 2 : 0) },
            deadlines: DeadlineStage.allCases.map { DeadlineTally(stage: $0, late: $0 == .arn ? 2 : 0, dueSoon: $0 == .queued ? 1 : 0) },
            alerts: AlertRule.allCases.map { AlertTally(rule: $0, unresolved: $0 == .deadlinePassed ? 2 : 0, unattended: $0 == .deadlinePassed ? 1 : 0) },
            gateways: [GroupTally(name: "payu", open: 15, openAmountMinor: 19_480_100, arns: 17, medianToARN: 30 * 3600),
                       GroupTally(name: "razorpay", open: 2, openAmountMinor: 0, arns: 0, medianToARN: nil)],
            methods: [GroupTally(name: "upi", open: 10, openAmountMinor: 6_234_500, arns: 10, medianToARN: 26 * 3600),
                      GroupTally(name: "card", open: 5, openAmountMinor: 12_345_600, arns: 7, medianToARN: 44 * 3600),
                      GroupTally(name: "", open: 2, openAmountMinor: 900_000, arns: 0, medianToARN: nil)],
            health: FetchHealth(orders: 40, failing: 3, failingBy: [FailureTally(category: "rate_limited", count: 2), FailureTally(category: "network", count: 1)],
                                partlyFailing: 1, neverFetched: 0,
                                pollers: [PollerPresence(id: "p1", host: "desk", pid: 4, sinceBeat: 1, sinceCycle: 14)]))
    }

    func opened(size: Size = Size(width: 120, height: 40)) -> DashboardState {
        var state = Watchlists.loaded((1...6).map { Watchlists.row(Int64($0), "ORD-\($0)") }, size: size)
        state.timeZone = TimeZone(identifier: "Asia/Kolkata")!
        let effects = Dashboard.update(&state, .key(.character("v")))
        #expect(effects == [.loadOverview(OverviewPeriod.last(.week, until: state.now), .week)], "v reads the overview of the last 7 days")
        _ = Dashboard.update(&state, .overviewLoaded(overview, .week))
        return state
    }

    @Test func everyPanelAt120x40WithItsNumbers() {
        let state = opened()
        let screen = Dashboard.render(state)
        let lines = screen.lines
        #expect(lines[0].hasPrefix(" refundwatch Watchlist › Overview 7d"))
        #expect(lines[1].hasPrefix(" Last 7d: 11 Nov 16:36 – 18 Nov 16:36 IST  w window · Enter a bar's orders"), "\(lines[1])")
        #expect(lines[2].hasPrefix("Open refunds by age  17 · ₹1,94,801"), "\(lines[2])")
        #expect(lines[2].contains("Deadlines  late now · due in 24h"))
        // The largest bucket (12 open) takes the bar's whole width (32 cells): 4 queued take 11,
        // 8 without an ARN 21; the others are as long as their share of 12.
        #expect(lines[3].hasPrefix("<24h  ▓▓▓▓▓▓▓▓▓▓▓░░░░░░░░░░░░░░░░░░░░░      12      ₹62,345"), "\(lines[3])")
        #expect(lines[4].hasPrefix("1-3d  ▒▒▒▒▒▒▒▒                               3       ₹9,000"), "\(lines[4])")
        #expect(lines[5].hasPrefix("3-5d                                         ·"))
        #expect(lines[7].hasPrefix(">7d   ░░░░░                                  2    ₹1,23,456"), "\(lines[7])")
        #expect(lines[8].hasPrefix("      █ pending  ▓ queued  ▒ at bank  ░ no ARN  ▚ unsettled"))
        let text = screen.text
        for words in ["Time to ARN  17 · median 30h, p90 41h (was 20h, 33h)", "Time to completion  11 · median 50h, p90 3.3d",
                      "Per day", "Open alerts", "deadline passed          2  1 new", "By gateway", "payu", "By payment method", "(not said)",
                      "Fetch health  40 orders · 0 never fetched · 1 without PayU", "3 failing (2 rate limited, 1 network)",
                      "1 poller, last cycle 14s ago · 2 orders throttled",
                      "ARN             2        0  72 business hours"] {
            #expect(text.contains(words), "\(words)\n\(text)")
        }
        #expect(!text.contains("larger terminal"), "nothing is left out at 120x40")
        // Roles: each stage's segment in its series role, the late ARN deadline in bad, bold.
        let styles = screen.styleLines
        #expect(Array(styles[3])[6..<17].allSatisfy { $0 == "d" }, "queued in series2: \(styles[3])")
        #expect(Array(styles[3])[17..<38].allSatisfy { $0 == "i" }, "no ARN yet in series4: \(styles[3])")
        #expect(Array(styles[4])[6..<14].allSatisfy { $0 == "f" }, "at the bank in series3: \(styles[4])")
        let deadlineRow = lines.firstIndex { $0.contains("ARN             2") }!
        let lateColumn = Array(lines[deadlineRow]).indices.first { Array(lines[deadlineRow])[$0...].starts(with: "ARN             2") }! + 16
        #expect(Array(styles[deadlineRow])[lateColumn] == "B", "a late deadline is bad, bold")
        // The cursor starts on the first bar, drawn as selected.
        #expect(styles[3].hasSuffix("reversed 0-4"), "\(styles[3])")
    }

    @Test func theTimelineIsABrailleLineWhereAllowedElseBlocks() {
        var state = opened()
        func createdRow() -> Substring {
            let line = Dashboard.render(state).lines.first { $0.hasPrefix("created   ") }!
            return line.dropFirst(10).prefix(24)
        }
        #expect(createdRow().unicodeScalars.allSatisfy { (0x2800...0x28FF).contains($0.value) }, "braille: \(createdRow())")
        // Eight days of 0 to 14 created (14 is 4 dots, 2 is 1): level within each day, a point apart.
        #expect(createdRow() == "⠀⠀⠀⣀⣀⡀⣤⣤⡄⣤⣤⡄⣶⣶⡆⣶⣶⡆⣿⣿⡇⣿⣿⡇", "\(createdRow())")
        state.braille = false
        #expect(createdRow() == "·· ▂▂ ▃▃ ▄▄ ▅▅ ▆▆ ▇▇ ██ ", "blocks, a bucket a column pair: \(createdRow())")
    }

    @Test func smallerTerminalsDropWholePanelsInTheStatedOrder() {
        var state = opened(size: Size(width: 80, height: 24))
        var text = Dashboard.render(state).text
        #expect(text.contains("Open refunds by age") && text.contains("Deadlines") && text.contains("Open alerts") && text.contains("Fetch health"))
        #expect(!text.contains("Time to ARN"))
        #expect(text.contains(" 5 panels need a larger terminal: time to ARN, per day, time to completion, by…"), "\(text)")
        state.size = Size(width: 60, height: 12)
        text = Dashboard.render(state).text
        #expect(text.contains("Open refunds by age") && !text.contains("Deadlines"))
        #expect(text.contains(" Only open refunds fit here; a larger terminal adds deadli…"), "\(text)")
    }

    @Test func aBarOpensTheWatchlistNarrowedToItsOrdersAndEscComesBack() {
        var state = opened()
        // j: the <24h bar's first segment (queued), then its second (no ARN yet), then the 1-3d
        // label; Enter asks the store for its orders.
        let period = OverviewPeriod.last(.week, until: state.now)
        _ = Dashboard.update(&state, .key(.character("j")))
        #expect(Dashboard.update(&state, .key(.enter)) == [.loadOverviewOrders(.open(.underDay, .queued), period)])
        _ = Dashboard.update(&state, .key(.character("j")))
        #expect(Dashboard.update(&state, .key(.enter)) == [.loadOverviewOrders(.open(.underDay, .arn), period)])
        _ = Dashboard.update(&state, .key(.character("j")))
        #expect(Dashboard.update(&state, .key(.enter)) == [.loadOverviewOrders(.open(.oneToThree, nil), period)])
        _ = Dashboard.update(&state, .overviewOrders(.open(.oneToThree, nil), [2, 5, 99]))
        #expect(state.frame.view == .watchlist && state.stack.count == 3)
        #expect(state.visibleRows.map(\.order.referenceID) == ["ORD-2", "ORD-5"], "exactly its orders (one removed meanwhile is not shown)")
        let lines = Dashboard.render(state).lines
        #expect(lines[0].hasPrefix(" refundwatch Watchlist › Overview 7d › open 1-3d · 2 orders"), "\(lines[0])")
        #expect(lines[38].contains("2 orders: open 1-3d · Esc returns to the overview"))
        // An order opened from there; n goes to the next of those orders, not of the whole watchlist.
        _ = Dashboard.update(&state, .key(.enter))
        #expect(state.frame.view == .order(2))
        #expect(Dashboard.update(&state, .key(.character("n"))) == [.loadDetail(5)])
        #expect(state.stack.map(\.view) == [.watchlist, .overview, .watchlist, .order(5)])
        _ = Dashboard.update(&state, .key(.escape))
        // Esc: the overview again, the cursor where it was; the watchlist shows every order.
        _ = Dashboard.update(&state, .key(.escape))
        #expect(state.frame.view == .overview && state.frame.selected == 3)
        #expect(state.drill == nil && state.visibleCount == 6)
        // A bar with no orders says so and stays.
        _ = Dashboard.update(&state, .overviewOrders(.open(.threeToFive, nil), []))
        #expect(state.frame.view == .overview && state.flash?.message == "no orders there: open 3-5d")
    }

    @Test func pageKeysMoveAPanelAtATimeAndTheMouseChoosesABar() {
        var state = opened()
        _ = Dashboard.update(&state, .key(.pageDown))
        let picture = OverviewPicture(RenderContext(state: state), body: state.layout.body)
        #expect(picture.items[state.frame.selected].panel == .deadlines, "the next panel in reading order")
        #expect(picture.items[state.frame.selected].selection == .deadline(.payment, late: true))
        _ = Dashboard.update(&state, .key(.pageUp))
        #expect(state.frame.selected == 0)
        // A double click on the histogram's "1-2d" opens its refunds.
        let target = picture.items.first { $0.selection == .toARN(.oneToTwo) }!
        _ = Dashboard.update(&state, .mouse(MouseEvent(.click, x: target.rect.x, y: target.rect.y)))
        #expect(picture.items[state.frame.selected].selection == .toARN(.oneToTwo))
        #expect(Dashboard.update(&state, .mouse(MouseEvent(.doubleClick, x: target.rect.x, y: target.rect.y)))
                == [.loadOverviewOrders(.toARN(.oneToTwo), OverviewPeriod.last(.week, until: state.now))])
        // A double click in the middle of the >7d bar (all of it "no ARN yet") opens those refunds.
        _ = Dashboard.update(&state, .mouse(MouseEvent(.doubleClick, x: 8, y: 7)))
        #expect(picture.items[state.frame.selected].selection == .open(.overSeven, .arn))
        // A click beside the bars, on nothing, changes nothing.
        let before = state.frame.selected
        _ = Dashboard.update(&state, .mouse(MouseEvent(.click, x: 40, y: 7)))
        #expect(state.frame.selected == before)
    }

    @Test func theWindowKeyCyclesAndAReadForAnOldWindowIsDropped() {
        var state = opened()
        let effects = Dashboard.update(&state, .key(.character("w")))
        #expect(effects == [.loadOverview(OverviewPeriod.last(.month, until: state.now), .month)])
        #expect(state.flash?.message == "the overview looks back over 30d")
        // The week's read arriving late changes nothing; the month's is shown.
        var old = overview
        old.health.orders = 999
        _ = Dashboard.update(&state, .overviewLoaded(old, .week))
        #expect(state.overview?.health.orders == 40)
        _ = Dashboard.update(&state, .key(.character("w")))
        _ = Dashboard.update(&state, .key(.character("w")))
        #expect(state.overviewWindow == .week)
        // w means nothing on the watchlist.
        _ = Dashboard.update(&state, .key(.escape))
        #expect(Dashboard.update(&state, .key(.character("w"))).isEmpty && state.overviewWindow == .week)
    }

    @Test func whatIsStoredWhileItIsOpenReadsItAgainOnTheNextTick() {
        var state = opened()
        _ = Dashboard.update(&state, .overviewLoaded(overview, .week))
        #expect(Dashboard.update(&state, .tick(now: t0.addingTimeInterval(1), wall: t0.addingTimeInterval(1))).isEmpty, "nothing changed: nothing read")
        _ = Dashboard.update(&state, .rowsChanged([1], rows: [Watchlists.row(1, "ORD-1")]))
        let effects = Dashboard.update(&state, .tick(now: t0.addingTimeInterval(2), wall: t0.addingTimeInterval(2)))
        #expect(effects.contains(.loadOverview(OverviewPeriod.last(.week, until: t0.addingTimeInterval(2)), .week)))
        // A read that failed is not under way any more.
        _ = Dashboard.update(&state, .failed("the overview could not be read: database gone"))
        #expect(!state.overviewLoading)
    }

    @Test func asciiUnderALocaleThatIsNotUTF8() {
        #expect(ChartGlyphs.forLocale(["LANG": "en_IN.UTF-8"]) == .unicode)
        #expect(ChartGlyphs.forLocale(["LANG": "en_IN.utf8"]) == .unicode)
        #expect(ChartGlyphs.forLocale(["LC_ALL": "C", "LANG": "en_IN.UTF-8"]) == .ascii, "LC_ALL wins")
        #expect(ChartGlyphs.forLocale(["LC_CTYPE": "en_IN.ISO-8859-1"]) == .ascii)
        #expect(ChartGlyphs.forLocale([:]) == .ascii, "no locale is C")
        var state = opened()
        state.glyphs = .ascii
        let lines = Dashboard.render(state).lines
        #expect(lines[3].hasPrefix("<24h  %%%%%%%%%%%+++++++++++++++++++++      12"), "\(lines[3])")
        #expect(lines[8].hasPrefix("      # pending  % queued  = at bank  + no ARN  - unsettled"))
        let charts = lines[2...30].flatMap { line in line.unicodeScalars.filter { (0x2580...0x28FF).contains($0.value) } }
        #expect(charts.isEmpty, "no block or braille character: \(charts)")
    }
}
