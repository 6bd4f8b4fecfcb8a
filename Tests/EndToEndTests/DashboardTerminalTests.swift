import Foundation
import RefundSimulator
import Testing
import TestSupport

/// `refundwatch --demo` in a real terminal: tmux runs a shell, the shell runs the dashboard, and
/// the test reads the screen as a person would, then checks the terminal is given back intact.
@Suite(.serialized) struct DashboardTerminalTests {
    /// One tmux server per test (its own socket), with a plain shell whose prompt is "READY$ ".
    struct Tmux {
        let socket: String
        let folder: String

        init(width: Int, height: Int) async throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("rw-tmux-\(UUID())").path
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            socket = folder + "/socket"
            try await run(["new-session", "-d", "-s", "t", "-x", "\(width)", "-y", "\(height)", "env -i HOME=\(folder) TERM=xterm-256color LANG=C.UTF-8 PATH=/usr/bin:/bin bash --norc --noprofile"])
            try await keys("export PS1='READY$ ' XDG_DATA_HOME=\(folder)/data XDG_STATE_HOME=\(folder)/state TZ=Asia/Kolkata; clear", enter: true)
        }

        /// Runs tmux on a thread of its own, as `CLIRunner` runs the binary, so that no Swift
        /// concurrency thread is blocked while it waits.
        @discardableResult
        func run(_ arguments: [String]) async throws -> String {
            let socket = socket, folder = folder
            return try await withCheckedThrowingContinuation { continuation in
                blockingThread {
                    continuation.resume(with: Result { try Tmux.runBlocking(arguments, socket: socket, folder: folder) })
                }
            }
        }

        static func runBlocking(_ arguments: [String], socket: String, folder: String) throws -> String {
            try Spawn.run("/usr/bin/tmux", ["-S", socket] + arguments, scratch: folder).stdout
        }

        func keys(_ text: String, enter: Bool = false) async throws {
            try await run(["send-keys", "-t", "t", "-l", text])
            if enter { try await run(["send-keys", "-t", "t", "Enter"]) }
        }

        func key(_ name: String) async throws { try await run(["send-keys", "-t", "t", name]) }
        func screen() async throws -> String { try await run(["capture-pane", "-p", "-t", "t"]) }
        func flag(_ name: String) async throws -> String { try await run(["display", "-p", "-t", "t", "#{\(name)}"]).trimmingCharacters(in: .whitespacesAndNewlines) }
        func resize(_ width: Int, _ height: Int) async throws { try await run(["resize-window", "-t", "t", "-x", "\(width)", "-y", "\(height)"]) }

        /// Waits until the screen satisfies `condition`, up to `seconds`; returns the last screen.
        func waitFor(_ seconds: Double = 15, _ condition: (String) async -> Bool) async throws -> String {
            let deadline = Date().addingTimeInterval(seconds)
            var last = ""
            while Date() < deadline {
                last = try await screen()
                if await condition(last) { return last }
                try await Task.sleep(for: .milliseconds(100))
            }
            return last
        }

