import Foundation
import Testing
import RefundModel
import WatchlistModel
@testable import DashboardCore
import TestReports

/// Saved views on the dashboard, as the operator sees them: `1`–`9` put a view in force (its
/// filter, sort and columns, named in the title bar), `/` and `s` mark it "(changed)", `0` and
/// `Esc` leave it, a digit without a view says why, `?` lists the views. Screens are compared as
/// text, built from `Watchlists`/`ReportBuilder` rows without any I/O.
@Suite struct DashboardViewsTests {
    typealias B = ReportBuilder
    let t0 = Watchlists.t0

    init() { setlocale(LC_ALL, "C.UTF-8") }

    static func reference(_ id: Int64) -> String { "ORD-20261101-000\(id)" }

    /// Order `id` of `account` (nil: not known yet), changed `changed` minutes ago: late by
    /// `lateBy` hours (its PayU refund queued past its 24-hour deadline), or done.
    func order(_ id: Int64, account: String?, lateBy hours: Double? = nil, label: String? = nil, changed: Double) -> WatchedOrder {
        var watched: WatchedOrder
        if let hours {
            let refund = B.refund("r\(id)", status: .pending, created: t0.addingTimeInterval(-(24 + hours) * 3600), payu: B.record("r\(id)", status: .queued))
            let summary = OrderSummary(B.order([B.transaction("t\(id)", refunds: [refund])]), rules: DeadlineRules())
            watched = WatchedOrder(order: TrackedOrder(id: id, referenceID: Self.reference(id), addedAt: t0), summary: summary, fetchedAt: t0,
                                   changedAt: t0.addingTimeInterval(-changed * 60))
        } else {
            watched = Watchlists.row(id, Self.reference(id), changedAt: t0.addingTimeInterval(-changed * 60))
        }
        watched.order.account = account
        watched.order.label = label
        return watched
    }

    /// Three late orders (1: 6 hours, 3: 26 hours, 5: 16 hours), three done; 2, 3 and 6 labelled
    /// "desk 7"; 5's account not known yet.
    var watchlist: [WatchedOrder] {
        [
            order(1, account: "north", lateBy: 6, changed: 30),
            order(2, account: "north", label: "desk 7", changed: 5),
            order(3, account: "south", lateBy: 26, label: "desk 7", changed: 50),
            order(4, account: "south", changed: 1),
            order(5, account: nil, lateBy: 16, changed: 10),
            order(6, account: "north", label: "desk 7", changed: 20),
        ]
    }

    /// `late`: what is late, by reference id, four columns. `desk`: desk 7's orders, the most
    /// recently changed first, the usual columns.
    static let late = SavedView(name: "late", filter: "is:late", sort: .reference, columns: [.reference, .amount, .state, .deadline])
    static let desk = SavedView(name: "desk", filter: "desk", sort: .recent)
    /// In the store: `team`, every order by deadline, its columns in an order of its own; `LATE`,
    /// which the configuration's `late` hides.
    static let team = SavedView(name: "team", filter: "", sort: .deadline, columns: [.state, .reference, .label, .account],
                                origin: .store, savedBy: "ravi", savedAt: Watchlists.t0)
    static let hiddenLate = SavedView(name: "LATE", filter: "north", sort: .recent, columns: [.reference, .label], origin: .store, savedBy: "ravi")

    /// The watchlist at `size` with the two configured views and the store's two (read as the
    /// dashboard reads them).
    func withViews(size: Size = Size(width: 120, height: 40)) -> DashboardState {
        var state = Watchlists.loaded(watchlist, size: size)
        state.configuredViews = [Self.late, Self.desk]
        #expect(Dashboard.update(&state, .viewsLoaded([Self.team, Self.hiddenLate])).isEmpty)
        return state
    }

    func press(_ text: String, _ state: inout DashboardState) {
        for character in text { _ = Dashboard.update(&state, .key(.character(character))) }
    }

    /// The references drawn on the screen's watchlist rows, top to bottom.
    func drawnReferences(_ state: DashboardState) -> [String] {
        Dashboard.render(state).lines.dropFirst(2).compactMap { line in
            line.split(separator: " ").first { $0.hasPrefix("ORD-") }.map(String.init)
        }
    }

