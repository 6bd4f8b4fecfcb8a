import AsyncHTTPClient
import Foundation
import Glibc
import NIOCore
import NIOSSL
import ProcessRunner
import Testing
import TestSupport

/// `refundwatch listen` with a certificate of its own (`[listen] tls_certificate`, `tls_key`): a
/// client that trusts the certificate is answered over TLS, and a file that cannot be read is a
/// configuration error naming it. The certificate is made here with `openssl`, for 127.0.0.1.
@Suite struct ListenTLSTests {
    /// A self-signed certificate for the address 127.0.0.1, and its key, in a new folder.
    static func certificate() async throws -> (folder: String, certificate: String, key: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rw-tls-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let (certificate, key) = (folder + "/tls.pem", folder + "/tls.key")
        let made = try await ProcessRunner.run(ProcessCommand("/usr/bin/env", [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", certificate,
        ], timeout: .seconds(30)))
        try #require(made.termination == .exited(0), "openssl made no certificate: \(made.stderr)")
        return (folder, certificate, key)
    }

    static func configuration(certificate: String, key: String) throws -> String {
        try ListenFixture.privateFile("""
            [listen]
            tls_certificate = "\(certificate)"
            tls_key = "\(key)"

            [listen.kaleyra]
            header = "X-Refundwatch-Secret"
            secret = "tls-TESTSECRET-5c1a"

            """)
    }

    @Test func aClientThatTrustsTheCertificateIsAnsweredOverTLS() async throws {
        let files = try await Self.certificate()
        defer { try? FileManager.default.removeItem(atPath: files.folder) }
        let config = try Self.configuration(certificate: files.certificate, key: files.key)
        let space = try StateWorkspace()
        try await CLIRunner.withProcess(["listen", "--port", "0", "--no-fetch", "--db", space.db, "--config", config],
                                        environment: space.environment, lifetime: 120) { listener in
            let line = try await waitFor("listen's line naming its port", timeout: .seconds(30), describe: { _ in listener.stderr },
                                         read: { listener.stderr.firstMatch(of: #/listening on 127\.0\.0\.1:(\d+): (.*)\n/#) },
                                         until: { $0 != nil || listener.hasEnded })
            let match = try #require(line, "listen ended: \(listener.stderr)")
            let port = try #require(Int(match.1))
            #expect(match.2.hasSuffix("/health (TLS)"), "\(match.2)")

            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(files.certificate))
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
            do {
                let health = try await client.execute(HTTPClientRequest(url: "https://127.0.0.1:\(port)/health"), timeout: .seconds(10))
                #expect(health.status.code == 200)
                var push = HTTPClientRequest(url: "https://127.0.0.1:\(port)/push/kaleyra")
                push.method = .POST
                push.headers.add(name: "X-Refundwatch-Secret", value: "tls-TESTSECRET-5c1a")
                push.headers.add(name: "Content-Type", value: "application/json")
                push.body = .bytes(ByteBuffer(string: #"{"type":"payment","status":"captured","payment":{"reference_id":"ORD-20261130-0042"}}"#))
                let pushed = try await client.execute(push, timeout: .seconds(10))
                let body = String(buffer: try await pushed.body.collect(upTo: 4096))
                #expect(pushed.status.code == 200 && body.contains(#""accepted":true"#), "\(body)")
            } catch {
                try? await client.shutdown()
                throw error
            }
            try await client.shutdown()
            // Plain HTTP on the TLS port is not answered as HTTP.
            let plain = try? await RawHTTP.send(port: port, "GET", "/health", headers: [:], body: "")
            #expect(plain?.status != 200)
            listener.signal(SIGTERM)
            #expect(try await listener.exit().termination == .exited(0))
        }
    }

    @Test func aKeyThatCannotBeReadIsAConfigurationErrorNamingIt() async throws {
        let files = try await Self.certificate()
        defer { try? FileManager.default.removeItem(atPath: files.folder) }
        let missing = files.folder + "/missing.key"
        let config = try Self.configuration(certificate: files.certificate, key: missing)
        let space = try StateWorkspace()
        let run = try await CLIRunner.run(["listen", "--port", "0", "--no-fetch", "--db", space.db, "--config", config], environment: space.environment, timeout: 30)
        #expect(run.status == 3, "\(run)")
        #expect(run.stderr.contains("[listen] tls_key = \"\(missing)\": cannot be read as the PEM private key of the certificate ("), "\(run.stderr)")
        // A certificate file that holds no certificate.
        let config2 = try Self.configuration(certificate: files.key, key: files.key)
        let run2 = try await CLIRunner.run(["listen", "--port", "0", "--no-fetch", "--db", space.db, "--config", config2], environment: space.environment, timeout: 30)
        #expect(run2.status == 3 && run2.stderr.contains("[listen] tls_certificate = \"\(files.key)\": cannot be read as a PEM certificate chain"), "\(run2)")
    }
}
