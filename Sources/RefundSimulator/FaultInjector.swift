/// The live side of `FaultSpec`: remaining counts and the seeded draws, shared by all handlers.
final class FaultInjector: Sendable {
    /// What one request gets instead of (or on top of) its normal answer.
    struct Decision: Sendable, Equatable {
        var kind: FaultSpec.Kind
        /// A free draw for answers that come in flavours (503 JSON vs plain 500).
        var flavour: Int
        var retryAfterSeconds: Int
    }

    private struct State {
        var spec: FaultSpec
        var remaining: [Int]
        var faultRandom: SeededRandom
        var latencyRandom: SeededRandom
    }

    private let state: Locked<State>

    init(spec: FaultSpec, seed: UInt64) {
        state = Locked(State(
            spec: spec,
            remaining: Self.counts(of: spec),
            faultRandom: .stream(seed: seed, purpose: 0xFA17),
            latencyRandom: .stream(seed: seed, purpose: 0x1A7E)
        ))
    }

    var spec: FaultSpec { state.withLock { $0.spec } }

    /// Swaps the faults in place; counts start afresh, the random streams carry on.
    func replace(with spec: FaultSpec) {
        state.withLock {
            $0.spec = spec
            $0.remaining = Self.counts(of: spec)
        }
    }

    /// Counted items (`xN`) come first, in the order written; otherwise one uniform draw is
    /// compared against the shares laid end to end, so `5xx=0.2,429=0.1` fails 30% in total.
    func decide(for api: SimulatedAPI) -> Decision? {
        state.withLock { state in
            let spec = state.spec
            guard !spec.items.isEmpty else { return nil }
            let flavour = state.faultRandom.below(1 << 16)
            let retryAfter = spec.retryAfterSeconds(for: api)
            for (index, item) in spec.items.enumerated() where item.scope.applies(to: api) {
                if case .next = item.amount, state.remaining[index] > 0 {
                    state.remaining[index] -= 1
                    return Decision(kind: item.kind, flavour: flavour, retryAfterSeconds: retryAfter)
                }
            }
            let roll = state.faultRandom.unit()
            var threshold = 0.0
            for item in spec.items where item.scope.applies(to: api) {
                guard case .share(let share) = item.amount else { continue }
                threshold += share
                if roll < threshold {
                    return Decision(kind: item.kind, flavour: flavour, retryAfterSeconds: retryAfter)
                }
            }
            return nil
        }
    }

    /// Fixed delay plus uniform jitter in [-j, +j], never below zero.
    func latencyMilliseconds(_ latency: LatencySpec) -> Int {
        guard latency.jitterMilliseconds > 0 else { return latency.fixedMilliseconds }
        let jitter = state.withLock {
            $0.latencyRandom.int(in: -latency.jitterMilliseconds...latency.jitterMilliseconds)
        }
        return max(0, latency.fixedMilliseconds + jitter)
    }

    private static func counts(of spec: FaultSpec) -> [Int] {
        spec.items.map { item in
            if case .next(let count) = item.amount { return count }
            return 0
        }
    }
}
