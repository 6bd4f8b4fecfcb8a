import Foundation
import TOMLKit

/// Finds and reads `config.toml`, turning every problem into one `ConfigurationError` that names
/// the file, the key and what is expected.
public struct ConfigurationLoader: Sendable {
    public var environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    /// `--config FILE`, else `$REFUNDWATCH_CONFIG`, else `$XDG_CONFIG_HOME/refundwatch/config.toml`
    /// (or `~/.config/refundwatch/config.toml`).
    public func path(explicit: String?) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let fromEnv = environment["REFUNDWATCH_CONFIG"], !fromEnv.isEmpty { return fromEnv }
        let base = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.config")
        return base + "/refundwatch/config.toml"
    }

    /// Everything, for talking to the APIs: each secret is read here (from the file, or from the
    /// environment variable its `_env` key names), and one that is missing is refused.
    public func load(explicit: String?) throws(ConfigurationError) -> RefundConfiguration {
        let (file, table) = try read(explicit: explicit)
        var configuration = try build(table, file: file)
        configuration.warnings += Self.warnings(file: file, table: table)
        return configuration
    }

    /// Only what reading the watchlist needs (`WatchlistSettings`): the keys of `[kaleyra]`,
    /// `[payu]` and `[accounts.NAME.…]` are not read, so no secret is needed, and a missing one is
    /// no error here. The accounts' names are (`accountNames`), and a mistake in how the accounts
    /// are laid out (a bad or repeated name, an account without its Kaleyra table) is refused.
    public func loadSettings(explicit: String?) throws(ConfigurationError) -> WatchlistSettings {
        let (file, table) = try read(explicit: explicit)
        let builder = ConfigurationBuilder(reader: reader(table, file: file))
        var settings = try builder.settings(source: file)
        settings.accountNames = try builder.accountTables(required: false).map(\.name)
        settings.listen = try ListenSettingsReader(reader: reader(table, file: file)).settings()
        settings.warnings += Self.warnings(file: file, table: table)
        return settings
    }

    public func parse(_ text: String, file: String?) throws(ConfigurationError) -> RefundConfiguration {
        try build(Self.table(text, file: file), file: file)
    }

    private func read(explicit: String?) throws(ConfigurationError) -> (file: String, table: TOMLTable) {
        let file = path(explicit: explicit)
        guard FileManager.default.fileExists(atPath: file) else {
            throw ConfigurationError(file: file, key: nil, problem: "no such file. Create it (docs/configuration.md shows every key), pass --config FILE, or try --demo to use the built-in simulator.")
        }
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw ConfigurationError(file: file, key: nil, problem: "cannot be read as UTF-8 text (\(error.localizedDescription)).")
        }
        return (file, try Self.table(text, file: file))
    }

    private static func warnings(file: String, table: TOMLTable) -> [String] {
        permissionWarning(file: file, inlineSecrets: inlineSecrets(in: table)).map { [$0] } ?? []
    }

    private func reader(_ table: TOMLTable, file: String?) -> TableReader {
        TableReader(table: table, prefix: "", file: file, environment: environment)
    }

    private func build(_ table: TOMLTable, file: String?) throws(ConfigurationError) -> RefundConfiguration {
        try ConfigurationBuilder(reader: reader(table, file: file)).build(source: file)
    }

    private static func table(_ text: String, file: String?) throws(ConfigurationError) -> TOMLTable {
        do {
            return try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            let at = "line \(error.source.begin.line), column \(error.source.begin.column)"
            throw ConfigurationError(file: file, key: nil, problem: "not valid TOML at \(at): \(error.description).")
        } catch {
            throw ConfigurationError(file: file, key: nil, problem: "not valid TOML: \(error).")
        }
    }

    /// Keys whose value is a secret when written in the file itself (the `_env` forms name a
    /// variable instead, which is what docs/configuration.md recommends). Those under `kaleyra`
    /// and `payu` are secrets in each account too (`accounts.NAME.kaleyra.api_key`, …).
    static let secretKeys: [(table: [String], key: String)] = [
        (["kaleyra"], "api_key"), (["payu"], "client_secret"), (["payu"], "bearer_token"),
        (["payu", "oauth"], "client_secret"), (["payu", "oauth"], "refresh_token"), (["alerts"], "webhook_secret"),
    ] + PushSource.allCases.flatMap { source in
        ["secret", "basic_password", "meta_app_secret", "meta_verify_token"].map { (["listen", source.rawValue], $0) }
    }

    /// The secret keys of one account's tables, relative to `[accounts.NAME]`.
    static var accountSecretKeys: [(table: [String], key: String)] {
        secretKeys.filter { ["kaleyra", "payu"].contains($0.table[0]) }
    }

    /// The secret keys the file writes inline, as `payu.client_secret`: the top-level ones first,
    /// then each account's (sorted by name), as `accounts.acme.payu.oauth.refresh_token`. Only
    /// key names are returned, never a value.
    static func inlineSecrets(in table: TOMLTable) -> [String] {
        func inline(_ keys: [(table: [String], key: String)], under path: [String]) -> [String] {
            keys.compactMap { entry in
                var current: TOMLTable? = table
                for name in path + entry.table { current = current?[name]?.table }
                guard let value = current?[entry.key]?.string, !value.isEmpty else { return nil }
                return (path + entry.table + [entry.key]).map { TerminalSafe.text($0) }.joined(separator: ".")
            }
        }
        var found = inline(secretKeys, under: [])
        if let accounts = table["accounts"]?.table {
            for name in accounts.keys.sorted(by: AccountTables.nameOrder) {
                found += inline(accountSecretKeys, under: ["accounts", name])
            }
        }
        return found
    }

    /// What ssh says of a private key others can read, for a configuration file that holds secrets
    /// and is readable by its group or by everyone; nil when it is not (or holds no secret).
    static func permissionWarning(file: String, inlineSecrets: [String]) -> String? {
        guard !inlineSecrets.isEmpty else { return nil }
        var info = stat()
        guard stat(file, &info) == 0 else { return nil }
        let mode = Int(info.st_mode) & 0o777
        guard mode & 0o044 != 0 else { return nil }
        let who = mode & 0o004 != 0 ? "every user of this machine" : "its group"
        return "\(file) holds secrets (\(inlineSecrets.joined(separator: ", "))) and can be read by \(who) (mode \(String(mode, radix: 8, uppercase: false).leftPadded(to: 4))). Run: chmod 600 \(file)"
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

/// Builds the typed configuration from a parsed file.
private struct ConfigurationBuilder {
    let reader: TableReader

    /// The top-level keys: none of them is a secret.
    func settings(source: String?) throws(ConfigurationError) -> WatchlistSettings {
        var settings = WatchlistSettings()
        settings.source = source
        settings.refreshInterval = try reader.duration("refresh_interval", range: 1...86_400) ?? settings.refreshInterval
        settings.settledInterval = try reader.duration("settled_interval", range: 60...(30 * 86_400)) ?? settings.settledInterval
        settings.archiveAfter = try reader.duration("archive_after", range: 3600...(3650 * 86_400)) ?? settings.archiveAfter
        if settings.settledInterval < settings.refreshInterval {
            throw reader.error("settled_interval", "\(DurationText.short(settings.settledInterval)) is shorter than refresh_interval (\(DurationText.short(settings.refreshInterval))); settled orders are polled less often, not more")
        }
        settings.deadlineRules = try DeadlineSettings(reader: reader).rules()
        settings.alerts = try AlertSettingsReader(reader: reader).settings()
        if let url = try reader.string("database_url") {
            let lower = url.lowercased()
            guard lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://") else {
                throw reader.error("database_url", "expected a PostgreSQL URL such as \"postgres://user@host:5432/refundwatch\" (a SQLite file is given with --db FILE)")
            }
            // user:password@ before the host: refused, as ps and anyone reading the file would see it.
            let afterScheme = url[url.range(of: "://")!.upperBound...]
            let authority = afterScheme.prefix { $0 != "/" && $0 != "?" }
            let userHasPassword = authority.lastIndex(of: "@").map { authority[..<$0].contains(":") } ?? false
            if userHasPassword || url.lowercased().contains("password=") {
                throw reader.error("database_url", "holds a password; remove it and set PGPASSWORD (e.g. in the service's environment file) or use ~/.pgpass")
            }
            settings.databaseURL = url
        }
        settings.theme = try reader.string("theme")
        settings.mouse = try reader.bool("mouse") ?? true
        settings.braille = try reader.bool("braille") ?? true
        switch try reader.string("start_screen") {
        case nil, "watchlist"?: settings.startOnOverview = false
        case "overview"?: settings.startOnOverview = true
        case let other?: throw reader.error("start_screen", "\"\(TerminalSafe.text(other))\" is not a screen to start on; expected \"watchlist\" or \"overview\"")
        }
        settings.views = try ViewSettingsReader(reader: reader).views()
        return settings
    }

    func build(source: String?) throws(ConfigurationError) -> RefundConfiguration {
        let settings = try settings(source: source)
        let concurrency = try reader.integer("concurrency", range: 1...256) ?? 8
        let requestTimeout = try reader.number("request_timeout", range: 0.1...600) ?? 20
        let connectTimeout = try reader.number("connect_timeout", range: 0.1...120) ?? min(5, requestTimeout)
        var http = HTTPSettings(connectTimeout: connectTimeout, requestTimeout: requestTimeout, concurrency: concurrency)

        var accounts: [AccountSettings] = []
        for tables in try accountTables(required: true) {
            accounts.append(try account(tables))
        }
        http.requestsPerSecond = accounts[0].requestsPerSecond
        var configuration = RefundConfiguration(source: source, refreshInterval: settings.refreshInterval,
                                                http: http, accounts: accounts)
        configuration.settledInterval = settings.settledInterval
        configuration.deadlineRules = settings.deadlineRules
        configuration.alerts = settings.alerts
        configuration.alertDelivery = try AlertSettingsReader(reader: reader).delivery()
        configuration.archiveAfter = settings.archiveAfter
        configuration.databaseURL = settings.databaseURL
        configuration.theme = settings.theme
        configuration.mouse = settings.mouse
        configuration.braille = settings.braille
        configuration.startOnOverview = settings.startOnOverview
        configuration.views = settings.views
        configuration.budgetPerProcess = try reader.bool("budget_per_process") ?? false
        configuration.listen = try ListenSettingsReader(reader: reader).settings()
        return configuration
    }

    private static let kaleyraKeys = "sid, api_key (or api_key_env), phone_number_id and payment_config_id"

    /// The accounts' tables, in `RefundConfiguration.accounts`' order: `[kaleyra]` (and `[payu]`)
    /// as `default`, then each `[accounts.NAME]` sorted by name. Reads no key of these tables, so
    /// no secret; refuses a bad or repeated name, an account without its Kaleyra table, `[payu]`
    /// without `[kaleyra]`, an empty `[accounts]`. A file with none of `[kaleyra]`, `[payu]` and
    /// `[accounts]` is refused when `required`, else has no account.
    func accountTables(required: Bool) throws(ConfigurationError) -> [AccountTables] {
        let topKaleyra = try reader.table("kaleyra")
        let topPayU = try reader.table("payu")
        let accountsTable = try reader.table("accounts")
        var found: [AccountTables] = []
        if let topKaleyra {
            found.append(AccountTables(name: AccountSettings.defaultName, kaleyra: topKaleyra, payu: topPayU))
        } else if topPayU != nil {
            throw reader.error("kaleyra", "missing beside [payu]; a PayU side belongs to an account: add [kaleyra] (\(Self.kaleyraKeys)) above [payu] for the account \"\(AccountSettings.defaultName)\", or move [payu] to [accounts.NAME.payu] beside that account's [accounts.NAME.kaleyra]")
        }
        if let accountsTable {
            guard !accountsTable.table.isEmpty else {
                throw reader.error("accounts", "has no account; write [accounts.NAME.kaleyra] (\(Self.kaleyraKeys)) for each account, or [kaleyra] at the top for a single one")
            }
            for name in accountsTable.table.keys.sorted(by: AccountTables.nameOrder) {
                let key = "accounts.\(TerminalSafe.text(name))"
                guard AccountSettings.isValidName(name) else {
                    throw reader.error(key, "is not an account name; a name is 1 to 32 letters (A-Z, a-z), digits, _ or -, e.g. [accounts.acme-retail.kaleyra]")
                }
                if let earlier = found.first(where: { AccountSettings.sameName($0.name, name) }) {
                    let other = earlier.name == AccountSettings.defaultName && earlier.kaleyra.prefix == "kaleyra."
                        ? "[kaleyra] at the top is the account \"\(AccountSettings.defaultName)\"; rename [accounts.\(name)], or move [kaleyra] (and [payu]) into it"
                        : "[accounts.\(earlier.name)] has the same name (names are compared without regard to case); rename one of them"
                    throw reader.error(key, "is a duplicate account name: \(other)")
                }
                guard let value = accountsTable.table[name], value.table != nil else {
                    throw reader.error(key, "expected a table ([accounts.\(name)]) holding the account's [accounts.\(name).kaleyra] and optional [accounts.\(name).payu], found \(accountsTable.table[name]?.type.description ?? "nothing")")
                }
                let account = try accountsTable.requiredTable(name, expected: "a table")
                guard let kaleyra = try account.table("kaleyra") else {
                    throw account.error("kaleyra", "missing; an account needs its Kaleyra side: add [accounts.\(name).kaleyra] with \(Self.kaleyraKeys)")
                }
                found.append(AccountTables(name: name, kaleyra: kaleyra, payu: try account.table("payu")))
            }
        }
        if found.isEmpty && required {
            throw reader.error("kaleyra", "missing; expected a [kaleyra] table with \(Self.kaleyraKeys), or an [accounts.NAME.kaleyra] table for each of several accounts")
        }
        return found
    }

    /// One account read from its tables: its keys, its secrets, its budgets.
    private func account(_ tables: AccountTables) throws(ConfigurationError) -> AccountSettings {
        let kaleyra = try kaleyraSettings(tables.kaleyra)
        let payu = try tables.payu.map { t throws(ConfigurationError) in try payuSettings(t) }
        let budgets: [Service: Double] = [
            .kaleyra: try tables.kaleyra.number("max_requests_per_second", range: 0.1...1000) ?? RequestBudget.kaleyraDefault,
            .payu: try tables.payu?.number("max_requests_per_second", range: 0.1...1000) ?? RequestBudget.payuDefault,
        ]
        return AccountSettings(name: tables.name, kaleyra: kaleyra, payu: payu, requestsPerSecond: budgets)
    }

    /// `payment_config_id = "x"` or `payment_config_ids = ["a", "b"]`: exactly one of the two.
    private func paymentConfigIDs(_ t: TableReader) throws(ConfigurationError) -> [String] {
        let expected = "the payment configuration id used in order_details messages"
        let hasOne = t.table["payment_config_id"] != nil
        guard let value = t.table["payment_config_ids"] else {
            guard hasOne else {
                throw t.error("payment_config_id", "missing; expected \(expected), as payment_config_id = \"...\" (or payment_config_ids = [\"...\", \"...\"] for several)")
            }
            return [try t.requiredString("payment_config_id", expected: expected)]
        }
        if hasOne {
            throw t.error("payment_config_id", "is set and so is payment_config_ids; keep one: payment_config_id = \"...\" for one payment configuration, payment_config_ids = [\"...\", \"...\"] for several")
        }
        guard let array = value.array else {
            throw t.error("payment_config_ids", "expected a list of payment configuration ids such as [\"refundwatch-config\", \"festive-sale\"], found \(value.type)")
        }
        guard !array.isEmpty else {
            throw t.error("payment_config_ids", "is empty; expected at least one payment configuration id, e.g. [\"refundwatch-config\"] (or payment_config_id = \"refundwatch-config\")")
        }
        var ids: [String] = []
        for (position, element) in array.enumerated() {
            guard let text = element.string else {
                throw t.error("payment_config_ids", "item \(position + 1) is not a string in quotes, found \(element.type)")
            }
            let id = text.trimmingCharacters(in: .whitespaces)
            guard !id.isEmpty else { throw t.error("payment_config_ids", "item \(position + 1) is empty; expected \(expected)") }
            if let earlier = ids.firstIndex(of: id) {
                throw t.error("payment_config_ids", "item \(position + 1) (\"\(TerminalSafe.text(id))\") repeats item \(earlier + 1); list each payment configuration once")
            }
            ids.append(id)
        }
        return ids
    }

    private func kaleyraSettings(_ t: TableReader) throws(ConfigurationError) -> KaleyraSettings {
        var pod: KaleyraPod?
        if let podText = try t.string("pod") {
            guard let parsed = KaleyraPod(rawValue: podText.lowercased()) else {
                throw t.error("pod", "unknown pod \"\(podText)\"; expected one of in, sg, eu, na")
            }
            pod = parsed
        }
        let baseURL: String
        if let explicit = try t.string("base_url") {
            guard let url = URL(string: explicit), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), url.host != nil else {
                throw t.error("base_url", "\"\(explicit)\" is not an http(s) URL; expected e.g. \"https://api.in.kaleyra.io\"")
            }
            baseURL = explicit
        } else {
            baseURL = "https://" + (pod ?? .in).apiDomain
        }
        return KaleyraSettings(
            baseURL: baseURL, pod: pod,
            sid: try t.requiredString("sid", expected: "your Kaleyra account SID, e.g. \"HXAP16XXXXXX97IN\""),
            apiKey: try t.secret("api_key", expected: "your Kaleyra API key"),
            phoneNumberID: try t.requiredString("phone_number_id", expected: "the WhatsApp business phone number id"),
            paymentConfigIDs: try paymentConfigIDs(t))
    }

    private func payuSettings(_ t: TableReader) throws(ConfigurationError) -> PayUSettings {
        let urlText = try t.requiredString("refund_status_url", expected: "the full URL of PayU's WhatsApp refund status endpoint")
        guard let url = URL(string: urlText), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), url.host != nil else {
            throw t.error("refund_status_url", "\"\(urlText)\" is not an http(s) URL")
        }
        var method = PayUMethod.post
        if let text = try t.string("method") {
            guard let parsed = PayUMethod(rawValue: text.uppercased()) else {
                throw t.error("method", "\"\(text)\" is not supported; expected \"POST\" (JSON body) or \"GET\" (query parameters)")
            }
            method = parsed
        }
        var environment = PayUEnvironment.production
        if let text = try t.string("environment") {
            guard let parsed = PayUEnvironment(rawValue: text.lowercased()) else {
                throw t.error("environment", "unknown environment \"\(text)\"; expected \"production\" or \"test\"")
            }
            environment = parsed
        }
        let clientSecret = try t.secret("client_secret", expected: "the PayU client secret used in the hash")
        let authorization: PayUAuthorization
        if let oauthTable = try t.table("oauth") {
            let fixedToken = try t.string("bearer_token"), fixedTokenEnv = try t.string("bearer_token_env")
            if fixedToken != nil || fixedTokenEnv != nil {
                throw t.error("bearer_token", "is set beside [\(t.prefix)oauth]; keep one: [\(t.prefix)oauth] renews tokens itself, bearer_token is a fixed token that expires")
            }
            authorization = .oauth(try oauthSettings(oauthTable, environment: environment, payuClientSecret: clientSecret))
        } else {
            authorization = .bearerToken(try t.secret("bearer_token", expected: "a PayU OAuth bearer token (or a [\(t.prefix)oauth] table, which renews tokens itself)"))
        }
        return PayUSettings(
            refundStatusURL: urlText, method: method, environment: environment,
            merchantID: try t.requiredString("merchant_id", expected: "your PayU merchant id (MID)"),
            resellerID: try t.requiredString("reseller_id", expected: "WhatsApp's reseller uuid"),
            clientSecret: clientSecret, authorization: authorization)
    }

    private func oauthSettings(_ t: TableReader, environment: PayUEnvironment, payuClientSecret: Secret) throws(ConfigurationError) -> PayUOAuthSettings {
        var tokenURL = environment.defaultTokenURL
        if let explicit = try t.string("token_url") {
            guard let url = URL(string: explicit), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), url.host != nil else {
                throw t.error("token_url", "\"\(explicit)\" is not an http(s) URL; expected e.g. \"\(PayUEnvironment.production.defaultTokenURL)\"")
            }
            tokenURL = explicit
        }
        let ownSecret = try t.string("client_secret"), ownSecretEnv = try t.string("client_secret_env")
        let hasOwnSecret = ownSecret != nil || ownSecretEnv != nil
        let refreshOrigin = try t.string("refresh_token_env").map { "refresh_token_env \($0)" } ?? "refresh_token in \(t.file ?? "the configuration")"
        return PayUOAuthSettings(
            tokenURL: tokenURL,
            clientID: try t.requiredString("client_id", expected: "the client id PayU gave your partner application"),
            clientSecret: hasOwnSecret ? try t.secret("client_secret", expected: "the client secret of your PayU partner application") : payuClientSecret,
            refreshToken: try t.secret("refresh_token", expected: "the refresh token from PayU's authorization step"),
            refreshTokenOrigin: refreshOrigin)
    }
}

/// One account's tables, found before any of their keys is read.
struct AccountTables {
    /// `default` for `[kaleyra]`, else NAME of `[accounts.NAME]`.
    let name: String
    let kaleyra: TableReader
    let payu: TableReader?

    /// The accounts' order: by name without regard to case (then as written, for names that
    /// differ only in case, which the loader refuses).
    static func nameOrder(_ a: String, _ b: String) -> Bool {
        (a.lowercased(), a) < (b.lowercased(), b)
    }
}
