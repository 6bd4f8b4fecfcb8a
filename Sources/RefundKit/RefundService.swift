import Foundation
import Logging

/// Looks up one order on both APIs and joins them into an `OrderReport`.
///
/// One service holds the one shared `HTTPTransport` and a Kaleyra client (and a PayU client) for
/// each configured account, each spending its account's request budget; create it once, use it
/// from any task, and call `shutdown()` at the end.
public final class RefundService: Sendable {
    public let configuration: RefundConfiguration
    /// The first account's clients (the only account's, in the single form).
    public let kaleyra: KaleyraClient
    public let payu: PayUClient?
    /// Every account's clients, in the configuration's order.
    public let accounts: [AccountClients]
    private let transport: HTTPTransport
    private let now: @Sendable () -> Date

    /// One account's clients.
    public struct AccountClients: Sendable {
        public let settings: AccountSettings
        public let kaleyra: KaleyraClient
        public let payu: PayUClient?
        public var name: String { settings.name }
    }

    /// An order's report and where it was found.
    public struct Located: Sendable {
        public var report: OrderReport
        /// The account and lookup ids that knew it: the phone number id when one was given, the
        /// payment configuration when one was given or the account has more than one.
        public var place: OrderPlace
    }

    /// `tokenCacheDirectory`: where `[payu.oauth]` keeps its token cache (the state folder); nil
    /// keeps tokens in memory only. `team`: the team's database, when the watchlist is one: each
    /// account's request budget is then shared by every process that uses it (`TeamLedger`), and
    /// its `[payu.oauth]` tokens are kept there instead of the token cache.
    /// `now` stamps reports and times token expiry. `clock` times every wait of the HTTP layer
    /// (the request budget, back-off, deadlines): a test passes a clock it moves itself.
    public init(configuration: RefundConfiguration, logger: Logger? = nil, tokenCacheDirectory: String? = nil, team: (any TeamLedger)? = nil,
                now: @escaping @Sendable () -> Date = { Date() }, clock: any Clock<Duration> = ContinuousClock()) {
        self.configuration = configuration
        var budgets: [String: [Service: Double]] = [:]
        for account in configuration.accounts { budgets[account.name] = account.requestsPerSecond }
        // The first account's budgets are `http.requestsPerSecond` (a test or a caller may set them there).
        budgets[configuration.accounts[0].name] = configuration.http.requestsPerSecond
        let ledger = configuration.budgetPerProcess ? nil : team
        let transport = logger.map { HTTPTransport(settings: configuration.http, budgets: budgets, ledger: ledger, logger: $0, clock: clock) }
            ?? HTTPTransport(settings: configuration.http, budgets: budgets, ledger: ledger, clock: clock)
        self.transport = transport
        accounts = configuration.accounts.map { account in
            AccountClients(settings: account, kaleyra: KaleyraClient(settings: account.kaleyra, transport: transport, account: account.name),
                           payu: account.payu.map { PayUClient(settings: $0, transport: transport, account: account.name,
                                                                tokenCacheDirectory: tokenCacheDirectory, team: team, now: now) })
        }
        kaleyra = accounts[0].kaleyra
        payu = accounts[0].payu
        self.now = now
    }

    /// The configured accounts' names, in order.
    public var accountNames: [String] { accounts.map(\.name) }

    /// The clients of the account of that name (compared without regard to case).
    public func account(named name: String) -> AccountClients? {
        accounts.first { $0.name.lowercased() == name.lowercased() }
    }

    /// Pauses the APIs asked for that still last, for the dashboard's status line.
    public func slowdowns() async -> [RateSlowdown] {
        await transport.slowdowns()
    }

    /// Throttled answers seen and the pace now, per API with a budget (the first account's, unless
    /// another is named).
    public func budgetState(_ service: Service, account: String? = nil) async -> (throttles: Int, requestsPerSecond: Double)? {
        await transport.budgetState(service, account: account ?? accounts[0].name)
    }

    public func shutdown() async {
        await transport.shutdown()
    }

    /// Where an order is looked up, in turn: its account (every account, in the configuration's
    /// order, when it has none yet), under the phone number id given or the account's own, and
    /// the payment configuration given or each of the account's.
    public func places(account: String?, phoneNumberID: String? = nil, paymentConfigID: String? = nil) throws(RefundWatchError) -> [OrderPlace] {
        let chosen: [AccountClients]
        if let account {
            guard let found = self.account(named: account) else { throw .unknownAccount(name: account, configured: accountNames) }
            chosen = [found]
        } else {
            chosen = accounts
        }
        return chosen.flatMap { clients -> [OrderPlace] in
            if let paymentConfigID { return [OrderPlace(account: clients.name, phoneNumberID: phoneNumberID, paymentConfigID: paymentConfigID)] }
            let configs = clients.settings.kaleyra.paymentConfigIDs
            // An account with one payment configuration: nil stays "the account's".
            if configs.count == 1 { return [OrderPlace(account: clients.name, phoneNumberID: phoneNumberID, paymentConfigID: nil)] }
            return configs.map { OrderPlace(account: clients.name, phoneNumberID: phoneNumberID, paymentConfigID: $0) }
        }
    }

