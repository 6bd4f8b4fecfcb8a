import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Where the simulator pushes when its orders move: a `refundwatch listen`, as Kaleyra and PayU
/// would call it (`refundwatch simulate --webhook URL`).
public struct PushTarget: Sendable, Equatable {
    /// The receiver's base URL, e.g. `http://127.0.0.1:8088`: pushes go to `/push/SOURCE` under it
    /// (`/push/SOURCE/ACCOUNT` when the simulator serves several accounts).
    public var baseURL: String
    /// The header that carries the shared secret, as a Kaleyra callback profile's custom header would.
    public var header: String
    public var secret: String

    public static let defaultHeader = "X-Simulator-Secret"
    public static let defaultSecret = "demo-push-secret"

    public init(baseURL: String, header: String = PushTarget.defaultHeader, secret: String = PushTarget.defaultSecret) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.header = header
        self.secret = secret
    }

    /// Checks a `--webhook` URL: http or https, a host, no query, no fragment.
    public static func check(_ url: String) -> String? {
        guard let parts = URLComponents(string: url), let scheme = parts.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = parts.host, !host.isEmpty else {
            return "\(url) is not an http(s) URL; give the receiver's base, e.g. http://127.0.0.1:8088"
        }
        if parts.query != nil || parts.fragment != nil { return "\(url): give the base URL without a query or fragment" }
        return nil
    }

    /// The port the URL names (its scheme's default without one).
    var port: Int {
        guard let parts = URLComponents(string: baseURL) else { return 80 }
        return parts.port ?? (parts.scheme?.lowercased() == "https" ? 443 : 80)
    }
}

/// One push the simulator sent, and what the receiver answered.
public struct SentPush: Sendable, Equatable {
    /// `kaleyra`, `payu-refund-status`, `payu-webhook` or `payu-arn`: the route's source.
    public var source: String
    public var referenceID: String
    /// The simulated second of the change it tells of (since the start of the run).
    public var at: Int
    /// The HTTP status answered, or nil when the receiver could not be reached.
    public var status: Int?
    /// When it was sent, on the real clock.
    public var sentAt: Date
}

/// A change the vendors would push: a WhatsApp refund created or resolved (Kaleyra's payment
/// webhook, with the order's one transaction), or a PayU refund record's step or settlement
/// (PayU's refund status callback as JSON; its dashboard's refund webhook, a form, for the
/// outcome; its bulk ARN callback for the bank's ARN, listing the transaction's refunds whose
/// ARN arrived at that moment).
struct PushEvent: Sendable {
    enum Kind: Sendable {
        case kaleyra(transaction: Int)
        case payuStatus(payuID: String, requestID: String)
        case payuWebhook(payuID: String, requestID: String)
        case payuARN(payuID: String, requestIDs: [String])
    }

    var at: Int
    var order: Int
    var kind: Kind

    var source: String {
        switch kind {
        case .kaleyra: "kaleyra"
        case .payuStatus: "payu-refund-status"
        case .payuWebhook: "payu-webhook"
        case .payuARN: "payu-arn"
        }
    }

    /// Every change of the catalogue, soonest first (ties in catalogue order).
    static func all(_ catalogue: Catalogue) -> [PushEvent] {
        var events: [PushEvent] = []
        for (index, order) in catalogue.orders.enumerated() {
            for (position, transaction) in (order.plan.transactions ?? []).enumerated() {
                let kaleyraTimes = Set(transaction.refunds.flatMap { [$0.created] + [$0.outcome.resolvedAt].compactMap { $0 } })
                events += kaleyraTimes.map { PushEvent(at: $0, order: index, kind: .kaleyra(transaction: position)) }
                guard transaction.gateway == .payu, let payu = catalogue.payuTransactions[transaction.payuID] else { continue }
                var arrivals: [Int: [String]] = [:]
                for record in payu.records {
                    let outcome = record.outcome.resolvedAt
                    var times = Set(record.statusSteps.map(\.at) + [record.arnAt, record.settledAt].compactMap { $0 })
                    if let outcome {
                        times.remove(outcome)
                        events.append(PushEvent(at: outcome, order: index, kind: .payuWebhook(payuID: payu.payuID, requestID: record.requestID)))
                    }
                    // An ARN after the outcome comes by the bulk ARN callback (at the outcome, the webhook carries it).
                    if let arnAt = record.arnAt, case .success = record.outcome, times.remove(arnAt) != nil {
                        arrivals[arnAt, default: []].append(record.requestID)
                    }
                    events += times.map { PushEvent(at: $0, order: index, kind: .payuStatus(payuID: payu.payuID, requestID: record.requestID)) }
                }
                events += arrivals.map { PushEvent(at: $0.key, order: index, kind: .payuARN(payuID: payu.payuID, requestIDs: $0.value)) }
            }
        }
        return events.sorted { ($0.at, $0.order) < ($1.at, $1.order) }
    }
}

