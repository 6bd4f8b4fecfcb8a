// The domain model (orders, refunds, money, statuses, reports, errors) lives in RefundModel, which
// builds without an HTTP client; everything that imports RefundKit sees it too.
@_exported import RefundModel
