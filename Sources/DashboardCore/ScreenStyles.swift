/// A frame's styles as text, beside `Screen.text`, so that a snapshot can say how each cell is drawn
/// as well as what it reads (as ratatui's styled buffers do): a test then fails when a role, bold or
/// reverse is drawn wrong, not only when a word is.
///
/// Each row becomes one character a cell: the role's letter (`Role.letter`), in upper case when the
/// cell is bold (text, whose letter is ".", is ":" when bold). A row with reversed cells ends with
/// `  reversed 0-119` listing the columns, in runs. A wide character's continuation cell repeats the
/// letter of its character.
extension Role {
    /// One letter for each role, fixed: a snapshot of styles stays readable and never depends on
    /// the order of `allCases`.
    public var letter: Character {
        switch self {
        case .text: "."
        case .muted: "m"
        case .border: "l"
        case .title: "t"
        case .header: "h"
        case .selection: "s"
        case .good: "g"
        case .pending: "p"
        case .bad: "b"
        case .neutral: "n"
        case .warning: "w"
        case .error: "e"
        case .overdue: "o"
        case .changed: "c"
        case .series1: "a"
        case .series2: "d"
        case .series3: "f"
        case .series4: "i"
        case .series5: "j"
        }
    }
}

extension Style {
    /// The cell's letter in `Screen.styleLines`.
    public var letter: Character {
        guard bold else { return role.letter }
        return role == .text ? ":" : Character(role.letter.uppercased())
    }
}

extension Screen {
    /// What the letters of `styleLines` mean.
    public static var styleLegend: String {
        let roles = Role.allCases.map { "\($0.letter) \($0.rawValue)" }.joined(separator: ", ")
        return "Roles: \(roles). Upper case (\":\" for text): bold. Reversed columns are listed after a row."
    }

    /// One line a row: each cell's letter, then the reversed columns if any.
    public var styleLines: [String] {
        (0..<size.height).map { y in
            var line = ""
            var reversed: [ClosedRange<Int>] = []
            for x in 0..<size.width {
                let style = self[x, y].style
                line.append(style.letter)
                guard style.reverse else { continue }
                if let last = reversed.last, last.upperBound == x - 1 {
                    reversed[reversed.count - 1] = last.lowerBound...x
                } else {
                    reversed.append(x...x)
                }
            }
            guard !reversed.isEmpty else { return line }
            return line + "  reversed " + reversed.map { $0.count == 1 ? "\($0.lowerBound)" : "\($0.lowerBound)-\($0.upperBound)" }.joined(separator: ", ")
        }
    }

    /// The legend, then `styleLines`: the styled half of a snapshot.
    public var styledText: String {
        ([Self.styleLegend] + styleLines).joined(separator: "\n")
    }
}
