import Clocks
import Foundation

/// A condition a test waited for that never came true.
package struct NeverHappened: Error, CustomStringConvertible {
    package var description: String
}

/// Returns once `condition` holds, asking again every few milliseconds; throws `NeverHappened`
/// naming `what` when it still does not after `limit` seconds.
///
/// For what happens on other tasks after a test's clock moved (a request reaching the simulator, a
/// waiter taking its turn): the order of events is fixed by the test's clock, and this only waits
/// for the machine to get there. The limit is generous because it is no measurement: a busy
/// machine makes the wait longer, never the result different.
///
/// `nudging`: the test's clock, moved by nothing each time. A task that reads the clock, then is
/// held up before its sleep begins while the test advances the clock to exactly its wake-up time,
/// finds the clock already there, and `TestClock` keeps such a sleep until it next moves; moving it
/// by nothing ends that sleep, and time stays where the test put it.
package func eventually(_ what: @autoclosure () -> String, within limit: Double = 60, nudging clock: TestClock<Duration>? = nil,
                        _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(limit)
    while try await !condition() {
        guard ContinuousClock.now < deadline else {
            throw NeverHappened(description: "waited \(Int(limit)) s, yet never: \(what())")
        }
        await clock?.advance(by: .zero)
        try await Task.sleep(for: .milliseconds(2))
    }
}

extension TestClock<Duration> {
    /// A time of day that moves only with this clock: `start`, plus however far the clock has been
    /// advanced since this call. For code that reads wall time (token expiry, lease and heartbeat
    /// times) where the test also moves a clock for what waits.
    package func wallTime(from start: Date) -> @Sendable () -> Date {
        let origin = now
        return { [self] in
            let elapsed = origin.duration(to: now).components
            return start.addingTimeInterval(Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18)
        }
    }
}

/// The outcome of `task` once it has finished; throws `NeverHappened` (and cancels the task) when
/// it has not after `limit` seconds, so that a wait that never ends fails instead of hanging.
package func finished<T: Sendable>(_ task: Task<T, any Error>, _ what: @autoclosure () -> String, within limit: Double = 60,
                                   nudging clock: TestClock<Duration>? = nil) async throws -> T {
    let outcome = Outcome<T>()
    let watcher = Task { outcome.set(await task.result) }
    do {
        try await eventually(what(), within: limit, nudging: clock) { outcome.value != nil }
    } catch {
        task.cancel()
        throw error
    }
    await watcher.value
    return try outcome.value!.get()
}

private final class Outcome<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<T, any Error>?
    func set(_ result: Result<T, any Error>) { lock.withLock { self.result = result } }
    var value: Result<T, any Error>? { lock.withLock { result } }
}

/// A `TestClock` that also shows which sleeps have begun, and until when.
///
/// Code that works out a wait once something has happened (a retry's pause, from an answer just
/// read) must have begun it before the test moves time, or it would count from the wrong moment:
/// the test waits for the sleep to show here first.
package final class WatchedClock: Clock, @unchecked Sendable {
    package typealias Instant = TestClock<Duration>.Instant

    /// The clock underneath, for `advance` and for `eventually(nudging:)`.
    package let testClock = TestClock<Duration>()
    private let origin: Instant
    private let lock = NSLock()
    private var sleeping: [UUID: Duration] = [:]

    package init() {
        origin = testClock.now
    }

    package var now: Instant { testClock.now }
    package var minimumResolution: Duration { testClock.minimumResolution }

    package func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        let id = UUID()
        lock.withLock { sleeping[id] = origin.duration(to: deadline) }
        defer { lock.withLock { sleeping[id] = nil } }
        try await testClock.sleep(until: deadline, tolerance: tolerance)
    }

    /// When each sleep under way ends, as time since the clock was made, earliest first.
    package var wakeTimes: [Duration] { lock.withLock { sleeping.values.sorted() } }

    package func advance(by duration: Duration) async {
        await testClock.advance(by: duration)
    }
}

extension WatchedClock {
    /// The outcome of `task`, moving the clock on to the end of each sleep that begins at most
    /// `horizon` ahead (a retry's back-off) and never to a later one (a call's deadline, seconds
    /// ahead), so that back-off passes in no real time. Throws `NeverHappened` (and cancels the
    /// task) when it has not finished after `limit` seconds of real time.
    package func driving<T: Sendable>(_ task: Task<T, any Error>, _ what: @autoclosure () -> String,
                                      horizon: Duration = .seconds(1), within limit: Double = 60) async throws -> T {
        let outcome = Outcome<T>()
        let watcher = Task { outcome.set(await task.result) }
        let deadline = ContinuousClock.now + .seconds(limit)
        while outcome.value == nil {
            guard ContinuousClock.now < deadline else {
                task.cancel()
                throw NeverHappened(description: "waited \(Int(limit)) s, yet never: \(what())")
            }
            let now = origin.duration(to: testClock.now)
            if let next = wakeTimes.first(where: { $0 > now && $0 - now <= horizon }) {
                await testClock.advance(to: origin.advanced(by: next))
            } else {
                await testClock.advance(by: .zero)
                try await Task.sleep(for: .milliseconds(2))
            }
        }
        await watcher.value
        return try outcome.value!.get()
    }
}
