import Clocks
import Foundation
import RefundKit
@testable import RefundSimulator
import Testing
import TestSupport

/// End-to-end checks of the simulator over real HTTP, with `curl` as an independent client
/// (so these tests do not depend on RefundKit's own HTTP client being right).
@Suite(.serialized)
struct SimulatorSmokeTests {
    static let fixedStart = Date(timeIntervalSince1970: 1_795_000_000)

    // MARK: - Catalogue

    @Test func catalogueCoversEveryScenarioWithFortyOrMoreOrders() {
        let catalogue = Catalogue(seed: 42)
        #expect(catalogue.orders.count >= 40)
        for scenario in Scenario.allCases {
            #expect(!catalogue.orders(in: scenario).isEmpty, "no order for \(scenario)")
        }
        let ids = catalogue.orders.map(\.referenceID)
        #expect(Set(ids).count == ids.count)
        #expect(catalogue.order(Catalogue.unknownReferenceID) == nil)
        #expect(ids.allSatisfy { $0.range(of: #"^ORD-2026\d{4}-\d{4}$"#, options: .regularExpression) != nil })
        #expect(catalogue.orders.allSatisfy { (9_900...25_000_000).contains($0.amountPaise) })
        #expect(catalogue.orders.contains { $0.amountPaise > 10_000_000 })
    }

    @Test func sameSeedSameCatalogueOtherSeedOtherIDs() {
        let first = Catalogue(seed: 42).orders.map { "\($0.referenceID) \($0.amountPaise) \($0.payuTransactionIDs)" }
        let again = Catalogue(seed: 42).orders.map { "\($0.referenceID) \($0.amountPaise) \($0.payuTransactionIDs)" }
        let other = Catalogue(seed: 7).orders.map { "\($0.referenceID) \($0.amountPaise) \($0.payuTransactionIDs)" }
        #expect(first == again)
        #expect(first != other)
    }

    // MARK: - Kaleyra

    @Test func kaleyraAnswersCatalogueOrdersAndEachAuthError() async throws {
        try await withSimulator(options: SimulatorOptions(startDate: Self.fixedStart)) { simulator in
            let order = try #require(simulator.catalogue.orders(in: .refundInProgress).first)

            let ok = try await Curl.kaleyra(simulator, referenceID: order.referenceID)
            #expect(ok.status == 200)
            let payment = try #require(ok.json?["payments"] as? [[String: Any]]).first
            #expect(payment?["reference_id"] as? String == order.referenceID)

            let badKey = try await Curl.kaleyra(simulator, referenceID: order.referenceID, apiKey: "wrong")
            #expect(badKey.status == 401 && badKey.body.contains("\"RBC001\""))
            let noKey = try await Curl.kaleyra(simulator, referenceID: order.referenceID, apiKey: nil)
            #expect(noKey.status == 401)
            let badSID = try await Curl.kaleyra(simulator, referenceID: order.referenceID, sid: "HXWRONG")
            #expect(badSID.status == 401 && badSID.body.contains("Incorrect SID or API key."))
            let badPhone = try await Curl.kaleyra(simulator, referenceID: order.referenceID, phone: "911111111111")
            #expect(badPhone.status == 400 && badPhone.body.contains("\"WA002\""))
            let badConfig = try await Curl.kaleyra(simulator, referenceID: order.referenceID, config: "nope")
            #expect(badConfig.status == 400 && badConfig.body.contains("134009"))
            let unknown = try await Curl.kaleyra(simulator, referenceID: Catalogue.unknownReferenceID)
            #expect(unknown.status == 404 && unknown.body.contains("\"code\": 100"))
            #expect(simulator.receivedRequests().count == 7)
        }
    }

    @Test func encodedSlashStaysOneSegment() async throws {
        try await withSimulator(options: SimulatorOptions()) { simulator in
            let answer = try await Curl.kaleyra(simulator, encodedReferenceID: "a%2Fb%20%3F%23..")
            #expect(answer.status == 404)
            #expect(answer.body.contains("No payment found for reference_id a/b ?#.."))
            let seen = try #require(simulator.receivedRequests().last)
            #expect(seen.rawPath.hasSuffix("/a%2Fb%20%3F%23.."))
            #expect(seen.pathSegments.count == 7)
            #expect(seen.pathSegments.last == "a/b ?#..")
            #expect(seen.header("API-KEY") == SimulatorCredentials.demo.apiKey)
        }
    }

