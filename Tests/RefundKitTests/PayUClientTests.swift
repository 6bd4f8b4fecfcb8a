import Foundation
import Testing
@testable import RefundKit
import RefundSimulator

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
        let harness = try await Harness.start(faults: try FaultSpec.parse("payu:5xx=1.0"))
        let report = try await harness.withService { try await $0.report(referenceID: harness.order(.multipleRefunds)) }
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
