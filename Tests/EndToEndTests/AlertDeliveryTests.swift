import Foundation
import RefundKit
import RefundSimulator
import RefundStore
import WatchlistModel
import Testing
import TestSupport

/// Two pollers on a team's PostgreSQL database deliver the alerts they raise to a webhook (the
/// simulator's receiver), through the binary: every alert arrives, signed, whatever the receiver
/// does meanwhile; none twice in a normal run; none lost when a poller is killed.
@Suite struct AlertDeliveryTests {
    static let secret = "hook-secret-4411"

    func withTeam(_ body: (PostgresServer, String, PostgresStore, Harness, String, [String: String]) async throws -> Void) async throws {
        try await withPostgres { server in
            try await server.psql("CREATE DATABASE team")
            let url = server.url(database: "team")
            let store = try await PostgresStore.open(try PostgresLocation(url: url, environment: [:]), environment: ["PGPASSWORD": server.password])
            try await scoped(store, stop: { await $0.close() }) { store in
                try await withSimulator(await Harness.start(orders: 160, webhookSecret: Self.secret)) { harness in
                    harness.simulator.webhook.mode = .failingEveryOther
                    let extra = """
                        alerts.webhook_url = "\(harness.simulator.webhookURL)"
                        alerts.webhook_secret_env = "RW_TEST_HOOK_SECRET"
                        alerts.retry_after = "1s"
                        """
                    let config = try writeConfiguration(harness, extra: extra, refreshInterval: 3600)
                    let add = try await CLIRunner.run(["track", "add", "-", "--db", url, "--config", config], environment: ["PGPASSWORD": server.password],
                                                      stdin: harness.simulator.catalogue.orders.map(\.referenceID).joined(separator: "\n"))
                    #expect(add.status == 0, "\(add.stderr)")
                    try await body(server, url, store, harness, config, ["PGPASSWORD": server.password, "RW_TEST_HOOK_SECRET": Self.secret])
                }
            }
        }
    }

    /// The deliveries every stored alert calls for: its raising, and its resolving when it resolved.
    func expected(_ store: PostgresStore) async throws -> Set<String> {
        var ids = Set<String>()
        for alert in try await store.alerts(resolved: true, limit: 100_000) {
            ids.insert("refundwatch:alert:\(alert.id):raised")
            if alert.resolvedAt != nil { ids.insert("refundwatch:alert:\(alert.id):resolved") }
        }
        return ids
    }

    /// Waits until every order was fetched (a killed poller's orders by the other, after its lease)
    /// and nothing is left in the outbox; returns the deliveries the stored alerts call for.
    func waitUntilDelivered(_ store: PostgresStore, _ server: PostgresServer, _ harness: Harness) async throws -> Set<String> {
        try await waitFor("every order fetched", timeout: .seconds(150), describe: { "\($0) of 160 fetched" },
                          read: { try await store.watchlist().filter { $0.fetchedAt != nil || $0.failure != nil }.count }, until: { $0 == 160 })
        try await waitFor("every alert delivered", timeout: .seconds(150),
                          describe: { pending in "\(pending.0) deliveries pending, \(harness.simulator.webhook.accepted.count) accepted:\n\(pending.1)" },
                          read: {
                              (try await store.pendingDeliveries(),
                               try await server.psql("SELECT o.attempts, o.last_error, o.next_at, o.lease_owner, o.lease_until, a.rule FROM alert_outbox o JOIN alert a ON a.id = o.alert_id WHERE o.done_at IS NULL", database: "team"))
                          }, until: { $0.0 == 0 })
        return try await expected(store)
    }

