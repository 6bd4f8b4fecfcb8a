import ArgumentParser
import DashboardCore
import Foundation
import RefundJobs
import RefundKit
import RefundStore
import WatchlistModel

/// `refundwatch views`: the saved views (a filter, a sort and columns under a name) that the
/// dashboard puts on its keys `1`–`9`. Those in the configuration (`[[views]]`) are one person's;
/// those saved here are the store's, everyone's on a team database.
struct ViewsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "views",
        abstract: "List, save or remove the dashboard's saved views (keys 1-9). No API call is made.",
        discussion: """
            A view is a filter (as typed after / on the watchlist), a sort and the columns to show, under a name. \
            Views come from [[views]] in the configuration (yours) and from the database (saved here: on a team's \
            PostgreSQL database, everyone's). The dashboard numbers them in that order, the configuration's first; \
            a view in the configuration hides a saved one of the same name. Running dashboards show a saved view \
            within 5 seconds.
            """,
        subcommands: [ViewsList.self, ViewsSave.self, ViewsRemove.self],
        defaultSubcommand: ViewsList.self
    )

    /// The watchlist's file or database, as messages name it (never with a password).
    static func place(_ store: any WatchlistStore) -> String {
        (store as? SQLiteStore)?.location ?? (store as? PostgresStore)?.location ?? "the watchlist"
    }
}

struct ViewsList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the views, numbered as the dashboard's keys.")

    @Flag(help: "Print JSON (snake_case; times in ISO 8601).")
    var json = false

    @OptionGroup var source: StoreSource

    func validate() throws { try source.validate() }

    func run() async throws {
        let configured: [SavedView]
        let stored: [SavedView]
        let now: Date
        do {
            configured = try source.settings().views
            let store = try await source.openStore()
            stored = try await store.savedViews()
            now = try await source.clock(store)()
        } catch {
            throw report(error)
        }
        let offered = SavedView.offered(configured: configured, stored: stored)
        let hidden = stored.filter { view in !offered.contains { $0.origin == .store && SavedView.sameName($0.name, view.name) } }
        if json {
            let rows = offered.enumerated().map { ViewJSON($1, key: $0 < 9 ? $0 + 1 : nil, hidden: false) } + hidden.map { ViewJSON($0, key: nil, hidden: true) }
            FileHandle.standardOutput.write(try JSONOutput.encode(rows) + Data("\n".utf8))
            return
        }
        guard !offered.isEmpty else {
            printText("""
                No saved views. Save one for everyone who uses this watchlist with:
                  refundwatch views save late --filter "is:late" --sort deadline --columns reference,amount,state,deadline,updated
                or add a [[views]] table to the configuration (docs/views.md).
                """)
            return
        }
        var table = TextTable([.init(title: "KEY"), .init(title: "NAME"), .init(title: "FROM"), .init(title: "FILTER", maxWidth: 40),
                               .init(title: "SORT"), .init(title: "COLUMNS", maxWidth: 60), .init(title: "SAVED")])
        func add(_ view: SavedView, key: String, notes: [String] = []) {
            let saved = view.savedAt.map { "\(view.savedBy ?? "someone"), \(Age.text(since: $0, now: now))" } ?? ""
            table.add([key, view.name, view.origin == .configuration ? "config" : "database", view.filter.isEmpty ? "(every order)" : view.filter,
                       view.sort.rawValue, view.columnsText, saved], notes: notes)
        }
        for (index, view) in offered.enumerated() { add(view, key: index < 9 ? "\(index + 1)" : "") }
        for view in hidden { add(view, key: "", notes: ["  ↳ hidden here: the configuration has a view of the same name"]) }
        printText(table.render() + "\n" + plural(offered.count, "view") + (offered.count > 9 ? " · the first 9 are on the keys 1-9" : ""))
    }
}

