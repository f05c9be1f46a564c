import Foundation

/// Writes a run of HTML markup element by element, for the parts of a document that grow with
/// the run: a 6,000-step tree is some 200,000 nodes, and building them as a libxml2 tree, writing
/// the tree out and freeing it costs several times what writing them straight does.
///
/// The guarantee is the document's: every text is escaped as libxml2's HTML serialiser escapes a
/// text node, and every attribute value as it escapes an attribute (`HTMLTextEscaper`; a test
/// holds both to libxml2's own output byte for byte), so nothing a pod sends can become markup.
/// Only element and attribute names, which are the program's own, are copied as they are.
/// Elements are closed with an end tag (`<span></span>`, never `<span/>`, which HTML does not
/// close). The markup is put into an `HTMLDocument` with `HTMLDocument.fragment(in:_:)` and
/// written where the tree holds its place.
public final class HTMLWriter {
    /// The markup written so far.
    private(set) var bytes: [UInt8] = []
    /// The elements open, innermost last.
    private var open: [String] = []

    init() {
        bytes.reserveCapacity(64 * 1024)
    }

    /// Opens `name` with its attributes; `close()` ends it.
    public func open(_ name: String, attributes: KeyValuePairs<String, String> = [:]) {
        bytes.append(UInt8(ascii: "<"))
        bytes.append(contentsOf: name.utf8)
        for (key, value) in attributes {
            bytes.append(UInt8(ascii: " "))
            bytes.append(contentsOf: key.utf8)
            bytes.append(contentsOf: Self.equalsQuote)
            HTMLTextEscaper.appendAttribute(value, to: &bytes)
            bytes.append(UInt8(ascii: "\""))
        }
        bytes.append(UInt8(ascii: ">"))
        open.append(name)
    }

    private static let equalsQuote = Array("=\"".utf8)
    private static let endTag = Array("</".utf8)

    /// Ends the element opened last, with an end tag.
    public func close() {
        guard let name = open.popLast() else { return }
        bytes.append(contentsOf: Self.endTag)
        bytes.append(contentsOf: name.utf8)
        bytes.append(UInt8(ascii: ">"))
    }

    /// An element with its attributes and what `content` writes inside it.
    public func element(_ name: String, attributes: KeyValuePairs<String, String> = [:], _ content: () -> Void) {
        open(name, attributes: attributes)
        content()
        close()
    }

    /// An element holding `text` (escaped), or nothing.
    public func element(_ name: String, attributes: KeyValuePairs<String, String> = [:], text: String = "") {
        open(name, attributes: attributes)
        self.text(text)
        close()
    }

    /// `text` in pieces that each end after an `_`, each a `<span class="piece">` the stylesheet
    /// makes an inline block, as `HTMLDocument.text(_:in:breakingAfter:)` writes them: a code such
    /// as `SUMMARISE_JOURNAL` in a narrow column wraps between its words, never inside one, and
    /// copies as it is.
    public func code(_ text: String) {
        var rest = Substring(text)
        while let underscore = rest.firstIndex(of: "_"), rest.index(after: underscore) < rest.endIndex {
            element("span", attributes: ["class": "piece"], text: String(rest[...underscore]))
            rest = rest[rest.index(after: underscore)...]
        }
        element("span", attributes: ["class": "piece"], text: String(rest))
    }

    /// `text`, escaped: shown, never parsed. Cut at a NUL, as libxml2 cuts a text node.
    public func text(_ text: String) {
        guard !text.isEmpty else { return }
        HTMLTextEscaper.appendText(text, to: &bytes)
    }

    /// A `<pre>` holding `text` as it is (`HTMLDocument.preformatted`).
    public func preformatted(_ text: String, attributes: KeyValuePairs<String, String> = [:]) {
        element("pre", attributes: attributes, text: HTMLDocument.preformatted(text))
    }

    /// The markup written, every element closed.
    func finish() -> [UInt8] {
        while !open.isEmpty { close() }
        return bytes
    }
}
