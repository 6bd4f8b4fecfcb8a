import Foundation

/// `[listen]` and `[listen.SOURCE]`: how `refundwatch listen` receives pushes, and how each
/// source's pushes prove where they come from.
///
///     [listen]
///     bind = "127.0.0.1"              # behind a reverse proxy; "0.0.0.0" for every interface
///     port = 8088
///     max_body = 65536                # bytes; a larger body is answered 413
///     per_address = 50                # pushes a second from one client address before 429
///     read_timeout = "10s"            # a client slower than this to send its request is cut off
///     keep_bodies = "30d"             # how long a push's body is kept
///     proxies = ["127.0.0.1"]         # the proxy's addresses: only from them is X-Forwarded-For believed
///     tls_certificate = "/etc/refundwatch/tls.pem"   # optional: TLS of its own, with tls_key
///     tls_key = "/etc/refundwatch/tls.key"
///
///     [listen.kaleyra]                # one table a source: kaleyra, payu-webhook, payu-refund-status, payu-arn
///     header = "X-Refundwatch-Secret" # a shared secret in a header of your choosing
///     secret_env = "KALEYRA_PUSH_SECRET"   # or secret = "..."
///     basic_user = "kaleyra"          # HTTP basic authentication, with basic_password(_env)
///     allow = ["203.0.113.0/24"]      # client addresses allowed
///     meta_app_secret_env = "META_APP_SECRET"   # X-Hub-Signature-256, for Meta's own calls
///     meta_verify_token_env = "META_VERIFY_TOKEN"   # answers Meta's GET verification handshake
///     auto_track = false              # add an order a push names that is not tracked yet
///     silent_after = "6h"             # alert when nothing came from it for this long
///
/// A source without a table, or with `enabled = false`, has no route (404). A source's table must
/// set at least one way to authenticate, or say `authentication = "none"` to take pushes from
/// anyone who can reach the port (a push only makes refundwatch look an order up).
public struct ListenSettings: Sendable, Hashable {
    public var bind = "127.0.0.1"
    public var port = 8088
    public var maxBody = 65_536
    public var perAddress: Double = 50
    public var readTimeout: Double = 10
    public var keepBodies: Double = 30 * 86_400
    public var proxies: [AddressRange] = []
    public var tlsCertificate: String?
    public var tlsKey: String?
    /// The sources that have a route, by `PushSource` raw value.
    public var sources: [String: Source] = [:]

    public init() {}

    public struct Source: Sendable, Hashable {
        public var headerName: String?
        public var headerSecret: Secret?
        public var basicUser: String?
        public var basicPassword: Secret?
        public var allow: [AddressRange] = []
        public var metaAppSecret: Secret?
        /// `meta_verify_token`: what Meta's GET verification handshake must send as
        /// `hub.verify_token` to be answered its `hub.challenge` (the token typed into the app's
        /// webhook settings). Not a way to authenticate pushes.
        public var metaVerifyToken: Secret?
        /// `authentication = "none"`: no method, on purpose.
        public var open = false
        public var autoTrack = false
        public var silentAfter: Double?

        public init() {}
    }
}

/// Reads `[listen]`; nil when the file has none.
struct ListenSettingsReader {
    let reader: TableReader

    static let sourceKeys = ["header", "secret", "secret_env", "basic_user", "basic_password", "basic_password_env", "allow",
                             "meta_app_secret", "meta_app_secret_env", "meta_verify_token", "meta_verify_token_env", "authentication", "auto_track", "silent_after", "enabled"]

