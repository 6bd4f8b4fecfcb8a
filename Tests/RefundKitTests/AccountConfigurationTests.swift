import Foundation
import Testing
@testable import RefundKit

/// Every secret value the files below hold; none may appear in an error, a warning or a
/// description.
private let accountSecrets = ["kal-SECRET-111", "payu-SECRET-222", "tok-SECRET-333", "acme-KEY-444", "acme-PAYU-555", "acme-RT-666", "zeta-KEY-777"]

/// The single form (`[kaleyra]`, `[payu]`) beside two named accounts, written out of order.
private let threeAccountsTOML = """
    refresh_interval = 45

    [kaleyra]
    sid = "HXDEFAULT"
    api_key = "kal-SECRET-111"
    phone_number_id = "911111111111"
    payment_config_id = "main-config"

    [payu]
    refund_status_url = "https://payu.example/refunds/status"
    merchant_id = "1000001"
    reseller_id = "11111111-2222-3333-4444-555555555555"
    client_secret = "payu-SECRET-222"
    bearer_token = "tok-SECRET-333"

    [accounts.zeta.kaleyra]
    pod = "eu"
    sid = "HXZETA"
    api_key_env = "ZETA_KEY"
    phone_number_id = "913333333333"
    payment_config_ids = ["zeta-a", "zeta-b"]
    max_requests_per_second = 3

    [accounts.acme.kaleyra]
    sid = "HXACME"
    api_key_env = "ACME_KEY"
    phone_number_id = "912222222222"
    payment_config_id = "acme-config"

    [accounts.acme.payu]
    refund_status_url = "https://payu.example/refunds/status"
    environment = "test"
    merchant_id = "2000002"
    reseller_id = "11111111-2222-3333-4444-555555555555"
    client_secret_env = "ACME_PAYU_SECRET"
    max_requests_per_second = 2

    [accounts.acme.payu.oauth]
    client_id = "acme-app"
    refresh_token_env = "ACME_REFRESH"
    """

private let threeAccountsEnvironment = ["ZETA_KEY": "zeta-KEY-777", "ACME_KEY": "acme-KEY-444", "ACME_PAYU_SECRET": "acme-PAYU-555", "ACME_REFRESH": "acme-RT-666"]

/// One named account's Kaleyra table, for the error cases.
private func kaleyraTable(_ name: String, ids: String = "payment_config_id = \"c\"") -> String {
    "[accounts.\(name).kaleyra]\nsid = \"S-\(name)\"\napi_key = \"k\"\nphone_number_id = \"1\"\n\(ids)\n"
}

private let singleKaleyra = "[kaleyra]\nsid = \"S\"\napi_key = \"k\"\nphone_number_id = \"1\"\npayment_config_id = \"c\"\n"

private func parseAccounts(_ text: String, environment: [String: String] = threeAccountsEnvironment) throws(ConfigurationError) -> RefundConfiguration {
    try ConfigurationLoader(environment: environment).parse(text, file: "test.toml")
}

/// The message a person sees for `text`, or nil when it is accepted.
private func message(_ text: String, environment: [String: String] = threeAccountsEnvironment) -> String? {
    do {
        _ = try parseAccounts(text, environment: environment)
        return nil
    } catch {
        return error.description
    }
}

private func expectNoAccountSecrets(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
    for secret in accountSecrets {
        #expect(!text.contains(secret), "\(secret) leaked into: \(text)", sourceLocation: sourceLocation)
    }
}

