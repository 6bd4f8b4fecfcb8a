import CNCurses
import CursesTerminal
import DashboardCore
import Foundation
import Testing

/// The curses backend writing to files, as the bench draws frames.
@Suite struct CursesTerminalTests {
    /// Once restored, a terminal leaves nothing of curses behind that could write: its screen is
    /// deleted. A screen left behind keeps its descriptor, and a later `endwin` (ncurses' own on
    /// a signal, or any code ending curses again) writes the terminal's restore sequence into
    /// whatever file has that descriptor by then; it once wrote `ESC[50;1H ESC[?1049l …` over
    /// the first bytes of a database the bench opened after the frame's file was closed.
    @Test func aRestoredTerminalWritesNothingMoreToTheDescriptorItUsed() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rw-curses-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let frames = folder + "/frames.out"
        let output = try #require(fopen(frames, "w+")), input = try #require(fopen("/dev/null", "r"))
        defer {
            fclose(output)
            fclose(input)
        }
        let terminal = try CursesTerminal(theme: .builtIn, output: output, input: input, size: Size(width: 200, height: 50))
        var screen = Screen(Size(width: 200, height: 50))
        screen.put("refundwatch", x: 1, y: 0)
        terminal.draw(screen)
        terminal.restore()
        fflush(output)
        let written = try String(contentsOfFile: frames, encoding: .utf8)
        #expect(written.contains("refundwatch"), "the frame was written")
        #expect(written.hasSuffix("\u{1B}[50;1H\u{1B}[?1049l\u{1B}[23;0;0t\r\u{1B}[?1l\u{1B}>"), "restore ended curses once")

        // Curses ended again, as a stray end would, by then on a descriptor the file's owner
        // may have closed and another file taken.
        endwin()
        fflush(output)
        let after = try String(contentsOfFile: frames, encoding: .utf8)
        // Compared by length: the bytes are terminal escapes, not for a test log.
        #expect(after.utf8.count == written.utf8.count, "curses wrote \(after.utf8.count - written.utf8.count) more bytes after it was restored")
    }
}
