import Hummingbird

/// What an injected fault looks like on the wire: the kinds of failure a client meets in front
/// of real vendors (overloaded upstreams, throttling, proxies answering HTML, cut-off bodies).
extension SimulatorCore {
    func faultResponse(_ fault: FaultInjector.Decision, api: SimulatedAPI, normal: Answer) -> Response {
        switch fault.kind {
        case .serverError:
            return serverError(api: api, flavour: fault.flavour).response()
        case .tooManyRequests:
            let body = api == .kaleyra
                ? KaleyraWire.throttled(fbtraceID: nextTraceID())
                : PayUWire.message("Too Many Requests")
            var answer = Answer.json(.tooManyRequests, body)
            answer.retryAfterSeconds = fault.retryAfterSeconds
            return answer.response()
        case .malformed:
            // A 200 whose JSON stops half way, as when a proxy cuts a response short.
            let bytes = Array(normal.body.utf8)
            let cut = Array(bytes.prefix(max(1, bytes.count / 2)))
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: cut)))
        case .html:
            return Answer(status: .badGateway, body: Self.nginxBadGateway, contentType: "text/html").response()
        case .empty:
            return Answer(status: .badGateway, body: "", contentType: "").response()
        case .hang:
            return hangingResponse(normal)
        }
    }

    /// Half the time 503 with a JSON message, otherwise a 500: plain text in front of Kaleyra,
    /// PayU's documented `{"message": "PayU Internal Server Error"}` on the PayU side.
    private func serverError(api: SimulatedAPI, flavour: Int) -> Answer {
        if flavour.isMultiple(of: 2) {
            return .json(.serviceUnavailable, PayUWire.message("Service Unavailable. Please retry after some time."))
        }
        if api == .payu {
            return .json(.internalServerError, PayUWire.message("PayU Internal Server Error"))
        }
        return Answer(status: .internalServerError, body: "Internal Server Error", contentType: "text/plain")
    }

    /// Headers and the first half of the body, then silence until the simulator stops, the
    /// connection's task is cancelled, or five minutes pass (longer than any client should wait;
    /// the cap keeps a long `simulate --faults hang=...` run from piling up abandoned responses).
    /// Then the connection is dropped unfinished.
    private func hangingResponse(_ normal: Answer) -> Response {
        let bytes = Array(normal.body.utf8)
        let firstHalf = Array(bytes.prefix(bytes.count / 2))
        var headers = HTTPFields()
        headers[.contentType] = normal.contentType
        let body = ResponseBody(contentLength: bytes.count) { [self] writer in
            try await writer.write(ByteBuffer(bytes: firstHalf))
            let giveUp = ContinuousClock.now + .seconds(300)
            while !isStopping && ContinuousClock.now < giveUp {
                try await Task.sleep(for: .milliseconds(100))
            }
            throw CancellationError()
        }
        return Response(status: normal.status, headers: headers, body: body)
    }

    static let nginxBadGateway = """
        <html>\r
        <head><title>502 Bad Gateway</title></head>\r
        <body>\r
        <center><h1>502 Bad Gateway</h1></center>\r
        <hr><center>nginx</center>\r
        </body>\r
        </html>\r

        """
}
