import Foundation

/// What a terminal reports: keys, mouse events, new sizes, its end.
public enum TerminalEvent: Sendable, Equatable {
    case key(Key)
    case mouse(MouseEvent)
    case resize(Size)
    /// The terminal went away (its window or connection closed without a SIGHUP reaching us):
    /// the dashboard quits, as on SIGHUP, instead of asking a terminal that is not there.
    case hangup
}

/// The dashboard's view of a terminal. `CursesTerminal` is the real one; `MemoryTerminal` keeps
/// the cells in memory for tests. Used from one thread.
public protocol Terminal: AnyObject {
    var size: Size { get }
    /// Shows `screen`, writing only the cells `ScreenDiff` says changed; returns how many.
    @discardableResult
    func draw(_ screen: Screen) -> Int
    /// Waits up to `milliseconds` for an event; nil when none came.
    func next(waiting milliseconds: Int) -> TerminalEvent?
    func setTheme(_ theme: Theme)
    /// Puts `text` on the system clipboard (OSC 52).
    func copyToClipboard(_ text: String)
    /// Writes a bell or a notification's escape sequence as it is (`AlertNotice` made it safe).
    func ring(_ sequence: String)
    /// Gives the terminal back as it was; safe to call twice.
    func restore()
}

/// The cells a terminal showing one screen must write to show the next.
public enum ScreenDiff {
    /// A cell to write at a column and row.
    public struct Change: Equatable, Sendable {
        public var x: Int
        public var y: Int
        public var cell: Cell
    }

    /// Calls `write` for every cell of `new` that a terminal showing `old` must write, left to
    /// right, top to bottom; returns how many. Everything when there is no `old` or its size
    /// differs. A continuation (the right half of a wide character) is never written: the wide
    /// character before it covers it. An unchanged cell is written anyway when the cell after it
    /// has just become a continuation, since a terminal draws the wide character from this cell.
    @discardableResult
    public static func forEachChange(from old: Screen?, to new: Screen, _ write: (_ x: Int, _ y: Int, _ cell: Cell) -> Void) -> Int {
        let width = new.size.width
        let previous = old?.size == new.size ? old!.cells : []
        var written = 0
        new.cells.withUnsafeBufferPointer { cells in
            previous.withUnsafeBufferPointer { before in
                for y in 0..<new.size.height {
                    let row = y * width
                    for x in 0..<width {
                        let index = row + x
                        let cell = cells[index]
                        if cell.isContinuation { continue }
                        if !before.isEmpty, before[index] == cell,
                           !(x + 1 < width && cells[index + 1].isContinuation && before[index + 1] != cells[index + 1]) {
                            continue
                        }
                        write(x, y, cell)
                        written += 1
                    }
                }
            }
        }
        return written
    }

    public static func changes(from old: Screen?, to new: Screen) -> [Change] {
        var changes: [Change] = []
        forEachChange(from: old, to: new) { changes.append(Change(x: $0, y: $1, cell: $2)) }
        return changes
    }
}

/// A terminal in memory, for tests: it applies each frame's diff to a grid of its own (so what it
/// shows is what a real terminal would), takes events from a queue, and records what was copied
/// and which themes were set.
public final class MemoryTerminal: Terminal {
    public private(set) var size: Size
    /// The cells shown, built only from the diffs written.
    public private(set) var shown: Screen
    private var last: Screen?
    /// Events `next` hands out, first first.
    public var events: [TerminalEvent] = []
    /// Cells written by each draw.
    public private(set) var writes: [Int] = []
    public private(set) var copied: [String] = []
    /// Bells and notification sequences written, in order.
    public private(set) var rung: [String] = []
    public private(set) var themes: [String] = []
    public private(set) var restored = false

    public init(size: Size) {
        self.size = size
        shown = Screen(size)
    }

    /// Queues a resize, as a terminal reports one.
    public func resize(to size: Size) {
        events.append(.resize(size))
    }

    public func ring(_ sequence: String) {
        rung.append(sequence)
    }

    public func draw(_ screen: Screen) -> Int {
        if shown.size != screen.size {
            shown = Screen(screen.size)
            last = nil
        }
        let count = ScreenDiff.forEachChange(from: last, to: screen) { x, y, cell in
            shown.set(cell, x: x, y: y)
            // A wide character covers the cell after it.
            if x + 1 < screen.size.width, screen[x + 1, y].isContinuation { shown.set(screen[x + 1, y], x: x + 1, y: y) }
        }
        last = screen
        writes.append(count)
        return count
    }

    public func next(waiting milliseconds: Int) -> TerminalEvent? {
        guard !events.isEmpty else { return nil }
        let event = events.removeFirst()
        if case .resize(let size) = event { self.size = size }
        return event
    }

    public func setTheme(_ theme: Theme) {
        themes.append(theme.name)
        last = nil
    }

    public func copyToClipboard(_ text: String) { copied.append(text) }
    public func restore() { restored = true }
}
