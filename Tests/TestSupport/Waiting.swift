import Foundation
import Testing
import ProcessRunner

/// A wait whose condition never came true. The wait has already recorded an issue at its caller's
/// line, naming the condition and showing the last value read; this error then ends the test.
package struct WaitFailed: Error, CustomStringConvertible {
    package var condition: String
    package init(condition: String) { self.condition = condition }
    package var description: String { "waiting for \(condition) failed (see the issue recorded at the wait)" }
}

/// Reads `read()` until `condition` holds of what it returns, and returns that value. A wait never
/// ends quietly: if the condition does not come true within `timeout`, it records an issue at the
/// caller's line saying which condition, how long it waited and what the last read gave
/// (`describe`), then throws `WaitFailed`.
///
/// The timeout is generous on purpose (the suite runs in parallel on a busy two-core machine): it
/// bounds a failure, it is never what a test measures.
package func waitFor<Value>(_ condition: String, timeout: Duration = .seconds(120), every interval: Duration = .milliseconds(100),
                            sourceLocation: SourceLocation = #_sourceLocation,
                            describe: (Value) -> String = { "\($0)" },
                            read: () async throws -> Value, until holds: (Value) async throws -> Bool) async throws -> Value {
    let started = ContinuousClock.now
    var last = try await read()
    while try await !holds(last) {
        if ContinuousClock.now - started >= timeout {
            Issue.record("\(condition): not so after \(seconds(ContinuousClock.now - started)). The last read:\n\(describe(last))",
                         sourceLocation: sourceLocation)
            throw WaitFailed(condition: condition)
        }
        try await Task.sleep(for: interval)
        last = try await read()
    }
    return last
}

/// Waits until `holds()` is true, as `waitFor` does, with nothing to show but the condition.
package func waitUntil(_ condition: String, timeout: Duration = .seconds(120), every interval: Duration = .milliseconds(100),
                       sourceLocation: SourceLocation = #_sourceLocation, _ holds: () async throws -> Bool) async throws {
    _ = try await waitFor(condition, timeout: timeout, every: interval, sourceLocation: sourceLocation, describe: { _ in "(false)" },
                          read: { () }, until: { _ in try await holds() })
}
