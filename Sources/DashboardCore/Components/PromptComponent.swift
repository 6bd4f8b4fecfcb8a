import Foundation
import RefundModel
import WatchlistModel

/// The lines typed at the bottom of the screen (`/`, `o`, `a`, `e`) and the remove question: how
/// they are drawn, the keys they take, and what their answers lead to (looking up, tracking,
/// removing, exporting orders).
enum PromptComponent {
    static let cursor = "▏"

    /// The prompt's line above the status line, nil when none is open.
    static func line(_ c: RenderContext) -> (text: String, style: Style)? {
        let state = c.state
        guard let prompt = state.prompt else { return nil }
        switch prompt.kind {
        case .filter:
            return ("/" + state.filter + cursor + "   \(state.visibleCount) of \(state.rows.count) orders · Enter keeps it, Esc clears it", Style(.warning, bold: true))
        case .lookup:
            return ("Look up order: " + prompt.text + cursor + "   Enter shows it (not tracked) · Esc cancels", Style(.warning, bold: true))
        case .track:
            return ("Track: " + prompt.text + cursor + "   reference ids, space between · Enter adds · Esc cancels", Style(.warning, bold: true))
        case .export:
            let count = state.frame.view.component.exportScope(state).count
            return ("Export \(count == 1 ? "1 order" : "\(count) orders") to: " + prompt.text + cursor + "   .json for JSON · Enter writes · Esc cancels", Style(.warning, bold: true))
        case .remove(_, let referenceID):
            return ("Remove \(referenceID) and its history? y: yes · any other key: no", Style(.error, bold: true))
        case .acknowledge:
            return ("Acknowledge, note (optional): " + prompt.text + cursor + "   Enter signs it as \(state.person) · Esc cancels", Style(.warning, bold: true))
        case .snooze:
            return ("Snooze for: " + prompt.text + cursor + "   1h, 4h or 1d · Enter snoozes · Esc cancels", Style(.warning, bold: true))
        }
    }

    /// Keys while a prompt is open. The filter applies as it is typed (Enter keeps it, Esc clears
    /// it); the others act on Enter and Esc cancels them. A remove question takes y, or keeps the order.
    static func handle(_ key: Key, _ state: inout DashboardState) -> [Effect] {
        guard var prompt = state.prompt else { return [] }
        if case .remove(_, let referenceID) = prompt.kind {
            state.prompt = nil
            if key == .character("y") || key == .character("Y") {
                let ids = Set(state.rows.filter { $0.order.referenceID == referenceID }.compactMap(\.order.id))
                return [.untrack(referenceID, ids: ids)]
            }
            state.flash = Flash(message: "kept \(referenceID)", isError: false, at: state.wall)
            return []
        }
        switch key {
        case .enter:
            return submit(prompt, &state)
        case .escape:
            state.prompt = nil
            if prompt.kind == .filter { state.filter = "" }
        case .backspace:
            if !prompt.text.isEmpty { prompt.text.removeLast() }
            state.prompt = prompt
        case .control("u"):
            // As in a shell: the whole line goes (the export prompt's suggested name, say).
            prompt.text = ""
            state.prompt = prompt
        case .control("w"):
            // As in a shell: the last word and the spaces after it.
            while prompt.text.last == " " { prompt.text.removeLast() }
            while let last = prompt.text.last, last != " " { prompt.text.removeLast() }
            state.prompt = prompt
        case .character(let character) where !character.isNewline && !(character.asciiValue.map { $0 < 0x20 || $0 == 0x7F } ?? false):
            prompt.text.append(character)
            state.prompt = prompt
        default:
            break
        }
        if prompt.kind == .filter {
            state.filter = state.prompt?.text ?? state.filter
            state.frame.selected = 0
            state.frame.top = 0
            state.frame.moved = false
        }
        return []
    }

