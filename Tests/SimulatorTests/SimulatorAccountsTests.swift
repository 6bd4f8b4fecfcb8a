import Clocks
import Foundation
import RefundKit
@testable import RefundSimulator
import Testing
import TestSupport

/// The simulator serving several accounts, checked over real HTTP with `curl`: each order belongs
/// to one account and one of its payment configurations, and answers only there, as Kaleyra and
/// PayU would.
@Suite(.serialized)
struct SimulatorAccountsTests {
    static let fixedStart = Date(timeIntervalSince1970: 1_795_000_000)

    /// Two demo accounts: "default" (today's `.demo`) and "north" (two payment configurations).
    static func twoAccounts(seed: UInt64 = 42) -> SimulatorOptions {
        SimulatorOptions(seed: seed, startDate: fixedStart, accounts: SimulatorCredentials.demoAccounts(2))
    }

    // MARK: - Demo accounts and options

    @Test func demoAccountsAreFixedAndDistinct() throws {
        #expect(SimulatorCredentials.demoAccount(0) == .demo)
        #expect(SimulatorCredentials.demo.name == "default")
        #expect(SimulatorCredentials.demo.paymentConfigIDs == ["refundwatch_demo_config"])
        let north = SimulatorCredentials.demoAccount(1)
        #expect(north.name == "north")
        #expect(north.sid == "HXDEMO0000001IN")
        #expect(north.apiKey == "Ademo0000000000000000000000000002")
        #expect(north.phoneNumberID == "919000000002")
        #expect(north.paymentConfigIDs == ["refundwatch_north_config", "refundwatch_north_config_2"])
        #expect(north.paymentConfigID == "refundwatch_north_config")
        #expect(north.merchantID == "8244520")
        #expect(north.clientID == "refundwatch-north-client")
        #expect(north.bearerToken == "north-bearer-token")
        #expect(north.refreshToken == "north-refresh-token")
        #expect(SimulatorCredentials.demoAccount(2).name == "south")
        #expect(SimulatorCredentials.demoAccount(2).paymentConfigIDs.count == 1)
        let many = SimulatorCredentials.demoAccounts(8)
        #expect(many.map(\.name) == ["default", "north", "south", "east", "west", "central", "account7", "account8"])
        #expect(many.allSatisfy { $0.sid.hasPrefix("HX") && $0.sid.hasSuffix("IN") && $0.sid.count == SimulatorCredentials.demo.sid.count })
        for path: KeyPath<SimulatorCredentials, String> in [\.sid, \.apiKey, \.phoneNumberID, \.merchantID, \.clientID, \.clientSecret,
                                                            \.bearerToken, \.refreshToken, \.resellerID] {
            #expect(Set(many.map { $0[keyPath: path] }).count == many.count)
        }

        var options = SimulatorOptions()
        #expect(options.accounts == [.demo])
        try options.useDemoAccounts(3)
        #expect(options.accounts.map(\.name) == ["default", "north", "south"])
        // `credentials` is the first account, read and written.
        var renamed = SimulatorCredentials.demo
        renamed.apiKey = "another-key"
        options.credentials = renamed
        #expect(options.accounts[0].apiKey == "another-key" && options.accounts.count == 3)
        options.credentials.paymentConfigID = "changed"
        #expect(options.accounts[0].paymentConfigIDs == ["changed"])
        #expect(throws: SimulatorError.self) { try options.useDemoAccounts(0) }
        #expect(try SimulatorOptions.parseAccountCount(" 4 ") == 4)
        for bad in ["0", "-1", "two", "", "21"] {
            #expect(throws: SimulatorError.self) { try SimulatorOptions.parseAccountCount(bad) }
        }
    }

    @Test func accountsThatClashAreRefusedAtStart() async throws {
        var twins = SimulatorOptions()
        var other = SimulatorCredentials.demoAccount(1)
        other.sid = SimulatorCredentials.demo.sid
        twins.accounts = [.demo, other]
        await #expect(throws: SimulatorError.self) { _ = try await RunningSimulator.start(twins) }
        var empty = SimulatorOptions()
        empty.accounts = []
        await #expect(throws: SimulatorError.self) { _ = try await RunningSimulator.start(empty) }
    }

