import Foundation
import Testing
import TestSupport

/// A tmux server of a test's own (its own socket), with a plain shell whose prompt is "READY$ ":
/// the test types as a person would and reads the screen back.
struct Tmux {
    let socket: String
    let folder: String

    fileprivate init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("rw-tmux-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        socket = folder + "/socket"
    }

    /// Starts the server with one window of `width`×`height`, the shell in a clean environment.
    fileprivate func open(width: Int, height: Int) async throws {
        try await run(["new-session", "-d", "-s", "t", "-x", "\(width)", "-y", "\(height)",
                       "env -i HOME=\(folder) TERM=xterm-256color LANG=C.UTF-8 PATH=/usr/bin:/bin bash --norc --noprofile"])
        try await keys("export PS1='READY$ ' XDG_DATA_HOME=\(folder)/data XDG_STATE_HOME=\(folder)/state TZ=Asia/Kolkata; clear", enter: true)
    }

    /// Runs tmux on this server; what it printed. A tmux command that fails fails the test.
    @discardableResult
    func run(_ arguments: [String]) async throws -> String {
        let outcome = try await ProcessRunner.run(ProcessCommand("/usr/bin/tmux", ["-S", socket] + arguments, timeout: .seconds(30),
                                                                 redacted: TestSecrets.all))
        guard outcome.status == 0 else {
            throw ProcessFailure(command: "tmux \(arguments.first ?? "")", problem: "\(outcome): \(outcome.stderr)")
        }
        return outcome.stdout
    }

    func keys(_ text: String, enter: Bool = false) async throws {
        try await run(["send-keys", "-t", "t", "-l", text])
        if enter { try await run(["send-keys", "-t", "t", "Enter"]) }
    }

    func key(_ name: String) async throws { try await run(["send-keys", "-t", "t", name]) }
    func screen() async throws -> String { try await run(["capture-pane", "-p", "-t", "t"]) }
    func flag(_ name: String) async throws -> String { try await run(["display", "-p", "-t", "t", "#{\(name)}"]).trimmingCharacters(in: .whitespacesAndNewlines) }
    func resize(_ width: Int, _ height: Int) async throws { try await run(["resize-window", "-t", "t", "-x", "\(width)", "-y", "\(height)"]) }

    /// Waits until the screen satisfies `condition` and returns that screen. If it never does within
    /// `timeout`, the test fails at the caller's line, naming `what` and showing the last screen.
    ///
    /// ncurses rewrites only the rows that changed, top to bottom, so one capture can hold a frame half
    /// written: new rows above old ones. The condition must hold on two captures 50 ms apart, and the
    /// second is the one returned, so what the test then reads of the screen is a whole frame.
    @discardableResult
    func waitFor(_ what: String, timeout: Duration = .seconds(120), sourceLocation: SourceLocation = #_sourceLocation,
                 _ condition: (String) async throws -> Bool) async throws -> String {
        var settled = ""
        _ = try await TestSupport.waitFor("the screen: \(what)", timeout: timeout, sourceLocation: sourceLocation,
                                          describe: { $0 }, read: { try await screen() }, until: { first in
            guard try await condition(first) else { return false }
            try await Task.sleep(for: .milliseconds(50))
            settled = try await screen()
            return try await condition(settled)
        })
        return settled
    }

    /// Stops the server (and the shell and whatever runs in it) and removes the folder.
    fileprivate func close() async {
        _ = try? await run(["kill-server"])
        try? FileManager.default.removeItem(atPath: folder)
    }
}

/// Starts a tmux server of `width`×`height` with a shell at its prompt, runs `body` with it, then
/// kills the server and removes its folder, awaited, whether `body` returned or threw.
func withTmux<T>(width: Int, height: Int, _ body: (Tmux) async throws -> T) async throws -> T {
    let tmux = try Tmux()
    return try await scoped(tmux, stop: { await $0.close() }) { tmux in
        try await tmux.open(width: width, height: height)
        return try await body(tmux)
    }
}
