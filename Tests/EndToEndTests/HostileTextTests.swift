import Foundation
import Testing
import RefundKit
import RefundSimulator
import RefundStore
import WatchlistModel
@testable import DashboardCore
import TestSupport

/// The simulator's `hostile-text` orders carry terminal escapes, controls and bidi overrides in
/// notes, receipt, merchant fields, the gateway error, the refund id, PayU's fields and a PayU error.
/// No human-readable output may carry them raw; JSON keeps them exactly.
@Suite(.serialized) struct HostileTextTests {
    /// The unsafe characters in `text` other than the layout's newlines and tabs, as U+XXXX.
    static func raw(_ text: String) -> [String] {
        text.unicodeScalars.filter { TerminalSafe.isUnsafe($0) && $0 != "\n" && $0 != "\t" }
            .map { "U+" + String($0.value, radix: 16, uppercase: true) }
    }

    func expectSafe(_ result: CLIResult, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(Self.raw(result.stdout).isEmpty, "\(what) stdout carries \(Self.raw(result.stdout))", sourceLocation: sourceLocation)
        #expect(Self.raw(result.stderr).isEmpty, "\(what) stderr carries \(Self.raw(result.stderr))", sourceLocation: sourceLocation)
    }

    /// Every string value anywhere in a JSON document.
    static func strings(in json: Any) -> [String] {
        switch json {
        case let text as String: [text]
        case let array as [Any]: array.flatMap(strings)
        case let object as [String: Any]: object.keys.map { $0 } + object.values.flatMap(strings)
        default: []
        }
    }

    static func jsonStrings(_ text: String) throws -> [String] {
        strings(in: try JSONSerialization.jsonObject(with: Data(text.utf8)))
    }

