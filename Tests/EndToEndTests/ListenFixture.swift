import Foundation
import Testing
import TestSupport

/// What the `listen` tests share: the secrets and `[listen]` tables they configure, a
/// configuration file written private, `listen` started on any port, and a Kaleyra push.
enum ListenFixture {
    static let pushSecret = "push-TESTSECRET-4e1d"
    static let payuPassword = "payu-push-TESTSECRET-8a20"
    static let order42 = "ORD-20261130-0042"
    static let order43 = "ORD-20261130-0043"

    static let kaleyraHeaders = ["Content-Type": "application/json", "X-Refundwatch-Secret": pushSecret]

    static func environment(_ space: StateWorkspace) -> [String: String] {
        space.environment.merging(["RW_TEST_PUSH_SECRET": pushSecret, "RW_TEST_PAYU_PUSH_PASSWORD": payuPassword]) { $1 }
    }

    static func basic(_ user: String, _ password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }

    /// `[listen]` as the tests run it: any port (--port 0), small limits.
    static let listenTables = listenTables(readTimeout: "2s")

    static func listenTables(readTimeout: String) -> String {
        """

        [listen]
        max_body = 4096
        per_address = 20
        read_timeout = "\(readTimeout)"

        [listen.kaleyra]
        header = "X-Refundwatch-Secret"
        secret_env = "RW_TEST_PUSH_SECRET"

        [listen.payu-refund-status]
        basic_user = "payu"
        basic_password_env = "RW_TEST_PAYU_PUSH_PASSWORD"

        [listen.payu-webhook]
        authentication = "none"

        """
    }

    /// A configuration with a `[kaleyra]` table nothing calls (`listen` fetches nothing) and
    /// `listen` (by default `listenTables`); private, as one with secrets would be.
    static func writeConfiguration(listen: String = listenTables) throws -> String {
        let text = """
            [kaleyra]
            base_url = "http://127.0.0.1:\(closedLoopbackPort())"
            sid = "SID-LISTEN-TEST"
            api_key_env = "RW_TEST_KALEYRA_KEY"
            phone_number_id = "100000000000001"
            payment_config_id = "listen-test"

            """ + listen
        return try privateFile(text)
    }

    /// `text` in a new configuration file readable by its owner only, as one with secrets is.
    static func privateFile(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("refundwatch-listen-\(UUID()).toml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        return path
    }

    static func append(_ text: String, to path: String) throws {
        let handle = try #require(FileHandle(forWritingAtPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
    }

    /// Runs `listen --port 0` on the workspace's store, and `body` with the port it printed.
    static func withListener<T>(space: StateWorkspace, config: String, port: Int = 0, fetching: Bool = false,
                                sourceLocation: SourceLocation = #_sourceLocation,
                                _ body: (RunningProcess, Int) async throws -> T) async throws -> T {
        // Only recording (--no-fetch) unless the test is about listen's own fetching.
        try await CLIRunner.withProcess(["listen", "--port", "\(port)"] + (fetching ? [] : ["--no-fetch"]) + [ "--db", space.db, "--config", config], environment: environment(space), lifetime: 120) { process in
            let line = try await waitFor("listen's line naming its port", timeout: .seconds(30), sourceLocation: sourceLocation,
                                         describe: { _ in "stderr: \(process.stderr)" },
                                         read: { process.stderr.firstMatch(of: #/listening on 127\.0\.0\.1:(\d+): /#) },
                                         until: { $0 != nil || process.hasEnded })
            let port = try #require(line.flatMap { Int($0.1) }, "listen ended before it listened: \(process.stderr)", sourceLocation: sourceLocation)
            #expect(port > 0, sourceLocation: sourceLocation)
            return try await body(process, port)
        }
    }

    /// Kaleyra's payment update as it sends it (a captured payment, a Razorpay transaction).
    static func kaleyraPayment(reference: String) -> String {
        """
        {
          "id": "wamid.HBgMOTE5ODc2NTQzMjEwFQIAERgSQjU4MkE2RjA5QkI3QjE2QkM5AA==",
          "type": "payment",
          "status": "captured",
          "phone_number": "919876543210",
          "created_at": "2026-11-30T10:15:02Z",
          "payment": {
            "reference_id": "\(reference)",
            "currency": "INR",
            "receipt": "receipt-0042",
            "amount": {"value": 129900, "offset": 100},
            "transaction": {
              "id": "pay_Nf3kq7XcZ0aB12",
              "type": "razorpay",
              "status": "success",
              "created_timestamp": 1764497702,
              "updated_timestamp": 1764497710,
              "amount": {"value": 129900, "offset": 100},
              "refunds": null
            }
          }
        }
        """
    }

    static var kaleyraPayment42: String { kaleyraPayment(reference: order42) }

    /// Kaleyra's payment update naming a PayU transaction, for the other order.
    static let kaleyraPayment43 = """
        {
          "id": "wamid.HBgMOTE5ODc2NTQzMjExFQIAERgSQ0U0RjM5QjcyRDE0QjA2QjFEAA==",
          "type": "payment",
          "status": "captured",
          "phone_number": "919876543211",
          "payment": {
            "reference_id": "ORD-20261130-0099",
            "currency": "INR",
            "amount": {"value": "49900", "offset": "100"},
            "transaction": {
              "id": "23907365951",
              "type": "payu",
              "status": "success",
              "created_timestamp": 1764497802,
              "updated_timestamp": 1764584202,
              "amount": {"value": "49900", "offset": "100"},
              "refunds": [
                {"id": "17265314530", "amount": {"value": "49900", "offset": "100"}, "speed_processed": "normal", "status": "completed",
                 "created_timestamp": 1764584102, "updated_timestamp": 1764584202}
              ]
            }
          }
        }
        """

    /// PayU's refund status callback (success).
    static let payuRefundStatus = """
        {
          "additionalValue1": null,
          "bank_arn": 741223908817,
          "refund_mode": "Instant Credit through UPI",
          "bank_ref_num": "741223908817",
          "key": "Qx81Ka",
          "amt": "149.00",
          "remark": null,
          "status": "success",
          "token": "RW-REFUND-0042",
          "mihpayid": "27553369917",
          "request_id": "11865427000",
          "merchantTxnId": "ORDER_0042_1764497702",
          "additionalValue2": null,
          "action": "refund"
        }
        """

    /// PayU's refund webhook, a form.
    static let payuWebhookForm = "mihpayid=23907365951&mode=UPI&status=success&unmappedstatus=refunded&key=Qx81Ka&txnid=ORDER_0043_1764497802&amount=499.00&addedon=2026-12-01+10%3A02%3A11&productinfo=WhatsApp+order&request_id=17265314530&bank_arn=741223900043&field9=Refund+processed+%E2%82%B9499"
}
