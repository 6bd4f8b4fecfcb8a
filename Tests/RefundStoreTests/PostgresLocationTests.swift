import Foundation
import Testing
@testable import RefundStore
import TestSupport

/// PostgreSQL URLs as libpq users write them, and passwords that never come from the URL.
@Suite struct PostgresLocationTests {
    private let environment = ["PGUSER": "", "PGDATABASE": "", "HOME": "/nonexistent"]

    private func location(_ url: String, _ extra: [String: String] = [:]) throws(PostgresLocation.Invalid) -> PostgresLocation {
        try PostgresLocation(url: url, environment: environment.merging(extra) { $1 })
    }

    @Test func hostPortDatabaseAndTLS() throws {
        let tcp = try location("postgres://desk@db.internal:6543/refunds?sslmode=verify-full")
        #expect(tcp.endpoint == .tcp(host: "db.internal", port: 6543))
        #expect(tcp.user == "desk" && tcp.database == "refunds" && tcp.sslMode == .verifyFull)
        #expect(tcp.description == "postgres://desk@db.internal:6543/refunds")
        let defaults = try location("postgresql://desk@db.internal")
        #expect(defaults.endpoint == .tcp(host: "db.internal", port: 5432))
        #expect(defaults.database == "desk", "the database defaults to the user's name")
        #expect(defaults.sslMode == .prefer)
        let v6 = try location("postgres://desk@[::1]:5433/r")
        #expect(v6.endpoint == .tcp(host: "::1", port: 5433))
        #expect(v6.description == "postgres://desk@[::1]:5433/r")
    }

    @Test func unixSocketFolders() throws {
        let query = try location("postgres://desk@/refunds?host=/run/postgresql")
        #expect(query.endpoint == .socket(folder: "/run/postgresql", port: 5432))
        #expect(query.description == "postgres://desk@/refunds?host=/run/postgresql")
        let encoded = try location("postgres://desk@%2Ftmp%2Fpg:6000/refunds")
        #expect(encoded.endpoint == .socket(folder: "/tmp/pg", port: 6000))
        let bare = try location("postgres:///refunds", ["PGUSER": "ops"])
        #expect(bare.endpoint == .socket(folder: "/var/run/postgresql", port: 5432))
        #expect(bare.user == "ops")
    }

    @Test(arguments: [
        ("postgres://desk:s3cret-pw@db/refunds", "the URL holds a password"),
        ("postgres://desk@db/refunds?password=s3cret-pw", "the URL holds a password (password=)"),
        ("postgres://desk@db:port/refunds", "port \"port\" is not a port number"),
        ("postgres://desk@db/refunds?sslmode=always", "sslmode \"always\" is not one of disable, allow, prefer, require, verify-ca, verify-full"),
        ("postgres://desk@[::1/refunds", "needs its closing ]"),
    ])
    func mistakesSayWhatToWriteAndNeverThePassword(url: String, mentions: String) {
        do {
            _ = try location(url)
            Issue.record("accepted \(url)")
        } catch {
            #expect(error.description.contains(mentions), "\(error)")
            #expect(!error.description.contains("s3cret-pw"))
        }
    }

    @Test func thePasswordComesFromPGPASSWORDOrAPrivatePasswordFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rw-pgpass-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let file = folder + "/pgpass"
        try """
            # host:port:database:user:password
            other:5432:*:desk:not-this
            db.internal:6543:refunds:desk:pa\\:ss\\\\word
            localhost:*:*:desk:socket-pw
            """.write(toFile: file, atomically: true, encoding: .utf8)
        chmod(file, 0o600)
        let tcp = try location("postgres://desk@db.internal:6543/refunds")
        #expect(tcp.password(environment: ["PGPASSFILE": file]) == "pa:ss\\word")
        #expect(tcp.password(environment: ["PGPASSFILE": file, "PGPASSWORD": "from-env"]) == "from-env")
        let socket = try location("postgres://desk@/refunds?host=/run/postgresql")
        #expect(socket.password(environment: ["PGPASSFILE": file]) == "socket-pw", "a socket matches localhost")
        chmod(file, 0o644)
        #expect(tcp.password(environment: ["PGPASSFILE": file]) == nil, "a password file others can read is ignored, as libpq does")
    }
}

/// A private PostgreSQL server: connecting, and each way connecting fails, said for a person.
@Suite struct PostgresConnectionTests {
    @Test func connectsAndEachFailureNamesTheServerNotThePassword() async throws {
        let server = try PostgresServer.start()
        defer { server.stop() }
        let url = server.url()
        let good = try PostgresLocation(url: url, environment: [:])
        let version = try await PostgresConnector.serverVersion(good, environment: ["PGPASSWORD": server.password])
        #expect(version.hasPrefix("1"), "server_version: \(version)")

        do {
            _ = try await PostgresConnector.serverVersion(good, environment: ["PGPASSWORD": "wrong-TESTSECRET"])
            Issue.record("a wrong password was accepted")
        } catch {
            #expect(error.kind == .authentication)
            #expect(error.description == "database \(good.description): the server refused the password of user refundwatch. Set the right one in PGPASSWORD or ~/.pgpass (host:port:database:user:password, mode 0600).")
            #expect(!error.description.contains("wrong-TESTSECRET") && !error.description.contains(server.password))
        }
        do {
            _ = try await PostgresConnector.serverVersion(good, environment: ["HOME": "/nonexistent"])
            Issue.record("no password was accepted")
        } catch {
            #expect(error.kind == .authentication)
            #expect(error.description.contains("the server asks for a password and none is set"), "\(error)")
        }
        let missing = try PostgresLocation(url: server.url(database: "nowhere"), environment: [:])
        do {
            _ = try await PostgresConnector.serverVersion(missing, environment: ["PGPASSWORD": server.password])
            Issue.record("a missing database was accepted")
        } catch {
            #expect(error.description.hasSuffix("the server has no database nowhere. Create it (createdb nowhere) or fix the URL's database name."), "\(error)")
        }
        server.stop()
        do {
            _ = try await PostgresConnector.serverVersion(good, environment: ["PGPASSWORD": server.password])
            Issue.record("a stopped server answered")
        } catch {
            #expect(error.kind == .unreachable)
            #expect(error.description.contains("Is the server running, with its socket in \(server.folder)?"), "\(error)")
        }
    }
}
