import Foundation
import Testing
@testable import RefundKit
@testable import RefundModel
import RefundSimulator
import TestSupport

/// `refundwatch lookup` as a person runs it: the real binary, its output and its exit status.
@Suite(.serialized) struct LookupCommandTests {
    /// The demo catalogue with its default seed, started here only to learn its ids.
    private func demoOrder(_ scenario: Scenario) async throws -> CatalogueOrder {
        let simulator = try await RunningSimulator.start(SimulatorOptions())
        let order = simulator.catalogue.orders(in: scenario)[0]
        await simulator.stop()
        return order
    }

    @Test func textShowsBothSidesJoinedWithin80Columns() async throws {
        let order = try await demoOrder(.multipleRefunds)
        let result = try await CLIRunner.run(["lookup", "--demo", order.referenceID])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let text = result.stdout
        #expect(text.hasPrefix("Order \(order.referenceID)\n"))
        #expect(text.contains("\nTransaction "))
        #expect(text.contains("  Gateway      payu\n"))
        #expect(text.contains("Refund "))
        #expect(text.contains("  WhatsApp     "))
        #expect(text.contains("  PayU         "))
        #expect(text.contains("(matched by request id)"))
        #expect(text.contains("  ARN          "))
        #expect(text.contains("₹"))
        #expect(text.contains(" +05:30\n"), "times are local (TZ=Asia/Kolkata)")
        // Each refund in words for a customer on the line; one still moving has its stage's deadline.
        #expect(text.contains("    Customer     The refund "))
        #expect(text.contains("    Deadline     ") && text.contains(" business "))
        for line in text.split(separator: "\n") {
            #expect(line.count <= 80, "too wide: \(line)")
        }
    }

    @Test func jsonIsTheJoinedReportWithExactAmounts() async throws {
        let order = try await demoOrder(.multipleRefunds)
        let result = try await CLIRunner.run(["lookup", "--demo", "--json", order.referenceID])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let object = try #require(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["reference_id"] as? String == order.referenceID)
        let payment = try #require(object["payment"] as? [String: Any])
        let amount = try #require(payment["amount"] as? [String: Any])
        let amountText = try #require(amount["amount"] as? String)
        #expect(amountText.range(of: #"^\d+\.\d{2}$"#, options: .regularExpression) != nil, "amount \(amountText)")
        #expect(amount["currency"] as? String == "INR")
        let transactions = try #require(object["transactions"] as? [[String: Any]])
        let refunds = transactions.flatMap { ($0["refunds"] as? [[String: Any]]) ?? [] }
        #expect(refunds.count >= 2)
        let first = try #require(refunds.first)
        #expect(first["whatsapp"] is [String: Any])
        #expect(first["payu"] is [String: Any])
        #expect(first["match"] as? String == "request_id")
        // The JSON decodes back into the same report type.
        let report = try JSONDecoder().decode(OrderReport.self, from: Data(result.stdout.utf8))
        #expect(report.referenceID == order.referenceID)
    }

    @Test func everyScenarioPrintsWithin80Columns() async throws {
        for scenario in Scenario.allCases {
            let order = try await demoOrder(scenario)
            let result = try await CLIRunner.run(["lookup", "--demo", order.referenceID])
            // PayU does not know that one's transaction: printed, and partly failed.
            #expect(result.status == (scenario == .unknownPayUID ? 11 : 0), "\(scenario): \(result.stderr)")
            #expect(result.stdout.hasPrefix("Order \(order.referenceID)"))
            for line in result.stdout.split(separator: "\n") {
                #expect(line.count <= 80, "\(scenario): too wide: \(line)")
            }
        }
        let pending = try await CLIRunner.run(["lookup", "--demo", try await demoOrder(.pendingNoTransactions).referenceID])
        #expect(pending.stdout.contains("No transactions: the customer has not tried to pay yet."))
    }

    @Test func aPayUErrorIsShownInPlaceOfTheBankFields() async throws {
        let order = try await demoOrder(.unknownPayUID)
        let result = try await CLIRunner.run(["lookup", "--demo", order.referenceID])
        #expect(result.status == 11)
        #expect(result.stdout.contains("  PayU         unavailable: PayU has no refunds for payu_id "))
        #expect(result.stdout.contains("    WhatsApp     "), "the WhatsApp side of the refund is still shown")
        #expect(result.stderr == "refundwatch: partly failed: PayU could not be asked for 1 transaction; its bank details are missing (the reason is in the output).\n")
    }

