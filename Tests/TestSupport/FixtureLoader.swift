import Foundation
import Testing
import RefundKit

/// Loads the response bodies in `Tests/TestSupport/Fixtures` (copied into this target's resource
/// bundle as `Bundle.module/Fixtures`) and decodes them the way the clients do.
package enum FixtureLoader {
    /// The `Fixtures` folder inside the resource bundle.
    package static var root: URL {
        get throws {
            try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil), "Fixtures missing from Bundle.module")
        }
    }

    /// The raw bytes of `kaleyra/...json` or `payu/...json`.
    package static func data(_ relativePath: String) throws -> Data {
        try Data(contentsOf: root.appendingPathComponent(relativePath))
    }

    /// Every fixture file as a path relative to `Fixtures`, e.g. `payu/refund-status-success.json`.
    package static func allFiles() throws -> [String] {
        let base = try root
        var found: [String] = []
        for folder in ["kaleyra", "payu"] {
            let names = try FileManager.default.contentsOfDirectory(atPath: base.appendingPathComponent(folder).path)
            found += names.filter { $0.hasSuffix(".json") }.map { "\(folder)/\($0)" }
        }
        return found.sorted()
    }

    /// The `payments` array of a Kaleyra success body.
    package static func payments(_ relativePath: String) throws -> [Payment] {
        try JSONDecoder().decode(PaymentsEnvelope.self, from: data(relativePath)).payments
    }

    /// The single payment of a Kaleyra success body.
    package static func payment(_ relativePath: String) throws -> Payment {
        let all = try payments(relativePath)
        try #require(all.count == 1, "expected exactly one payment in \(relativePath)")
        return all[0]
    }

    /// PayU's nested `{payu_id: {request_id: record}}` body, through the client's own reader.
    package static func payuRecords(_ relativePath: String, payuID: String) throws -> [PayURefundRecord] {
        try PayUResponse.decodeRecords(data(relativePath), payuID: payuID)
    }
}

/// `{"payments": [...]}`, Kaleyra's success envelope.
struct PaymentsEnvelope: Decodable {
    let payments: [Payment]
}

/// Inline JSON helpers for variants that are not worth a fixture file.
package enum InlineJSON {
    package static func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(json.utf8))
    }

    /// Encodes with the project's own encoder settings and decodes the result again.
    package static func roundTrip<T: Codable>(_ value: T) throws -> T {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try JSONDecoder().decode(T.self, from: encoder.encode(value))
    }

    /// A JSON object for inspecting what an encoder wrote.
    package static func object<T: Encodable>(_ value: T) throws -> [String: Any] {
        let data = try JSONEncoder().encode(value)
        return try #require(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }
}
