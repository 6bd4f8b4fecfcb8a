import Foundation

/// SplitMix64: random numbers that repeat for a seed. The simulator has the same generator for its
/// catalogue; the tests keep their own so that pure tests need no simulator.
package struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64
    package init(seed: UInt64) { state = seed }

    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The seed for a random test: `SEED` from the environment when set (to repeat a failure),
    /// else the clock. A test prints it with every failure it reports.
    package static func seedFromEnvironment() -> UInt64 {
        ProcessInfo.processInfo.environment["SEED"].flatMap(UInt64.init) ?? UInt64(Date().timeIntervalSince1970 * 1000)
    }
}
