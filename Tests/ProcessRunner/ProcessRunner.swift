import Foundation
import Subprocess

/// Runs programs for the tests and the bench, on swift-subprocess: the built `refundwatch`,
/// helper programs (tmux, initdb, pg_ctl, psql, curl), pollers a test starts and stops.
///
/// Every run has a timeout; one that outlives it is killed and fails with `ProcessTimeout`, which
/// names the command, what it had written and how long it ran. Nothing waits on a thread of Swift
/// concurrency's pool: swift-subprocess waits for a process's end through a pidfd and reads its
/// pipes without blocking. It also starts each program clean, as a shell would: no blocked signals,
/// default signal handlers (a tmux server that inherited the test's mask never acted on
/// `kill-server`), and no descriptor but 0, 1 and 2 (a tmux server that outlives its test must not
/// hold another test's pipe open). When a program ends while a process it left behind still holds
/// its stdout (tmux's server), the reading stops at its end all the same.
package enum ProcessRunner {
    /// Runs `command` to its end.
    package static func run(_ command: ProcessCommand) async throws -> ProcessOutcome {
        try await withProcess(command) { try await $0.exit() }
    }

    /// Starts `command`, runs `body` beside it, then stops it (SIGTERM, then SIGKILL after `grace`)
    /// unless it has ended, and waits for its end, whether `body` returned or threw.
    package static func withProcess<T>(_ command: ProcessCommand, grace: Duration = .seconds(10),
                                       _ body: (RunningProcess) async throws -> T) async throws -> T {
        _ = ignoreBrokenPipes
        let process = RunningProcess(command)
        return try await withThrowingTaskGroup(of: Void.self, returning: T.self) { group in
            group.addTask { await runToEnd(process) }
            let result: Result<T, any Error>
            do {
                await process.launched()
                if process.pid == nil { try await process.exit() }
                result = .success(try await body(process))
            } catch {
                result = .failure(error)
            }
            await stop(process, grace: grace)
            try await group.waitForAll()
            return try result.get()
        }
    }

    /// SIGTERM, then SIGKILL if it has not ended after `grace`; returns at its end.
    static func stop(_ process: RunningProcess, grace: Duration) async {
        process.closeInput()
        guard !process.hasEnded else { return }
        process.signal(SIGTERM)
        let deadline = ContinuousClock.now + grace
        while !process.hasEnded && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        process.signal(SIGKILL)
        await process.ended()
    }

    /// Runs the program within its timeout and records how it ended.
    static func runToEnd(_ process: RunningProcess) async {
        let command = process.command
        do {
            let status: TerminationStatus? = try await withThrowingTaskGroup(of: TerminationStatus?.self) { group in
                group.addTask { try await launch(process) }
                group.addTask {
                    try await Task.sleep(for: command.timeout)
                    return nil
                }
                defer { group.cancelAll() }
                return try await group.next() ?? nil
            }
            let ran = ContinuousClock.now - process.startedAt
            let (stdout, stderr) = process.outputSoFar()
            guard let status else {
                process.finish(.timedOut(ProcessTimeout(command: command.description, timeout: command.timeout, ran: ran,
                                                        stdout: command.redact(stdout), stderr: command.redact(stderr))))
                return
            }
            let termination: ProcessOutcome.Termination
            switch status {
            case .exited(let code): termination = .exited(code)
            case .signaled(let signal): termination = .signalled(signal)
            }
            process.finish(.exited(ProcessOutcome(termination: termination, stdout: stdout, stderr: stderr, duration: ran)))
        } catch {
            process.finish(.failed(ProcessFailure(command: command.description, problem: command.redact("\(error)"))))
        }
    }

    /// One run through swift-subprocess: pipes for stdin, stdout and stderr, or a terminal for all three.
    static func launch(_ process: RunningProcess) async throws -> TerminationStatus {
        let command = process.command
        let configuration = Configuration(executable: .path(.init(command.executable)), arguments: Arguments(command.arguments),
                                          environment: environment(command.environment),
                                          workingDirectory: command.workingDirectory.map { .init($0) })
        if let terminal = command.terminal {
            let result = try await Subprocess.run(configuration,
                                                  input: .fileDescriptor(.init(rawValue: terminal), closeAfterSpawningProcess: false),
                                                  output: .fileDescriptor(.init(rawValue: terminal), closeAfterSpawningProcess: false),
                                                  error: .fileDescriptor(.init(rawValue: terminal), closeAfterSpawningProcess: false)) { execution in
                // The run returns once the program has ended.
                process.started(pid: execution.processIdentifier.value)
            }
            return result.terminationStatus
        }
        let result = try await Subprocess.run(configuration, input: .inputWriter, output: .sequence, error: .sequence) { execution in
            process.started(pid: execution.processIdentifier.value)
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await chunk in process.inputChunks { _ = try? await execution.standardInputWriter.write(chunk) }
                    try? await execution.standardInputWriter.finish()
                }
                async let out: Void = collect(execution.standardOutput, into: process, toStandardError: false)
                async let err: Void = collect(execution.standardError, into: process, toStandardError: true)
                _ = await (out, err)
                // Its pipes are closed: it has ended, or closed them itself. Nothing more to write.
                process.closeInput()
                group.cancelAll()
            }
        }
        return result.terminationStatus
    }

    static func collect(_ output: SubprocessOutputSequence, into process: RunningProcess, toStandardError: Bool) async {
        do {
            for try await buffer in output {
                buffer.withUnsafeBytes { process.append($0, toStandardError: toStandardError) }
            }
        } catch {
            // The pipe was cut off at the program's end (a process it left behind held it open).
        }
    }

    static func environment(_ environment: ProcessEnvironment) -> Environment {
        switch environment {
        case .inherited(let changes):
            var keyed: [Environment.Key: String?] = [:]
            for (name, value) in changes { if let key = Environment.Key(rawValue: name) { keyed[key] = value } }
            return .inherit.updating(keyed)
        case .only(let variables):
            var keyed: [Environment.Key: String] = [:]
            for (name, value) in variables { if let key = Environment.Key(rawValue: name) { keyed[key] = value } }
            return .custom(keyed)
        }
    }

    /// A write to the stdin of a program that has ended must fail with EPIPE, not end the tests.
    private static let ignoreBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN) }()
}
