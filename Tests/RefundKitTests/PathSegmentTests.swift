import Foundation
import Testing
@testable import RefundKit
@testable import RefundModel

@Suite struct PathSegmentTests {
    static let awkwardIDs = [
        "a/b", "ORD/../../admin", "..", ".", "...", "../", "/", "ORD?x=1", "ORD#frag", "100%", "%2F", "%2e%2e",
        "ORD 42", " lead", "₹210", "order-😀-1", "आदेश-४२", "a+b", "a&b=c", "a;b", "a\\b", "ORD\u{301}", "日本語",
    ]

    @Test(arguments: awkwardIDs)
    func encodesToExactlyOneSafeSegment(id: String) throws {
        let encoded = PathSegment.encode(id)
        #expect(!encoded.contains("/"))
        #expect(!encoded.contains("?"))
        #expect(!encoded.contains("#"))
        #expect(!encoded.contains(" "))
        #expect(encoded.unicodeScalars.allSatisfy { $0.isASCII && $0.value > 0x20 && $0.value < 0x7F })
        #expect(encoded != "." && encoded != "..")
        #expect(encoded.removingPercentEncoding == id)
        // The segment stays one segment inside a real URL.
        let url = try #require(URL(string: "https://api.in.kaleyra.io/v1/SID/wrapper/PN/payments/CFG/\(encoded)"))
        #expect(url.path(percentEncoded: true).split(separator: "/", omittingEmptySubsequences: false).count == 8)
        #expect(url.query == nil)
        #expect(url.fragment == nil)
        #expect(url.host == "api.in.kaleyra.io")
    }

    @Test func dotSegmentsAreEncoded() {
        #expect(PathSegment.encode("..") == "%2E%2E")
        #expect(PathSegment.encode(".") == "%2E")
        #expect(PathSegment.encode("../x") == "..%2Fx")
        #expect(PathSegment.encode("a..b") == "a..b")
    }

    @Test func exactEncodings() {
        #expect(PathSegment.encode("a/b") == "a%2Fb")
        #expect(PathSegment.encode("ORD 42?#") == "ORD%2042%3F%23")
        #expect(PathSegment.encode("100%") == "100%25")
        #expect(PathSegment.encode("₹") == "%E2%82%B9")
        #expect(PathSegment.encode("😀") == "%F0%9F%98%80")
        #expect(PathSegment.encode("+") == "%2B")
    }

    @Test(arguments: ["ORD-20261104-0042", "a.b_c~d", "HXAP16XXXXXX97IN", "403993715529606983", "pay_NmTx9Jk2Lw"])
    func ordinaryIDsPassUnchanged(id: String) {
        #expect(PathSegment.encode(id) == id)
        #expect(PathSegment.problem(with: id) == nil)
    }

    @Test(arguments: ["", "   ", "\t", "ORD\n1", "ORD\t1", "ORD\u{7}", "ORD\u{7f}", "\u{1b}[2J", "ORD\r", "ORD\u{0}", "ORD\u{85}"])
    func problemsAreFound(id: String) throws {
        let problem = try #require(PathSegment.problem(with: id), "\(id.debugDescription) should be refused")
        #expect(!problem.isEmpty)
    }

    @Test func problemMessagesSayWhy() {
        #expect(PathSegment.problem(with: "")?.contains("empty") == true)
        #expect(PathSegment.problem(with: "  ")?.contains("empty") == true)
        #expect(PathSegment.problem(with: "a\nb")?.contains("control") == true)
        #expect(PathSegment.problem(with: String(repeating: "x", count: 513))?.contains("512") == true)
        #expect(PathSegment.problem(with: String(repeating: "x", count: 512)) == nil)
    }

    @Test(arguments: ["ORD 42", "₹210", "आदेश-४२", "a/b", "..", "order-😀"])
    func awkwardButPrintableIDsAreAccepted(id: String) {
        #expect(PathSegment.problem(with: id) == nil)
    }
}
