import Foundation
import Testing
import RefundKit

/// The one function that makes text from outside safe for a terminal. The dashboard's cells, which
/// draw through it, are tested in DashboardCoreTests (TerminalSafeScreenTests).
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
}
