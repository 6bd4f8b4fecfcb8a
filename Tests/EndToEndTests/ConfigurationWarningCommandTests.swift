import Foundation
import RefundSimulator
import Testing
import TestSupport

/// The warning ConfigurationPermissionTests (RefundKitTests) checks, as the built binary prints it.
@Suite struct ConfigurationWarningCommandTests {
    @Test func commandsPrintTheWarningOnStderrAndStillWork() async throws {
        try await withSimulator { harness in
            let config = try writeConfiguration(harness)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: config)
            let id = harness.order(.settled)
            let result = try await CLIRunner.run(["lookup", "--config", config, id], environment: secretEnvironment())
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr == "refundwatch: warning: \(config) holds secrets (payu.client_secret) and can be read by every user of this machine (mode 0644). Run: chmod 600 \(config)\n")
            #expect(TestSecrets.leaked(in: result.stdout + result.stderr).isEmpty)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: config)
            let quiet = try await CLIRunner.run(["lookup", "--config", config, id], environment: secretEnvironment())
            #expect(quiet.stderr.isEmpty)
        }
    }
}
