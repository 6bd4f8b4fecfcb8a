import Foundation
import RefundKit

/// What one push names, and so what to look up: WhatsApp reference ids (Kaleyra), or PayU's ids
/// (a PayU push knows nothing of WhatsApp's reference id: the order is the one whose PayU
/// transaction it is). Each list is in the order met, without repeats.
public struct PushNames: Sendable, Hashable {
    /// WhatsApp payment reference ids.
    public var referenceIDs: [String] = []
    /// PayU's payment ids (`mihpayid`, `PayuID`): the id of a WhatsApp transaction of type `payu`.
    public var payuIDs: [String] = []
    /// PayU's refund request ids (`request_id`, `RequestID`).
    public var requestIDs: [String] = []
    /// The merchant's sale transaction ids (`txnid`, `merchantTxnId`, the ARN callback's keys).
    public var merchantTxnIDs: [String] = []
    /// The statuses the push says, for the record (`captured`, `success`, `failure`): never used
    /// as the order's state, which comes from the lookup.
    public var statuses: [String] = []
    /// A push that names nothing to look up on purpose: a message-status webhook of another type
    /// on Kaleyra's URL (a delivery receipt). Accepted and counted, nothing is fetched.
    public var ignored: String?

    public init() {}

    public var isEmpty: Bool { referenceIDs.isEmpty && payuIDs.isEmpty && requestIDs.isEmpty && merchantTxnIDs.isEmpty }

    mutating func add(_ value: String, to list: WritableKeyPath<PushNames, [String]>) {
        if !self[keyPath: list].contains(value) { self[keyPath: list].append(value) }
    }
}

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
