import Foundation
import Testing
import RefundKit
import RefundSimulator
import RefundStore
import WatchlistModel
@testable import DashboardCore
import TestSupport

/// Screens rendered from simulator data with a fixed clock, compared with the text in
/// `Snapshots/`. Set RECORD_SNAPSHOTS=1 to write what the code draws now (then read every file).
@Suite(.serialized) struct DashboardRenderTests {
    static let india = TimeZone(identifier: "Asia/Kolkata")!
    static let orders = ["ORD-20261009-2760", "ORD-20260916-7757", "ORD-20261015-6901", "ORD-20261002-9464", "ORD-20261103-5963", "ORD-20261004-9275"]

    /// A watchlist of catalogue orders fetched from a simulator at its fixed start date.
    static func state(size: Size) async throws -> DashboardState {
        setlocale(LC_ALL, "C.UTF-8")
        let fixed = Date(timeIntervalSince1970: 1_795_000_000)
        let store = try await SQLiteStore.inMemory()
        let details = try await withSimulator { harness in
            let service = RefundService(configuration: harness.configuration, now: { fixed })
            return try await scoped(service, stop: { await $0.shutdown() }) { service in
                let added = try await store.add(orders.map { TrackedOrder(referenceID: $0, label: $0 == "ORD-20261009-2760" ? "escalated" : nil, addedAt: fixed) }).added
                var details: [Int64: Detail] = [:]
                for order in added {
                    let report = try await service.report(referenceID: order.referenceID)
                    _ = try await store.record(report, orderID: order.id!, rules: DeadlineRules())
                    details[order.id!] = await Detail(report: try store.report(orderID: order.id!), history: try store.history(orderID: order.id!))
                }
                let failed = ReportedError(category: .network, service: .kaleyra, message: "Kaleyra did not answer within 20 s.")
                try await store.recordFailure(failed, at: fixed.addingTimeInterval(90), orderID: added[2].id!)
                return details
            }
        }

        let now = fixed.addingTimeInterval(120)
        var state = DashboardState(now: now, size: size, interval: 30)
        state.timeZone = india
        _ = await Dashboard.update(&state, .watchlistLoaded(try store.watchlist()))
        for (id, detail) in details { _ = Dashboard.update(&state, .detailLoaded(id, detail)) }
        state.lastRefresh = now.addingTimeInterval(-12)
        state.nextRefresh = now.addingTimeInterval(18)
        // The overview these orders make, as the store counts it (shown when `v` opens it).
        _ = Dashboard.update(&state, .overviewLoaded(try await store.overview(.last(.week, until: now)), .week))
        return state
    }

    /// Compares `screen` with `Snapshots/NAME.txt` (its text) and, with `styles`, with
    /// `Snapshots/NAME.styles.txt` (each cell's role, bold and reverse: `Screen.styledText`), so
    /// that a cell drawn in the wrong role fails as a wrong word does.
    func expectSnapshot(_ screen: Screen, _ name: String, styles: Bool = false, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try expectFile(screen.text + "\n", name + ".txt", sourceLocation: sourceLocation)
        if styles { try expectFile(screen.styledText + "\n", name + ".styles.txt", sourceLocation: sourceLocation) }
    }

