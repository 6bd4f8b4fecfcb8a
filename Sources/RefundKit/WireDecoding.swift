import Foundation

/// The two APIs' 200 bodies turned into the model exactly as the clients do it, without a request:
/// for benchmarks of decoding and for tools that replay saved bodies.
public enum WireDecoding {
    /// A Get Payment Status body: the payment whose reference id is `referenceID`.
    public static func payment(_ body: Data, referenceID: String) throws(RefundWatchError) -> Payment {
        try KaleyraResponse.payment(from: TransportResponse(status: 200, headers: [:], body: body), referenceID: referenceID)
    }

    /// A WhatsApp Refund Status body: the refund records for `payuID`.
    public static func refundRecords(_ body: Data, payuID: String) throws(RefundWatchError) -> [PayURefundRecord] {
        try PayUResponse.records(from: TransportResponse(status: 200, headers: [:], body: body), payuID: payuID)
    }
}
