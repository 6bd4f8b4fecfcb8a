import Foundation
import RefundKit
import WatchlistModel

/// An alert as scripts read it: exact values (nothing sanitised), times in ISO 8601.
public struct AlertJSON: Encodable, Sendable {
    public var alert: Alert
    public var now: Date

    public init(_ alert: Alert, now: Date) {
        self.alert = alert
        self.now = now
    }

    enum CodingKeys: String, CodingKey {
        case id, key, rule, state, referenceID = "reference_id", refundID = "refund_id", text, raisedAt = "raised_at", resolvedAt = "resolved_at"
        case acknowledgedBy = "acknowledged_by", acknowledgedAt = "acknowledged_at", note, snoozedUntil = "snoozed_until", account
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(alert.id, forKey: .id)
        try c.encode(alert.key, forKey: .key)
        try c.encode(alert.rule.rawValue, forKey: .rule)
        try c.encode(alert.state(at: now).rawValue, forKey: .state)
        try c.encode(alert.referenceID, forKey: .referenceID)
        try c.encode(alert.refundID, forKey: .refundID)
        try c.encode(alert.text, forKey: .text)
        try c.encode(Timestamp.known(alert.raisedAt), forKey: .raisedAt)
        try c.encode(alert.resolvedAt.map(Timestamp.known), forKey: .resolvedAt)
        try c.encode(alert.acknowledgedBy, forKey: .acknowledgedBy)
        try c.encode(alert.acknowledgedAt.map(Timestamp.known), forKey: .acknowledgedAt)
        try c.encode(alert.note, forKey: .note)
        try c.encode(alert.snoozedUntil.map(Timestamp.known), forKey: .snoozedUntil)
        try c.encode(alert.account, forKey: .account)
    }
}