/// Posts each change of the catalogue to a `PushTarget` when the simulated clock reaches it, the
/// way Kaleyra and PayU call a merchant back: the body says what the vendor knows at that moment,
/// and the receiver is expected to look the order up (a push is a hint). Changes before the run's
/// start (the demo's history) are not pushed; a clock moved forward at once pushes every change it
/// passed. A push answered 429 or 503, or not answered, is tried again (at most four tries); one
/// that cannot be delivered is dropped: polling finds the change anyway.
final class Pusher: Sendable {
    private let core: SimulatorCore
    private let target: PushTarget
    private let events: [PushEvent]
    private let client = HTTPClient(eventLoopGroupProvider: .singleton,
                                    configuration: .init(timeout: .init(connect: .seconds(2), read: .seconds(5))))
    private let sent = Locked<[SentPush]>([])
    private let sequence = Locked(0)

    init(core: SimulatorCore, target: PushTarget) {
        self.core = core
        self.target = target
        events = PushEvent.all(core.catalogue)
    }

    var pushes: [SentPush] { sent.withLock { $0 } }

    /// Until cancelled: wakes at each change's real time (at least every quarter second, so a
    /// clock moved at once is followed), and pushes what the clock passed.
    func run() async {
        let startedAt = core.moment().elapsed
        var next = events.firstIndex { $0.at > startedAt } ?? events.count
        while !Task.isCancelled {
            let now = core.moment()
            var due: [PushEvent] = []
            while next < events.count, events[next].at <= now.elapsed {
                due.append(events[next])
                next += 1
            }
            // One at a time, in order: a vendor's calls for one order arrive in the order it made them.
            for event in due where !Task.isCancelled { await push(event, at: now) }
            let wait = next < events.count ? Double(events[next].at - core.moment().elapsed) / core.options.speed : 0.25
            try? await Task.sleep(for: .seconds(min(0.25, max(0.01, wait))))
        }
    }

    func shutdown() async {
        try? await client.shutdown()
    }

    private func push(_ event: PushEvent, at moment: Moment) async {
        let order = core.catalogue.orders[event.order]
        var path = "/push/\(event.source)"
        if core.options.accounts.count > 1, let slot = core.ownership.slot(ofOrder: order.referenceID) {
            path += "/" + (core.options.accounts[slot.account].name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? "")
        }
        let (body, contentType) = self.body(event, order: order, at: moment)
        var request = HTTPClientRequest(url: target.baseURL + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: contentType)
        request.headers.add(name: target.header, value: target.secret)
        request.body = .bytes(ByteBuffer(string: body))
        var status: Int?
        // As the vendors do, a push the receiver did not take is tried again a few times: after
        // its Retry-After when it said "later" (429, 503), after a second when it did not answer
        // (a repeat it took already is kept once: it knows the body).
        for attempt in 1...4 {
            var wait: Double?
            do {
                let response = try await client.execute(request, timeout: .seconds(5))
                status = Int(response.status.code)
                _ = try? await response.body.collect(upTo: 1 << 16)
                if status == 429 || status == 503 { wait = response.headers.first(name: "Retry-After").flatMap(Double.init) ?? 1 }
            } catch {
                status = nil
                wait = 1
            }
            guard let wait, attempt < 4, !Task.isCancelled else { break }
            try? await Task.sleep(for: .seconds(min(10, max(0.1, wait))))
        }
        if Task.isCancelled, status == nil { return }
        let record = SentPush(source: event.source, referenceID: order.referenceID, at: event.at, status: status, sentAt: Date())
        sent.withLock { log in
            log.append(record)
            if log.count > 12_000 { log.removeFirst(2_000) }
        }
    }

