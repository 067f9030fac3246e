/// Text for HTML and XML documents: the one escape the status page and the bank statements
/// use for every value that comes from a request, the ledger or a wallet.
public enum Markup {
    /// Escapes the five characters that can end text or an attribute value (`&`, `<`, `>`,
    /// `"`, `'`), and replaces NUL, which neither format may carry.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\u{0}": out += "\u{FFFD}"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}
