import Foundation

/// Runs a helper program (tmux, chattr) through posix_spawn and waitpid, its stdout into a file.
///
/// Foundation's `Process` is not used for these: `waitUntilExit()` called from a Swift concurrency
/// thread spins its run loop and was seen never to return here, and it notices a child's end by a
/// descriptor closing, which a daemon the child leaves behind (the tmux server) keeps open.
///
/// The child starts clean, as a shell would start it: no blocked signals and default handlers (the
/// spawning thread comes from a Swift concurrency thread, which blocks most signals, SIGTERM among
/// them; a tmux server that inherited that mask never acted on `kill-server`, which it carries out
/// by sending itself SIGTERM, and outlived the tests), and no descriptor but 0, 1 and 2 (a tmux
/// server that outlives its test must not hold the write end of another test's pipe, whose reader
/// then waits for an end of file that does not come).
package enum Spawn {
    package struct Output {
        package var status: Int32
        package var stdout: String
    }

    package static func run(_ path: String, _ arguments: [String], scratch: String = NSTemporaryDirectory()) throws -> Output {
        let output = scratch + "/spawn-\(UUID())"
        defer { try? FileManager.default.removeItem(atPath: output) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        if let closeFrom = addCloseFrom { _ = closeFrom(&actions, 3) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var cArguments = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in cArguments { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, &actions, &attributes, &cArguments, environ)
        guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EIO) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let exitStatus = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return Output(status: exitStatus, stdout: (try? String(contentsOfFile: output, encoding: .utf8)) ?? "")
    }

    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which Swift's Glibc
    /// module does not declare; nil where the C library lacks it.
    private static let addCloseFrom: AddCloseFrom? = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np")
        .map { unsafeBitCast($0, to: AddCloseFrom.self) }
}
