import Foundation
import Testing
import RefundKit
import RefundSimulator
import TestSupport

/// The request budget through the binary, against a simulator that enforces an account's limit.
/// Serialized: the team's budget test (TeamBudgetTests.swift, in this suite) keeps three pollers
/// busy, and beside it this one's process would go slower than the limit it has to exceed.
@Suite(.serialized) struct RateBudgetCommandTests {
    /// The account allows 10 Kaleyra lookups a second. With a budget of 9 the account never
    /// throttles. With a budget of 20 (set too high) it does: the first 429 pauses every request
    /// and halves the pace, so none is over budget after it (answers to requests already in
    /// flight at that moment arrive within a few milliseconds). The limit is low enough that a
    /// debug build on a busy machine still fetches faster than it.
    @Test(arguments: [9.0, 20.0])
    func dueOrdersWithinTheAccountsLimitAreAllStored(budget: Double) async throws {
        try await withSimulator(await Harness.start(orders: 250, rateLimits: try RateLimitSpec.parse("kaleyra=10/s"))) { harness in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rw-budget-\(UUID())").path
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let config = try writeConfiguration(harness, kaleyraBudget: budget)
            let environment = secretEnvironment().merging(["XDG_STATE_HOME": folder + "/state"]) { $1 }
            let common = ["--db", folder + "/watch.sqlite", "--config", config]
            let ids = harness.simulator.catalogue.orders.map(\.referenceID)
            let add = try await CLIRunner.run(["track", "add", "-"] + common, environment: environment, stdin: ids.joined(separator: "\n"))
            #expect(add.status == 0, "\(add.stderr)")

            let refresh = try await CLIRunner.run(["track", "refresh", "--json"] + common, environment: environment, timeout: 180)
            // The catalogue's orders PayU refuses by design (unknown-payu-id) are stored without
            // PayU's side: partly failed, exit 11.
            #expect(refresh.status == 11, "\(refresh.stderr)")
            let summary = try #require(try JSONSerialization.jsonObject(with: Data(refresh.stdout.utf8)) as? [String: Any])
            #expect(summary["orders"] as? Int == 250)
            #expect(summary["failed"] as? Int == 0, "every order is stored")
            #expect(summary["fetched"] as? Int == 250)

            let refused = harness.simulator.overBudgetRequests(.kaleyra)
            if budget <= 10 {
                #expect(refused.count == 0, "within the account's limit: never throttled")
                return
            }
            #expect(!refused.isEmpty, "the budget of 20/s is over the account's 10/s: the account throttles")
            if let first = refused.first {
                let late = refused.filter { $0 - first > .milliseconds(250) }
                #expect(late.count == 0, "\(refused.count) over-budget requests, some after the first 429 had been answered")
            }
            let log = (try? String(contentsOfFile: folder + "/state/refundwatch/refundwatch.log", encoding: .utf8)) ?? ""
            #expect(log.contains("Kaleyra asked us to slow down: every request to it waits 1s"))
        }
    }
}
