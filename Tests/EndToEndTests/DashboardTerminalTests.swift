import Foundation
import RefundJobs
import RefundSimulator
import Testing
import TestSupport

/// `refundwatch --demo` in a real terminal: tmux runs a shell, the shell runs the dashboard, and
/// the test reads the screen as a person would, then checks the terminal is given back intact.
@Suite(.serialized) struct DashboardTerminalTests {
    var binary: String { CLIRunner.executable.path }

    func titleLine(_ screen: String) -> String { screen.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? "" }

    /// The order rows of a list screen: a mark column, then the reference. The flash line names an
    /// order too ("⚠ ORD-…: Kaleyra had a server error", which the demo does now and then); it is no row.
    func orderRows(_ screen: String) -> [Substring] {
        screen.split(separator: "\n").filter { $0.dropFirst(2).hasPrefix("ORD-") && !$0.hasPrefix("⚠") }
    }

    /// The shell's prompt is back on the last line: the dashboard has ended.
    func atPrompt(_ screen: String) -> Bool {
        screen.split(separator: "\n").last?.hasPrefix("READY$") == true
    }

    /// The line `echo status=$?` printed (not the line that typed it), once it is on the screen.
    func statusLine(_ screen: String) -> String? {
        screen.split(separator: "\n").first { $0.hasPrefix("status=") }.map(String.init)
    }

    @Test func aSessionDrillsInGoesBackRefreshesResizesAndQuitsCleanly() async throws {
        try await withTmux(width: 120, height: 40) { tmux in
            try await tmux.keys("\(binary) --demo", enter: true)
            // Wait for the first refresh, so that rows are sorted by what needs attention.
            var screen = try await tmux.waitFor("68 orders, refreshed") { $0.contains("68 orders") && $0.contains("REFERENCE") && $0.contains("updated ") }
            #expect(screen.contains("refundwatch DEMO Watchlist"), "\(screen)")
            #expect(try await tmux.flag("alternate_on") == "1")
            #expect(try await tmux.flag("cursor_flag") == "0")

            // Down to a refund: the first row needs attention, so it has a refund.
            try await tmux.key("g")
            try await tmux.key("Enter")
            screen = try await tmux.waitFor("an order's transactions") { titleLine($0).contains("Watchlist › ORD-") && $0.contains("TRANSACTION") }
            #expect(screen.contains("Payment"), "\(screen)")
            try await tmux.key("Enter")
            try await tmux.waitFor("a transaction's refunds") { titleLine($0).contains("› txn …") && $0.contains("REFUND") }
            try await tmux.key("Enter")
            try await tmux.waitFor("a refund's stage and timeline") { titleLine($0).contains("› refund ") && $0.contains("Stage") && $0.contains("Timeline") }

            // Back along the breadcrumb with Esc, h and Backspace.
            try await tmux.key("Escape")
            try await tmux.key("h")
            try await tmux.key("BSpace")
            // (Each wait asks for the whole screen, not its first line: a capture can catch a frame half drawn.)
            try await tmux.waitFor("the watchlist again") { titleLine($0).contains("Watchlist") && !titleLine($0).contains("›") && $0.contains("REFERENCE") }

            // / filters as you type; Esc clears it.
            try await tmux.keys("/overdue")
            screen = try await tmux.waitFor("the filter /overdue applied") { $0.contains("/overdue") && $0.contains("of 68 orders") }
            let rows = orderRows(screen)
            #expect(rows.count == 2, "\(screen)")
            #expect(rows.allSatisfy { $0.contains("overdue no arn") })
            try await tmux.key("Enter")
            try await tmux.key("Escape")
            screen = try await tmux.waitFor("the filter cleared") { !$0.contains("/overdue") }
            // Every row of the body holds an order again (68 do not fit in 40 lines).
            #expect(orderRows(screen).count >= 30, "\(screen)")

            // R refreshes everything: the status line says when it finished, still paused.
            try await tmux.key("p")
            try await tmux.waitFor("paused") { $0.contains("paused") }
            try await tmux.key("R")
            screen = try await tmux.waitFor("a refresh just finished") { $0.contains("updated just now") || $0.contains("updated 1s ago") }
            #expect(screen.contains("paused"), "\(screen)")

            // Smaller, too small, larger again: drawn at once each time.
            try await tmux.resize(80, 24)
            screen = try await tmux.waitFor("the 80-column layout (no LABEL column)") { $0.contains("REFERENCE") && !$0.contains("LABEL") }
            #expect(screen.split(separator: "\n").allSatisfy { $0.count <= 80 }, "\(screen)")
            try await tmux.resize(50, 10)
            screen = try await tmux.waitFor("that the terminal is too small") { $0.contains("Terminal too small: 50×10.") }
            #expect(screen.contains("refundwatch needs at least 60×12."), "\(screen)")
            try await tmux.resize(120, 40)
            try await tmux.waitFor("the 120-column layout (a LABEL column)") { $0.contains("LABEL") && $0.contains("REFERENCE") }

            try await tmux.key("?")
            try await tmux.waitFor("the help") { $0.contains("Keys") && $0.contains("refresh everything") }
            try await tmux.key("Escape")
            try await tmux.key("q")
            screen = try await tmux.waitFor("the shell's prompt after q") { atPrompt($0) }
            #expect(try await tmux.flag("alternate_on") == "0", "\(screen)")
            #expect(try await tmux.flag("cursor_flag") == "1")
            try await tmux.keys("echo status=$?", enter: true)
            screen = try await tmux.waitFor("the exit status echoed") { statusLine($0) != nil }
            #expect(statusLine(screen) == "status=0", "\(screen)")
        }
    }

