import Foundation
import RefundKit
import WatchlistModel

/// The process exit status: one per kind of trouble, so scripts can tell them apart.
public enum ExitStatus: Int32, Sendable, CaseIterable {
    case found = 0
    case internalError = 1
    case badInput = 2
    case configuration = 3
    case notFound = 4
    case authentication = 5
    case rateLimited = 6
    case server = 7
    case network = 8
    case database = 9
    case mixedFailures = 10
    case partialFailure = 11

    public init(_ category: ErrorCategory) {
        switch category {
        case .badInput: self = .badInput
        case .configuration: self = .configuration
        case .notFound: self = .notFound
        case .authentication: self = .authentication
        case .rateLimited: self = .rateLimited
        case .server: self = .server
        case .network: self = .network
        }
    }

    public var meaning: String {
        switch self {
        case .found: "success (lookup: the order was found and printed)"
        case .internalError: "internal error (a bug: please report it)"
        case .badInput: "bad input: a wrong argument or an invalid reference id"
        case .configuration: "configuration: a missing or malformed config file or key, account not set up"
        case .notFound: "not found: no payment with this reference id"
        case .authentication: "authentication: Kaleyra or PayU refused the credentials"
        case .rateLimited: "rate limited: try again after the wait shown"
        case .server: "server trouble: 5xx, or a body that is not the API's JSON"
        case .network: "network trouble: timeout, connection refused, DNS"
        case .database: "database: the watchlist file cannot be opened, read or written"
        case .mixedFailures: "track refresh: fetches failed for different reasons (each is listed)"
        case .partialFailure: "partly failed: WhatsApp's side was fetched, PayU's side of a transaction was not (the reason is shown)"
        }
    }

    public static var helpText: String {
        "Exit status:\n" + allCases.map { ($0.rawValue < 10 ? "   " : "  ") + "\($0.rawValue)  \($0.meaning)" }.joined(separator: "\n")
    }
}

/// JSON as refundwatch writes it to stdout and files: pretty, keys sorted, slashes as they are.
public enum JSONOutput {
    public static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }
}
