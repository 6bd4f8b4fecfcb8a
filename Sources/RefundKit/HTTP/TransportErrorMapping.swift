import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix

/// Turns what AsyncHTTPClient and NIO throw into the typed errors a person can act on.
enum TransportErrorMapping {
    static func map(_ error: any Error, service: Service, host: String, timeout: Double) -> RefundWatchError {
        if let already = error as? RefundWatchError { return already }
        if error is DeadlineExceeded || error is CancellationError { return .timeout(service, seconds: timeout) }
        if let client = error as? HTTPClientError {
            switch client {
            case .readTimeout, .deadlineExceeded, .connectTimeout, .getConnectionFromPoolTimeout, .writeTimeout, .cancelled:
                return .timeout(service, seconds: timeout)
            case .invalidURL, .emptyHost, .emptyScheme:
                return .network(service, host: host, detail: "the URL is not valid; check the configuration")
            default:
                return .network(service, host: host, detail: String(describing: client))
            }
        }
        if isConnectionRefused(error) { return .connectionRefused(service, host: host) }
        return .network(service, host: host, detail: String(describing: error))
    }

    private static func isConnectionRefused(_ error: any Error) -> Bool {
        if let io = error as? IOError, io.errnoCode == ECONNREFUSED { return true }
        if let connection = error as? NIOConnectionError {
            return connection.connectionErrors.contains { isConnectionRefused($0.error) }
                || (connection.dnsAAAAError == nil && connection.dnsAError == nil && !connection.connectionErrors.isEmpty
                    && String(describing: connection).lowercased().contains("refused"))
        }
        return String(describing: error).lowercased().contains("connection refused")
    }
}

/// `Retry-After`: delta seconds, or an HTTP date.
enum RetryAfter {
    static func seconds(_ value: String?, now: Date = Date()) -> Double? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Double(value) { return max(0, seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }

    /// Meta's `X-Business-Use-Case-Usage`: `{"<business id>": [{"type": …, "call_count": …,
    /// "estimated_time_to_regain_access": MINUTES}]}`. The longest wait named, in seconds; nil
    /// when there is none.
    static func regainAccess(_ header: String?) -> Double? {
        guard let header, let object = try? JSONSerialization.jsonObject(with: Data(header.utf8)) as? [String: Any] else { return nil }
        let minutes = object.values.compactMap { $0 as? [[String: Any]] }.joined()
            .compactMap { ($0["estimated_time_to_regain_access"] as? NSNumber)?.doubleValue }
        guard let longest = minutes.max(), longest > 0 else { return nil }
        return longest * 60
    }
}
