import Foundation

/// How long ago something happened, the way lists show it: "just now", "45s ago", "3m ago",
/// "3h 12m ago", "2d 4h ago". Exact times belong in detail views.
public enum Age {
    public static func text(since date: Date, now: Date) -> String {
        let seconds = Int(now.timeIntervalSince(date).rounded(.down))
        // A few seconds "ahead" is two clocks read a moment apart, not the future.
        if seconds < -60 { return "in the future" }
        if seconds < 5 { return "just now" }
        if seconds < 60 { return "\(seconds)s ago" }
        let minutes = seconds / 60
        if minutes < 60 { return "\(minutes)m ago" }
        let hours = minutes / 60
        if hours < 24 { return minutes % 60 == 0 ? "\(hours)h ago" : "\(hours)h \(minutes % 60)m ago" }
        let days = hours / 24
        return hours % 24 == 0 ? "\(days)d ago" : "\(days)d \(hours % 24)h ago"
    }
}
