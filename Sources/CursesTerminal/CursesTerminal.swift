import CNCurses
import DashboardCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What the terminal reports besides keys.
public enum TerminalEvent: Sendable, Equatable {
    case key(Key)
    case resize(Size)
}

/// The only code that calls ncurses. Not thread-safe, like ncurses itself: create it, draw and
/// read keys on one thread, and call `restore()` on every way out (it is safe to call twice).
public final class CursesTerminal {
    private var last: Screen?
    private var palette: Palette
    private var restored = false

    /// Starts curses: the alternate screen, no echo, keys as they are typed, no cursor, a 25 ms
    /// wait after ESC (the default second makes Esc feel broken), colours from `theme` unless
    /// `NO_COLOR` is set.
    public init(theme: Theme, noColor: Bool) {
        setlocale(LC_ALL, "")
        initscr()
        palette = Palette(theme: theme, noColor: noColor)
        setUp()
    }

    /// Curses writing to `output` as an xterm-256color of `size` cells, reading keys from `input`:
    /// for benchmarks, which time frames and count the bytes they write without a terminal.
    public init(theme: Theme, output: UnsafeMutablePointer<FILE>, input: UnsafeMutablePointer<FILE>, size: Size) {
        setlocale(LC_ALL, "")
        set_term(newterm("xterm-256color", output, input))
        resizeterm(Int32(size.height), Int32(size.width))
        palette = Palette(theme: theme, noColor: false)
        setUp()
    }

    private func setUp() {
        cbreak()
        noecho()
        nonl()
        keypad(rw_stdscr(), true)
        set_escdelay(25)
        curs_set(0)
        palette.install()
    }

    deinit { restore() }

    public var size: Size { Size(width: Int(rw_cols()), height: Int(rw_lines())) }

    public func setTheme(_ theme: Theme) {
        palette = Palette(theme: theme, noColor: palette.noColor)
        palette.install()
        last = nil
    }

    /// Forgets what is on the terminal: the next `draw` repaints every cell (as after a resize).
    public func invalidate() {
        last = nil
        clearok(rw_stdscr(), true)
    }

    /// Draws `screen`, writing only the cells that differ from the last frame. Returns how many
    /// cells were written.
    @discardableResult
    public func draw(_ screen: Screen) -> Int {
        if last?.size != screen.size {
            erase()
            last = nil
        }
        var written = 0
        let width = screen.size.width
        let previous = last?.cells ?? []
        screen.cells.withUnsafeBufferPointer { cells in
            previous.withUnsafeBufferPointer { old in
                for y in 0..<screen.size.height {
                    for x in 0..<width {
                        let index = y * width + x
                        let cell = cells[index]
                        if cell.isContinuation { continue }
                        // Unchanged, unless the next cell became the right half of a wide character.
                        if !old.isEmpty, old[index] == cell,
                           !(x + 1 < width && cells[index + 1].isContinuation && old[index + 1] != cells[index + 1]) {
                            continue
                        }
                        put(cell, x: x, y: y)
                        written += 1
                    }
                }
            }
        }
        last = screen
        refresh()
        return written
    }

    private func put(_ cell: Cell, x: Int, y: Int) {
        let (attributes, pair) = palette.attributes(for: cell.style)
        // A grapheme is a few scalars: a fixed buffer on the stack (setcchar takes at most 5).
        var buffer: (wchar_t, wchar_t, wchar_t, wchar_t, wchar_t, wchar_t) = (0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &buffer) { raw in
            let characters = raw.bindMemory(to: wchar_t.self)
            for (index, scalar) in cell.text.unicodeScalars.prefix(5).enumerated() { characters[index] = wchar_t(bitPattern: scalar.value) }
            _ = rw_put_cell(Int32(y), Int32(x), characters.baseAddress, attributes, pair)
        }
    }

    /// Asks the terminal to put `text` on the system clipboard with OSC 52 (xterm, kitty, iTerm2,
    /// WezTerm, foot; tmux with `set-clipboard on`). Terminals that do not know it ignore it.
    public func copyToClipboard(_ text: String) {
        let sequence = "\u{1B}]52;c;" + Data(text.utf8).base64EncodedString() + "\u{07}"
        fflush(nil)  // whatever curses has buffered goes first
        _ = sequence.utf8CString.withUnsafeBufferPointer { buffer in
            write(STDOUT_FILENO, buffer.baseAddress, buffer.count - 1)
        }
    }

    /// Waits up to `milliseconds` for a key or a resize; nil when nothing came.
    public func next(waiting milliseconds: Int32) -> TerminalEvent? {
        timeout(milliseconds)
        var character: wint_t = 0
        let kind = get_wch(&character)
        if kind == rw_err() { return nil }
        if kind == rw_key_code_yes() {
            let code = Int32(character)
            if code == rw_key_resize() {
                last = nil
                return .resize(size)
            }
            let keys: [Int32: Key] = [
                rw_key_up(): .up, rw_key_down(): .down, rw_key_left(): .left, rw_key_right(): .right,
                rw_key_ppage(): .pageUp, rw_key_npage(): .pageDown, rw_key_home(): .home, rw_key_end(): .end,
                rw_key_backspace(): .backspace, rw_key_enter(): .enter,
            ]
            return keys[code].map(TerminalEvent.key)
        }
        switch character {
        case 27: return .key(.escape)
        case 10, 13: return .key(.enter)
        case 8, 127: return .key(.backspace)
        default:
            guard let scalar = Unicode.Scalar(UInt32(character)) else { return nil }
            return .key(.character(Character(scalar)))
        }
    }

    /// Leaves curses: the normal screen comes back with the cursor and echo as they were.
    public func restore() {
        guard !restored else { return }
        restored = true
        curs_set(1)
        endwin()
    }
}

