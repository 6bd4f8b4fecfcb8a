import Foundation
import Testing
@testable import RefundKit
@testable import RefundModel

/// Kaleyra bodies the simulator does not send but the real API (or Meta behind it) may.
@Suite struct KaleyraResponseTests {
    private func response(_ status: Int, _ body: String, headers: [String: String] = [:]) -> TransportResponse {
        TransportResponse(status: status, headers: headers, body: Data(body.utf8))
    }

    private func error(_ status: Int, _ body: String, headers: [String: String] = [:]) -> RefundWatchError? {
        do throws(RefundWatchError) {
            _ = try KaleyraResponse.payment(from: response(status, body, headers: headers), referenceID: "ORD-1")
            return nil
        } catch {
            return error
        }
    }

    @Test func metasGenericErrorListIsReadWithCodeAndDetails() {
        let found = error(400, #"{"errors": [{"code": 131009, "title": "Parameter value is not valid", "details": "reference_id is too long"}]}"#)
        #expect(found == .meta(MetaError(message: "Parameter value is not valid", code: 131009, details: "reference_id is too long", httpStatus: 400)))
        #expect(found?.message.contains("reference_id is too long") == true)
        #expect(found?.message.contains("131009") == true)
    }

    @Test func metaThrottlingCodesAreRateLimitsWhateverTheStatus() {
        let body = #"{"error": {"message": "(#80007) Rate limit issues", "type": "OAuthException", "code": 80007, "fbtrace_id": "Axyz"}}"#
        #expect(error(400, body, headers: ["retry-after": "30"]) == .rateLimited(.kaleyra, retryAfter: 30))
        #expect(error(400, body)?.category == .rateLimited)
    }

    @Test func anEmptyPaymentsListIsNotFound() {
        #expect(error(200, #"{"payments": []}"#) == .orderNotFound(referenceID: "ORD-1"))
    }

    @Test func anErrorBodySentWithA200StillGetsItsMessage() {
        #expect(error(200, #"{"code": "WA002", "message": "Solution ID mapping not present", "data": null}"#)
            == .accountNotSetUp(code: "WA002", message: "Solution ID mapping not present"))
    }

    @Test func aPaymentForAnotherReferenceIsNotTakenWhenTheRightOneIsThere() throws {
        let body = #"{"payments": [{"reference_id": "ORD-2", "status": "pending"}, {"reference_id": "ORD-1", "status": "captured"}]}"#
        let payment = try KaleyraResponse.payment(from: response(200, body), referenceID: "ORD-1")
        #expect(payment.referenceID == "ORD-1")
        #expect(payment.status == .captured)
    }

    @Test func unknownStatusesWithoutABodyAreServerErrorsWithTheStatus() {
        #expect(error(503, #"{"message": "upstream busy"}"#) == .server(.kaleyra, status: 503, message: "upstream busy"))
        #expect(error(504, "") == .unreadableResponse(.kaleyra, status: 504, body: .empty))
        #expect(error(502, "<html><head><title>502 Bad Gateway</title></head></html>")
            == .unreadableResponse(.kaleyra, status: 502, body: .html(title: "502 Bad Gateway")))
    }
}