struct ViewsSave: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "save",
        abstract: "Save a view in the database (on a team's database, for everyone), or replace the one of that name.")

    @Argument(help: "The view's name: 1 to 32 letters, digits, _ or -.")
    var name: String

    @Option(help: ArgumentHelp("The filter, as typed after / on the watchlist: words, is:late, is:due, account:NAME (default: every order).", valueName: "TEXT"))
    var filter: String?

    @Option(help: ArgumentHelp("attention (the default), recent, reference or deadline.", valueName: "SORT"))
    var sort: String?

    @Option(help: ArgumentHelp("The columns in order, with commas between: \(ViewColumn.allCases.map(\.rawValue).joined(separator: ",")) (default: the usual ones).", valueName: "LIST"))
    var columns: String?

    @Option(help: ArgumentHelp("Who saved it (default: [alerts] user, else your login).", valueName: "NAME"))
    var by: String?

    @OptionGroup var source: StoreSource

    func validate() throws {
        try source.validate()
        _ = try view()
    }

    /// The view as given, or a usage error naming the option and what to write.
    func view() throws -> SavedView {
        do throws(ViewProblem) {
            return try SavedView.make(name: name, filter: filter, sort: sort,
                                      columns: columns.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) },
                                      origin: .store)
        } catch {
            let option = error.field == "name" ? "NAME" : "--\(error.field)"
            throw ValidationError("\(option) \(error.problem).")
        }
    }

    func run() async throws {
        var view = try view()
        do {
            let settings = try source.settings()
            let signer = by?.trimmingCharacters(in: .whitespaces)
            view.savedBy = signer.flatMap { $0.isEmpty ? nil : $0.terminalSafe } ?? settings.alerts.person()
            let store = try await source.openStore()
            let replaced = try await store.saveView(view)
            let offered = SavedView.offered(configured: settings.views, stored: try await store.savedViews())
            let filter = view.filter.isEmpty ? "every order" : "/\(view.filter)"
            printText("\(replaced ? "Replaced" : "Saved") the view \"\(view.name)\" (\(filter), sorted by \(view.sort.rawValue), \(view.columnsText) columns) in \(ViewsCommand.place(store)).")
            if settings.views.contains(where: { SavedView.sameName($0.name, view.name) }) {
                standardError("refundwatch: note: the configuration has a view named \"\(view.name)\" too, which wins on this machine; others see the saved one.")
            } else if let key = offered.firstIndex(where: { SavedView.sameName($0.name, view.name) }) {
                printText(key < 9 ? "Dashboards show it on the key \(key + 1) within 5 seconds." : "It is view \(key + 1): only the first 9 have a key (views list shows the order).")
            }
        } catch {
            throw report(error)
        }
    }
}

struct ViewsRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove a view saved in the database.")

    @Argument(help: "The view's name (case does not matter).")
    var name: String

    @OptionGroup var source: StoreSource

    func validate() throws { try source.validate() }

    func run() async throws {
        let removed: Bool
        let inConfiguration: Bool
        let location: String
        do {
            inConfiguration = try source.settings().views.contains { SavedView.sameName($0.name, name) }
            let store = try await source.openStore()
            location = ViewsCommand.place(store)
            removed = try await store.removeView(named: name)
        } catch {
            throw report(error)
        }
        let shown = name.terminalSafe
        if removed {
            printText("Removed the view \"\(shown)\" from \(location).")
            if inConfiguration { standardError("refundwatch: note: the configuration's [[views]] still has a view named \"\(shown)\"; edit the file to remove it.") }
            return
        }
        if inConfiguration {
            standardError("refundwatch: the view \"\(shown)\" is in the configuration's [[views]], not in the database; remove it from the file.")
        } else {
            standardError("refundwatch: no view named \"\(shown)\" is saved in \(location); refundwatch views list shows the views.")
        }
        throw ExitStatus.notFound.exitCode
    }
}

/// A view as `views list --json` prints it.
struct ViewJSON: Encodable {
    var key: Int?
    var name: String
    var origin: String
    var filter: String
    var sort: String
    var columns: [String]?
    var savedBy: String?
    var savedAt: Date?
    /// A saved view the configuration's view of the same name hides on this machine.
    var hidden: Bool

    init(_ view: SavedView, key: Int?, hidden: Bool) {
        self.key = key
        name = view.name
        origin = view.origin == .configuration ? "config" : "database"
        filter = view.filter
        sort = view.sort.rawValue
        columns = view.columns?.map(\.rawValue)
        savedBy = view.savedBy
        savedAt = view.savedAt
        self.hidden = hidden
    }

    enum CodingKeys: String, CodingKey {
        case key, name, origin, filter, sort, columns, hidden
        case savedBy = "saved_by"
        case savedAt = "saved_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(key, forKey: .key)
        try container.encode(name, forKey: .name)
        try container.encode(origin, forKey: .origin)
        try container.encode(filter, forKey: .filter)
        try container.encode(sort, forKey: .sort)
        try container.encode(columns, forKey: .columns)
        try container.encode(savedBy, forKey: .savedBy)
        try container.encode(savedAt.map { $0.formatted(.iso8601) }, forKey: .savedAt)
        try container.encode(hidden, forKey: .hidden)
    }
}
