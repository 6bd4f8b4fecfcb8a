import Foundation
import Testing
@testable import RefundKit
@testable import RefundModel
import RefundSimulator
import TestSupport

/// The PayU client and the join, against the simulator.
@Suite struct PayUClientTests {
    private func payuRequests(_ harness: Harness) -> [ReceivedRequest] {
        harness.simulator.receivedRequests().filter { !$0.rawPath.hasPrefix("/v1/") }
    }

    @Test func postSendsTheDocumentedJSONAndBearerToken() async throws {
        let harness = try await Harness.start()
        let report = try await harness.withService { try await $0.report(referenceID: harness.order(.multipleRefunds)) }
        let request = try #require(payuRequests(harness).first)
        await harness.stop()
        let payuID = try #require(report.transactions.compactMap(\.transaction.payuID).first)
        #expect(request.method == "POST")
        #expect(request.header("authorization") == "Bearer \(TestSecrets.bearerToken)")
        let body = try #require(JSONSerialization.jsonObject(with: Data(request.body.utf8)) as? [String: String])
        let credentials = harness.simulator.options.credentials
        #expect(body == [
            "merchant_id": credentials.merchantID,
            "payu_id": payuID,
            "reseller_id": credentials.resellerID,
            "hash": PayUHash.compute(merchantID: credentials.merchantID, payuID: payuID, clientSecret: TestSecrets.clientSecret),
        ])
    }

    @Test func getSendsQueryParameters() async throws {
        let harness = try await Harness.start(method: .get)
        let report = try await harness.withService { try await $0.report(referenceID: harness.order(.multipleRefunds)) }
        let request = try #require(payuRequests(harness).first)
        await harness.stop()
        #expect(request.method == "GET")
        let query = try #require(request.query)
        let items = URLComponents(string: "http://x/?" + query)?.queryItems ?? []
        let payuID = try #require(report.transactions.compactMap(\.transaction.payuID).first)
        #expect(items.first { $0.name == "payu_id" }?.value == payuID)
        #expect(items.first { $0.name == "hash" }?.value?.count == 128)
        #expect(report.transactions.allSatisfy { $0.payuError == nil })
        #expect(report.allRefunds.contains { $0.refund.payu != nil })
    }

    @Test func refundsJoinByRequestID() async throws {
        let harness = try await Harness.start()
        let report = try await harness.withService { try await $0.report(referenceID: harness.order(.multipleRefunds)) }
        await harness.stop()
        let refunds = report.allRefunds.map(\.refund)
        #expect(refunds.count >= 2)
        for joined in refunds {
            #expect(joined.payu != nil, "refund \(joined.refund.id) has no PayU record")
            #expect(joined.match == .requestID)
            #expect(joined.payu?.requestID == joined.refund.id)
        }
    }

    @Test func aRecordWithAnotherIdJoinsByAmountAndStrayRecordsAreKept() async throws {
        let harness = try await Harness.start()
        let amountReport = try await harness.withService { try await $0.report(referenceID: harness.order(.amountMatchedPayURecord)) }
        let strayReport = try await harness.withService { try await $0.report(referenceID: harness.order(.unmatchedPayURecord)) }
        await harness.stop()
        let byAmount = try #require(amountReport.allRefunds.first { $0.refund.match == .amount }?.refund)
        #expect(byAmount.payu?.amount?.isSameAmount(as: try #require(byAmount.refund.amount)) == true)
        #expect(byAmount.payu?.requestID != byAmount.refund.id)
        #expect(strayReport.transactions.contains { !$0.unmatchedPayU.isEmpty })
    }

    @Test func nonPayUGatewaysAreNotSentToPayU() async throws {
        let harness = try await Harness.start()
        let report = try await harness.withService { try await $0.report(referenceID: harness.order(.razorpay)) }
        let requests = payuRequests(harness)
        await harness.stop()
        #expect(report.transactions.allSatisfy { $0.transaction.gateway == .razorpay && !$0.payuQueried })
        #expect(requests.isEmpty)
    }

    @Test func aPayUFailureKeepsTheWhatsAppData() async throws {
        // PayU's retries wait on a test clock, moved to the end of each back-off: only PayU's 5xx
        // can end them, never the call's deadline on a busy machine.
        let clock = WatchedClock()
        let harness = try await Harness.start(faults: try FaultSpec.parse("payu:5xx=1.0"), clock: clock)
        let report = try await clock.driving(Task { try await harness.withService { try await $0.report(referenceID: harness.order(.multipleRefunds)) } },
                                             "the lookup")
        await harness.stop()
        let transaction = try #require(report.transactions.first { $0.payuQueried })
        #expect(!transaction.refunds.isEmpty)
        #expect(transaction.refunds.allSatisfy { $0.payu == nil })
        #expect(transaction.payuError?.category == .server)
        #expect(transaction.payuError?.service == .payu)
    }

    @Test func anUnknownPayUIDIsReportedBesideTheOrder() async throws {
        let harness = try await Harness.start()
        let report = try await harness.withService { try await $0.report(referenceID: harness.order(.unknownPayUID)) }
        await harness.stop()
        let transaction = try #require(report.transactions.first { $0.payuError != nil })
        #expect(transaction.payuError?.category == .notFound)
        #expect(transaction.payuError?.message.contains("0 out of 1 Transactions Fetched Successfully") == true)
    }

    @Test func wrongTokenHashAndPartnerAreAuthenticationErrors() async throws {
        let harness = try await Harness.start()
        let id = harness.order(.multipleRefunds)
        let payuID = try await harness.withService { service in
            try await service.report(referenceID: id).transactions.compactMap(\.transaction.payuID).first!
        }
        var cases: [(RefundWatchError, (inout PayUSettings) -> Void)] = [
            (.payuTokenRejected, { $0.bearerToken = Secret("expired-token") }),
            (.payuHashRejected, { $0.clientSecret = Secret("wrong-secret") }),
            (.payuHashRejected, { $0.merchantID = "1111111" }),
        ]
        cases.append((.payuPartnerRejected(message: "Partner with UUID not-a-partner is not allowed to do this action"), { $0.resellerID = "not-a-partner" }))
        for (expected, change) in cases {
            var settings = try #require(harness.configuration.payu)
            change(&settings)
            let client = PayUClient(settings: settings, transport: HTTPTransport(settings: harness.configuration.http))
            do throws(RefundWatchError) {
                _ = try await client.refundStatus(payuID: payuID)
                Issue.record("expected \(expected)")
            } catch {
                #expect(error == expected)
                #expect(error.category == .authentication)
                #expect(TestSecrets.leaked(in: error.message).isEmpty)
            }
            await client.transport.shutdown()
        }
        await harness.stop()
    }

    @Test func noSecretAppearsInAnyErrorOrReport() async throws {
        let harness = try await Harness.start()
        var texts: [String] = []
        for scenario in Scenario.allCases {
            let id = harness.order(scenario)
            let report = try await harness.withService { try await $0.report(referenceID: id) }
            texts.append(String(decoding: try report.jsonData(), as: UTF8.self))
        }
        let changes: [(inout RefundConfiguration) -> Void] = [
            { $0.kaleyra.apiKey = Secret("x") },
            { $0.payu?.bearerToken = Secret("y") },
            { $0.payu?.clientSecret = Secret("z") },
        ]
        for change in changes {
            let error = try await harness.lookupError(harness.order(.multipleRefunds), change)
            texts.append(error?.message ?? "")
            let report = try? await harness.withService(change) { try await $0.report(referenceID: harness.order(.multipleRefunds)) }
            texts.append(report.flatMap { try? String(decoding: $0.jsonData(), as: UTF8.self) } ?? "")
        }
        texts.append(String(describing: harness.configuration))
        await harness.stop()
        #expect(TestSecrets.leaked(in: texts.joined(separator: "\n")).isEmpty)
    }
}