    @Test func clockAtSpeedSixtyMovesARefundFromPendingToSuccess() async throws {
        // The simulator's time runs on a test clock here, which the test moves: 2.3 s of it are
        // 138 simulated seconds at speed 60, however long the machine takes.
        let clock = TestClock<Duration>()
        var options = SimulatorOptions(speed: 60, startDate: Self.fixedStart)
        options.clock = clock
        try await withSimulator(options: options) { simulator in
            // The first refund-in-progress order succeeds at +2 simulated minutes: 2 seconds here.
            let order = try #require(simulator.catalogue.orders(in: .refundInProgress).first)
            let before = try await Curl.kaleyra(simulator, referenceID: order.referenceID)
            #expect(before.body.contains("\"status\": \"pending\""))
            await clock.advance(by: .milliseconds(2_300))
            #expect(simulator.now().timeIntervalSince(Self.fixedStart) == 138)
            let after = try await Curl.kaleyra(simulator, referenceID: order.referenceID)
            #expect(after.body.contains("\"status\": \"success\""))
            #expect(!after.body.contains("\"status\": \"pending\""))
        }
    }

    @Test func sameSeedAndTimeGiveByteIdenticalBodies() async throws {
        let options = SimulatorOptions(startDate: Self.fixedStart)
        try await withSimulator(options: options) { one in
            try await withSimulator(options: options) { two in
                for order in one.catalogue.orders {
                    let first = try await Curl.kaleyra(one, referenceID: order.referenceID)
                    let second = try await Curl.kaleyra(two, referenceID: order.referenceID)
                    #expect(first.status == 200)
                    #expect(first.body == second.body, "\(order.referenceID) differs")
                }
            }
        }
    }

    // MARK: - PayU

