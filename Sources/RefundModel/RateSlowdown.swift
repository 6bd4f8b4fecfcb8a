import Foundation

/// A pause the APIs asked for, as the dashboard's status line shows it.
public struct RateSlowdown: Sendable, Hashable {
    public var service: Service
    /// Wall-clock time at which requests resume.
    public var resumesAt: Date
    /// The account whose budget is paused, when the configuration has more than one.
    public var account: String?

    public init(service: Service, resumesAt: Date, account: String? = nil) {
        self.service = service
        self.resumesAt = resumesAt
        self.account = account
    }
}
