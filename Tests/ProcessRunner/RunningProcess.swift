import Foundation
import Synchronization

/// A program the runner started, while a test (or the bench) works beside it: its id, signals, its
/// stdin, and what it has written so far. Valid only inside `ProcessRunner.withProcess`, which
/// stops the program and waits for its end before it returns.
package final class RunningProcess: Sendable {
    package let command: ProcessCommand
    let startedAt = ContinuousClock.now
    private let state = Mutex(State())
    private let inputs: AsyncStream<[UInt8]>
    private let inputContinuation: AsyncStream<[UInt8]>.Continuation

    enum End {
        case exited(ProcessOutcome)
        case timedOut(ProcessTimeout)
        case failed(any Error)
    }

    struct State {
        var pid: pid_t?
        var stdout: [UInt8] = []
        var stderr: [UInt8] = []
        var end: End?
        var startWaiters: [CheckedContinuation<Void, Never>] = []
        var endWaiters: [CheckedContinuation<Void, Never>] = []
    }

    init(_ command: ProcessCommand) {
        self.command = command
        (inputs, inputContinuation) = AsyncStream.makeStream(of: [UInt8].self)
        switch command.input {
        case .none:
            inputContinuation.finish()
        case .text(let text):
            inputContinuation.yield(Array(text.utf8))
            inputContinuation.finish()
        case .open:
            break
        }
    }

    /// The process id; nil when the program could not be started.
    package var pid: pid_t? { state.withLock { $0.pid } }

    /// Whether it has ended (and been reaped).
    package var hasEnded: Bool { state.withLock { $0.end != nil } }

    /// What it has written to stdout so far.
    package var stdout: String { state.withLock { String(decoding: $0.stdout, as: UTF8.self) } }

    /// What it has written to stderr so far.
    package var stderr: String { state.withLock { String(decoding: $0.stderr, as: UTF8.self) } }

    /// Sends `signal` if it still runs. (Its id is not reused before the runner has reaped it, and
    /// the runner marks it ended right after: a signal never reaches another process.)
    package func signal(_ signal: Int32) {
        state.withLock { state in
            guard state.end == nil, let pid = state.pid else { return }
            kill(pid, signal)
        }
    }

    /// Writes `text` to its stdin (a command with `.open` input).
    package func write(_ text: String) {
        inputContinuation.yield(Array(text.utf8))
    }

    /// Closes its stdin: it reads end of file once it has read what was written.
    package func closeInput() {
        inputContinuation.finish()
    }

    /// Waits for its end: how it ended and all it wrote. Throws `ProcessTimeout` if it outlived its
    /// command's timeout (it was killed), or the error that kept it from starting.
    @discardableResult
    package func exit() async throws -> ProcessOutcome {
        await ended()
        switch state.withLock({ $0.end })! {
        case .exited(let outcome): return outcome
        case .timedOut(let timeout): throw timeout
        case .failed(let error): throw error
        }
    }

    /// Waits until its stdout (or stderr) holds `text`, up to `timeout`; throws
    /// `ProcessOutputTimeout`, with what it wrote, if it never does or ends first.
    package func waitForOutput(containing text: String, inStandardError: Bool = false, timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            let (bytes, ended) = state.withLock { (inStandardError ? $0.stderr : $0.stdout, $0.end != nil) }
            if String(decoding: bytes, as: UTF8.self).contains(text) { return }
            if ended || ContinuousClock.now >= deadline {
                throw ProcessOutputTimeout(command: command.description, waitedFor: "\"\(command.redact(text))\" on \(inStandardError ? "stderr" : "stdout")\(ended ? " before it ended" : "")",
                                           waited: ContinuousClock.now - (deadline - timeout), stdout: command.redact(stdout), stderr: command.redact(stderr))
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    // MARK: - For the runner

    var inputChunks: AsyncStream<[UInt8]> { inputs }

    func started(pid: pid_t) {
        let waiters = state.withLock { state in
            state.pid = pid
            defer { state.startWaiters = [] }
            return state.startWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func append(_ bytes: UnsafeRawBufferPointer, toStandardError: Bool) {
        state.withLock { state in
            if toStandardError { state.stderr.append(contentsOf: bytes) } else { state.stdout.append(contentsOf: bytes) }
        }
    }

    func finish(_ end: End) {
        inputContinuation.finish()
        let waiters = state.withLock { state in
            state.end = end
            defer { state.startWaiters = []; state.endWaiters = [] }
            return state.startWaiters + state.endWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once it has started or failed to start.
    func launched() async {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state in
                if state.pid != nil || state.end != nil { return true }
                state.startWaiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    func ended() async {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state in
                if state.end != nil { return true }
                state.endWaiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    func outputSoFar() -> (stdout: String, stderr: String) {
        state.withLock { (String(decoding: $0.stdout, as: UTF8.self), String(decoding: $0.stderr, as: UTF8.self)) }
    }
}
