import Foundation
import Testing
import RefundModel
import WatchlistModel
@testable import DashboardCore
import TestReports

/// Several accounts in one configuration, as the operator sees them: the watchlist's ACCOUNT
/// column (and the screen unchanged with one account), the `account:NAME` filter, the order's
/// Account field, `a` on a looked-up order keeping where it was found, and the help.
/// Screens are compared as text; two are snapshots in `../EndToEndTests/Snapshots/accounts-*.txt`
/// (RECORD_SNAPSHOTS=1 writes what the code draws now: then read every file).
@Suite struct DashboardAccountsTests {
    typealias B = ReportBuilder
    let t0 = Watchlists.t0
    static let twoAccounts = ["north", "south"]

    init() { setlocale(LC_ALL, "C.UTF-8") }

    static func reference(_ id: Int64) -> String { "ORD-20261101-000\(id)" }

    /// Order `id` of `account` (nil: not known yet): late (its PayU refund queued 30 hours ago,
    /// 6 hours past its deadline) or done.
    func order(_ id: Int64, account: String?, paymentConfigID: String? = nil, late: Bool = false, label: String? = nil) -> WatchedOrder {
        var watched: WatchedOrder
        if late {
            let refund = B.refund("r\(id)", status: .pending, created: t0.addingTimeInterval(-30 * 3600), payu: B.record("r\(id)", status: .queued))
            let summary = OrderSummary(B.order([B.transaction("t\(id)", refunds: [refund])]), rules: DeadlineRules())
            watched = WatchedOrder(order: TrackedOrder(id: id, referenceID: Self.reference(id), addedAt: t0), summary: summary, fetchedAt: t0,
                                   changedAt: t0.addingTimeInterval(-Double(id)))
        } else {
            watched = Watchlists.row(id, Self.reference(id))
        }
        watched.order.account = account
        watched.order.paymentConfigID = paymentConfigID
        watched.order.label = label
        return watched
    }

    /// Two of north (the first late), two of south (the first late, the second labelled
    /// "desk 7"), one whose account is not known yet.
    var watchlist: [WatchedOrder] {
        [
            order(1, account: "north", paymentConfigID: "cfg2", late: true),
            order(2, account: "north"),
            order(3, account: "south", late: true),
            order(4, account: "south", label: "desk 7"),
            order(5, account: nil),
        ]
    }

    func loaded(_ rows: [WatchedOrder], accounts: [String], size: Size = Size(width: 120, height: 40)) -> DashboardState {
        var state = Watchlists.loaded(rows, size: size)
        state.accounts = accounts
        return state
    }

    func type(_ text: String, _ state: inout DashboardState) {
        for character in text { _ = Dashboard.update(&state, .key(.character(character))) }
    }

    /// `/`, the filter in force cleared, `text` typed, Enter.
    func filter(_ text: String, _ state: inout DashboardState) {
        _ = Dashboard.update(&state, .key(.character("/")))
        for _ in 0..<(state.prompt?.text.count ?? 0) { _ = Dashboard.update(&state, .key(.backspace)) }
        type(text, &state)
        _ = Dashboard.update(&state, .key(.enter))
    }

    /// The references drawn on the screen's watchlist rows, top to bottom.
    func drawnReferences(_ state: DashboardState) -> [String] {
        Dashboard.render(state).lines.dropFirst(2).compactMap { line in
            line.split(separator: " ").first { $0.hasPrefix("ORD-") }.map(String.init)
        }
    }

    func line(_ screen: Screen, _ reference: String) -> String {
        screen.lines.first { $0.contains(reference + " ") } ?? ""
    }

    /// Where `title` starts on the header row (y 1).
    func column(_ screen: Screen, _ title: String) -> Int? {
        let header = screen.lines[1]
        return header.range(of: title).map { header.distance(from: header.startIndex, to: $0.lowerBound) }
    }

    /// Opens tracked order `id` from the watchlist and gives it a report (its payment configuration
    /// is the row's).
    func openOrder(_ id: Int64, _ state: inout DashboardState) {
        state.frame.selected = state.visibleRows.firstIndex { $0.order.id == id }!
        #expect(Dashboard.update(&state, .key(.enter)) == [.loadDetail(id)])
        var report = B.order([B.transaction("t\(id)", refunds: [B.refund("r\(id)")])])
        report.referenceID = Self.reference(id)
        _ = Dashboard.update(&state, .detailLoaded(id, Detail(report: report, history: [])))
    }

