import ArgumentParser
import Foundation
import RefundJobs
import RefundKit
import WatchlistModel

extension ExitStatus {
    var exitCode: ExitCode { ExitCode(rawValue) }
}

/// Prints a failure to stderr and returns the exit code for it. Messages never hold secrets:
/// `RefundWatchError` and `ConfigurationError` are built without them.
func report(_ error: any Error) -> ExitCode {
    let (status, message) = described(error)
    standardError("refundwatch: \(message)")
    return status.exitCode
}

/// A failure's exit status and its message for people.
func described(_ error: any Error) -> (ExitStatus, String) {
    switch error {
    case let error as RefundWatchError:
        (ExitStatus(error.category), error.message)
    case let error as ConfigurationError:
        (.configuration, "Configuration error: \(error.description)")
    case let error as StoreError:
        (.database, error.description)
    default:
        (.internalError, "Unexpected error: \(error)")
    }
}
