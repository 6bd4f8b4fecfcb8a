import Foundation
import Testing
import RefundKit
@testable import DashboardCore

/// The one function that makes text from outside safe for a terminal, and the dashboard's cells,
/// which draw through it.
struct TerminalSafeTests {
    @Test func controlsEscapeC1AndBidiAreShownVisibly() {
        #expect("a\u{1B}[2Jb".terminalSafe == #"a\e[2Jb"#)
        #expect("\u{1B}]52;c;aGVsbG8=\u{07}".terminalSafe == #"\e]52;c;aGVsbG8=\x07"#)
        #expect("\u{00}\u{08}\u{7F}".terminalSafe == #"\x00\x08\x7f"#)
        #expect("line\nnext\ttab\r".terminalSafe == #"line\nnext\ttab\r"#)
        #expect("\r\n".terminalSafe == #"\r\n"#)
        #expect("\u{9B}31m\u{9C}".terminalSafe == #"\u009b31m\u009c"#)
        #expect("\u{85}".terminalSafe == #"\u0085"#)
        #expect("\u{202A}\u{202B}\u{202C}\u{202D}\u{202E}".terminalSafe == #"\u202a\u202b\u202c\u202d\u202e"#)
        #expect("\u{2066}\u{2067}\u{2068}\u{2069}".terminalSafe == #"\u2066\u2067\u2068\u2069"#)
    }

    @Test func everythingElsePassesUnchanged() {
        for text in ["₹2,10,000.00", "नमस्ते", "e\u{301}", "👍🏽", #"C:\path\e"#, "ORD-20261009-2760", "", "\u{A0}", "\u{200F}", "\u{2028}"] {
            #expect(text.terminalSafe == text, "changed: \(text.unicodeScalars.map { String($0.value, radix: 16) })")
        }
    }

    @Test func layoutNewlinesAndTabsAreKeptOnlyWhenAsked() {
        #expect(TerminalSafe.text("a\nb\tc\u{1B}", keepingLayout: true) == "a\nb\tc\\e")
        #expect(TerminalSafe.text("a\r\nb", keepingLayout: true) == "a\\r\nb")
        #expect(TerminalSafe.text("a\nb", keepingLayout: false) == #"a\nb"#)
    }

    @Test func theResultHoldsNoUnsafeCharacterAndIsStable() {
        let ranges: [ClosedRange<UInt32>] = [0x00...0xA0, 0x2020...0x2070]
        for range in ranges {
            for value in range {
                let scalar = Unicode.Scalar(value)!
                let safe = ("x" + String(scalar) + "y").terminalSafe
                #expect(!safe.unicodeScalars.contains(where: TerminalSafe.isUnsafe), "U+\(String(value, radix: 16)) -> \(safe)")
                #expect(safe.terminalSafe == safe)
                let unsafe = (0x00...0x1F).contains(value) || (0x7F...0x9F).contains(value)
                    || (0x202A...0x202E).contains(value) || (0x2066...0x2069).contains(value)
                #expect(TerminalSafe.isUnsafe(scalar) == unsafe, "U+\(String(value, radix: 16))")
            }
        }
    }

    // MARK: - The dashboard's cells

    @Test func screenCellsShowEscapesAndMeasureThemAsDrawn() {
        setlocale(LC_ALL, "C.UTF-8")
        var screen = Screen(Size(width: 40, height: 3))
        let ascii = "a\u{1B}]0;x\u{07}b"
        let used = screen.put(ascii, x: 0, y: 0)
        #expect(screen.lines[0] == #"a\e]0;x\x07b"#)
        #expect(used == DisplayWidth.of(ascii))
        #expect(DisplayWidth.of(ascii) == 12)

        let wide = "₹5\u{202E}05\u{9B}"
        screen.put(wide, x: 0, y: 1)
        #expect(screen.lines[1] == #"₹5\u202e05\u009b"#)
        #expect(DisplayWidth.of(wide) == 2 + 6 + 2 + 6)

        // Cut at the limit: an escape that does not fit whole is left out, never half drawn.
        screen.put("ab\u{1B}cd", x: 0, y: 2, limit: 3)
        #expect(screen.lines[2] == "ab")
        // Padding and clipping measure the escape as drawn, so columns stay aligned.
        #expect(DisplayWidth.of(DisplayWidth.pad("\u{07}", to: 6)) == 6)
        #expect(DisplayWidth.clip("\u{1B}[2J and more", to: 6) == "\u{1B}[2J…")
        for cell in screen.cells {
            #expect(!cell.text.unicodeScalars.contains(where: TerminalSafe.isUnsafe))
        }
    }
}
