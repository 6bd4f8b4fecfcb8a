import Foundation

/// How long ago something happened, the way lists show it: "just now", "45s ago", "1m 30s ago",
/// "3h 12m ago", "2d 4h ago" (`DurationText.short` and "ago", so that a duration reads the same
/// here as everywhere else). Exact times belong in detail views.
public enum Age {
    public static func text(since date: Date, now: Date) -> String {
        let seconds = Int(now.timeIntervalSince(date).rounded(.down))
        // A few seconds "ahead" is two clocks read a moment apart, not the future.
        if seconds < -60 { return "in the future" }
        if seconds < 5 { return "just now" }
        return DurationText.short(Double(seconds)) + " ago"
    }
}