    func references(_ ids: [Int64]) -> [String] { ids.map(Self.reference) }

    func title(_ state: DashboardState) -> String { Dashboard.render(state).lines[0] }

    /// The column titles of the watchlist's header (row 1), left to right.
    func header(_ state: DashboardState) -> [String] {
        Dashboard.render(state).lines[1].split(separator: " ").map(String.init)
    }

    /// The line above the status line (a flash).
    func flashLine(_ state: DashboardState) -> String {
        let lines = Dashboard.render(state).lines
        return lines[lines.count - 2].trimmingCharacters(in: .whitespaces)
    }

    static let usualHeader120 = ["REFERENCE", "LABEL", "PAYMENT", "AMOUNT", "RFD", "STATE", "ARN", "DEADLINE", "UPDATED"]

    // MARK: - Choosing a view

    @Test func theViewsAreTheConfigurationsThenTheStoresWithoutTheHiddenOne() {
        let state = withViews()
        #expect(state.views.map(\.name) == ["late", "desk", "team"])
        #expect(state.views.map(\.origin) == [.configuration, .configuration, .store])
        #expect(state.storedViews.map(\.name) == ["team", "LATE"], "kept as read; only the offer leaves LATE out")
        // Without the configuration's `late`, the store's LATE is offered, by name.
        var storeOnly = Watchlists.loaded(watchlist)
        _ = Dashboard.update(&storeOnly, .viewsLoaded([Self.team, Self.hiddenLate]))
        #expect(storeOnly.views.map(\.name) == ["LATE", "team"])
        // Read again without them: nothing but the configuration's.
        var state2 = state
        _ = Dashboard.update(&state2, .viewsLoaded([]))
        #expect(state2.views.map(\.name) == ["late", "desk"])
    }

    @Test func keyOnePutsTheFirstViewInForce() {
        var state = withViews()
        let before = drawnReferences(state)
        #expect(before == references([5, 1, 3, 4, 2, 6]), "what needs attention first, every order")
        #expect(header(state) == Self.usualHeader120)

        press("1", &state)
        #expect(state.activeView == Self.late)
        #expect(title(state).hasPrefix(" refundwatch View late · 3 of 6 orders   "), "\(title(state))")
        // Only the late orders, by reference id (not by what needs attention: 5 would lead).
        #expect(drawnReferences(state) == references([1, 3, 5]), "\(Dashboard.render(state).text)")
        #expect(state.sort == .reference && state.filter == "is:late")
        // Exactly the view's columns, in its order.
        #expect(header(state) == ["REFERENCE", "AMOUNT", "STATE", "DEADLINE"], "\(Dashboard.render(state).lines[1])")
        let screen = Dashboard.render(state)
        #expect(!screen.lines[1].contains("LABEL") && !screen.lines[1].contains("UPDATED"))
        let row = screen.lines.first { $0.contains(Self.reference(1) + " ") } ?? ""
        #expect(row.contains("₹500.00") && row.contains("1 queued") && row.contains("queued 6h late"), "\(row)")
        #expect(!row.contains("captured") && !row.contains("just now"), "no PAYMENT, no UPDATED cell: \(row)")
        #expect(flashLine(state) == "view late: 3 orders (/is:late), sorted by reference id")
    }

    @Test func keyTwoPicksTheSecondConfiguredViewWithTheUsualColumns() {
        var state = withViews()
        press("2", &state)
        #expect(title(state).hasPrefix(" refundwatch View desk · 3 of 6 orders   "), "\(title(state))")
        #expect(drawnReferences(state) == references([2, 6, 3]), "desk 7's orders, the most recently changed first")
        #expect(header(state) == Self.usualHeader120, "a view without columns shows the usual ones")
        #expect(flashLine(state) == "view desk: 3 orders (/desk), sorted by recently changed")
    }

