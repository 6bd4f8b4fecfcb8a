import Foundation

/// "1 order", "3 orders", "9,812 orders"; "1 was", "3 were" with the plural given.
public func plural(_ count: Int, _ singular: String, _ pluralForm: String? = nil) -> String {
    "\(groupedCount(count)) \(count == 1 ? singular : (pluralForm ?? singular + "s"))"
}

/// 9812 as "9,812": counts are grouped in thousands whatever the locale (money has its own,
/// Indian, grouping: `Money.formatted`).
public func groupedCount(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var out = ""
    for (index, digit) in digits.enumerated() {
        if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
        out.append(digit)
    }
    return value < 0 ? "-" + out : out
}
