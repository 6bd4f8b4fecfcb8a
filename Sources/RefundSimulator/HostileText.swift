/// Strings that take over a terminal when printed as they came, for the `hostile-text` scenario.
///
/// Merchants fill `notes`, `receipt` and the `udf`/`additional_info` fields, customers write notes,
/// gateways write error reasons, and a compromised or buggy gateway can put anything in an id or a
/// PayU field. Each string here is an attack a real terminal honours: the tests look the order up
/// and prove no output carries them raw, while JSON keeps them exactly.
public enum HostileText {
    /// OSC 52: sets the reader's clipboard (to "hello", base64).
    public static let clipboard = "\u{1B}]52;c;aGVsbG8=\u{07}"
    /// CSI 2 J then home: clears the screen.
    public static let clearScreen = "\u{1B}[2J\u{1B}[H"
    /// OSC 0: retitles the window.
    public static let windowTitle = "\u{1B}]0;all refunds settled\u{07}"
    /// U+009B, the one-byte CSI of 8-bit terminals, then SGR red; U+009C ends it.
    public static let c1Sequence = "\u{9B}31m\u{9C}"
    /// A right-to-left override: "lanigiro" reads as "original" on a bidi-aware terminal.
    public static let bidiOverride = "\u{202E}lanigiro\u{202C}"
    /// A first-strong isolate and its end.
    public static let bidiIsolate = "\u{2068}isolated\u{2069}"
    /// BEL, backspace, DEL.
    public static let bell = "bell\u{07}back\u{08}del\u{7F}"
    /// A newline that would print a line of its own looking like a real field.
    public static let forgedLine = "ok\n  ARN          999999999999"

    /// Echo fields of the scenario's order, every one hostile.
    static let echo: [(String, JSONValue)] = [
        ("udf1", .string(c1Sequence + "cart-1")),
        ("udf2", .string(bidiOverride)),
        ("udf3", .string(bidiIsolate)),
        ("udf4", .string(bell)),
        ("receipt", .string("rcpt-7781" + clipboard)),
        ("notes", .object([
            ("customer_note", .string("please call " + clearScreen + "soon")),
            ("gift_message", .string(windowTitle + "Happy Diwali")),
            ("forged", .string(forgedLine)),
        ])),
    ]

    /// The failed attempt's gateway error.
    static let gatewayError = (code: "U30" + "\u{1B}[5m", reason: "Debit failed \u{1B}[31mRED\u{1B}[0m" + clearScreen)
    /// Ends the refund id (PayU's request_id is the same text, so the two sides still join).
    static let refundIDSuffix = "\u{1B}[7m"

    /// PayU's side of the scenario's refund.
    static func payuFields(_ record: inout PayURecordPlan) {
        record.arn = record.arn + clipboard
        record.utr = c1Sequence + record.utr
        record.settlementID = record.settlementID + bidiOverride
        record.refundMode = "Back to Source" + windowTitle
        record.token = "whatsapp_refund_" + clearScreen
    }

    /// What PayU answers, in its keyed error's `description`, for the second order of the scenario.
    public static let payuRefusal = "0 out of 1 Transactions Fetched" + clipboard + windowTitle
}
