/// SplitMix64: a tiny, well-known generator whose output is fixed by its seed forever.
///
/// The catalogue must be byte-identical for a given seed across Swift versions and machines, so
/// this deliberately avoids `Int.random(in:using:)` (whose reduction algorithm belongs to the
/// standard library and could change) and does its own range reduction.
struct SeededRandom: Sendable {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in `0..<bound` (`bound` must be positive; the modulo bias is negligible here).
    mutating func below(_ bound: Int) -> Int {
        guard bound > 1 else { return 0 }
        return Int(next() % UInt64(bound))
    }

    /// A value in `range` (inclusive).
    mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + below(range.upperBound - range.lowerBound + 1)
    }

    /// A double in `[0, 1)` built from the top 53 bits.
    mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    mutating func pick<T>(_ choices: [T]) -> T {
        choices[below(choices.count)]
    }

    /// `count` decimal digits; the first one is never 0 so the result reads like an id, not a padded number.
    mutating func digits(_ count: Int) -> String {
        guard count > 0 else { return "" }
        var text = String(int(in: 1...9))
        for _ in 1..<count { text.append(Character(String(below(10)))) }
        return text
    }

    mutating func characters(_ count: Int, from alphabet: String) -> String {
        let pool = Array(alphabet)
        return String((0..<count).map { _ in pool[below(pool.count)] })
    }

    mutating func alphanumeric(_ count: Int) -> String {
        characters(count, from: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
    }

    /// Derives an independent stream, so the faults' draws never shift the catalogue's values.
    static func stream(seed: UInt64, purpose: UInt64) -> SeededRandom {
        var mixer = SeededRandom(seed: seed ^ (purpose &* 0xD6E8_FEB8_6659_FD93))
        return SeededRandom(seed: mixer.next())
    }
}
