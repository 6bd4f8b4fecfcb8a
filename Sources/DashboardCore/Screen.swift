import RefundModel

/// libc's `wcwidth`. Glibc's module map hides it (it is an X/Open extension), so it is declared here.
@_silgen_name("wcwidth")
private func libcWcwidth(_ character: Int32) -> Int32

/// What a cell means; the theme decides what it looks like.
public enum Role: String, Sendable, Hashable, CaseIterable {
    case text, muted, border, title, header, selection
    case good, pending, bad, neutral
    case warning, error, overdue, changed
    /// Chart series, in order: the overview's stacked bars (a refund's open stages), histograms
    /// and timelines.
    case series1, series2, series3, series4, series5
}

extension Role {
    /// Its place in `allCases`, for tables a backend indexes by role (one lookup per cell drawn).
    public var ordinal: Int {
        switch self {
        case .text: 0
        case .muted: 1
        case .border: 2
        case .title: 3
        case .header: 4
        case .selection: 5
        case .good: 6
        case .pending: 7
        case .bad: 8
        case .neutral: 9
        case .warning: 10
        case .error: 11
        case .overdue: 12
        case .changed: 13
        case .series1: 14
        case .series2: 15
        case .series3: 16
        case .series4: 17
        case .series5: 18
        }
    }
}

/// A role plus the attributes that do not depend on the theme.
public struct Style: Sendable, Hashable {
    public var role: Role
    public var bold: Bool
    public var reverse: Bool

    public init(_ role: Role = .text, bold: Bool = false, reverse: Bool = false) {
        self.role = role
        self.bold = bold
        self.reverse = reverse
    }

    public static let text = Style()
}

/// One terminal cell. A character two columns wide fills its cell and leaves the next one as a
/// continuation (`text` empty), so every row has exactly `width` cells.
public struct Cell: Sendable, Hashable {
    public var text: String
    public var style: Style

    public init(_ text: String = " ", _ style: Style = .text) {
        self.text = text
        self.style = style
    }

    public static let blank = Cell()
    public var isContinuation: Bool { text.isEmpty }
}

public struct Size: Sendable, Hashable {
    public var width: Int
    public var height: Int
    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }
}

/// A frame: a grid of cells that `render` fills and a terminal backend draws. Tests read it as text.
public struct Screen: Sendable, Hashable {
    public let size: Size
    public private(set) var cells: [Cell]

    public init(_ size: Size) {
        self.size = size
        cells = Array(repeating: .blank, count: max(0, size.width * size.height))
    }

    /// One-character strings for ASCII, made once.
    private static let ascii: [String] = (0..<128).map { String(UnicodeScalar(UInt8($0))) }

    public subscript(x: Int, y: Int) -> Cell {
        cells[y * size.width + x]
    }

    /// Writes `text` from column `x` of row `y`, cut at `limit` columns (default: the row's end).
    /// Returns the columns used. A wide character that would not fit whole is left out.
    ///
    /// Every cell the dashboard draws is written here, and much of it is text from outside
    /// (notes, gateway errors, ids, labels): a control character, ESC, a C1 control or a bidi
    /// override is drawn as its visible escape (`\e`, `\x07`, `\u202e`, from `TerminalSafe`),
    /// never sent to the terminal. `DisplayWidth` measures it the same way, so layouts stay aligned.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, style: Style = .text, limit: Int? = nil) -> Int {
        guard y >= 0, y < size.height, x < size.width else { return 0 }
        let end = min(size.width, x + (limit ?? size.width))
        var column = max(0, x)
        // Writing over half of a wide character leaves the other half blank, so no row holds a
        // continuation without its character or a wide character without its continuation.
        defer { splitWide(y: y, from: max(0, x), to: column) }
        // Most of a frame is printable ASCII: one cell a byte, no grapheme breaking. Anything
        // else (found on the way) starts again on the path that breaks graphemes.
        var plain = true
        for byte in text.utf8 {
            guard byte >= 0x20, byte < 0x7F else {
                plain = false
                break
            }
            if column >= end { break }
            cells[y * size.width + column] = Cell(Self.ascii[Int(byte)], style)
            column += 1
        }
        if plain { return column - max(0, x) }
        column = max(0, x)
        for character in text {
            let width = DisplayWidth.of(character)
            if width == 0 { continue }
            if column + width > end { break }
            if let visible = DisplayWidth.escaped(character) {
                for byte in visible.utf8 {
                    cells[y * size.width + column] = Cell(Self.ascii[Int(byte)], style)
                    column += 1
                }
                continue
            }
            cells[y * size.width + column] = Cell(String(character), style)
            if width == 2 { cells[y * size.width + column + 1] = Cell("", style) }
            column += width
        }
        return column - max(0, x)
    }

    /// Writes `text` as a table cell of `width` columns from `x`: clipped with "…" when longer,
    /// against the left or right edge, the rest blank in `style`. Returns the columns used.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, style: Style = .text, width: Int, rightAligned: Bool = false) -> Int {
        guard width > 0 else { return 0 }
        let clipped = DisplayWidth.clip(text, to: width)
        let gap = max(0, width - DisplayWidth.of(clipped))
        let start = rightAligned ? x + gap : x
        blank(y: y, from: rightAligned ? x : x + width - gap, count: gap, style: style)
        put(clipped, x: start, y: y, style: style, limit: width - gap)
        return width
    }

    /// Blank cells in `style`, without building a string of spaces.
    mutating func blank(y: Int, from x: Int, count: Int, style: Style) {
        guard y >= 0, y < size.height, count > 0 else { return }
        let start = max(0, x), end = min(size.width, x + count)
        guard start < end else { return }
        let blank = Cell(" ", style)
        for column in start..<end { cells[y * size.width + column] = blank }
        splitWide(y: y, from: start, to: end)
    }

    /// Blanks the halves of wide characters cut by a write of columns `start..<end` of row `y`.
    private mutating func splitWide(y: Int, from start: Int, to end: Int) {
        guard end > start else { return }
        let row = y * size.width
        if start > 0, cells[row + start].isContinuation == false, cells[row + start - 1].isContinuation == false,
           DisplayWidth.of(Character(cells[row + start - 1].text.isEmpty ? " " : cells[row + start - 1].text)) == 2 {
            cells[row + start - 1] = Cell(" ", cells[row + start - 1].style)
        }
        if end < size.width, cells[row + end].isContinuation {
            cells[row + end] = Cell(" ", cells[row + end].style)
        }
    }

    /// Sets one cell as a terminal backend writes it.
    mutating func set(_ cell: Cell, x: Int, y: Int) {
        guard x >= 0, x < size.width, y >= 0, y < size.height else { return }
        cells[y * size.width + x] = cell
    }

    /// Paints the style over a run of cells (a selected row), keeping their text.
    public mutating func restyle(y: Int, from x: Int = 0, width: Int? = nil, _ change: (inout Style) -> Void) {
        guard y >= 0, y < size.height else { return }
        let end = min(size.width, x + (width ?? size.width))
        for column in max(0, x)..<max(max(0, x), end) { change(&cells[y * size.width + column].style) }
    }

    public mutating func fill(y: Int, style: Style) {
        guard y >= 0, y < size.height else { return }
        for column in 0..<size.width { cells[y * size.width + column] = Cell(" ", style) }
    }

    /// The rows as text, trailing spaces removed: what a person would read off the terminal.
    public var lines: [String] {
        (0..<size.height).map { y in
            var line = ""
            for x in 0..<size.width where !self[x, y].isContinuation { line += self[x, y].text }
            while line.hasSuffix(" ") { line.removeLast() }
            return line
        }
    }

    public var text: String { lines.joined(separator: "\n") }
}

