import Foundation
import Testing
import RefundSimulator

/// README.md tells a new user what to type, and docs/ the rest; what they quote must exist, and
/// every link between them must lead somewhere.
@Suite struct ReadmeTests {
    private static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    private static func read(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    /// README.md and every Markdown file in docs/, by path from the package root.
    private static func documents() throws -> [String] {
        let docs = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("docs").path)
            .filter { $0.hasSuffix(".md") }.sorted().map { "docs/" + $0 }
        return ["README.md"] + docs
    }

    private var readme: String {
        get throws { try Self.read("README.md") }
    }

    @Test func everyReferenceIdItQuotesIsInTheDefaultCatalogue() throws {
        let catalogue = Catalogue(seed: 42)
        #expect(try !readme.matches(of: /ORD-\d{8}-\d{4}/).isEmpty)
        for path in try Self.documents() {
            for id in try Self.read(path).matches(of: /ORD-\d{8}-\d{4}/).map({ String($0.output) }) {
                #expect(catalogue.order(id) != nil, "\(path) quotes \(id), which the demo catalogue does not have")
            }
        }
    }

    @Test func itGivesTheTwoCommands() throws {
        let text = try readme
        #expect(text.contains("```sh\nswift run refundwatch --demo\n```"))
        #expect(text.contains("swift run refundwatch lookup --demo ORD-"))
        #expect(text.contains("```sh\nswift test\n```"))
        let ci = try Self.read(".ci/run")
        #expect(ci.contains("\nswift test\n"), ".ci/run runs README's test command")
    }

    /// A newcomer reads it in one go; the rest is in docs/.
    @Test func itIsShortAndPointsIntoTheDocs() throws {
        let size = try Data(contentsOf: Self.root.appendingPathComponent("README.md")).count
        #expect(size <= 10 * 1024, "README.md is \(size) bytes; keep it at most 10 KB and move detail into docs/")
        let text = try readme
        for page in ["keys", "exit-status", "dashboard", "commands", "configuration", "team", "architecture", "testing"] {
            #expect(text.contains("(docs/\(page).md"), "README.md does not link to docs/\(page).md")
        }
    }

    /// Every relative link in README.md and docs/ names a file that exists and, after a #, a
    /// heading that file has (as GitHub makes anchors: lower case, spaces as hyphens, no punctuation).
    @Test func everyLinkLeadsToAFileAndHeadingThatExist() throws {
        for path in try Self.documents() {
            let text = try Self.read(path)
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent().relativePath
            for match in text.matches(of: /\]\(([^)\s]+)\)/) {
                let target = String(match.output.1)
                if target.contains("://") || target.hasPrefix("mailto:") { continue }
                let parts = target.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                let file = parts[0].isEmpty ? path : (folder == "." ? parts[0] : folder + "/" + parts[0])
                let resolved = Self.root.appendingPathComponent(file).standardizedFileURL.path
                #expect(FileManager.default.fileExists(atPath: resolved), "\(path) links to \(target), which does not exist")
                guard parts.count == 2, file.hasSuffix(".md"), let linked = try? String(contentsOfFile: resolved, encoding: .utf8) else { continue }
                let anchors = linked.split(separator: "\n").filter { $0.hasPrefix("#") }.map { Self.anchor(String($0)) }
                #expect(anchors.contains(parts[1]), "\(path) links to \(target), but \(file) has no such heading")
            }
        }
    }

    /// Messages and doc comments send readers to docs/ files by name; each must exist.
    @Test func everyDocsFileTheCodeNamesExists() throws {
        let sources = Self.root.appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(atPath: sources.path)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") } ?? []
        var named = 0
        for file in files {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            for match in text.matches(of: /docs\/[a-z-]+\.md/) {
                named += 1
                let path = String(match.output)
                #expect(FileManager.default.fileExists(atPath: Self.root.appendingPathComponent(path).path), "Sources/\(file) names \(path), which does not exist")
            }
        }
        #expect(named > 0)
    }

    static func anchor(_ heading: String) -> String {
        let title = heading.drop { $0 == "#" }.trimmingCharacters(in: .whitespaces).lowercased()
        return String(title.compactMap { character -> Character? in
            if character == " " { return "-" }
            return character.isLetter || character.isNumber || character == "-" || character == "_" ? character : nil
        })
    }
}
