import Foundation
import Testing
import RefundSimulator

/// README.md tells a new user what to type; what it quotes must exist.
@Suite struct ReadmeTests {
    private var readme: String {
        get throws {
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            return try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        }
    }

    @Test func everyReferenceIdItQuotesIsInTheDefaultCatalogue() throws {
        let catalogue = Catalogue(seed: 42)
        let ids = try readme.matches(of: /ORD-\d{8}-\d{4}/).map { String($0.output) }
        #expect(!ids.isEmpty)
        for id in ids { #expect(catalogue.order(id) != nil, "README quotes \(id), which the demo catalogue does not have") }
    }

    @Test func itGivesTheTwoCommands() throws {
        let text = try readme
        #expect(text.contains("```sh\nswift run refundwatch --demo\n```"))
        #expect(text.contains("swift run refundwatch lookup --demo ORD-"))
        #expect(text.contains("```sh\nswift test\n```"))
        let ci = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".ci/run"), encoding: .utf8)
        #expect(ci.contains("\nswift test\n"), ".ci/run runs README's test command")
    }
}
