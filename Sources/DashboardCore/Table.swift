/// A list drawn as columns. Columns have a priority: on a narrow terminal the least important
/// ones are left out, and wider terminals show more.
struct Table {
    struct Column {
        var title: String
        var width: Int
        var rightAligned = false
        /// Lower is more important; priority 0 columns are always shown.
        var priority = 0
        /// Takes whatever width is left over, and gives up columns down to `minimumWidth` when
        /// the always-shown columns would not fit otherwise.
        var flexible = false
        var minimumWidth: Int? = nil
    }

    struct Row {
        var cells: [(String, Style)]
        var marker: (String, Style) = (" ", .text)
    }

    var columns: [Column]

    /// The columns that fit in `width`, in their original order, and their final widths.
    func layout(width: Int) -> [(index: Int, width: Int)] {
        var chosen = Set(columns.indices.filter { columns[$0].priority == 0 })
        func used(_ set: Set<Int>) -> Int { 2 + set.reduce(0) { $0 + columns[$1].width + 1 } }
        for index in columns.indices.sorted(by: { columns[$0].priority < columns[$1].priority }) where !chosen.contains(index) {
            if used(chosen.union([index])) <= width { chosen.insert(index) }
        }
        var result = columns.indices.filter(chosen.contains).map { (index: $0, width: columns[$0].width) }
        let spare = width - used(chosen)
        if spare != 0, let flexible = result.firstIndex(where: { columns[$0.index].flexible }) {
            let column = columns[result[flexible].index]
            result[flexible].width = max(min(column.width, column.minimumWidth ?? column.width), result[flexible].width + spare)
        }
        return result
    }

    /// Draws the header on row `headerY` and `rows` from `scroll` one a row in `area` (its width is
    /// the table's), the row at index `selected` in the theme's selection role.
    func render(rows: [Row], selected: Int?, scroll: Int, headerY: Int, area: Rect, into screen: inout Screen) {
        let layout = layout(width: area.width)
        var x = area.x + 2
        for (index, width) in layout {
            let column = columns[index]
            screen.put(column.title, x: x, y: headerY, style: Style(.header, bold: true), width: width, rightAligned: column.rightAligned)
            x += width + 1
        }
        for (offset, row) in rows.dropFirst(scroll).prefix(area.height).enumerated() {
            let y = area.y + offset
            screen.put(row.marker.0, x: area.x, y: y, style: row.marker.1)
            var x = area.x + 2
            for (index, width) in layout {
                let (text, style) = row.cells[index]
                screen.put(text, x: x, y: y, style: style, width: width, rightAligned: columns[index].rightAligned)
                x += width + 1
            }
            if scroll + offset == selected { Self.select(y: y, from: area.x, width: area.width, in: &screen) }
        }
    }

    /// A selected row: the theme's `selection` role over the whole row, reversed (so a theme that
    /// gives it only a colour gets a bar of that colour, and `NO_COLOR` plain reverse video), its
    /// bold kept.
    static func select(y: Int, from x: Int, width: Int, in screen: inout Screen) {
        screen.restyle(y: y, from: x, width: width) { $0 = Style(.selection, bold: $0.bold, reverse: true) }
    }
}
