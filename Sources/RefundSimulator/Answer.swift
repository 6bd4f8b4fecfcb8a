import Hummingbird

/// A finished answer before faults are applied: status, content type and body text.
struct Answer: Sendable {
    var status: HTTPResponse.Status
    var body: String
    var contentType: String = "application/json"
    /// Sent as `Retry-After` (seconds) when set: throttling answers carry it.
    var retryAfterSeconds: Int?

    static func json(_ status: HTTPResponse.Status, _ value: JSONValue) -> Answer {
        Answer(status: status, body: value.rendered())
    }

    /// For paths neither vendor serves; not a vendor format, just a pointer for whoever curls the wrong URL.
    static func routeNotFound(method: String, path: String) -> Answer {
        .json(.notFound, .object([("message", .string(
            "No route for \(method) \(path). The simulator serves GET /v1/<SID>/wrapper/<phoneNumberId>/payments/"
                + "<paymentConfigId>/<referenceId>, POST or GET \(SimulatorCore.payuPath) and POST \(PayUTokenAuthority.path)"))]))
    }

    func response() -> Response {
        var headers = HTTPFields()
        if !contentType.isEmpty { headers[.contentType] = contentType }
        if let retryAfterSeconds { headers[.retryAfter] = String(retryAfterSeconds) }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}
