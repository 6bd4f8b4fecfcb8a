import Foundation
import Testing
import RefundModel
import WatchlistModel
@testable import DashboardCore
import TestReports

/// The alerts screen and the ring: what an operator sees and hears when the store raises alerts.
@Suite struct DashboardAlertsTests {
    let t0 = Watchlists.t0

    func alert(_ id: Int64, _ rule: AlertRule, order: Int64? = 1, reference: String? = "ORD-1", refund: String? = "r1", text: String,
               ago: TimeInterval = 600) -> Alert {
        Alert(id: id, key: "\(rule.rawValue):\(id)", rule: rule, orderID: order, referenceID: reference, refundID: refund, text: text,
              raisedAt: t0.addingTimeInterval(-ago))
    }

    var alerts: [Alert] {
        [
            alert(3, .refundFailed, text: "ORD-1 refund r1 failed (PayU)", ago: 120),
            alert(2, .deadlinePassed, order: 2, reference: "ORD-2", refund: "r2", text: "ORD-2 refund r2: ARN late, was due Wed 18 Nov 2026, 10:36 IST"),
            alert(1, .payuToken, order: nil, reference: nil, refund: nil, text: "PayU refuses the access token: invalid_grant", ago: 7200),
        ]
    }

    func loaded(size: Size = Size(width: 120, height: 40)) -> DashboardState {
        var state = Watchlists.loaded([Watchlists.row(1, "ORD-1"), Watchlists.row(2, "ORD-2")], size: size)
        _ = Dashboard.update(&state, .alertsLoaded(alerts))
        return state
    }

    @Test func theAlertsScreenListsTheNewestFirstAtEachSize() {
        var state = loaded()
        #expect(Dashboard.render(state).lines[0].hasSuffix("2 orders · 0 pending · 0 overdue · 0 failing · ! 3 alerts"), "the title bar counts the open ones")
        #expect(Dashboard.update(&state, .key(.character("!"))).isEmpty, "already read: nothing to load")
        let wide = Dashboard.render(state).lines
        #expect(wide[0].hasPrefix(" refundwatch Watchlist › Alerts"))
        // At 120 columns the refund id gives way to the alert's words (the order's screen has it).
        #expect(wide[1] == "  STATE        RAISED    RULE               ORDER              WHO        ALERT")
        #expect(wide[2] == "! open         2m ago    refund failed      ORD-1                         failed (PayU)")
        #expect(wide[3] == "! open         10m ago   deadline passed    ORD-2                         ARN late, was due Wed 18 Nov 2026, 10:36 IST")
        #expect(wide[4] == "! open         2h ago    PayU token refused (all orders)                  PayU refuses the access token: invalid_grant")
        state.size = Size(width: 80, height: 24)
        let narrow = Dashboard.render(state).lines
        #expect(narrow[0].hasSuffix("2 orders · 0 overdue · 0 failing · ! 3 alerts"), "shortened, the alerts kept: \(narrow[0])")
        #expect(narrow[1].hasPrefix("  STATE        RAISED    ORDER              ALERT"))
        #expect(narrow[2].hasPrefix("! open         2m ago    ORD-1              failed (PayU)"))
    }

    @Test func acknowledgingAndSnoozingGoThroughPromptsToTheStore() {
        var state = loaded()
        state.person = "asha"
        _ = Dashboard.update(&state, .key(.character("!")))
        #expect(Dashboard.update(&state, .key(.character("A"))).isEmpty)
        #expect(Dashboard.render(state).lines[38].hasPrefix("Acknowledge, note (optional): ▏   Enter signs it as asha"))
        for character in "ticket 4411" { _ = Dashboard.update(&state, .key(.character(character))) }
        #expect(Dashboard.update(&state, .key(.enter)) == [.acknowledgeAlert(3, by: "asha", note: "ticket 4411")])
        var acknowledged = alerts[0]
        acknowledged.acknowledgedBy = "asha"
        acknowledged.acknowledgedAt = t0
        acknowledged.note = "ticket 4411"
        _ = Dashboard.update(&state, .alertChanged(acknowledged))
        #expect(state.openAlerts == 2)
        let screen = Dashboard.render(state).lines
        #expect(screen[2] == "  acknowledged 2m ago    refund failed      ORD-1              asha       failed (PayU) · note: ticket 4411")
        #expect(screen[38].contains("acknowledged by asha: ORD-1 refund r1 failed (PayU)"))
        // z offers 1h; 4h typed instead; a bad duration keeps the prompt open and says why.
        _ = Dashboard.update(&state, .key(.character("j")))
        _ = Dashboard.update(&state, .key(.character("z")))
        #expect(state.prompt == Prompt(.snooze(2), text: "1h"))
        _ = Dashboard.update(&state, .key(.control("u")))
        for character in "soon" { _ = Dashboard.update(&state, .key(.character(character))) }
        #expect(Dashboard.update(&state, .key(.enter)).isEmpty)
        #expect(state.prompt != nil && state.flash?.message.contains("\"soon\" is not a duration") == true)
        _ = Dashboard.update(&state, .key(.control("u")))
        for character in "4h" { _ = Dashboard.update(&state, .key(.character(character))) }
        #expect(Dashboard.update(&state, .key(.enter)) == [.snoozeAlert(2, until: t0.addingTimeInterval(4 * 3600))])
        // Enter opens the alert's order; the watchlist's own alert has none and says so.
        #expect(Dashboard.update(&state, .key(.enter)) == [.loadDetail(2)])
        #expect(state.frame.view == .order(2))
        _ = Dashboard.update(&state, .key(.escape))
        _ = Dashboard.update(&state, .key(.character("G")))
        #expect(Dashboard.update(&state, .key(.enter)).isEmpty)
        #expect(state.flash?.message == "this alert is about the whole watchlist, not one order")
        // A read-only dashboard acknowledges nothing.
        var readOnly = loaded()
        readOnly.readOnly = true
        _ = Dashboard.update(&readOnly, .key(.character("!")))
        _ = Dashboard.update(&readOnly, .key(.character("A")))
        #expect(readOnly.prompt == nil)
    }

