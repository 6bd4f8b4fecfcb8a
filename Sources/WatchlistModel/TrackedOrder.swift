import Foundation
import RefundModel

/// An order on the watchlist.
public struct TrackedOrder: Sendable, Hashable, Codable {
    public var id: Int64?
    public var referenceID: String
    /// The configured account it belongs to (`[kaleyra]` is the account "default", `[accounts.NAME]`
    /// the others); nil while that is not known: the order is then looked up under each account in
    /// turn, and the first that knows it is remembered.
    public var account: String?
    /// nil: the account's phone number id.
    public var phoneNumberID: String?
    /// nil: the account's payment configuration ids, tried in turn when it has more than one.
    public var paymentConfigID: String?
    public var label: String?
    public var addedAt: Date

    public init(id: Int64? = nil, referenceID: String, account: String? = nil, phoneNumberID: String? = nil, paymentConfigID: String? = nil,
                label: String? = nil, addedAt: Date) {
        self.id = id
        self.referenceID = referenceID
        self.account = account
        self.phoneNumberID = phoneNumberID
        self.paymentConfigID = paymentConfigID
        self.label = label
        self.addedAt = addedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, referenceID = "reference_id", account, phoneNumberID = "phone_number_id", paymentConfigID = "payment_config_id"
        case label, addedAt = "added_at"
    }

    /// Two entries name the same order when the account, the reference id and both lookup ids agree.
    public var key: Key { Key(account: account, referenceID: referenceID, phoneNumberID: phoneNumberID, paymentConfigID: paymentConfigID) }

    public struct Key: Sendable, Hashable {
        public var account: String?
        public var referenceID: String
        public var phoneNumberID: String?
        public var paymentConfigID: String?
    }
}

/// The last failed fetch of an order, kept until a fetch succeeds.
public struct FetchFailure: Sendable, Hashable {
    public var error: ReportedError
    public var at: Date

    public init(error: ReportedError, at: Date) {
        self.error = error
        self.at = at
    }
}

/// One watchlist row: the order, and what the store knows of it without decoding its report.
public struct WatchedOrder: Sendable, Hashable {
    public var order: TrackedOrder
    /// nil until the first successful fetch.
    public var summary: OrderSummary?
    /// When the last good report was fetched.
    public var fetchedAt: Date?
    /// When a fetch last found a change (nil: never, or only the first sighting).
    public var changedAt: Date?
    /// Set when the latest fetch failed; the last good report stays.
    public var failure: FetchFailure?
    /// When it was last fetched, successfully or not.
    public var attemptedAt: Date?
    /// Fetches failed since the last good one.
    public var failures: Int
    /// Fetches stored so far, good or failed: a poller claims the order only if this is still what
    /// it read (nobody fetched it meanwhile).
    public var attempts: Int64
    /// When someone asked the pollers to fetch it now (`r` in a dashboard); nil once fetched.
    public var requestedAt: Date?

    public init(order: TrackedOrder, summary: OrderSummary? = nil, fetchedAt: Date? = nil, changedAt: Date? = nil, failure: FetchFailure? = nil,
                attemptedAt: Date? = nil, failures: Int? = nil, attempts: Int64 = 0, requestedAt: Date? = nil) {
        self.order = order
        self.summary = summary
        self.fetchedAt = fetchedAt
        self.changedAt = changedAt
        self.failure = failure
        self.attemptedAt = attemptedAt ?? failure?.at ?? fetchedAt
        self.failures = failures ?? (failure == nil ? 0 : 1)
        self.attempts = attempts
        self.requestedAt = requestedAt
    }

    /// When this order is next fetched under `policy`; one asked for is due now, archived or not.
    public func due(_ policy: PollPolicy, now: Date) -> PollPolicy.Due {
        if let requestedAt { return .at(min(requestedAt, now)) }
        return policy.due(fetchedAt: fetchedAt, attemptedAt: attemptedAt, failures: failures, settledAt: summary?.settledAt, now: now)
    }

    /// The data shown is older than the latest attempt: the last fetch failed.
    public var isStale: Bool { failure != nil }
}

/// One change in an order's history.
public struct HistoryEntry: Sendable, Hashable {
    public var id: Int64
    public var orderID: Int64
    public var seenAt: Date
    public var change: OrderChange

    public init(id: Int64, orderID: Int64, seenAt: Date, change: OrderChange) {
        self.id = id
        self.orderID = orderID
        self.seenAt = seenAt
        self.change = change
    }
}

/// What `add` did with each id it was given.
public struct AddOutcome: Sendable, Hashable {
    public var added: [TrackedOrder] = []
    /// Already on the watchlist (or given twice in the same call); nothing was written for them.
    public var duplicates: [TrackedOrder] = []

    public init(added: [TrackedOrder] = [], duplicates: [TrackedOrder] = []) {
        self.added = added
        self.duplicates = duplicates
    }
}

/// What `record` stored for one fetch.
public struct RecordOutcome: Sendable {
    /// The stored report: the fetched one, with PayU's earlier answer kept where PayU failed.
    public var report: OrderReport
    public var changes: [OrderChange]
    public var summary: OrderSummary
    /// The order had no stored report before: its changes are all first sightings.
    public var isFirstFetch: Bool

    public init(report: OrderReport, changes: [OrderChange], summary: OrderSummary, isFirstFetch: Bool) {
        self.report = report
        self.changes = changes
        self.summary = summary
        self.isFirstFetch = isFirstFetch
    }
}
