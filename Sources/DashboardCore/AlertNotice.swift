import Foundation
import RefundModel
import WatchlistModel

/// Telling a person of new alerts: at most once each 10 seconds, the alerts since the last time
/// batched into one line ("3 new alerts: 2 deadline passed, 1 refund failed"), as the terminal's
/// bell or a desktop notification.
///
/// The line holds API text (reference and refund ids), so it goes through `TerminalSafe` and
/// loses what would end or split the escape sequence it travels in: no ESC, BEL or control
/// character is left, and `;` (OSC 777's field separator) becomes `,`.
enum AlertNotice {
    static let spacing: TimeInterval = 10

    /// The line for these new alerts.
    static func text(_ alerts: [Alert]) -> String {
        if alerts.count == 1 { return alerts[0].text }
        var counts: [(AlertRule, Int)] = []
        for rule in AlertRule.allCases {
            let count = alerts.filter { $0.rule == rule }.count
            if count > 0 { counts.append((rule, count)) }
        }
        return "\(alerts.count) new alerts: " + counts.map { "\($0.1) \($0.0.title)" }.joined(separator: ", ")
    }

    /// `text` as it may travel inside an escape sequence.
    static func safe(_ text: String) -> String {
        String(TerminalSafe.text(text).unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F && !(0x80...0x9F).contains($0.value) })
            .replacingOccurrences(of: ";", with: ",")
    }

    /// The bytes for one notice, or nil when notices are off.
    static func sequence(_ style: NotifyStyle, text: String, insideTmux: Bool) -> String? {
        let body = safe(text)
        let osc: String
        switch style {
        case .off: return nil
        case .bell: return "\u{07}"
        case .osc777: osc = "\u{1B}]777;notify;refundwatch;\(body)\u{07}"
        case .osc9: osc = "\u{1B}]9;refundwatch: \(body)\u{07}"
        }
        // tmux passes a sequence to the outer terminal inside ESC P tmux; … ESC \, every ESC in it
        // doubled (tmux 3.3 and later also needs `set -g allow-passthrough on`).
        return insideTmux ? "\u{1B}Ptmux;" + osc.replacingOccurrences(of: "\u{1B}", with: "\u{1B}\u{1B}") + "\u{1B}\\" : osc
    }

    /// Rings for what is waiting when the last ring is 10 seconds old (wall clock).
    static func announce(_ state: inout DashboardState) -> [Effect] {
        guard !state.unannounced.isEmpty else { return [] }
        if let last = state.lastAnnounced, state.wall.timeIntervalSince(last) < spacing { return [] }
        let waiting = state.unannounced
        state.unannounced = []
        state.lastAnnounced = state.wall
        guard let bytes = sequence(state.notify, text: text(waiting), insideTmux: state.insideTmux) else { return [] }
        return [.ring(bytes)]
    }

    /// The store's alerts, read again: new ones (an id above the mark) wait to be rung for; the
    /// first read rings for none (they were there before this dashboard).
    static func loaded(_ alerts: [Alert], _ state: inout DashboardState) -> [Effect] {
        let mark = state.alertMark
        state.alerts = alerts
        state.alertsLoaded = true
        state.alertsStale = false
        let highest = alerts.map(\.id).max()
        if let mark {
            state.unannounced += alerts.filter { $0.id > mark && $0.state(at: state.now) == .open }
            state.alertMark = max(mark, highest ?? mark)
        } else {
            state.alertMark = highest ?? 0
        }
        if state.frame.view == .alerts { Dashboard.clampCursor(&state) }
        return announce(&state)
    }
}
