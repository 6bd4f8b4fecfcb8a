import Foundation
import Testing
@testable import RefundKit

/// `[[views]]`: the saved views of a configuration file, read into `RefundConfiguration.views` and
/// `WatchlistSettings.views` in the file's order; each mistake is one `ConfigurationError` naming
/// the file and the view by its place among the `[[views]]` (counted from 1) and the key.
@Suite struct ViewConfigurationTests {
    /// The single account, so that `parse` (which builds the whole configuration) accepts a file;
    /// written after the text, so that a top-level key of the text stays at the top.
    static let kaleyra = "[kaleyra]\nsid = \"S\"\napi_key = \"k\"\nphone_number_id = \"1\"\npayment_config_id = \"c\"\n\n"

    /// Two views as docs/views.md writes them, then one with nothing but a name.
    static let threeViews = """
        [[views]]
        name = "late-north"
        filter = "is:late account:north"
        sort = "deadline"
        columns = ["reference", "account", "amount", "state", "deadline", "updated"]

        [[views]]
        name = "changed"
        sort = "recent"
        columns = ["reference", "label", "state", "arn", "updated"]

        [[views]]
        name = "All_2026"

        """

    static let everyColumn = "reference, account, label, payment, amount, txn, rfd, refunded, state, arn, deadline, updated"

    func parse(_ text: String) throws(ConfigurationError) -> RefundConfiguration {
        try ConfigurationLoader(environment: [:]).parse(text + "\n" + Self.kaleyra, file: "test.toml")
    }

