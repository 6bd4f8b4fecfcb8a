@testable import RefundSimulator
import Testing

/// What `simulate --webhook` pushes, and when: each change of the catalogue once, by the call the
/// vendor would make for it. (That `listen` takes each of them is `ListenCommandTests`'.)
struct SimulatorPushTests {
    let catalogue = Catalogue(seed: 42)

    /// A successful PayU refund's ARN, arriving after its outcome, comes by PayU's bulk ARN callback
    /// alone (no refund status callback at that moment), naming the refund's PayU ids.
    @Test func anARNAfterTheOutcomeComesByTheBulkARNCallback() throws {
        let events = PushEvent.all(catalogue)
        var arrivals = 0
        for payu in catalogue.payuTransactions.values {
            for record in payu.records {
                guard case .success(let resolved) = record.outcome, let arnAt = record.arnAt, arnAt != resolved else { continue }
                let at = events.filter { $0.at == arnAt && catalogue.orders[$0.order].payuTransactionIDs.contains(payu.payuID) }
                let named = at.filter {
                    if case .payuARN(let payuID, let requestIDs) = $0.kind { return payuID == payu.payuID && requestIDs.contains(record.requestID) }
                    return false
                }
                #expect(named.count == 1, "\(payu.payuID)/\(record.requestID) at \(arnAt): \(at.map(\.source))")
                #expect(!at.contains {
                    if case .payuStatus(_, let requestID) = $0.kind { return requestID == record.requestID }
                    return false
                }, "\(payu.payuID)/\(record.requestID): a refund status callback as well at \(arnAt)")
                arrivals += 1
            }
        }
        // The demo's day has ARNs arriving: those the scenarios "ARN arrives later" and "multiple refunds" plan.
        #expect(events.filter { $0.source == "payu-arn" && (1...86_400).contains($0.at) }.count >= 10)
        #expect(arrivals >= 50)
    }

    /// Two refunds of one transaction whose ARNs arrive at the same moment are one callback.
    @Test func refundsWhoseARNsArriveTogetherAreOneCallback() throws {
        let together = PushEvent.all(catalogue).compactMap { event -> [String]? in
            if case .payuARN(_, let requestIDs) = event.kind, requestIDs.count > 1 { return requestIDs }
            return nil
        }
        #expect(!together.isEmpty)
    }

    /// The body as PayU's sample writes it: keyed by the merchant's transaction id, each refund
    /// with its ids and amount as text and its times in IST.
    @Test func theBulkARNCallbackIsPayUsShape() throws {
        let order = try #require(catalogue.order("ORD-20261005-2757"))
        let payuID = try #require(order.payuTransactionIDs.first)
        let records = try #require(catalogue.payuTransactions[payuID]?.records)
        let record = try #require(records.first)
        let arnAt = try #require(record.arnAt)
        // The ARN arrives at 2026-11-30 06:23:20 IST.
        let moment = Moment(elapsed: arnAt, anchorEpoch: 1_796_000_000 - arnAt)
        let body = Pusher.arnCallback(payuID: payuID, records: records, at: moment).rendered()
        #expect(body == """
            {
              "TXN\(payuID)": [
                {
                  "PayuID": "\(payuID)",
                  "RequestID": "\(record.requestID)",
                  "RefundToken": "\(record.token)",
                  "PaymentGateway": "UPI",
                  "Amount": "18749.00",
                  "Status": "success",
                  "RefundCreationDate": "\(CivilDate.dateTimeIST(epochSeconds: moment.epoch(record.created)))",
                  "bank_ref_no": "\(record.bankRefNum)",
                  "bank_arn": "\(record.arn)",
                  "success_at": "\(CivilDate.dateTimeIST(epochSeconds: moment.epoch(try #require(record.outcome.resolvedAt))))"
                }
              ]
            }

            """, "\(body)")
        // A moment before the ARN: the callback would say so with a null, as PayU writes unknowns.
        let before = Pusher.arnCallback(payuID: payuID, records: records, at: Moment(elapsed: arnAt - 1, anchorEpoch: moment.anchorEpoch)).rendered()
        #expect(before.contains("\"bank_arn\": null"), "\(before)")
    }

    @Test func timesAreWrittenInIndiaStandardTime() {
        #expect(CivilDate.dateTimeIST(epochSeconds: 1_796_000_000) == "2026-11-30 06:23:20")
        #expect(CivilDate.dateTimeIST(epochSeconds: 0) == "1970-01-01 05:30:00")
        #expect(CivilDate.dateTimeIST(epochSeconds: -19_800) == "1970-01-01 00:00:00")
        #expect(CivilDate.dateTimeIST(epochSeconds: -19_801) == "1969-12-31 23:59:59")
    }
}
