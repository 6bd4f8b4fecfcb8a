import Foundation

@_exported import ProcessRunner

/// What a run of the binary printed and how it ended (`status` is the exit code).
package typealias CLIResult = ProcessOutcome

/// Runs the built `refundwatch` binary the way a person or a script would, through `ProcessRunner`:
/// each run has a timeout, and one that outlives it fails with the command, what it had printed
/// and how long it ran.
package enum CLIRunner {
    /// The `refundwatch` executable beside the test bundle (SwiftPM builds it for EndToEndTests,
    /// which depends on the executable target), else in the package's `.build/debug`.
    package static var executable: URL {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [
            bundleDirectory.appendingPathComponent("refundwatch"),
            bundleDirectory.deletingLastPathComponent().appendingPathComponent("refundwatch"),
            // Tests/TestSupport/CLIRunner.swift, three folders below the package root.
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent(".build/debug/refundwatch"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }

    /// Runs the binary to its end, `stdin` its input (none: end of file at once).
    package static func run(_ arguments: [String], environment extra: [String: String] = [:], stdin: String? = nil,
                            timeout: Double = 60) async throws -> CLIResult {
        try await ProcessRunner.run(command(arguments, environment: extra, input: stdin.map { .text($0) } ?? .none, timeout: timeout))
    }

    /// Starts the binary, runs `body` beside it (to feed its stdin slowly, signal it, wait for what
    /// it writes), then stops it (SIGTERM, then SIGKILL) unless it has ended, and waits for its
    /// end, whether `body` returned or threw. Its stdin stays open until `closeInput()`.
    package static func withProcess<T>(_ arguments: [String], environment extra: [String: String] = [:], lifetime: Double = 600,
                                       _ body: (RunningProcess) async throws -> T) async throws -> T {
        try await ProcessRunner.withProcess(command(arguments, environment: extra, input: .open, timeout: lifetime), body)
    }

    /// The binary with the test environment: the tester's own, with India's time zone, no
    /// configuration of the tester's, scratch folders for configuration and logs, and `extra`.
    package static func command(_ arguments: [String], environment extra: [String: String], input: ProcessInput, timeout: Double) -> ProcessCommand {
        ProcessCommand(executable.path, arguments, environment: .inherited(changing: environment(extra)), input: input,
                       timeout: .milliseconds(Int(timeout * 1_000)), redacted: TestSecrets.all)
    }

    /// The variables set or removed for a run: `extra` last, so a test can override any of them.
    package static func environment(_ extra: [String: String]) -> [String: String?] {
        var changes: [String: String?] = [
            "TZ": "Asia/Kolkata",
            "REFUNDWATCH_CONFIG": nil,
            "XDG_CONFIG_HOME": FileManager.default.temporaryDirectory.appendingPathComponent("rw-no-config-\(UUID())").path,
            // Logs go to a scratch folder, never the tester's own ~/.local/state.
            "XDG_STATE_HOME": FileManager.default.temporaryDirectory.appendingPathComponent("rw-state-\(UUID())").path,
        ]
        for (key, value) in extra { changes[key] = value }
        return changes
    }
}

/// A configuration file for `--config`, pointing at a harness's simulator.
/// Request budgets are generous unless a test sets them. With `oauth`, PayU is authorized through `[payu.oauth]` against the simulator's token endpoint
/// (the refresh token in `RW_TEST_PAYU_REFRESH`) instead of a fixed bearer token.
package func writeConfiguration(_ harness: Harness, apiKey: String = TestSecrets.apiKey, kaleyraBaseURL: String? = nil,
                                oauth: Bool = false, extra: String = "", refreshInterval: Double = 30,
                                kaleyraBudget: Double = 1000, payuBudget: Double = 1000) throws -> String {
    let credentials = harness.simulator.options.credentials
    let authorization = oauth ? """
    [payu.oauth]
    token_url = "\(harness.simulator.payuTokenURL)"
    client_id = "\(credentials.clientID)"
    refresh_token_env = "RW_TEST_PAYU_REFRESH"
    """ : #"bearer_token_env = "RW_TEST_PAYU_TOKEN""#
    let text = """
    \(extra)
    refresh_interval = \(refreshInterval)
    concurrency = 4
    request_timeout = 8
    [kaleyra]
    base_url = "\(kaleyraBaseURL ?? harness.simulator.kaleyraBaseURL)"
    sid = "\(credentials.sid)"
    api_key_env = "RW_TEST_KALEYRA_KEY"
    phone_number_id = "\(credentials.phoneNumberID)"
    payment_config_id = "\(credentials.paymentConfigID)"
    max_requests_per_second = \(kaleyraBudget)
    [payu]
    refund_status_url = "\(harness.simulator.payuRefundStatusURL)"
    method = "POST"
    merchant_id = "\(credentials.merchantID)"
    reseller_id = "\(credentials.resellerID)"
    client_secret = "\(TestSecrets.clientSecret)"
    max_requests_per_second = \(payuBudget)
    \(authorization)
    """
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("refundwatch-test-\(UUID()).toml").path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    // It holds the client secret inline: private, as refundwatch asks of such a file.
    try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
    return path
}

/// The environment the files above name.
package func secretEnvironment(apiKey: String = TestSecrets.apiKey) -> [String: String] {
    ["RW_TEST_KALEYRA_KEY": apiKey, "RW_TEST_PAYU_TOKEN": TestSecrets.bearerToken, "RW_TEST_PAYU_REFRESH": TestSecrets.refreshToken]
}
