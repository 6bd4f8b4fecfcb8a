import Foundation
import Testing
@testable import RefundKit

/// `[listen]` and `[listen.SOURCE]`: where `refundwatch listen` takes pushes, and how each source
/// proves where a push comes from; each mistake one message naming the file and the key.
@Suite struct ListenConfigurationTests {
    static let kaleyra = "[kaleyra]\nsid = \"S\"\napi_key = \"k\"\nphone_number_id = \"1\"\npayment_config_id = \"c\"\n\n"

    func parse(_ text: String, environment: [String: String] = [:]) throws(ConfigurationError) -> RefundConfiguration {
        try ConfigurationLoader(environment: environment).parse(Self.kaleyra + text, file: "test.toml")
    }

    func message(_ text: String, environment: [String: String] = [:]) -> String? {
        do {
            _ = try parse(text, environment: environment)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func withoutListenThereIsNone() throws {
        #expect(try parse("").listen == nil)
    }

    @Test func everyKeyIsRead() throws {
        let configuration = try parse("""
            [listen]
            bind = "0.0.0.0"
            port = 9443
            max_body = 131072
            per_address = 20
            read_timeout = "5s"
            keep_bodies = "7d"
            proxies = ["127.0.0.1", "10.0.0.0/8"]
            tls_certificate = "/etc/rw/tls.pem"
            tls_key = "/etc/rw/tls.key"

            [listen.kaleyra]
            header = "X-Refundwatch-Secret"
            secret_env = "PUSH_SECRET"
            basic_user = "kaleyra"
            basic_password = "pw"
            allow = ["203.0.113.0/24", "2001:db8::/32"]
            auto_track = true
            silent_after = "6h"

            [listen.payu-refund-status]
            allow = ["198.51.100.7"]
            meta_verify_token_env = "VERIFY_TOKEN"

            [listen.payu-arn]
            authentication = "none"

            [listen.payu-webhook]
            enabled = false
            """, environment: ["PUSH_SECRET": "from-the-environment", "VERIFY_TOKEN": "verify-from-the-environment"])
        let listen = try #require(configuration.listen)
        #expect(listen.bind == "0.0.0.0" && listen.port == 9443 && listen.maxBody == 131_072 && listen.perAddress == 20)
        #expect(listen.readTimeout == 5 && listen.keepBodies == 7 * 86_400)
        #expect(listen.proxies.map(\.description) == ["127.0.0.1", "10.0.0.0/8"])
        #expect(listen.tlsCertificate == "/etc/rw/tls.pem" && listen.tlsKey == "/etc/rw/tls.key")
        #expect(Set(listen.sources.keys) == ["kaleyra", "payu-refund-status", "payu-arn"], "a source turned off has no route")
        let kaleyra = try #require(listen.sources["kaleyra"])
        #expect(kaleyra.headerName == "X-Refundwatch-Secret" && kaleyra.headerSecret?.value == "from-the-environment")
        #expect(kaleyra.basicUser == "kaleyra" && kaleyra.basicPassword?.value == "pw")
        #expect(kaleyra.allow.map(\.description) == ["203.0.113.0/24", "2001:db8::/32"])
        #expect(kaleyra.autoTrack && kaleyra.silentAfter == 6 * 3600 && !kaleyra.open)
        #expect(listen.sources["payu-arn"]?.open == true)
        #expect(listen.sources["payu-refund-status"]?.metaVerifyToken?.value == "verify-from-the-environment" && kaleyra.metaVerifyToken == nil)
        #expect(!String(describing: configuration).contains("from-the-environment") && !String(describing: configuration).contains("\"pw\""))
    }

    @Test func theDefaultsListenOnLoopbackOnly() throws {
        let listen = try #require(try parse("[listen.kaleyra]\nallow = [\"203.0.113.0/24\"]\n").listen)
        #expect(listen.bind == "127.0.0.1" && listen.port == 8088 && listen.maxBody == 65_536 && listen.perAddress == 50)
        #expect(listen.readTimeout == 10 && listen.keepBodies == 30 * 86_400 && listen.proxies.isEmpty && listen.tlsCertificate == nil)
    }

    @Test func aSourceMustSayHowItAuthenticates() {
        #expect(message("[listen.kaleyra]\nauto_track = true\n")
                == "test.toml: listen.kaleyra.header: missing; a source needs a way to authenticate its pushes: header and secret, basic_user and basic_password, allow, or meta_app_secret (or authentication = \"none\" to take pushes from anyone who reaches the port)")
        #expect(message("[listen.kaleyra]\nauthentication = \"none\"\nallow = [\"127.0.0.1\"]\n")
                == "test.toml: listen.kaleyra.authentication: is \"none\" beside a way to authenticate; keep one of the two")
        #expect(message("[listen.kaleyra]\nauthentication = \"off\"\n")
                == "test.toml: listen.kaleyra.authentication: \"off\" is not known; the only value is \"none\" (no authentication, on purpose)")
    }

    @Test func badFormsAreNamedByFileAndKey() {
        #expect(message("[listen.payu]\nallow = [\"127.0.0.1\"]\n")
                == "test.toml: listen.payu: is not a source; the sources are kaleyra, payu-webhook, payu-refund-status, payu-arn")
        #expect(message("[listen]\nbnd = \"0.0.0.0\"\n") == "test.toml: listen.bnd: is not a key of [listen]")
        #expect(message("[listen]\nbind = \"localhost\"\n")
                == "test.toml: listen.bind: \"localhost\" is not an address to listen on; expected e.g. \"127.0.0.1\" (behind a proxy), \"0.0.0.0\" or \"::\"")
        #expect(message("[listen]\nport = 70000\n") == "test.toml: listen.port: 70000 is out of range; expected 1 to 65535")
        #expect(message("[listen]\ntls_key = \"/k\"\n")
                == "test.toml: listen.tls_certificate: missing; TLS of its own needs both tls_certificate and tls_key (or neither, behind a TLS-terminating proxy)")
        #expect(message("[listen.kaleyra]\nallow = [\"203.0.113.0/33\"]\n")
                == "test.toml: listen.kaleyra.allow: \"203.0.113.0/33\" is not an address or a network such as \"203.0.113.7\", \"203.0.113.0/24\" or \"2001:db8::/32\"")
        #expect(message("[listen.kaleyra]\nsecret = \"s\"\n")
                == "test.toml: listen.kaleyra.header: missing beside secret; name the header that carries it, e.g. header = \"X-Refundwatch-Secret\"")
        #expect(message("[listen.kaleyra]\nheader = \"X Secret\"\nsecret = \"s\"\n")
                == "test.toml: listen.kaleyra.header: \"X Secret\" is not a header name (letters, digits and -)")
        #expect(message("[listen.kaleyra]\nheader = \"X-Secret\"\n")
                == "test.toml: listen.kaleyra.secret: missing; expected the secret the header must hold, as secret = \"...\" or secret_env = \"ENV_VAR_NAME\"")
        #expect(message("[listen.kaleyra]\nheader = \"X-Secret\"\nsecret_env = \"NOT_SET\"\n")
                == "test.toml: listen.kaleyra.secret_env: names the environment variable NOT_SET, which is not set or empty; export it, or put secret in the file")
        #expect(message("[listen.kaleyra]\nallow = [\"127.0.0.1\"]\nsilent = \"6h\"\n")?.hasPrefix("test.toml: listen.kaleyra.silent: is not a key of a source; a source has header, secret") == true)
    }

    @Test func aPushSecretInAReadableFileIsWarnedOfByName() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rw-listen-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("config.toml").path
        try (Self.kaleyra.replacingOccurrences(of: "api_key = \"k\"", with: "api_key_env = \"K\"")
             + "[listen.kaleyra]\nheader = \"X-Secret\"\nsecret = \"push-secret-value\"\n").write(toFile: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
        let settings = try ConfigurationLoader(environment: ["K": "k"]).loadSettings(explicit: file)
        #expect(settings.warnings.count == 1)
        #expect(settings.warnings.first?.contains("(listen.kaleyra.secret)") == true, "\(settings.warnings)")
        #expect(settings.warnings.allSatisfy { !$0.contains("push-secret-value") })
    }
}
