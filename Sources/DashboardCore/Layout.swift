/// A rectangle of cells: where one part of the screen is drawn, and where a click lands.
public struct Rect: Sendable, Hashable, CustomStringConvertible {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = max(0, width)
        self.height = max(0, height)
    }

    public static let zero = Rect(x: 0, y: 0, width: 0, height: 0)

    public var maxX: Int { x + width }
    public var maxY: Int { y + height }
    public var isEmpty: Bool { width == 0 || height == 0 }

    public func contains(x: Int, y: Int) -> Bool {
        x >= self.x && x < maxX && y >= self.y && y < maxY
    }

    /// The top `rows` rows, and what is left below them.
    public func splitTop(_ rows: Int) -> (top: Rect, rest: Rect) {
        let taken = min(max(0, rows), height)
        return (Rect(x: x, y: y, width: width, height: taken), Rect(x: x, y: y + taken, width: width, height: height - taken))
    }

    /// Smaller by `columns` on the left and right and `rows` at the top and bottom.
    public func inset(columns: Int = 0, rows: Int = 0) -> Rect {
        Rect(x: x + columns, y: y + rows, width: width - 2 * columns, height: height - 2 * rows)
    }

    public var description: String { "\(width)x\(height) at (\(x), \(y))" }
}

/// Where each part of the screen goes. Drawing, cursor movement, paging and mouse hit-testing all
/// ask this one function, so a list can never select a row it does not draw.
public struct ScreenLayout: Sendable, Hashable {
    /// Row 0: the name, the breadcrumb, the totals.
    public var title: Rect
    /// Everything between the title and the flash line: the open screen's.
    public var body: Rect
    /// The line above the status line: an open prompt, the filter in force, the last flash.
    public var flash: Rect
    /// The last line: refresh state and the key hints.
    public var status: Rect

    /// The smallest terminal the dashboard draws in; below it, a message says so.
    public static let minimum = Size(width: 60, height: 12)

    public init(_ size: Size) {
        let full = Rect(x: 0, y: 0, width: size.width, height: size.height)
        title = Rect(x: 0, y: 0, width: full.width, height: min(1, full.height))
        body = Rect(x: 0, y: 1, width: full.width, height: full.height - 3)
        flash = Rect(x: 0, y: max(0, full.height - 2), width: full.width, height: full.height >= 2 ? 1 : 0)
        status = Rect(x: 0, y: max(0, full.height - 1), width: full.width, height: full.height >= 1 ? 1 : 0)
    }

    public static func fits(_ size: Size) -> Bool {
        size.width >= minimum.width && size.height >= minimum.height
    }
}