    @Test func sigtermRestoresTheTerminalToo() async throws {
        try await withTmux(width: 100, height: 30) { tmux in
            try await tmux.keys("\(binary) --demo", enter: true)
            try await tmux.waitFor("68 orders") { $0.contains("68 orders") }
            #expect(try await tmux.flag("alternate_on") == "1")
            let pid = try await tmux.run(["display", "-p", "-t", "t", "#{pane_pid}"]).trimmingCharacters(in: .whitespacesAndNewlines)
            // The dashboard is the shell's child.
            let children = try await ProcessRunner.run(ProcessCommand("/usr/bin/pgrep", ["-P", pid], timeout: .seconds(30))).stdout
            let child = try #require(Int32(children.split(separator: "\n").first ?? ""), "no child of the shell \(pid)")
            kill(child, SIGTERM)
            let screen = try await tmux.waitFor("the main screen back after SIGTERM") { _ in try await tmux.flag("alternate_on") == "0" }
            #expect(try await tmux.flag("cursor_flag") == "1", "\(screen)")
            try await tmux.keys("echo status=$?", enter: true)
            let after = try await tmux.waitFor("the exit status echoed") { statusLine($0) != nil }
            #expect(statusLine(after) == "status=0", "\(after)")
        }
    }

    /// A support person's path: look up an order that is not tracked, track it, copy its id, export
    /// it, remove it again. The clipboard is tmux's (OSC 52 with set-clipboard on); the export is a
    /// real file.
    @Test func lookUpTrackCopyExportAndRemove() async throws {
        try await withTmux(width: 120, height: 40) { tmux in
            try await tmux.run(["set-option", "-g", "set-clipboard", "on"])
            try await tmux.keys("cd \(tmux.folder) && \(binary) --demo", enter: true)
            // The first frame is written top to bottom: once the status line is there, every row is (a
            // capture taken mid-frame would miss rows, and a tracked order would be taken for untracked).
            // On a loaded machine a capture can still fall between two frames' writes: wait for a full page.
            func rows(_ screen: String) -> Int { orderRows(screen).count }
            var screen = try await tmux.waitFor("a page of rows and the key bar") { $0.contains("68 orders") && $0.contains("? help  q quit") && rows($0) >= 30 }
            let tracked = Set(DemoWatchlist.orders.map(\.referenceID))
            let untracked = try #require(Catalogue(seed: 42).orders.map(\.referenceID).first { !tracked.contains($0) })

            try await tmux.key("o")
            try await tmux.keys(untracked)
            try await tmux.key("Enter")
            // ncurses rewrites only the rows that changed, top to bottom, so a capture can hold the new
            // title and first rows above the old "Looking up…": wait for the row that says it is untracked.
            screen = try await tmux.waitFor("the untracked order opened") {
                titleLine($0).contains("Watchlist › \(untracked) (not tracked)") && $0.contains("Payment") && $0.contains("not tracked · a adds it")
            }
            #expect(screen.contains("68 orders"), "\(screen)")

            try await tmux.key("a")
            screen = try await tmux.waitFor("the order added") { $0.contains("69 orders") && $0.contains("added \(untracked) to the watchlist") }
            #expect(titleLine(screen).contains("Watchlist › \(untracked)"), "\(screen)")
            #expect(!titleLine(screen).contains("not tracked"), "\(screen)")

            try await tmux.key("Escape")
            try await tmux.keys("/" + untracked)
            try await tmux.key("Enter")
            try await tmux.waitFor("the filter down to 1 of 69 orders") { $0.contains("1 of 69 orders") }
            try await tmux.key("y")
            try await tmux.waitFor("the reference id copied") { $0.contains("copied reference id \(untracked)") }
            #expect(try await tmux.run(["show-buffer"]) == untracked)

            try await tmux.key("e")
            try await tmux.waitFor("the export prompt") { $0.contains("Export 1 order to: refundwatch-") }
            try await tmux.key("Enter")
            // The file is the proof: its flash can be replaced at once by another's (the demo
            // fails a fetch now and then, and says so in the same line).
            func exportedFiles() throws -> [String] {
                try FileManager.default.contentsOfDirectory(atPath: tmux.folder).filter { $0.hasPrefix("refundwatch-") && $0.hasSuffix(".csv") }
            }
            screen = try await tmux.waitFor("the export done") { screen in try screen.contains("exported ") || exportedFiles().count == 1 }
            let exported = try exportedFiles()
            #expect(exported.count == 1, "\(screen)")
            let csv = try String(contentsOfFile: tmux.folder + "/" + (exported.first ?? ""), encoding: .utf8)
            #expect(csv.hasPrefix("reference_id,label,transaction_id"))
            #expect(csv.split(separator: "\r\n").dropFirst().allSatisfy { $0.hasPrefix(untracked + ",") })

            try await tmux.key("d")
            try await tmux.waitFor("the removal question") { $0.contains("Remove \(untracked) and its history? y: yes") }
            try await tmux.key("y")
            screen = try await tmux.waitFor("the order removed") { $0.contains("removed \(untracked) from the watchlist") }
            #expect(screen.contains("68 orders"), "\(screen)")
            try await tmux.key("q")
            try await tmux.waitFor("the main screen back after q") { _ in try await tmux.flag("alternate_on") == "0" }
        }
    }