/// Every shape of PayU answer read straight from a status and a body, without a server: error
/// bodies, pages, malformed JSON and errors sent with a 200 keep their categories and messages.
@Suite struct PayUResponseTests {
    private let payuID = "403993715529606983"

    private func read(_ status: Int, _ body: String, headers: [String: String] = [:]) -> Result<[PayURefundRecord], RefundWatchError> {
        do throws(RefundWatchError) {
            return .success(try PayUResponse.records(from: TransportResponse(status: status, headers: headers, body: Data(body.utf8)), payuID: payuID))
        } catch {
            return .failure(error)
        }
    }

    private func error(_ status: Int, _ body: String, headers: [String: String] = [:]) -> RefundWatchError? {
        if case .failure(let error) = read(status, body, headers: headers) { return error }
        return nil
    }

    /// What `decodeRecords` alone says of a body: the message a records body that does not decode gets.
    private func recordsError(_ body: String) -> RefundWatchError? {
        do throws(RefundWatchError) {
            _ = try PayUResponse.decodeRecords(Data(body.utf8), payuID: payuID)
            return nil
        } catch {
            return error
        }
    }

    private func fixture(_ name: String) throws -> String {
        String(decoding: try FixtureLoader.data("payu/\(name)"), as: UTF8.self)
    }

