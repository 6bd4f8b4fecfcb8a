import CNCurses
import DashboardCore
import Foundation
import RefundModel
#if canImport(Glibc)
import Glibc
#endif

/// The only code that calls ncurses. Not thread-safe, like ncurses itself: create it, draw and
/// read keys on one thread, and call `restore()` on every way out (it is safe to call twice).
public final class CursesTerminal: Terminal {
    /// This terminal's curses screen, deleted after `endwin` in `restore`: a screen left behind
    /// keeps the descriptor it writes to, and anything that later ends it again (another
    /// `endwin`) writes the terminal's restore sequence into whatever file has that descriptor
    /// by then (it once did: into a database opened after the screen's file was closed).
    private let screen: OpaquePointer
    private var last: Screen?
    private var palette: Palette
    private var restored = false

    /// Starts curses: the alternate screen, no echo, keys as they are typed, no cursor, a 25 ms
    /// wait after ESC (the default second makes Esc feel broken), colours from `theme` unless
    /// `NO_COLOR` is set, and clicks and the wheel reported unless `mouse` is false (the terminal
    /// then keeps the mouse for selecting text).
    public init(theme: Theme, noColor: Bool, mouse: Bool = true) throws(CursesError) {
        setlocale(LC_ALL, "")
        // `initscr` with the screen kept, and a failure said instead of exiting the process.
        guard let screen = newterm(nil, rw_stdout(), rw_stdin()) else {
            throw CursesError(terminal: ProcessInfo.processInfo.environment["TERM"])
        }
        self.screen = screen
        set_term(screen)
        palette = Palette(theme: theme, noColor: noColor)
        setUp()
        _ = rw_mouse(mouse ? 1 : 0)
    }

    /// Curses writing to `output` as an xterm-256color of `size` cells, reading keys from `input`:
    /// for benchmarks, which time frames and count the bytes they write without a terminal.
    public init(theme: Theme, output: UnsafeMutablePointer<FILE>, input: UnsafeMutablePointer<FILE>, size: Size) throws(CursesError) {
        setlocale(LC_ALL, "")
        guard let screen = newterm("xterm-256color", output, input) else { throw CursesError(terminal: "xterm-256color") }
        self.screen = screen
        set_term(screen)
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
        palette.installBlank()
    }

    deinit { restore() }

    public var size: Size { Size(width: Int(rw_cols()), height: Int(rw_lines())) }

    public func setTheme(_ theme: Theme) {
        palette = Palette(theme: theme, noColor: palette.noColor)
        palette.install()
        palette.installBlank()
        last = nil
    }

    /// Forgets what is on the terminal: the next `draw` repaints everything (as after a resize).
    public func invalidate() {
        last = nil
        clearok(rw_stdscr(), true)
    }

    /// Draws `screen`, writing only the cells that differ from the last frame (`ScreenDiff`).
    /// Returns how many cells were written.
    ///
    /// With no last frame (the first, after a resize or a new theme), curses' screen is erased to
    /// blanks in the `text` role and compared with a blank frame, so only the cells that are not
    /// plain blanks are written: about half of a watchlist, which halves a full repaint.
    @discardableResult
    public func draw(_ screen: Screen) -> Int {
        if last?.size != screen.size {
            erase()
            last = palette.erasesToBlank ? Screen(screen.size) : nil
        }
        let written = ScreenDiff.forEachChange(from: last, to: screen) { x, y, cell in put(cell, x: x, y: y) }
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

    /// Writes a bell or a desktop notification's escape sequence, after what curses has buffered.
    public func ring(_ sequence: String) {
        fflush(nil)
        _ = sequence.utf8CString.withUnsafeBufferPointer { buffer in
            write(STDOUT_FILENO, buffer.baseAddress, buffer.count - 1)
        }
    }

    /// Waits up to `milliseconds` for a key, a mouse event or a resize; nil when nothing came.
    /// No key within the wait, or no terminal any more: a terminal that closed (a pseudo-terminal
    /// whose other end went away) answers every read at once, and without this the loop would ask
    /// it again and again, a core's worth of CPU, for ever.
    private static func inputHungUp() -> Bool {
        var descriptor = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, 0) > 0 else { return false }
        return descriptor.revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0
    }

    public func next(waiting milliseconds: Int) -> TerminalEvent? {
        timeout(Int32(milliseconds))
        var character: wint_t = 0
        let kind = get_wch(&character)
        if kind == rw_err() { return Self.inputHungUp() ? .hangup : nil }
        if kind == rw_key_code_yes() {
            let code = Int32(character)
            if code == rw_key_resize() {
                last = nil
                return .resize(size)
            }
            if code == rw_key_mouse() { return mouseEvent() }
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
        case 9: return nil
        case 1...26:
            // Ctrl and a letter arrives as the letter's place in the alphabet.
            return .key(.control(Character(Unicode.Scalar(UInt8(96 + character)))))
        default:
            guard let scalar = Unicode.Scalar(UInt32(character)) else { return nil }
            return .key(.character(Character(scalar)))
        }
    }

    private func mouseEvent() -> TerminalEvent? {
        var x: Int32 = 0, y: Int32 = 0
        let kinds: [Int32: MouseEvent.Kind] = [1: .click, 2: .doubleClick, 3: .wheelUp, 4: .wheelDown]
        return kinds[rw_mouse_event(&x, &y)].map { .mouse(MouseEvent($0, x: Int(x), y: Int(y))) }
    }

    /// Leaves curses: the normal screen comes back with the cursor and echo as they were, and the
    /// curses screen is deleted, so that nothing of it is left to write anywhere later.
    public func restore() {
        guard !restored else { return }
        restored = true
        curs_set(1)
        endwin()
        delscreen(screen)
    }
}

/// Curses could not start on this terminal.
public struct CursesError: Error, CustomStringConvertible, Sendable {
    public var terminal: String?

    public var description: String {
        guard let terminal, !terminal.isEmpty else {
            return "cannot start the dashboard: TERM is not set. Set it to your terminal's type (for example TERM=xterm-256color)."
        }
        return "cannot start the dashboard on a terminal of type \"\(terminal.terminalSafe)\" (TERM): this system's terminal database does not know it. Try TERM=xterm-256color."
    }
}