    func settings() throws(ConfigurationError) -> ListenSettings? {
        guard let table = try reader.table("listen") else { return nil }
        var settings = ListenSettings()
        if let bind = try table.string("bind") {
            guard IPAddress(bind) != nil else {
                throw table.error("bind", "\"\(TerminalSafe.text(bind))\" is not an address to listen on; expected e.g. \"127.0.0.1\" (behind a proxy), \"0.0.0.0\" or \"::\"")
            }
            settings.bind = bind
        }
        settings.port = try table.integer("port", range: 1...65_535) ?? settings.port
        settings.maxBody = try table.integer("max_body", range: 1_024...(16 << 20)) ?? settings.maxBody
        settings.perAddress = try table.number("per_address", range: 1...100_000) ?? settings.perAddress
        settings.readTimeout = try table.duration("read_timeout", range: 1...300) ?? settings.readTimeout
        settings.keepBodies = try table.duration("keep_bodies", range: 0...(3650 * 86_400)) ?? settings.keepBodies
        settings.proxies = try addresses(table, "proxies") ?? []
        settings.tlsCertificate = try table.string("tls_certificate")
        settings.tlsKey = try table.string("tls_key")
        if (settings.tlsCertificate == nil) != (settings.tlsKey == nil) {
            throw table.error(settings.tlsCertificate == nil ? "tls_certificate" : "tls_key",
                              "missing; TLS of its own needs both tls_certificate and tls_key (or neither, behind a TLS-terminating proxy)")
        }
        for (name, value) in table.table {
            guard value.table != nil else {
                if ["bind", "port", "max_body", "per_address", "read_timeout", "keep_bodies", "proxies", "tls_certificate", "tls_key"].contains(name) { continue }
                throw table.error(TerminalSafe.text(name), "is not a key of [listen]")
            }
            guard PushSource(rawValue: name) != nil else {
                throw table.error(TerminalSafe.text(name), "is not a source; the sources are \(PushSource.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let sourceTable = try table.requiredTable(name, expected: "a table")
            if try sourceTable.bool("enabled") == false { continue }
            settings.sources[name] = try source(sourceTable)
        }
        return settings
    }

    private func source(_ table: TableReader) throws(ConfigurationError) -> ListenSettings.Source {
        for key in table.table.keys.sorted() where !Self.sourceKeys.contains(key) {
            throw table.error(TerminalSafe.text(key), "is not a key of a source; a source has \(Self.sourceKeys.joined(separator: ", "))")
        }
        var source = ListenSettings.Source()
        if let header = try table.string("header") {
            guard header.wholeMatch(of: /[A-Za-z0-9-]{1,64}/) != nil else {
                throw table.error("header", "\"\(TerminalSafe.text(header))\" is not a header name (letters, digits and -)")
            }
            source.headerName = header
            source.headerSecret = try table.secret("secret", expected: "the secret the header must hold")
        } else if try table.string("secret") != nil {
            throw table.error("header", "missing beside secret; name the header that carries it, e.g. header = \"X-Refundwatch-Secret\"")
        } else if try table.string("secret_env") != nil {
            throw table.error("header", "missing beside secret; name the header that carries it, e.g. header = \"X-Refundwatch-Secret\"")
        }
        if let user = try table.string("basic_user") {
            source.basicUser = user
            source.basicPassword = try table.secret("basic_password", expected: "the basic authentication password")
        } else if try table.string("basic_password") != nil {
            throw table.error("basic_user", "missing beside basic_password")
        } else if try table.string("basic_password_env") != nil {
            throw table.error("basic_user", "missing beside basic_password_env")
        }
        source.allow = try addresses(table, "allow") ?? []
        let metaInline = try table.string("meta_app_secret")
        let metaVariable = try table.string("meta_app_secret_env")
        if metaInline != nil || metaVariable != nil {
            source.metaAppSecret = try table.secret("meta_app_secret", expected: "Meta's app secret")
        }
        let verifyInline = try table.string("meta_verify_token")
        let verifyVariable = try table.string("meta_verify_token_env")
        if verifyInline != nil || verifyVariable != nil {
            source.metaVerifyToken = try table.secret("meta_verify_token", expected: "the verify token typed into Meta's webhook settings")
        }
        switch try table.string("authentication") {
        case nil: break
        case "none"?: source.open = true
        case let other?: throw table.error("authentication", "\"\(TerminalSafe.text(other))\" is not known; the only value is \"none\" (no authentication, on purpose)")
        }
        let methods = source.headerName != nil || source.basicUser != nil || !source.allow.isEmpty || source.metaAppSecret != nil
        if !methods && !source.open {
            throw table.error("header", "missing; a source needs a way to authenticate its pushes: header and secret, basic_user and basic_password, allow, or meta_app_secret (or authentication = \"none\" to take pushes from anyone who reaches the port)")
        }
        if methods && source.open {
            throw table.error("authentication", "is \"none\" beside a way to authenticate; keep one of the two")
        }
        source.autoTrack = try table.bool("auto_track") ?? false
        source.silentAfter = try table.duration("silent_after", range: 60...(30 * 86_400))
        return source
    }

    private func addresses(_ table: TableReader, _ key: String) throws(ConfigurationError) -> [AddressRange]? {
        guard let value = table.table[key] else { return nil }
        guard let array = value.array else { throw table.error(key, "expected a list of addresses or networks in quotes, e.g. [\"203.0.113.0/24\"], found \(value.type)") }
        var ranges: [AddressRange] = []
        for element in array {
            guard let text = element.string else { throw table.error(key, "every item must be an address in quotes, found \(element.type)") }
            guard let range = AddressRange(text) else {
                throw table.error(key, "\"\(TerminalSafe.text(text))\" is not an address or a network such as \"203.0.113.7\", \"203.0.113.0/24\" or \"2001:db8::/32\"")
            }
            ranges.append(range)
        }
        return ranges
    }
}