    /// The demo's views on the digits at 120x40 and 80x24, then a view saved by another command
    /// while a dashboard runs on an SQLite file: on its keys within seconds, without a restart.
    @Test func savedViewsOnTheDigitsAndOneSavedWhileADashboardRuns() async throws {
        func header(_ screen: String) -> String { screen.split(separator: "\n").first { $0.contains("REFERENCE") }.map(String.init) ?? "" }
        try await withTmux(width: 120, height: 40) { tmux in
            try await tmux.keys("cd \(tmux.folder) && \(binary) --demo --accounts 2", enter: true)
            try await tmux.waitFor("the demo's 68 orders") { $0.contains("68 orders") && $0.contains("? help  q quit") && orderRows($0).count >= 30 }

            // 1: late, by deadline, its own columns (no PAYMENT, RFD or ARN).
            try await tmux.key("1")
            var screen = try await tmux.waitFor("the view late") { titleLine($0).contains("View late · ") && header($0).contains("DEADLINE") && !header($0).contains("PAYMENT") }
            #expect(header(screen).split(separator: " ").map(String.init) == ["REFERENCE", "ACCOUNT", "LABEL", "AMOUNT", "STATE", "DEADLINE", "UPDATED"], "\(screen)")
            #expect(!orderRows(screen).isEmpty && orderRows(screen).allSatisfy { $0.hasPrefix("▲") }, "late: each row marked overdue\n\(screen)")

            // 5: the account north's orders, the usual columns.
            try await tmux.key("5")
            screen = try await tmux.waitFor("the view north") { titleLine($0).contains("View north · ") && header($0).contains("PAYMENT") }
            #expect(orderRows(screen).allSatisfy { $0.dropFirst(2).split(separator: " ").dropFirst().first == "north" }, "\(screen)")

            // Changed with s: the title says so; at 80x24 the view's columns narrow as the usual ones do.
            try await tmux.key("1")
            try await tmux.key("s")
            try await tmux.waitFor("the view changed") { titleLine($0).contains("View late (changed)") }
            try await tmux.resize(80, 24)
            screen = try await tmux.waitFor("the view at 80x24") { titleLine($0).contains("View late") && header($0).contains("REFERENCE") && !header($0).contains("LABEL") }
            #expect(screen.split(separator: "\n").allSatisfy { $0.count <= 80 }, "\(screen)")
            #expect(header(screen).contains("DEADLINE") && !header(screen).contains("RFD"), "\(screen)")

            // 0 leaves it: every order, the usual columns.
            try await tmux.key("0")
            screen = try await tmux.waitFor("no view") { titleLine($0).contains("Watchlist") && !titleLine($0).contains("View") && header($0).contains("RFD") }
            try await tmux.key("q")
            try await tmux.waitFor("the shell's prompt after q") { atPrompt($0) }

            // A watchlist of its own (no configuration, no API), and a dashboard that only reads it.
            let db = tmux.folder + "/desk.sqlite"
            let added = try await CLIRunner.run(["track", "add", "ORD-1", "ORD-2", "--db", db])
            #expect(added.status == 0, "\(added.stderr)")
            try await tmux.resize(120, 40)
            try await tmux.keys("clear; \(binary) --no-fetch --db \(db)", enter: true)
            try await tmux.waitFor("the two orders") { $0.contains("2 orders") && orderRows($0).count == 2 }
            try await tmux.key("1")
            try await tmux.waitFor("no view yet") { $0.contains("no saved views: [[views]] in config.toml, or: refundwatch views save NAME") }

            // Saved by another command: the help lists it on 1 within the dashboard's next read.
            let saved = try await CLIRunner.run(["views", "save", "first", "--filter", "ORD-1", "--columns", "reference,state", "--db", db])
            #expect(saved.status == 0, "\(saved.stderr)")
            try await tmux.key("?")
            try await tmux.waitFor("the view in the help", timeout: .seconds(30)) { $0.contains("1  first") && $0.contains("/ORD-1") }
            try await tmux.key("Escape")
            try await tmux.key("1")
            screen = try await tmux.waitFor("the saved view in force") { titleLine($0).contains("View first · 1 of 2 orders") && !header($0).contains("AMOUNT") }
            #expect(orderRows(screen).count == 1 && orderRows(screen)[0].contains("ORD-1"), "\(screen)")
            #expect(header(screen).split(separator: " ").map(String.init) == ["REFERENCE", "STATE"], "\(screen)")
            try await tmux.key("q")
            try await tmux.waitFor("the shell's prompt after q") { atPrompt($0) }
        }
    }

