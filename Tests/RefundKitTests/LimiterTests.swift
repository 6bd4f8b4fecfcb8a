import Clocks
import Testing
@testable import RefundKit
@testable import RefundModel
import TestSupport

/// The bound on requests in flight that every API call goes through. Slots are held for a time
/// on a `TestClock`, which the test moves: how many run and wait at each moment is exact.
@Suite struct LimiterTests {
    actor Gauge {
        private(set) var current = 0
        private(set) var peak = 0
        private(set) var done = 0
        func enter() { current += 1; peak = max(peak, current) }
        func leave() { current -= 1; done += 1 }
        /// Calls in their slot, and calls finished.
        var counts: (inFlight: Int, done: Int) { (current, done) }
    }

    @Test func neverMoreThanTheLimitInFlight() async throws {
        let clock = TestClock<Duration>()
        let limiter = AsyncLimiter(limit: 3)
        let gauge = Gauge()
        // Twelve calls, each holding its slot for one second of the test clock.
        let calls = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<12 {
                    group.addTask {
                        try await limiter.withSlot {
                            let done = clock.now.advanced(by: .seconds(1))
                            await gauge.enter()
                            try await clock.sleep(until: done)
                            await gauge.leave()
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        // Each second, the three in flight finish and the next three take their slots; the rest
        // wait their turn.
        for second in 0..<4 {
            try await eventually("second \(second): 3 in flight, \(3 * second) done, \(9 - 3 * second) waiting", nudging: clock) {
                let (counts, waiting) = (await gauge.counts, await limiter.waiting)
                return counts.inFlight == 3 && counts.done == 3 * second && waiting == 9 - 3 * second
            }
            await clock.advance(by: .seconds(1))
        }
        try await calls.value
        #expect(await gauge.peak == 3, "never more than the limit")
        let counts = await gauge.counts
        #expect(counts.inFlight == 0 && counts.done == 12)
        #expect(await limiter.waiting == 0)
    }

    /// Holds a slot until told to let go: no sleeps, so a loaded machine cannot reorder the steps.
    actor Latch {
        private var continuation: CheckedContinuation<Void, Never>?
        private var opened = false
        func wait() async {
            if opened { return }
            await withCheckedContinuation { continuation = $0 }
        }
        func open() {
            opened = true
            continuation?.resume()
            continuation = nil
        }
    }

    @Test func aCancelledWaiterLeavesWithoutTakingASlot() async throws {
        let limiter = AsyncLimiter(limit: 1)
        let latch = Latch()
        let held = Latch()
        let holder = Task { try await limiter.withSlot { await held.open(); await latch.wait() } }
        await held.wait()
        let waiter = Task { try await limiter.withSlot { "ran" } }
        try await eventually("the second caller waits") { await limiter.waiting == 1 }
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(await limiter.waiting == 0)
        await latch.open()
        try await holder.value
        // The slot is free again: the next caller runs at once.
        #expect(try await limiter.withSlot { "next" } == "next")
    }
}