    /// The values of the fields called `label` on the screen (the fields take two columns when
    /// they fit: a value ends where three spaces do).
    func fieldLines(_ state: DashboardState, _ label: String) -> [String] {
        Dashboard.render(state).lines.dropFirst().compactMap { line -> String? in
            guard let range = line.range(of: "  " + label + "  ") ?? line.range(of: "   " + label + " ") else { return nil }
            let value = line[range.upperBound...].drop { $0 == " " }
            return String(value.range(of: "   ").map { value[..<$0.lowerBound] } ?? value)
        }
    }

    // MARK: - Snapshots

    func expectSnapshot(_ screen: Screen, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("EndToEndTests").appendingPathComponent("Snapshots")
        let path = folder.appendingPathComponent(name + ".txt")
        let actualPath = folder.appendingPathComponent(name + ".actual.txt")
        let actual = screen.text + "\n"
        if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" {
            try actual.write(to: path, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: path, encoding: .utf8)
        if actual != expected { try? actual.write(to: actualPath, atomically: true, encoding: .utf8) }
        #expect(actual == expected, "\(name).txt differs; what was drawn is in Snapshots/\(actualPath.lastPathComponent)", sourceLocation: sourceLocation)
    }

    // MARK: - One account: nothing changes

    @Test(arguments: [[], ["default"]])
    func oneAccountOrNoneDrawsTheScreenAsBefore(accounts: [String]) {
        for size in [Size(width: 120, height: 40), Size(width: 80, height: 24)] {
            let plain = Watchlists.loaded(watchlist, size: size)
            let configured = loaded(watchlist, accounts: accounts, size: size)
            #expect(!configured.showsAccounts)
            let screen = Dashboard.render(configured)
            #expect(!screen.lines[1].contains("ACCOUNT"), "\(screen.lines[1])")
            #expect(screen.text == Dashboard.render(plain).text, "\(size): \(accounts)\n\(screen.text)")
            #expect(screen.styledText == Dashboard.render(plain).styledText)
            // No order's row shows an account or a "?".
            #expect(!screen.text.contains("north") && !screen.text.contains("south"))
        }
    }

    // MARK: - The ACCOUNT column

