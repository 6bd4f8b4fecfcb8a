/// What each refund looks like at a given simulated moment. Everything is a pure function of the
/// plan and the moment, which is what makes responses byte-identical for a seed and a time.

/// A point on the simulated clock.
struct Moment: Sendable {
    /// Whole simulated seconds since the start of the run.
    var elapsed: Int
    /// The start of the run in epoch seconds (the simulated clock's anchor, floored to a second).
    var anchorEpoch: Int

    func epoch(_ offset: Int) -> Int { anchorEpoch + offset }

    func hasReached(_ offset: Int?) -> Bool {
        guard let offset else { return false }
        return offset <= elapsed
    }
}

extension RefundPlan {
    func isVisible(at moment: Moment) -> Bool { moment.hasReached(created) }

    /// WhatsApp's view: `pending` until the outcome's time, then the success word or `failed`.
    func whatsappState(at moment: Moment, successWord: String) -> (status: String, updated: Int) {
        switch outcome {
        case .success(let at) where moment.hasReached(at): return (successWord, at)
        case .failure(let at) where moment.hasReached(at): return ("failed", at)
        default: return ("pending", created)
        }
    }
}

extension PayURecordPlan {
    func isVisible(at moment: Moment) -> Bool { moment.hasReached(created) }

    /// PayU's steps: requested → queued → in progress → success (or → failure).
    ///
    /// For refunds that resolve after the run starts the intermediate steps are spread between
    /// the start (or creation, if later) and the resolution, so a watcher sees each of them.
    var statusSteps: [(at: Int, status: String)] {
        switch outcome {
        case .pending:
            return [(created, words.requested), (created + 1_800, words.queued)]
        case .success(let resolved):
            let from = resolved > 0 ? max(created, 0) : created
            let span = max(0, resolved - from)
            return [(created, words.requested), (from + span / 4, words.queued),
                    (from + span / 2, words.inProgress), (resolved, words.success)]
        case .failure(let resolved):
            let from = resolved > 0 ? max(created, 0) : created
            let span = max(0, resolved - from)
            return [(created, words.requested), (from + span / 3, words.queued), (resolved, words.failure)]
        }
    }

    func status(at moment: Moment) -> String {
        statusSteps.last { moment.hasReached($0.at) }?.status ?? words.requested
    }

    func succeeded(by moment: Moment) -> Bool {
        if case .success(let at) = outcome { return moment.hasReached(at) }
        return false
    }

    /// The bank's ARN: only after success, "within 24-72 business hours" in life, at `arnAt` here.
    func arn(at moment: Moment) -> String? {
        succeeded(by: moment) && moment.hasReached(arnAt) ? arn : nil
    }

    func isSettled(at moment: Moment) -> Bool {
        succeeded(by: moment) && moment.hasReached(settledAt)
    }
}

/// Paise as PayU's decimal string: 212 → "2.12".
func rupeeString(paise: Int) -> String {
    let fraction = paise % 100
    return "\(paise / 100).\(fraction < 10 ? "0" : "")\(fraction)"
}
