import Foundation
import Testing
@testable import RefundKit
@testable import RefundModel
import RefundSimulator
import TestSupport

/// The Kaleyra client against the simulator over real HTTP on loopback.
@Suite struct KaleyraClientTests {
    @Test func capturedOrderWithoutRefunds() async throws {
        let harness = try await Harness.start()
        let id = harness.order(.capturedNoRefunds)
        let report = try await harness.withService { try await $0.report(referenceID: id) }
        await harness.stop()
        #expect(report.referenceID == id)
        #expect(report.payment.status == .captured)
        #expect(report.payment.amount != nil)
        #expect(report.transactions.count == 1)
        #expect(report.transactions[0].refunds.isEmpty)
    }

    @Test func pendingOrderHasNoTransactions() async throws {
        let harness = try await Harness.start()
        let report = try await harness.withService { try await $0.report(referenceID: harness.order(.pendingNoTransactions)) }
        await harness.stop()
        #expect(report.payment.status == .pending)
        #expect(report.transactions.isEmpty)
    }

    @Test func sendsApiKeyHeaderAndTheDocumentedPath() async throws {
        let harness = try await Harness.start()
        let id = harness.order(.capturedNoRefunds)
        _ = try await harness.withService { try await $0.kaleyra.paymentStatus(referenceID: id) }
        let request = try #require(harness.simulator.receivedRequests().first)
        await harness.stop()
        let credentials = harness.simulator.options.credentials
        #expect(request.method == "GET")
        #expect(request.rawPath == "/v1/\(credentials.sid)/wrapper/\(credentials.phoneNumberID)/payments/\(credentials.paymentConfigID)/\(id)")
        #expect(request.header("api-key") == TestSecrets.apiKey)
    }

    @Test(arguments: ["a/b", "..", ".", "../../admin", "ORD?x=1", "ORD#frag", "ORD 42", "ऑर्डर-₹-🙂", "100%", "a%2Fb"])
    func referenceIdStaysOnePathSegment(id: String) async throws {
        let harness = try await Harness.start()
        let error = try await harness.lookupError(id)
        let requests = harness.simulator.receivedRequests()
        await harness.stop()
        // Not in the catalogue: the simulator says so, which proves the request reached the payments route.
        #expect(error == .orderNotFound(referenceID: id))
        let request = try #require(requests.first)
        #expect(requests.count == 1)
        #expect(Array(request.pathSegments.suffix(7)) == ["v1", harness.simulator.options.credentials.sid, "wrapper",
                                                         harness.simulator.options.credentials.phoneNumberID, "payments",
                                                         harness.simulator.options.credentials.paymentConfigID, id])
        #expect(request.query == nil)
        #expect(!request.rawPath.contains("?") && !request.rawPath.contains("#") && !request.rawPath.contains(" "))
    }

    @Test(arguments: ["", "   ", "ORD\n42", "ORD\t42", "ORD\u{7}", "ORD\u{7f}", "\r"])
    func invalidIdsAreRefusedBeforeAnyRequest(id: String) async throws {
        let harness = try await Harness.start()
        let error = try await harness.lookupError(id)
        let requests = harness.simulator.receivedRequests()
        await harness.stop()
        guard case .invalidReferenceID = error else {
            Issue.record("expected invalidReferenceID, got \(String(describing: error))")
            return
        }
        #expect(requests.isEmpty)
        #expect(error?.category == .badInput)
        #expect(!(error?.message.contains("\n") ?? true))
    }

    @Test func wrongApiKeyIsAnAuthenticationError() async throws {
        let harness = try await Harness.start()
        let error = try await harness.lookupError(harness.order(.capturedNoRefunds)) { $0.kaleyra.apiKey = Secret("wrong-key") }
        await harness.stop()
        #expect(error == .kaleyraAuthentication(message: "Incorrect SID or API key."))
        #expect(error?.category == .authentication)
        #expect(error?.message.contains("api_key") == true)
    }

    @Test func wrongSidIsAnAuthenticationError() async throws {
        let harness = try await Harness.start()
        let error = try await harness.lookupError(harness.order(.capturedNoRefunds)) { $0.kaleyra.sid = "HXWRONG" }
        await harness.stop()
        #expect(error?.category == .authentication)
    }

    @Test func numberNotSetUpIsWA002() async throws {
        let harness = try await Harness.start()
        let error = try await harness.lookupError(harness.order(.capturedNoRefunds)) { $0.kaleyra.phoneNumberID = "919999999999" }
        await harness.stop()
        #expect(error == .accountNotSetUp(code: "WA002", message: "Solution ID mapping not present"))
        #expect(error?.category == .configuration)
        #expect(error?.message.contains("phone_number_id") == true)
    }

    @Test func wrongPaymentConfigurationIsAMetaError() async throws {
        let harness = try await Harness.start()
        let error = try await harness.lookupError(harness.order(.capturedNoRefunds)) { $0.kaleyra.paymentConfigID = "nope" }
        await harness.stop()
        guard case .meta(let meta) = error else {
            Issue.record("expected a Meta error, got \(String(describing: error))")
            return
        }
        #expect(meta.code == 134009)
        #expect(meta.details == "payment_configuration_id is invalid")
        let trace = try #require(meta.fbtraceID)
        #expect(error?.message.contains(trace) == true)
        #expect(error?.message.contains("134009") == true)
        #expect(error?.category == .configuration)
    }

    @Test func unknownReferenceIsNotFound() async throws {
        let harness = try await Harness.start()
        let error = try await harness.lookupError(Catalogue.unknownReferenceID)
        await harness.stop()
        #expect(error == .orderNotFound(referenceID: Catalogue.unknownReferenceID))
        #expect(error?.category == .notFound)
    }

    @Test func connectionRefused() async throws {
        let harness = try await Harness.start()
        await harness.stop()
        try await withRefusingLoopbackPort { port in
            let error = try await harness.lookupError("ORD-1") { $0.kaleyra.baseURL = "http://127.0.0.1:\(port)" }
            #expect(error == .connectionRefused(.kaleyra, host: "127.0.0.1:\(port)"))
            #expect(error?.category == .network)
        }
    }
}