    /// New alerts ring once per 10 seconds at most, batched; the first read rings for none.
    @Test func newAlertsRingBatchedThroughTheTerminal() {
        let terminal = MemoryTerminal(size: Size(width: 80, height: 24))
        var clock = t0
        var state = DashboardState(now: t0, size: Size(width: 80, height: 24), interval: 30, themeName: "default")
        state.notify = .osc777
        let effects = DashboardLoopTests.FakeEffects(rows: [Watchlists.row(1, "ORD-1")])
        let runner = DashboardRunner(state: state, terminal: terminal, performer: effects, clock: { (clock, clock) })
        runner.start()
        for _ in 0..<5 { runner.step(waiting: 0) }
        #expect(effects.effects.contains(.loadAlerts), "read once the watchlist is")
        runner.post(.alertsLoaded([alerts[2]]))
        runner.step(waiting: 0)
        #expect(terminal.rung.isEmpty, "what was there before the dashboard started does not ring")
        runner.post(.alertsLoaded([alerts[0], alerts[2]]))
        runner.step(waiting: 0)
        #expect(terminal.rung == ["\u{1B}]777;notify;refundwatch;ORD-1 refund r1 failed (PayU)\u{07}"])
        // Two more within 10 seconds wait, then ring as one.
        clock = t0.addingTimeInterval(3)
        let another = alert(4, .deadlinePassed, text: "ORD-1 refund r4: ARN late")
        runner.post(.alertsLoaded([another, alerts[1], alerts[0], alerts[2]].map { $0 }.map { a in var a = a; if a.id == 2 { a.id = 5 }; return a }))
        runner.step(waiting: 0)
        #expect(terminal.rung.count == 1)
        clock = t0.addingTimeInterval(10.5)
        runner.step(waiting: 0)
        #expect(terminal.rung.last == "\u{1B}]777;notify;refundwatch;2 new alerts: 2 deadline passed\u{07}")
        #expect(terminal.rung.count == 2)
    }

    @Test func theNoticeCarriesNoEscapeAndGoesThroughTmuxsPassthrough() {
        let hostile = "ORD-1 refund r\u{1B}]52;c;ZXZpbA==\u{07}1 failed; note \u{9B}31m"
        let osc777 = AlertNotice.sequence(.osc777, text: hostile, insideTmux: false)!
        let body = osc777.dropFirst("\u{1B}]777;notify;refundwatch;".count).dropLast()
        #expect(!body.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }, "no ESC, BEL or C1 inside: \(body.debugDescription)")
        #expect(!body.contains(";"), "nor a field separator")
        #expect(osc777.hasSuffix("\u{07}") && osc777.filter { $0 == "\u{07}" }.count == 1)
        #expect(AlertNotice.sequence(.osc9, text: "3 new alerts", insideTmux: false) == "\u{1B}]9;refundwatch: 3 new alerts\u{07}")
        #expect(AlertNotice.sequence(.osc9, text: "3 new alerts", insideTmux: true) == "\u{1B}Ptmux;\u{1B}\u{1B}]9;refundwatch: 3 new alerts\u{07}\u{1B}\\")
        #expect(AlertNotice.sequence(.bell, text: hostile, insideTmux: true) == "\u{07}")
        #expect(AlertNotice.sequence(.off, text: "x", insideTmux: false) == nil)
    }

    /// An alert whose text carries an OSC 52 clipboard write and a bell (from a refund id an API
    /// sent) shows them as visible text on the alerts screen, and the title bar's ring is clean.
    @Test func hostileTextReachesNoCellAsAnEscape() {
        let hostile = "ORD-1 refund r1: ARN late \u{1B}]52;c;ZXZpbA==\u{07}"
        var state = Watchlists.loaded([Watchlists.row(1, "ORD-1")], size: Size(width: 120, height: 40))
        state.notify = .osc777
        _ = Dashboard.update(&state, .alertsLoaded([]))
        let effects = Dashboard.update(&state, .alertsLoaded([alert(9, .deadlinePassed, refund: "r1", text: hostile)]))
        guard case .ring(let bytes)? = effects.first else { Issue.record("no ring: \(effects)"); return }
        #expect(bytes.filter { $0 == "\u{1B}" }.count == 1 && bytes.filter { $0 == "\u{07}" }.count == 1, "only the sequence's own ESC and BEL: \(bytes.debugDescription)")
        _ = Dashboard.update(&state, .key(.character("!")))
        let screen = Dashboard.render(state)
        #expect(!screen.text.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 })
        #expect(screen.lines[2].contains("\\e]52;c;ZXZpbA=="), "shown, visibly: \(screen.lines[2])")
    }
}
