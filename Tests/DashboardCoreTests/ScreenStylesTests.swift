import Foundation
import Testing
@testable import DashboardCore

/// `Screen.styleLines`: the styled half of a snapshot says each cell's role, bold and reverse.
@Suite struct ScreenStylesTests {
    @Test func eachCellIsItsRolesLetterUpperCaseWhenBoldAndReversedRunsAreListed() {
        var screen = Screen(Size(width: 12, height: 3))
        screen.put("title", x: 0, y: 0, style: Style(.title, bold: true, reverse: true))
        screen.put("ok", x: 7, y: 0, style: Style(.good))
        screen.put("bad", x: 0, y: 1, style: Style(.bad))
        screen.put("!", x: 4, y: 1, style: Style(.text, bold: true))
        screen.put("₹", x: 6, y: 1, style: Style(.pending))
        screen.put("ab", x: 0, y: 2, style: Style(.selection, reverse: true))
        screen.put("cd", x: 5, y: 2, style: Style(.selection, reverse: true))
        #expect(screen.styleLines == [
            "TTTTT..gg...  reversed 0-4",
            "bbb.:.p.....",
            "ss...ss.....  reversed 0-1, 5-6",
        ])
        #expect(screen.styledText.hasPrefix("Roles: . text, m muted, l border, t title, h header, s selection, g good, p pending, b bad"))
    }

    @Test func everyRoleHasALetterOfItsOwn() {
        let letters = Role.allCases.map(\.letter)
        #expect(Set(letters).count == Role.allCases.count)
        #expect(Set(Role.allCases.map { Style($0, bold: true).letter }).count == Role.allCases.count)
        #expect(Set(letters).isDisjoint(with: Role.allCases.map { Style($0, bold: true).letter }))
    }

    @Test func aWideCharactersContinuationTakesItsLetter() {
        // Widths come from libc's wcwidth, which needs a UTF-8 locale, as the terminal sets one.
        setlocale(LC_ALL, "C.UTF-8")
        var screen = Screen(Size(width: 4, height: 1))
        screen.put("世", x: 1, y: 0, style: Style(.warning))
        #expect(screen.styleLines == [".ww."])
    }
}
