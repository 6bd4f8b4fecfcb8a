import Foundation
import Testing
@testable import RefundKit
@testable import RefundModel

private let secretValues = ["kal-SECRET-111", "payu-SECRET-222", "tok-SECRET-333"]

private let fullTOML = """
refresh_interval = 45
concurrency = 4
request_timeout = 15
connect_timeout = 3

[kaleyra]
pod = "in"
sid = "HXAP16XXXXXX97IN"
api_key = "kal-SECRET-111"
phone_number_id = "919876543210"
payment_config_id = "refundwatch-config"

[payu]
refund_status_url = "https://test-partnerapilayer.payu.in/apilayer/partner/refunds/status"
method = "POST"
merchant_id = "8244519"
reseller_id = "11111111-2222-3333-4444-555555555555"
client_secret = "payu-SECRET-222"
bearer_token = "tok-SECRET-333"
"""

/// `fullTOML` with one line replaced (or removed, when `with` is empty).
private func variant(_ line: String, with replacement: String) -> String {
    precondition(fullTOML.contains(line), "no such line: \(line)")
    return fullTOML.replacingOccurrences(of: line, with: replacement)
}

private func parse(_ text: String, environment: [String: String] = [:]) throws(ConfigurationError) -> RefundConfiguration {
    try ConfigurationLoader(environment: environment).parse(text, file: "test.toml")
}

private func parseError(_ text: String, environment: [String: String] = [:]) -> ConfigurationError? {
    do {
        _ = try parse(text, environment: environment)
        return nil
    } catch {
        return error
    }
}

private func expectNoSecrets(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
    for secret in secretValues {
        #expect(!text.contains(secret), "\(secret) leaked into: \(text)", sourceLocation: sourceLocation)
    }
}

@Suite struct ConfigurationTests {
    @Test func fullFileReadsEveryKey() throws {
        let config = try parse(fullTOML)
        #expect(config.source == "test.toml")
        #expect(config.refreshInterval == 45)
        #expect(config.http.concurrency == 4)
        #expect(config.http.requestTimeout == 15)
        #expect(config.http.connectTimeout == 3)
        #expect(config.kaleyra.pod == .in)
        #expect(config.kaleyra.baseURL == "https://api.in.kaleyra.io")
        #expect(config.kaleyra.sid == "HXAP16XXXXXX97IN")
        #expect(config.kaleyra.apiKey.value == "kal-SECRET-111")
        #expect(config.kaleyra.phoneNumberID == "919876543210")
        #expect(config.kaleyra.paymentConfigID == "refundwatch-config")
        let payu = try #require(config.payu)
        #expect(payu.refundStatusURL == "https://test-partnerapilayer.payu.in/apilayer/partner/refunds/status")
        #expect(payu.method == .post)
        #expect(payu.merchantID == "8244519")
        #expect(payu.resellerID == "11111111-2222-3333-4444-555555555555")
        #expect(payu.clientSecret.value == "payu-SECRET-222")
        #expect(payu.bearerToken?.value == "tok-SECRET-333")
    }

    @Test func defaultsAndOptionalPayU() throws {
        let text = "[kaleyra]\nsid = \"S\"\napi_key = \"k\"\nphone_number_id = \"P\"\npayment_config_id = \"C\"\n"
        let config = try parse(text)
        #expect(config.refreshInterval == 30)
        #expect(config.http.concurrency == 8)
        #expect(config.kaleyra.pod == nil)
        #expect(config.kaleyra.baseURL == "https://api.in.kaleyra.io")
        #expect(config.payu == nil)
        #expect(config.deadlineRules == DeadlineRules())
    }

    @Test func theOverdueThresholdIsConfigurable() throws {
        let config = try parse(variant("concurrency = 4", with: "concurrency = 4\narn_overdue_business_hours = 48"))
        #expect(config.deadlineRules.arn == 48 * 3600)
        let error = try #require(parseError(variant("concurrency = 4", with: "arn_overdue_business_hours = 0")))
        #expect(error.description == "test.toml: arn_overdue_business_hours: 0.0 is out of range; expected 1 to 10,000")
    }

