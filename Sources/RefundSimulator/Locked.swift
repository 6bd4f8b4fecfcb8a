import Foundation

/// A value guarded by a lock, so the server's request handlers (which run concurrently on many
/// tasks) can share the fault counters, the RNGs and the request log.
///
/// `Synchronization.Mutex` would do the same, but it needs macOS 15 and the package still
/// declares macOS 14; `NSLock` is available everywhere Foundation is.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
