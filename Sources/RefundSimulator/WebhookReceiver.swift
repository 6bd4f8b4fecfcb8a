import Crypto
import Foundation
import Hummingbird

/// A stand-in for a team's chat webhook: `POST /webhook` takes refundwatch's alert deliveries (and
/// checks their `X-Refundwatch-Signature` when it knows the secret), `GET /webhook` lists what it
/// took, for the demo and the tests. It can be told to fail, to show retries.
public final class WebhookReceiver: Sendable {
    public static let path = "/webhook"

    /// How it answers a POST.
    public enum Mode: Sendable, Equatable {
        case accepting
        /// 500 to every second request (the first fails), to show retries.
        case failingEveryOther
        /// 503 to everything, as a receiver that is down.
        case down
    }

    /// One delivery it accepted.
    public struct Delivery: Sendable, Equatable {
        /// The event's id (`X-Refundwatch-Delivery`).
        public var id: String
        public var body: String
        /// Whether the signature matched the secret; nil when it has no secret.
        public var signatureValid: Bool?
    }

    private let state = Locked<(mode: Mode, posts: Int, accepted: [Delivery])>((.accepting, 0, []))
    private let secret: String?

    public init(secret: String? = nil) {
        self.secret = secret
    }

    public var mode: Mode {
        get { state.withLock { $0.mode } }
        set { state.withLock { $0.mode = newValue } }
    }

    /// What it accepted (2xx), in order; a repeat of an id is kept, so tests can see it.
    public var accepted: [Delivery] { state.withLock { $0.accepted } }

    /// POSTs it has seen, refused ones included.
    public var posts: Int { state.withLock { $0.posts } }

    func answer(_ request: ReceivedRequest) -> Answer {
        if request.method == "GET" {
            let listed = accepted.map { delivery -> JSONValue in
                .object([("id", .string(delivery.id)), ("signature_valid", delivery.signatureValid.map(JSONValue.bool) ?? .null), ("body", .string(delivery.body))])
            }
            return .json(.ok, .array(listed))
        }
        guard request.method == "POST" else { return .json(.methodNotAllowed, .object([("message", .string("POST alerts here, GET lists them"))])) }
        let header = { (name: String) in request.headers.first { $0.name.lowercased() == name }?.value }
        let valid = secret.map { secret in
            header("x-refundwatch-signature") == "sha256=" + HMAC<SHA256>.authenticationCode(for: Data(request.body.utf8), using: SymmetricKey(data: Data(secret.utf8)))
                .map { String(format: "%02x", $0) }.joined()
        }
        return state.withLock { state in
            state.posts += 1
            switch state.mode {
            case .down:
                return .json(.serviceUnavailable, .object([("message", .string("down"))]))
            case .failingEveryOther where state.posts % 2 == 1:
                return .json(.internalServerError, .object([("message", .string("failed on purpose"))]))
            default:
                if valid == false { return .json(.unauthorized, .object([("message", .string("bad signature"))])) }
                state.accepted.append(Delivery(id: header("x-refundwatch-delivery") ?? "", body: request.body, signatureValid: valid))
                return .json(.ok, .object([("ok", .bool(true))]))
            }
        }
    }
}
