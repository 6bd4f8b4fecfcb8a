import Foundation

/// A named way of looking at the watchlist: a filter, a sort and the columns to show. Views come
/// from the configuration (`[[views]]`, one person's) and from the store (`refundwatch views
/// save`, everyone's on a team database); the dashboard puts the first nine on the keys `1`–`9`.
public struct SavedView: Sendable, Hashable {
    /// Where a view was defined.
    public enum Origin: String, Sendable, Hashable {
        /// `[[views]]` in `config.toml`.
        case configuration
        /// Saved in the store with `refundwatch views save`.
        case store
    }

    /// 1 to 32 letters, digits, `_` or `-`; names are compared without regard to case.
    public var name: String
    /// The dashboard's filter, as typed after `/`: words, `is:late`, `is:due`, `account:NAME`.
    /// Empty: every order.
    public var filter: String
    public var sort: ViewSort
    /// The columns in the order shown (`reference` always among them, first unless placed);
    /// nil: the watchlist's usual columns. A terminal too narrow for all of them leaves out the
    /// least important, as it does the usual ones.
    public var columns: [ViewColumn]?
    public var origin: Origin
    /// Who saved it and when (a view in the store); nil for the configuration's.
    public var savedBy: String?
    public var savedAt: Date?

    public init(name: String, filter: String = "", sort: ViewSort = .attention, columns: [ViewColumn]? = nil,
                origin: Origin = .configuration, savedBy: String? = nil, savedAt: Date? = nil) {
        self.name = name
        self.filter = filter
        self.sort = sort
        self.columns = columns
        self.origin = origin
        self.savedBy = savedBy
        self.savedAt = savedAt
    }

    /// The longest filter a view keeps.
    public static let maximumFilterLength = 200

    /// A view made from what a person wrote (a `[[views]]` table, or `views save`'s options),
    /// checked: the first thing wrong is thrown, naming the field (`name`, `filter`, `sort`,
    /// `columns`) and saying what to write instead. Nothing of what was written reaches the
    /// message with its control characters.
    public static func make(name: String, filter: String?, sort: String?, columns: [String]?,
                            origin: Origin) throws(ViewProblem) -> SavedView {
        guard isValidName(name) else {
            throw ViewProblem(field: "name", problem: "\"\(TerminalSafe.text(name))\" is not a view name; a name is 1 to 32 letters (A-Z, a-z), digits, _ or -, e.g. \"late-north\"")
        }
        let filter = (filter ?? "").trimmingCharacters(in: .whitespaces)
        if filter.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0.properties.generalCategory == .format }) {
            throw ViewProblem(field: "filter", problem: "holds control characters; a filter is what you would type after / on the watchlist, e.g. \"is:late account:north\"")
        }
        guard filter.count <= maximumFilterLength else {
            throw ViewProblem(field: "filter", problem: "is \(filter.count) characters long; a view's filter is at most \(maximumFilterLength)")
        }
        var chosenSort = ViewSort.attention
        if let sort {
            guard let parsed = ViewSort(rawValue: sort.lowercased()) else {
                throw ViewProblem(field: "sort", problem: "\"\(TerminalSafe.text(sort))\" is not a sort; expected one of \(ViewSort.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            chosenSort = parsed
        }
        var chosenColumns: [ViewColumn]?
        if let columns {
            guard !columns.isEmpty else {
                throw ViewProblem(field: "columns", problem: "is empty; name the columns to show, e.g. [\"reference\", \"amount\", \"state\", \"deadline\"], or leave the key out for the usual ones")
            }
            var list: [ViewColumn] = []
            for text in columns {
                guard let column = ViewColumn(rawValue: text.trimmingCharacters(in: .whitespaces).lowercased()) else {
                    throw ViewProblem(field: "columns", problem: "\"\(TerminalSafe.text(text))\" is not a column; the columns are \(ViewColumn.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                guard !list.contains(column) else {
                    throw ViewProblem(field: "columns", problem: "names \"\(column.rawValue)\" twice")
                }
                list.append(column)
            }
            // The reference id is what a row is: a view that leaves it out still shows it, first.
            if !list.contains(.reference) { list.insert(.reference, at: 0) }
            chosenColumns = list
        }
        return SavedView(name: name, filter: filter, sort: chosenSort, columns: chosenColumns, origin: origin)
    }

    public static func isValidName(_ name: String) -> Bool {
        (1...32).contains(name.count) && name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-") }
    }

    public static func sameName(_ a: String, _ b: String) -> Bool { a.lowercased() == b.lowercased() }

    /// The views a dashboard offers, in the order of its keys `1`–`9`: the configuration's in the
    /// file's order, then the store's by name. A view in the store with the name of one in the
    /// configuration is left out: a person's own file wins over the team's.
    public static func offered(configured: [SavedView], stored: [SavedView]) -> [SavedView] {
        let mine = Set(configured.map { $0.name.lowercased() })
        let team = stored.filter { !mine.contains($0.name.lowercased()) }
            .sorted { $0.name.lowercased() < $1.name.lowercased() }
        return configured + team
    }

    /// The columns as written back: `reference, amount, state`; "usual" for nil.
    public var columnsText: String { columns.map { $0.map(\.rawValue).joined(separator: ", ") } ?? "usual" }
}

/// What was wrong with a view as written, and which part.
public struct ViewProblem: Error, Sendable, Hashable, CustomStringConvertible {
    public var field: String
    public var problem: String

    public init(field: String, problem: String) {
        self.field = field
        self.problem = problem
    }

    public var description: String { "\(field) \(problem)" }
}

/// How a view sorts the watchlist, as written in a view (the dashboard's `s` steps through the same).
public enum ViewSort: String, Sendable, Hashable, CaseIterable {
    /// What needs attention first (the default).
    case attention
    /// The most recently changed first.
    case recent
    /// By reference id.
    case reference
    /// The soonest deadline first.
    case deadline
}

/// A watchlist column, by the name its header shows (lowercased).
public enum ViewColumn: String, Sendable, Hashable, CaseIterable {
    case reference, account, label, payment, amount, txn, rfd, refunded, state, arn, deadline, updated
}
