import Foundation

/// What raises an alert. Each is one row of the alerts screen and one message to the desk.
public enum AlertRule: String, Sendable, Hashable, Codable, CaseIterable {
    /// A refund failed, on WhatsApp's side or PayU's.
    case refundFailed = "refund_failed"
    /// A refund's stage deadline is within the lead time (12 business hours by default).
    case deadlineNear = "deadline_near"
    /// A refund's stage deadline has passed (or a payment has been pending too long).
    case deadlinePassed = "deadline_passed"
    /// WhatsApp and PayU disagree: one says success and the other failure, or the amounts differ.
    case sidesDisagree = "sides_disagree"
    /// The order's fetches have failed for longer than the limit (30 minutes by default).
    case fetchFailing = "fetch_failing"
    /// PayU refuses to renew its access token: one alert for the whole watchlist, not one an order.
    case payuToken = "payu_token"
    /// A push source (`[listen.SOURCE] silent_after`) sent nothing for longer than its limit: one
    /// alert a source, about the whole watchlist. Polling goes on by its schedule meanwhile.
    case pushSilent = "push_silent"

    /// "ARN late", "refund failed": a few words for lists and notifications.
    public var title: String {
        switch self {
        case .refundFailed: "refund failed"
        case .deadlineNear: "deadline near"
        case .deadlinePassed: "deadline passed"
        case .sidesDisagree: "sides disagree"
        case .fetchFailing: "fetch failing"
        case .payuToken: "PayU token refused"
        case .pushSilent: "pushes silent"
        }
    }

    /// The rules judged from a fetched report (the others from failures).
    public static let fromReport: Set<AlertRule> = [.refundFailed, .deadlineNear, .deadlinePassed, .sidesDisagree, .fetchFailing]
}

/// How a dashboard tells a person of a new alert.
public enum NotifyStyle: String, Sendable, Hashable, CaseIterable {
    /// The terminal's bell.
    case bell
    /// A desktop notification by OSC 777 (`ESC ] 777 ; notify ; title ; body BEL`: foot, kitty,
    /// WezTerm, Konsole, VTE terminals), wrapped for tmux's passthrough inside tmux.
    case osc777
    /// A desktop notification by OSC 9 (`ESC ] 9 ; body BEL`: iTerm2, Windows Terminal, kitty).
    case osc9
    case off
}

/// `[alerts]` thresholds.
public struct AlertThresholds: Sendable, Hashable {
    /// `deadline_lead`: how long before a deadline it is "near", in business time (12 hours).
    public var deadlineLead: TimeInterval = 12 * 3600
    /// `fetch_failing_after`: how long an order's fetches may fail before it is an alert (30 minutes).
    public var fetchFailingAfter: TimeInterval = 30 * 60

    public init() {}
}

/// An alert as a rule raises it, before the store gives it an id. `key` is its identity: the
/// order, the refund, the rule and what it is about (the deadline, the statuses), so that one
/// event is one alert for a whole team however many pollers and dashboards see it; the same
/// refund late for its next stage is another event, with another key.
public struct AlertDraft: Sendable, Hashable {
    public var key: String
    public var rule: AlertRule
    /// nil for an alert about the whole watchlist (PayU's token).
    public var orderID: Int64?
    public var referenceID: String?
    public var refundID: String?
    /// One line for people, from API data: sanitise before display.
    public var text: String

    public init(key: String, rule: AlertRule, orderID: Int64?, referenceID: String?, refundID: String?, text: String) {
        self.key = key
        self.rule = rule
        self.orderID = orderID
        self.referenceID = referenceID
        self.refundID = refundID
        self.text = text
    }

