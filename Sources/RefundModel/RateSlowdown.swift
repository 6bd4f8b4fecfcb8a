import Foundation

/// A pause the APIs asked for, as the dashboard's status line shows it.
public struct RateSlowdown: Sendable, Hashable {
    public var service: Service
    /// Wall-clock time at which requests resume.
    public var resumesAt: Date

    public init(service: Service, resumesAt: Date) {
        self.service = service
        self.resumesAt = resumesAt
    }
}
