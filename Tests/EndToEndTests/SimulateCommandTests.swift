import Foundation
import Testing
import RefundSimulator
import TestSupport

/// `refundwatch simulate` as a person uses it: start it, read what it prints, use that.
@Suite struct SimulateCommandTests {
    @Test func printsWhatToTryAndAConfigurationThatWorks() async throws {
        try await CLIRunner.withProcess(["simulate", "--port", "0", "--speed", "60"]) { simulate in
            try await simulate.waitForOutput(containing: "Serving; Ctrl-C stops.")
            let banner = simulate.stdout
            #expect(banner.contains("Kaleyra base URL:      http://127.0.0.1:"))
            #expect(banner.contains("/apilayer/partner/refunds/status"))
            #expect(banner.contains("curl -s -H 'api-key: "))
            for scenario in Scenario.allCases { #expect(banner.contains("  \(scenario.rawValue) "), "no ids for \(scenario)") }

            // The configuration it prints is the one `lookup --config` reads.
            let start = try #require(banner.range(of: "refresh_interval = ")).lowerBound
            let end = try #require(banner.range(of: "Serving; Ctrl-C stops.")).lowerBound
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("rw-sim-\(UUID()).toml").path
            try String(banner[start..<end]).write(toFile: path, atomically: true, encoding: .utf8)
            let id = try #require(Catalogue(seed: 42).orders(in: .multipleRefunds).first?.referenceID)
            let lookup = try await CLIRunner.run(["lookup", "--config", path, id])
            #expect(lookup.status == 0, "stderr: \(lookup.stderr)")
            #expect(lookup.stdout.hasPrefix("Order \(id)\n"))
        }
    }

    @Test func badOptionsAreRefusedWithTheSyntax() async throws {
        let faults = try await CLIRunner.run(["simulate", "--faults", "5xx=lots"])
        #expect(faults.status == 2)
        #expect(faults.stderr.contains("--faults"))
        #expect(faults.stderr.contains("5xx=lots"))
        let speed = try await CLIRunner.run(["simulate", "--speed", "-1"])
        #expect(speed.status == 2)
        let latency = try await CLIRunner.run(["simulate", "--latency", "soon"])
        #expect(latency.status == 2)
        #expect(latency.stderr.contains("--latency"))
        let webhook = try await CLIRunner.run(["simulate", "--webhook", "ftp://127.0.0.1:8088"])
        #expect(webhook.status == 2 && webhook.stderr.contains("--webhook: ftp://127.0.0.1:8088 is not an http(s) URL; give the receiver's base, e.g. http://127.0.0.1:8088"), "\(webhook)")
        let query = try await CLIRunner.run(["simulate", "--webhook", "http://127.0.0.1:8088/?x=1"])
        #expect(query.status == 2 && query.stderr.contains("give the base URL without a query or fragment"), "\(query)")
        let secret = try await CLIRunner.run(["simulate", "--webhook-secret", "s"])
        #expect(secret.status == 2 && secret.stderr.contains("--webhook-secret goes with --webhook URL."), "\(secret)")
        let unwritable = try await CLIRunner.run(["simulate", "--port", "0", "--write-config", "/nonexistent-folder/sim.toml"])
        #expect(unwritable.status == 2 && unwritable.stderr.contains("--write-config /nonexistent-folder/sim.toml: cannot write it"), "\(unwritable)")
    }

    /// `--webhook` with `--write-config`: the file, private, holds the `[listen]` tables on the
    /// URL's port with the pushes' header secret, and the banner says where it pushes.
    @Test func theWebhookConfigurationIsWrittenForListen() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rw-sim-\(UUID()).toml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await CLIRunner.withProcess(["simulate", "--port", "0", "--webhook", "http://127.0.0.1:18099", "--webhook-secret", "sim-TESTSECRET", "--write-config", path]) { simulate in
            try await simulate.waitForOutput(containing: "Serving; Ctrl-C stops.")
            #expect(simulate.stdout.contains("Pushes to:             http://127.0.0.1:18099/push/SOURCE"), "\(simulate.stdout)")
            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(text.contains("[listen]\nport = 18099\n"), "\(text)")
            for source in ["kaleyra", "payu-refund-status", "payu-webhook", "payu-arn"] {
                #expect(text.contains("[listen.\(source)]\nheader = \"X-Simulator-Secret\"\nsecret = \"sim-TESTSECRET\"\n"), "\(source)\n\(text)")
            }
            let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
            #expect(mode == 0o600)
        }
    }

    @Test func largerCataloguesKeepTheStandardOrdersFirstAndPrintTheirIDs() async throws {
        let printed = try await CLIRunner.run(["simulate", "--orders", "100", "--print-ids"])
        #expect(printed.status == 0)
        let ids = printed.stdout.split(separator: "\n").map(String.init)
        #expect(ids.count == 100)
        #expect(Set(ids).count == 100)
        #expect(Array(ids.prefix(Catalogue.standardSize)) == Catalogue(seed: 42).orders.map(\.referenceID))
        let tooMany = try await CLIRunner.run(["simulate", "--orders", "0"])
        #expect(tooMany.status == 2)
        #expect(tooMany.stderr.contains("--orders 0 is out of range"))
    }
}
