import Foundation

/// Short descriptions of why stored JSON did not decode, for messages a person reads.
enum StoredJSON {
    /// "not valid JSON", "payment.status missing", "transactions[0].id has the wrong type".
    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func path(_ context: DecodingError.Context, _ last: (any CodingKey)? = nil) -> String {
            let keys = context.codingPath + (last.map { [$0] } ?? [])
            return keys.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined().drop { $0 == "." }.description
        }
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty: return "not valid JSON"
        case .dataCorrupted(let context): return "\(path(context)) is not readable"
        case .keyNotFound(let key, let context): return "\(path(context, key)) missing"
        case .typeMismatch(_, let context): return "\(path(context)) has the wrong type"
        case .valueNotFound(_, let context): return "\(path(context)) is null"
        @unknown default: return "\(error)"
        }
    }
}