    @Test func keyThreePicksTheStoredViewAndItsColumnsInItsOrder() {
        var state = withViews()
        press("3", &state)
        #expect(state.activeView == Self.team)
        #expect(title(state).hasPrefix(" refundwatch View team · 6 orders   "), "every order: \(title(state))")
        #expect(header(state) == ["STATE", "REFERENCE", "LABEL", "ACCOUNT"], "\(Dashboard.render(state).lines[1])")
        // By deadline: the latest late one first (3: 26 hours), then 5, then 1; the done ones last.
        #expect(drawnReferences(state).prefix(3) == references([3, 5, 1])[...], "\(drawnReferences(state))")
        #expect(Set(drawnReferences(state)) == Set(references([1, 2, 3, 4, 5, 6])))
        #expect(flashLine(state) == "view team: every order, sorted by deadline")
    }

    @Test func aStoredViewWithAConfiguredViewsNameIsNotOffered() {
        var state = withViews()
        press("1", &state)
        #expect(state.activeView?.origin == .configuration)
        #expect(state.filter == "is:late", "the configuration's late, not the store's (/north)")
        #expect(header(state) == ["REFERENCE", "AMOUNT", "STATE", "DEADLINE"])
        press("4", &state)
        #expect(state.activeView == Self.late, "there is no fourth view: the store's LATE is not one")
        _ = Dashboard.update(&state, .key(.character("?")))
        let help = Dashboard.render(state).text
        #expect(!help.contains("LATE") && !help.contains("/north"), "\(help)")
    }

    @Test func at80x24AViewWithManyColumnsKeepsTheReferenceAndDropsTheLeastImportant() {
        var state = Watchlists.loaded(watchlist, size: Size(width: 80, height: 24))
        // Every column, the reference last.
        let every = SavedView(name: "everything", sort: .reference,
                              columns: [.updated, .label, .arn, .txn, .refunded, .payment, .account, .amount, .rfd, .state, .deadline, .reference])
        state.configuredViews = [every]
        press("1", &state)
        // The always-shown ones and the deadline, in the view's order; the reference among them.
        #expect(header(state) == ["UPDATED", "AMOUNT", "RFD", "STATE", "DEADLINE", "REFERENCE"], "\(Dashboard.render(state).lines[1])")
        #expect(drawnReferences(state) == references([1, 2, 3, 4, 5, 6]), "every row still names its order")
        // 120 columns have room for more of them, still in the view's order.
        state.size = Size(width: 120, height: 40)
        let wide = header(state)
        #expect(wide.count > 6 && wide.contains("LABEL") && wide.last == "REFERENCE", "\(wide)")
        #expect(wide.filter { ["UPDATED", "LABEL", "AMOUNT", "STATE", "REFERENCE"].contains($0) } == ["UPDATED", "LABEL", "AMOUNT", "STATE", "REFERENCE"])
    }

    // MARK: - Changed, restored, left

    @Test func sortingTheViewSaysChangedAndItsDigitRestoresIt() {
        var state = withViews()
        press("1", &state)
        press("s", &state)
        #expect(state.sort == .deadline)
        #expect(title(state).hasPrefix(" refundwatch View late (changed) · 3 of 6 orders   "), "\(title(state))")
        #expect(drawnReferences(state) == references([3, 5, 1]), "sorted by deadline now")
        #expect(header(state) == ["REFERENCE", "AMOUNT", "STATE", "DEADLINE"], "the view's columns stay")
        press("1", &state)
        #expect(title(state).hasPrefix(" refundwatch View late · 3 of 6 orders   "), "\(title(state))")
        #expect(!title(state).contains("(changed)"))
        #expect(state.sort == .reference && drawnReferences(state) == references([1, 3, 5]))
    }

    @Test func filteringTheViewSaysChangedAndItsDigitRestoresIt() {
        var state = withViews()
        press("1", &state)
        // `/` opens the filter with the view's; typing adds to it.
        press("/", &state)
        #expect(state.prompt?.text == "is:late")
        press(" account:north", &state)
        _ = Dashboard.update(&state, .key(.enter))
        #expect(state.filter == "is:late account:north")
        #expect(title(state).hasPrefix(" refundwatch View late (changed) /is:late account:north · 1 of 6 orders   "), "\(title(state))")
        #expect(drawnReferences(state) == references([1]))
        press("1", &state)
        #expect(title(state).hasPrefix(" refundwatch View late · 3 of 6 orders   "), "\(title(state))")
        #expect(state.filter == "is:late" && drawnReferences(state) == references([1, 3, 5]))
    }