/// `[accounts.NAME.kaleyra]`, `[accounts.NAME.payu]`: several accounts in one file, beside or
/// instead of the single form, which is the account `default`.
@Suite struct AccountConfigurationTests {
    func file(_ text: String, mode: Int = 0o600) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rw-accounts-\(UUID()).toml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    @Test func theAccountsAreDefaultFirstThenTheNamedOnesSortedByName() throws {
        let config = try parseAccounts(threeAccountsTOML)
        #expect(config.accounts.map(\.name) == ["default", "acme", "zeta"])
        #expect(config.accounts.map(\.kaleyra.sid) == ["HXDEFAULT", "HXACME", "HXZETA"])
        #expect(config.accounts.map(\.kaleyra.phoneNumberID) == ["911111111111", "912222222222", "913333333333"])
        #expect(config.accounts.map(\.kaleyra.paymentConfigIDs) == [["main-config"], ["acme-config"], ["zeta-a", "zeta-b"]])
        #expect(config.accounts.map(\.kaleyra.paymentConfigID) == ["main-config", "acme-config", "zeta-a"])
        #expect(config.accounts.map(\.kaleyra.baseURL) == ["https://api.in.kaleyra.io", "https://api.in.kaleyra.io", "https://api.eu.kaleyra.io"])
        #expect(config.accounts.map(\.kaleyra.apiKey.value) == ["kal-SECRET-111", "acme-KEY-444", "zeta-KEY-777"])
        #expect(config.accounts.map(\.payu?.merchantID) == ["1000001", "2000002", nil])
        #expect(config.accounts.map(\.requestsPerSecond) == [[.kaleyra: 10, .payu: 5], [.kaleyra: 10, .payu: 2], [.kaleyra: 3, .payu: 5]])

        let acme = try #require(config.account(named: "acme"))
        let payu = try #require(acme.payu)
        #expect(payu.environment == .test)
        #expect(payu.clientSecret.value == "acme-PAYU-555")
        #expect(payu.oauth?.clientID == "acme-app")
        #expect(payu.oauth?.refreshToken.value == "acme-RT-666")
        #expect(payu.oauth?.tokenURL == "https://uat-accounts.payu.in/oauth/token")
        #expect(payu.oauth?.clientSecret.value == "acme-PAYU-555", "the account's [payu] client secret, as at the top")
        #expect(config.account(named: "ACME") == acme, "names are found without regard to case")
        #expect(config.account(named: "Default")?.kaleyra.sid == "HXDEFAULT")
        #expect(config.account(named: "nobody") == nil)

        // The one-account API is the first account's.
        #expect(config.kaleyra == config.accounts[0].kaleyra)
        #expect(config.payu == config.accounts[0].payu)
        #expect(config.http.requestsPerSecond == [.kaleyra: 10, .payu: 5])
    }

    @Test func namedAccountsAloneNeedNoTopLevelKaleyra() throws {
        let config = try parseAccounts(kaleyraTable("b-shop") + kaleyraTable("A-shop") + "max_requests_per_second = 7\n" + kaleyraTable("default"))
        #expect(config.accounts.map(\.name) == ["A-shop", "b-shop", "default"], "sorted by name without regard to case; default is an ordinary name here")
        #expect(config.accounts.map { $0.payu == nil } == [true, true, true])
        #expect(config.kaleyra.sid == "S-A-shop")
        #expect(config.http.requestsPerSecond == [.kaleyra: 7, .payu: 5], "the first account's budgets")
    }

    @Test func theSingleFormIsOneAccountNamedDefaultAsBefore() throws {
        let config = try parseAccounts(singleKaleyra, environment: [:])
        var http = HTTPSettings()
        http.requestsPerSecond = [.kaleyra: 10, .payu: 5]
        let kaleyra = KaleyraSettings(baseURL: "https://api.in.kaleyra.io", sid: "S", apiKey: Secret("k"), phoneNumberID: "1", paymentConfigID: "c")
        #expect(config.accounts == [AccountSettings(name: "default", kaleyra: kaleyra, payu: nil, requestsPerSecond: [.kaleyra: 10, .payu: 5])])
        #expect(config == RefundConfiguration(source: "test.toml", http: http, kaleyra: kaleyra, payu: nil), "the same as the configuration built in code")
        #expect(AccountSettings.defaultName == "default")

        let withPayU = try parseAccounts(singleKaleyra.replacingOccurrences(of: "phone_number_id = \"1\"", with: "phone_number_id = \"1\"\nmax_requests_per_second = 12") + """
            [payu]
            refund_status_url = "https://payu.example/refunds/status"
            merchant_id = "1000001"
            reseller_id = "r"
            client_secret = "payu-SECRET-222"
            bearer_token = "tok-SECRET-333"
            max_requests_per_second = 4
            """, environment: [:])
        #expect(withPayU.accounts.count == 1)
        #expect(withPayU.accounts[0].name == "default")
        #expect(withPayU.accounts[0].payu?.bearerToken?.value == "tok-SECRET-333")
        #expect(withPayU.accounts[0].requestsPerSecond == [.kaleyra: 12, .payu: 4])
        #expect(withPayU.http.requestsPerSecond == [.kaleyra: 12, .payu: 4])
    }

