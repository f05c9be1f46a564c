import CLibXML2
import Foundation

/// Writes a run of HTML markup element by element into a libxml2 buffer, for the parts of a
/// document that grow with the run: a 6,000-step tree is some 200,000 nodes, and building them as
/// a tree, writing the tree out and freeing it costs several times what writing them straight does.
///
/// The guarantee is the document's: libxml2 escapes every text (`xmlEncodeEntitiesReentrant`, as
/// its serialiser escapes a text node) and every attribute value (`xmlAttrSerializeTxtContent`) as
/// it is written, so nothing a pod sends can become markup; only element and attribute names,
/// which are the program's own, are copied. A text is cut at a NUL, as a text node is.
/// Elements are closed with an end tag (`<span></span>`, never `<span/>`, which HTML does not
/// close). The markup is put into an `HTMLDocument` with `HTMLDocument.fragment(in:_:)` and
/// written where the tree holds its place.
public final class HTMLWriter {
    private let buffer: xmlBufferPtr
    /// A document that says its encoding is UTF-8, so that libxml2 keeps non-ASCII text as it is
    /// instead of writing character references.
    private let encoding: htmlDocPtr
    /// The elements open, innermost last.
    private var open: [String] = []

    init() {
        LibXML2.initialise()
        buffer = xmlBufferCreate()!
        encoding = htmlNewDocNoDtD(nil, nil)!
        encoding.pointee.encoding = "UTF-8".withXMLString { UnsafePointer(xmlStrdup($0)) }
    }

    deinit {
        xmlBufferFree(buffer)
        xmlFreeDoc(encoding)
    }

    /// Opens `name` with its attributes; `close()` ends it.
    public func open(_ name: String, attributes: KeyValuePairs<String, String> = [:]) {
        raw("<")
        raw(name)
        for (key, value) in attributes {
            raw(" ")
            raw(key)
            raw("=\"")
            value.withXMLString { xmlAttrSerializeTxtContent(buffer, encoding, nil, $0) }
            raw("\"")
        }
        raw(">")
        open.append(name)
    }

    /// Ends the element opened last, with an end tag.
    public func close() {
        guard let name = open.popLast() else { return }
        raw("</")
        raw(name)
        raw(">")
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

    /// `text`, escaped: shown, never parsed.
    public func text(_ text: String) {
        // The escaping libxml2's HTML serialiser gives a text node: `&`, `<`, `>` as entities,
        // carriage returns kept, other control characters dropped (the same bytes as the tree's).
        guard !text.isEmpty, let escaped = text.withXMLString({ xmlEncodeEntitiesReentrant(encoding, $0) }) else { return }
        xmlBufferCat(buffer, escaped)
        clx_free(escaped)
    }

    /// A `<pre>` holding `text` as it is (`HTMLDocument.preformatted`).
    public func preformatted(_ text: String, attributes: KeyValuePairs<String, String> = [:]) {
        element("pre", attributes: attributes, text: HTMLDocument.preformatted(text))
    }

    /// Markup of the program's own (names, punctuation), copied as it is.
    private func raw(_ markup: String) {
        markup.withXMLString { _ = xmlBufferCat(buffer, $0) }
    }

    /// The markup written, every element closed: valid while the writer lives.
    var markup: UnsafeBufferPointer<UInt8> {
        while !open.isEmpty { close() }
        return UnsafeBufferPointer(start: xmlBufferContent(buffer), count: Int(xmlBufferLength(buffer)))
    }
}

extension String {
    /// Calls `body` with the text as libxml2's `xmlChar` string, without a copy for a native
    /// string (passing a String where a pointer is expected copies it into a new array first).
    @inline(__always)
    func withXMLString<Result>(_ body: (UnsafePointer<xmlChar>) -> Result) -> Result {
        withCString { body(UnsafeRawPointer($0).assumingMemoryBound(to: xmlChar.self)) }
    }
}
