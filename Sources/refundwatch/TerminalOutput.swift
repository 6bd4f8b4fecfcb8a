import Foundation
#if canImport(Glibc)
import Glibc
#endif
import RefundJobs
import RefundKit
import WatchlistModel

// Every human-readable line the commands print goes through these two functions. Values from
// outside (API bodies, files, labels) were already made safe where they were put into the text
// (`terminalSafe`, so a newline inside a note shows as `\n` and cannot forge a line); this is the
// last guard: nothing printed here carries ESC, a control character, a C1 control or a bidi
// override, only the newlines and tabs of the layout itself. JSON and CSV output do not come here.

/// Writes text to standard output, made safe for a terminal (newlines and tabs of the layout kept).
func printText(_ text: String, terminator: String = "\n") {
    FileHandle.standardOutput.write(Data(TerminalSafe.text(text + terminator, keepingLayout: true).utf8))
}

/// Writes one line to standard error, made safe for a terminal: a message that quotes what a
/// server or a file sent shows its control characters visibly.
func standardError(_ line: String) {
    FileHandle.standardError.write(Data((line.terminalSafe + "\n").utf8))
}

/// `wcwidth`, which `DisplayWidth` measures with, knows the widths of non-ASCII characters only
/// under a UTF-8 locale; a process starts in the "C" locale. refundwatch writes UTF-8 whatever the
/// locale, so it takes the user's character type when that is UTF-8, else C.UTF-8 (always there
/// with glibc). Only `LC_CTYPE`: numbers and dates keep their format.
enum TerminalLocale {
    static func useUTF8() {
        setlocale(LC_CTYPE, "")
        if String(cString: nl_langinfo(nl_item(CODESET))) != "UTF-8" { setlocale(LC_CTYPE, "C.UTF-8") }
    }
}