    @Test func documentedErrorBodies() throws {
        #expect(error(401, try fixture("error-401-invalid-token.json")) == .payuTokenRejected)
        #expect(error(403, try fixture("error-403-invalid-hash.json")) == .payuHashRejected)
        #expect(error(403, #"{"message": "Forbidden"}"#) == .payuTokenRejected)
        #expect(error(400, try fixture("error-400-invalid-partner.json"))
            == .payuPartnerRejected(message: "Partner with UUID 1211212213r is not allowed to do this action"))
        #expect(error(500, try fixture("error-500-internal.json")) == .server(.payu, status: 500, message: "PayU Internal Server Error"))
        #expect(error(429, #"{"message": "Too many requests"}"#, headers: ["retry-after": "30"]) == .rateLimited(.payu, retryAfter: 30))
        #expect(error(418, #"{"message": "Teapot", "status": 0}"#) == .server(.payu, status: 418, message: "Teapot"))
    }

    @Test func errorsInsideA200() throws {
        #expect(error(200, #"{"message": "Invalid Hash"}"#) == .payuHashRejected)
        #expect(error(200, #"{"message": "Invalid Auth token", "status": 0}"#) == .payuTokenRejected)
        #expect(error(200, #"{"message": "try later"}"#) == .server(.payu, status: 200, message: "try later"))
        // Three keys are not an error body: the body is read as records, and "message" is not one.
        let three = #"{"message": "x", "a": {}, "b": {}}"#
        #expect(error(200, three) == recordsError(three))
        #expect(recordsError(three) != nil)
        // A message that is not a string is not an error message either.
        #expect(error(200, #"{"message": 5}"#) == recordsError(#"{"message": 5}"#))
        #expect(error(200, #"{"message": null}"#) == recordsError(#"{"message": null}"#))
    }

    @Test func keyedUnknownTransaction() throws {
        let body = try fixture("error-400-invalid-payu-id.json")
        let expected = RefundWatchError.payuUnknownTransaction(payuID: "403991552886474500", description: "0 out of 1 Transactions Fetched Successfully")
        #expect(error(400, body) == expected)
        #expect(error(200, body) == expected)
        #expect(error(200, #"{" 42 ": {"errorCode": "400"}}"#) == .payuUnknownTransaction(payuID: "42", description: "error 400"))
        #expect(error(200, #"{"42": {"errorCode": 404, "description": 7}}"#) == .payuUnknownTransaction(payuID: "42", description: "error 404"))
        #expect(error(200, #"{"42": {"errorCode": 4.5}}"#) == .payuUnknownTransaction(payuID: "42", description: "error 4.5"))
        #expect(error(200, #"{"42": {"errorCode": true}}"#) == .payuUnknownTransaction(payuID: "42", description: "error 1"))
        #expect(error(200, #"{"42": {"errorCode": null}}"#) == .payuUnknownTransaction(payuID: "42", description: "error <null>"))
        // A short body with a message is read as a message first; a longer one by its keyed error.
        #expect(error(404, #"{"42": {"errorCode": "E1", "description": "gone"}, "message": "m"}"#) == .server(.payu, status: 404, message: "m"))
        #expect(error(404, #"{"42": {"errorCode": "E1", "description": "gone"}, "message": "m", "x": 1}"#)
            == .payuUnknownTransaction(payuID: "42", description: "gone"))
    }

    @Test func pagesEmptyBodiesAndMalformedJSON() {
        #expect(error(502, "<html><head><title>502 Bad Gateway</title></head></html>")
            == .unreadableResponse(.payu, status: 502, body: .html(title: "502 Bad Gateway")))
        #expect(error(200, "  \n") == .unreadableResponse(.payu, status: 200, body: .empty))
        #expect(error(429, "", headers: ["retry-after": "5"]) == .rateLimited(.payu, retryAfter: 5))
        #expect(error(429, "<html></html>") == .rateLimited(.payu, retryAfter: nil))
        let notAnObject = RefundWatchError.unreadableResponse(.payu, status: 200, body: .malformedJSON("not a JSON object"))
        #expect(error(200, #"{"403993715529606983": {"#) == notAnObject)
        #expect(error(200, "[1, 2]") == notAnObject)
        #expect(error(200, #""text""#) == notAnObject)
        #expect(error(200, "Service Unavailable") == notAnObject)
        #expect(error(400, "{oops") == .unreadableResponse(.payu, status: 400, body: .malformedJSON("not a JSON object")))
        #expect(error(503, "{oops") == .server(.payu, status: 503, message: nil))
        #expect(error(429, "{oops", headers: ["retry-after": "2"]) == .rateLimited(.payu, retryAfter: 2))
    }

    @Test func statusesWithoutAMessage() {
        #expect(error(401, "{}") == .payuTokenRejected)
        #expect(error(404, #"{"foo": "bar"}"#) == .server(.payu, status: 404, message: nil))
        #expect(error(429, #"{"foo": "bar"}"#, headers: ["retry-after": "9"]) == .rateLimited(.payu, retryAfter: 9))
        // A records body with a non-200 status is still an error.
        #expect(error(500, #"{"42": {"R1": {"amt": "1.00"}}}"#) == .server(.payu, status: 500, message: nil))
    }

    @Test func recordsAndBodiesThatAreNotRecords() throws {
        guard case .success(let records) = read(200, try fixture("refund-status-success.json")) else {
            Issue.record("the success fixture did not decode")
            return
        }
        #expect(records == (try FixtureLoader.payuRecords("payu/refund-status-success.json", payuID: payuID)))
        #expect(records.map(\.requestID) == ["135843655", "135848905"])
        guard case .success(let none) = read(200, "{}") else {
            Issue.record("an empty object is no records")
            return
        }
        #expect(none.isEmpty)
        for body in [#"{"42": "abc"}"#, #"{"42": {"R1": 5}}"#, #"{"42": [1]}"#] {
            #expect(error(200, body) == recordsError(body))
            if case .unreadableResponse(.payu, status: 200, body: .malformedJSON(let detail))? = error(200, body) {
                #expect(detail != "not a JSON object")
            } else {
                Issue.record("\(body) should be an unreadable response")
            }
        }
    }

    /// Records are sorted by request id as `localizedStandardCompare` sorts them; plain numbers
    /// are compared by value without it, which must give the same order.
    @Test func requestIDsSortAsLocalizedStandardCompareDoes() {
        var ids = ["1", "2", "9", "10", "11", "99", "100", "135843655", "135848905", "206583464", "657476385",
                   "999999999999999999", "100000000000000000", "1000000000000000000", "0", "00", "007", "7", "070",
                   "R1", "R10", "R2", "r2", "abc", "", " 12", "12 ", "1.5", "-3", "١٢"]
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<60 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let length = Int(seed >> 60) % 18 + 1
            ids.append(String(String(seed >> 1).prefix(length)))
        }
        for a in ids {
            for b in ids {
                #expect(PayUResponse.precedes(a, b) == (a.localizedStandardCompare(b) == .orderedAscending), "\(a) against \(b)")
            }
        }
        let records = ["10", "9", "R2", "100", "R10"].map { PayURefundRecord(key: $0) }
        #expect(PayUResponse.ordered(records).map(\.key) == ["9", "10", "100", "R2", "R10"])
    }
}