    /// PayU's token endpoint: both grants, rotation (a refresh token works once), tokens the
    /// refund status endpoint takes until `created_at + expires_in` and then answers 401, OAuth's
    /// errors, and the count of token requests.
    @Test func payuTokensRotateExpireAndAreCounted() async throws {
        var options = SimulatorOptions(startDate: Self.fixedStart)
        options.tokenLifetime = 30
        try await withSimulator(options: options) { simulator in
            let credentials = simulator.options.credentials
            let settled = try #require(simulator.catalogue.orders(in: .settled).first?.payuTransactionIDs.first)

            let first = try await Curl.token(simulator, ["grant_type": "refresh_token", "client_id": credentials.clientID,
                                                         "refresh_token": credentials.refreshToken])
            #expect(first.status == 200, "\(first.body)")
            let access = try #require(first.json?["access_token"] as? String)
            let refresh = try #require(first.json?["refresh_token"] as? String)
            #expect(first.json?["token_type"] as? String == "Bearer")
            #expect(first.json?["expires_in"] as? Int == 30)
            let createdAt = try #require(first.json?["created_at"] as? Int)
            #expect(abs(createdAt - Int(simulator.now().timeIntervalSince1970)) <= 2)
            #expect(refresh != credentials.refreshToken)

            // The access token opens the refund status endpoint until it expires.
            #expect(try await Curl.payu(simulator, payuID: settled, token: access).status == 200)
            simulator.advanceClock(by: 31)
            let expired = try await Curl.payu(simulator, payuID: settled, token: access)
            #expect(expired.status == 401 && expired.json?["message"] as? String == "Invalid Auth token")
            // The fixed bearer token still works.
            #expect(try await Curl.payu(simulator, payuID: settled).status == 200)

            // A used refresh token is refused; the newest one works (with the secret, checked when sent).
            let reused = try await Curl.token(simulator, ["grant_type": "refresh_token", "client_id": credentials.clientID,
                                                          "refresh_token": credentials.refreshToken])
            #expect(reused.status == 400 && reused.json?["error"] as? String == "invalid_grant")
            let wrongSecret = try await Curl.token(simulator, ["grant_type": "refresh_token", "client_id": credentials.clientID,
                                                               "client_secret": "nope", "refresh_token": refresh])
            #expect(wrongSecret.status == 401 && wrongSecret.json?["error"] as? String == "invalid_client")
            let second = try await Curl.token(simulator, ["grant_type": "refresh_token", "client_id": credentials.clientID,
                                                          "client_secret": credentials.clientSecret, "refresh_token": refresh])
            #expect(second.status == 200, "\(second.body)")
            let secondAccess = try #require(second.json?["access_token"] as? String)
            #expect(try await Curl.payu(simulator, payuID: settled, token: secondAccess).status == 200)

            // The authorization code works once; unknown grants are named.
            let code = ["grant_type": "authorization_code", "client_id": credentials.clientID, "client_secret": credentials.clientSecret,
                        "code": credentials.authorizationCode, "redirect_uri": "http://localhost/callback"]
            #expect(try await Curl.token(simulator, code).status == 200)
            #expect(try await Curl.token(simulator, code).json?["error"] as? String == "invalid_grant")
            #expect(try await Curl.token(simulator, ["grant_type": "password", "client_id": credentials.clientID]).json?["error"] as? String
                    == "unsupported_grant_type")

            // Revoked: every refresh token is refused.
            simulator.revokeRefreshTokens()
            let newest = try #require(second.json?["refresh_token"] as? String)
            let revoked = try await Curl.token(simulator, ["grant_type": "refresh_token", "client_id": credentials.clientID, "refresh_token": newest])
            #expect(revoked.status == 400 && revoked.json?["error"] as? String == "invalid_grant")
            #expect(simulator.tokenRequestCount() == 8)
        }
    }

    @Test func payuAnswersEachDocumentedCase() async throws {
        try await withSimulator(options: SimulatorOptions(startDate: Self.fixedStart)) { simulator in
            let settled = try #require(simulator.catalogue.orders(in: .settled).first?.payuTransactionIDs.first)

            let post = try await Curl.payu(simulator, payuID: settled)
            #expect(post.status == 200)
            let records = try #require(post.json?[settled] as? [String: Any])
            #expect(records.count == 1)
            #expect(post.body.contains("\"mihpayid\": \(settled),"))
            let get = try await Curl.payu(simulator, payuID: settled, method: "GET")
            #expect(get.status == 200 && get.body == post.body)

            let badToken = try await Curl.payu(simulator, payuID: settled, token: "expired")
            #expect(badToken.status == 401 && badToken.body.contains("Invalid Auth token"))
            let badReseller = try await Curl.payu(simulator, payuID: settled, resellerID: "1211212213r")
            #expect(badReseller.status == 400 && badReseller.body.contains("Partner with UUID 1211212213r is not allowed"))
            let badHash = try await Curl.payu(simulator, payuID: settled, hash: String(repeating: "0", count: 128))
            #expect(badHash.status == 403 && badHash.body.contains("Invalid Hash"))
            let unknownID = try #require(simulator.catalogue.orders(in: .unknownPayUID).first?.payuTransactionIDs.first)
            let unknown = try await Curl.payu(simulator, payuID: unknownID)
            #expect(unknown.status == 400)
            #expect(unknown.body.contains("\"\(unknownID)\"") && unknown.body.contains("0 out of 1 Transactions Fetched Successfully"))
        }
    }

    // MARK: - Faults

    @Test func countedServerErrorThenHealthy() async throws {
        try await withSimulator(options: SimulatorOptions(faults: try FaultSpec.parse("5xx=x1"))) { simulator in
            let order = try #require(simulator.catalogue.orders.first)
            let failed = try await Curl.kaleyra(simulator, referenceID: order.referenceID)
            #expect([500, 503].contains(failed.status))
            let healthy = try await Curl.kaleyra(simulator, referenceID: order.referenceID)
            #expect(healthy.status == 200)

            simulator.setFaults(try FaultSpec.parse("payu:429=x1,retry-after=3,kaleyra:html=x1,empty=x1"))
            let throttled = try await Curl.payu(simulator, payuID: order.payuTransactionIDs.first ?? "")
            #expect(throttled.status == 429 && throttled.headers.lowercased().contains("retry-after: 3"))
            let html = try await Curl.kaleyra(simulator, referenceID: order.referenceID)
            #expect(html.status == 502 && html.body.contains("<center>nginx</center>"))
            let empty = try await Curl.payu(simulator, payuID: order.payuTransactionIDs.first ?? "")
            #expect(empty.status == 502 && empty.body.isEmpty)
            #expect(try await Curl.kaleyra(simulator, referenceID: order.referenceID).status == 200)

            simulator.setFaults(try FaultSpec.parse("malformed=x1"))
            let malformed = try await Curl.kaleyra(simulator, referenceID: order.referenceID)
            #expect(malformed.status == 200 && !malformed.body.isEmpty && malformed.json == nil)
        }
    }

    @Test func latencyDelaysEveryAnswer() async throws {
        try await withSimulator(options: SimulatorOptions(latency: try LatencySpec.parse("300+-50"))) { simulator in
            let started = ContinuousClock.now
            let answer = try await Curl.kaleyra(simulator, referenceID: Catalogue.unknownReferenceID)
            #expect(answer.status == 404)
            #expect(started.duration(to: .now) >= .milliseconds(250))
        }
    }

    /// Stopping the simulator ends a response it holds back: curl sees the connection cut (not its
    /// own two-minute limit), and the stop returns (the time limit only bounds a stop that never does).
    @Test(.timeLimit(.minutes(1))) func hangingResponseDoesNotBlockStop() async throws {
        let simulator = try await RunningSimulator.start(SimulatorOptions(faults: try FaultSpec.parse("hang=x1")))
        let order = try #require(simulator.catalogue.orders.first)
        async let hung = Curl.kaleyra(simulator, referenceID: order.referenceID, maxTime: 120)
        do {
            try await waitUntil("the simulator has the request it holds back") { !simulator.receivedRequests().isEmpty }
        } catch {
            await simulator.stop()
            throw error
        }
        await simulator.stop()
        let answer = try await hung
        #expect(answer.curlExit != 0, "a hung response must not complete: HTTP \(answer.status), curl exit \(answer.curlExit)")
        #expect(answer.curlExit != 28, "curl gave up by its own limit: the stop did not end the response")
    }

    @Test func faultAndLatencySyntax() throws {
        let spec = try FaultSpec.parse("kaleyra:5xx=0.2, payu:429=x2,malformed=0.05,retry-after=4")
        #expect(spec.items.count == 3)
        #expect(spec.retryAfterSeconds(for: .payu) == 4)
        #expect(try FaultSpec.parse(spec.description) == spec)
        #expect(try FaultSpec.parse("none") == .none)
        for bad in ["5xx", "boom=0.1", "5xx=2", "5xx=x0", "mars:5xx=0.1", "5xx=0.7,429=0.5"] {
            #expect(throws: SimulatorError.self) { try FaultSpec.parse(bad) }
        }
        do {
            _ = try FaultSpec.parse("5xx=0.2,boom=1")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("boom=1") && "\(error)".contains("KIND=VALUE"))
        }
        #expect(try LatencySpec.parse("50") == LatencySpec(fixedMilliseconds: 50, jitterMilliseconds: 0))
        #expect(try LatencySpec.parse("50+-20") == LatencySpec(fixedMilliseconds: 50, jitterMilliseconds: 20))
        #expect(try LatencySpec.parse("50~20") == LatencySpec(fixedMilliseconds: 50, jitterMilliseconds: 20))
        #expect(throws: SimulatorError.self) { try LatencySpec.parse("fast") }
    }

    @Test func demoConfigurationPointsAtThisServer() async throws {
        try await withSimulator(options: SimulatorOptions()) { simulator in
            let toml = simulator.demoConfigurationTOML()
            #expect(toml.contains("base_url = \"http://127.0.0.1:\(simulator.port)\"\n"))
            #expect(toml.contains("refund_status_url = \"\(simulator.payuRefundStatusURL)\"\n"))
            #expect(toml.hasPrefix("refresh_interval = 30\nconcurrency = 8\n[kaleyra]\n"))
        }
    }
}

