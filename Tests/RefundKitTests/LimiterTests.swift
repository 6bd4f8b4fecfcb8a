import Testing
@testable import RefundKit
@testable import RefundModel

/// The bound on requests in flight that every API call goes through.
@Suite struct LimiterTests {
    actor Gauge {
        private(set) var current = 0
        private(set) var peak = 0
        func enter() { current += 1; peak = max(peak, current) }
        func leave() { current -= 1 }
    }

    @Test func neverMoreThanTheLimitInFlight() async throws {
        let limiter = AsyncLimiter(limit: 3)
        let gauge = Gauge()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<12 {
                group.addTask {
                    try await limiter.withSlot {
                        await gauge.enter()
                        try await Task.sleep(for: .milliseconds(30))
                        await gauge.leave()
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(await gauge.peak == 3)
        #expect(await gauge.current == 0)
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
        while await limiter.waiting == 0 { try await Task.sleep(for: .milliseconds(1)) }
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(await limiter.waiting == 0)
        await latch.open()
        try await holder.value
        // The slot is free again: the next caller runs at once.
        #expect(try await limiter.withSlot { "next" } == "next")
    }
}
