import Foundation
import Testing
@testable import DashboardCore
import WatchlistModel

@Suite struct ThemeTests {
    static let themes = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("themes")

    @Test func theCompiledInDefaultIsThemesDefaultToml() throws {
        let file = try String(contentsOf: Self.themes.appendingPathComponent("default.toml"), encoding: .utf8)
        #expect(Theme.defaultTOML == file)
        #expect(try Theme.parse(file, file: "default.toml") == Theme.builtIn)
        #expect(Theme.builtIn.looks.count == Role.allCases.count)
        #expect(Role.allCases.map(\.ordinal) == Array(Role.allCases.indices))
    }

    @Test(arguments: Theme.shippedNames)
    func everyShippedThemeParsesAndNamesEveryRole(name: String) throws {
        let text = try String(contentsOf: Self.themes.appendingPathComponent(name + ".toml"), encoding: .utf8)
        let theme = try Theme.parse(text, file: name + ".toml")
        #expect(theme.name == name)
        #expect(Set(theme.looks.keys) == Set(Role.allCases))
    }

    @Test func aBadColourOrAnUnknownRoleNamesTheFileLineAndValue() {
        let badColour = "name = \"x\"\n[roles]\ntext = \"default\"\noverdue = { fg = \"purplish\", bold = true }\n"
        let error = #expect(throws: Theme.LoadError.self) { try Theme.parse(badColour, file: "themes/x.toml") }
        #expect(error?.description == "theme themes/x.toml, line 4: overdue: fg \"purplish\" is not a colour; use a name (red, bright-blue, …), 0-255, #rrggbb or default")
        let unknown = #expect(throws: Theme.LoadError.self) { try Theme.parse("[roles]\ntext = 1\nsparkle = \"red\"\n", file: "y.toml") }
        #expect(unknown?.line == 3)
        #expect(unknown?.problem.hasPrefix("unknown role \"sparkle\"; the roles are text, muted,") == true)
        let noRoles = #expect(throws: Theme.LoadError.self) { try Theme.parse("name = \"z\"\n", file: "z.toml") }
        #expect(noRoles?.problem.contains("no [roles] table") == true)
        let notTOML = #expect(throws: Theme.LoadError.self) { try Theme.parse("[roles\n", file: "w.toml") }
        #expect(notTOML?.line == 1)
    }

    @Test func coloursAreReducedForSmallerTerminals() {
        #expect(ThemeColor(parsing: "#ff0000") == .rgb(255, 0, 0))
        #expect(ThemeColor(parsing: "#ff0000")?.basic == 1)
        #expect(ThemeColor(parsing: "#00ff00")?.basic == 2)
        #expect(ThemeColor(parsing: "bright-red")?.basic == 1)
        #expect(ThemeColor(parsing: "160")?.basic == 1)
        #expect(ThemeColor(parsing: "244")?.basic == 7)
        #expect(ThemeColor(parsing: "#ff0000")?.index256 == 196)
        #expect(ThemeColor(parsing: "default")?.basic == nil)
        #expect(ThemeColor(parsing: "ultraviolet") == nil)
        #expect(ThemeColor(parsing: "256") == nil)
    }
}
