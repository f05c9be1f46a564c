import CLibXML2
import Foundation

/// Writes a run of HTML markup element by element through libxml2's streaming writer
/// (`xmlTextWriter`), for the parts of a document that grow with the run: a 6,000-step tree is
/// some 200,000 nodes, and building them as a tree, writing the tree out and freeing it costs
/// several times what writing them straight does.
///
/// The guarantee is the document's: every text and attribute value is escaped by libxml2 as it
/// is written, so nothing a pod sends can become markup. Elements are closed with an end tag
/// (`<span></span>`, never `<span/>`, which HTML does not close). The markup is put into an
/// `HTMLDocument` with `HTMLDocument.fragment(in:_:)` and written where the tree holds its place.
public final class HTMLWriter {
    private let buffer: xmlBufferPtr
    private let writer: xmlTextWriterPtr

    init() {
        LibXML2.initialise()
        buffer = xmlBufferCreate()!
        writer = xmlNewTextWriterMemory(buffer, 0)!
    }

    deinit {
        xmlFreeTextWriter(writer)
        xmlBufferFree(buffer)
    }

    /// Opens `name` with its attributes; `close()` ends it.
    public func open(_ name: String, attributes: KeyValuePairs<String, String> = [:]) {
        name.withXMLString { xmlTextWriterStartElement(writer, $0) }
        for (key, value) in attributes {
            key.withXMLString { key in value.withXMLString { value in _ = xmlTextWriterWriteAttribute(writer, key, value) } }
        }
    }

    /// Ends the element opened last, with an end tag.
    public func close() {
        xmlTextWriterFullEndElement(writer)
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
        guard !text.isEmpty else { return }
        text.withXMLString { xmlTextWriterWriteString(writer, $0) }
    }

    /// A `<pre>` holding `text` as it is: a parser drops one newline right after `<pre>`, so a
    /// text that begins with one gets another.
    public func preformatted(_ text: String, attributes: KeyValuePairs<String, String> = [:]) {
        element("pre", attributes: attributes, text: text.hasPrefix("\n") || text.hasPrefix("\r\n") ? "\n" + text : text)
    }

    /// The markup written, every element closed: valid while the writer lives.
    var markup: UnsafeBufferPointer<UInt8> {
        xmlTextWriterFlush(writer)
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
