import DashboardCore
import Foundation

/// A plain text table: a header row and columns as wide as their widest cell, separated by two
/// spaces; numbers right-aligned. Lines under a row (a fetch error) follow it. Cells and those lines
/// hold text from outside (labels, statuses, server messages), so each is made safe for a terminal
/// before it is measured: `\e` takes two columns like any two characters.
///
/// Columns are measured in terminal columns, with the dashboard's `DisplayWidth` (libc's
/// `wcwidth`), code point by code point: a terminal fed text advances that way (xterm, tmux), so
/// a Devanagari vowel sign such as the one in "रि" takes a column of its own, a combining mark
/// none, a CJK character or an emoji two. A label in Hindi, Chinese or with an emoji keeps every
/// column after it in line.
struct TextTable {
    struct Column {
        var title: String
        var rightAligned = false
        var maxWidth = Int.max
    }

    var columns: [Column]
    private var rows: [(cells: [String], notes: [String])] = []

    init(_ columns: [Column]) {
        self.columns = columns
    }

    mutating func add(_ cells: [String], notes: [String] = []) {
        rows.append((cells.enumerated().map { TextTable.clip($1.terminalSafe, to: columns[$0].maxWidth) }, notes.map(\.terminalSafe)))
    }

    /// The terminal columns `text` takes, written as it is (after `terminalSafe`).
    static func width(_ text: String) -> Int {
        // Most cells are printable ASCII: a column a byte.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return text.utf8.count }
        return text.unicodeScalars.reduce(0) { $0 + DisplayWidth.of(Character($1)) }
    }

    /// `text` cut to at most `width` columns between characters (never inside one), with "…" when
    /// something was cut.
    static func clip(_ text: String, to width: Int) -> String {
        guard self.width(text) > width else { return text }
        var out = ""
        var used = 0
        for character in text {
            let columns = self.width(String(character))
            if used + columns > width - 1 { break }
            out.append(character)
            used += columns
        }
        return out + "…"
    }

    /// `text` and spaces to make `width` columns.
    static func padded(_ text: String, to width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - self.width(text)))
    }

    func render() -> String {
        let widths = columns.indices.map { index in
            rows.reduce(TextTable.width(columns[index].title)) { max($0, TextTable.width($1.cells[index])) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                let pad = String(repeating: " ", count: max(0, widths[index] - TextTable.width(cell)))
                return columns[index].rightAligned ? pad + cell : (index == cells.count - 1 ? cell : cell + pad)
            }.joined(separator: "  ")
        }
        var out = line(columns.map(\.title)) + "\n"
        for row in rows {
            out += line(row.cells) + "\n"
            for note in row.notes { out += note + "\n" }
        }
        return out
    }
}
