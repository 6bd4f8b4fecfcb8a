import Foundation
import Testing

/// Swift 6.3.1's optimizer miscompiles a task group's child closure (or a `Task`'s) that returns a
/// tuple from a `do throws(…)`/`catch`: in release builds the tuple comes back as garbage or the
/// heap is corrupted, while debug builds, which the tests run, are fine. So the sources are read
/// for the shape instead: such a child calls a function that returns a `Result`, and the tuple is
/// made outside it (`RefundService.refundStatus`, `WatchlistRefresher.locate`).
@Suite struct CompilerWorkaroundTests {
    /// Where a closure started by `addTask {` or `Task {` returns a tuple from a typed `do`:
    /// "file:line" of each.
    static func findings(in text: String, file: String) -> [String] {
        let lines = text.components(separatedBy: "\n")
        var found: [String] = []
        for (number, line) in lines.enumerated() where line.contains("addTask {") || line.contains("Task {") {
            let closure = lines[number..<min(lines.count, number + 10)]
            let typed = closure.contains { $0.contains("do throws(") }
            let tuple = closure.contains { $0.range(of: #"return \((?!\))"#, options: .regularExpression) != nil }
            if typed && tuple { found.append("\(file):\(number + 1)") }
        }
        return found
    }

    @Test func theCheckFindsTheShape() {
        let bad = """
            group.addTask {
                do throws(RefundWatchError) {
                    return (index, .success(try await payu.refundStatus(payuID: payuID)))
                } catch {
                    return (index, .failure(error))
                }
            }
            """
        #expect(Self.findings(in: bad, file: "bad.swift") == ["bad.swift:1"])
        let good = "group.addTask { (index, await Self.refundStatus(payu, payuID: payuID)) }\n"
        #expect(Self.findings(in: good, file: "good.swift").isEmpty)
    }

    @Test func noSourceReturnsATupleFromATypedDoInATask() throws {
        var root = URL(fileURLWithPath: #filePath)
        while !FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path) { root.deleteLastPathComponent() }
        let sources = root.appendingPathComponent("Sources")
        let files = try #require(FileManager.default.enumerator(atPath: sources.path)).compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        #expect(files.count > 50, "the sources were found: \(files.count) files")
        var found: [String] = []
        for file in files {
            found += Self.findings(in: try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8), file: file)
        }
        #expect(found.isEmpty, "a task's closure returns a tuple from a typed do, which release builds miscompile: \(found)")
    }
}
