import Foundation
import RefundKit

/// Why a push is refused, and the HTTP status it is answered with. `reason` is safe to send back
/// and to log: it quotes nothing of the body but what was checked, made terminal-safe.
public struct PushRejection: Error, Sendable, Hashable, CustomStringConvertible {
    public var status: Int
    public var reason: String

    public init(status: Int, _ reason: String) {
        self.status = status
        self.reason = reason
    }

    static func malformed(_ reason: String) -> PushRejection { PushRejection(status: 400, reason) }

    public var description: String { "\(status): \(reason)" }
}
