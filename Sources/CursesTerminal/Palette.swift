import CNCurses
import DashboardCore

/// A theme turned into curses colour pairs and attributes: one pair per role, colours reduced to
/// what the terminal has (256, 16 or 8), none at all under `NO_COLOR`.
struct Palette {
    let theme: Theme
    let noColor: Bool
    private(set) var pairs: [Role: Int16] = [:]
    /// Attributes and pair for every role × bold × reverse, worked out once: drawing asks for each
    /// cell it writes. Indexed by `slot(for:)`.
    private var looks: [(attr_t, Int16)] = []

    init(theme: Theme, noColor: Bool) {
        self.theme = theme
        self.noColor = noColor
    }

    mutating func install() {
        pairs = [:]
        defer {
            looks = Role.allCases.flatMap { role in
                [(false, false), (true, false), (false, true), (true, true)].map { computeAttributes(for: Style(role, bold: $0.0, reverse: $0.1)) }
            }
        }
        guard !noColor, has_colors() else { return }
        start_color()
        use_default_colors()
        let colors = Int(rw_colors())
        for (index, role) in Role.allCases.enumerated() {
            let look = theme.look(role)
            let pair = Int16(index + 1)
            init_pair(pair, Palette.number(look.foreground, colors: colors), Palette.number(look.background, colors: colors))
            pairs[role] = pair
        }
    }

    /// The curses colour number for a theme colour on a terminal with `colors` colours; -1 is the
    /// terminal's default.
    static func number(_ color: ThemeColor, colors: Int) -> Int16 {
        let value: Int?
        if colors >= 256 {
            value = color.index256
        } else if colors >= 16, case .index(let i) = color, i < 16 {
            value = i
        } else {
            value = color.basic
        }
        return Int16(value ?? -1)
    }

    /// A blank `Cell` (a space in the `text` role) looks exactly like what `erase()` leaves once
    /// `installBlank` has run: true unless the theme makes `text` bold, which curses would add to
    /// every character written.
    var erasesToBlank: Bool { !theme.look(.text).bold }

    /// Makes `erase()` fill with blanks in the `text` role's colours (a theme may give text a
    /// background), so an erased screen equals a blank frame.
    func installBlank() {
        let (attributes, pair) = erasesToBlank ? self.attributes(for: .text) : (rw_a_normal(), 0)
        _ = rw_set_blank(attributes, pair)
    }

    func attributes(for style: Style) -> (attr_t, Int16) {
        looks[Self.slot(for: style)]
    }

    private static func slot(for style: Style) -> Int {
        style.role.ordinal * 4 + (style.bold ? 1 : 0) + (style.reverse ? 2 : 0)
    }

    private func computeAttributes(for style: Style) -> (attr_t, Int16) {
        var attributes = rw_a_normal()
        if style.bold || theme.look(style.role).bold { attributes |= rw_a_bold() }
        // The selected row is reversed so that a theme giving `selection` only a colour gets a bar
        // of it; a theme giving it a background too gets exactly its two colours.
        let givesBar = style.role == .selection && !noColor && theme.look(.selection).background != .terminalDefault
        if style.reverse && !givesBar { attributes |= rw_a_reverse() }
        if noColor && (style.role == .muted) { attributes |= rw_a_dim() }
        return (attributes, pairs[style.role] ?? 0)
    }
}