    /// The rules' conditions that hold for one fetched order at `now`.
    public static func conditions(for report: OrderReport, orderID: Int64, rules: DeadlineRules, thresholds: AlertThresholds,
                                  now: Date) -> [AlertDraft] {
        let reference = report.referenceID
        func draft(_ rule: AlertRule, _ refundID: String?, about: String, _ text: String) -> AlertDraft {
            AlertDraft(key: "\(rule.rawValue):\(orderID):\(refundID ?? "-"):\(about)", rule: rule, orderID: orderID,
                       referenceID: reference, refundID: refundID, text: text)
        }
        var drafts: [AlertDraft] = []
        let zone = rules.calendar.timeZone
        for deadline in rules.deadlines(for: report) {
            let what = deadline.refundID.map { "refund \($0)" } ?? "payment"
            let about = "\(deadline.stage.rawValue)@\(Int(deadline.due.timeIntervalSince1970))"
            if deadline.isLate(at: now) {
                drafts.append(draft(.deadlinePassed, deadline.refundID, about: about,
                                    "\(reference) \(what): \(deadline.stage.name) late, was due \(CustomerWords.date(deadline.due, zone))"))
            } else if rules.calendar.businessSeconds(from: now, to: deadline.due) <= thresholds.deadlineLead {
                drafts.append(draft(.deadlineNear, deadline.refundID, about: about,
                                    "\(reference) \(what): \(deadline.stage.name) due \(CustomerWords.date(deadline.due, zone))"))
            }
        }
        for transaction in report.transactions {
            for joined in transaction.refunds {
                let id = joined.refund.id
                let whatsapp = joined.refund.status
                let payu = joined.payu?.status
                if whatsapp == .failed || payu == .failure {
                    let sides = [whatsapp == .failed ? "WhatsApp" : nil, payu == .failure ? "PayU" : nil].compactMap { $0 }.joined(separator: " and ")
                    drafts.append(draft(.refundFailed, id, about: "failed", "\(reference) refund \(id) failed (\(sides))"))
                }
                if (whatsapp == .success && payu == .failure) || (whatsapp == .failed && payu == .success) {
                    drafts.append(draft(.sidesDisagree, id, about: "status:\(whatsapp.rawValue)/\(payu?.rawValue ?? "")",
                                        "\(reference) refund \(id): WhatsApp says \(whatsapp.rawValue), PayU says \(payu?.rawValue ?? "?")"))
                }
                if let ours = joined.refund.amount, let theirs = joined.payu?.amount, ours.amount != theirs.amount {
                    drafts.append(draft(.sidesDisagree, id, about: "amount:\(ours.plainString)/\(theirs.plainString)",
                                        "\(reference) refund \(id): \(ours.formatted) at WhatsApp, \(theirs.formatted) at PayU"))
                }
            }
        }
        return drafts
    }

    /// An order whose fetches have failed since `since` (its last good fetch, or when it was
    /// added): an alert once that is longer ago than the threshold.
    public static func fetchFailing(orderID: Int64, referenceID: String, since: Date, error: ReportedError, thresholds: AlertThresholds,
                                    now: Date) -> AlertDraft? {
        guard now.timeIntervalSince(since) >= thresholds.fetchFailingAfter else { return nil }
        return AlertDraft(key: "\(AlertRule.fetchFailing.rawValue):\(orderID):-:since@\(Int(since.timeIntervalSince1970))", rule: .fetchFailing,
                          orderID: orderID, referenceID: referenceID, refundID: nil,
                          text: "\(referenceID): fetches failing for \(DurationText.short(now.timeIntervalSince(since))): \(error.message)")
    }

    /// A push source silent for `silentAfter` or longer at `now`: since its last push, or (none
    /// yet) since `watchedSince`, when the check began. Its key names the moment the silence
    /// began, so a push ends it and a later silence is another alert; one is open a source.
    public static func pushSilent(_ source: PushSource, lastPush: Date?, watchedSince: Date, silentAfter: TimeInterval, now: Date) -> AlertDraft? {
        let since = lastPush ?? watchedSince
        let silent = now.timeIntervalSince(since)
        guard silent >= silentAfter else { return nil }
        let when = lastPush == nil ? "none received in \(DurationText.short(silent)) of watching" : "the last \(DurationText.short(silent)) ago"
        return AlertDraft(key: "\(AlertRule.pushSilent.rawValue):-:\(source.rawValue):since@\(Int(since.timeIntervalSince1970))", rule: .pushSilent,
                          orderID: nil, referenceID: nil, refundID: nil,
                          text: "no push from \(source.title) for over \(DurationText.short(silentAfter)) (\(when)); polling goes on by its schedule")
    }

    /// PayU refusing to renew its token, for the whole watchlist. Its key names the moment it was
    /// first seen; the store keeps one such alert open at a time.
    public static func payuToken(_ error: ReportedError, now: Date) -> AlertDraft {
        AlertDraft(key: "\(AlertRule.payuToken.rawValue):-:-:since@\(Int(now.timeIntervalSince1970))", rule: .payuToken, orderID: nil,
                   referenceID: nil, refundID: nil, text: "PayU refuses the access token: \(error.message)")
    }
}