    func expectFile(_ actual: String, _ file: String, sourceLocation: SourceLocation) throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")
        let path = folder.appendingPathComponent(file)
        let actualPath = folder.appendingPathComponent(file.replacingOccurrences(of: ".txt", with: ".actual.txt"))
        if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" {
            try actual.write(to: path, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: path, encoding: .utf8)
        if actual != expected {
            try? actual.write(to: actualPath, atomically: true, encoding: .utf8)
        }
        #expect(actual == expected, "\(file) differs; what was drawn is in Snapshots/\(actualPath.lastPathComponent)", sourceLocation: sourceLocation)
    }

    /// Opens the 2760 order, its transaction and its second refund.
    func drill(_ state: inout DashboardState, depth: Int) {
        let index = state.sortedRows.firstIndex { $0.order.referenceID == "ORD-20261009-2760" }!
        state.frame.selected = index
        if depth >= 1 { _ = Dashboard.update(&state, .key(.enter)) }
        if depth >= 2 { _ = Dashboard.update(&state, .key(.enter)) }
        if depth >= 3 {
            _ = Dashboard.update(&state, .key(.down))
            _ = Dashboard.update(&state, .key(.enter))
        }
    }

    @Test(arguments: [(80, 24), (120, 40), (60, 12)])
    func everyScreenAtEachSize(width: Int, height: Int) async throws {
        let base = try await Self.state(size: Size(width: width, height: height))
        let names = ["watchlist", "order", "transaction", "refund"]
        for depth in 0...3 {
            var state = base
            drill(&state, depth: depth)
            try expectSnapshot(Dashboard.render(state), "\(names[depth])-\(width)x\(height)", styles: true)
        }
        var help = base
        _ = Dashboard.update(&help, .key(.character("?")))
        try expectSnapshot(Dashboard.render(help), "help-\(width)x\(height)")

        // The alerts these orders raise with a lead of ten days (so that deadlines still to come
        // are near), as the store gives them (the newest first), the oldest acknowledged.
        var alerts = base
        var raised: [Alert] = []
        var lead = AlertThresholds()
        lead.deadlineLead = 10 * 86_400
        for (id, detail) in base.details.sorted(by: { $0.key < $1.key }) {
            guard let report = detail.report else { continue }
            for draft in AlertDraft.conditions(for: report, orderID: id, rules: DeadlineRules(), thresholds: lead, now: base.now) {
                raised.append(Alert(id: Int64(raised.count + 1), key: draft.key, rule: draft.rule, orderID: id, referenceID: draft.referenceID,
                                    refundID: draft.refundID, text: draft.text, raisedAt: base.now.addingTimeInterval(-Double(600 - raised.count * 60))))
            }
        }
        #expect(raised.count >= 2, "the fixture raises alerts")
        raised[0].acknowledgedBy = "asha"
        raised[0].acknowledgedAt = base.now
        raised[0].note = "ticket 4411"
        _ = Dashboard.update(&alerts, .alertsLoaded(raised.reversed()))
        _ = Dashboard.update(&alerts, .key(.character("!")))
        try expectSnapshot(Dashboard.render(alerts), "alerts-\(width)x\(height)", styles: true)

        var overview = base
        _ = Dashboard.update(&overview, .key(.character("v")))
        try expectSnapshot(Dashboard.render(overview), "overview-\(width)x\(height)", styles: true)
    }

    @Test func aTerminalTooSmallSaysSo() async throws {
        var state = try await Self.state(size: Size(width: 80, height: 24))
        _ = Dashboard.update(&state, .resize(Size(width: 50, height: 10)))
        let lines = Dashboard.render(state).lines
        #expect(lines.contains { $0.contains("Terminal too small: 50×10.") })
        #expect(lines.contains { $0.contains("refundwatch needs at least 60×12.") })
        #expect(lines.allSatisfy { DisplayWidth.of($0) <= 50 })
    }

    @Test func rolesGiveTheThemeItsCells() async throws {
        var state = try await Self.state(size: Size(width: 120, height: 40))
        var screen = Dashboard.render(state)
        var lines = screen.lines
        // The overdue order is first, under the cursor: the whole row in the theme's selection
        // role (reversed, so a theme giving it only a colour gets a bar of it), its bold kept.
        let overdueRow = try #require(lines.firstIndex { $0.contains("ORD-20260916-7757") })
        #expect(overdueRow == 2)
        #expect(screen[0, overdueRow].text == "▲")
        #expect(screen[0, overdueRow].style == Style(.selection, bold: true, reverse: true))
        #expect((0..<120).allSatisfy { screen[$0, overdueRow].style.role == .selection })
        #expect(Theme.builtIn.look(.selection) == RoleLook(.index(7), on: .index(4)))
        // The failing order's marker, the title bar.
        let failingRow = try #require(lines.firstIndex { $0.contains("ORD-20261015-6901") })
        #expect(screen[0, failingRow].style.role == .error)
        #expect(!screen[5, failingRow].style.reverse)
        #expect(Theme.builtIn.look(.error) == RoleLook(.index(9), bold: true))
        #expect(screen[1, 0].style == Style(.title, bold: true, reverse: true))
        // The cursor moved on, the overdue marker shows its own role.
        _ = Dashboard.update(&state, .key(.down))
        screen = Dashboard.render(state)
        lines = screen.lines
        #expect(screen[0, overdueRow].style.role == .overdue)
        #expect(Theme.builtIn.look(.overdue) == RoleLook(.index(5), bold: true))
        #expect(screen[5, failingRow].style == Style(.selection, reverse: true))
    }

    /// The STATE cell of a row is drawn in the role of its refunds: pending while one is on its
    /// way, good once all are done. (The styled snapshots hold every cell; this names the cells a
    /// person reads the colour of.)
    @Test func theStateCellIsDrawnInTheRoleOfTheRowsRefunds() async throws {
        let screen = Dashboard.render(try await Self.state(size: Size(width: 120, height: 40)))
        let lines = screen.lines
        let header = try #require(lines.firstIndex { $0.contains("REFERENCE") && $0.contains("STATE") })
        // The header is ASCII: its characters are its columns.
        let column = try #require(lines[header].range(of: "STATE")).lowerBound.utf16Offset(in: lines[header])
        func stateCell(_ referenceID: String) throws -> (text: String, style: Style) {
            let row = try #require(lines.firstIndex { $0.contains(referenceID) }, "no row for \(referenceID)")
            return ((column..<column + 6).map { screen[$0, row].text }.joined(), screen[column, row].style)
        }
        let done = try stateCell("ORD-20261103-5963")
        #expect(done.text == "1 done" && done.style == Style(.good), "\(done)")
        let queued = try stateCell("ORD-20261002-9464")
        #expect(queued.text == "1 queu" && queued.style == Style(.pending), "\(queued)")
    }
}