    @Test func withoutAPayUTableTheWhatsAppSideStillPrints() async throws {
        let harness = try await Harness.start()
        let id = harness.order(.multipleRefunds)
        let full = try writeConfiguration(harness)
        let text = try String(contentsOfFile: full, encoding: .utf8)
        let path = full + ".nopayu.toml"
        try String(text[..<text.range(of: "[payu]")!.lowerBound]).write(toFile: path, atomically: true, encoding: .utf8)
        let result = try await CLIRunner.run(["lookup", "--config", path, id], environment: secretEnvironment())
        let requests = harness.simulator.receivedRequests()
        await harness.stop()
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("    PayU         not asked: no [payu] table in the configuration\n"))
        #expect(requests.allSatisfy { $0.rawPath.hasPrefix("/v1/") }, "PayU was called without a [payu] table")
    }

    @Test func unknownOrderExits4() async throws {
        let result = try await CLIRunner.run(["lookup", "--demo", Catalogue.unknownReferenceID])
        #expect(result.status == 4)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("No WhatsApp payment found for reference id \"\(Catalogue.unknownReferenceID)\""))
    }

    @Test func badInputExits2() async throws {
        let empty = try await CLIRunner.run(["lookup", "--demo", ""])
        #expect(empty.status == 2)
        #expect(empty.stderr.contains("is not valid: it is empty"))
        let control = try await CLIRunner.run(["lookup", "--demo", "ORD\u{1b}[2J"])
        #expect(control.status == 2)
        #expect(control.stderr.contains("\\u{1b}"), "the control character is shown escaped: \(control.stderr)")
        let both = try await CLIRunner.run(["lookup", "--demo", "--config", "/tmp/x.toml", "ORD-1"])
        #expect(both.status == 2)
        #expect(both.stderr.contains("--demo"))
        let missingArgument = try await CLIRunner.run(["lookup"])
        #expect(missingArgument.status == 2)
    }

    @Test func configurationProblemsExit3() async throws {
        let missing = try await CLIRunner.run(["lookup", "--config", "/nonexistent/refundwatch.toml", "ORD-1"])
        #expect(missing.status == 3)
        #expect(missing.stderr.contains("/nonexistent/refundwatch.toml"))
        #expect(missing.stderr.contains("--demo"))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rw-bad-\(UUID()).toml").path
        try "[kaleyra]\npod = \"mars\"\nsid = \"S\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        let badPod = try await CLIRunner.run(["lookup", "--config", path, "ORD-1"])
        #expect(badPod.status == 3)
        #expect(badPod.stderr.contains("kaleyra.pod"))
        #expect(badPod.stderr.contains("in, sg, eu, na"))
        let noDefault = try await CLIRunner.run(["lookup", "ORD-1"])
        #expect(noDefault.status == 3)
        #expect(noDefault.stderr.contains("config.toml"))
    }

    @Test func apiFailuresMapToTheirExitCodes() async throws {
        let harness = try await Harness.start()
        let id = harness.order(.multipleRefunds)
        let config = try writeConfiguration(harness)
        var outputs: [String] = []
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("rw-state-\(UUID())").path
        var loggedEnvironment = secretEnvironment()
        loggedEnvironment["XDG_STATE_HOME"] = state

        let ok = try await CLIRunner.run(["lookup", "--config", config, id], environment: loggedEnvironment)
        #expect(ok.status == 0, "stderr: \(ok.stderr)")
        outputs += [ok.stdout, ok.stderr]
        // Every request is in the log file, and nothing else of it reached the screen.
        let log = try String(contentsOfFile: state + "/refundwatch/refundwatch.log", encoding: .utf8)
        #expect(log.contains("GET Kaleyra 127.0.0.1:\(harness.simulator.port)/v1/"))
        #expect(log.contains("/\(id) -> 200 in "))
        #expect(log.contains("POST PayU 127.0.0.1:\(harness.simulator.port)/apilayer/partner/refunds/status payu_id="))
        #expect(ok.stderr.isEmpty)
        outputs.append(log)

        let auth = try await CLIRunner.run(["lookup", "--config", config, id], environment: secretEnvironment(apiKey: "wrong"))
        #expect(auth.status == 5)
        #expect(auth.stderr.contains("Kaleyra refused the credentials"))
        outputs += [auth.stdout, auth.stderr]

        harness.simulator.setFaults(try FaultSpec.parse("kaleyra:429=1.0,retry-after=300"))
        let limited = try await CLIRunner.run(["lookup", "--config", config, id], environment: secretEnvironment())
        #expect(limited.status == 6)
        #expect(limited.stderr.contains("rate limiting"))
        outputs += [limited.stdout, limited.stderr]

        harness.simulator.setFaults(try FaultSpec.parse("kaleyra:5xx=1.0"))
        let server = try await CLIRunner.run(["lookup", "--config", config, id], environment: secretEnvironment())
        #expect(server.status == 7)
        #expect(server.stderr.contains("server error"))
        outputs += [server.stdout, server.stderr]

        harness.simulator.setFaults(try FaultSpec.parse("payu:5xx=1.0"))
        let partial = try await CLIRunner.run(["lookup", "--config", config, id], environment: secretEnvironment())
        #expect(partial.status == 11, "a PayU failure still prints the order, and is a partial failure")
        #expect(partial.stdout.contains("PayU         unavailable: PayU had a server error"))
        outputs += [partial.stdout, partial.stderr]
        await harness.stop()

        try await withRefusingLoopbackPort { port in
            let refused = try writeConfiguration(harness, kaleyraBaseURL: "http://127.0.0.1:\(port)")
            let network = try await CLIRunner.run(["lookup", "--config", refused, id], environment: secretEnvironment())
            #expect(network.status == 8)
            #expect(network.stderr.contains("connection refused"), "\(network.stderr)")
            outputs += [network.stdout, network.stderr]
        }

        #expect(TestSecrets.leaked(in: outputs.joined(separator: "\n")).isEmpty)
    }

    @Test func helpDocumentsTheExitCodes() async throws {
        let help = try await CLIRunner.run(["lookup", "--help"])
        #expect(help.status == 0)
        for code in 0...11 { #expect(help.stdout.contains("  \(code)  ")) }
        let track = try await CLIRunner.run(["track", "refresh", "--help"])
        let words = track.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(words.contains("or 10 when they failed for different reasons; 11 when none failed but some partly failed"))
    }
}
