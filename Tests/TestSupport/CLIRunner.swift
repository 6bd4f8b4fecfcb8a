import Foundation

/// Runs the built `refundwatch` binary the way a person or a script would.
package struct CLIResult {
    package var status: Int32
    package var stdout: String
    package var stderr: String
}

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

    /// Runs the binary to the end. The waiting happens on a thread of its own, never on one of Swift
    /// concurrency's few cooperative threads (the simulators these tests start answer on those) nor
    /// on Dispatch's global queue (on two cores it runs two blocking items at a time, and the pipe
    /// readers queued behind two waiting runs would never start).
    package static func run(_ arguments: [String], environment extra: [String: String] = [:], stdin: String? = nil, timeout: Double = 60) async throws -> CLIResult {
        try await withCheckedThrowingContinuation { continuation in
            blockingThread {
                continuation.resume(with: Result { try runBlocking(arguments, environment: extra, stdin: stdin, timeout: timeout) })
            }
        }
    }

    private static func runBlocking(_ arguments: [String], environment extra: [String: String], stdin: String?, timeout: Double) throws -> CLIResult {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = environment(extra)
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let input = Pipe()
        process.standardInput = stdin == nil ? FileHandle.nullDevice : input
        try process.run()
        if let stdin {
            blockingThread {
                input.fileHandleForWriting.write(Data(stdin.utf8))
                try? input.fileHandleForWriting.close()
            }
        }
        return try collect(process, out: out, err: err, arguments: arguments, timeout: timeout)
    }

    /// Starts the binary with a pipe on stdin and returns at once, for tests that feed it slowly
    /// or kill it part way.
    package static func start(_ arguments: [String], environment extra: [String: String] = [:]) throws -> (process: Process, stdin: FileHandle) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = environment(extra)
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return (process, input.fileHandleForWriting)
    }

    package static func environment(_ extra: [String: String]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["TZ"] = "Asia/Kolkata"
        environment["REFUNDWATCH_CONFIG"] = nil
        environment["XDG_CONFIG_HOME"] = FileManager.default.temporaryDirectory.appendingPathComponent("rw-no-config-\(UUID())").path
        // Logs go to a scratch folder, never the tester's own ~/.local/state.
        environment["XDG_STATE_HOME"] = FileManager.default.temporaryDirectory.appendingPathComponent("rw-state-\(UUID())").path
        for (key, value) in extra { environment[key] = value }
        return environment
    }

    private static func collect(_ process: Process, out: Pipe, err: Pipe, arguments: [String], timeout: Double) throws -> CLIResult {
        // Read both pipes while the process runs so a large output cannot block it.
        let outData = LockedData()
        let errData = LockedData()
        let group = DispatchGroup()
        for (pipe, sink) in [(out, outData), (err, errData)] {
            group.enter()
            blockingThread {
                sink.set(pipe.fileHandleForReading.readDataToEndOfFile())
                group.leave()
            }
        }
        if group.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            throw CLIError.timedOut(arguments)
        }
        process.waitUntilExit()
        return CLIResult(status: process.terminationStatus,
                         stdout: String(decoding: outData.get(), as: UTF8.self),
                         stderr: String(decoding: errData.get(), as: UTF8.self))
    }

    package enum CLIError: Error { case timedOut([String]) }
}

final class LockedData: @unchecked Sendable {
    private var data = Data()
    private let lock = NSLock()
    func set(_ value: Data) { lock.withLock { data = value } }
    func get() -> Data { lock.withLock { data } }
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

extension Process {
    /// `waitUntilExit()` on a thread of its own: called on a Swift concurrency thread it spins that
    /// thread's run loop and was seen never to return.
    package func exited() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            blockingThread {
                self.waitUntilExit()
                continuation.resume()
            }
        }
    }
}

/// Runs `body` on a new thread: for work that blocks (waiting for a process, reading a pipe).
package func blockingThread(_ body: @escaping @Sendable () -> Void) {
    let thread = Thread(block: body)
    thread.start()
}
