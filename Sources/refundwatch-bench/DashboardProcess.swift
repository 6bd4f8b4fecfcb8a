import Foundation
import ProcessRunner

// The pseudo-terminal calls are X/Open extensions that glibc's module map hides; declared here.
@_silgen_name("posix_openpt") private func c_posix_openpt(_ flags: Int32) -> Int32
@_silgen_name("grantpt") private func c_grantpt(_ fd: Int32) -> Int32
@_silgen_name("unlockpt") private func c_unlockpt(_ fd: Int32) -> Int32
@_silgen_name("ptsname") private func c_ptsname(_ fd: Int32) -> UnsafeMutablePointer<CChar>?

/// `refundwatch` (the dashboard) in a pseudo-terminal of 200x50, as a person would start it: the
/// bench reads what it draws, times when things appear, and reads its memory and CPU from /proc.
/// The process is started by `ProcessRunner` with the terminal as its stdin, stdout and stderr
/// (swift-subprocess makes no pseudo-terminal; this opens one and reads its first end).
final class DashboardProcess: @unchecked Sendable {
    let started: Double
    private let running: RunningProcess
    private let master: Int32
    private let lock = NSLock()
    private var output: [UInt8] = []
    private var seen: [String: Double] = [:]
    private var watched: [String]

    var pid: pid_t { running.pid ?? 0 }

    /// Starts `binary arguments` in a new pseudo-terminal, runs `body` with it, then quits it (q,
    /// then SIGTERM, then SIGKILL) unless it has ended, and waits for its end.
    static func with<T>(binary: String, arguments: [String], environment: [String: String], watch: [String],
                        _ body: (DashboardProcess) async throws -> T) async throws -> T {
        let master = c_posix_openpt(O_RDWR | O_NOCTTY)
        guard master >= 0, c_grantpt(master) == 0, c_unlockpt(master) == 0, let name = c_ptsname(master) else {
            throw BenchError("cannot open a pseudo-terminal: \(String(cString: strerror(errno)))")
        }
        let terminal = open(String(cString: name), O_RDWR | O_NOCTTY)
        guard terminal >= 0 else {
            close(master)
            throw BenchError("cannot open \(String(cString: name))")
        }
        let started = monotonicSeconds()
        // An hour at most: every scenario ends its dashboards long before.
        let command = ProcessCommand(binary, arguments, environment: .only(environment), timeout: .seconds(3_600), terminal: terminal)
        do {
            let result = try await ProcessRunner.withProcess(command) { running in
                // Started: only the dashboard holds the terminal now, so its end closes it.
                close(terminal)
                let process = DashboardProcess(running: running, master: master, started: started, watch: watch)
                return try await body(process)
            }
            close(master)
            return result
        } catch {
            close(master)
            throw error
        }
    }

    private init(running: RunningProcess, master: Int32, started: Double, watch: [String]) {
        self.running = running
        self.master = master
        self.started = started
        watched = watch
        Thread { [self] in readLoop() }.start()
    }

    /// Reads what the dashboard draws until the terminal closes (a blocking read, on a thread of its own).
    private func readLoop() {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = read(master, &buffer, buffer.count)
            if count <= 0 { return }
            let now = monotonicSeconds()
            lock.withLock {
                output.append(contentsOf: buffer[0..<count])
                // Markers are searched in the recent output only, so a long run stays cheap.
                let tail = String(decoding: output.suffix(count + 256), as: UTF8.self)
                for marker in watched where seen[marker] == nil && tail.contains(marker) { seen[marker] = now }
                if output.count > 1 << 20 { output.removeFirst(output.count - 4_096) }
            }
        }
    }

    /// Seconds from start until `marker` was first drawn, waiting up to `timeout`.
    func waitFor(_ marker: String, timeout: Double = 30) async throws -> Double {
        let deadline = monotonicSeconds() + timeout
        while monotonicSeconds() < deadline {
            if let at = lock.withLock({ seen[marker] }) { return at - started }
            try await Task.sleep(for: .milliseconds(2))
        }
        throw BenchError("\"\(marker)\" never appeared within \(timeout) s; the screen's last bytes: \(lock.withLock { String(decoding: output.suffix(400), as: UTF8.self) })")
    }

    /// Whether `marker` has been drawn yet.
    func hasDrawn(_ marker: String) -> Bool { lock.withLock { seen[marker] != nil } }

    func send(_ text: String) {
        _ = text.utf8CString.withUnsafeBufferPointer { write(master, $0.baseAddress, $0.count - 1) }
    }

    /// Resident and peak resident memory in bytes.
    func memory() -> (resident: Double, peak: Double) {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        func field(_ name: String) -> Double {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return .nan }
            return (Double(line.split(separator: " ").dropFirst().first ?? "") ?? .nan) * 1_024
        }
        return (field("VmRSS"), field("VmHWM"))
    }

    /// CPU seconds used so far, user and system.
    func cpuSeconds() -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return .nan }
        // Fields after the command name: state is field 3; utime and stime are 14 and 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return ((Double(fields[11]) ?? .nan) + (Double(fields[12]) ?? .nan)) / ticks
    }

    /// Quits with q (SIGTERM if it has not ended five seconds later) and returns the exit status.
    @discardableResult
    func quit() async throws -> Int32 {
        send("q")
        let deadline = monotonicSeconds() + 5
        while !running.hasEnded && monotonicSeconds() < deadline { try await Task.sleep(for: .milliseconds(10)) }
        running.signal(SIGTERM)
        return try await running.exit().status
    }
}

