import Foundation
import RefundModel
import WatchlistModel

extension Dashboard {
    /// The frame for a state: pure, so every screen can be checked as text. The layout gives each
    /// part its area; the open screen's component draws the body.
    public static func render(_ state: DashboardState) -> Screen {
        var screen = Screen(state.size)
        guard ScreenLayout.fits(state.size) else {
            renderTooSmall(state.size, into: &screen)
            return screen
        }
        let layout = state.layout
        let c = RenderContext(state: state)
        TitleBar.render(c, in: layout.title, into: &screen)
        state.frame.view.component.render(c, frame: state.frame, in: layout.body, into: &screen)
        FlashLine.render(c, in: layout.flash, into: &screen)
        StatusLine.render(c, in: layout.status, into: &screen)
        if state.overlay == .help { HelpComponent.render(c, scroll: state.helpTop, in: layout.body, into: &screen) }
        return screen
    }

    static func renderTooSmall(_ size: Size, into screen: inout Screen) {
        let minimum = ScreenLayout.minimum
        let lines = ["Terminal too small: \(size.width)×\(size.height).",
                     "refundwatch needs at least \(minimum.width)×\(minimum.height).",
                     "Make the window larger, or press q to quit."]
        let top = max(0, (size.height - lines.count) / 2)
        for (index, line) in lines.enumerated() {
            let clipped = DisplayWidth.clip(line, to: size.width)
            screen.put(clipped, x: max(0, (size.width - DisplayWidth.of(clipped)) / 2), y: top + index, style: Style(.warning, bold: index == 0))
        }
    }
}

/// What every component needs to draw besides its own values: the state, and helpers to find an
/// order's data and write times.
struct RenderContext {
    let state: DashboardState

    var now: Date { state.now }

    func row(_ id: Int64) -> WatchedOrder? { state.row(id: id) }
    func reference(_ id: Int64) -> String { row(id)?.order.referenceID ?? state.lookups[id]?.referenceID ?? "order \(id)" }
    func report(_ id: Int64) -> OrderReport? { state.details[id]?.report }
    func history(_ id: Int64) -> [HistoryEntry] { state.details[id]?.history ?? [] }
    func transaction(_ id: Int64, _ index: Int) -> TransactionReport? { report(id)?.transactions[safe: index] }
    /// A looked-up order is stored nowhere, so it has no history.
    func isTracked(_ id: Int64) -> Bool { state.lookups[id] == nil }

    func time(_ date: Date?) -> String {
        guard let date else { return "—" }
        return state.times.exact(date)
    }

    func time(_ timestamp: Timestamp) -> String {
        switch timestamp {
        case .known(let date): time(date)
        case .unknown(let raw): raw.isEmpty ? "—" : "unknown (\(raw))"
        }
    }

    /// Gateway ids run to 18 digits; the breadcrumb shows their end, which is what differs.
    static func short(_ id: String) -> String {
        id.count > 10 ? "…" + id.suffix(8) : id
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}

/// Status words coloured by what they mean.
enum StatusStyle {
    static func role(for status: String) -> Role {
        switch status.lowercased() {
        case "success", "captured", "completed", "done", "settled", "✓": .good
        case "failed", "failure", "canceled", "cancelled": .bad
        case "pending", "queued", "requested", "in progress", "no arn yet", "new": .pending
        default: .neutral
        }
    }
}
