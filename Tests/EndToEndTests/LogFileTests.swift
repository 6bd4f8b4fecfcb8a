import Foundation
import Testing
import RefundSimulator
import TestSupport

/// The log file shared by every refundwatch process of a user: a dashboard and a `track refresh`
/// from cron write it at once.
@Suite(.serialized) struct LogFileTests {
    /// `2026-11-22T10:00:00.123+0530 info [refundwatch.http] GET Kaleyra 127.0.0.1:…/… -> 200 in 3 ms (attempt 1)`
    /// The one line a `track refresh` adds when some orders were stored without PayU's side (the
    /// catalogue's unknown-payu-id orders, which PayU does not know).
    static var refreshWarning: Regex<Substring> { #/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+(?:Z|[+-]\d{4}) warning \[refundwatch\.refresh\] refreshed \d+ of [\d,]+ orders: 0 failed, \d+ partly failed: PayU could not be asked \(first: .+\)$/# }

    /// A line of either kind.
    static func isWhole(_ line: Substring) -> Bool {
        (try? requestLine.wholeMatch(in: String(line))) != nil || (try? refreshWarning.wholeMatch(in: String(line))) != nil
    }

    static var requestLine: Regex<(Substring, Substring, Substring, Substring, Substring, Substring?, Substring)> { #/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+(Z|[+-]\d{4}) (info|warning) \[refundwatch\.http\] (GET|POST) (Kaleyra|PayU) 127\.0\.0\.1:\d+/\S+( payu_id=\S+)? (-> \d{3} in .+|failed: .+) \(attempt \d+\)$/# }

    struct Setup {
        let harness: Harness
        let config: String
        let folder: String
        let ids: [String]
    }

    /// A simulator with `orders` orders and two watchlists holding all of them, for `body`; the
    /// simulator is stopped after it, awaited.
    func withSetup(orders: Int, _ body: (Setup) async throws -> Void) async throws {
        try await withSimulator(await Harness.start(orders: orders)) { harness in
            let config = try writeConfiguration(harness)
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rw-log-\(UUID())").path
            try FileManager.default.createDirectory(atPath: folder + "/state", withIntermediateDirectories: true)
            let ids = harness.simulator.catalogue.orders.map(\.referenceID)
            for db in ["a", "b"] {
                let add = try await CLIRunner.run(["track", "add", "-", "--db", "\(folder)/\(db).sqlite"], stdin: ids.joined(separator: "\n") + "\n")
                #expect(add.status == 0, "\(add.stderr)")
            }
            try await body(Setup(harness: harness, config: config, folder: folder, ids: ids))
        }
    }

    /// Two `track refresh` processes at once, each on its own watchlist, both logging to one file.
    func refreshTwiceAtOnce(_ setup: Setup, environment extra: [String: String] = [:]) async throws {
        let environment = secretEnvironment().merging(["XDG_STATE_HOME": setup.folder + "/state"]) { $1 }.merging(extra) { $1 }
        async let first = CLIRunner.run(["track", "refresh", "--json", "--db", setup.folder + "/a.sqlite", "--config", setup.config], environment: environment, timeout: 300)
        async let second = CLIRunner.run(["track", "refresh", "--json", "--db", setup.folder + "/b.sqlite", "--config", setup.config], environment: environment, timeout: 300)
        // Every order is stored; the catalogue's unknown-payu-id ones without PayU's side: exit 11.
        for result in try await [first, second] { #expect(result.status == 11, "\(result.stderr)") }
    }

    @Test func twoProcessesAppendEveryLineWhole() async throws {
        // 600 orders make about 1,000 requests a refresh: one log line each.
        try await withSetup(orders: 600) { setup in
            setup.harness.simulator.clearReceivedRequests()
            let before = setup.harness.simulator.requestCounts()
            try await refreshTwiceAtOnce(setup)
            let after = setup.harness.simulator.requestCounts()
            let requests = (after.kaleyra - before.kaleyra) + (after.payu - before.payu)
            #expect(requests >= 2_000, "only \(requests) requests")

            let log = try String(contentsOfFile: setup.folder + "/state/refundwatch/refundwatch.log", encoding: .utf8)
            #expect(log.hasSuffix("\n"))
            let lines = log.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            let broken = lines.filter { !Self.isWhole($0) }
            #expect(broken.isEmpty, "\(broken.count) lines are not whole, e.g. \(broken.prefix(2))")
            let warnings = lines.filter { (try? Self.refreshWarning.wholeMatch(in: String($0))) != nil }
            #expect(warnings.count == 2, "one a process: \(warnings)")
            #expect(lines.count == requests + 2, "\(lines.count) lines for \(requests) requests and 2 warnings")
            #expect(!FileManager.default.fileExists(atPath: setup.folder + "/state/refundwatch/refundwatch.log.1"))
        }
    }

    @Test func theLogIsRotatedAtItsLimitKeepingTwoOlderFiles() async throws {
        try await withSetup(orders: 300) { setup in
            let limit = 40_000
            try await refreshTwiceAtOnce(setup, environment: ["REFUNDWATCH_LOG_MAX_BYTES": "\(limit)"])
            let base = setup.folder + "/state/refundwatch/refundwatch.log"
            var kept = 0
            for suffix in ["", ".1", ".2"] {
                let text = try String(contentsOfFile: base + suffix, encoding: .utf8)
                let lines = text.split(separator: "\n")
                kept += lines.count
                #expect(text.hasSuffix("\n"))
                #expect(lines.allSatisfy(Self.isWhole), "a broken line in refundwatch.log\(suffix)")
                // A file passes the limit by at most the lines written while another process rotated.
                #expect(text.utf8.count < limit + 4_096, "refundwatch.log\(suffix) is \(text.utf8.count) bytes")
            }
            #expect(kept > 100)
            #expect(!FileManager.default.fileExists(atPath: base + ".3"))
            let mode = try FileManager.default.attributesOfItem(atPath: base)[.posixPermissions] as? Int
            #expect(mode == 0o600)
        }
    }
}
