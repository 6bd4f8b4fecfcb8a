import Foundation
import Testing
import TestSupport

/// What `--help` tells a new user: every option a command takes is in its usage line, and what it
/// says of the watchlist is true whichever database holds it.
@Suite struct HelpCommandTests {
    /// The USAGE section of `--help`, on one line.
    static func usage(_ command: [String]) async throws -> String {
        let help = try await CLIRunner.run(command + ["--help"])
        #expect(help.status == 0, "\(command): \(help.stderr)")
        guard let start = help.stdout.range(of: "USAGE:") else { return "" }
        let section = help.stdout[start.upperBound...].prefix { _ in true }
        let lines = section.split(separator: "\n", omittingEmptySubsequences: false).prefix { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        return lines.map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    }

    static let storeCommands: [[String]] = [
        ["dashboard"], ["track", "add"], ["track", "remove"], ["track", "list"], ["track", "refresh"], ["track", "history"], ["export"], ["poll"],
    ]

    @Test(arguments: storeCommands)
    func everyCommandOnTheWatchlistShowsDbAndConfigInItsUsage(_ command: [String]) async throws {
        let usage = try await Self.usage(command)
        #expect(usage.contains("[--db <FILE|URL>]"), "\(command): \(usage)")
        #expect(usage.contains("[--config <FILE>]"), "\(command): \(usage)")
    }

    @Test func dbCopyTakesConfigAsEveryOtherCommandDoes() async throws {
        let usage = try await Self.usage(["db", "copy"])
        #expect(usage.contains("[--from <FILE|URL>]") && usage.contains("[--to <FILE|URL>]") && usage.contains("[--config <FILE>]"), "\(usage)")
        for command in [["lookup"], ["payu", "token"]] {
            let other = try await Self.usage(command)
            #expect(other.contains("[--config <FILE>]"), "\(command): \(other)")
        }
    }

    /// Each command's synopsis in docs/ (the first line of a code block that starts with it, with
    /// its indented continuation) and the page it is on.
    static let synopses: [(command: [String], prefix: String, page: String)] = [
        (["dashboard"], "refundwatch [", "docs/dashboard.md"),
        (["lookup"], "refundwatch lookup REF", "docs/commands.md"),
        (["track", "add"], "refundwatch track add ", "docs/commands.md"),
        (["track", "remove"], "refundwatch track remove ", "docs/commands.md"),
        (["track", "list"], "refundwatch track list ", "docs/commands.md"),
        (["track", "refresh"], "refundwatch track refresh ", "docs/commands.md"),
        (["track", "history"], "refundwatch track history ", "docs/commands.md"),
        (["poll"], "refundwatch poll ", "docs/commands.md"),
        (["export"], "refundwatch export ", "docs/commands.md"),
        (["db", "copy"], "refundwatch db copy ", "docs/commands.md"),
        (["payu", "token"], "refundwatch payu token ", "docs/commands.md"),
        (["simulate"], "refundwatch simulate ", "docs/commands.md"),
        (["listen"], "refundwatch listen [", "docs/listen.md"),
    ]

    /// Options a command's help shows that it refuses, with a message saying what to do instead:
    /// `listen --demo` (the demo dashboard's watchlist is in its memory, out of listen's reach).
    static let refused: [String: Set<String>] = ["listen": ["--demo", "--accounts"]]

    /// The docs' synopsis of every command names every option its `--help` usage line does.
    @Test func theDocsSynopsisOfEachCommandNamesEveryOptionOfItsHelp() async throws {
        var root = URL(fileURLWithPath: #filePath)
        while !FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path) { root.deleteLastPathComponent() }
        for (command, prefix, page) in Self.synopses {
            let lines = try String(contentsOf: root.appendingPathComponent(page), encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            guard let first = lines.firstIndex(where: { $0.hasPrefix(prefix) }) else {
                Issue.record("\(page) has no synopsis of refundwatch \(command.joined(separator: " ")) (a line starting \"\(prefix)\")")
                continue
            }
            let synopsis = ([lines[first]] + lines[(first + 1)...].prefix { $0.hasPrefix(" ") }).joined(separator: " ")
            let documented = Set(synopsis.matches(of: /--[a-z][a-z-]*/).map { String($0.output) })
            let usage = try await Self.usage(command)
            for option in usage.matches(of: /--[a-z][a-z-]*/).map({ String($0.output) }) where !(Self.refused[command.joined(separator: " ")] ?? []).contains(option) {
                #expect(documented.contains(option), "\(page): the synopsis of \(command.joined(separator: " ")) leaves out \(option), which --help shows: \(usage)")
            }
        }
    }

    @Test func trackSaysWhereTheWatchlistIsKept() async throws {
        let help = try await CLIRunner.run(["track", "--help"])
        let words = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(!words.contains("in SQLite."), "\(words)")
        #expect(words.contains("in an SQLite file of your own") && words.contains("or in a team's PostgreSQL database"), "\(words)")
        #expect(words.contains("9 database: the watchlist's file or PostgreSQL database cannot be used"), "\(words)")
    }
}