    @Test(arguments: [Key.character("0"), Key.escape])
    func zeroAndEscLeaveTheView(key: Key) {
        let plain = withViews()
        var state = withViews()
        press("1", &state)
        press("s", &state)
        _ = Dashboard.update(&state, .key(key))
        #expect(state.activeView == nil)
        #expect(title(state).hasPrefix(" refundwatch Watchlist   "), "\(title(state))")
        #expect(!title(state).contains("View"))
        #expect(header(state) == Self.usualHeader120, "the usual columns")
        #expect(Dashboard.render(state).lines[1] == Dashboard.render(plain).lines[1])
        #expect(state.sort == .attention && state.filter.isEmpty)
        #expect(drawnReferences(state) == references([5, 1, 3, 4, 2, 6]), "every order, what needs attention first")
        #expect(drawnReferences(state) == drawnReferences(plain))
        #expect(flashLine(state) == "no view: every order, sorted by needs attention")
    }

    @Test func escClosesAnOpenOrderBeforeItLeavesTheView() {
        var state = withViews()
        press("1", &state)
        #expect(Dashboard.update(&state, .key(.enter)) == [.loadDetail(1)])
        _ = Dashboard.update(&state, .key(.escape))
        #expect(state.frame.view == .watchlist)
        #expect(state.activeView == Self.late, "Esc went back to the watchlist first")
        #expect(title(state).hasPrefix(" refundwatch View late · 3 of 6 orders"))
        _ = Dashboard.update(&state, .key(.escape))
        #expect(state.activeView == nil)
        #expect(title(state).hasPrefix(" refundwatch Watchlist   "))
    }

    // MARK: - A digit without a view

    @Test func aDigitWithoutAnyViewSaysWhereViewsComeFrom() {
        var state = Watchlists.loaded(watchlist, size: Size(width: 120, height: 40))
        let before = Dashboard.render(state).lines.prefix(10)
        press("1", &state)
        #expect(state.activeView == nil)
        #expect(state.flash?.isError == true)
        #expect(state.flash?.message == "no saved views: [[views]] in config.toml, or: refundwatch views save NAME")
        let shown = flashLine(state)
        #expect(shown == "⚠ no saved views: [[views]] in config.toml, or: refundwatch views save NAME", "whole at 80 columns: \(shown)")
        #expect(Dashboard.render(state).lines.prefix(10) == before, "the watchlist is as it was")
    }

    @Test(arguments: ["4", "5", "9"])
    func aDigitPastTheViewsSaysWhichDigitsHaveViews(digit: String) {
        var state = withViews()
        press("2", &state)
        press(digit, &state)
        #expect(state.activeView == Self.desk, "the view in force stays")
        #expect(flashLine(state) == "⚠ no view \(digit): the saved views are on 1–3 (? lists them)")
        #expect(title(state).hasPrefix(" refundwatch View desk · 3 of 6 orders"))
    }

    // MARK: - Digits elsewhere

    @Test func digitsDoNothingOnAnOrdersScreen() {
        var state = withViews()
        #expect(Dashboard.update(&state, .key(.enter)) == [.loadDetail(5)])
        var report = B.order([B.transaction("t5", refunds: [B.refund("r5")])])
        report.referenceID = Self.reference(5)
        _ = Dashboard.update(&state, .detailLoaded(5, Detail(report: report, history: [])))
        let before = Dashboard.render(state).text
        for digit in "0123456789" {
            #expect(Dashboard.update(&state, .key(.character(digit))).isEmpty)
            #expect(state.activeView == nil && state.stack.count == 2, "\(digit)")
            #expect(Dashboard.render(state).text == before, "\(digit) changed the order's screen")
        }
        // With a view in force, 0 there does not leave it either.
        _ = Dashboard.update(&state, .key(.escape))
        press("1", &state)
        _ = Dashboard.update(&state, .key(.enter))
        press("0", &state)
        #expect(state.activeView == Self.late && state.filter == "is:late")
    }

