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
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(trimmed) {
            self = Timestamp(epoch: seconds)
        } else if let date = try? Date(trimmed, strategy: .iso8601) {
            self = .known(date)
        } else {
            self = .unknown(text)
        }
    }

    init(epoch seconds: Double) {
        // Milliseconds have been seen in other WhatsApp payloads; 1e11 s is the year 5138.
        let normalised = seconds > 100_000_000_000 ? seconds / 1000 : seconds
        self = normalised > 0 ? .known(Date(timeIntervalSince1970: normalised)) : .unknown(String(seconds))
    }

    /// ISO 8601 in UTC for known times, `null` for unknown ones.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .known(let date): try container.encode(date.formatted(.iso8601))
        case .unknown: try container.encodeNil()
        }
    }

    public var description: String {
        switch self {
        case .known(let date): date.formatted(.iso8601)
        case .unknown: "unknown"
        }
    }
}