    @Test func everyStageHasItsDeadlineInTheDeadlinesTable() throws {
        let text = fullTOML.replacingOccurrences(of: "[kaleyra]", with: """
            [deadlines]
            payment_pending = "45m"
            payu_queued = "2d"
            bank_processing = "5d"
            arn = "48h"
            credit = "10d"
            credit_instant = "4h"
            holidays = ["2026-12-25", "2027-01-26"]

            [kaleyra]
            """)
        let rules = try parse(text).deadlineRules
        #expect(rules.paymentPending == 45 * 60 && rules.payuQueued == 2 * 86_400 && rules.bankProcessing == 5 * 86_400)
        #expect(rules.arn == 48 * 3600 && rules.credit == 10 * 86_400 && rules.creditInstant == 4 * 3600)
        #expect(rules.calendar.holidays == [BusinessCalendar.Day("2026-12-25")!, BusinessCalendar.Day("2027-01-26")!])
        #expect(rules.calendar.timeZone == .india)
    }

    @Test func badDeadlinesSayWhatIsWrong() throws {
        func error(_ table: String, top: String = "") -> String? {
            parseError(top + fullTOML.replacingOccurrences(of: "[kaleyra]", with: "[deadlines]\n\(table)\n\n[kaleyra]"))?.description
        }
        #expect(error("arn = \"soon\"") == "test.toml: deadlines.arn: \"soon\" is not a duration; expected seconds or a number with s, m, h or d, e.g. 30s, 5m, 6h, 14d")
        #expect(error("payu_queued = \"10m\"") == "test.toml: deadlines.payu_queued: 10m is out of range; expected 1h to 365d")
        #expect(error("holidays = \"2026-12-25\"") == "test.toml: deadlines.holidays: expected a list of dates such as [\"2026-12-25\"], found string")
        #expect(error("holidays = [\"2026-12-25\", \"25/12/2026\"]")
                == "test.toml: deadlines.holidays: item 2 (\"25/12/2026\") is not a date; expected YYYY-MM-DD, e.g. \"2026-12-25\"")
        #expect(error("arn = \"48h\"", top: "arn_overdue_business_hours = 24\n")
                == "test.toml: arn_overdue_business_hours: is set and so is [deadlines] arn; keep one (arn = \"1d\" in [deadlines] says the same)")
        #expect(error("holidays_file = \"/nonexistent/holidays.txt\"")
                == "test.toml: deadlines.holidays_file: /nonexistent/holidays.txt cannot be read (no such file); write one date a line, e.g. 2026-12-25")
    }

    @Test func holidaysComeFromAFileBesideTheConfiguration() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rw-holidays-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "# RBI holidays, Mumbai\n2026-10-02  # Gandhi Jayanti\n\n2026-12-25\n".write(to: folder.appendingPathComponent("holidays.txt"), atomically: true, encoding: .utf8)
        let config = folder.appendingPathComponent("config.toml").path
        try fullTOML.replacingOccurrences(of: "[kaleyra]", with: "[deadlines]\nholidays = [\"2027-01-26\"]\nholidays_file = \"holidays.txt\"\n\n[kaleyra]")
            .write(toFile: config, atomically: true, encoding: .utf8)
        let settings = try ConfigurationLoader(environment: [:]).loadSettings(explicit: config)
        #expect(settings.deadlineRules.calendar.holidays.map(\.description).sorted() == ["2026-10-02", "2026-12-25", "2027-01-26"])
        try "2026-10-02\nDiwali\n".write(to: folder.appendingPathComponent("holidays.txt"), atomically: true, encoding: .utf8)
        #expect(throws: ConfigurationError(file: config, key: "deadlines.holidays_file",
                                           problem: "\(folder.path)/holidays.txt, line 2: \"Diwali\" is not a date; expected YYYY-MM-DD, e.g. 2026-12-25")) {
            try ConfigurationLoader(environment: [:]).loadSettings(explicit: config)
        }
    }

    @Test func alertsAreReadWithTheirSecretAndBadValuesSaySo() throws {
        func alerts(_ table: String, environment: [String: String] = [:]) throws(ConfigurationError) -> RefundConfiguration {
            try parse(fullTOML.replacingOccurrences(of: "[kaleyra]", with: "[alerts]\n\(table)\n\n[kaleyra]"), environment: environment)
        }
        func error(_ table: String) -> String? {
            do { _ = try alerts(table); return nil } catch { return error.description }
        }
        let config = try alerts("""
            deadline_lead = "6h"
            fetch_failing_after = "1h"
            user = "asha"
            notify = "osc9"
            command = ["/usr/local/bin/notify-desk", "--room", "refunds"]
            command_timeout = "30s"
            webhook_url = "https://hooks.example.com/refunds"
            webhook_secret_env = "HOOK"
            retry_after = "2s"
            """, environment: ["HOOK": "hook-SECRET-444"])
        #expect(config.alerts.thresholds.deadlineLead == 6 * 3600 && config.alerts.thresholds.fetchFailingAfter == 3600)
        #expect(config.alerts.user == "asha" && config.alerts.notify == .osc9)
        let delivery = try #require(config.alertDelivery)
        #expect(delivery.command == ["/usr/local/bin/notify-desk", "--room", "refunds"] && delivery.commandTimeout == 30 && delivery.retryAfter == 2)
        #expect(delivery.webhookURL == "https://hooks.example.com/refunds" && delivery.webhookSecret?.value == "hook-SECRET-444")
        #expect(!String(describing: delivery).contains("hook-SECRET-444"), "the secret is never printed")
        #expect(try parse(fullTOML).alertDelivery == nil, "no target, no delivery")

        #expect(error("notify = \"loud\"") == "test.toml: alerts.notify: \"loud\" is not one of bell, osc777, osc9, off")
        #expect(error("command = []") == "test.toml: alerts.command: expected the program and its arguments as a list, e.g. [\"/usr/local/bin/notify-desk\", \"--room\", \"refunds\"]")
        #expect(error("command = \"/bin/notify\"")?.hasPrefix("test.toml: alerts.command: expected the program and its arguments as a list") == true)
        #expect(error("command = [\" \"]") == "test.toml: alerts.command: the program (the first item) is empty")
        #expect(error("webhook_url = \"hooks.example.com\"") == "test.toml: alerts.webhook_url: \"hooks.example.com\" is not an http(s) URL; expected e.g. \"https://hooks.example.com/refunds\"")
        #expect(error("webhook_url = \"https://hooks.example.com/r\"")?.hasPrefix("test.toml: alerts.webhook_secret: missing; expected the secret each body is signed with") == true)
        #expect(error("retry_after = \"1h\"") == "test.toml: alerts.retry_after: 1h is out of range; expected 1s to 5m")
    }

    @Test func theMouseIsOnUnlessTheFileSaysFalse() throws {
        #expect(try parse(fullTOML).mouse)
        #expect(try !parse(variant("concurrency = 4", with: "concurrency = 4\nmouse = false")).mouse)
        let error = try #require(parseError(variant("concurrency = 4", with: "concurrency = 4\nmouse = \"no\"")))
        #expect(error.description == "test.toml: mouse: expected true or false (no quotes), found string")
    }

    @Test func theOverviewsKeysBrailleAndTheScreenToStartOn() throws {
        let plain = try parse(fullTOML)
        #expect(plain.braille && !plain.startOnOverview, "braille allowed, the watchlist first, unless the file says otherwise")
        let set = try parse(variant("concurrency = 4", with: "concurrency = 4\nbraille = false\nstart_screen = \"overview\""))
        #expect(!set.braille && set.startOnOverview)
        #expect(set.watchlistSettings.startOnOverview && !set.watchlistSettings.braille, "a --no-fetch dashboard reads them too")
        let error = try #require(parseError(variant("concurrency = 4", with: "concurrency = 4\nstart_screen = \"charts\"")))
        #expect(error.description == "test.toml: start_screen: \"charts\" is not a screen to start on; expected \"watchlist\" or \"overview\"")
    }

    @Test func secretsFromTheEnvironment() throws {
        var text = variant("api_key = \"kal-SECRET-111\"", with: "api_key_env = \"KALEYRA_API_KEY\"")
        text = text.replacingOccurrences(of: "client_secret = \"payu-SECRET-222\"", with: "client_secret_env = \"PAYU_CLIENT_SECRET\"")
        text = text.replacingOccurrences(of: "bearer_token = \"tok-SECRET-333\"", with: "bearer_token_env = \"PAYU_TOKEN\"")
        let env = ["KALEYRA_API_KEY": "env-key", "PAYU_CLIENT_SECRET": "env-secret", "PAYU_TOKEN": "env-token"]
        let config = try parse(text, environment: env)
        #expect(config.kaleyra.apiKey.value == "env-key")
        #expect(config.payu?.clientSecret.value == "env-secret")
        #expect(config.payu?.bearerToken?.value == "env-token")
    }

    @Test(arguments: [("in", "https://api.in.kaleyra.io"), ("sg", "https://api.kaleyra.io"), ("eu", "https://api.eu.kaleyra.io"),
                      ("na", "https://api.na.kaleyra.ai"), ("EU", "https://api.eu.kaleyra.io")])
    func podsMapToTheirDomains(pod: String, url: String) throws {
        let config = try parse(variant("pod = \"in\"", with: "pod = \"\(pod)\""))
        #expect(config.kaleyra.baseURL == url)
        #expect(config.kaleyra.pod == KaleyraPod(rawValue: pod.lowercased()))
    }

    @Test func baseURLOverridesThePod() throws {
        let config = try parse(variant("pod = \"in\"", with: "pod = \"eu\"\nbase_url = \"http://127.0.0.1:8080/\""))
        #expect(config.kaleyra.baseURL == "http://127.0.0.1:8080")
        #expect(config.kaleyra.pod == .eu)
    }

    @Test(arguments: [("GET", PayUMethod.get), ("get", .get), ("POST", .post), ("post", .post)])
    func payuMethods(text: String, method: PayUMethod) throws {
        #expect(try parse(variant("method = \"POST\"", with: "method = \"\(text)\"")).payu?.method == method)
        #expect(try parse(variant("method = \"POST\"", with: "")).payu?.method == .post)
    }

    @Test func missingFileSuggestsDemo() {
        let path = "/nonexistent-\(UUID())/refundwatch.toml"
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader(environment: [:]).load(explicit: path) }
        do {
            _ = try ConfigurationLoader(environment: [:]).load(explicit: path)
        } catch {
            #expect(error.description.contains(path))
            #expect(error.description.contains("--demo"))
        }
    }

    @Test func loadsAFileFromDisk() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("refundwatch-config-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("config.toml").path
        try fullTOML.write(toFile: file, atomically: true, encoding: .utf8)
        let config = try ConfigurationLoader(environment: [:]).load(explicit: file)
        #expect(config.source == file)
        #expect(config.kaleyra.sid == "HXAP16XXXXXX97IN")
        #expect(config.payu?.merchantID == "8244519")
        // Found through REFUNDWATCH_CONFIG too.
        let viaEnv = try ConfigurationLoader(environment: ["REFUNDWATCH_CONFIG": file]).load(explicit: nil)
        #expect(viaEnv.kaleyra.apiKey.value == "kal-SECRET-111")
    }

    @Test func malformedTOMLNamesFileAndLine() throws {
        let error = try #require(parseError("refresh_interval = 30\nconcurrency = 8\nthis is not toml\n[kaleyra]\n"))
        #expect(error.file == "test.toml")
        #expect(error.description.hasPrefix("test.toml"))
        #expect(error.description.contains("line 3"))
    }

    @Test(arguments: [
        ("[kaleyra]", "[kaleyra_typo]", "kaleyra", "[kaleyra]"),
        ("sid = \"HXAP16XXXXXX97IN\"", "", "kaleyra.sid", "missing"),
        ("sid = \"HXAP16XXXXXX97IN\"", "sid = \"  \"", "kaleyra.sid", "empty"),
        ("pod = \"in\"", "pod = \"xx\"", "kaleyra.pod", "in, sg, eu, na"),
        ("pod = \"in\"", "base_url = \"ftp://example.com\"", "kaleyra.base_url", "http"),
        ("concurrency = 4", "concurrency = \"eight\"", "concurrency", "whole number"),
        ("concurrency = 4", "concurrency = 0", "concurrency", "out of range"),
        ("refresh_interval = 45", "refresh_interval = \"soon\"", "refresh_interval", "number"),
        ("method = \"POST\"", "method = \"PUT\"", "payu.method", "PUT"),
        ("merchant_id = \"8244519\"", "merchant_id = 8244519", "payu.merchant_id", "string"),
        ("refund_status_url = \"https://test-partnerapilayer.payu.in/apilayer/partner/refunds/status\"", "refund_status_url = \"payu\"", "payu.refund_status_url", "URL"),
        ("bearer_token = \"tok-SECRET-333\"", "", "payu.bearer_token", "bearer_token_env"),
        ("api_key = \"kal-SECRET-111\"", "api_key = \"\"", "kaleyra.api_key", "empty"),
    ])
    func errorsNameTheKeyAndNeverASecret(line: String, replacement: String, key: String, mentions: String) throws {
        let error = try #require(parseError(variant(line, with: replacement)), "\(replacement) should be refused")
        #expect(error.key == key)
        #expect(error.file == "test.toml")
        #expect(error.description.contains("test.toml: \(key)"))
        #expect(error.description.contains(mentions), "\(error.description)")
        expectNoSecrets(error.description)
        expectNoSecrets(String(reflecting: error))
        expectNoSecrets(error.localizedDescription)
    }

    @Test(arguments: [[:], ["KALEYRA_API_KEY": ""]] as [[String: String]])
    func unsetEnvironmentVariableIsNamed(environment: [String: String]) throws {
        let text = variant("api_key = \"kal-SECRET-111\"", with: "api_key_env = \"KALEYRA_API_KEY\"")
        let error = try #require(parseError(text, environment: environment))
        #expect(error.key == "kaleyra.api_key_env")
        #expect(error.description.contains("KALEYRA_API_KEY"))
        expectNoSecrets(error.description)
    }

    @Test(arguments: ["api_key = kal-SECRET-111", "api_key = \"kal-SECRET-111", "api_key = \"kal-SECRET-111\"\napi_key = \"kal-SECRET-111\"",
                      "api_key = \"kal-SECRET-111\" trailing"])
    func tomlSyntaxErrorsNeverEchoASecret(line: String) throws {
        let error = try #require(parseError(variant("api_key = \"kal-SECRET-111\"", with: line)))
        #expect(error.description.contains("line "))
        expectNoSecrets(error.description)
    }

    @Test func printingAConfigurationRedactsSecrets() throws {
        let config = try parse(fullTOML)
        let described = String(describing: config)
        #expect(described.contains("HXAP16XXXXXX97IN"))
        #expect(described.contains("<redacted>"))
        expectNoSecrets(described)
        expectNoSecrets("\(config)")
        expectNoSecrets(String(reflecting: config))
        expectNoSecrets("\(config.kaleyra) \(String(describing: config.payu))")
        #expect(String(reflecting: config.kaleyra.apiKey) == "<redacted>")
        #expect("\(config.payu!.clientSecret)" == "<redacted>")
        #expect(String(reflecting: config.payu!.bearerToken!) == "<redacted>")
    }

    @Test func dumpingAConfigurationRedactsSecrets() throws {
        let config = try parse(fullTOML)
        var dumped = ""
        dump(config, to: &dumped)
        expectNoSecrets(dumped)
    }

    @Test func configPathPrecedence() {
        let everything = ["REFUNDWATCH_CONFIG": "/env/c.toml", "XDG_CONFIG_HOME": "/xdg", "HOME": "/home/u"]
        #expect(ConfigurationLoader(environment: everything).path(explicit: "/explicit.toml") == "/explicit.toml")
        #expect(ConfigurationLoader(environment: everything).path(explicit: nil) == "/env/c.toml")
        #expect(ConfigurationLoader(environment: everything).path(explicit: "") == "/env/c.toml")
        #expect(ConfigurationLoader(environment: ["XDG_CONFIG_HOME": "/xdg", "HOME": "/home/u"]).path(explicit: nil) == "/xdg/refundwatch/config.toml")
        #expect(ConfigurationLoader(environment: ["REFUNDWATCH_CONFIG": "", "XDG_CONFIG_HOME": "", "HOME": "/home/u"]).path(explicit: nil)
                == "/home/u/.config/refundwatch/config.toml")
        #expect(ConfigurationLoader(environment: ["HOME": "/home/u"]).path(explicit: nil) == "/home/u/.config/refundwatch/config.toml")
    }
}

