import Foundation
import RefundKit

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
    /// prefixed with `'` when it starts like a formula (`=`, `+`, `-`, `@`), so that a label typed by
    /// someone cannot run as a formula in the spreadsheet that opens the export.
    public static func escape(_ field: String) -> String {
        var value = field
        if let first = value.first, "=+-@".contains(first), Decimal(string: value) == nil {
            value = "'" + value
        }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
