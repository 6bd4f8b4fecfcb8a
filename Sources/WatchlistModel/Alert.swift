import Foundation
import RefundModel

/// One alert as the store keeps it: a rule's condition seen once for the whole team (`key`), and
/// what people did about it.
public struct Alert: Sendable, Hashable, Identifiable {
    public var id: Int64
    public var key: String
    public var rule: AlertRule
    /// nil for an alert about the whole watchlist (PayU's token).
    public var orderID: Int64?
    public var referenceID: String?
    public var refundID: String?
    /// One line from API data: sanitised where it is displayed, exact in JSON.
    public var text: String
    public var raisedAt: Date
    /// When its condition cleared (the ARN arrived, the fetch worked again).
    public var resolvedAt: Date?
    public var acknowledgedBy: String?
    public var acknowledgedAt: Date?
    public var note: String?
    public var snoozedUntil: Date?
    /// The account of its order, as the store knows it when the alert is read; nil for an alert
    /// about the whole watchlist, or an order whose account is not known yet.
    public var account: String?

    public init(id: Int64, key: String, rule: AlertRule, orderID: Int64?, referenceID: String?, refundID: String?, text: String,
                raisedAt: Date, resolvedAt: Date? = nil, acknowledgedBy: String? = nil, acknowledgedAt: Date? = nil, note: String? = nil,
                snoozedUntil: Date? = nil, account: String? = nil) {
        self.id = id
        self.key = key
        self.rule = rule
        self.orderID = orderID
        self.referenceID = referenceID
        self.refundID = refundID
        self.text = text
        self.raisedAt = raisedAt
        self.resolvedAt = resolvedAt
        self.acknowledgedBy = acknowledgedBy
        self.acknowledgedAt = acknowledgedAt
        self.note = note
        self.snoozedUntil = snoozedUntil
        self.account = account
    }

    public enum State: String, Sendable, Hashable, Codable {
        /// Nobody has it yet.
        case open
        /// Someone said "I have it".
        case acknowledged
        /// Put aside until `snoozedUntil`.
        case snoozed
        /// Its condition cleared.
        case resolved
    }

    /// The alert's sentence without the order and refund it starts with, which have columns of
    /// their own: "failed (PayU)", "ARN late, was due …".
    public var detail: String {
        guard let reference = referenceID else { return text }
        for subject in [refundID.map { "\(reference) refund \($0): " }, refundID.map { "\(reference) refund \($0) " }, "\(reference): ", "\(reference) "] {
            if let subject, text.hasPrefix(subject) { return String(text.dropFirst(subject.count)) }
        }
        return text
    }

    public func state(at now: Date) -> State {
        if resolvedAt != nil { return .resolved }
        if let snoozedUntil, snoozedUntil > now { return .snoozed }
        if acknowledgedAt != nil { return .acknowledged }
        return .open
    }
}

/// What `WatchlistStore.syncAlerts` changed: the alerts it raised (new to the whole team) and
/// those it resolved.
public struct AlertSync: Sendable, Hashable {
    public var raised: [Alert]
    public var resolved: [Alert]

    public init(raised: [Alert] = [], resolved: [Alert] = []) {
        self.raised = raised
        self.resolved = resolved
    }

    public var isEmpty: Bool { raised.isEmpty && resolved.isEmpty }
}

/// One alert's raising or resolving, waiting in the store's outbox to be delivered (a command, a
/// webhook) once for the whole team.
public struct OutboxItem: Sendable, Hashable {
    public enum Event: String, Sendable, Hashable, Codable {
        case raised, resolved
    }

    public var id: Int64
    public var event: Event
    public var alert: Alert
    /// Tries so far (each failed one pushed the next try back).
    public var attempts: Int
    /// The targets ("command", "webhook") that have it already.
    public var deliveredTo: [String]

    public init(id: Int64, event: Event, alert: Alert, attempts: Int, deliveredTo: [String]) {
        self.id = id
        self.event = event
        self.alert = alert
        self.attempts = attempts
        self.deliveredTo = deliveredTo
    }

    /// The same for every delivery of this event, by any poller, however many tries: a receiver
    /// drops a repeat by it (after a poller died between sending and recording). Made of the
    /// store's numbers only: it travels in an HTTP header, where API text (a refund id with an
    /// escape in it) cannot go.
    public var deliveryID: String { "refundwatch:alert:\(alert.id):\(event.rawValue)" }
}
