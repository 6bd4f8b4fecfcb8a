import Foundation
import RefundModel

/// Reads reference ids as `track add -` gets them: one per line, or the first column of a CSV file
/// with a header (a `label` column, if there is one, labels its row). Fed line by line so that a
/// long list can be written to the store in batches while it is still being read.
///
/// Blank lines and lines starting with `#` are skipped; a UTF-8 byte order mark, Windows line ends,
/// surrounding spaces and CSV quotes are removed.
public struct WatchlistImport: Sendable {
    /// One id read from the input.
    public struct Entry: Sendable, Hashable {
        public var referenceID: String
        public var label: String?
        public var line: Int
    }

    /// A line that holds no valid id, with the reason.
    public struct Rejected: Sendable, Hashable, CustomStringConvertible {
        public var line: Int
        public var text: String
        public var problem: String

        public var description: String { "line \(line): \"\(text)\": \(problem)" }
    }

    public enum Outcome: Sendable, Hashable {
        case entry(Entry)
        case rejected(Rejected)
        /// Blank, a comment, or the CSV header.
        case skipped
    }

    /// Header names that say "this first line is not an id".
    static let headerNames: Set<String> = ["reference_id", "reference", "referenceid", "reference id", "ref", "order", "order_id", "order id", "id"]

    private var lineNumber = 0
    private var sawFirstLine = false
    private var isCSV = false
    private var labelColumn: Int?

    public init() {}

    public mutating func feed(_ rawLine: String) -> Outcome {
        lineNumber += 1
        var line = rawLine
        if lineNumber == 1, line.hasPrefix("\u{FEFF}") { line.removeFirst() }
        // "\r\n" is one Character in Swift: trim line ends as characters, not by the last byte.
        line = line.trimmingCharacters(in: .newlines)
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty || trimmed.hasPrefix("#") { return .skipped }

        if !sawFirstLine {
            sawFirstLine = true
            isCSV = trimmed.contains(",")
            let cells = CSVLine.fields(trimmed).map { $0.trimmingCharacters(in: .whitespaces) }
            let first = cells.first ?? ""
            if Self.headerNames.contains(first.lowercased()) || (isCSV && ReferenceID.problem(with: first) != nil) {
                labelColumn = cells.firstIndex { $0.lowercased() == "label" }
                return .skipped
            }
        }
        let cells = isCSV ? CSVLine.fields(trimmed).map { $0.trimmingCharacters(in: .whitespaces) } : [trimmed]
        let id = cells.first ?? ""
        if let problem = ReferenceID.problem(with: id) {
            return .rejected(Rejected(line: lineNumber, text: id, problem: problem))
        }
        let label = labelColumn.flatMap { $0 < cells.count ? cells[$0] : nil }.flatMap { $0.isEmpty ? nil : $0 }
        return .entry(Entry(referenceID: id, label: label, line: lineNumber))
    }
}

/// Splits one CSV line (RFC 4180 quoting: `"a, b"` and `""` for a quote). Fields spanning lines are
/// not supported: an id list has none.
public enum CSVLine {
    public static func fields(_ line: String) -> [String] {
        var fields: [String] = []
        var current = ""
        var inQuotes = false
        var iterator = line.makeIterator()
        var pending: Character? = nil
        while let character = pending ?? iterator.next() {
            pending = nil
            if inQuotes {
                if character == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { current.append("\"") } else { inQuotes = false; pending = next }
                    } else {
                        inQuotes = false
                    }
                } else {
                    current.append(character)
                }
            } else if character == "\"" && current.trimmingCharacters(in: .whitespaces).isEmpty {
                current = ""
                inQuotes = true
            } else if character == "," {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        fields.append(current)
        return fields
    }

    /// One field written for a spreadsheet: quoted when it holds a comma, quote or line break, and
    /// prefixed with `'` when it starts like a formula, so that a label typed by someone, or a note
    /// a customer wrote, cannot run as a formula in the spreadsheet that opens the export.
    ///
    /// Spreadsheets take a cell starting with `=`, `+`, `-` or `@` as a formula (`+91 98765 43210`,
    /// `-2+3+cmd|' /C calc'!A0`), and some skip a leading tab or carriage return first. Such a cell
    /// is prefixed unless the whole cell is a plain decimal number (`-12.50`, `+5`), which stays a
    /// number. Everything else is kept exactly.
    public static func escape(_ field: String) -> String {
        var value = field
        if let first = value.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first), !isPlainDecimal(value) {
            value = "'" + value
        }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `[+-]?digits(.digits)?` and nothing else: no spaces, no exponent, nothing after the number.
    /// (`Decimal(string:)` is no test: it reads a number off the front of `-2+3+cmd` and stops.)
    static func isPlainDecimal(_ text: String) -> Bool {
        var bytes = Substring(text).utf8[...]
        if let sign = bytes.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
        let isDigit = { (byte: UInt8) in byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        let whole = bytes.prefix(while: isDigit)
        guard !whole.isEmpty else { return false }
        let rest = bytes.dropFirst(whole.count)
        if rest.isEmpty { return true }
        return rest.first == UInt8(ascii: ".") && rest.count > 1 && rest.dropFirst().allSatisfy(isDigit)
    }
}