    /// The message a person sees for `text` (before the single account), or nil when it is accepted.
    func message(_ text: String) -> String? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            return error.description
        }
    }

    /// One `[[views]]` table holding `lines`.
    func view(_ lines: String...) -> String {
        "[[views]]\n" + lines.joined(separator: "\n") + "\n"
    }

    func file(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rw-views-\(UUID()).toml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        return path
    }

    // MARK: - Read

    @Test func severalViewsKeepTheFilesOrderAndEveryField() throws {
        let views = try parse(Self.threeViews).views
        #expect(views.map(\.name) == ["late-north", "changed", "All_2026"], "the file's order, not sorted by name")
        #expect(views.map(\.filter) == ["is:late account:north", "", ""])
        #expect(views.map(\.sort) == [.deadline, .recent, .attention], "attention when sort is left out")
        #expect(views[0].columns == [.reference, .account, .amount, .state, .deadline, .updated])
        #expect(views[1].columns == [.reference, .label, .state, .arn, .updated])
        #expect(views[2].columns == nil, "no columns key: the usual columns")
        #expect(views.map(\.origin) == [.configuration, .configuration, .configuration])
        #expect(views.allSatisfy { $0.savedBy == nil && $0.savedAt == nil })
        #expect(views[0] == SavedView(name: "late-north", filter: "is:late account:north", sort: .deadline,
                                      columns: [.reference, .account, .amount, .state, .deadline, .updated], origin: .configuration))
        #expect(views.map(\.columnsText) == ["reference, account, amount, state, deadline, updated", "reference, label, state, arn, updated", "usual"])
    }

    @Test func whatIsWrittenIsTrimmedAndReadWithoutRegardToCase() throws {
        let views = try parse(view("name = \"Mixed\"", "filter = \"  is:due  \"", "sort = \"Deadline\"", "columns = [\" Amount \", \"STATE\", \"reference\"]")).views
        #expect(views.count == 1)
        #expect(views.first?.name == "Mixed", "the name as written")
        #expect(views.first?.filter == "is:due")
        #expect(views.first?.sort == .deadline)
        #expect(views.first?.columns == [.amount, .state, .reference], "a reference placed by the file keeps its place")
    }

    @Test func aFileWithoutViewsHasNone() throws {
        let config = try parse("refresh_interval = 45\n")
        #expect(config.views.isEmpty)
        #expect(config.watchlistSettings.views.isEmpty)
        #expect(try ConfigurationLoader(environment: [:]).loadSettings(explicit: try file("theme = \"mono\"\n")).views.isEmpty)
    }

    @Test func loadSettingsReadsTheViewsWithoutAnyAPITable() throws {
        let path = try file("theme = \"mono\"\n\n" + Self.threeViews)
        let loader = ConfigurationLoader(environment: [:])
        let settings = try loader.loadSettings(explicit: path)
        #expect(settings.views.map(\.name) == ["late-north", "changed", "All_2026"])
        #expect(settings.views == (try parse(Self.threeViews).views))
        #expect(settings.accountNames.isEmpty)
        // The full configuration (with an account) carries the same views in its settings.
        let full = try file(Self.kaleyra + Self.threeViews)
        let loaded = try loader.load(explicit: full)
        #expect(loaded.views == settings.views)
        #expect(loaded.watchlistSettings.views == settings.views)
        #expect(try loader.loadSettings(explicit: full).views == settings.views)
    }

    @Test func theReferenceIsPutFirstWhenAViewLeavesItOut() throws {
        let views = try parse(view("name = \"a\"", "columns = [\"amount\", \"state\", \"deadline\"]")
                              + view("name = \"b\"", "columns = [\"state\"]")
                              + view("name = \"c\"", "columns = [\"reference\"]")).views
        #expect(views.map(\.columns) == [[.reference, .amount, .state, .deadline], [.reference, .state], [.reference]])
    }

    @Test func theDescriptionListsTheViewsNames() throws {
        let described = String(describing: try parse(Self.threeViews))
        #expect(described.contains("\nviews = late-north, changed, All_2026\n"), "\(described)")
        #expect(String(describing: try parse("")).contains("\nviews = none\n"))
    }

    // MARK: - Mistakes: one message each, naming the file and the key

    @Test func aDuplicateNameIsRefusedWithoutRegardToCase() {
        #expect(message(view("name = \"late\"") + view("name = \"LATE\""))
                == "test.toml: views[2].name: \"LATE\" is already the name of views[1] (names are compared without regard to case); rename one of them")
        #expect(message(view("name = \"a\"") + view("name = \"b\"") + view("name = \"c\"") + view("name = \"B\""))
                == "test.toml: views[4].name: \"B\" is already the name of views[2] (names are compared without regard to case); rename one of them")
    }

    @Test func aViewWithoutANameIsRefused() {
        #expect(message(view("name = \"ok\"") + view("filter = \"is:late\""))
                == "test.toml: views[2].name: missing; every view needs a name, e.g. name = \"late-north\"")
        #expect(message(view("name = 7"))
                == "test.toml: views[1].name: expected a string in quotes, found integer")
    }

    @Test(arguments: [
        ("late north", "late north"),
        ("", ""),
        ("café", "café"),
        (String(repeating: "v", count: 33), String(repeating: "v", count: 33)),
        ("late\\u001B[2J", "late\\e[2J"),
    ])
    func aBadNameIsRefused(written: String, shown: String) throws {
        let described = try #require(message(view("name = \"\(written)\"")))
        #expect(described == "test.toml: views[1].name: \"\(shown)\" is not a view name; a name is 1 to 32 letters (A-Z, a-z), digits, _ or -, e.g. \"late-north\"")
        #expect(!described.contains("\u{1B}"))
    }

    @Test func thirtyTwoLettersDigitsUnderscoresAndHyphensMakeAName() throws {
        let name = "Late_North-2026-" + String(repeating: "x", count: 16)
        #expect(name.count == 32)
        #expect(try parse(view("name = \"\(name)\"")).views.map(\.name) == [name])
    }

    @Test func aKeyAViewDoesNotHaveIsRefused() {
        #expect(message(view("name = \"late\"", "colums = [\"reference\"]"))
                == "test.toml: views[1].colums: is not a key of a view; a view has name, filter, sort, columns")
        // The key is shown safely.
        let escaped = message(view("name = \"late\"", "\"col\\u001Bums\" = 1"))
        #expect(escaped == "test.toml: views[1].col\\eums: is not a key of a view; a view has name, filter, sort, columns")
        #expect(escaped?.contains("\u{1B}") == false)
    }

    @Test func aBadSortListsTheSorts() {
        #expect(message(view("name = \"ok\"") + view("name = \"late\"", "sort = \"latest\""))
                == "test.toml: views[2].sort: \"latest\" is not a sort; expected one of attention, recent, reference, deadline")
        #expect(message(view("name = \"late\"", "sort = \"\""))
                == "test.toml: views[1].sort: \"\" is not a sort; expected one of attention, recent, reference, deadline")
        #expect(message(view("name = \"late\"", "sort = 1"))
                == "test.toml: views[1].sort: expected a string in quotes, found integer")
    }

    @Test func anUnknownColumnListsTheColumns() {
        #expect(message(view("name = \"late\"", "columns = [\"reference\", \"acount\"]"))
                == "test.toml: views[1].columns: \"acount\" is not a column; the columns are \(Self.everyColumn)")
        let escaped = message(view("name = \"late\"", "columns = [\"arn\\u001B]52;c;x\"]"))
        #expect(escaped == "test.toml: views[1].columns: \"arn\\e]52;c;x\" is not a column; the columns are \(Self.everyColumn)")
        #expect(escaped?.contains("\u{1B}") == false)
    }

    @Test func aColumnNamedTwiceIsRefused() {
        #expect(message(view("name = \"late\"", "columns = [\"reference\", \"state\", \"amount\", \"state\"]"))
                == "test.toml: views[1].columns: names \"state\" twice")
        #expect(message(view("name = \"late\"", "columns = [\"Amount\", \"amount \"]"))
                == "test.toml: views[1].columns: names \"amount\" twice", "without regard to case or spaces")
    }

    @Test func anEmptyColumnsListIsRefused() {
        #expect(message(view("name = \"late\"", "columns = []"))
                == "test.toml: views[1].columns: is empty; name the columns to show, e.g. [\"reference\", \"amount\", \"state\", \"deadline\"], or leave the key out for the usual ones")
    }

    @Test func columnsMustBeAListOfNamesInQuotes() {
        #expect(message(view("name = \"late\"", "columns = \"reference, amount\""))
                == "test.toml: views[1].columns: expected a list of column names in quotes, e.g. [\"reference\", \"amount\", \"state\"], found string")
        #expect(message(view("name = \"late\"", "columns = [\"reference\", 7]"))
                == "test.toml: views[1].columns: every item must be a column name in quotes, found integer")
    }

    @Test func aFilterWithAControlCharacterIsRefusedWithoutEchoingIt() throws {
        let described = try #require(message(view("name = \"late\"", "filter = \"is:late\\u001B[2J\\u001B]0;pwned\\u0007\"")))
        #expect(described == "test.toml: views[1].filter: holds control characters; a filter is what you would type after / on the watchlist, e.g. \"is:late account:north\"")
        #expect(!described.contains("\u{1B}"))
        #expect(!described.contains("pwned") && !described.contains("[2J"), "nothing of the filter is echoed")
        // A right-to-left override is refused the same way.
        #expect(message(view("name = \"late\"", "filter = \"is:late \\u202E\""))
                == "test.toml: views[1].filter: holds control characters; a filter is what you would type after / on the watchlist, e.g. \"is:late account:north\"")
    }

    @Test func aFilterLongerThan200CharactersIsRefused() throws {
        let longest = String(repeating: "a", count: 200)
        #expect(try parse(view("name = \"long\"", "filter = \"\(longest)\"")).views.first?.filter == longest)
        #expect(message(view("name = \"long\"", "filter = \"\(longest)b\""))
                == "test.toml: views[1].filter: is 201 characters long; a view's filter is at most 200")
    }

    @Test func viewsMustBeTables() {
        #expect(message("views = \"x\"\n")
                == "test.toml: views: expected [[views]] tables, one a view, each with name, filter, sort and columns, found string")
        #expect(message("[views]\nname = \"late\"\n")
                == "test.toml: views: expected [[views]] tables, one a view, each with name, filter, sort and columns, found table")
        #expect(message("views = [\"late\"]\n")
                == "test.toml: views[1]: expected a table ([[views]] with name, filter, sort and columns), found string")
    }

    @Test func aMistakeNamesTheFileItWasReadFrom() throws {
        let path = try file(view("name = \"ok\"") + view("name = \"late\"", "sort = \"latest\""))
        #expect(throws: ConfigurationError(file: path, key: "views[2].sort",
                                           problem: "\"latest\" is not a sort; expected one of attention, recent, reference, deadline")) {
            try ConfigurationLoader(environment: [:]).loadSettings(explicit: path)
        }
        do {
            _ = try ConfigurationLoader(environment: [:]).loadSettings(explicit: path)
            Issue.record("a bad sort was accepted")
        } catch {
            #expect(error.description == "\(path): views[2].sort: \"latest\" is not a sort; expected one of attention, recent, reference, deadline")
        }
        let duplicate = try file(Self.kaleyra + view("name = \"late\"") + view("name = \"Late\""))
        #expect(throws: ConfigurationError(file: duplicate, key: "views[2].name",
                                           problem: "\"Late\" is already the name of views[1] (names are compared without regard to case); rename one of them")) {
            try ConfigurationLoader(environment: [:]).load(explicit: duplicate)
        }
    }
}
