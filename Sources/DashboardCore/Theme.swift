import Foundation
import TOMLKit

/// A colour as a theme file writes it: a name, 0–255, `#rrggbb`, or `default` (the terminal's own).
public enum ThemeColor: Sendable, Hashable {
    case terminalDefault
    case index(Int)
    case rgb(UInt8, UInt8, UInt8)

    static let names = ["black": 0, "red": 1, "green": 2, "yellow": 3, "blue": 4, "magenta": 5, "cyan": 6, "white": 7,
                        "bright-black": 8, "gray": 8, "grey": 8, "bright-red": 9, "bright-green": 10, "bright-yellow": 11,
                        "bright-blue": 12, "bright-magenta": 13, "bright-cyan": 14, "bright-white": 15]

    public init?(parsing text: String) {
        let value = text.trimmingCharacters(in: .whitespaces).lowercased()
        if value == "default" { self = .terminalDefault; return }
        if let index = ThemeColor.names[value] { self = .index(index); return }
        if let number = Int(value), (0...255).contains(number) { self = .index(number); return }
        if value.hasPrefix("#"), value.count == 7, let rgb = UInt32(value.dropFirst(), radix: 16) {
            self = .rgb(UInt8(rgb >> 16 & 0xFF), UInt8(rgb >> 8 & 0xFF), UInt8(rgb & 0xFF))
            return
        }
        return nil
    }

    /// The nearest of the 8 basic colours, for terminals that have no more.
    public var basic: Int? {
        switch self {
        case .terminalDefault: return nil
        case .index(let i) where i < 8: return i
        case .index(let i) where i < 16: return i - 8
        case .index(let i) where i >= 232: return i < 244 ? 0 : 7
        case .index(let i):
            let c = i - 16
            return ThemeColor.rgb(UInt8(c / 36 * 51), UInt8(c / 6 % 6 * 51), UInt8(c % 6 * 51)).basic
        case .rgb(let r, let g, let b):
            // Each channel on or off, then the ANSI order: bit 0 red, bit 1 green, bit 2 blue.
            return (r > 127 ? 1 : 0) | (g > 127 ? 2 : 0) | (b > 127 ? 4 : 0)
        }
    }

    /// The nearest colour of the xterm 256-colour cube (or the colour itself).
    public var index256: Int? {
        switch self {
        case .terminalDefault: return nil
        case .index(let i): return i
        case .rgb(let r, let g, let b):
            func level(_ v: UInt8) -> Int { v < 48 ? 0 : v < 115 ? 1 : (Int(v) - 35) / 40 }
            return 16 + 36 * level(r) + 6 * level(g) + level(b)
        }
    }
}

/// How one role looks.
public struct RoleLook: Sendable, Hashable {
    public var foreground: ThemeColor
    public var background: ThemeColor
    public var bold: Bool

    public init(_ foreground: ThemeColor, on background: ThemeColor = .terminalDefault, bold: Bool = false) {
        self.foreground = foreground
        self.background = background
        self.bold = bold
    }
}

/// Semantic roles to colours, read from `themes/NAME.toml`:
///
///     name = "default"
///     [roles]
///     text = "default"
///     overdue = { fg = "bright-red", bold = true }
///
/// A role may be a colour (the foreground) or a table with `fg`, `bg` and `bold`. Roles a file does
/// not name look as they do in the default theme.
public struct Theme: Sendable, Hashable {
    public var name: String
    public var looks: [Role: RoleLook]

    public func look(_ role: Role) -> RoleLook {
        looks[role] ?? Theme.builtIn.looks[role] ?? RoleLook(.terminalDefault)
    }

    /// A theme file's problem, with the file, line and value.
    public struct LoadError: Error, Sendable, Hashable, CustomStringConvertible {
        public var file: String
        public var line: Int?
        public var problem: String

        public init(file: String, line: Int?, problem: String) {
            self.file = file
            self.line = line
            self.problem = problem
        }

        public var description: String {
            "theme \(file)\(line.map { ", line \($0)" } ?? ""): \(problem)"
        }
    }

    public static func parse(_ text: String, file: String) throws(LoadError) -> Theme {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw LoadError(file: file, line: error.source.begin.line, problem: "not valid TOML: \(error.description)")
        } catch {
            throw LoadError(file: file, line: nil, problem: "not valid TOML: \(error)")
        }
        func line(of key: String) -> Int? {
            text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.trimmingCharacters(in: .whitespaces).hasPrefix(key) }.map { $0 + 1 }
        }
        var theme = Theme(name: table["name"]?.string ?? file, looks: [:])
        guard let roles = table["roles"]?.table else {
            throw LoadError(file: file, line: nil, problem: "no [roles] table; expected e.g. [roles] with text = \"default\"")
        }
        let known = Role.allCases.map(\.rawValue).joined(separator: ", ")
        for (key, value) in roles {
            guard let role = Role(rawValue: key) else {
                throw LoadError(file: file, line: line(of: key), problem: "unknown role \"\(key)\"; the roles are \(known)")
            }
            func color(_ text: String?, _ what: String) throws(LoadError) -> ThemeColor {
                guard let text else { return .terminalDefault }
                guard let color = ThemeColor(parsing: text) else {
                    throw LoadError(file: file, line: line(of: key), problem: "\(key): \(what) \"\(text)\" is not a colour; use a name (red, bright-blue, …), 0-255, #rrggbb or default")
                }
                return color
            }
            // A colour may be written as a string or as a bare number (0-255).
            func text(_ value: (any TOMLValueConvertible)?) -> String? {
                value.flatMap { $0.string ?? $0.int.map(String.init) }
            }
            if let single = text(value) {
                theme.looks[role] = RoleLook(try color(single, "colour"))
            } else if let look = value.table {
                theme.looks[role] = RoleLook(try color(text(look["fg"]), "fg"), on: try color(text(look["bg"]), "bg"), bold: look["bold"]?.bool ?? false)
            } else {
                throw LoadError(file: file, line: line(of: key), problem: "\(key) must be a colour string or a table { fg, bg, bold }")
            }
        }
        return theme
    }
}
