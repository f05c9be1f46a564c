import CLibXML2
import Foundation

/// An HTML document built through libxml2's tree API: the only code that touches libxml2 pointers.
///
/// Text enters only as text nodes and attribute values, which libxml2 escapes when it serialises,
/// so nothing a pod sends (an agent's output, a node's input) can become markup. The document owns
/// its tree and frees it in `deinit`; an `HTMLElement` is valid while its document lives.
/// Not thread-safe: build one document on one task.
public final class HTMLDocument {
    private let document: htmlDocPtr

    /// The `<html>` element.
    public let root: HTMLElement
    /// The `<head>` element.
    public let head: HTMLElement
    /// The `<body>` element.
    public let body: HTMLElement

    /// An empty HTML5 document (`<!DOCTYPE html>`, UTF-8): `<html lang=...>` with a head and a body.
    ///
    /// The head must exist before serialising: `htmlSetMetaEncoding` writes the charset there,
    /// and without it libxml2 writes every non-ASCII character as an entity.
    public init(language: String = "en") {
        LibXML2.initialise()
        // htmlNewDoc writes an HTML 4.0 doctype; this pair writes <!DOCTYPE html>.
        document = htmlNewDocNoDtD(nil, nil)
        xmlCreateIntSubset(document, "html", nil, nil)
        let html = xmlNewDocNode(document, nil, "html", nil)!
        xmlDocSetRootElement(document, html)
        root = HTMLElement(node: html)
        root.setAttribute("lang", language)
        let headNode = xmlNewDocNode(document, nil, "head", nil)!
        xmlAddChild(html, headNode)
        head = HTMLElement(node: headNode)
        let bodyNode = xmlNewDocNode(document, nil, "body", nil)!
        xmlAddChild(html, bodyNode)
        body = HTMLElement(node: bodyNode)
    }

    deinit {
        xmlFreeDoc(document)
    }

    /// Appends a new element to `parent`, with attributes in the order given.
    @discardableResult
    public func element(_ name: String, in parent: HTMLElement, attributes: KeyValuePairs<String, String> = [:]) -> HTMLElement {
        let node = xmlNewDocNode(document, nil, name, nil)!
        xmlAddChild(parent.node, node)
        let element = HTMLElement(node: node)
        for (key, value) in attributes { element.setAttribute(key, value) }
        return element
    }

    /// Appends `text` to `parent` as a text node: it is shown, never parsed.
    public func text(_ text: String, in parent: HTMLElement) {
        xmlAddChild(parent.node, xmlNewDocText(document, text))
    }

    /// The document as HTML text, indented, in UTF-8, with its `<meta charset>`.
    public func serialized() -> String {
        // Without it, non-ASCII characters are written as entities; libxml2 adds its own meta.
        htmlSetMetaEncoding(document, "UTF-8")
        var buffer: UnsafeMutablePointer<xmlChar>?
        var size: Int32 = 0
        htmlDocDumpMemoryFormat(document, &buffer, &size, 1)
        guard let buffer else { return "" }
        defer { clx_free(buffer) }
        return String(decoding: UnsafeBufferPointer(start: buffer, count: Int(size)), as: UTF8.self)
    }
}

/// An element of an `HTMLDocument`; valid while the document lives.
public struct HTMLElement {
    fileprivate let node: xmlNodePtr

    fileprivate init(node: xmlNodePtr) {
        self.node = node
    }

    /// Sets an attribute; the value is escaped when the document is written.
    public func setAttribute(_ name: String, _ value: String) {
        xmlSetProp(node, name, value)
    }
}

/// Process-wide libxml2 set-up.
enum LibXML2 {
    private static let initialised: Void = { xmlInitParser() }()

    /// Prepares libxml2 for use from several threads; cheap after the first call.
    static func initialise() { _ = initialised }
}
