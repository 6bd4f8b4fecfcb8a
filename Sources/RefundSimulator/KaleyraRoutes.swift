/// `GET /v1/<SID>/wrapper/<phoneNumberId>/payments/<paymentConfigId>/<referenceId>` with `api-key`.
///
/// Segments are taken from the raw path split on "/" before decoding, so an encoded "/" in a
/// reference id can never reach a different route. Checks run in the order Kaleyra's layers would:
/// account auth, then the WhatsApp number mapping, then Meta's payment configuration, then the order.
///
/// With several accounts, the SID and api key may be any account's; the number and the payment
/// configuration must then be that account's, and the order must belong to that account and that
/// payment configuration (`OrderOwnership`): an order asked under another is "not found", exactly
/// as an unknown reference id, as Kaleyra answers it.
extension SimulatorCore {
    /// The account (index into `options.accounts`) whose SID and api key a Kaleyra request carries.
    func kaleyraAccount(_ request: ReceivedRequest) -> Int? {
        let segments = request.pathSegments
        guard segments.count >= 2, let apiKey = request.header("api-key") else { return nil }
        return options.accounts.firstIndex { $0.sid == segments[1] && $0.apiKey == apiKey }
    }

    /// `account`: what `kaleyraAccount(_:)` found for this request.
    func kaleyraAnswer(_ request: ReceivedRequest, account: Int?) -> Answer {
        let segments = request.pathSegments
        guard segments.count == 7, segments[0] == "v1", segments[2] == "wrapper", segments[4] == "payments" else {
            return .routeNotFound(method: request.method, path: request.rawPath)
        }
        guard let account else {
            return .json(.unauthorized, KaleyraWire.incorrectCredentials)
        }
        let credentials = options.accounts[account]
        guard request.method == "GET" else {
            return .json(.methodNotAllowed, PayUWire.message("Method \(request.method) not allowed; use GET"))
        }
        guard segments[3] == credentials.phoneNumberID else {
            return .json(.badRequest, KaleyraWire.solutionMappingMissing)
        }
        guard credentials.paymentConfigIDs.contains(segments[5]) else {
            return .json(.badRequest, KaleyraWire.invalidPaymentConfiguration(fbtraceID: nextTraceID()))
        }
        let referenceID = segments[6]
        guard let order = catalogue.order(referenceID),
              ownership.slot(ofOrder: referenceID) == OrderOwnership.Slot(account: account, paymentConfigID: segments[5]) else {
            return .json(.notFound, KaleyraWire.paymentNotFound(referenceID: referenceID, fbtraceID: nextTraceID()))
        }
        return .json(.ok, KaleyraWire.paymentsBody(order.plan, at: moment()))
    }
}
