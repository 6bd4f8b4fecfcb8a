/// What a key asks the dashboard to do, wherever it was pressed.
public enum Command: String, Sendable, Hashable, CaseIterable {
    case down, up, pageDown, pageUp, halfPageDown, halfPageUp, top, bottom
    case open, back, filter, nextMatch, previousMatch, sort, view
    case lookup, track, remove, export, copy
    case refresh, refreshAll, pause, longerInterval, shorterInterval
    case alerts, acknowledge, snooze
    case overview, window
    case theme, help, quit
}

/// Where a binding acts.
public enum Scope: Sendable, Hashable {
    case everywhere
    /// Only on the watchlist; elsewhere the key does nothing.
    case watchlist
    /// Only on the alerts screen.
    case alerts
    /// Only on the overview.
    case overview
}

/// One key binding: the keys, what they do, where, and the words the `?` overlay and
/// docs/keys.md show. The table below is the only list of keys: dispatch, the overlay and
/// docs/keys.md come from it (GeneratedDocsTests keeps that file equal to `markdown`).
public struct KeyBinding: Sendable {
    public let keys: [Key]
    public let command: Command
    public let scope: Scope
    /// A few words for the overlay (at most 22 columns, so that two columns fit in 80).
    public let help: String
    /// docs/keys.md's fuller sentence, when the few words are not enough.
    public let detail: String?
    /// The overlay's name for keys too many to list one by one (`0–9`).
    let names: String?

    init(_ keys: [Key], _ command: Command, _ help: String, scope: Scope = .everywhere, names: String? = nil, detail: String? = nil) {
        self.keys = keys
        self.command = command
        self.scope = scope
        self.help = help
        self.names = names
        self.detail = detail
    }

    /// The keys as the overlay names them: `j ↓`, `Ctrl-d`, `0–9`.
    public var keyNames: String { names ?? keys.map(\.name).joined(separator: " ") }
}

public enum KeyBindings {
    public static let all: [KeyBinding] = [
        KeyBinding([.character("j"), .down], .down, "move down"),
        KeyBinding([.character("k"), .up], .up, "move up"),
        KeyBinding([.pageDown, .character(" ")], .pageDown, "page down"),
        KeyBinding([.pageUp], .pageUp, "page up"),
        KeyBinding([.control("d")], .halfPageDown, "half a page down"),
        KeyBinding([.control("u")], .halfPageUp, "half a page up"),
        KeyBinding([.character("g"), .home], .top, "top",
                   detail: "the top; on the watchlist the cursor then stays on the top row (what most needs attention) as refreshes re-sort the rows, until you move it"),
        KeyBinding([.character("G"), .end], .bottom, "bottom"),
        KeyBinding([.enter, .character("l"), .right], .open, "open"),
        KeyBinding([.escape, .character("h"), .left, .backspace], .back, "back / clear filter",
                   detail: "back to where you were; on the watchlist `Esc` leaves the view in force, or clears the filter"),
        KeyBinding([.character("/")], .filter, "filter the watchlist", scope: .watchlist,
                   detail: "filter the watchlist as you type (id, label, status, stage, ARN, error; `is:late` keeps orders past a deadline, `is:due` those due within 24 hours, `account:NAME` one account's); `Enter` keeps it, `Esc` clears it"),
        KeyBinding([.character("n")], .nextMatch, "next filter match",
                   detail: "the next order the filter matches (with no filter, the next order); on an order's screens it opens that order in place, so you can go through the matches without going back"),
        KeyBinding([.character("N")], .previousMatch, "previous filter match", detail: "the same, backwards"),
        KeyBinding([.character("s")], .sort, "sort the watchlist", scope: .watchlist,
                   detail: "sort the watchlist: needs attention, recently changed, reference id, deadline (the soonest first)"),
        KeyBinding((0...9).map { .character(Character(String($0))) }, .view, "saved views (0: none)", scope: .watchlist, names: "0–9",
                   detail: "on the watchlist: `1`–`9` put the saved view of that number in force, its filter, sort and columns (views are `[[views]]` in the configuration, in the file's order, then those saved with `refundwatch views save`, by name); the title bar names it, `?` lists them; `0` (or `Esc`) leaves the view: every order, sorted by what needs attention, the usual columns"),
        KeyBinding([.character("o"), .character(":")], .lookup, "look up an order",
                   detail: "look up an order by reference id without tracking it: shown at once, drill in as usual; `a` there tracks it, `r` asks again"),
        KeyBinding([.character("a")], .track, "track orders",
                   detail: "track orders: type one or more reference ids (spaces or commas between); they are fetched at once"),
        KeyBinding([.character("d")], .remove, "remove (asks first)",
                   detail: "remove the selected order (or the one open) and its history, after asking: only `y` removes"),
        KeyBinding([.character("e")], .export, "export to a file",
                   detail: "export the list on screen (filtered as shown, or the order open) to a file, as `refundwatch export` writes it: CSV, or JSON for a `.json` name; the name offered is `refundwatch-YYYYMMDD-HHMMSS.csv` in the current folder"),
        KeyBinding([.character("y")], .copy, "copy id / ARN",
                   detail: "copy the selected reference id, transaction id, or refund's ARN (its id until PayU gives one) to the clipboard with OSC 52 (xterm, kitty, iTerm2, WezTerm, foot; in tmux set `set-clipboard on`)"),
        KeyBinding([.character("r")], .refresh, "refresh this",
                   detail: "refresh what is on screen: on the watchlist the rows the filter shows (not archived ones), on an order's screens that order (concurrent, bounded; keys never wait for it); while pollers run, ask them to"),
        KeyBinding([.character("R")], .refreshAll, "refresh everything",
                   detail: "refresh everything; while pollers run, ask them to"),
        KeyBinding([.character("p")], .pause, "pause refreshing",
                   detail: "pause or resume the interval (`refresh_interval` in the configuration)"),
        KeyBinding([.character("+"), .character("=")], .longerInterval, "refresh less often", detail: "a longer interval, live"),
        KeyBinding([.character("-")], .shorterInterval, "refresh more often", detail: "a shorter interval, live"),
        KeyBinding([.character("!")], .alerts, "alerts",
                   detail: "the team's alerts, the newest first (refund failed, deadline near or passed, sides disagree, fetches failing, PayU's token); `Enter` opens the alert's order; the title bar counts the open ones"),
        KeyBinding([.character("A")], .acknowledge, "acknowledge (note)", scope: .alerts,
                   detail: "on the alerts screen: \"I have it\": acknowledge the selected alert, with an optional note for the team, signed with `[alerts] user` (or your login)"),
        KeyBinding([.character("z")], .snooze, "snooze 1h/4h/1d", scope: .alerts,
                   detail: "on the alerts screen: snooze the selected alert for 1h (type 4h or 1d instead); it counts as open again after"),
        KeyBinding([.character("v")], .overview, "overview (charts)",
                   detail: "the overview: open refunds by age and stage with ₹ totals, time to ARN and to completion against the window before, refunds per day, deadlines and alerts by rule, gateways and payment methods, fetch health; `Enter` on a bar opens the watchlist narrowed to exactly its orders, `Esc` comes back"),
        KeyBinding([.character("w")], .window, "window 24h/7d/30d", scope: .overview,
                   detail: "on the overview: the window it looks back over, 24 hours, 7 days or 30 days"),
        KeyBinding([.character("t")], .theme, "next theme"),
        KeyBinding([.character("?")], .help, "this help", detail: "the keys (any key closes it; `j`/`k` scroll it on a small terminal)"),
        KeyBinding([.character("q")], .quit, "quit",
                   detail: "quit (also Ctrl-C, SIGTERM, SIGHUP: the terminal is restored on every way out)"),
    ]