    @Test func twoPollersDeliverEveryAlertOnceThroughAReceiverThatFailsThenIsDown() async throws {
        try await withTeam { server, url, store, harness, config, environment in
            let (one, two) = (try StateWorkspace(), try StateWorkspace())
            let poll = ["poll", "--lease", "5s", "--db", url, "--config", config]
            try await CLIRunner.withProcess(poll, environment: one.environment.merging(environment) { $1 }) { first in
                try await CLIRunner.withProcess(poll, environment: two.environment.merging(environment) { $1 }) { second in
                    // Half the posts fail at first; then the receiver is down for a while; then back.
                    try await waitFor("some deliveries accepted", timeout: .seconds(60), describe: { "\($0) accepted" },
                                      read: { harness.simulator.webhook.accepted.count }, until: { $0 >= 3 })
                    harness.simulator.webhook.mode = .down
                    try await Task.sleep(for: .seconds(4))
                    // Every other post failed until then, so each of the three or more accepted had one refused before it.
                    let refused = harness.simulator.webhook.posts - harness.simulator.webhook.accepted.count
                    harness.simulator.webhook.mode = .accepting
                    let expected = try await waitUntilDelivered(store, server, harness)
                    let accepted = harness.simulator.webhook.accepted
                    #expect(expected.count >= 10, "the catalogue raises alerts: \(expected.count)")
                    #expect(Set(accepted.map(\.id)) == expected, "every alert delivered")
                    #expect(accepted.count == Set(accepted.map(\.id)).count, "none twice: \(accepted.count) for \(expected.count)")
                    #expect(accepted.allSatisfy { $0.signatureValid == true }, "each signed with the secret")
                    // The hostile order's refund id carries escapes: the body holds them only as JSON
                    // escapes, and the text a chat room shows holds none.
                    #expect(accepted.allSatisfy { !$0.body.contains("\u{1B}") && !$0.body.contains("\u{07}") })
                    let texts = accepted.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.body.utf8)) as? [String: Any])?["text"] as? String }
                    #expect(texts.count == accepted.count && texts.allSatisfy { !$0.unicodeScalars.contains { $0.value < 0x20 } })
                    let exact = accepted.compactMap { ((try? JSONSerialization.jsonObject(with: Data($0.body.utf8)) as? [String: Any])?["alert"] as? [String: Any])?["refund_id"] as? String }
                    #expect(exact.contains { $0.contains("\u{1B}") }, "the alert's own fields keep their exact values")
                    #expect(refused >= 3, "the failures were seen: \(refused) refused")
                    first.signal(SIGTERM)
                    second.signal(SIGTERM)
                    #expect(try await first.exit().termination == .exited(0), "\(first.stderr)")
                    #expect(try await second.exit().termination == .exited(0), "\(second.stderr)")
                }
            }
            // Both did deliver, and their logs say so.
            let logs = one.log + two.log
            #expect(logs.contains("delivered to webhook"))
            #expect(logs.contains("the receiver answered 503; trying again in"))
            _ = server
        }
    }

    @Test func aPollerKilledWhileDeliveringLosesNoAlert() async throws {
        try await withTeam { server, url, store, harness, config, environment in
            let (one, two) = (try StateWorkspace(), try StateWorkspace())
            let poll = ["poll", "--lease", "3s", "--db", url, "--config", config]
            harness.simulator.webhook.mode = .accepting
            try await CLIRunner.withProcess(poll, environment: one.environment.merging(environment) { $1 }) { doomed in
                try await CLIRunner.withProcess(poll, environment: two.environment.merging(environment) { $1 }) { survivor in
                    try await waitFor("deliveries under way", timeout: .seconds(60), describe: { "\($0) accepted" },
                                      read: { harness.simulator.webhook.accepted.count }, until: { $0 >= 1 })
                    doomed.signal(SIGKILL)
                    #expect(try await doomed.exit().termination == .signalled(SIGKILL))
                    let expected = try await waitUntilDelivered(store, server, harness)
                    let accepted = harness.simulator.webhook.accepted
                    #expect(Set(accepted.map(\.id)) == expected, "no alert lost")
                    // A repeat is possible only for what the killed poller had sent but not recorded:
                    // at most one batch, and each repeat carries the same id for the receiver to drop.
                    #expect(accepted.count - expected.count <= 50)
                    survivor.signal(SIGTERM)
                    #expect(try await survivor.exit().termination == .exited(0), "\(survivor.stderr)")
                }
            }
            _ = server
        }
    }
}
