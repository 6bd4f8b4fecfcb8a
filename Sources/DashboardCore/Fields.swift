import Foundation
import RefundModel
import WatchlistModel

/// Label/value lines, as the order, transaction and refund screens show them, in one or two
/// columns. Labels get the width the longest of them needs (at least 16 columns, two spaces before
/// the value) up to half the column; a longer one wraps onto the rows below, so a label never runs
/// into its value (`additional_info1` is 16 characters, a note's key can be anything).
struct Fields {
    struct Line {
        var label: String
        var value: String
        var style: Style
    }

    var lines: [Line] = []

    mutating func add(_ label: String, _ value: String?, _ style: Style = .text) {
        guard let value, !value.isEmpty else { return }
        lines.append(Line(label: label, value: value, style: style))
    }

    static let minimumLabelWidth = 16
    /// Columns between a label and its value.
    static let gap = 2

    /// Two columns of fields from 120 columns on.
    static func columns(for width: Int) -> Int { width >= 120 ? 2 : 1 }

    /// One field's place: its column and first row, and its label cut into the rows it takes.
    struct Placed {
        var index: Int
        var column: Int
        var row: Int
        var labelRows: [String]
        var height: Int { labelRows.count }
    }

    /// Where the fields go in `columns` columns of `columnWidth`, filled top to bottom and left to
    /// right, at most `maxRows` rows deep and balanced between the columns. Fields that do not fit
    /// are left out. Returns them and the rows used.
    func place(columns: Int, columnWidth: Int, maxRows: Int) -> (fields: [Placed], rows: Int) {
        let width = labelWidth(columnWidth: columnWidth)
        let labels = lines.map { Self.cut($0.label, to: width - Self.gap) }
        let total = labels.reduce(0) { $0 + $1.count }
        let tallest = labels.map(\.count).max() ?? 0
        let perColumn = min(maxRows, max(tallest, (total + columns - 1) / max(1, columns)))
        var placed: [Placed] = []
        var column = 0, row = 0, used = 0
        for (index, label) in labels.enumerated() {
            if row + label.count > perColumn {
                column += 1
                row = 0
            }
            guard column < columns, label.count <= perColumn else { break }
            placed.append(Placed(index: index, column: column, row: row, labelRows: label))
            row += label.count
            used = max(used, row)
        }
        return (placed, used)
    }

    /// The label column: the longest label that fits in half the column, and the gap; at least
    /// 16 columns. Longer labels wrap in it rather than widen it for everyone.
    func labelWidth(columnWidth: Int) -> Int {
        let cap = max(Self.minimumLabelWidth, columnWidth / 2)
        let longest = lines.map { DisplayWidth.of($0.label) + Self.gap }.filter { $0 <= cap }.max() ?? 0
        return max(Self.minimumLabelWidth, longest)
    }

    /// `label` in pieces of at most `width` columns (at most three, the last cut with "…").
    static func cut(_ label: String, to width: Int) -> [String] {
        guard DisplayWidth.of(label) > width, width > 1 else { return [label] }
        var pieces: [String] = []
        var piece = ""
        var used = 0
        for character in label {
            let w = DisplayWidth.of(character)
            if used + w > width {
                pieces.append(piece)
                piece = ""
                used = 0
            }
            piece.append(character)
            used += w
        }
        if !piece.isEmpty { pieces.append(piece) }
        if pieces.count > 3 { pieces = Array(pieces.prefix(2)) + [DisplayWidth.clip(pieces[2...].joined(), to: width)] }
        return pieces
    }

    /// Draws row `part` of a placed field at (`x`, `y`): its label piece, and on its first row the
    /// value cut to what is left of `columnWidth`.
    func draw(_ field: Placed, part: Int, x: Int, y: Int, labelWidth: Int, columnWidth: Int, into screen: inout Screen) {
        let line = lines[field.index]
        screen.put(DisplayWidth.pad(field.labelRows[part], to: labelWidth), x: x, y: y, style: Style(.muted))
        guard part == 0 else { return }
        screen.put(DisplayWidth.clip(line.value, to: columnWidth - labelWidth - Self.gap), x: x + labelWidth, y: y, style: line.style)
    }

    /// Draws the fields from the top of `area`, in two columns when it is wide, at most
    /// `maxRows` deep; returns the rows used.
    @discardableResult
    func render(in area: Rect, maxRows: Int, into screen: inout Screen) -> Int {
        let columns = Self.columns(for: area.width)
        let columnWidth = (area.width - 2) / columns
        let (placed, rows) = place(columns: columns, columnWidth: columnWidth, maxRows: min(maxRows, area.height))
        let labelWidth = labelWidth(columnWidth: columnWidth)
        for field in placed {
            for part in 0..<field.height {
                draw(field, part: part, x: area.x + 2 + field.column * columnWidth, y: area.y + field.row + part,
                     labelWidth: labelWidth, columnWidth: columnWidth, into: &screen)
            }
        }
        return rows
    }

    /// The rows `render` uses for these fields in `width` columns, at most `maxRows`.
    func rows(width: Int, maxRows: Int) -> Int {
        let columns = Self.columns(for: width)
        return place(columns: columns, columnWidth: (width - 2) / columns, maxRows: maxRows).rows
    }
}

/// The most recent changes that fit, oldest first, under a "History" heading.
enum HistoryList {
    static func render(_ entries: [HistoryEntry], tracked: Bool, _ c: RenderContext, in area: Rect, into screen: inout Screen) {
        guard area.height >= 2 else { return }
        screen.put("History", x: area.x + 2, y: area.y, style: Style(.header, bold: true))
        if entries.isEmpty {
            screen.put(tracked ? "nothing recorded yet" : "not tracked, so no history: a adds it to the watchlist", x: area.x + 2, y: area.y + 1, style: Style(.muted))
            return
        }
        for (offset, entry) in entries.suffix(area.height - 1).enumerated() {
            let change = entry.change
            let text = "\(c.time(entry.seenAt))  \(change.subject)  \(change.words)"
            screen.put(DisplayWidth.clip(text, to: area.width - 4), x: area.x + 2, y: area.y + 1 + offset, style: Style(change.field == .arn ? .good : .text))
        }
    }
}