    /// What the mouse does, for the overlay and docs/keys.md.
    public static let mouse: [(what: String, does: String)] = [
        ("click, 2×", "select, open"),
        ("wheel, title", "scroll, go back"),
    ]

    /// The binding for `key` on the watchlist (`atWatchlist`), the alerts screen (`atAlerts`) or
    /// elsewhere, if any.
    public static func binding(for key: Key, atWatchlist: Bool, atAlerts: Bool = false, atOverview: Bool = false) -> KeyBinding? {
        lookup[key].flatMap { binding in
            switch binding.scope {
            case .everywhere: binding
            case .watchlist: atWatchlist ? binding : nil
            case .alerts: atAlerts ? binding : nil
            case .overview: atOverview ? binding : nil
            }
        }
    }

    private static let lookup: [Key: KeyBinding] = {
        var table: [Key: KeyBinding] = [:]
        for binding in all {
            for key in binding.keys {
                precondition(table[key] == nil, "\(key.name) is bound twice")
                table[key] = binding
            }
        }
        return table
    }()

    /// The key table of docs/keys.md, made from the bindings.
    public static var markdown: String {
        var lines = ["| key | does |", "|---|---|"]
        for binding in all {
            let keys = binding.keys.map { "`\($0.name)`" }.joined(separator: ", ")
            lines.append("| \(keys) | \(binding.detail ?? binding.help) |")
        }
        lines.append("| mouse | a click selects a row, a double click opens it, the wheel scrolls, a click on a breadcrumb segment goes back to it (`mouse = false` in the configuration leaves the mouse to the terminal, for selecting text) |")
        return lines.joined(separator: "\n")
    }
}

extension Key {
    /// The key as the help and docs/keys.md name it.
    public var name: String {
        switch self {
        case .character(" "): "Space"
        case .character(let character): String(character)
        case .control(let letter): "Ctrl-\(letter)"
        case .up: "↑"
        case .down: "↓"
        case .left: "←"
        case .right: "→"
        case .pageUp: "PgUp"
        case .pageDown: "PgDn"
        case .home: "Home"
        case .end: "End"
        case .enter: "Enter"
        case .escape: "Esc"
        case .backspace: "⌫"
        }
    }
}
