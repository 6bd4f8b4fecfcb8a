/// `GET /v1/<SID>/wrapper/<phoneNumberId>/payments/<paymentConfigId>/<referenceId>` with `api-key`.
///
/// Segments are taken from the raw path split on "/" before decoding, so an encoded "/" in a
/// reference id can never reach a different route. Checks run in the order Kaleyra's layers would:
/// account auth, then the WhatsApp number mapping, then Meta's payment configuration, then the order.
extension SimulatorCore {
    func kaleyraAnswer(_ request: ReceivedRequest) -> Answer {
        let segments = request.pathSegments
        guard segments.count == 7, segments[0] == "v1", segments[2] == "wrapper", segments[4] == "payments" else {
            return .routeNotFound(method: request.method, path: request.rawPath)
        }
        let credentials = options.credentials
        guard segments[1] == credentials.sid, request.header("api-key") == credentials.apiKey else {
            return .json(.unauthorized, KaleyraWire.incorrectCredentials)
        }
        guard request.method == "GET" else {
            return .json(.methodNotAllowed, PayUWire.message("Method \(request.method) not allowed; use GET"))
        }
        guard segments[3] == credentials.phoneNumberID else {
            return .json(.badRequest, KaleyraWire.solutionMappingMissing)
        }
        guard segments[5] == credentials.paymentConfigID else {
            return .json(.badRequest, KaleyraWire.invalidPaymentConfiguration(fbtraceID: nextTraceID()))
        }
        let referenceID = segments[6]
        guard let order = catalogue.order(referenceID) else {
            return .json(.notFound, KaleyraWire.paymentNotFound(referenceID: referenceID, fbtraceID: nextTraceID()))
        }
        return .json(.ok, KaleyraWire.paymentsBody(order.plan, at: moment()))
    }
}
