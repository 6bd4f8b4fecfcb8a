import Foundation

extension Theme {
    /// `themes/default.toml`, compiled in so the binary runs anywhere (a test checks they are the same).
    public static let defaultTOML = """
# refundwatch's default theme: the terminal's own background, a few meaningful colours.
# Roles: text, muted, border, title, header, selection, good, pending, bad, neutral,
# warning, error, overdue, changed, series1-5 (chart series). A role is a colour (name, 0-255, #rrggbb or default)
# or a table { fg = ..., bg = ..., bold = true }.
name = "default"

[roles]
text = "default"
muted = "bright-black"
border = "cyan"
title = { fg = "cyan", bold = true }
header = { fg = "default", bold = true }
selection = { fg = "white", bg = "blue" }
good = "green"
pending = "yellow"
bad = "red"
neutral = "default"
warning = { fg = "yellow", bold = true }
error = { fg = "bright-red", bold = true }
overdue = { fg = "magenta", bold = true }
changed = { fg = "cyan", bold = true }
series1 = "blue"
series2 = "cyan"
series3 = "yellow"
series4 = "magenta"
series5 = "green"

"""

    public static let builtIn: Theme = {
        do {
            return try Theme.parse(defaultTOML, file: "built-in default")
        } catch {
            fatalError("the built-in theme does not parse: \(error)")
        }
    }()

    /// The theme files shipped in `themes/`, in the order `t` cycles through them.
    public static let shippedNames = ["default", "light", "high-contrast", "mono"]
}
