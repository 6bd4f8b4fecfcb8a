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

    /// One line for `--help`: what went wrong, in the words a script's author looks for. At most
    /// 74 characters, so that `--help` (80 columns, the status before it) never wraps it.
    public var meaning: String {
        switch self {
        case .found: "success (lookup: the order was found and printed)"
        case .internalError: "internal error (a bug: please report it)"
        case .badInput: "bad input: a wrong argument or reference id, or a URL with a password"
        case .configuration: "configuration: config file or key missing or malformed, account not set up"
        case .notFound: "not found: no payment with this reference id"
        case .authentication: "authentication: Kaleyra or PayU refused the credentials"
        case .rateLimited: "rate limited: try again after the wait shown"
        case .server: "server trouble: 5xx, or a body that is not the API's JSON"
        case .network: "network trouble: timeout, connection refused, DNS"
        case .database: "database: the watchlist's file or PostgreSQL database cannot be used"
        case .mixedFailures: "track refresh: fetches failed for different reasons (each is listed)"
        case .partialFailure: "partly failed: PayU's side of a transaction could not be fetched"
        }
    }

    /// More than `--help` has room for, for the documentation's table.
    public var detail: String? {
        switch self {
        case .found: "Every order fetched whole: both sides where the transaction is PayU's."
        case .badInput: "Also `track add` when some of its ids were rejected (the valid ones are still added), and the dashboard without a terminal. A PostgreSQL URL given to `--db`, `--from` or `--to` that holds a password is refused before anything connects, as `ps` and shell history would show it: set `PGPASSWORD` or use `~/.pgpass` instead."
        case .configuration: "Also Kaleyra's answers that the account is not set up for payments (WA002, Meta's configuration errors), and a `database_url` or `REFUNDWATCH_DATABASE_URL` that holds a password or is not a PostgreSQL URL."
        case .authentication: "A wrong SID or API key, an expired or refused PayU token, a bad hash, a partner PayU does not allow; `payu token --renew` when PayU refuses to renew."
        case .server: "HTML or an empty body from a proxy, or malformed JSON."
        case .database: "The SQLite file or the PostgreSQL database cannot be opened, read or written; the server cannot be reached, refuses the user or the password, or has no such database; or an order's stored report cannot be read (written by a newer refundwatch, or damaged), while the other orders go on. The message names the file, order or server (never a password) and what to do."
        case .mixedFailures: "`track refresh` and `poll --once` exit with the failures' own status when they all failed the same way."
        case .partialFailure: "`track refresh`, `poll --once` and `lookup`: WhatsApp's side was fetched (and stored), PayU's side of a transaction was not, so its bank fields are PayU's last answer or missing; the summary names each order and why (PayU refused to renew its token, timed out, does not know the transaction). An outright failure of any order takes precedence."
        default: nil
        }
    }

    /// What `--help` ends with: every status and its meaning.
    public static var helpText: String {
        "Exit status:\n" + allCases.map { ($0.rawValue < 10 ? "   " : "  ") + "\($0.rawValue)  \($0.meaning)" }.joined(separator: "\n")
    }

    /// The same as a Markdown table, for docs/exit-status.md (a test keeps that file equal to it),
    /// so that the documentation and `--help` never disagree.
    public static var markdown: String {
        (["| status | meaning |", "|---|---|"] + allCases.map { "| \($0.rawValue) | \($0.meaning)\($0.detail.map { ". " + $0 } ?? "") |" }).joined(separator: "\n")
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