    @Test func withoutATerminalItSaysWhatToUseInstead() async throws {
        let result = try await CLIRunner.run(["--demo"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("the dashboard needs a terminal"))
        #expect(result.stderr.contains("refundwatch track list"))
    }
    /// `--demo --push`: the demo's simulator pushes each change to a receiver in the dashboard,
    /// which fetches what the push names at once: the status line says when each source last
    /// pushed, and an order moved by the simulator has the push's row in its history. `--push`
    /// without the demo, or with `--no-fetch`, is refused with what to do.
    @Test func theDemoTakesItsSimulatorsPushes() async throws {
        try await withTmux(width: 120, height: 40) { tmux in
            try await tmux.keys("cd \(tmux.folder) && \(binary) --demo --push", enter: true)
            let pushed = try await tmux.waitFor("a push in the status line", timeout: .seconds(90)) {
                $0.contains("68 orders") && $0.contains("? help  q quit") && $0.contains("pushed: ")
            }
            #expect(!pushed.contains("live · "), "no poller: the dashboard fetches what the pushes name itself: \(pushed)")
            // A refund that moves while the demo runs (the refund-in-progress scenario).
            try await tmux.keys("/ORD-20261009-2760")
            try await tmux.key("Enter")
            try await tmux.key("Enter")
            try await tmux.waitFor("the order's history, with a push's row", timeout: .seconds(90)) {
                $0.contains("› ORD-20261009-2760") && $0.contains("confirmed by lookup")
            }
            try await tmux.keys("q")
            try await tmux.waitFor("the shell again") { !$0.contains("? help  q quit") }
        }
        let alone = try await CLIRunner.run(["--push"])
        #expect(alone.status == 2 && alone.stderr.contains("--push is for the demo (--demo --push)"), "\(alone)")
        let readOnly = try await CLIRunner.run(["--demo", "--push", "--no-fetch"])
        #expect(readOnly.status == 2 && readOnly.stderr.contains("--push with --no-fetch"), "\(readOnly)")
    }
}
