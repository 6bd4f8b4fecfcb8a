import Foundation

/// How a run ended and what it wrote.
package struct ProcessOutcome: Sendable, CustomStringConvertible {
    package enum Termination: Sendable, Hashable {
        case exited(Int32)
        case signalled(Int32)
    }

    package var termination: Termination
    package var stdout: String
    package var stderr: String
    /// From start to end, as the runner saw it.
    package var duration: Duration

    /// The status a shell reports: the exit code, or 128 plus the signal that ended it.
    package var status: Int32 {
        switch termination {
        case .exited(let code): code
        case .signalled(let signal): 128 + signal
        }
    }

    package var description: String {
        switch termination {
        case .exited(let code): "exited with status \(code) after \(seconds(duration))"
        case .signalled(let signal): "ended by signal \(signal) after \(seconds(duration))"
        }
    }
}

/// A run that did not end within its command's timeout: it was killed, and this says what it was,
/// how long it ran and what it had written by then.
package struct ProcessTimeout: Error, CustomStringConvertible {
    package var command: String
    package var timeout: Duration
    package var ran: Duration
    package var stdout: String
    package var stderr: String

    package var description: String {
        """
        \(command) did not end within \(seconds(timeout)) (it ran \(seconds(ran))) and was killed.
        Its stdout so far:
        \(tail(stdout))
        Its stderr so far:
        \(tail(stderr))
        """
    }
}

/// A program that could not be started, or whose run failed in the runner, with the command.
package struct ProcessFailure: Error, CustomStringConvertible {
    package var command: String
    package var problem: String

    package init(command: String, problem: String) {
        self.command = command
        self.problem = problem
    }

    package var description: String { "\(command): \(problem)" }
}

/// A wait on a running process's output that never came true: what was waited for, for how long,
/// and the output it had written by then.
package struct ProcessOutputTimeout: Error, CustomStringConvertible {
    package var command: String
    package var waitedFor: String
    package var waited: Duration
    package var stdout: String
    package var stderr: String

    package var description: String {
        """
        \(command) never wrote \(waitedFor) within \(seconds(waited)).
        Its stdout so far:
        \(tail(stdout))
        Its stderr so far:
        \(tail(stderr))
        """
    }
}

/// A duration as "12.3 s".
package func seconds(_ duration: Duration) -> String {
    let (whole, fraction) = duration.components
    return String(format: "%.1f s", Double(whole) + Double(fraction) / 1e18)
}

/// The last 4,000 characters of `text` (a failure message stays readable), or "(nothing)".
func tail(_ text: String) -> String {
    if text.isEmpty { return "(nothing)" }
    return text.count > 4_000 ? "…" + String(text.suffix(4_000)) : text
}
