// ncurses for Swift. The two defines must come before the header: SwiftPM does not pass
// pkg-config's cflags, and without them the wide-character calls (add_wch, setcchar, get_wch)
// are not declared.
#define NCURSES_WIDECHAR 1
#define _XOPEN_SOURCE_EXTENDED 1
#include <locale.h>
#include <wchar.h>
#include <ncursesw/curses.h>

// Swift 6 refuses ncurses' global variables (not concurrency-safe) and does not import
// function-like macros, so the few the dashboard needs are wrapped here.
static inline WINDOW *rw_stdscr(void) { return stdscr; }
/* The C library's stdout and stdin, which Swift 6 refuses as shared mutable state. */
static inline FILE *rw_stdout(void) { return stdout; }
static inline FILE *rw_stdin(void) { return stdin; }
static inline int rw_lines(void) { return LINES; }
static inline int rw_cols(void) { return COLS; }
static inline int rw_colors(void) { return COLORS; }
static inline int rw_color_pairs(void) { return COLOR_PAIRS; }
static inline attr_t rw_a_bold(void) { return A_BOLD; }
static inline attr_t rw_a_reverse(void) { return A_REVERSE; }
static inline attr_t rw_a_underline(void) { return A_UNDERLINE; }
static inline attr_t rw_a_dim(void) { return A_DIM; }
static inline attr_t rw_a_normal(void) { return A_NORMAL; }
static inline int rw_key_resize(void) { return KEY_RESIZE; }
static inline int rw_key_up(void) { return KEY_UP; }
static inline int rw_key_down(void) { return KEY_DOWN; }
static inline int rw_key_left(void) { return KEY_LEFT; }
static inline int rw_key_right(void) { return KEY_RIGHT; }
static inline int rw_key_home(void) { return KEY_HOME; }
static inline int rw_key_end(void) { return KEY_END; }
static inline int rw_key_ppage(void) { return KEY_PPAGE; }
static inline int rw_key_npage(void) { return KEY_NPAGE; }
static inline int rw_key_backspace(void) { return KEY_BACKSPACE; }
static inline int rw_key_enter(void) { return KEY_ENTER; }
static inline int rw_key_dc(void) { return KEY_DC; }
static inline int rw_ok(void) { return OK; }
static inline int rw_err(void) { return ERR; }
static inline int rw_key_code_yes(void) { return KEY_CODE_YES; }

static inline int rw_key_mouse(void) { return KEY_MOUSE; }

/// Turns mouse reporting on (clicks, double clicks, the wheel) or off. Returns 1 when the terminal
/// reports a mouse at all.
static inline int rw_mouse(int on) {
    mmask_t wanted = on ? (BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED | BUTTON4_PRESSED
#ifdef BUTTON5_PRESSED
                           | BUTTON5_PRESSED
#endif
                           ) : 0;
    return mousemask(wanted, NULL) != 0;
}

/// Reads the mouse event after KEY_MOUSE: 1 click, 2 double click, 3 wheel up, 4 wheel down, 0
/// anything else; its cell in *x and *y.
static inline int rw_mouse_event(int *x, int *y) {
    MEVENT event;
    if (getmouse(&event) != OK) return 0;
    *x = event.x;
    *y = event.y;
    if (event.bstate & BUTTON1_DOUBLE_CLICKED) return 2;
    if (event.bstate & BUTTON1_CLICKED) return 1;
    if (event.bstate & BUTTON4_PRESSED) return 3;
#ifdef BUTTON5_PRESSED
    if (event.bstate & BUTTON5_PRESSED) return 4;
#endif
    return 0;
}

/// Sets what erase() fills the screen with: blanks with these attributes and colour pair.
static inline int rw_set_blank(attr_t attrs, short pair) {
    cchar_t blank;
    wchar_t space[2] = { L' ', 0 };
    if (setcchar(&blank, space, attrs, pair, NULL) != OK) return ERR;
    wbkgrndset(stdscr, &blank);
    return OK;
}

/// Writes one cell: a grapheme (as wide characters) with attributes and a colour pair.
static inline int rw_put_cell(int y, int x, const wchar_t *text, attr_t attrs, short pair) {
    cchar_t cell;
    if (setcchar(&cell, text, attrs, pair, NULL) != OK) return ERR;
    return mvadd_wch(y, x, &cell);
}