    @Test func theOneAccountInitMakesTheAccountDefaultWithTheBudgetsOfHTTP() {
        let kaleyra = KaleyraSettings(baseURL: "http://127.0.0.1:9/", sid: "S", apiKey: Secret("k"), phoneNumberID: "1", paymentConfigID: "c")
        var http = HTTPSettings()
        http.requestsPerSecond = [.kaleyra: 7]
        let built = RefundConfiguration(http: http, kaleyra: kaleyra, payu: nil)
        #expect(built.accounts.map(\.name) == ["default"])
        #expect(built.accounts[0].requestsPerSecond == [.kaleyra: 7, .payu: 5])
        #expect(built.http.requestsPerSecond == [.kaleyra: 7], "http is kept as given")
        #expect(RefundConfiguration(kaleyra: kaleyra, payu: nil).accounts[0].requestsPerSecond == [.kaleyra: 10, .payu: 5])

        var changed = built
        changed.kaleyra.sid = "T"
        #expect(changed.accounts[0].kaleyra.sid == "T", "setting kaleyra sets the first account's")

        let two = RefundConfiguration(accounts: [
            AccountSettings(name: "a", kaleyra: kaleyra, payu: nil, requestsPerSecond: [.kaleyra: 2, .payu: 1]),
            AccountSettings(name: "b", kaleyra: kaleyra, payu: nil),
        ])
        #expect(two.http.requestsPerSecond == [.kaleyra: 2, .payu: 1])
        #expect(two.accounts[1].requestsPerSecond == [.kaleyra: 10, .payu: 5])
    }

    @Test func paymentConfigIDIsTheFirstOfPaymentConfigIDs() throws {
        var kaleyra = KaleyraSettings(baseURL: "https://k", sid: "S", apiKey: Secret("k"), phoneNumberID: "1", paymentConfigIDs: ["a", "b"])
        #expect(kaleyra.paymentConfigID == "a")
        kaleyra.paymentConfigID = "z"
        #expect(kaleyra.paymentConfigIDs == ["z", "b"], "setting it replaces the first only")
        #expect(KaleyraSettings(baseURL: "https://k", sid: "S", apiKey: Secret("k"), phoneNumberID: "1", paymentConfigID: "x").paymentConfigIDs == ["x"])

        let top = try parseAccounts(singleKaleyra.replacingOccurrences(of: "payment_config_id = \"c\"", with: "payment_config_ids = [\" one \", \"two\"]"), environment: [:])
        #expect(top.kaleyra.paymentConfigIDs == ["one", "two"], "in the order written, trimmed")
    }

