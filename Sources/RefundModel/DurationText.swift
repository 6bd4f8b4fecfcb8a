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

    /// A duration the way refundwatch prints one, in every place (lists, status lines, summaries,
    /// error messages, the log): at most two units, the most significant first, the second left out
    /// when it is zero. "500ms" (under a second), "45s", "1m 30s", "18m", "3h 12m", "2d 4h".
    /// From a second up it is whole seconds, and the smaller of the two units is rounded to the
    /// nearest (3h 12m 40s is "3h 13m"), so that 90 seconds read "1m 30s" wherever they are shown.
    public static func short(_ seconds: Double) -> String {
        // Far beyond any duration refundwatch meets (30,000 years), and safe to turn into an Int.
        let s = seconds.isNaN ? 0 : min(max(0, seconds), 1e12)
        if s > 0, s < 0.9995 { return "\(max(1, Int((s * 1000).rounded())))ms" }
        let whole = Int(s.rounded())
        if whole < 60 { return "\(whole)s" }
        if whole < 3600 { return pair(whole / 60, "m", whole % 60, "s") }
        let minutes = Int((s / 60).rounded())
        if minutes < 24 * 60 { return pair(minutes / 60, "h", minutes % 60, "m") }
        let hours = Int((s / 3600).rounded())
        return pair(hours / 24, "d", hours % 24, "h")
    }

    /// The largest unit only, rounded down: "45s", "18m", "3h", "2d". For narrow columns, where
    /// "due in 6d" said of six days and twenty hours errs on the side of urgency.
    public static func largestUnit(_ seconds: Double) -> String {
        let s = seconds.isNaN ? 0 : Int(min(max(0, seconds), 1e12))
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m" }
        if s < 86_400 { return "\(s / 3600)h" }
        return "\(s / 86_400)d"
    }

    private static func pair(_ large: Int, _ largeUnit: String, _ small: Int, _ smallUnit: String) -> String {
        small == 0 ? "\(large)\(largeUnit)" : "\(large)\(largeUnit) \(small)\(smallUnit)"
    }
}