    // MARK: - Owners

    @Test func ownerSplitIsStableSpreadAndOneAccountOwnsEverything() async throws {
        // FNV-1a's published 64-bit vectors: the hash is fixed forever.
        #expect(OrderOwnership.fnv1a("") == 0xCBF2_9CE4_8422_2325)
        #expect(OrderOwnership.fnv1a("a") == 0xAF63_DC4C_8601_EC8C)
        try await withSimulator(options: Self.twoAccounts()) { one in
            try await withSimulator(options: Self.twoAccounts()) { two in
                let first = one.catalogue.orders.map { one.owner(of: $0.referenceID).map { "\($0.account)/\($0.paymentConfigID)" } }
                let second = two.catalogue.orders.map { two.owner(of: $0.referenceID).map { "\($0.account)/\($0.paymentConfigID)" } }
                #expect(first == second)
                #expect(!first.contains(nil))
                let north = SimulatorCredentials.demoAccount(1)
                var counts: [String: Int] = [:]
                for owner in first.compactMap({ $0 }) { counts[owner, default: 0] += 1 }
                // Every (account, configuration) pair has orders: none holds them all.
                #expect(Set(counts.keys) == ["default/refundwatch_demo_config", "north/\(north.paymentConfigIDs[0])",
                                             "north/\(north.paymentConfigIDs[1])"], "\(counts)")
                #expect(one.orders(ofAccount: "north").count == counts.filter { $0.key.hasPrefix("north/") }.values.reduce(0, +))
                #expect(one.orders(ofAccount: "north", paymentConfigID: north.paymentConfigIDs[1]).count
                        == counts["north/\(north.paymentConfigIDs[1])"])
                #expect(one.owner(of: Catalogue.unknownReferenceID) == nil)
            }
        }
        try await withSimulator(options: SimulatorOptions(startDate: Self.fixedStart)) { simulator in
            #expect(simulator.accounts == [.demo])
            #expect(simulator.catalogue.orders.allSatisfy {
                simulator.owner(of: $0.referenceID).map { $0 == ("default", "refundwatch_demo_config") } ?? false
            })
        }
    }

    // MARK: - Kaleyra

    @Test func kaleyraAnswersAnOrderOnlyUnderItsAccountAndConfiguration() async throws {
        try await withSimulator(options: Self.twoAccounts()) { simulator in
            let main = SimulatorCredentials.demo
            let north = SimulatorCredentials.demoAccount(1)
            let mainOrder = try #require(simulator.orders(ofAccount: "default").first).referenceID
            let northFirst = try #require(simulator.orders(ofAccount: "north", paymentConfigID: north.paymentConfigIDs[0]).first).referenceID
            let northSecond = try #require(simulator.orders(ofAccount: "north", paymentConfigID: north.paymentConfigIDs[1]).first).referenceID
            let unknown = try await Self.kaleyra(simulator, Catalogue.unknownReferenceID, as: main)
            #expect(unknown.status == 404)

            // Its own account and configuration: 200.
            let ok = try await Self.kaleyra(simulator, mainOrder, as: main)
            #expect(ok.status == 200 && ok.body.contains("\"reference_id\": \"\(mainOrder)\""))
            #expect(try await Self.kaleyra(simulator, northFirst, as: north).status == 200)
            let second = try await Self.kaleyra(simulator, northSecond, as: north, config: north.paymentConfigIDs[1])
            #expect(second.status == 200 && second.body.contains("\"reference_id\": \"\(northSecond)\""))

            // Another account's SID, number and configuration, or its own account's other
            // configuration: Kaleyra's "payment not found", exactly as for an unknown order.
            let misplaced = [
                try await Self.kaleyra(simulator, mainOrder, as: north),
                try await Self.kaleyra(simulator, mainOrder, as: north, config: north.paymentConfigIDs[1]),
                try await Self.kaleyra(simulator, northFirst, as: main),
                try await Self.kaleyra(simulator, northFirst, as: north, config: north.paymentConfigIDs[1]),
                try await Self.kaleyra(simulator, northSecond, as: north),
            ]
            let asked = [mainOrder, mainOrder, northFirst, northFirst, northSecond]
            for (answer, referenceID) in zip(misplaced, asked) {
                #expect(answer.status == 404, "\(referenceID): \(answer.status)")
                #expect(answer.body.contains("\"code\": 100") && answer.body.contains("No payment found for reference_id \(referenceID)"))
                #expect(Self.withoutTrace(answer.body).replacingOccurrences(of: referenceID, with: "ID")
                        == Self.withoutTrace(unknown.body).replacingOccurrences(of: Catalogue.unknownReferenceID, with: "ID"))
            }

            // Auth against any account, then that account's number and configuration, in Kaleyra's order.
            let wrongKey = try await Self.kaleyra(simulator, northFirst, as: north, apiKey: main.apiKey)
            #expect(wrongKey.status == 401 && wrongKey.body.contains("\"RBC001\"") && wrongKey.body.contains("Incorrect SID or API key."))
            let unknownSID = try await Self.kaleyra(simulator, northFirst, as: north, sid: "HXNOBODY000000IN")
            #expect(unknownSID.status == 401 && unknownSID.body.contains("\"RBC001\""))
            let otherNumber = try await Self.kaleyra(simulator, northFirst, as: north, phone: main.phoneNumberID)
            #expect(otherNumber.status == 400 && otherNumber.body.contains("\"WA002\""))
            let otherConfig = try await Self.kaleyra(simulator, northFirst, as: north, config: main.paymentConfigID)
            #expect(otherConfig.status == 400 && otherConfig.body.contains("134009"))
            let otherConfigUnknownOrder = try await Self.kaleyra(simulator, Catalogue.unknownReferenceID, as: north, config: main.paymentConfigID)
            #expect(otherConfigUnknownOrder.status == 400, "the configuration is checked before the order")

            // The log and the counts name the account each request authenticated as.
            let log = simulator.receivedRequests()
            #expect(log.count == 14)
            #expect(log.map(\.account) == ["default", "default", "north", "north", "north", "north", "default", "north", "north",
                                           nil, nil, "north", "north", "north"])
            #expect(simulator.requestCounts(account: "default") == (kaleyra: 3, payu: 0))
            #expect(simulator.requestCounts(account: "north") == (kaleyra: 9, payu: 0))
            #expect(simulator.requestCounts(account: nil) == (kaleyra: 2, payu: 0))
            #expect(simulator.requestCounts() == (kaleyra: 14, payu: 0))
            #expect(simulator.requestCounts(account: "nobody") == (kaleyra: 0, payu: 0))
        }
    }

    // MARK: - PayU

    @Test func payuAnswersRecordsOnlyToTheOwnersMerchant() async throws {
        try await withSimulator(options: Self.twoAccounts()) { simulator in
            let main = SimulatorCredentials.demo
            let north = SimulatorCredentials.demoAccount(1)
            let mainID = try #require(Self.answeredPayUID(simulator, account: "default"))
            let northID = try #require(Self.answeredPayUID(simulator, account: "north"))

            let own = try await Self.payu(simulator, mainID, as: main)
            #expect(own.status == 200 && own.json?[mainID] != nil, "\(own.body)")
            let northOwn = try await Self.payu(simulator, northID, as: north)
            #expect(northOwn.status == 200 && northOwn.json?[northID] != nil, "\(northOwn.body)")

            // Another account's transaction: exactly PayU's answer for a payu_id it does not know.
            let neverIssued = "99999999999"
            #expect(simulator.catalogue.payuTransactions[neverIssued] == nil)
            let unknown = try await Self.payu(simulator, neverIssued, as: north)
            #expect(unknown.status == 400)
            for (payuID, account) in [(mainID, north), (northID, main)] {
                let foreign = try await Self.payu(simulator, payuID, as: account)
                #expect(foreign.status == 400, "\(payuID) as \(account.name): \(foreign.body)")
                #expect(foreign.body.replacingOccurrences(of: payuID, with: "ID") == unknown.body.replacingOccurrences(of: neverIssued, with: "ID"))
            }

            // Every account's credentials are accepted, as a whole: one account's token with
            // another's merchant is refused.
            let mixed = try await Self.payu(simulator, mainID, as: main, token: north.bearerToken)
            #expect(mixed.status == 400 && mixed.body.contains("is not allowed to do this action"))
            let badToken = try await Self.payu(simulator, mainID, as: main, token: "nobody-token")
            #expect(badToken.status == 401 && badToken.body.contains("Invalid Auth token"))
            let names = simulator.receivedRequests().map(\.account)
            #expect(names == ["default", "north", "north", "north", "default", "north", nil])
            #expect(simulator.requestCounts(account: "north") == (kaleyra: 0, payu: 4))
        }
    }

    @Test func eachAccountsOAuthTokensRotateOnTheirOwn() async throws {
        try await withSimulator(options: Self.twoAccounts()) { simulator in
            let main = SimulatorCredentials.demo
            let north = SimulatorCredentials.demoAccount(1)
            let mainID = try #require(Self.answeredPayUID(simulator, account: "default"))
            let northID = try #require(Self.answeredPayUID(simulator, account: "north"))

            // Another account's refresh token is not this client's.
            let crossed = try await Curl.token(simulator, ["grant_type": "refresh_token", "client_id": main.clientID,
                                                           "refresh_token": north.refreshToken])
            #expect(crossed.status == 400 && crossed.json?["error"] as? String == "invalid_grant")
            let wrongSecret = try await Curl.token(simulator, ["grant_type": "refresh_token", "client_id": north.clientID,
                                                               "client_secret": main.clientSecret, "refresh_token": north.refreshToken])
            #expect(wrongSecret.status == 401 && wrongSecret.json?["error"] as? String == "invalid_client")

            let northToken = try await Curl.token(simulator, ["grant_type": "refresh_token", "client_id": north.clientID,
                                                              "client_secret": north.clientSecret, "refresh_token": north.refreshToken])
            #expect(northToken.status == 200 && northToken.json?["user_uuid"] as? String == north.resellerID, "\(northToken.body)")
            let northAccess = try #require(northToken.json?["access_token"] as? String)
            let northRefresh = try #require(northToken.json?["refresh_token"] as? String)
            // North's rotation leaves the default account's refresh token good.
            let mainToken = try await Curl.token(simulator, ["grant_type": "refresh_token", "client_id": main.clientID,
                                                             "refresh_token": main.refreshToken])
            #expect(mainToken.status == 200 && mainToken.json?["user_uuid"] as? String == main.resellerID, "\(mainToken.body)")
            let mainAccess = try #require(mainToken.json?["access_token"] as? String)
            let mainRefresh = try #require(mainToken.json?["refresh_token"] as? String)

            // An access token opens its own account's merchant only.
            #expect(try await Self.payu(simulator, northID, as: north, token: northAccess).status == 200)
            #expect(try await Self.payu(simulator, mainID, as: main, token: mainAccess).status == 200)
            #expect(try await Self.payu(simulator, mainID, as: main, token: northAccess).status == 400)
            // Token requests are logged under the account whose OAuth client they authenticated as.
            #expect(simulator.receivedRequests().map(\.account) == ["default", nil, "north", "default", "north", "default", "north"])

            // Revoking one account's refresh tokens leaves the other's.
            simulator.revokeRefreshTokens(account: "north")
            let revoked = try await Curl.token(simulator, ["grant_type": "refresh_token", "client_id": north.clientID, "refresh_token": northRefresh])
            #expect(revoked.status == 400 && revoked.json?["error"] as? String == "invalid_grant")
            let stillGood = try await Curl.token(simulator, ["grant_type": "refresh_token", "client_id": main.clientID, "refresh_token": mainRefresh])
            #expect(stillGood.status == 200)
            #expect(simulator.tokenRequestCount() == 6)
        }
    }

    // MARK: - Rate limits

    @Test func rateLimitsArePerAccount() async throws {
        // The limiter's time runs on a clock the test moves: nothing refills until it does.
        let clock = TestClock<Duration>()
        var options = Self.twoAccounts()
        options.rateLimits = try RateLimitSpec.parse("kaleyra=2/s,payu=1/s")
        options.clock = clock
        try await withSimulator(options: options) { simulator in
            let main = SimulatorCredentials.demo
            let north = SimulatorCredentials.demoAccount(1)
            let mainOrder = try #require(simulator.orders(ofAccount: "default").first).referenceID
            let northOrder = try #require(simulator.orders(ofAccount: "north", paymentConfigID: north.paymentConfigID).first).referenceID

            // The default account spends its budget of two a second; the third is throttled.
            #expect(try await Self.kaleyra(simulator, mainOrder, as: main).status == 200)
            #expect(try await Self.kaleyra(simulator, mainOrder, as: main).status == 200)
            let throttled = try await Self.kaleyra(simulator, mainOrder, as: main)
            #expect(throttled.status == 429 && throttled.headers.lowercased().contains("retry-after: 1"))
            #expect(throttled.body.contains("130429"))
            // North has a budget of its own, whole.
            #expect(try await Self.kaleyra(simulator, northOrder, as: north).status == 200)
            #expect(try await Self.kaleyra(simulator, northOrder, as: north).status == 200)
            #expect(try await Self.kaleyra(simulator, northOrder, as: north).status == 429)
            #expect(simulator.overBudgetRequests(.kaleyra, account: "default").count == 1)
            #expect(simulator.overBudgetRequests(.kaleyra, account: "north").count == 1)
            #expect(simulator.overBudgetRequests(.kaleyra).count == 2)
            #expect(simulator.overBudgetRequests(.kaleyra, account: nil).isEmpty)

            // PayU, per merchant: the default merchant's second request is throttled, north's first is not.
            let mainID = try #require(Self.answeredPayUID(simulator, account: "default"))
            let northID = try #require(Self.answeredPayUID(simulator, account: "north"))
            #expect(try await Self.payu(simulator, mainID, as: main).status == 200)
            let payuThrottled = try await Self.payu(simulator, mainID, as: main)
            #expect(payuThrottled.status == 429 && payuThrottled.headers.lowercased().contains("retry-after: 1"))
            #expect(try await Self.payu(simulator, northID, as: north).status == 200)
            #expect(simulator.overBudgetRequests(.payu, account: "default").count == 1)
            #expect(simulator.overBudgetRequests(.payu, account: "north").isEmpty)

            // A second later both buckets have refilled.
            await clock.advance(by: .seconds(1))
            #expect(try await Self.kaleyra(simulator, mainOrder, as: main).status == 200)
            #expect(try await Self.kaleyra(simulator, northOrder, as: north).status == 200)
            #expect(try await Self.payu(simulator, mainID, as: main).status == 200)
            #expect(simulator.requestCounts(account: "default") == (kaleyra: 4, payu: 3))
            #expect(simulator.requestCounts(account: "north") == (kaleyra: 4, payu: 1))
        }
    }

    // MARK: - Configuration

    @Test func demoConfigurationWithOneAccountIsUnchanged() async throws {
        try await withSimulator(options: SimulatorOptions()) { simulator in
            let url = "http://127.0.0.1:\(simulator.port)"
            // The text the simulator has always printed for `.demo`.
            let expected = """
                refresh_interval = 30
                concurrency = 8
                [kaleyra]
                base_url = "\(url)"
                sid = "HXDEMO0000000IN"
                api_key = "Ademo0000000000000000000000000001"
                phone_number_id = "919000000001"
                payment_config_id = "refundwatch_demo_config"
                max_requests_per_second = 200
                [payu]
                refund_status_url = "\(url)/apilayer/partner/refunds/status"
                method = "POST"
                merchant_id = "8244519"
                reseller_id = "11ed-933c-ece48d50-a41d-023f883eb17c"
                client_secret = "demo-client-secret"
                max_requests_per_second = 200
                [payu.oauth]
                token_url = "\(url)/oauth/token"
                client_id = "refundwatch-demo-client"
                refresh_token = "demo-refresh-token"
                [alerts]
                webhook_url = "\(url)/webhook"
                webhook_secret = "demo-webhook-secret"

                """
            #expect(simulator.demoConfigurationTOML() == expected)
        }
    }

    @Test func demoConfigurationWritesFurtherAccountsAsAccountTables() async throws {
        var options = Self.twoAccounts()
        try options.useDemoAccounts(3)
        options.rateLimits = try RateLimitSpec.parse("kaleyra=20/s,payu=10/s")
        try await withSimulator(options: options) { simulator in
            let url = "http://127.0.0.1:\(simulator.port)"
            let toml = simulator.demoConfigurationTOML()
            #expect(toml.hasPrefix("refresh_interval = 30\nconcurrency = 8\n[kaleyra]\nbase_url = \"\(url)\"\nsid = \"HXDEMO0000000IN\"\n"))
            #expect(toml.contains("[alerts]\nwebhook_url = \"\(url)/webhook\"\nwebhook_secret = \"demo-webhook-secret\"\n"))
            let north = """
                [accounts.north.kaleyra]
                base_url = "\(url)"
                sid = "HXDEMO0000001IN"
                api_key = "Ademo0000000000000000000000000002"
                phone_number_id = "919000000002"
                payment_config_ids = ["refundwatch_north_config", "refundwatch_north_config_2"]
                max_requests_per_second = 20
                [accounts.north.payu]
                refund_status_url = "\(url)/apilayer/partner/refunds/status"
                method = "POST"
                merchant_id = "8244520"
                reseller_id = "11ed-933c-ece48d50-a41d-023f883e0001"
                client_secret = "north-client-secret"
                max_requests_per_second = 10
                [accounts.north.payu.oauth]
                token_url = "\(url)/oauth/token"
                client_id = "refundwatch-north-client"
                refresh_token = "north-refresh-token"

                """
            #expect(toml.contains(north), "\(toml)")
            #expect(toml.contains("[accounts.south.kaleyra]\n"))
            #expect(toml.contains("payment_config_id = \"refundwatch_south_config\"\n"))
            #expect(toml.components(separatedBy: "[kaleyra]").count == 2, "the first account only at the top level")
            #expect(!toml.contains("[accounts.default"))
        }
    }

    // MARK: - Helpers

    /// A Kaleyra lookup as `account`, with any part of the path or the key replaced.
    static func kaleyra(_ simulator: RunningSimulator, _ referenceID: String, as account: SimulatorCredentials, sid: String? = nil,
                        apiKey: String? = nil, phone: String? = nil, config: String? = nil) async throws -> Curl.Answer {
        try await Curl.kaleyra(simulator, referenceID: referenceID, sid: sid ?? account.sid, apiKey: apiKey ?? account.apiKey,
                               phone: phone ?? account.phoneNumberID, config: config ?? account.paymentConfigID)
    }

    /// A PayU refund status POST with `account`'s merchant, reseller and hash, and its bearer token
    /// unless another is given.
    static func payu(_ simulator: RunningSimulator, _ payuID: String, as account: SimulatorCredentials,
                     token: String? = nil) async throws -> Curl.Answer {
        let fields = [
            ("merchant_id", account.merchantID),
            ("payu_id", payuID),
            ("reseller_id", account.resellerID),
            ("hash", PayUHash.compute(merchantID: account.merchantID, payuID: payuID, clientSecret: account.clientSecret)),
        ]
        let body = "{" + fields.map { "\"\($0.0)\": \"\($0.1)\"" }.joined(separator: ", ") + "}"
        return try await Curl.run(["-m", "10", "-H", "Authorization: Bearer \(token ?? account.bearerToken)", "-X", "POST",
                                   "-H", "Content-Type: application/json", "--data-binary", body, simulator.payuRefundStatusURL])
    }

    /// A payu_id PayU answers with records, on an order of this account.
    static func answeredPayUID(_ simulator: RunningSimulator, account: String) -> String? {
        simulator.orders(ofAccount: account).lazy.flatMap(\.payuTransactionIDs).first { payuID in
            simulator.catalogue.payuTransactions[payuID].map { $0.refusal == nil } ?? false
        }
    }

    /// A Meta error body without its per-error fbtrace_id.
    static func withoutTrace(_ body: String) -> String {
        body.replacingOccurrences(of: #""fbtrace_id": "[^"]*""#, with: "\"fbtrace_id\": \"-\"", options: .regularExpression)
    }
}