/// `curl` through the tests' process runner, its answer read back from files.
enum Curl {
    struct Answer: Sendable {
        var status: Int
        var headers: String
        var body: String
        var curlExit: Int32
        var json: [String: Any]? {
            (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]
        }
    }

    static func kaleyra(_ simulator: RunningSimulator, referenceID: String, sid: String? = nil, apiKey: String? = SimulatorCredentials.demo.apiKey,
                        phone: String? = nil, config: String? = nil, maxTime: Int = 10) async throws -> Answer {
        let encoded = referenceID.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? referenceID
        return try await kaleyra(simulator, encodedReferenceID: encoded, sid: sid, apiKey: apiKey, phone: phone, config: config, maxTime: maxTime)
    }

    static func kaleyra(_ simulator: RunningSimulator, encodedReferenceID: String, sid: String? = nil, apiKey: String? = SimulatorCredentials.demo.apiKey,
                        phone: String? = nil, config: String? = nil, maxTime: Int = 10) async throws -> Answer {
        let credentials = simulator.options.credentials
        let url = "\(simulator.kaleyraBaseURL)/v1/\(sid ?? credentials.sid)/wrapper/\(phone ?? credentials.phoneNumberID)/payments/"
            + "\(config ?? credentials.paymentConfigID)/\(encodedReferenceID)"
        var arguments = ["--path-as-is", "-m", String(maxTime), url]
        if let apiKey { arguments += ["-H", "api-key: \(apiKey)"] }
        return try await run(arguments)
    }