/// Columns a character takes on the terminal, from libc's `wcwidth` (the process must have called
/// `setlocale(LC_ALL, "")` with a UTF-8 locale, as the terminal does). Combining marks take none.
/// A character `TerminalSafe` escapes takes the columns of its escape (`\e` two), as `Screen.put`
/// draws it.
public enum DisplayWidth {
    public static func of(_ character: Character) -> Int {
        guard let first = character.unicodeScalars.first else { return 0 }
        if first.value >= 0x20 && first.value < 0x7F { return 1 }
        if let visible = escaped(character) { return visible.utf8.count }
        let width = Int(libcWcwidth(Int32(bitPattern: first.value)))
        return width < 0 ? 1 : width
    }

    public static func of(_ text: String) -> Int {
        if isPrintableASCII(text) { return text.utf8.count }
        return text.reduce(0) { $0 + of($1) }
    }

    /// Every byte is ASCII from space to `~`: one column each, nothing to escape.
    static func isPrintableASCII(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
    }

    /// The visible ASCII escape of a character that must not reach the terminal (a control, ESC,
    /// C1, a bidi override; `"\r\n"` is one character of two), or nil for any other. Such
    /// characters never join a grapheme cluster with others, so the whole character is escaped.
    static func escaped(_ character: Character) -> String? {
        guard character.unicodeScalars.contains(where: TerminalSafe.isUnsafe) else { return nil }
        // ASCII by construction ("?" for a scalar that could only share the character by mistake).
        return character.unicodeScalars.map { TerminalSafe.isUnsafe($0) ? TerminalSafe.visible($0) : "?" }.joined()
    }

    /// `text` cut to `width` columns, with "…" when something was cut.
    public static func clip(_ text: String, to width: Int) -> String {
        if text.utf8.count <= width, isPrintableASCII(text) { return text }
        guard of(text) > width else { return text }
        guard width > 0 else { return "" }
        var out = ""
        var used = 0
        for character in text {
            let w = of(character)
            if used + w > width - 1 { break }
            out.append(character)
            used += w
        }
        return out + "…"
    }

    /// `text` broken at spaces into lines of at most `width` columns (a word longer than that is cut).
    public static func wrap(_ text: String, to width: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: true).map(String.init) {
            if line.isEmpty {
                line = clip(word, to: width)
            } else if of(line) + 1 + of(word) <= width {
                line += " " + word
            } else {
                lines.append(line)
                line = clip(word, to: width)
            }
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }

    /// `text` padded with spaces (or clipped) to exactly `width` columns.
    public static func pad(_ text: String, to width: Int, right: Bool = false) -> String {
        let clipped = clip(text, to: width)
        let gap = String(repeating: " ", count: max(0, width - of(clipped)))
        return right ? gap + clipped : clipped + gap
    }
}
