import Foundation

/// A point in time as the APIs send it: epoch seconds as a number or a string, or (in our own JSON)
/// ISO 8601. Anything else — the seed's "CREATED_TIMESTAMP" placeholder, an empty string — is
/// `.unknown`, never a decode failure.
public enum Timestamp: Sendable, Hashable, Codable, CustomStringConvertible {
    case known(Date)
    case unknown(String)

    public var date: Date? {
        if case .known(let date) = self { return date }
        return nil
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .unknown("")
        } else if let seconds = try? container.decode(Double.self) {
            self = Timestamp(epoch: seconds)
        } else if let text = try? container.decode(String.self) {
            self = Timestamp(text: text)
        } else {
            self = .unknown("")
        }
    }

    init(text: String) {
        let trimmed = text.trimmed
        if let seconds = Double(trimmed) {
            self = Timestamp(epoch: seconds)
        } else if let date = Timestamp.parseISO8601(trimmed) {
            self = .known(Timestamp.toMilliseconds(date.timeIntervalSince1970))
        } else {
            self = .unknown(text)
        }
    }

    init(epoch seconds: Double) {
        // Milliseconds have been seen in other WhatsApp payloads; 1e11 s is the year 5138.
        let normalised = seconds > 100_000_000_000 ? seconds / 1000 : seconds
        self = normalised.isFinite && normalised > 0 ? .known(Timestamp.toMilliseconds(normalised)) : .unknown(String(seconds))
    }

    /// ISO 8601 in UTC for known times (with milliseconds when there are any); unknown ones as the
    /// text that was received, or `null` when there was none. Decoding reads both back.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .known(let date): try container.encode(Timestamp.iso8601(date))
        case .unknown(let raw) where raw.isEmpty: try container.encodeNil()
        case .unknown(let raw): try container.encode(raw)
        }
    }

    public var description: String {
        switch self {
        case .known(let date): Timestamp.iso8601(date)
        case .unknown: "unknown"
        }
    }

    /// Times are kept to the millisecond, the finest any sender uses, so that every path to the
    /// same instant (epoch seconds, milliseconds, ISO text) gives the same `Date`.
    static func toMilliseconds(_ seconds: Double) -> Date {
        Date(timeIntervalSince1970: (seconds * 1000).rounded() / 1000)
    }

    private static let whole = Date.ISO8601FormatStyle()
    private static let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    public static func iso8601(_ date: Date) -> String {
        // Milliseconds are written by hand: the format style truncates 0.12299… to ".122".
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let (seconds, fraction) = milliseconds.quotientAndRemainder(dividingBy: 1000)
        let text = Date(timeIntervalSince1970: Double(seconds)).formatted(whole)
        guard fraction > 0, text.hasSuffix("Z") else { return text }
        return text.dropLast() + "." + String(String(fraction + 1000).dropFirst()) + "Z"
    }

    static func parseISO8601(_ text: String) -> Date? {
        (try? whole.parse(text)) ?? (try? fractional.parse(text))
    }
}