    @Test func lookupTextShowsEscapesVisiblyAndJSONKeepsThemExactly() async throws {
        try await withSimulator { harness in
            let config = try writeConfiguration(harness)
            let orders = harness.simulator.catalogue.orders(in: .hostileText).map(\.referenceID)
            #expect(orders.count == 2)

            let text = try await CLIRunner.run(["lookup", "--config", config, orders[0]], environment: secretEnvironment())
            #expect(text.status == 0, "\(text.stderr)")
            expectSafe(text, "lookup")
            let out = text.stdout
            #expect(out.contains(#"rcpt-7781\e]52;c;aGVsbG8=\x07"#))
            #expect(out.contains(#"customer_note = please call \e[2J\e[Hsoon"#))
            #expect(out.contains(#"\e]0;all refunds settled\x07Happy Diwali"#))
            #expect(out.contains(#"\u009b31m\u009ccart-1"#))
            #expect(out.contains(#"\u202elanigiro\u202c"#))
            #expect(out.contains(#"\u2068isolated\u2069"#))
            #expect(out.contains(#"bell\x07back\x08del\x7f"#))
            #expect(out.contains(#"Debit failed \e[31mRED\e[0m\e[2J\e[H"#))
            #expect(out.contains(#"\e[7m"#), "the refund id's escape")
            // A newline inside a note cannot forge a line of its own.
            #expect(out.contains(#"forged = ok\n ARN 999999999999"#), "wrapped as words, the newline shown")
            #expect(!out.split(separator: "\n").contains { $0.hasPrefix("  ARN          999999999999") })
            for line in out.split(separator: "\n") { #expect(line.count <= 80, "too wide: \(line)") }

            let json = try await CLIRunner.run(["lookup", "--json", "--config", config, orders[0]], environment: secretEnvironment())
            #expect(json.status == 0)
            let values = try Self.jsonStrings(json.stdout)
            for exact in ["rcpt-7781" + HostileText.clipboard, "please call " + HostileText.clearScreen + "soon",
                          HostileText.windowTitle + "Happy Diwali", HostileText.forgedLine, HostileText.c1Sequence + "cart-1",
                          HostileText.bidiOverride, HostileText.bidiIsolate, HostileText.bell,
                          "Debit failed \u{1B}[31mRED\u{1B}[0m" + HostileText.clearScreen, "Back to Source" + HostileText.windowTitle] {
                #expect(values.contains(exact), "JSON lost \(exact.terminalSafe)")
            }
            #expect(values.contains { $0.hasSuffix("\u{1B}[7m") }, "refund id")
            #expect(values.contains { $0.hasSuffix(HostileText.clipboard) && $0.count > HostileText.clipboard.count }, "ARN")

            // The second order: PayU's error quotes what PayU sent.
            let refused = try await CLIRunner.run(["lookup", "--config", config, orders[1]], environment: secretEnvironment())
            #expect(refused.status == 11, "partly failed: \(refused.stderr)")
            expectSafe(refused, "lookup of the PayU refusal")
            #expect(refused.stdout.contains(#"Fetched\e]52;c;aGVsbG8=\x07\e]0;all"#), "\(refused.stdout)")
            #expect(refused.stdout.contains(#"settled\x07"#))
            #expect(refused.stderr.contains("partly failed: PayU could not be asked"))
            let refusedJSON = try await CLIRunner.run(["lookup", "--json", "--config", config, orders[1]], environment: secretEnvironment())
            #expect(try Self.jsonStrings(refusedJSON.stdout).contains { $0.contains(HostileText.payuRefusal) })
        }
    }

    @Test func trackOutputsAndErrorsShowEscapesVisibly() async throws {
        try await withSimulator { harness in
            let config = try writeConfiguration(harness)
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rw-hostile-\(UUID())").path
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let env = secretEnvironment().merging(["XDG_DATA_HOME": folder + "/data"]) { $1 }
            let common = ["--db", folder + "/watch.sqlite", "--config", config]
            let orders = harness.simulator.catalogue.orders(in: .hostileText).map(\.referenceID)
            let label = "vip\u{1B}]0;label\u{07}"

            var results: [(String, CLIResult)] = []
            let add = try await CLIRunner.run(["track", "add"] + orders + ["--label", label] + common, environment: env)
            #expect(add.status == 0, "\(add.stderr)")
            results.append(("track add", add))
            // A line of an id file is quoted back when refused.
            let badLine = try await CLIRunner.run(["track", "add", "-"] + common, environment: env, stdin: "ORD\u{1B}[2J\u{9B}\n")
            #expect(badLine.status == 2)
            #expect(badLine.stderr.contains(#"ORD\e[2J\u009b"#))
            results.append(("track add -", badLine))

            let first = try await CLIRunner.run(["track", "refresh"] + common, environment: env)
            // PayU refuses the second order's payu_id: stored without PayU's side, partly failed.
            #expect(first.status == 11, "\(first.stdout)\(first.stderr)")
            #expect(first.stdout.contains("1 partly failed: PayU could not be asked"), "\(first.stdout)")
            results.append(("first refresh", first))
            harness.simulator.advanceClock(by: 25 * 60)
            let second = try await CLIRunner.run(["track", "refresh", "--all"] + common, environment: env)
            #expect(second.status == 11, "\(second.stdout)\(second.stderr)")
            // The ARN that arrived is in the list of changes, visibly.
            #expect(second.stdout.contains(#"\e]52;c;aGVsbG8=\x07"#), "\(second.stdout)")
            #expect(second.stdout.contains(#"\e[7m"#), "the refund id in the change's subject")
            results.append(("second refresh", second))

            let list = try await CLIRunner.run(["track", "list"] + common, environment: env)
            #expect(list.status == 0)
            #expect(list.stdout.contains(#"vip\e]0;label\x07"#))
            results.append(("track list", list))
            for id in orders {
                let history = try await CLIRunner.run(["track", "history", id] + common, environment: env)
                #expect(history.status == 0)
                results.append(("track history", history))
            }
            #expect(results.last?.1.stdout.contains(#"(vip\e]0;label\x07)"#) == true)
            let historyText = results.first { $0.0 == "track history" }?.1.stdout ?? ""
            #expect(historyText.contains(#"\e]52;c;aGVsbG8=\x07"#), "the ARN's arrival in the history")
            for (what, result) in results { expectSafe(result, what) }

            // JSON keeps every value exactly.
            let listJSON = try await CLIRunner.run(["track", "list", "--json"] + common, environment: env)
            #expect(try Self.jsonStrings(listJSON.stdout).contains(label))
            let historyJSON = try await CLIRunner.run(["track", "history", orders[0], "--json"] + common, environment: env)
            #expect(try Self.jsonStrings(historyJSON.stdout).contains { $0.hasSuffix(HostileText.clipboard) && $0.count > HostileText.clipboard.count }, "the ARN, exactly")
            let refreshJSON = try await CLIRunner.run(["track", "refresh", "--json"] + common, environment: env)
            #expect(refreshJSON.status == 0)
            #expect(Self.raw(refreshJSON.stdout).isEmpty, "JSON escapes control characters itself")
        }
    }

    @Test func aConfigurationErrorQuotingTheFileShowsItsEscapesVisibly() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rw-hostile-\(UUID()).toml").path
        try "[kaleyra]\npod = \"\\u001b]0;pwned\\u0007\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        let result = try await CLIRunner.run(["lookup", "--config", path, "ORD-1"])
        #expect(result.status == 3)
        #expect(result.stderr.contains(#"unknown pod "\e]0;pwned\x07""#), "\(result.stderr)")
        expectSafe(result, "configuration error")
    }

