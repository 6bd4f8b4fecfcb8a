import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import RefundJobs
import RefundKit
import WatchlistModel

/// refundwatch's own files that are not configuration: the log and PayU's token cache.
/// `$XDG_STATE_HOME/refundwatch`, else `~/.local/state/refundwatch`.
enum StateDirectory {
    static func path(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let state = environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.local/state")
        return state + "/refundwatch"
    }
}

/// Where refundwatch writes its log: `$XDG_STATE_HOME/refundwatch/refundwatch.log`
/// (`~/.local/state/refundwatch/refundwatch.log`). Never the screen: if the file cannot be opened,
/// logging is off. `REFUNDWATCH_LOG_LEVEL` (trace, debug, info, notice, warning, error) sets the level.
///
/// A dashboard and a `track refresh` from cron write the same file at once, so it is opened for
/// appending (each line one `write`, placed at the end by the kernel) and kept bounded: past
/// `maxBytes` (5 MiB, or `REFUNDWATCH_LOG_MAX_BYTES`) it becomes `refundwatch.log.1`, the previous
/// `.1` becomes `.2`, and the oldest is dropped.
enum LogFile {
    static let defaultMaxBytes = 5 * 1024 * 1024

    static func path(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        StateDirectory.path(environment: environment) + "/refundwatch.log"
    }

    /// Sets up swift-log once for the process.
    static func bootstrap(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let file = path(environment: environment)
        let level = environment["REFUNDWATCH_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? .info
        let maxBytes = environment["REFUNDWATCH_LOG_MAX_BYTES"].flatMap { Int($0) }.map { max(1_024, $0) } ?? defaultMaxBytes
        let sink = LogSink(path: file, maxBytes: maxBytes)
        LoggingSystem.bootstrap { label in
            guard let sink else { return SwiftLogNoOpLogHandler() }
            var handler = FileLogHandler(label: label, sink: sink)
            handler.logLevel = level
            return handler
        }
    }
}

/// One log file shared by every logger of the process, and with other processes: lines are
/// appended whole (O_APPEND, one `write` a line, under a lock within the process).
///
/// Rotation between processes: the one that finds the file too big takes `flock` on it, and renames
/// only if the path still names the file it holds (another process may have rotated it a moment
/// before); every process whose file was renamed away notices on its next line (its file is then
/// over the limit and no longer at the path) and opens the new one. No line is lost: one written
/// just after a rotation lands at the end of `.1`.
final class LogSink: @unchecked Sendable {
    let path: String
    let maxBytes: Int
    /// How many older files are kept (`.1`, `.2`).
    static let kept = 2
    private var descriptor: Int32
    private let lock = NSLock()

    init?(path: String, maxBytes: Int = LogFile.defaultMaxBytes) {
        self.path = path
        self.maxBytes = maxBytes
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            return nil
        }
        descriptor = Self.open(path)
        if descriptor < 0 { return nil }
    }

    deinit { close(descriptor) }

    private static func open(_ path: String) -> Int32 {
        Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
    }

    func write(_ line: String) {
        var bytes = Array(line.utf8)
        lock.withLock {
            rotateIfNeeded()
            bytes.withUnsafeMutableBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                    if written < 0 && errno == EINTR { continue }
                    if written <= 0 { return }
                    offset += written
                }
            }
        }
    }

    /// Called under `lock`.
    private func rotateIfNeeded() {
        var own = stat()
        guard fstat(descriptor, &own) == 0, Int(own.st_size) >= maxBytes else { return }
        guard flock(descriptor, LOCK_EX) == 0 else { return }
        var current = stat()
        let stillAtPath = stat(path, &current) == 0 && current.st_ino == own.st_ino && current.st_dev == own.st_dev
        if stillAtPath {
            for index in stride(from: Self.kept - 1, through: 1, by: -1) {
                rename("\(path).\(index)", "\(path).\(index + 1)")
            }
            rename(path, "\(path).1")
        }
        flock(descriptor, LOCK_UN)
        let fresh = Self.open(path)
        guard fresh >= 0 else { return }
        close(descriptor)
        descriptor = fresh
    }
}

struct FileLogHandler: LogHandler {
    let label: String
    let sink: LogSink
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// One line an entry. Messages quote what servers sent, and people read the log with `tail -f`:
    /// the line is made safe for a terminal, so a newline in a server's message cannot split it.
    func log(level: Logger.Level, message: Logger.Message, metadata extra: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
        let merged = metadata.merging(extra ?? [:]) { $1 }
        let fields = merged.isEmpty ? "" : " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let stamp = Date().formatted(.iso8601.year().month().day().timeZone(separator: .omitted).time(includingFractionalSeconds: true))
        sink.write("\(stamp) \(level) [\(label)] \(message)\(fields)".terminalSafe + "\n")
    }
}