/// Start-up, memory and idle CPU of the dashboard over a watchlist of `orders` orders.
struct DashboardProcessBench {
    let binary: String
    let database: String
    let folder: String
    let orders: Int
    let startRuns: Int
    let idleSeconds: Double

    var environment: [String: String] {
        ["TERM": "xterm-256color", "LINES": "50", "COLUMNS": "200", "LANG": "C.UTF-8", "HOME": folder,
         "XDG_STATE_HOME": folder + "/state", "XDG_CONFIG_HOME": folder + "/config", "PATH": "/usr/bin:/bin"]
    }

    /// A configuration whose API is nowhere: the watchlist was fetched less than a day ago (see
    /// `BenchStore`), so the dashboard has nothing to fetch and sits idle.
    func configuration() throws -> String {
        let path = folder + "/bench.toml"
        try """
        refresh_interval = 86400
        settled_interval = 172800
        [kaleyra]
        base_url = "http://127.0.0.1:9"
        sid = "BENCH"
        api_key = "bench-not-a-secret"
        phone_number_id = "1000000000"
        payment_config_id = "bench"
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func run() async throws -> [Result] {
        let config = try configuration()
        let arguments = ["--db", database, "--config", config]
        let loaded = "\(orders) orders"
        var firstFrame = Samples(), watchlist = Samples()
        for _ in 0..<startRuns {
            try await DashboardProcess.with(binary: binary, arguments: arguments, environment: environment, watch: [" refundwatch ", loaded]) { process in
                firstFrame.add(try await process.waitFor(" refundwatch "))
                watchlist.add(try await process.waitFor(loaded))
                try await process.quit()
            }
        }

        let (memory, cpu, elapsed, status) = try await DashboardProcess.with(binary: binary, arguments: arguments, environment: environment, watch: [loaded]) { process in
            _ = try await process.waitFor(loaded)
            try await Task.sleep(for: .seconds(2))
            let memory = process.memory()
            let before = process.cpuSeconds()
            let start = monotonicSeconds()
            try await Task.sleep(for: .seconds(idleSeconds))
            let cpu = process.cpuSeconds() - before
            let elapsed = monotonicSeconds() - start
            return (memory, cpu, elapsed, try await process.quit())
        }
        guard status == 0 else { throw BenchError("the dashboard exited with status \(status)") }
        let perMinute = cpu * 60 / elapsed
        var results = [
            Result(scenario: "startup", measure: "start to first frame (\(orders) orders)", median: firstFrame.milliseconds.median, spread: firstFrame.milliseconds.spread, target: "", verdict: "\(startRuns) runs"),
            Result(scenario: "startup", measure: "start to watchlist drawn", median: watchlist.milliseconds.median, spread: watchlist.milliseconds.spread, target: "< 300 ms",
                   verdict: verdict(watchlist.median < 0.3)),
            Result(scenario: "memory", measure: "resident, watchlist loaded (peak)", median: String(format: "%.1f MB", memory.resident / 1e6),
                   spread: String(format: "peak %.1f MB", memory.peak / 1e6), target: "< 80 MB", verdict: verdict(memory.peak < 80e6)),
        ]
        if idleSeconds >= 5 {
            results.append(Result(scenario: "idle", measure: String(format: "CPU over %.0f s idle", elapsed), median: String(format: "%.3f s", cpu),
                                  spread: String(format: "%.3f s per minute", perMinute), target: "< 0.3 s/min", verdict: verdict(perMinute < 0.3)))
        }
        return results
    }
}
