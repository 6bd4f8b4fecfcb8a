import Crypto
import Foundation
import RefundJobs
import RefundKit
import Testing

/// What each source's push names, read from bodies shaped as the vendors publish them (the
/// fixtures in Pushes/: Kaleyra's payment webhook with its one `transaction` object, Meta's
/// statuses, PayU's refund status callback with string and numeric ids, its dashboard webhook as
/// a form, its bulk ARN callback), and what a body that cannot be read is answered.
@Suite struct PushPayloadTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Pushes")

    func fixture(_ name: String) throws -> Data { try Data(contentsOf: Self.folder.appendingPathComponent(name)) }

    func names(_ source: PushSource, _ name: String, contentType: String? = nil) throws -> PushNames {
        try PushPayload.names(source, contentType: contentType, body: try fixture(name))
    }

    func rejection(_ source: PushSource, _ body: String, contentType: String? = nil) -> PushRejection? {
        do {
            _ = try PushPayload.names(source, contentType: contentType, body: Data(body.utf8))
            return nil
        } catch {
            return error
        }
    }

    // MARK: Kaleyra and Meta

    @Test func kaleyrasPaymentUpdateNamesItsReferenceID() throws {
        let names = try names(.kaleyra, "kaleyra-payment.json", contentType: "application/json")
        #expect(names.referenceIDs == ["ORD-20261130-0042"])
        #expect(names.payuIDs.isEmpty, "a Razorpay transaction names no PayU payment")
        #expect(names.statuses == ["captured"])
        #expect(names.ignored == nil)
    }

    @Test func aPayUTransactionInKaleyrasUpdateNamesItsPayUPaymentToo() throws {
        // One `transaction` object (the lookup's is an array), amounts as strings, a refund in it.
        let names = try names(.kaleyra, "kaleyra-payment-payu-refund.json")
        #expect(names.referenceIDs == ["ORD-20261130-0043"])
        #expect(names.payuIDs == ["23907365951"])
    }

    @Test func metasStatusesNameTheirReferenceIDs() throws {
        let names = try names(.kaleyra, "meta-payment.json")
        #expect(names.referenceIDs == ["ORD-20261130-0044"])
        #expect(names.payuIDs == ["403993715528864745"], "18 digits kept whole")
    }

    @Test func aMessageStatusThatIsNoPaymentIsAcceptedAndIgnored() throws {
        let names = try names(.kaleyra, "kaleyra-delivered.json")
        #expect(names.isEmpty)
        #expect(names.ignored == "a message status (\"text\"), not a payment")
        let meta = try PushPayload.names(.kaleyra, contentType: nil, body: Data(#"{"object":"whatsapp_business_account","entry":[{"changes":[{"value":{"messages":[]}}]}]}"#.utf8))
        #expect(meta.isEmpty && meta.ignored != nil)
    }

    @Test func aKaleyraPaymentThatCannotBeReadIsRefusedWithItsReason() {
        #expect(rejection(.kaleyra, #"{"type":"payment","payment":{"currency":"INR"}}"#) == PushRejection(status: 400, "payment.reference_id is missing"))
        #expect(rejection(.kaleyra, #"{"type":"payment"}"#) == PushRejection(status: 400, "a payment update without its \"payment\" object"))
        let hostile = rejection(.kaleyra, "{\"type\":\"payment\",\"payment\":{\"reference_id\":\"ORD-1\\u001b[2J\"}}")
        #expect(hostile?.status == 400)
        #expect(hostile?.reason.contains("is not a WhatsApp reference id") == true, "\(String(describing: hostile))")
        #expect(hostile.map { !$0.reason.unicodeScalars.contains { $0.value == 0x1B } } == true, "the escape is never sent back raw")
        #expect(rejection(.kaleyra, "\"payment\"") == PushRejection(status: 400, "expected a JSON object"))
        #expect(rejection(.kaleyra, #"[{"type":"payment","payment":{"reference_id":"ORD-1"}}, 3]"#) == PushRejection(status: 400, "expected JSON objects in the list"))
    }

    // MARK: PayU

    @Test func theRefundStatusCallbackNamesThePayUPaymentTheRefundAndTheMerchantsTransaction() throws {
        let success = try names(.payuRefundStatus, "payu-refund-status-success.json", contentType: "application/json")
        #expect(success.payuIDs == ["27553369917"])
        #expect(success.requestIDs == ["11865427000"])
        #expect(success.merchantTxnIDs == ["ORDER_0042_1764497702"])
        #expect(success.statuses == ["success"])
        // PayU's failure sample: the payment id padded with spaces, numbers where strings were.
        let failure = try names(.payuRefundStatus, "payu-refund-status-failure.json")
        #expect(failure.payuIDs == ["23907365951"])
        #expect(failure.requestIDs == ["17265314530"])
        #expect(failure.statuses == ["failure"])
    }

    @Test func theDashboardsRefundWebhookIsAFormOrJSON() throws {
        let form = try names(.payuWebhook, "payu-refund-webhook.form", contentType: "application/x-www-form-urlencoded")
        #expect(form.payuIDs == ["23907365951"])
        #expect(form.requestIDs == ["17265314530"])
        #expect(form.merchantTxnIDs == ["ORDER_0043_1764497802"])
        #expect(form.statuses == ["success"])
        // Without a content type, the body says which it is.
        #expect(try names(.payuWebhook, "payu-refund-webhook.form") == form)
        #expect(try names(.payuWebhook, "payu-refund-status-success.json").payuIDs == ["27553369917"])
        // The refund status callback as a form, too.
        #expect(try PushPayload.names(.payuRefundStatus, contentType: nil, body: Data("mihpayid=27553369917&status=failure".utf8)).payuIDs == ["27553369917"])
    }

    @Test func theBulkARNCallbackNamesEveryRefundsPayment() throws {
        let names = try names(.payuARN, "payu-arn-callback.json")
        #expect(names.merchantTxnIDs == ["ORDER_0042_1764497702", "ORDER_0043_1764497802"])
        #expect(names.payuIDs == ["27553369917", "23907365951"], "string and numeric ids alike")
        #expect(names.requestIDs == ["11865427000", "17265314530"])
    }

    @Test func aPayUPushThatCannotBeReadIsRefusedWithItsReason() {
        #expect(rejection(.payuWebhook, "mihpayid=1&status=success&mihpayid=2")
                == PushRejection(status: 400, "the form gives the key \"mihpayid\" more than once"))
        #expect(rejection(.payuWebhook, "status=success&amount=1.00") == PushRejection(status: 400, "names no PayU payment: expected mihpayid (or merchantTxnId / txnid)"))
        #expect(rejection(.payuWebhook, "mihpayid=%ZZ1") == PushRejection(status: 400, "the form has a broken %-escape near \"%ZZ1\""))
        #expect(rejection(.payuWebhook, "=1&mihpayid=2") == PushRejection(status: 400, "the form has a value without a key"))
        #expect(rejection(.payuRefundStatus, #"{"mihpayid": "1; DROP TABLE"}"#)?.reason
                == "mihpayid \"1; DROP TABLE\" is not an id (letters, digits, _ - . : /, at most 64 characters)")
        #expect(rejection(.payuRefundStatus, #"{"mihpayid": true}"#)?.reason == "names no PayU payment: expected mihpayid (or merchantTxnId / txnid)")
        #expect(rejection(.payuARN, #"{"T1": {"PayuID": "1"}}"#) == PushRejection(status: 400, "\"T1\": expected a list of refunds"))
        #expect(rejection(.payuARN, "[]") == PushRejection(status: 400, "expected a JSON object of refunds by the merchant's transaction id"))
        #expect(rejection(.payuARN, #"{"T1": [{"PayuID": "\#(String(repeating: "9", count: 65))"}]}"#)?.status == 400)
    }

    @Test func aBodyThatIsNotJSONIsRefusedNeverACrash() {
        let truncated = rejection(.payuRefundStatus, #"{"mihpayid": "27553369917", "status": "succ"#, contentType: "application/json")
        #expect(truncated?.status == 400)
        #expect(truncated?.reason.hasPrefix("the body is not JSON") == true, "\(String(describing: truncated))")
        #expect(rejection(.kaleyra, "") == PushRejection(status: 400, "the body is empty"))
        #expect(rejection(.kaleyra, "\u{FF}\u{FE}") != nil)
        // Nested far deeper than any push: refused by the decoder, not a stack overflow.
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(rejection(.kaleyra, deep)?.status == 400)
        #expect(rejection(.payuARN, String(repeating: "{\"a\":", count: 50_000))?.status == 400)
    }
}

