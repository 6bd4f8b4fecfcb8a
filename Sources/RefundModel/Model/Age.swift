import Foundation

/// How long ago something happened, the way lists show it: "just now", "45s ago", "18m ago",
/// "3h 12m ago", "2d 4h ago": `DurationText.short` and "ago", so that a duration reads the same
/// here as everywhere else, of the whole minutes past once a minute has passed. A list shows many
/// ages at once: one that ticked every second ("20m 14s ago") would repaint every row every
/// second and not fit its column. Exact times belong in detail views.
public enum Age {
    public static func text(since date: Date, now: Date) -> String {
        let seconds = Int(now.timeIntervalSince(date).rounded(.down))
        // A few seconds "ahead" is two clocks read a moment apart, not the future.
        if seconds < -60 { return "in the future" }
        if seconds < 5 { return "just now" }
        return DurationText.short(Double(seconds < 60 ? seconds : seconds / 60 * 60)) + " ago"
    }
}