    static func submit(_ prompt: Prompt, _ state: inout DashboardState) -> [Effect] {
        let text = prompt.text.trimmingCharacters(in: .whitespaces)
        func refuse(_ message: String) -> [Effect] {
            // The prompt stays open with what was typed, so nothing has to be typed again.
            state.flash = Flash(message: message, isError: true, at: state.wall)
            return []
        }
        switch prompt.kind {
        case .filter:
            state.prompt = nil
            return []
        case .lookup:
            if text.isEmpty { return refuse("type a reference id to look up, or Esc to cancel") }
            if let problem = ReferenceID.problem(with: text) { return refuse("\"\(text)\" is not a WhatsApp reference id: \(problem)") }
            state.prompt = nil
            state.flash = nil
            if let tracked = state.rows.first(where: { $0.order.referenceID == text }), let id = tracked.order.id {
                // Already on the watchlist: open it, history and all.
                state.seen[id] = state.now
                state.stack = [state.stack[0], Frame(.order(id))]
                state.flash = Flash(message: "\(text) is on the watchlist", isError: false, at: state.wall)
                return [.loadDetail(id)]
            }
            // Looking up fetches from the APIs: not from a read-only dashboard.
            if Dashboard.refusedReadOnly(&state) { return [] }
            let id = state.lookups.first(where: { $0.value.referenceID == text })?.key ?? (state.lookups.keys.min() ?? 0) - 1
            state.lookups[id] = Lookup(referenceID: text)
            state.stack = [state.stack[0], Frame(.order(id))]
            return [.lookup(id, referenceID: text)]
        case .track:
            let ids = text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" }).map(String.init)
            if ids.isEmpty { return refuse("type one or more reference ids to track, or Esc to cancel") }
            for id in ids {
                if let problem = ReferenceID.problem(with: id) { return refuse("\"\(id)\" is not a WhatsApp reference id: \(problem)") }
            }
            state.prompt = nil
            return [.track(ids)]
        case .export:
            if text.isEmpty { return refuse("type a file name to export to, or Esc to cancel") }
            state.prompt = nil
            return [.export(state.frame.view.component.exportScope(state).compactMap(\.id), path: text)]
        case .remove:
            return []
        case .acknowledge(let id):
            state.prompt = nil
            return [.acknowledgeAlert(id, by: state.person, note: text.isEmpty ? nil : text)]
        case .snooze(let id):
            let seconds: Double
            do { seconds = try DurationText.seconds(text) } catch { return refuse("\(error.description)") }
            guard seconds <= 30 * 86_400 else { return refuse("at most 30d; acknowledge it instead") }
            state.prompt = nil
            // On the data's clock, as alerts' times are (the simulator's, 60 times faster, in the demo).
            return [.snoozeAlert(id, until: state.now.addingTimeInterval(seconds))]
        }
    }

    /// `a` stored these orders (their rows as read back): put them on the watchlist, say so, turn a
    /// looked-up order into the tracked one, fetch them.
    static func tracked(_ rows: [WatchedOrder], alreadyTracked: [String], _ state: inout DashboardState) -> [Effect] {
        state.applyChanges(Set(rows.compactMap(\.order.id)), rows: rows)
        let added = rows.map(\.order)
        var parts: [String] = []
        if !added.isEmpty {
            parts.append(added.count == 1 ? "added \(added[0].referenceID) to the watchlist" : "added \(added.count) orders to the watchlist")
        }
        if !alreadyTracked.isEmpty {
            parts.append(alreadyTracked.count == 1 ? "\(alreadyTracked[0]) was already tracked" : "\(alreadyTracked.count) were already tracked")
        }
        state.flash = Flash(message: parts.joined(separator: "; "), isError: false, at: state.wall)
        // A looked-up order that is now tracked becomes the tracked one, on screen and in the stack.
        for order in added {
            guard let newID = order.id, let lookupID = state.lookups.first(where: { $0.value.referenceID == order.referenceID })?.key else { continue }
            for index in state.stack.indices {
                switch state.stack[index].view {
                case .order(lookupID): state.stack[index].view = .order(newID)
                case .transaction(lookupID, let t): state.stack[index].view = .transaction(newID, transaction: t)
                case .refund(lookupID, let t, let r): state.stack[index].view = .refund(newID, transaction: t, refund: r)
                default: break
                }
            }
            state.details[newID] = state.details.removeValue(forKey: lookupID)
            state.lookups[lookupID] = nil
        }
        // The cursor goes to the first new order, which is fetched at once (by a poller when one runs).
        if case .watchlist = state.frame.view, let first = added.first?.id,
           let index = state.visibleIndex(of: first) {
            Dashboard.select(index, &state)
        }
        // While pollers run, one of them fetches new orders within a second or two (it wakes for
        // orders never fetched); this dashboard fetches nothing itself.
        if state.pollersRun { return [] }
        return Dashboard.startRefresh(&state, orders: added)
    }
}

extension Dashboard {
    /// The file name `e` offers: `refundwatch-20261122-140509.csv`, in the state's zone.
    static func defaultExportName(_ state: DashboardState) -> String {
        "refundwatch-\(state.times.fileStamp(state.wall)).csv"
    }
}
