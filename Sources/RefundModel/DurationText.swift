import Foundation

/// Durations as people write them: `90` (seconds), `30s`, `5m`, `2h`, `14d`, `1.5h`.
public enum DurationText {
    public struct Invalid: Error, CustomStringConvertible {
        public var text: String
        public var description: String { "\"\(text)\" is not a duration; expected seconds or a number with s, m, h or d, e.g. 30s, 5m, 6h, 14d" }
    }

    /// Seconds; throws for text that is not a positive, finite duration.
    public static func seconds(_ text: String) throws(Invalid) -> Double {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Double)] = [("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)]
        var number = Substring(trimmed)
        var scale = 1.0
        if let (suffix, factor) = units.first(where: { trimmed.hasSuffix($0.0) }) {
            number = number.dropLast(suffix.count)
            scale = factor
        }
        guard let value = Double(number), value > 0, value.isFinite, number.first?.isNumber == true || number.first == "." else {
            throw Invalid(text: text)
        }
        return value * scale
    }

    /// A duration the way refundwatch prints one: "45s", "18m", "5h", "3d", rounded to its unit.
    public static func short(_ seconds: Double) -> String {
        let s = max(0, seconds)
        if s < 60 { return "\(Int(s.rounded(.up)))s" }
        if s < 3600 { return "\(Int((s / 60).rounded()))m" }
        if s < 86_400 * 2 { return "\(Int((s / 3600).rounded()))h" }
        return "\(Int((s / 86_400).rounded()))d"
    }
}