    @Test func noDashboardScreenCarriesARawControl() async throws {
        setlocale(LC_ALL, "C.UTF-8")
        let fixed = Date(timeIntervalSince1970: 1_795_000_000)
        let store = try await SQLiteStore.inMemory()
        let (ids, details) = try await withSimulator { harness in
            let service = RefundService(configuration: harness.configuration, now: { fixed })
            return try await scoped(service, stop: { await $0.shutdown() }) { service in
                let ids = harness.simulator.catalogue.orders(in: .hostileText).map(\.referenceID)
                let added = try await store.add(ids.map { TrackedOrder(referenceID: $0, label: "vip\u{1B}]0;label\u{07}", addedAt: fixed) }).added
                var details: [Int64: Detail] = [:]
                for order in added {
                    let report = try await service.report(referenceID: order.referenceID)
                    _ = try await store.record(report, orderID: order.id!, rules: DeadlineRules())
                    details[order.id!] = await Detail(report: try store.report(orderID: order.id!), history: try store.history(orderID: order.id!))
                }
                return (ids, details)
            }
        }

        for size in [Size(width: 80, height: 24), Size(width: 120, height: 40), Size(width: 60, height: 12)] {
            var base = DashboardState(now: fixed.addingTimeInterval(60), size: size, interval: 30)
            _ = await Dashboard.update(&base, .watchlistLoaded(try store.watchlist()))
            for (id, detail) in details { _ = Dashboard.update(&base, .detailLoaded(id, detail)) }
            _ = Dashboard.update(&base, .failed("PayU said \u{1B}]52;c;Zm9v\u{07}"))
            var seen = ""
            for row in 0..<ids.count {
                // The watchlist, then the order, its transactions and each refund, as Enter opens them.
                var state = base
                state.frame.selected = row
                for depth in 0...3 {
                    let screen = Dashboard.render(state)
                    seen += screen.text + "\n"
                    for cell in screen.cells {
                        #expect(!cell.text.unicodeScalars.contains(where: TerminalSafe.isUnsafe),
                                "\(size) depth \(depth): a cell holds \(cell.text.unicodeScalars.map { String($0.value, radix: 16) })")
                    }
                    // On the order, the last transaction: the paid one, with the refund.
                    if depth == 1 { _ = Dashboard.update(&state, .key(.end)) }
                    _ = Dashboard.update(&state, .key(.enter))
                }
            }
            #expect(seen.contains(#"\e]52;c;Zm9v\x07"#), "the flash line at \(size)")
            if size.width >= 80 {
                #expect(seen.contains(#"\e]0;label\x07"#), "the label at \(size)")
                #expect(seen.contains(#"\e[2J"#), "a note or the gateway error at \(size)")
            }
        }
    }
}