    @Test func twoAccountsAt120x40ShowTheAccountAfterTheReference() throws {
        let state = loaded(watchlist, accounts: Self.twoAccounts)
        #expect(state.showsAccounts)
        let screen = Dashboard.render(state)
        let header = screen.lines[1]
        #expect(header == "  REFERENCE          ACCOUNT   LABEL              PAYMENT          AMOUNT RFD STATE           DEADLINE       UPDATED",
                "\(header)")
        // ACCOUNT right after REFERENCE (18 columns and a space from column 2).
        #expect(column(screen, "REFERENCE") == 2)
        #expect(column(screen, "ACCOUNT") == 2 + 18 + 1)
        let accountX = try #require(column(screen, "ACCOUNT"))
        func cell(_ reference: String) -> String {
            let text = line(screen, reference)
            let characters = Array(text)
            guard characters.count > accountX else { return "" }
            return String(characters[accountX..<min(characters.count, accountX + 9)]).trimmingCharacters(in: .whitespaces)
        }
        #expect(cell(Self.reference(1)) == "north")
        #expect(cell(Self.reference(2)) == "north")
        #expect(cell(Self.reference(3)) == "south")
        #expect(cell(Self.reference(4)) == "south")
        #expect(cell(Self.reference(5)) == "?", "an order whose account is not known yet")
        // The label still has its column, after the account.
        #expect(line(screen, Self.reference(4)).contains("south     desk 7"))
        // "?" waits (pending), a known account is muted.
        let y5 = try #require(screen.lines.firstIndex { $0.contains(Self.reference(5) + " ") })
        let y2 = try #require(screen.lines.firstIndex { $0.contains(Self.reference(2) + " ") })
        #expect(screen[accountX, y5].style.role == .pending)
        #expect(screen[accountX, y2].style.role == .muted)
        try expectSnapshot(screen, "accounts-watchlist-120x40")
    }

    @Test func twoAccountsAt80x24KeepTheDeadlineBeforeTheAccount() throws {
        let state = loaded(watchlist, accounts: Self.twoAccounts, size: Size(width: 80, height: 24))
        let screen = Dashboard.render(state)
        // ACCOUNT (priority 2) goes before DEADLINE (priority 1): 80 columns hold the always-shown
        // columns and the deadline, nothing more.
        #expect(screen.lines[1] == "  REFERENCE                 AMOUNT RFD STATE          DEADLINE       UPDATED", "\(screen.lines[1])")
        #expect(screen.lines[1] == Dashboard.render(Watchlists.loaded(watchlist)).lines[1], "the same columns as with one account")
        try expectSnapshot(screen, "accounts-watchlist-80x24")
    }

    // MARK: - account:NAME

    @Test func accountNameKeepsThatAccountsOrdersAndSaysHowMany() {
        var state = loaded(watchlist, accounts: Self.twoAccounts)
        filter("account:north", &state)
        #expect(Set(state.visibleRows.map(\.order.id)) == [1, 2])
        #expect(Set(drawnReferences(state)) == [Self.reference(1), Self.reference(2)])
        #expect(Dashboard.render(state).lines[0].contains("Watchlist /account:north · 2 of 5 orders"), "\(Dashboard.render(state).lines[0])")

        // Any case.
        filter("account:NORTH", &state)
        #expect(Set(drawnReferences(state)) == [Self.reference(1), Self.reference(2)])
        #expect(Dashboard.render(state).lines[0].contains("Watchlist /account:NORTH · 2 of 5 orders"))
        filter("Account:South", &state)
        #expect(Set(drawnReferences(state)) == [Self.reference(3), Self.reference(4)])

        // Several account: words: any of them.
        filter("account:north account:south", &state)
        #expect(Set(drawnReferences(state)) == Set([1, 2, 3, 4].map(Self.reference)))
        #expect(Dashboard.render(state).lines[0].contains("· 4 of 5 orders"))

        // account:? : the orders whose account is not known yet.
        filter("account:? ", &state)
        #expect(drawnReferences(state) == [Self.reference(5)])
        #expect(Dashboard.render(state).lines[0].contains("· 1 of 5 orders"))
        filter("account:? account:south", &state)
        #expect(Set(drawnReferences(state)) == Set([3, 4, 5].map(Self.reference)))

        // An account with no orders: none, and said so.
        filter("account:west", &state)
        #expect(state.visibleRows.isEmpty)
        #expect(Dashboard.render(state).text.contains("No order matches \"account:west\". Esc clears the filter."))
        #expect(Dashboard.render(state).lines[0].contains("· 0 of 5 orders"))

        // Esc clears it: every order again.
        _ = Dashboard.update(&state, .key(.escape))
        #expect(drawnReferences(state).count == 5)
    }

    @Test func accountNameCombinesWithConditionsAndWords() {
        var state = loaded(watchlist, accounts: Self.twoAccounts)
        filter("account:north is:late", &state)
        #expect(drawnReferences(state) == [Self.reference(1)])
        #expect(Dashboard.render(state).lines[0].contains("· 1 of 5 orders"))
        filter("is:late account:south", &state)
        #expect(drawnReferences(state) == [Self.reference(3)])
        filter("is:late account:north account:south", &state)
        #expect(Set(drawnReferences(state)) == [Self.reference(1), Self.reference(3)])
        // A word and an account: both must hold.
        filter("desk account:south", &state)
        #expect(drawnReferences(state) == [Self.reference(4)])
        filter("account:north desk", &state)
        #expect(state.visibleRows.isEmpty, "desk 7 is south's")
        filter("0002 account:north", &state)
        #expect(drawnReferences(state) == [Self.reference(2)])
        #expect(Dashboard.render(state).lines[0].contains("Watchlist /0002 account:north · 1 of 5 orders"))
    }

    /// An order's account found at its fetch: it leaves `account:?`, joins its account's filter,
    /// and its cell and Account field say the account.
    @Test func anAccountFoundAtAFetchMovesTheOrderBetweenFilters() {
        var state = loaded(watchlist, accounts: Self.twoAccounts)
        filter("account:?", &state)
        #expect(drawnReferences(state) == [Self.reference(5)])
        _ = Dashboard.update(&state, .fetched(5, row: order(5, account: "north", paymentConfigID: "cfg1"), error: nil))
        #expect(drawnReferences(state).isEmpty)
        #expect(Dashboard.render(state).lines[0].contains("Watchlist /account:? · 0 of 5 orders"), "\(Dashboard.render(state).lines[0])")
        filter("account:north", &state)
        #expect(Set(drawnReferences(state)) == Set([1, 2, 5].map(Self.reference)))
        #expect(line(Dashboard.render(state), Self.reference(5)).contains("\(Self.reference(5))  north "))
        openOrder(5, &state)
        #expect(fieldLines(state, "Account") == ["north"] && fieldLines(state, "Pay config") == ["cfg1"])
    }

    // MARK: - The order's Account field

    @Test func anOrderSaysItsAccountAndPaymentConfiguration() {
        var state = loaded(watchlist, accounts: Self.twoAccounts)
        openOrder(1, &state)
        let account = fieldLines(state, "Account")
        #expect(account.count == 1, "\(Dashboard.render(state).text)")
        #expect(account == ["north"] && fieldLines(state, "Pay config") == ["cfg2"], "\(account)")

        // Known account, no payment configuration of its own: the account alone.
        var south = loaded(watchlist, accounts: Self.twoAccounts)
        openOrder(3, &south)
        let southLine = fieldLines(south, "Account").first ?? ""
        #expect(southLine == "south", "\(southLine)")
        #expect(fieldLines(south, "Pay config").isEmpty)

        // Not known yet.
        var unknown = loaded(watchlist, accounts: Self.twoAccounts)
        openOrder(5, &unknown)
        let unknownLine = fieldLines(unknown, "Account").first ?? ""
        #expect(unknownLine == "not known yet: found at its next fetch", "\(Dashboard.render(unknown).text)")
    }

    @Test(arguments: [[], ["north"]])
    func withOneAccountAnOrderHasNoAccountField(accounts: [String]) {
        var state = loaded(watchlist, accounts: accounts)
        openOrder(1, &state)
        #expect(fieldLines(state, "Account").isEmpty, "\(Dashboard.render(state).text)")
        #expect(fieldLines(state, "Pay config").isEmpty)
        var plain = Watchlists.loaded(watchlist, size: Size(width: 120, height: 40))
        openOrder(1, &plain)
        #expect(Dashboard.render(state).text == Dashboard.render(plain).text)
    }

    // MARK: - o, then a

    /// `o`, `reference` typed, Enter; the look-up comes back with `place`.
    func lookUp(_ reference: String, place: OrderPlace?, accounts: [String] = twoAccounts) -> DashboardState {
        var state = loaded(watchlist, accounts: accounts)
        _ = Dashboard.update(&state, .key(.character("o")))
        type(reference, &state)
        #expect(Dashboard.update(&state, .key(.enter)) == [.lookup(-1, referenceID: reference)])
        var report = B.order([B.transaction("t9", refunds: [B.refund("r9")])])
        report.referenceID = reference
        _ = Dashboard.update(&state, .lookedUp(-1, report: report, error: nil, place: place))
        return state
    }

    @Test func aLookedUpOrderIsTrackedWhereItWasFound() {
        let place = OrderPlace(account: "north", paymentConfigID: "cfg2")
        var state = lookUp("ORD-20261120-7777", place: place)
        #expect(state.lookups[-1]?.place == place)
        let screen = Dashboard.render(state).text
        #expect(screen.contains("not tracked · a adds it"))
        #expect(fieldLines(state, "Account") == ["north"] && fieldLines(state, "Pay config") == ["cfg2"], "\(screen)")
        #expect(Dashboard.update(&state, .key(.character("a"))) == [.track(["ORD-20261120-7777"], place: place)])

        // r asks again; an answer without a place (a failure) keeps the place it had.
        #expect(Dashboard.update(&state, .key(.character("r"))) == [.lookup(-1, referenceID: "ORD-20261120-7777")])
        let failed = ReportedError(category: .network, service: .kaleyra, message: "Kaleyra did not answer")
        _ = Dashboard.update(&state, .lookedUp(-1, report: nil, error: failed, place: nil))
        #expect(Dashboard.update(&state, .key(.character("a"))) == [.track(["ORD-20261120-7777"], place: place)])
    }

    @Test func aLookedUpOrderWithoutAPlaceIsTrackedWithoutOne() {
        var state = lookUp("ORD-20261120-8888", place: nil)
        #expect(fieldLines(state, "Account") == ["not known yet: found at its next fetch"], "\(Dashboard.render(state).text)")
        #expect(Dashboard.update(&state, .key(.character("a"))) == [.track(["ORD-20261120-8888"], place: nil)])
        // With one account, no Account field, and `a` the same.
        var single = lookUp("ORD-20261120-8888", place: OrderPlace(account: "default"), accounts: ["default"])
        #expect(fieldLines(single, "Account").isEmpty)
        #expect(Dashboard.update(&single, .key(.character("a"))) == [.track(["ORD-20261120-8888"], place: OrderPlace(account: "default"))])
    }

    // MARK: - Help

    @Test func theFilterKeysHelpMentionsAccountName() throws {
        let binding = try #require(KeyBindings.all.first { $0.command == .filter })
        #expect(binding.detail?.contains("`account:NAME`") == true, "docs/keys.md's sentence")
    }

    /// Fails as built: the `?` overlay draws each binding's few words (`KeyBinding.help`, "filter
    /// the watchlist" for `/`); `account:NAME` is only in `detail`, which docs/keys.md shows.
    @Test(arguments: [Size(width: 120, height: 40), Size(width: 80, height: 24)])
    func theHelpScreenMentionsAccountName(size: Size) {
        var state = loaded(watchlist, accounts: Self.twoAccounts, size: size)
        _ = Dashboard.update(&state, .key(.character("?")))
        #expect(state.overlay == .help)
        // Every page of the help, scrolled with j.
        var seen = Dashboard.render(state).text
        for _ in 0..<40 {
            _ = Dashboard.update(&state, .key(.character("j")))
            if state.overlay != .help { break }
            seen += "\n" + Dashboard.render(state).text
        }
        #expect(seen.contains("account:NAME"), "the ? screen at \(size):\n\(Dashboard.render(state).text)")
    }

    // MARK: - Alerts

    /// With several accounts the alerts say each order's account (from the watchlist); an alert
    /// about the whole watchlist has none.
    @Test func theAlertsScreenSaysEachOrdersAccount() {
        var state = loaded(watchlist, accounts: Self.twoAccounts)
        let alerts = [
            Alert(id: 2, key: "deadline_passed:3", rule: .deadlinePassed, orderID: 3, referenceID: Self.reference(3), refundID: "r3",
                  text: "\(Self.reference(3)) refund r3: PayU queued late", raisedAt: t0.addingTimeInterval(-60)),
            Alert(id: 1, key: "payu_token", rule: .payuToken, orderID: nil, referenceID: nil, refundID: nil,
                  text: "PayU refuses the access token: invalid_grant", raisedAt: t0.addingTimeInterval(-120)),
        ]
        _ = Dashboard.update(&state, .alertsLoaded(alerts))
        _ = Dashboard.update(&state, .key(.character("!")))
        let lines = Dashboard.render(state).lines
        #expect(lines[1] == "  STATE        RAISED    ORDER              ACCOUNT   WHO        ALERT", "\(lines[1])")
        #expect(lines[2].contains("\(Self.reference(3))  south "), "\(lines[2])")
        #expect(lines[3].contains("(all orders)         ") && !lines[3].contains("north") && !lines[3].contains("south"), "\(lines[3])")
        var one = loaded(watchlist, accounts: ["north"])
        _ = Dashboard.update(&one, .alertsLoaded(alerts))
        _ = Dashboard.update(&one, .key(.character("!")))
        #expect(!Dashboard.render(one).lines[1].contains("ACCOUNT"))
    }
}