    @Test func digitsDoNothingOnTheAlertsScreen() {
        var state = withViews()
        let alerts = [Alert(id: 1, key: "deadline_passed:3", rule: .deadlinePassed, orderID: 3, referenceID: Self.reference(3), refundID: "r3",
                            text: "\(Self.reference(3)) refund r3: PayU queued late", raisedAt: t0.addingTimeInterval(-60))]
        _ = Dashboard.update(&state, .alertsLoaded(alerts))
        _ = Dashboard.update(&state, .key(.character("!")))
        #expect(state.frame.view == .alerts)
        let before = Dashboard.render(state).text
        for digit in "0123456789" {
            #expect(Dashboard.update(&state, .key(.character(digit))).isEmpty)
            #expect(state.activeView == nil && state.frame.view == .alerts, "\(digit)")
            #expect(Dashboard.render(state).text == before, "\(digit) changed the alerts screen")
        }
    }

    // MARK: - Help

    @Test func theHelpListsTheViewsWithTheirDigits() {
        var state = withViews()
        _ = Dashboard.update(&state, .key(.character("?")))
        #expect(state.overlay == .help)
        let screen = Dashboard.render(state)
        func inBox(_ text: String) -> Bool { screen.lines.contains { $0.contains("│ " + text) } }
        #expect(inBox("Saved views (on the watchlist; 0 or Esc leaves the view):"), "\(screen.text)")
        #expect(inBox("1  late  /is:late, by reference id, 4 columns "))
        #expect(inBox("2  desk  /desk, by recently changed "))
        #expect(inBox("3  team  every order, by deadline, 4 columns "))
        // In the keys' order, below them, and whole: nothing to scroll at 120x40.
        let rows = ["Saved views", "1  late", "2  desk", "3  team"].map { text in screen.lines.firstIndex { $0.contains(text) } ?? -1 }
        #expect(rows == rows.sorted() && !rows.contains(-1) && rows.allSatisfy { $0 > (screen.lines.firstIndex { $0.contains("0–9") } ?? .max) })
        #expect(!screen.text.contains("more: j/k"))
        #expect(inBox("0–9           saved views (0: none)"))
    }

