import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// libc's `wcwidth` (Glibc's module map hides it).
@_silgen_name("wcwidth")
private func libcWcwidth(_ character: Int32) -> Int32

/// `track list` with labels in Hindi, Chinese and with an emoji: its columns line up in the
/// columns of a terminal, not in characters.
@Suite(.serialized) struct TrackListWidthTests {
    static let labels = ["plain", "रिफंड बाकी", "退款处理中", "🚨 urgent", "退款处理中退款处理中退款处理中"]

    init() { setlocale(LC_CTYPE, "C.UTF-8") }

    /// The columns a terminal gives `text` written as it is: each code point its own `wcwidth`
    /// (a zero-width one joins the previous cell). The first test checks this against tmux.
    static func columns(_ text: some StringProtocol) -> Int {
        text.unicodeScalars.reduce(0) { $0 + max(0, Int(libcWcwidth(Int32(bitPattern: $1.value)))) }
    }

    /// The runs of a table line between gaps of two or more spaces, with the terminal columns each
    /// starts and ends at.
    static func cells(_ line: String) -> [(text: String, start: Int, end: Int)] {
        var cells: [(text: String, start: Int, end: Int)] = []
        var column = 0
        for part in line.components(separatedBy: "  ") {
            let text = part.trimmingCharacters(in: .whitespaces)
            if !text.isEmpty {
                let start = column + columns(part.prefix { $0 == " " })
                cells.append((text, start, start + columns(text)))
            }
            column += columns(part) + 2
        }
        return cells
    }

    @Test func theTerminalAdvancesAsTheseTestsMeasure() async throws {
        try await withTmux(width: 100, height: 10) { tmux in
            for label in Self.labels {
                // The shell waits in `read` with the cursor just after the label and a bar.
                try await tmux.keys("clear; printf '%s|' '\(label)'; read", enter: true)
                let screen = try await tmux.waitFor("the label and its bar") { $0.hasPrefix(label + "|") }
                #expect(screen.hasPrefix(label + "|"), "\(screen)")
                let cursor = try await tmux.run(["display", "-p", "-t", "t", "#{cursor_x}"]).trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(cursor == "\(Self.columns(label) + 1)", "\(label)")
                try await tmux.key("Enter")
            }
        }
    }

    @Test func labelsInHindiChineseAndEmojiKeepTheColumnsInLine() async throws {
        let space = try StateWorkspace()
        for (index, label) in Self.labels.enumerated() {
            let add = try await CLIRunner.run(["track", "add", "ORD-W-\(index)", "--label", label, "--db", space.db], environment: space.environment)
            #expect(add.status == 0, "\(add.stderr)")
        }
        let list = try await CLIRunner.run(["track", "list", "--db", space.db], environment: space.environment)
        #expect(list.status == 0, "\(list.stderr)")
        let lines = list.stdout.components(separatedBy: "\n")
        let header = Self.cells(lines[0])
        #expect(header.map(\.text) == ["REFERENCE", "LABEL", "PAYMENT", "AMOUNT", "REFUNDS", "STATE", "ARN", "DEADLINE", "UPDATED"], "\(lines[0])")
        guard header.count == 9 else { return }
        let rows = lines.filter { $0.hasPrefix("ORD-W-") }
        #expect(rows.count == Self.labels.count, "\(list.stdout)")
        for row in rows {
            let cells = Self.cells(row)
            // Never fetched: no overdue count, every other cell filled.
            #expect(Array(cells.map(\.text).dropFirst(2)) == ["—", "—", "—", "not fetched yet", "—", "never"], "\(row)")
            guard cells.count == 8 else { continue }
            // Left-aligned columns start where their title starts; right-aligned ones end where theirs ends.
            let expected = [header[0].start, header[1].start, header[2].start, header[3].end, header[4].end, header[5].start, header[6].start, header[8].start]
            let found = [cells[0].start, cells[1].start, cells[2].start, cells[3].end, cells[4].end, cells[5].start, cells[6].start, cells[7].start]
            #expect(found == expected, "\(row)\n\(lines[0])")
        }
        // The longest label is cut by width: 22 columns at most, ten wide characters and "…".
        let clipped = rows.last.map(Self.cells)?.dropFirst().first
        #expect(clipped?.text == "退款处理中退款处理中…")
        #expect((clipped.map { $0.end - $0.start } ?? 99) <= 22)
    }
}