    /// The joined report. Throws only when the WhatsApp side fails; a PayU failure is kept in the
    /// report beside the WhatsApp data. PayU is called once per `payu` transaction, concurrently.
    /// An order without an account is looked up under each account in turn (`locate`).
    public func report(referenceID: String, account: String? = nil, phoneNumberID: String? = nil,
                       paymentConfigID: String? = nil) async throws(RefundWatchError) -> OrderReport {
        try await locate(referenceID: referenceID, account: account, phoneNumberID: phoneNumberID, paymentConfigID: paymentConfigID).report
    }

    /// The report and where it was found: each of `places` in turn until one knows the order. Only
    /// "not found" moves on to the next; any other failure (the network, a refused key) is the
    /// answer, since it says nothing of whether that place knows the order. When none does, with
    /// more than one asked, the error names the accounts asked.
    public func locate(referenceID: String, account: String? = nil, phoneNumberID: String? = nil,
                       paymentConfigID: String? = nil) async throws(RefundWatchError) -> Located {
        let places = try places(account: account, phoneNumberID: phoneNumberID, paymentConfigID: paymentConfigID)
        for place in places {
            do {
                return Located(report: try await report(referenceID: referenceID, at: place), place: place)
            } catch .orderNotFound where places.count > 1 {
                continue
            }
        }
        var names: [String] = []
        for place in places where !names.contains(place.account) { names.append(place.account) }
        throw .orderNotFoundUnderAccounts(referenceID: referenceID, accounts: names, places: places.count)
    }

    /// The joined report from one place.
    private func report(referenceID: String, at place: OrderPlace) async throws(RefundWatchError) -> OrderReport {
        guard let clients = account(named: place.account) else { throw .unknownAccount(name: place.account, configured: accountNames) }
        let payment = try await clients.kaleyra.paymentStatus(referenceID: referenceID, phoneNumberID: place.phoneNumberID, paymentConfigID: place.paymentConfigID)
        let payuResults = await fetchPayU(for: payment.transactions, payu: clients.payu)
        let transactions = payment.transactions.enumerated().map { index, transaction in
            guard let result = payuResults[index] else {
                return TransactionReport(transaction: transaction, refunds: transaction.refunds.map { RefundReport(refund: $0) })
            }
            switch result {
            case .success(let records):
                let joined = RefundMatcher.join(refunds: transaction.refunds, records: records)
                return TransactionReport(transaction: transaction, refunds: joined.refunds, unmatchedPayU: joined.unmatched, payuQueried: true)
            case .failure(.payuUnknownTransaction) where transaction.refunds.isEmpty:
                // PayU answers "0 out of 1 Transactions Fetched" for a payment it has no refunds for.
                return TransactionReport(transaction: transaction, refunds: [], payuQueried: true)
            case .failure(let error):
                return TransactionReport(transaction: transaction, refunds: transaction.refunds.map { RefundReport(refund: $0) },
                                         payuQueried: true, payuError: ReportedError(error))
            }
        }
        return OrderReport(referenceID: referenceID, fetchedAt: now(), payment: payment, transactions: transactions)
    }

    /// PayU's records for each `payu` transaction, by transaction index; nil where PayU is not asked.
    private func fetchPayU(for transactions: [Transaction], payu: PayUClient?) async -> [Int: Result<[PayURefundRecord], RefundWatchError>] {
        guard let payu else { return [:] }
        // A failed attempt with no refunds has nothing for PayU to report.
        let wanted = transactions.enumerated().compactMap { index, transaction in
            transaction.status == .failed && transaction.refunds.isEmpty ? nil : transaction.payuID.map { (index, $0) }
        }
        return await withTaskGroup(of: (Int, Result<[PayURefundRecord], RefundWatchError>).self) { group in
            for (index, payuID) in wanted {
                group.addTask { (index, await Self.refundStatus(payu, payuID: payuID)) }
            }
            var results: [Int: Result<[PayURefundRecord], RefundWatchError>] = [:]
            for await (index, result) in group { results[index] = result }
            return results
        }
    }

    /// PayU's answer for one payu_id as a `Result`. A function of its own on purpose: Swift 6.3.1's
    /// optimizer miscompiles a task group's child closure that returns a tuple from a
    /// `do throws(…)`/`catch` (in release builds the index came back as garbage, and PayU's answer
    /// was lost; a larger tuple corrupted the heap). Debug builds are not affected.
    private static func refundStatus(_ payu: PayUClient, payuID: String) async -> Result<[PayURefundRecord], RefundWatchError> {
        do throws(RefundWatchError) {
            return .success(try await payu.refundStatus(payuID: payuID))
        } catch {
            return .failure(error)
        }
    }
}
