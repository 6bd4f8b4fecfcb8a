import Foundation
import Logging

/// Looks up one order on both APIs and joins them into an `OrderReport`.
///
/// One service holds the one shared `HTTPTransport`; create it once, use it from any task, and call
/// `shutdown()` at the end.
public final class RefundService: Sendable {
    public let configuration: RefundConfiguration
    public let kaleyra: KaleyraClient
    public let payu: PayUClient?
    private let transport: HTTPTransport
    private let now: @Sendable () -> Date

    /// `tokenCacheDirectory`: where `[payu.oauth]` keeps its token cache (the state folder); nil
    /// keeps tokens in memory only. `now` stamps reports and times token expiry. `clock` times
    /// every wait of the HTTP layer (the request budget, back-off, deadlines): a test passes a
    /// clock it moves itself.
    public init(configuration: RefundConfiguration, logger: Logger? = nil, tokenCacheDirectory: String? = nil,
                now: @escaping @Sendable () -> Date = { Date() }, clock: any Clock<Duration> = ContinuousClock()) {
        self.configuration = configuration
        let transport = logger.map { HTTPTransport(settings: configuration.http, logger: $0, clock: clock) }
            ?? HTTPTransport(settings: configuration.http, clock: clock)
        self.transport = transport
        kaleyra = KaleyraClient(settings: configuration.kaleyra, transport: transport)
        payu = configuration.payu.map { PayUClient(settings: $0, transport: transport, tokenCacheDirectory: tokenCacheDirectory, now: now) }
        self.now = now
    }

    /// Pauses the APIs asked for that still last, for the dashboard's status line.
    public func slowdowns() async -> [RateSlowdown] {
        await transport.slowdowns()
    }

    /// Throttled answers seen and the pace now, per API with a budget.
    public func budgetState(_ service: Service) async -> (throttles: Int, requestsPerSecond: Double)? {
        await transport.budgetState(service)
    }

    public func shutdown() async {
        await transport.shutdown()
    }

    /// The joined report. Throws only when the WhatsApp side fails; a PayU failure is kept in the
    /// report beside the WhatsApp data. PayU is called once per `payu` transaction, concurrently.
    public func report(referenceID: String, phoneNumberID: String? = nil, paymentConfigID: String? = nil) async throws(RefundWatchError) -> OrderReport {
        let payment = try await kaleyra.paymentStatus(referenceID: referenceID, phoneNumberID: phoneNumberID, paymentConfigID: paymentConfigID)
        let payuResults = await fetchPayU(for: payment.transactions)
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
    private func fetchPayU(for transactions: [Transaction]) async -> [Int: Result<[PayURefundRecord], RefundWatchError>] {
        guard let payu else { return [:] }
        // A failed attempt with no refunds has nothing for PayU to report.
        let wanted = transactions.enumerated().compactMap { index, transaction in
            transaction.status == .failed && transaction.refunds.isEmpty ? nil : transaction.payuID.map { (index, $0) }
        }
        return await withTaskGroup(of: (Int, Result<[PayURefundRecord], RefundWatchError>).self) { group in
            for (index, payuID) in wanted {
                group.addTask {
                    do throws(RefundWatchError) {
                        return (index, .success(try await payu.refundStatus(payuID: payuID)))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            var results: [Int: Result<[PayURefundRecord], RefundWatchError>] = [:]
            for await (index, result) in group { results[index] = result }
            return results
        }
    }
}