    @Test func duplicateNamesAreRefusedEitherWay() {
        #expect(message(kaleyraTable("acme") + kaleyraTable("Acme"))
                == "test.toml: accounts.acme: is a duplicate account name: [accounts.Acme] has the same name (names are compared without regard to case); rename one of them")
        #expect(message(singleKaleyra + kaleyraTable("default"))
                == "test.toml: accounts.default: is a duplicate account name: [kaleyra] at the top is the account \"default\"; rename [accounts.default], or move [kaleyra] (and [payu]) into it")
        #expect(message(singleKaleyra + kaleyraTable("DEFAULT"))
                == "test.toml: accounts.DEFAULT: is a duplicate account name: [kaleyra] at the top is the account \"default\"; rename [accounts.DEFAULT], or move [kaleyra] (and [payu]) into it")
    }

    @Test func anAccountNeedsItsKaleyraSide() {
        let payuOnly = """
            [accounts.acme.payu]
            refund_status_url = "https://payu.example/refunds/status"
            merchant_id = "2000002"
            reseller_id = "r"
            client_secret = "acme-PAYU-555"
            bearer_token = "tok-SECRET-333"
            """
        let described = message(kaleyraTable("zeta") + payuOnly)
        #expect(described == "test.toml: accounts.acme.kaleyra: missing; an account needs its Kaleyra side: add [accounts.acme.kaleyra] with sid, api_key (or api_key_env), phone_number_id and payment_config_id")
        expectNoAccountSecrets(described ?? "")
        #expect(message("[accounts.acme]\nnote = \"kept for later\"\n")
                == "test.toml: accounts.acme.kaleyra: missing; an account needs its Kaleyra side: add [accounts.acme.kaleyra] with sid, api_key (or api_key_env), phone_number_id and payment_config_id")
        #expect(message("accounts.acme = \"HXACME\"\n")
                == "test.toml: accounts.acme: expected a table ([accounts.acme]) holding the account's [accounts.acme.kaleyra] and optional [accounts.acme.payu], found string")
        #expect(message("[accounts.acme]\nkaleyra = \"HXACME\"\n") == "test.toml: accounts.acme.kaleyra: expected a table ([accounts.acme.kaleyra]), found string")
        #expect(message("accounts = \"acme\"\n") == "test.toml: accounts: expected a table ([accounts]), found string")
    }

    @Test(arguments: [
        ("acme corp", "accounts.acme corp"),
        ("acme.retail", "accounts.acme.retail"),
        ("", "accounts."),
        (String(repeating: "a", count: 33), "accounts." + String(repeating: "a", count: 33)),
        ("café", "accounts.café"),
    ])
    func aBadNameIsRefused(name: String, key: String) {
        #expect(message("[accounts.\"\(name)\".kaleyra]\nsid = \"S\"\napi_key = \"k\"\nphone_number_id = \"1\"\npayment_config_id = \"c\"\n")
                == "test.toml: \(key): is not an account name; a name is 1 to 32 letters (A-Z, a-z), digits, _ or -, e.g. [accounts.acme-retail.kaleyra]")
    }

    @Test func thirtyTwoLettersDigitsUnderscoresAndHyphensMakeAName() throws {
        let name = "Acme_Retail-2026-" + String(repeating: "x", count: 15)
        #expect(name.count == 32)
        #expect(try parseAccounts(kaleyraTable(name)).accounts.map(\.name) == [name])
    }

    @Test func paymentConfigIDsMistakesNameTheKey() {
        let key = "test.toml: accounts.acme.kaleyra."
        #expect(message(kaleyraTable("acme", ids: "payment_config_id = \"a\"\npayment_config_ids = [\"b\"]"))
                == key + "payment_config_id: is set and so is payment_config_ids; keep one: payment_config_id = \"...\" for one payment configuration, payment_config_ids = [\"...\", \"...\"] for several")
        #expect(message(kaleyraTable("acme", ids: "payment_config_ids = []"))
                == key + "payment_config_ids: is empty; expected at least one payment configuration id, e.g. [\"refundwatch-config\"] (or payment_config_id = \"refundwatch-config\")")
        #expect(message(kaleyraTable("acme", ids: ""))
                == key + "payment_config_id: missing; expected the payment configuration id used in order_details messages, as payment_config_id = \"...\" (or payment_config_ids = [\"...\", \"...\"] for several)")
        #expect(message(kaleyraTable("acme", ids: "payment_config_ids = [\"a\", \"b\", \"a\"]"))
                == key + "payment_config_ids: item 3 (\"a\") repeats item 1; list each payment configuration once")
        #expect(message(kaleyraTable("acme", ids: "payment_config_ids = [\"a\", \" \"]"))
                == key + "payment_config_ids: item 2 is empty; expected the payment configuration id used in order_details messages")
        #expect(message(kaleyraTable("acme", ids: "payment_config_ids = [\"a\", 7]"))
                == key + "payment_config_ids: item 2 is not a string in quotes, found integer")
        #expect(message(kaleyraTable("acme", ids: "payment_config_ids = \"a\""))
                == key + "payment_config_ids: expected a list of payment configuration ids such as [\"refundwatch-config\", \"festive-sale\"], found string")
        // The single form has the same rules under its own key.
        #expect(message(singleKaleyra + "payment_config_ids = [\"d\"]\n")
                == "test.toml: kaleyra.payment_config_id: is set and so is payment_config_ids; keep one: payment_config_id = \"...\" for one payment configuration, payment_config_ids = [\"...\", \"...\"] for several")
    }

    @Test func aMissingVariableInsideAnAccountNamesTheAccountsKey() {
        var environment = threeAccountsEnvironment
        environment["ACME_KEY"] = nil
        let kaleyra = message(threeAccountsTOML, environment: environment)
        #expect(kaleyra == "test.toml: accounts.acme.kaleyra.api_key_env: names the environment variable ACME_KEY, which is not set or empty; export it, or put api_key in the file")
        environment = threeAccountsEnvironment
        environment["ACME_REFRESH"] = ""
        let refresh = message(threeAccountsTOML, environment: environment)
        #expect(refresh == "test.toml: accounts.acme.payu.oauth.refresh_token_env: names the environment variable ACME_REFRESH, which is not set or empty; export it, or put refresh_token in the file")
        for described in [kaleyra, refresh] { expectNoAccountSecrets(described ?? "") }
    }

    @Test func everyKeyOfAnAccountIsNamedInFull() {
        #expect(message(threeAccountsTOML.replacingOccurrences(of: "sid = \"HXACME\"\n", with: ""))
                == "test.toml: accounts.acme.kaleyra.sid: missing; expected your Kaleyra account SID, e.g. \"HXAP16XXXXXX97IN\"")
        #expect(message(threeAccountsTOML.replacingOccurrences(of: "max_requests_per_second = 3", with: "max_requests_per_second = 0"))
                == "test.toml: accounts.zeta.kaleyra.max_requests_per_second: 0.0 is out of range; expected 0.1 to 1,000")
        let both = message(threeAccountsTOML.replacingOccurrences(of: "max_requests_per_second = 2", with: "max_requests_per_second = 2\nbearer_token = \"tok-SECRET-333\""))
        #expect(both == "test.toml: accounts.acme.payu.bearer_token: is set beside [accounts.acme.payu.oauth]; keep one: [accounts.acme.payu.oauth] renews tokens itself, bearer_token is a fixed token that expires")
        expectNoAccountSecrets(both ?? "")
    }

    @Test func payuAtTheTopBelongsToTheTopKaleyra() {
        let payu = "[payu]\nrefund_status_url = \"https://payu.example/s\"\nmerchant_id = \"1\"\nreseller_id = \"r\"\nclient_secret = \"payu-SECRET-222\"\nbearer_token = \"tok-SECRET-333\"\n"
        let expected = "test.toml: kaleyra: missing beside [payu]; a PayU side belongs to an account: add [kaleyra] (sid, api_key (or api_key_env), phone_number_id and payment_config_id) above [payu] for the account \"default\", or move [payu] to [accounts.NAME.payu] beside that account's [accounts.NAME.kaleyra]"
        #expect(message(payu) == expected)
        #expect(message(kaleyraTable("acme") + payu) == expected, "named accounts do not adopt it")
        expectNoAccountSecrets(expected)
    }

    @Test func aFileWithoutAccountsSaysWhatToWrite() {
        #expect(message("refresh_interval = 30\n")
                == "test.toml: kaleyra: missing; expected a [kaleyra] table with sid, api_key (or api_key_env), phone_number_id and payment_config_id, or an [accounts.NAME.kaleyra] table for each of several accounts")
        #expect(message("[accounts]\n")
                == "test.toml: accounts: has no account; write [accounts.NAME.kaleyra] (sid, api_key (or api_key_env), phone_number_id and payment_config_id) for each account, or [kaleyra] at the top for a single one")
    }

    @Test func inlineSecretsOfAccountsAreWarnedAboutByKeyAndNeverByValue() throws {
        let inline = threeAccountsTOML
            .replacingOccurrences(of: "api_key_env = \"ACME_KEY\"", with: "api_key = \"acme-KEY-444\"")
            .replacingOccurrences(of: "refresh_token_env = \"ACME_REFRESH\"", with: "refresh_token = \"acme-RT-666\"")
            .replacingOccurrences(of: "client_secret = \"payu-SECRET-222\"\nbearer_token = \"tok-SECRET-333\"", with: "client_secret_env = \"TOP_PAYU\"\nbearer_token_env = \"TOP_TOKEN\"")
        let path = try file(inline, mode: 0o644)
        let environment = threeAccountsEnvironment.merging(["TOP_PAYU": "payu-SECRET-222", "TOP_TOKEN": "tok-SECRET-333"]) { a, _ in a }
        let loaded = try ConfigurationLoader(environment: environment).load(explicit: path)
        #expect(loaded.warnings == ["\(path) holds secrets (kaleyra.api_key, accounts.acme.kaleyra.api_key, accounts.acme.payu.oauth.refresh_token) and can be read by every user of this machine (mode 0644). Run: chmod 600 \(path)"])
        #expect(loaded.account(named: "acme")?.payu?.oauth?.refreshToken.value == "acme-RT-666")
        // The commands that read no secret warn the same.
        #expect(try ConfigurationLoader(environment: [:]).loadSettings(explicit: path).warnings == loaded.warnings)
        #expect(try ConfigurationLoader(environment: environment).load(explicit: try file(inline)).warnings.isEmpty, "a private file is not warned about")

        var seen = loaded.warnings
        seen.append(String(describing: loaded))
        seen.append(String(reflecting: loaded))
        var dumped = ""
        dump(loaded, to: &dumped)
        seen.append(dumped)
        var missing = environment
        missing["ZETA_KEY"] = nil
        do {
            _ = try ConfigurationLoader(environment: missing).load(explicit: path)
            Issue.record("a missing variable was accepted")
        } catch {
            #expect(error.key == "accounts.zeta.kaleyra.api_key_env")
            seen += [error.description, error.localizedDescription, String(reflecting: error)]
        }
        for text in seen { expectNoAccountSecrets(text) }
    }

    @Test func theDescriptionListsEveryAccount() throws {
        let described = String(describing: try parseAccounts(threeAccountsTOML))
        #expect(described.contains("accounts = default, acme, zeta\naccount = default\n[kaleyra]\nbase_url = https://api.in.kaleyra.io\nsid = HXDEFAULT\napi_key = <redacted>"))
        #expect(described.contains("""
            account = acme
            [accounts.acme.kaleyra]
            base_url = https://api.in.kaleyra.io
            sid = HXACME
            api_key = <redacted>
            phone_number_id = 912222222222
            payment_config_id = acme-config
            max_requests_per_second = 10.0
            [accounts.acme.payu]
            refund_status_url = https://payu.example/refunds/status
            method = POST
            merchant_id = 2000002
            reseller_id = 11111111-2222-3333-4444-555555555555
            environment = test
            max_requests_per_second = 2.0
            client_secret = <redacted>
            [accounts.acme.payu.oauth]
            token_url = https://uat-accounts.payu.in/oauth/token
            client_id = acme-app
            client_secret = <redacted>
            refresh_token = <redacted>
            """))
        #expect(described.hasSuffix("""
            account = zeta
            [accounts.zeta.kaleyra]
            base_url = https://api.eu.kaleyra.io
            sid = HXZETA
            api_key = <redacted>
            phone_number_id = 913333333333
            payment_config_ids = zeta-a, zeta-b
            max_requests_per_second = 3.0
            [accounts.zeta.payu] none
            """))
        expectNoAccountSecrets(described)
    }

    @Test func loadSettingsNamesTheAccountsWithoutAnySecret() throws {
        let path = try file(threeAccountsTOML)
        let loader = ConfigurationLoader(environment: [:])
        let settings = try loader.loadSettings(explicit: path)
        #expect(settings.accountNames == ["default", "acme", "zeta"])
        #expect(throws: ConfigurationError(file: path, key: "accounts.acme.kaleyra.api_key_env",
                                           problem: "names the environment variable ACME_KEY, which is not set or empty; export it, or put api_key in the file")) {
            try loader.load(explicit: path)
        }
        // With the secrets set, the full configuration carries the same settings.
        #expect(try ConfigurationLoader(environment: threeAccountsEnvironment).load(explicit: path).watchlistSettings == settings)

        // Only the tables' presence is needed: no key of theirs is read.
        let bare = try file("[kaleyra]\n[accounts.b.kaleyra]\n[accounts.a.kaleyra]\n")
        #expect(try loader.loadSettings(explicit: bare).accountNames == ["default", "a", "b"])
        #expect(try loader.loadSettings(explicit: try file(singleKaleyra)).accountNames == ["default"])
        #expect(try loader.loadSettings(explicit: try file("theme = \"mono\"\n")).accountNames == [], "a file without API tables still serves the watchlist")
        // How the accounts are laid out is checked here too.
        let duplicate = try file(kaleyraTable("acme") + kaleyraTable("ACME"))
        #expect(throws: ConfigurationError(file: duplicate, key: "accounts.acme",
                                           problem: "is a duplicate account name: [accounts.ACME] has the same name (names are compared without regard to case); rename one of them")) {
            try loader.loadSettings(explicit: duplicate)
        }
        let orphan = try file("[accounts.acme.payu]\nmerchant_id = \"1\"\n")
        #expect(throws: ConfigurationError(file: orphan, key: "accounts.acme.kaleyra",
                                           problem: "missing; an account needs its Kaleyra side: add [accounts.acme.kaleyra] with sid, api_key (or api_key_env), phone_number_id and payment_config_id")) {
            try loader.loadSettings(explicit: orphan)
        }
    }
}
