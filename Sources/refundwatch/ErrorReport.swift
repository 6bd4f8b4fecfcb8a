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
    let status: ExitStatus
    let message: String
    switch error {
    case let error as RefundWatchError:
        status = ExitStatus(error.category)
        message = error.message
    case let error as ConfigurationError:
        status = .configuration
        message = "Configuration error: \(error.description)"
    case let error as StoreError:
        status = .database
        message = error.description
    default:
        status = .internalError
        message = "Unexpected error: \(error)"
    }
    standardError("refundwatch: \(message)")
    return status.exitCode
}
