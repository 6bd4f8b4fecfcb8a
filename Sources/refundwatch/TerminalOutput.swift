import Foundation
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
