import Foundation

/// Charts drawn with characters, for the overview screen and `report`'s text: sparklines, bars
/// with eighth-cell precision, bars split into coloured segments, and braille lines (two values a
/// cell, four dots high). Pure functions of numbers and a width; the screen gives each segment its
/// theme role.
///
/// Under a locale that is not UTF-8 a terminal cannot show the block and braille characters, so
/// every chart has a plain ASCII form (`ChartGlyphs.ascii`).
public enum ChartGlyphs: Sendable, Hashable {
    /// Block elements (▁▂▃▄▅▆▇█, ▏▎▍▌▋▊▉) and braille.
    case unicode
    /// `#`, `=` and a ramp of punctuation.
    case ascii

    /// What the locale in `environment` can show: the character type is `LC_ALL`, else
    /// `LC_CTYPE`, else `LANG` (as libc decides it), and only a UTF-8 one shows blocks and braille.
    public static func forLocale(_ environment: [String: String]) -> ChartGlyphs {
        let name = [environment["LC_ALL"], environment["LC_CTYPE"], environment["LANG"]].compactMap { $0 }.first { !$0.isEmpty } ?? "C"
        let codeset = name.split(separator: ".").dropFirst().first?.split(separator: "@").first?.lowercased() ?? ""
        return codeset == "utf-8" || codeset == "utf8" ? .unicode : .ascii
    }

    /// The eight heights of a sparkline, lowest first.
    var levels: [Character] {
        switch self {
        case .unicode: ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
        case .ascii: ["_", ".", ",", ":", "-", "=", "+", "#"]
        }
    }
}

public enum Chart {
    /// One character a value, its height relative to the largest (`maximum`, else the largest
    /// value): the lowest step for a value above zero, a space for zero or nothing to say (a
    /// negative or not-a-number value).
    public static func sparkline(_ values: [Double], maximum: Double? = nil, glyphs: ChartGlyphs = .unicode) -> String {
        let top = maximum ?? values.filter(\.isFinite).max() ?? 0
        let levels = glyphs.levels
        return String(values.map { value -> Character in
            guard value.isFinite, value > 0, top > 0 else { return " " }
            let step = Int((min(value, top) / top * Double(levels.count)).rounded(.up)) - 1
            return levels[max(0, min(levels.count - 1, step))]
        })
    }

    /// A horizontal bar `value / maximum` of `width` cells, to an eighth of a cell in Unicode
    /// (a half in ASCII: `=`). A value above zero shows at least a sliver.
    public static func bar(_ value: Double, maximum: Double, width: Int, glyphs: ChartGlyphs = .unicode) -> String {
        guard width > 0, value.isFinite, value > 0, maximum.isFinite, maximum > 0 else { return "" }
        let cells = min(value, maximum) / maximum * Double(width)
        switch glyphs {
        case .unicode:
            let eighths = max(1, Int((cells * 8).rounded()))
            let partial: [Character] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"].map { $0.first ?? " " }
            return String(repeating: "█", count: eighths / 8) + (eighths % 8 == 0 ? "" : String(partial[eighths % 8]))
        case .ascii:
            let halves = max(1, Int((cells * 2).rounded()))
            return String(repeating: "#", count: halves / 2) + (halves % 2 == 0 ? "" : "=")
        }
    }

    /// How many of `width` cells each segment of a stacked bar takes: the bar is as long as
    /// `total / maximum` of the width, shared by largest remainder, and every segment above zero
    /// gets a cell if the bar has room for it (a count of 1 among thousands stays visible).
    public static func segments(_ values: [Double], maximum: Double, width: Int) -> [Int] {
        let clean = values.map { $0.isFinite && $0 > 0 ? $0 : 0 }
        let total = clean.reduce(0, +)
        guard width > 0, total > 0, maximum.isFinite, maximum > 0 else { return clean.map { _ in 0 } }
        let length = max(1, Int((min(total, maximum) / maximum * Double(width)).rounded()))
        let visible = clean.filter { $0 > 0 }.count
        let cells = max(length, min(visible, width))
        var shares = clean.map { $0 / total * Double(cells) }
        var counts = shares.map { Int($0.rounded(.down)) }
        // Every segment above zero first gets one cell, taken from the largest.
        for index in counts.indices where clean[index] > 0 && counts[index] == 0 {
            counts[index] = 1
            shares[index] = 1
            if let donor = counts.indices.filter({ counts[$0] > 1 }).max(by: { counts[$0] < counts[$1] }), counts.reduce(0, +) > cells {
                counts[donor] -= 1
            }
        }
        // What is left goes to the largest remainders.
        var left = cells - counts.reduce(0, +)
        let order = counts.indices.filter { clean[$0] > 0 }.sorted { (shares[$0] - Double(counts[$0])) > (shares[$1] - Double(counts[$1])) }
        var position = 0
        while left > 0, !order.isEmpty {
            counts[order[position % order.count]] += 1
            left -= 1
            position += 1
        }
        return counts
    }

    /// A line of braille cells, two values a cell, each value 0 to 4 dots high from the bottom
    /// (relative to `maximum`, else the largest value). ASCII has no such dots: the sparkline.
    public static func braille(_ values: [Double], maximum: Double? = nil, glyphs: ChartGlyphs = .unicode) -> String {
        guard glyphs == .unicode else { return sparkline(values, maximum: maximum, glyphs: glyphs) }
        let top = maximum ?? values.filter(\.isFinite).max() ?? 0
        func dots(_ value: Double) -> Int {
            guard value.isFinite, value > 0, top > 0 else { return 0 }
            return max(1, min(4, Int((min(value, top) / top * 4).rounded(.up))))
        }
        // Braille dots, bottom up: left column 7, 3, 2, 1; right column 8, 6, 5, 4.
        let left: [UInt32] = [0x40, 0x04, 0x02, 0x01], right: [UInt32] = [0x80, 0x20, 0x10, 0x08]
        var text = ""
        var index = 0
        while index < values.count {
            var bits: UInt32 = 0
            for level in 0..<dots(values[index]) { bits |= left[level] }
            if index + 1 < values.count {
                for level in 0..<dots(values[index + 1]) { bits |= right[level] }
            }
            text.unicodeScalars.append(Unicode.Scalar(0x2800 + bits)!)
            index += 2
        }
        return text
    }
}