        func close() async {
            _ = try? await run(["kill-server"])
            try? FileManager.default.removeItem(atPath: folder)
        }
    }

    var binary: String { CLIRunner.executable.path }

    func titleLine(_ screen: String) -> String { screen.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? "" }

    @Test func aSessionDrillsInGoesBackRefreshesResizesAndQuitsCleanly() async throws {
        let tmux = try await Tmux(width: 120, height: 40)
        try await tmux.keys("\(binary) --demo", enter: true)
        // Wait for the first refresh, so that rows are sorted by what needs attention.
        var screen = try await tmux.waitFor { $0.contains("20 orders") && $0.contains("REFERENCE") && $0.contains("updated ") }
        #expect(screen.contains("refundwatch DEMO Watchlist"), "\(screen)")
        #expect(try await tmux.flag("alternate_on") == "1")
        #expect(try await tmux.flag("cursor_flag") == "0")

        // Down to a refund: the first row needs attention, so it has a refund.
        try await tmux.key("g")
        try await tmux.key("Enter")
        screen = try await tmux.waitFor { titleLine($0).contains("Watchlist › ORD-") && $0.contains("TRANSACTION") }
        #expect(screen.contains("Payment"), "\(screen)")
        try await tmux.key("Enter")
        screen = try await tmux.waitFor { titleLine($0).contains("› txn …") && $0.contains("REFUND") }
        #expect(screen.contains("REFUND"), "\(screen)")
        try await tmux.key("Enter")
        screen = try await tmux.waitFor { titleLine($0).contains("› refund ") && $0.contains("Stage") && $0.contains("Timeline") }
        #expect(screen.contains("Stage"), "\(screen)")
        #expect(screen.contains("Timeline"))

        // Back along the breadcrumb with Esc, h and Backspace.
        try await tmux.key("Escape")
        try await tmux.key("h")
        try await tmux.key("BSpace")
        // (Each wait asks for the whole screen, not its first line: a capture can catch a frame half drawn.)
        screen = try await tmux.waitFor { titleLine($0).contains("Watchlist") && !titleLine($0).contains("›") && $0.contains("REFERENCE") }
        #expect(screen.contains("REFERENCE"))

        // / filters as you type; Esc clears it.
        try await tmux.keys("/overdue")
        screen = try await tmux.waitFor { $0.contains("/overdue") && $0.contains("of 20 orders") }
        let rows = screen.split(separator: "\n").filter { $0.dropFirst(2).hasPrefix("ORD-") && !$0.hasPrefix("⚠") }
        #expect(rows.count == 2, "\(screen)")
        #expect(rows.allSatisfy { $0.contains("overdue no arn") })
        try await tmux.key("Enter")
        try await tmux.key("Escape")
        screen = try await tmux.waitFor { !$0.contains("/overdue") }
        #expect(screen.split(separator: "\n").filter { $0.dropFirst(2).hasPrefix("ORD-") && !$0.hasPrefix("⚠") }.count == 20)

        // R refreshes everything: the status line says when it finished.
        try await tmux.key("p")
        screen = try await tmux.waitFor { $0.contains("paused") }
        try await tmux.key("R")
        screen = try await tmux.waitFor { $0.contains("updated just now") || $0.contains("updated 1s ago") }
        #expect(screen.contains("paused"))

        // Smaller, too small, larger again: drawn at once each time.
        try await tmux.resize(80, 24)
        screen = try await tmux.waitFor { $0.contains("REFERENCE") && !$0.contains("LABEL") }
        #expect(screen.split(separator: "\n").allSatisfy { $0.count <= 80 })
        try await tmux.resize(50, 10)
        screen = try await tmux.waitFor { $0.contains("Terminal too small: 50×10.") }
        #expect(screen.contains("refundwatch needs at least 60×12."))
        try await tmux.resize(120, 40)
        screen = try await tmux.waitFor { $0.contains("LABEL") && $0.contains("REFERENCE") }

        try await tmux.key("?")
        screen = try await tmux.waitFor { $0.contains("Keys") && $0.contains("refresh everything") }
        try await tmux.key("Escape")
        try await tmux.key("q")
        screen = try await tmux.waitFor { $0.contains("READY$ ") && $0.hasSuffix("READY$\n") || $0.split(separator: "\n").last == "READY$" }
        #expect(try await tmux.flag("alternate_on") == "0", "\(screen)")
        #expect(try await tmux.flag("cursor_flag") == "1")
        try await tmux.keys("echo status=$?", enter: true)
        screen = try await tmux.waitFor { $0.contains("status=") && !$0.contains("echo status=$?\nREADY$ echo") }
        #expect(screen.contains("status=0"), "\(screen)")
        await tmux.close()
    }

    @Test func sigtermRestoresTheTerminalToo() async throws {
        let tmux = try await Tmux(width: 100, height: 30)
        try await tmux.keys("\(binary) --demo", enter: true)
        _ = try await tmux.waitFor { $0.contains("20 orders") }
        #expect(try await tmux.flag("alternate_on") == "1")
        let pid = try await tmux.run(["display", "-p", "-t", "t", "#{pane_pid}"]).trimmingCharacters(in: .whitespacesAndNewlines)
        // The dashboard is the shell's child.
        let children = try Spawn.run("/usr/bin/pgrep", ["-P", pid]).stdout
        let child = try #require(Int32(children.split(separator: "\n").first ?? ""))
        kill(child, SIGTERM)
        let screen = try await tmux.waitFor { _ in (try? await tmux.flag("alternate_on")) == "0" }
        #expect(try await tmux.flag("alternate_on") == "0", "\(screen)")
        #expect(try await tmux.flag("cursor_flag") == "1")
        try await tmux.keys("echo status=$?", enter: true)
        let after = try await tmux.waitFor { $0.contains("status=") && $0.split(separator: "\n").last?.hasPrefix("READY$") == true }
        #expect(after.contains("status=0"), "\(after)")
        await tmux.close()
    }

    /// A support person's path: look up an order that is not tracked, track it, copy its id, export
    /// it, remove it again. The clipboard is tmux's (OSC 52 with set-clipboard on); the export is a
    /// real file.
    @Test func lookUpTrackCopyExportAndRemove() async throws {
        let tmux = try await Tmux(width: 120, height: 40)
        try await tmux.run(["set-option", "-g", "set-clipboard", "on"])
        try await tmux.keys("cd \(tmux.folder) && \(binary) --demo", enter: true)
        // The first frame is written top to bottom: once the status line is there, every row is (a
        // capture taken mid-frame would miss rows, and a tracked order would be taken for untracked).
        // On a loaded machine a capture can still fall between two frames' writes: wait for all 20.
        func rows(_ screen: String) -> Int { screen.split(separator: "\n").filter { $0.dropFirst(2).hasPrefix("ORD-") }.count }
        var screen = try await tmux.waitFor { $0.contains("20 orders") && $0.contains("? help  q quit") && rows($0) == 20 }
        #expect(rows(screen) == 20, "\(screen)")
        let untracked = try #require(Catalogue(seed: 42).orders.map(\.referenceID).first { !screen.contains($0) })

        try await tmux.key("o")
        try await tmux.keys(untracked)
        try await tmux.key("Enter")
        screen = try await tmux.waitFor { titleLine($0).contains("Watchlist › \(untracked) (not tracked)") && $0.contains("Payment") }
        #expect(screen.contains("not tracked · a adds it"), "\(screen)")
        #expect(screen.contains("20 orders"))

        try await tmux.key("a")
        screen = try await tmux.waitFor { $0.contains("21 orders") && $0.contains("added \(untracked) to the watchlist") }
        #expect(titleLine(screen).contains("Watchlist › \(untracked)"), "\(screen)")
        #expect(!titleLine(screen).contains("not tracked"))

        try await tmux.key("Escape")
        try await tmux.keys("/" + untracked)
        try await tmux.key("Enter")
        screen = try await tmux.waitFor { $0.contains("1 of 21 orders") }
        try await tmux.key("y")
        screen = try await tmux.waitFor { $0.contains("copied reference id \(untracked)") }
        #expect(try await tmux.run(["show-buffer"]) == untracked)

        try await tmux.key("e")
        screen = try await tmux.waitFor { $0.contains("Export 1 order to: refundwatch-") }
        try await tmux.key("Enter")
        screen = try await tmux.waitFor { $0.contains("exported ") }
        let exported = try FileManager.default.contentsOfDirectory(atPath: tmux.folder).filter { $0.hasPrefix("refundwatch-") && $0.hasSuffix(".csv") }
        #expect(exported.count == 1, "\(screen)")
        let csv = try String(contentsOfFile: tmux.folder + "/" + (exported.first ?? ""), encoding: .utf8)
        #expect(csv.hasPrefix("reference_id,label,transaction_id"))
        #expect(csv.split(separator: "\r\n").dropFirst().allSatisfy { $0.hasPrefix(untracked + ",") })

        try await tmux.key("d")
        screen = try await tmux.waitFor { $0.contains("Remove \(untracked) and its history? y: yes") }
        try await tmux.key("y")
        screen = try await tmux.waitFor { $0.contains("removed \(untracked) from the watchlist") }
        #expect(screen.contains("20 orders"), "\(screen)")
        try await tmux.key("q")
        _ = try await tmux.waitFor { _ in (try? await tmux.flag("alternate_on")) == "0" }
        #expect(try await tmux.flag("alternate_on") == "0")
        await tmux.close()
    }

    @Test func withoutATerminalItSaysWhatToUseInstead() async throws {
        let result = try await CLIRunner.run(["--demo"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("the dashboard needs a terminal"))
        #expect(result.stderr.contains("refundwatch track list"))
    }
}
