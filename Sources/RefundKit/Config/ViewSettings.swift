import RefundModel

/// Reads `[[views]]`: the saved views of the person whose file this is, in the file's order (the
/// dashboard's keys `1`–`9` follow it).
///
///     [[views]]
///     name = "late-north"
///     filter = "is:late account:north"   # as typed after / on the watchlist
///     sort = "deadline"                  # attention (the default), recent, reference, deadline
///     columns = ["reference", "account", "amount", "state", "deadline", "updated"]
///
/// Each error names the table by its place among the `[[views]]` (counted from 1) and the key,
/// e.g. `views[2].sort`.
struct ViewSettingsReader {
    let reader: TableReader

    func views() throws(ConfigurationError) -> [SavedView] {
        guard let value = reader.table["views"] else { return [] }
        guard let array = value.array else {
            throw reader.error("views", "expected [[views]] tables, one a view, each with name, filter, sort and columns, found \(value.type)")
        }
        var views: [SavedView] = []
        for (offset, element) in array.enumerated() {
            let key = "views[\(offset + 1)]"
            guard let table = element.table else {
                throw reader.error(key, "expected a table ([[views]] with name, filter, sort and columns), found \(element.type)")
            }
            let view = TableReader(table: table, prefix: reader.prefix + key + ".", file: reader.file, environment: reader.environment)
            for unknown in table.keys.sorted() where !Self.keys.contains(unknown) {
                throw view.error(TerminalSafe.text(unknown), "is not a key of a view; a view has \(Self.keys.joined(separator: ", "))")
            }
            guard let name = try view.string("name") else {
                throw view.error("name", "missing; every view needs a name, e.g. name = \"late-north\"")
            }
            let (filter, sort, columns) = (try view.string("filter"), try view.string("sort"), try strings(view, "columns"))
            let made: SavedView
            do throws(ViewProblem) {
                made = try SavedView.make(name: name, filter: filter, sort: sort, columns: columns, origin: .configuration)
            } catch {
                throw view.error(error.field, error.problem)
            }
            if let earlier = views.firstIndex(where: { SavedView.sameName($0.name, name) }) {
                throw view.error("name", "\"\(name)\" is already the name of views[\(earlier + 1)] (names are compared without regard to case); rename one of them")
            }
            views.append(made)
        }
        return views
    }

    static let keys = ["name", "filter", "sort", "columns"]

    private func strings(_ table: TableReader, _ key: String) throws(ConfigurationError) -> [String]? {
        guard let value = table.table[key] else { return nil }
        guard let array = value.array else {
            throw table.error(key, "expected a list of column names in quotes, e.g. [\"reference\", \"amount\", \"state\"], found \(value.type)")
        }
        var result: [String] = []
        for element in array {
            guard let text = element.string else { throw table.error(key, "every item must be a column name in quotes, found \(element.type)") }
            result.append(text)
        }
        return result
    }
}
