import Foundation
import TracedeskModel
import TracedeskHistory

/// Which elements and attributes an agent's answer may be drawn with (`HTMLDocument.appendMarkdown`),
/// and which link addresses it may keep.
///
/// An element that is not listed is not drawn (its text stays), and an attribute that is not
/// listed is never set.
public struct MarkupAllowlist: Sendable {
    /// Allowed element names, each with the attributes it may keep.
    public var elements: [String: Set<String>]
    /// Attributes holding a URL, kept only when `allowsURL` accepts the value.
    public var urlAttributes: Set<String>
    /// URL schemes a link may use; a URL with no scheme (`#part`, `page.html`) is allowed.
    public var urlSchemes: Set<String>
    /// Attributes set on every copy of an element (`rel` on links).
    public var addedAttributes: [String: KeyValuePairs<String, String>]

    /// What an agent's answer may use: text structure, lists, tables, code, links. No images
    /// (a report fetches nothing), no forms, no embedded frames, no styles.
    public static let answer = MarkupAllowlist(
        elements: [
            "p": [], "br": [], "hr": [], "h1": [], "h2": [], "h3": [], "h4": [], "h5": [], "h6": [],
            "strong": [], "b": [], "em": [], "i": [], "del": [], "s": [], "sub": [], "sup": [],
            "code": [], "pre": [], "kbd": [], "samp": [], "blockquote": [],
            "ul": [], "ol": ["start"], "li": [], "dl": [], "dt": [], "dd": [],
            "table": [], "thead": [], "tbody": [], "tr": [], "th": ["align", "colspan", "rowspan"],
            "td": ["align", "colspan", "rowspan"],
            "a": ["href", "title"],
        ],
        urlAttributes: ["href"],
        urlSchemes: ["http", "https", "mailto"],
        addedAttributes: ["a": ["rel": "noopener noreferrer nofollow"]]
    )

    /// Whether `url` may stay: its scheme, read the way a browser reads it (control characters and
    /// whitespace ignored, any case), is allowed, or it has none.
    public func allowsURL(_ url: String) -> Bool {
        let cleaned = String(String.UnicodeScalarView(url.unicodeScalars.filter {
            $0.value > 0x20 && $0.value != 0x7F
        }))
        guard let colon = cleaned.firstIndex(of: ":") else { return true }
        let beforeColon = cleaned[..<colon]
        // A colon after a slash, a question mark or a hash belongs to a relative URL's path.
        if beforeColon.contains(where: { "/?#".contains($0) }) { return true }
        return urlSchemes.contains(beforeColon.lowercased())
    }
}