/// A configuration file that holds a secret itself and that others can read gets the warning ssh
/// gives for a private key: which file, which secrets, and `chmod 600`. That the commands print it
/// is tested against the built binary in EndToEndTests (ConfigurationWarningCommandTests).
@Suite struct ConfigurationPermissionTests {
    func file(_ text: String, mode: Int) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rw-config-\(UUID()).toml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    @Test func inlineSecretsInAFileOthersCanReadAreWarnedAbout() throws {
        let everyone = try file(fullTOML, mode: 0o644)
        let loaded = try ConfigurationLoader(environment: [:]).load(explicit: everyone)
        #expect(loaded.warnings == ["\(everyone) holds secrets (kaleyra.api_key, payu.client_secret, payu.bearer_token) and can be read by every user of this machine (mode 0644). Run: chmod 600 \(everyone)"])
        let group = try file(fullTOML, mode: 0o640)
        #expect(try ConfigurationLoader(environment: [:]).load(explicit: group).warnings
            == ["\(group) holds secrets (kaleyra.api_key, payu.client_secret, payu.bearer_token) and can be read by its group (mode 0640). Run: chmod 600 \(group)"])
        for warning in loaded.warnings { #expect(secretValues.allSatisfy { !warning.contains($0) }) }
    }

    @Test func aPrivateFileOrSecretsFromTheEnvironmentAreNotWarnedAbout() throws {
        #expect(try ConfigurationLoader(environment: [:]).load(explicit: try file(fullTOML, mode: 0o600)).warnings.isEmpty)
        let fromEnvironment = fullTOML
            .replacingOccurrences(of: #"api_key = "kal-SECRET-111""#, with: #"api_key_env = "K""#)
            .replacingOccurrences(of: #"client_secret = "payu-SECRET-222""#, with: #"client_secret_env = "C""#)
            .replacingOccurrences(of: #"bearer_token = "tok-SECRET-333""#, with: #"bearer_token_env = "T""#)
        let environment = ["K": "kal-SECRET-111", "C": "payu-SECRET-222", "T": "tok-SECRET-333"]
        #expect(try ConfigurationLoader(environment: environment).load(explicit: try file(fromEnvironment, mode: 0o644)).warnings.isEmpty)
    }
}

/// `[payu.oauth]`: refundwatch renews PayU's access token itself.
@Suite struct PayUOAuthConfigurationTests {
    private let oauthTOML = variant("bearer_token = \"tok-SECRET-333\"", with: """
        [payu.oauth]
        client_id = "partner-app-1"
        refresh_token_env = "PAYU_REFRESH"
        """)

    @Test func oauthReplacesTheFixedTokenWithProductionDefaults() throws {
        let config = try parse(oauthTOML, environment: ["PAYU_REFRESH": "rt-SECRET-444"])
        let payu = try #require(config.payu)
        let oauth = try #require(payu.oauth)
        #expect(payu.bearerToken == nil)
        #expect(payu.environment == .production)
        #expect(oauth.tokenURL == "https://accounts.payu.in/oauth/token")
        #expect(oauth.clientID == "partner-app-1")
        #expect(oauth.refreshToken.value == "rt-SECRET-444")
        #expect(oauth.refreshTokenOrigin == "refresh_token_env PAYU_REFRESH")
        // The client secret of [payu] is the OAuth client's unless [payu.oauth] names its own.
        #expect(oauth.clientSecret.value == "payu-SECRET-222")
        let described = "\(config)"
        #expect(described.contains("[payu.oauth]\ntoken_url = https://accounts.payu.in/oauth/token\nclient_id = partner-app-1"))
        #expect(!described.contains("rt-SECRET-444"))
        expectNoSecrets(described)
    }

    @Test func theTestEnvironmentUsesPayUsTestHostAndAnExplicitURLWins() throws {
        let test = try parse(oauthTOML.replacingOccurrences(of: "method = \"POST\"", with: "method = \"POST\"\nenvironment = \"test\""),
                             environment: ["PAYU_REFRESH": "r"])
        #expect(test.payu?.environment == .test)
        #expect(test.payu?.oauth?.tokenURL == "https://uat-accounts.payu.in/oauth/token")
        let explicit = try parse(oauthTOML + "\ntoken_url = \"http://127.0.0.1:9/oauth/token\"\nclient_secret = \"own-SECRET\"", environment: ["PAYU_REFRESH": "r"])
        #expect(explicit.payu?.oauth?.tokenURL == "http://127.0.0.1:9/oauth/token")
        #expect(explicit.payu?.oauth?.clientSecret.value == "own-SECRET")
    }

    @Test(arguments: [
        ("environment = \"staging\"", "payu.environment", "expected \"production\" or \"test\""),
        ("token_url = \"accounts.payu.in\"", "payu.oauth.token_url", "is not an http(s) URL"),
        ("client_id = \"\"", "payu.oauth.client_id", "is empty"),
    ])
    func oauthMistakesNameTheKey(line: String, key: String, mentions: String) throws {
        var text = oauthTOML
        if line.hasPrefix("environment") {
            text = text.replacingOccurrences(of: "method = \"POST\"", with: "method = \"POST\"\n" + line)
        } else if line.hasPrefix("client_id") {
            text = text.replacingOccurrences(of: "client_id = \"partner-app-1\"", with: line)
        } else {
            text += "\n" + line
        }
        let error = try #require(parseError(text, environment: ["PAYU_REFRESH": "rt-SECRET-444"]))
        #expect(error.key == key)
        #expect(error.description.contains(mentions), "\(error)")
        #expect(!error.description.contains("rt-SECRET-444"))
    }

    @Test func aMissingRefreshTokenVariableAndBothKindsOfTokenAreErrors() throws {
        let unset = try #require(parseError(oauthTOML))
        #expect(unset.key == "payu.oauth.refresh_token_env")
        #expect(unset.description.contains("PAYU_REFRESH, which is not set"))
        let both = try #require(parseError(fullTOML + "\n[payu.oauth]\nclient_id = \"a\"\nrefresh_token = \"rt-SECRET-444\""))
        #expect(both.key == "payu.bearer_token")
        #expect(both.description.contains("keep one"))
        expectNoSecrets(both.description)
        #expect(!both.description.contains("rt-SECRET-444"))
    }
}

/// `database_url`: the team's PostgreSQL database, never with its password.
@Suite struct DatabaseURLConfigurationTests {
    @Test func aPostgreSQLURLIsReadAndOneWithAPasswordIsRefused() throws {
        let good = try ConfigurationLoader(environment: [:]).parse("database_url = \"postgres://desk@db.internal:5432/refunds?sslmode=verify-full\"\n" + minimalKaleyraTOML, file: "t.toml")
        #expect(good.databaseURL == "postgres://desk@db.internal:5432/refunds?sslmode=verify-full")
        #expect(try ConfigurationLoader(environment: [:]).parse(minimalKaleyraTOML, file: "t.toml").databaseURL == nil)
        for (line, problem) in [
            ("database_url = \"postgres://desk:hunter2-pw@db/refunds\"", "holds a password; remove it and set PGPASSWORD (e.g. in the service's environment file) or use ~/.pgpass"),
            ("database_url = \"postgres://desk@db/refunds?password=hunter2-pw\"", "holds a password; remove it and set PGPASSWORD (e.g. in the service's environment file) or use ~/.pgpass"),
            ("database_url = \"/var/lib/refundwatch/w.sqlite\"", "expected a PostgreSQL URL such as \"postgres://user@host:5432/refundwatch\" (a SQLite file is given with --db FILE)"),
        ] {
            do {
                _ = try ConfigurationLoader(environment: [:]).parse(line + "\n" + minimalKaleyraTOML, file: "t.toml")
                Issue.record("accepted \(line)")
            } catch {
                #expect(error.description == "t.toml: database_url: " + problem)
                #expect(!error.description.contains("hunter2-pw"))
            }
        }
    }
}