    static func payu(_ simulator: RunningSimulator, payuID: String, method: String = "POST", token: String? = nil,
                     resellerID: String? = nil, hash: String? = nil) async throws -> Answer {
        let credentials = simulator.options.credentials
        let fields = [
            ("merchant_id", credentials.merchantID),
            ("payu_id", payuID),
            ("reseller_id", resellerID ?? credentials.resellerID),
            ("hash", hash ?? PayUHash.compute(merchantID: credentials.merchantID, payuID: payuID, clientSecret: credentials.clientSecret)),
        ]
        var arguments = ["-m", "10", "-H", "Authorization: Bearer \(token ?? credentials.bearerToken)"]
        if method == "GET" {
            let query = fields.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
            arguments.append("\(simulator.payuRefundStatusURL)?\(query)")
        } else {
            let body = "{" + fields.map { "\"\($0.0)\": \"\($0.1)\"" }.joined(separator: ", ") + "}"
            arguments += ["-X", "POST", "-H", "Content-Type: application/json", "--data-binary", body, simulator.payuRefundStatusURL]
        }
        return try await run(arguments)
    }

    /// A form-encoded POST to the PayU token endpoint.
    static func token(_ simulator: RunningSimulator, _ form: [String: String]) async throws -> Answer {
        var arguments = ["-m", "10", "-X", "POST"]
        for (name, value) in form.sorted(by: { $0.key < $1.key }) { arguments += ["--data-urlencode", "\(name)=\(value)"] }
        return try await run(arguments + [simulator.payuTokenURL])
    }

    static func run(_ arguments: [String]) async throws -> Answer {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sim-smoke-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let bodyFile = directory.appendingPathComponent("body")
        let headerFile = directory.appendingPathComponent("headers")
        // curl's own -m bounds each request; the runner's timeout is there for a curl that hangs anyway.
        let outcome = try await ProcessRunner.run(ProcessCommand("/usr/bin/curl", ["-s", "-o", bodyFile.path, "-D", headerFile.path] + arguments,
                                                                 timeout: .seconds(60)))
        let exit = outcome.status
        let headers = (try? String(contentsOf: headerFile, encoding: .utf8)) ?? ""
        let body = (try? String(contentsOf: bodyFile, encoding: .utf8)) ?? ""
        let statusLine = headers.split(separator: "\r\n").first ?? ""
        let status = statusLine.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return Answer(status: status, headers: headers, body: body, curlExit: exit)
    }
}
