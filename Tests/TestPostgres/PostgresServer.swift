import Foundation

/// A private PostgreSQL server for one test: `initdb` into a fresh temporary folder, listening only
/// on a Unix socket in that folder, stopped (and the folder removed) by `stop()`.
///
/// PostgreSQL refuses to run as root, so when the tests run as root the server runs as the
/// `postgres` system user (Debian's package creates it) through `runuser`, in a folder it owns.
/// The server's binaries come from Debian's `postgresql` package (`/usr/lib/postgresql/N/bin`),
/// which `.ci/run` installs when missing.
package final class PostgresServer: @unchecked Sendable {
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

    package static func start() throws -> PostgresServer {
        guard let binaries = findBinaries() else {
            throw Failure(description: "PostgreSQL's server programs are not installed (no /usr/lib/postgresql/*/bin/initdb): apt-get install postgresql")
        }
        // A short path: a Unix socket's path must fit in 107 bytes.
        let folder = "/tmp/rw-pg-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        let runAs: String? = geteuid() == 0 ? "postgres" : nil
        let server = PostgresServer(folder: folder, binaries: binaries, runAs: runAs)
        do {
            try server.initialise()
        } catch {
            try? FileManager.default.removeItem(atPath: folder)
            throw error
        }
        return server
    }

    private func initialise() throws {
        let passwordFile = folder + "/password"
        try Data((password + "\n").utf8).write(to: URL(fileURLWithPath: passwordFile))
        if let runAs {
            _ = try Spawn.run("/bin/chown", ["-R", runAs, folder], scratch: folder)
        }
        try chmodPrivate(passwordFile)
        _ = try postgres("initdb", ["-D", folder + "/data", "-U", user, "--pwfile=" + passwordFile, "--auth=scram-sha-256",
                                    "-E", "UTF8", "--locale=C", "--no-sync"])
        _ = try postgres("pg_ctl", ["-D", folder + "/data", "-l", folder + "/server.log", "-w", "-t", "30",
                                    "-o", "-k \(folder) -c listen_addresses='' -p \(port) -c fsync=off -c synchronous_commit=off", "start"])
    }

    private func chmodPrivate(_ path: String) throws {
        if let runAs { _ = try Spawn.run("/bin/chown", [runAs, path], scratch: folder) }
        chmod(path, 0o600)
    }

    /// Runs a PostgreSQL program (as the `postgres` user when we are root).
    @discardableResult
    package func postgres(_ program: String, _ arguments: [String]) throws -> String {
        let path = binaries + "/" + program
        let result = runAs.map { user in try? Spawn.run("/usr/sbin/runuser", ["-u", user, "--", path] + arguments, scratch: folder) }
            ?? (try? Spawn.run(path, arguments, scratch: folder))
        guard let result, result.status == 0 else {
            let log = (try? String(contentsOfFile: folder + "/server.log", encoding: .utf8)) ?? ""
            throw Failure(description: "\(program) \(arguments.joined(separator: " ")) failed. Server log:\n\(log)")
        }
        return result.stdout
    }

    /// Runs SQL as the superuser through `psql`.
    @discardableResult
    package func psql(_ sql: String, database: String = "postgres") throws -> String {
        guard let psql = ["/usr/bin/psql", binaries + "/psql"].first(where: FileManager.default.isExecutableFile(atPath:)) else {
            throw Failure(description: "psql is not installed")
        }
        let environment = "PGPASSWORD=" + password
        let arguments = ["-h", folder, "-p", "\(port)", "-U", user, "-d", database, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql]
        let result = try Spawn.run("/usr/bin/env", [environment, psql] + arguments, scratch: folder)
        guard result.status == 0 else { throw Failure(description: "psql -c \(sql) failed with status \(result.status)") }
        return result.stdout
    }

    package func stop() {
        _ = try? postgres("pg_ctl", ["-D", folder + "/data", "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(atPath: folder)
    }

    private static func findBinaries() -> String? {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted(by: >)
        return versions.map { "\(root)/\($0)/bin" }.first { FileManager.default.isExecutableFile(atPath: $0 + "/initdb") }
    }
}