    @Test func theHelpAt80x24WithoutViewsShowsEveryKeyWithoutScrolling() {
        var state = Watchlists.loaded(watchlist, size: Size(width: 80, height: 24))
        _ = Dashboard.update(&state, .key(.character("?")))
        let text = Dashboard.render(state).text
        for binding in KeyBindings.all {
            #expect(text.contains(binding.keyNames + " ") && text.contains(binding.help), "\(binding.keyNames) \(binding.help) is not on:\n\(text)")
        }
        for (what, does) in KeyBindings.mouse { #expect(text.contains(what) && text.contains(does)) }
        #expect(!text.contains("more: j/k"), "\(text)")
        #expect(!text.contains("Saved views"))
    }

    // MARK: - Columns

    @Test(arguments: [[String](), ["north"]])
    func aViewWithTheAccountColumnShowsTheAccountWithOneAccount(accounts: [String]) {
        var state = Watchlists.loaded(watchlist, size: Size(width: 120, height: 40))
        state.accounts = accounts
        #expect(!state.showsAccounts)
        #expect(!header(state).contains("ACCOUNT"))
        state.configuredViews = [SavedView(name: "who", sort: .reference, columns: [.reference, .account, .state])]
        press("1", &state)
        #expect(header(state) == ["REFERENCE", "ACCOUNT", "STATE"], "\(Dashboard.render(state).lines[1])")
        let screen = Dashboard.render(state)
        func account(_ id: Int64) -> String? {
            // The word after the reference.
            let words = (screen.lines.first { $0.contains(Self.reference(id) + " ") } ?? "").split(separator: " ")
            return words.firstIndex { $0 == Self.reference(id) }.flatMap { words.indices.contains($0 + 1) ? String(words[$0 + 1]) : nil }
        }
        #expect([1, 2, 3, 4, 5, 6].map(account) == ["north", "north", "south", "south", "?", "north"], "\(screen.text)")
    }

    // MARK: - The cursor

    @Test func theCursorGoesToTheTopWhenAViewIsChosenOrLeft() {
        var state = withViews()
        press("jjj", &state)
        #expect(state.frame.selected == 3)
        func selectedLines(_ state: DashboardState) -> [String] {
            let screen = Dashboard.render(state)
            return (0..<screen.size.height).filter { screen[2, $0].style.role == .selection }.map { screen.lines[$0] }
        }
        #expect(selectedLines(state).count == 1 && selectedLines(state)[0].contains(Self.reference(4)))
        press("3", &state)
        #expect(state.frame.selected == 0 && state.frame.top == 0)
        #expect(selectedLines(state).count == 1 && selectedLines(state)[0].contains(Self.reference(3)), "the first row of the view: \(selectedLines(state))")
        press("jj", &state)
        press("0", &state)
        #expect(state.frame.selected == 0)
        #expect(selectedLines(state).count == 1 && selectedLines(state)[0].contains(Self.reference(5)))
    }

    // MARK: - Typing, reading, columns

    @Test func digitsTypedInTheFilterAreTheFiltersNotAView() {
        var state = withViews()
        press("/0003", &state)
        #expect(state.prompt?.text == "0003")
        _ = Dashboard.update(&state, .key(.enter))
        #expect(state.activeView == nil && state.filter == "0003")
        #expect(title(state).hasPrefix(" refundwatch Watchlist /0003 · 1 of 6 orders   "), "\(title(state))")
        #expect(drawnReferences(state) == references([3]))
    }

    @Test func theStoresViewsAreWatchedWithTheOtherSubscriptionsAndOfferedWhenRead() {
        var state = DashboardState(now: t0, size: Size(width: 120, height: 40), interval: 30)
        state.configuredViews = [Self.late]
        let effects = Dashboard.update(&state, .watchlistLoaded(watchlist, mark: 4))
        #expect(effects.contains(.subscribe(.views)), "\(effects)")
        #expect(effects.contains(.subscribe(.changes(after: 4))) && effects.contains(.subscribe(.pollers)))
        // Nothing from the store yet: 2 has no view.
        press("2", &state)
        #expect(state.activeView == nil)
        #expect(flashLine(state) == "⚠ no view 2: the saved views are on 1 (? lists them)")
        // A view saved meanwhile is on 2 once read.
        #expect(Dashboard.update(&state, .viewsLoaded([Self.team])).isEmpty)
        press("2", &state)
        #expect(state.activeView == Self.team)
        #expect(title(state).hasPrefix(" refundwatch View team · 6 orders   "), "\(title(state))")
        // A read that fails says so, and when it is tried again.
        _ = Dashboard.update(&state, .subscriptionFailed(.views, reason: "the database went away", retryIn: 5))
        #expect(state.flash?.isError == true)
        #expect(state.flash?.message == "reading the saved views paused (the database went away); trying again in 5s")
    }

    @Test func everyColumnAViewCanNameIsAWatchlistColumn() {
        #expect(WatchlistComponent.positions.count == ViewColumn.allCases.count)
        for column in ViewColumn.allCases {
            #expect(WatchlistComponent.tableWithAccounts.columns[WatchlistComponent.position(of: column)].title == column.rawValue.uppercased())
        }
        // Each drawn, its cell under its title, whatever the order.
        var state = Watchlists.loaded(watchlist, size: Size(width: 200, height: 40))
        state.configuredViews = [SavedView(name: "all", sort: .reference, columns: ViewColumn.allCases.reversed())]
        press("1", &state)
        #expect(header(state) == ViewColumn.allCases.reversed().map { $0.rawValue.uppercased() }, "\(Dashboard.render(state).lines[1])")
        // The reference is the last cell now.
        let row = Dashboard.render(state).lines.first { $0.hasSuffix(Self.reference(3)) } ?? ""
        #expect(row.contains("desk 7") && row.contains("south") && row.contains("₹500.00") && row.contains("captured"), "\(row)")
    }
}
