import Foundation
import RefundModel
import WatchlistModel
@testable import DashboardCore
import TestReports

/// Watchlist rows and loaded dashboard states for the dashboard's suites, built from
/// `ReportBuilder`: one order, one PayU transaction, one refund.
enum Watchlists {
    static let t0 = Date(timeIntervalSince1970: 1_795_000_000)

    /// A fetched order whose refund is at `stage` (PayU's side settled for success and failure,
    /// queued otherwise, with `arn`); `failure` marks its last fetch failed.
    static func row(_ id: Int64, _ reference: String, stage: RefundStatus = .success, arn: String? = "1", changedAt: Date? = nil,
                    failure: Bool = false) -> WatchedOrder {
        let payu: PayURefundStatus = stage == .success || stage == .failed ? .success : .queued
        let refund = ReportBuilder.refund("r\(id)", status: stage, payu: ReportBuilder.record("r\(id)", status: payu, arn: arn))
        let summary = OrderSummary(ReportBuilder.order([ReportBuilder.transaction("t\(id)", refunds: [refund])]), rules: DeadlineRules())
        let fetchFailure = failure ? FetchFailure(error: ReportedError(category: .network, service: .kaleyra, message: "Kaleyra did not answer"), at: t0) : nil
        return WatchedOrder(order: TrackedOrder(id: id, referenceID: reference, addedAt: t0), summary: summary, fetchedAt: t0,
                            changedAt: changedAt, failure: fetchFailure)
    }

    /// A dashboard of `size` that has loaded `rows`, showing times in India's zone unless told.
    static func loaded(_ rows: [WatchedOrder], size: Size = Size(width: 80, height: 24),
                       timeZone: TimeZone? = TimeZone(identifier: "Asia/Kolkata")) -> DashboardState {
        var state = DashboardState(now: t0, size: size, interval: 30)
        if let timeZone { state.timeZone = timeZone }
        _ = Dashboard.update(&state, .watchlistLoaded(rows))
        return state
    }
}
