/// A plain text table: a header row and columns as wide as their widest cell, separated by two
/// spaces; numbers right-aligned. Lines under a row (a fetch error) follow it. Cells and those lines
/// hold text from outside (labels, statuses, server messages), so each is made safe for a terminal
/// before it is measured: `\e` takes two columns like any two characters.
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

    static func clip(_ text: String, to width: Int) -> String {
        text.count <= width ? text : String(text.prefix(max(0, width - 1))) + "…"
    }

    func render() -> String {
        let widths = columns.indices.map { index in
            rows.reduce(columns[index].title.count) { max($0, $1.cells[index].count) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                let pad = String(repeating: " ", count: widths[index] - cell.count)
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
