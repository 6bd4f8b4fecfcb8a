import RefundKit
