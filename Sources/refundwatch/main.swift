import RefundKit; print(RefundKitVersion.string)
