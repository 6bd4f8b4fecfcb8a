import Foundation
import ProcessRunner

/// A private PostgreSQL server for one test: `initdb` into a fresh temporary folder, listening only
/// on a Unix socket in that folder. `withPostgres` starts one, runs its body, then stops it and
/// removes the folder, awaited, whether the body returned or threw.
///
/// PostgreSQL refuses to run as root, so when the tests run as root the server runs as the
/// `postgres` system user (Debian's package creates it) through `runuser`, in a folder it owns.
/// The server's binaries come from Debian's `postgresql` package (`/usr/lib/postgresql/N/bin`),
/// which `.ci/run` installs when missing.
package final class PostgresServer: Sendable {
    package let folder: String
    package var socketDirectory: String { folder }
    package let port = 5432
    /// The superuser `initdb` made; it logs in with `password` (scram-sha-256, so a wrong password
    /// is refused as on a real server).
    package let user = "refundwatch"
    package let password = "pg-TESTSECRET-3e91"
    private let binaries: String
    private let runAs: String?

    /// `postgres://refundwatch@/DATABASE?host=FOLDER`: the URL form for a Unix socket.
    package func url(database: String = "postgres") -> String {
        "postgres://\(user)@/\(database)?host=\(folder)&port=\(port)"
    }

    package struct Failure: Error, CustomStringConvertible {
        package var description: String
    }

    private init(folder: String, binaries: String, runAs: String?) {
        self.folder = folder
        self.binaries = binaries
        self.runAs = runAs
    }

    /// Starts a server; the caller stops it (`withPostgres` does).
    package static func start() async throws -> PostgresServer {
        guard let binaries = findBinaries() else {
            throw Failure(description: "PostgreSQL's server programs are not installed (no /usr/lib/postgresql/*/bin/initdb): apt-get install postgresql")
        }
        // A short path: a Unix socket's path must fit in 107 bytes.
        let folder = "/tmp/rw-pg-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        let runAs: String? = geteuid() == 0 ? "postgres" : nil
        let server = PostgresServer(folder: folder, binaries: binaries, runAs: runAs)
        do {
            try await server.initialise()
        } catch {
            await server.stop()
            throw error
        }
        return server
    }

    private func initialise() async throws {
        let passwordFile = folder + "/password"
        try Data((password + "\n").utf8).write(to: URL(fileURLWithPath: passwordFile))
        if let runAs {
            try await helper("/bin/chown", ["-R", runAs, folder])
        }
        chmod(passwordFile, 0o600)
        try await postgres("initdb", ["-D", folder + "/data", "-U", user, "--pwfile=" + passwordFile, "--auth=scram-sha-256",
                                      "-E", "UTF8", "--locale=C", "--no-sync"])
        try await postgres("pg_ctl", ["-D", folder + "/data", "-l", folder + "/server.log", "-w", "-t", "60",
                                      "-o", "-k \(folder) -c listen_addresses='' -p \(port) -c fsync=off -c synchronous_commit=off", "start"])
    }

    /// Runs a helper program that must succeed.
    private func helper(_ path: String, _ arguments: [String], timeout: Duration = .seconds(30)) async throws {
        let outcome = try await ProcessRunner.run(ProcessCommand(path, arguments, timeout: timeout))
        guard outcome.status == 0 else {
            throw Failure(description: "\(path) \(arguments.joined(separator: " ")) \(outcome): \(outcome.stderr)")
        }
    }

    /// Runs a PostgreSQL program (as the `postgres` user when we are root); its stdout.
    @discardableResult
    package func postgres(_ program: String, _ arguments: [String], timeout: Duration = .seconds(120)) async throws -> String {
        let path = binaries + "/" + program
        let command = runAs.map { ProcessCommand("/usr/sbin/runuser", ["-u", $0, "--", path] + arguments, timeout: timeout) }
            ?? ProcessCommand(path, arguments, timeout: timeout)
        let outcome = try await ProcessRunner.run(command)
        guard outcome.status == 0 else {
            let log = (try? String(contentsOfFile: folder + "/server.log", encoding: .utf8)) ?? ""
            throw Failure(description: "\(program) \(arguments.joined(separator: " ")) \(outcome): \(outcome.stderr)\nServer log:\n\(log)")
        }
        return outcome.stdout
    }

    /// Runs SQL as the superuser through `psql`; what it printed (unaligned, tuples only).
    @discardableResult
    package func psql(_ sql: String, database: String = "postgres") async throws -> String {
        guard let psql = ["/usr/bin/psql", binaries + "/psql"].first(where: FileManager.default.isExecutableFile(atPath:)) else {
            throw Failure(description: "psql is not installed")
        }
        let arguments = ["-h", folder, "-p", "\(port)", "-U", user, "-d", database, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql]
        let outcome = try await ProcessRunner.run(ProcessCommand(psql, arguments, environment: .inherited(changing: ["PGPASSWORD": password])))
        guard outcome.status == 0 else { throw Failure(description: "psql -c \(sql) \(outcome): \(outcome.stderr)") }
        return outcome.stdout
    }

    /// Stops the server at once and removes its folder. Stopping twice is harmless: a test may stop
    /// it part way, to see what refundwatch says of a server that went away.
    package func stop() async {
        if FileManager.default.fileExists(atPath: folder + "/data/postmaster.pid") {
            _ = try? await postgres("pg_ctl", ["-D", folder + "/data", "-m", "immediate", "-w", "stop"], timeout: .seconds(60))
        }
        try? FileManager.default.removeItem(atPath: folder)
    }

    private static func findBinaries() -> String? {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted(by: >)
        return versions.map { "\(root)/\($0)/bin" }.first { FileManager.default.isExecutableFile(atPath: $0 + "/initdb") }
    }
}

/// Starts a private PostgreSQL server, runs `body` with it, then stops the server and removes its
/// folder, awaited, whether `body` returned or threw.
package func withPostgres<T>(_ body: (PostgresServer) async throws -> T) async throws -> T {
    let server = try await PostgresServer.start()
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}