/// Each way a source proves where its push comes from, as `[listen.SOURCE]` sets it.
@Suite struct PushAuthTests {
    let body = Data(#"{"type":"payment","payment":{"reference_id":"ORD-1"}}"#.utf8)

    @Test func aSharedSecretInAHeader() {
        let auth = PushAuth(header: .init(name: "X-Kaleyra-Secret", secret: Secret("s3cr3t-value")))
        #expect(auth.check(peer: "198.51.100.7", headers: ["x-kaleyra-secret": "s3cr3t-value"], body: body) == nil)
        let wrong = auth.check(peer: "198.51.100.7", headers: ["x-kaleyra-secret": "s3cr3t-valuE"], body: body)
        #expect(wrong == PushRejection(status: 401, "the header x-kaleyra-secret does not hold the secret"))
        #expect(auth.check(peer: "198.51.100.7", headers: [:], body: body) == PushRejection(status: 401, "the header x-kaleyra-secret is missing"))
        #expect(!String(describing: wrong).contains("s3cr3t"), "a reason never holds a secret")
    }

    @Test func basicAuthentication() {
        let auth = PushAuth(basic: .init(user: "kaleyra", password: Secret("pa:ss")))
        func header(_ pair: String) -> [String: String] { ["authorization": "Basic " + Data(pair.utf8).base64EncodedString()] }
        #expect(auth.check(peer: "198.51.100.7", headers: header("kaleyra:pa:ss"), body: body) == nil, "a colon in the password is the password's")
        #expect(auth.check(peer: "198.51.100.7", headers: header("kaleyra:pass"), body: body) == PushRejection(status: 401, "basic authentication failed"))
        #expect(auth.check(peer: "198.51.100.7", headers: header("other:pa:ss"), body: body) == PushRejection(status: 401, "basic authentication failed"))
        #expect(auth.check(peer: "198.51.100.7", headers: ["authorization": "Bearer x"], body: body) == PushRejection(status: 401, "basic authentication is missing"))
        #expect(auth.check(peer: "198.51.100.7", headers: ["authorization": "Basic %%%"], body: body) == PushRejection(status: 401, "basic authentication is missing"))
    }

    @Test func anAllowListOfAddressesAndTheProxysForwardedFor() throws {
        let auth = PushAuth(allow: [try #require(AddressRange("203.0.113.0/24")), try #require(AddressRange("2001:db8::/32"))],
                            proxies: [try #require(AddressRange("127.0.0.1"))])
        #expect(auth.check(peer: "203.0.113.9", headers: [:], body: body) == nil)
        #expect(auth.check(peer: "2001:db8::1", headers: [:], body: body) == nil)
        #expect(auth.check(peer: "::ffff:203.0.113.9", headers: [:], body: body) == nil, "an IPv4-mapped address is its IPv4 address")
        #expect(auth.check(peer: "198.51.100.7", headers: [:], body: body) == PushRejection(status: 401, "the client 198.51.100.7 is not in the allowed addresses"))
        // Behind the proxy, the forwarded address is the client's.
        #expect(auth.check(peer: "127.0.0.1", headers: ["x-forwarded-for": "203.0.113.9"], body: body) == nil)
        #expect(auth.check(peer: "127.0.0.1", headers: ["x-forwarded-for": "198.51.100.7"], body: body)
                == PushRejection(status: 401, "the client 198.51.100.7 is not in the allowed addresses"))
        // A client that writes its own X-Forwarded-For: only the last hop the proxy added counts.
        #expect(auth.check(peer: "127.0.0.1", headers: ["x-forwarded-for": "203.0.113.9, 198.51.100.7"], body: body)?.status == 401)
        // From an address that is not the proxy's, X-Forwarded-For is not believed.
        #expect(auth.check(peer: "198.51.100.7", headers: ["x-forwarded-for": "203.0.113.9"], body: body)
                == PushRejection(status: 401, "the client 198.51.100.7 is not in the allowed addresses"))
        #expect(auth.check(peer: "127.0.0.1", headers: ["x-forwarded-for": "not-an-address"], body: body)
                == PushRejection(status: 401, "the client's address could not be read"))
    }

    @Test func addressRanges() throws {
        let range = try #require(AddressRange("10.1.0.0/17"))
        #expect(range.contains(try #require(IPAddress("10.1.127.255"))))
        #expect(!range.contains(try #require(IPAddress("10.1.128.0"))))
        #expect(!range.contains(try #require(IPAddress("::1"))), "IPv6 is never in an IPv4 range")
        #expect(try #require(AddressRange("0.0.0.0/0")).contains(try #require(IPAddress("198.51.100.7"))))
        #expect(AddressRange("10.0.0.0/33") == nil)
        #expect(AddressRange("10.0.0") == nil)
        #expect(AddressRange("example.com") == nil)
        #expect(try #require(IPAddress("[2001:db8::1]")).description == "2001:db8::1")
        #expect(range.description == "10.1.0.0/17")
    }

    @Test func metasSignatureOfTheRawBody() {
        let secret = "meta-app-secret"
        let auth = PushAuth(metaAppSecret: Secret(secret))
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        let good = "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
        #expect(auth.check(peer: "198.51.100.7", headers: ["x-hub-signature-256": good], body: body) == nil)
        var changed = body
        changed[changed.count - 3] ^= 1
        #expect(auth.check(peer: "198.51.100.7", headers: ["x-hub-signature-256": good], body: changed)
                == PushRejection(status: 401, "X-Hub-Signature-256 does not match the body"))
        #expect(auth.check(peer: "198.51.100.7", headers: ["x-hub-signature-256": "sha1=abc"], body: body)
                == PushRejection(status: 401, "X-Hub-Signature-256 is not sha256=<64 hex digits>"))
        #expect(auth.check(peer: "198.51.100.7", headers: [:], body: body) == PushRejection(status: 401, "X-Hub-Signature-256 is missing"))
    }

    @Test func everyMethodSetMustPass() throws {
        let auth = PushAuth(header: .init(name: "X-Secret", secret: Secret("s")), allow: [try #require(AddressRange("203.0.113.0/24"))])
        #expect(!auth.isOpen)
        #expect(PushAuth().isOpen)
        #expect(auth.check(peer: "203.0.113.1", headers: ["x-secret": "s"], body: body) == nil)
        #expect(auth.check(peer: "198.51.100.7", headers: ["x-secret": "s"], body: body)?.status == 401)
        #expect(auth.check(peer: "203.0.113.1", headers: ["x-secret": "t"], body: body)?.status == 401)
    }
}
