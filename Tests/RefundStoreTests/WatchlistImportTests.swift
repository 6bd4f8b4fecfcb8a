import Testing
import RefundKit
import RefundStore
import WatchlistModel

@Suite struct WatchlistImportTests {
    /// Lines as `readLine` gives them; a Windows file's lines still end in "\r".
    func read(_ text: String) -> [WatchlistImport.Outcome] {
        read(lines: text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
    }

    func read(lines: [String]) -> [WatchlistImport.Outcome] {
        var reader = WatchlistImport()
        return lines.map { reader.feed($0) }
    }

    func ids(_ outcomes: [WatchlistImport.Outcome]) -> [String] {
        outcomes.compactMap { if case .entry(let e) = $0 { e.referenceID } else { nil } }
    }

    func rejected(_ outcomes: [WatchlistImport.Outcome]) -> [String] {
        outcomes.compactMap { if case .rejected(let r) = $0 { r.description } else { nil } }
    }

    @Test func onePerLineWithBlanksCommentsAndSpaces() {
        let outcomes = read("ORD-1\n\n  ORD-2  \n# a comment\nORD_3.x\r\n")
        #expect(ids(outcomes) == ["ORD-1", "ORD-2", "ORD_3.x"])
        #expect(rejected(outcomes).isEmpty)
    }

    @Test func badLinesAreRejectedWithTheirLineNumberAndTheRestKept() {
        let outcomes = read("ORD-1\nORD 2\nORD-3\nORD/4\n\(String(repeating: "A", count: 36))\nORD-5")
        #expect(ids(outcomes) == ["ORD-1", "ORD-3", "ORD-5"])
        #expect(rejected(outcomes) == [
            #"line 2: "ORD 2": it contains a space; WhatsApp allows only English letters, digits, '_', '-' and '.'"#,
            #"line 4: "ORD/4": it contains '/'; WhatsApp allows only English letters, digits, '_', '-' and '.'"#,
            "line 5: \"\(String(repeating: "A", count: 36))\": it is 36 characters long; WhatsApp allows at most 35",
        ])
    }

    @Test func aCSVWithAHeaderGivesItsFirstColumnAndLabels() {
        // As exported by a spreadsheet on Windows: a byte order mark and "\r" before each "\n".
        let outcomes = read(lines: ["\u{FEFF}Order ID,Customer,label\r", "ORD-1,\"Sharma, R.\",vip\r", "\"ORD-2\",Rao,\r", "bad id,X,y\r", ""])
        let entries = outcomes.compactMap { if case .entry(let e) = $0 { e } else { nil } }
        #expect(entries.map(\.referenceID) == ["ORD-1", "ORD-2"])
        #expect(entries.map(\.label) == ["vip", nil])
        #expect(entries.map(\.line) == [2, 3])
        #expect(rejected(outcomes) == [#"line 4: "bad id": it contains a space; WhatsApp allows only English letters, digits, '_', '-' and '.'"#])
    }

    @Test func aOneColumnHeaderIsRecognisedByName() {
        #expect(ids(read("reference_id\nORD-1\nORD-2")) == ["ORD-1", "ORD-2"])
        #expect(ids(read("ORD-1,first\nORD-2,second")) == ["ORD-1", "ORD-2"])
    }

    @Test func csvFieldsAndEscaping() {
        #expect(CSVLine.fields(#"a,"b, c","d ""q""",,e"#) == ["a", "b, c", #"d "q""#, "", "e"])
        #expect(CSVLine.escape("plain") == "plain")
        #expect(CSVLine.escape("a,b") == "\"a,b\"")
        #expect(CSVLine.escape("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSVLine.escape("=HYPERLINK(\"x\")") == "\"'=HYPERLINK(\"\"x\"\")\"")
        #expect(CSVLine.escape("-12.50") == "-12.50")
    }

    /// The field as a spreadsheet reads it, quotes undone.
    func unquoted(_ field: String) -> String {
        guard field.hasPrefix("\"") else { return field }
        return String(field.dropFirst().dropLast()).replacingOccurrences(of: "\"\"", with: "\"")
    }

    /// Every cell starting with =, +, -, @, tab or carriage return goes out with a `'` unless the
    /// whole cell is a plain decimal number; `Decimal(string:)` read a number off the front of
    /// `+91 98765 43210` and `-2+3+cmd|' /C calc'!A0` and let them through.
    @Test func csvFormulaShapesAreAlwaysPrefixed() {
        let formulas = [
            "=1+1", "=HYPERLINK(\"http://x\")", "+91 98765 43210", "-2+3+cmd|' /C calc'!A0", "@SUM(A1:A9)",
            "\t=cmd|' /C calc'!A0", "\r=1+1", "\r\n=1+1", "+", "-", "=", "@", "+5 ", "+5x", "-12.50abc",
            "-1e5", "+0x10", "-.5", "-5.", "+-5", "--5", "-12.5.0", "-12,50",
        ]
        for cell in formulas {
            #expect(unquoted(CSVLine.escape(cell)) == "'" + cell, "not guarded: \(cell.debugDescription)")
        }
    }

    @Test func csvPlainNumbersAreNotMangled() {
        for number in ["-12.50", "+5", "5", "0.10", "-0", "+0.5", "12345678901234567890.12", "2100.00"] {
            #expect(CSVLine.escape(number) == number)
        }
        // Text that only looks odd is kept exactly.
        for text in ["ORD-20261009-2760", "a=b", "rcpt-1", "₹-5"] {
            #expect(CSVLine.escape(text) == text)
        }
    }
}