    private func body(_ event: PushEvent, order: CatalogueOrder, at moment: Moment) -> (String, String) {
        let plan = order.plan
        switch event.kind {
        case .kaleyra(let position):
            let transaction = plan.transactions?[position]
            let number = sequence.withLock { value -> Int in
                value += 1
                return value
            }
            var payment: [(String, JSONValue)] = [
                ("reference_id", .string(plan.referenceID)),
                ("currency", .string("INR")),
                ("amount", KaleyraWire.money(plan.amountPaise, plan.wire)),
            ]
            // One `transaction` object, where the lookup answers a `transactions` array.
            if let transaction { payment.append(("transaction", KaleyraWire.transaction(transaction, wire: plan.wire, at: moment))) }
            let body = JSONValue.object([
                ("id", .string("wamid.SIMULATED\(core.options.seed)X\(number)")),
                ("type", .string("payment")),
                ("status", .string(plan.status)),
                ("payment", .object(payment)),
            ])
            return (body.rendered(), "application/json")
        case .payuARN(let payuID, let requestIDs):
            return (Self.arnCallback(payuID: payuID, records: core.catalogue.payuTransactions[payuID]?.records.filter { requestIDs.contains($0.requestID) } ?? [],
                                     at: moment).rendered(), "application/json")
        case .payuStatus(let payuID, let requestID), .payuWebhook(let payuID, let requestID):
            guard let record = core.catalogue.payuTransactions[payuID]?.records.first(where: { $0.requestID == requestID }) else {
                return ("{}", "application/json")
            }
            let status = record.status(at: moment)
            let arn = record.arn(at: moment)
            if case .payuWebhook = event.kind {
                var form = URLComponents()
                form.queryItems = [
                    URLQueryItem(name: "mihpayid", value: record.mihpayid),
                    URLQueryItem(name: "request_id", value: record.requestID),
                    URLQueryItem(name: "status", value: status),
                    URLQueryItem(name: "amount", value: rupeeString(paise: record.amountPaise)),
                    URLQueryItem(name: "mode", value: record.mode),
                    URLQueryItem(name: "bank_arn", value: arn ?? ""),
                ]
                // `+` stands for a space in a form; a literal one must be escaped.
                let text = (form.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B").replacingOccurrences(of: "%20", with: "+")
                return (text, "application/x-www-form-urlencoded")
            }
            let body = JSONValue.object([
                ("mihpayid", record.spacedMihpayid ? .string(" \(record.mihpayid) ") : .string(record.mihpayid)),
                ("request_id", PayUWire.numberOrString(record.requestID)),
                ("status", .string(status)),
                ("bank_arn", .optional(arn)),
                ("amt", .string(rupeeString(paise: record.amountPaise))),
                ("refund_mode", .string(record.refundMode)),
                ("token", .string(record.token)),
                ("action", .string("refund")),
            ])
            return (body.rendered(), "application/json")
        }
    }
}

extension Pusher {
    /// PayU's bulk ARN callback: refunds keyed by the merchant's transaction id, as PayU's sample
    /// writes them (ids and amounts as text, times in IST). The merchant's id is what the merchant
    /// gave PayU at payment, which PayU's refund status API never answers and the catalogue does
    /// not model: the simulator writes `TXN` and the payu_id (the receiver goes by `PayuID`).
    static func arnCallback(payuID: String, records: [PayURecordPlan], at moment: Moment) -> JSONValue {
        func time(_ offset: Int?) -> JSONValue { .optional(offset.map { CivilDate.dateTimeIST(epochSeconds: moment.epoch($0)) }) }
        let refunds = records.map { record -> JSONValue in
            let succeeded = record.succeeded(by: moment)
            return .object([
                ("PayuID", .string(payuID)),
                ("RequestID", .string(record.requestID)),
                ("RefundToken", .string(record.token)),
                ("PaymentGateway", .string(record.mode)),
                ("Amount", .string(rupeeString(paise: record.amountPaise))),
                ("Status", .string(record.status(at: moment))),
                ("RefundCreationDate", time(record.created)),
                ("bank_ref_no", .optional(succeeded ? record.bankRefNum : nil)),
                ("bank_arn", .optional(record.arn(at: moment))),
                ("success_at", time(succeeded ? record.outcome.resolvedAt : nil)),
            ])
        }
        return .object([("TXN" + payuID, .array(refunds))])
    }
}
