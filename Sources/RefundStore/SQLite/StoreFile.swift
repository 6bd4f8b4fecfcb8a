import Foundation
import WatchlistModel
import GRDB

/// Where the database lives, and the checks made before SQLite is allowed near a file.
public enum StoreFile {
    /// `$XDG_DATA_HOME/refundwatch/refundwatch.sqlite`, else `~/.local/share/refundwatch/refundwatch.sqlite`.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        dataDirectory(environment: environment) + "/refundwatch.sqlite"
    }

    /// The demo's own database, beside the real one but never the same file; one for each number
    /// of demo accounts (`--demo --accounts N`), since the simulator gives its orders to other
    /// accounts when it serves more.
    public static func demoPath(accounts: Int = 1, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        dataDirectory(environment: environment) + (accounts <= 1 ? "/demo.sqlite" : "/demo-\(accounts)-accounts.sqlite")
    }

    static func dataDirectory(environment: [String: String]) -> String {
        let base = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.local/share")
        return base + "/refundwatch"
    }

    /// Creates the folder of a default path (not of a path the user gave: a typo there should be
    /// reported, not turned into a new folder).
    public static func createDirectory(for path: String) throws(StoreError) {
        let folder = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw StoreError(.cannotOpen, file: path, problem: "cannot create its folder \(folder) (\(error.localizedDescription)). Check the permissions, or pass another file with --db FILE.")
        }
    }

    static let sqliteHeader = Array("SQLite format 3\0".utf8)

    /// Refuses, without opening it in SQLite, a path that is a folder, cannot be read, or is a file
    /// that does not start like an SQLite database. An empty file is fine: SQLite makes it one.
    static func checkBeforeOpening(_ path: String) throws(StoreError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            let folder = (path as NSString).deletingLastPathComponent
            if !folder.isEmpty && !FileManager.default.fileExists(atPath: folder) {
                throw StoreError(.cannotOpen, file: path, problem: "its folder \(folder) does not exist. Create it, or pass another file with --db FILE.")
            }
            return
        }
        if isDirectory.boolValue {
            throw StoreError(.cannotOpen, file: path, problem: "this is a folder, not a file. Pass a file name with --db FILE, e.g. \(path)/refundwatch.sqlite.")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw StoreError(.cannotOpen, file: path, problem: "cannot be read: check its permissions (ls -l), or pass another file with --db FILE.")
        }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: sqliteHeader.count)) ?? Data()
        if !head.isEmpty && Array(head) != sqliteHeader {
            throw StoreError.notSQLite(path)
        }
    }

    /// Turns whatever SQLite or GRDB threw into a message about this file.
    static func storeError(_ error: any Error, file: String) -> StoreError {
        if let error = error as? StoreError { return error }
        guard let error = error as? DatabaseError else {
            return StoreError(.other, file: file, problem: "\(error)")
        }
        switch error.resultCode {
        case .SQLITE_NOTADB: return .notSQLite(file)
        case .SQLITE_CORRUPT: return .corrupt(file, detail: error.message ?? "database disk image is malformed")
        case .SQLITE_READONLY: return .readOnly(file)
        case .SQLITE_BUSY, .SQLITE_LOCKED: return .busy(file)
        case .SQLITE_FULL: return StoreError(.full, file: file, problem: "the disk is full; nothing was written. Free some space and try again.")
        case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_AUTH:
            return StoreError(.cannotOpen, file: file, problem: "SQLite cannot open it (\(error.message ?? "unable to open database file")). Check that the file and its folder exist and are writable, or pass another file with --db FILE.")
        default:
            return StoreError(.other, file: file, problem: "SQLite error \(error.resultCode.rawValue): \(error.message ?? "unknown"). The file was left as it was.")
        }
    }
}
