import Foundation
import Testing
import RefundModel
@testable import DashboardCore
import WatchlistModel

/// The dashboard's cells, which draw through `TerminalSafe` (tested on its own in RefundKitTests).
struct TerminalSafeScreenTests {
    @Test func screenCellsShowEscapesAndMeasureThemAsDrawn() {
        setlocale(LC_ALL, "C.UTF-8")
        var screen = Screen(Size(width: 40, height: 3))
        let ascii = "a\u{1B}]0;x\u{07}b"
        let used = screen.put(ascii, x: 0, y: 0)
        #expect(screen.lines[0] == #"a\e]0;x\x07b"#)
        #expect(used == DisplayWidth.of(ascii))
        #expect(DisplayWidth.of(ascii) == 12)

        let wide = "₹5\u{202E}05\u{9B}"
        screen.put(wide, x: 0, y: 1)
        #expect(screen.lines[1] == #"₹5\u202e05\u009b"#)
        #expect(DisplayWidth.of(wide) == 2 + 6 + 2 + 6)

        // Cut at the limit: an escape that does not fit whole is left out, never half drawn.
        screen.put("ab\u{1B}cd", x: 0, y: 2, limit: 3)
        #expect(screen.lines[2] == "ab")
        // Padding and clipping measure the escape as drawn, so columns stay aligned.
        #expect(DisplayWidth.of(DisplayWidth.pad("\u{07}", to: 6)) == 6)
        #expect(DisplayWidth.clip("\u{1B}[2J and more", to: 6) == "\u{1B}[2J…")
        for cell in screen.cells {
            #expect(!cell.text.unicodeScalars.contains(where: TerminalSafe.isUnsafe))
        }
    }
}
