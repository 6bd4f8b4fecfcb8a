import Foundation
import Testing
import RefundSimulator
import TestSupport

/// `refundwatch alerts` as a script or a person without the dashboard uses it: alerts raised by a
/// refresh, listed, acknowledged with a note, snoozed, and clear errors for what does not exist.
@Suite struct AlertsCommandTests {
    func json(_ text: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8)) }

    @Test func aRefreshRaisesAlertsThatAreListedAcknowledgedAndSnoozed() async throws {
        try await withSimulator { harness in
            let space = try StateWorkspace()
            let config = try writeConfiguration(harness, extra: "alerts.user = \"asha\"")
            let common = ["--db", space.db, "--config", config]
            let failed = harness.simulator.catalogue.orders(in: .refundFails)[1].referenceID
            let late = harness.order(.overdueNoARN), hostile = harness.order(.hostileText)
            #expect(try await CLIRunner.run(["track", "add", failed, late, hostile] + common, environment: space.environment).status == 0)
            let refresh = try await CLIRunner.run(["track", "refresh"] + common, environment: space.environment)
            #expect(refresh.status == 0 || refresh.status == 11, "\(refresh.stderr)")

            let listed = try await CLIRunner.run(["alerts", "list", "--json"] + common, environment: space.environment)
            #expect(listed.status == 0, "\(listed.stderr)")
            let alerts = try #require(try json(listed.stdout) as? [[String: Any]])
            func alert(_ rule: String, _ reference: String) -> [String: Any]? {
                alerts.first { $0["rule"] as? String == rule && $0["reference_id"] as? String == reference }
            }
            let refundFailed = try #require(alert("refund_failed", failed), "\(alerts)")
            #expect(refundFailed["state"] as? String == "open")
            #expect((refundFailed["text"] as? String)?.hasPrefix("\(failed) refund ") == true)
            #expect(alert("deadline_passed", late) != nil, "the ARN is days late")
            // The hostile order's refund id carries escapes; its ARN is late too.
            let near = try #require(alert("deadline_passed", hostile), "\(alerts)")
            // JSON keeps the exact values: the escape in the refund id is there, as data.
            #expect((near["refund_id"] as? String)?.contains("\u{1B}") == true)

            // Fetching again raises nothing new.
            _ = try await CLIRunner.run(["track", "refresh", "--all"] + common, environment: space.environment)
            let again = try #require(try json(try await CLIRunner.run(["alerts", "list", "--json"] + common, environment: space.environment).stdout) as? [[String: Any]])
            #expect(again.count == alerts.count)

            // The text list shows no raw escape, and says who has what.
            let id = try #require(refundFailed["id"] as? Int)
            let ack = try await CLIRunner.run(["alerts", "ack", "\(id)", "--note", "ticket 4411 with PayU"] + common, environment: space.environment)
            #expect(ack.status == 0, "\(ack.stderr)")
            #expect(ack.stdout.hasPrefix("Alert \(id) acknowledged: \(failed) refund "))
            let text = try await CLIRunner.run(["alerts"] + common, environment: space.environment)
            #expect(text.status == 0)
            #expect(!text.stdout.contains("\u{1B}") && !text.stdout.contains("\u{07}"), "no raw escape or bell reaches the terminal")
            #expect(text.stdout.contains("acknowledged") && text.stdout.contains("asha") && text.stdout.contains("↳ asha: ticket 4411 with PayU"))
            #expect(text.stdout.hasPrefix("ID  STATE"))

            let nearID = try #require(near["id"] as? Int)
            let snoozed = try await CLIRunner.run(["alerts", "snooze", "\(nearID)", "4h", "--json"] + common, environment: space.environment)
            #expect(snoozed.status == 0, "\(snoozed.stderr)")
            let snoozedAlert = try #require(try json(snoozed.stdout) as? [String: Any])
            #expect(snoozedAlert["state"] as? String == "snoozed" && snoozedAlert["snoozed_until"] is String)

            // What does not exist, or cannot be read, says so with the exit status of its kind.
            let missing = try await CLIRunner.run(["alerts", "ack", "99999"] + common, environment: space.environment)
            #expect(missing.status == 4)
            #expect(missing.stderr == "refundwatch: there is no alert 99999. refundwatch alerts list --all shows them with their ids.\n")
            let badDuration = try await CLIRunner.run(["alerts", "snooze", "\(nearID)", "soon"] + common, environment: space.environment)
            #expect(badDuration.status == 2)
            #expect(badDuration.stderr.contains("\"soon\" is not a duration"))
        }
    }
}
