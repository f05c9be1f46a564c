import CLibXML2
import Foundation
import TracedeskModel
import TracedeskHistory

/// An HTML document built through libxml2's tree API: the only code that touches libxml2 pointers.
///
/// Text enters only as text nodes and attribute values, which libxml2 escapes when it serialises,
/// so nothing a pod sends (an agent's output, a node's input) can become markup. An answer's
/// Markdown is drawn by `appendMarkdown` as elements of an allow-list, its texts as text nodes. The document owns its tree and frees it in `deinit`;
/// an `HTMLElement` is valid while its document lives. Not thread-safe: use one document on one task.
public final class HTMLDocument {
    private let document: htmlDocPtr
    /// What is written at serialisation in place of the markers (`bulkText`, `fragment`), in order.
    private var splices: [HTMLTextEscaper.Splice] = []
    /// A marker no text of the document can spell: text is escaped (`<` becomes `&lt;`), so only
    /// a comment node can put `<!--` in the output, and the nonce is drawn anew for each document.
    private lazy var bulkMarker = "tracedesk-text-" + UUID().uuidString.lowercased()

    /// The `<html>` element.
    public let root: HTMLElement
    /// The `<head>` element.
    public let head: HTMLElement
    /// The `<body>` element.
    public let body: HTMLElement

    /// An empty HTML5 document (`<!DOCTYPE html>`, UTF-8): `<html lang=...>` with a head and a body.
    public init(language: String = "en") {
        LibXML2.initialise()
        // htmlNewDoc writes an HTML 4.0 doctype; this pair writes <!DOCTYPE html>.
        let document = htmlNewDocNoDtD(nil, nil)!
        xmlCreateIntSubset(document, "html", nil, nil)
        let html = xmlNewDocNode(document, nil, "html", nil)!
        xmlDocSetRootElement(document, html)
        self.document = document
        (root, head, body) = Self.skeleton(of: document, html: html)
        root.setAttribute("lang", language)
    }

    /// Parses HTML text, such as a report template, into a document.
    ///
    /// libxml2 2.9 does not know HTML5 elements (`section`, `details`...) but builds them all the
    /// same; its complaints are silenced and network access is off. A head and a body are added
    /// when the text has none. Throws `badInput` naming `origin` when nothing can be parsed.
    public init(parsing html: String, origin: String) throws(TracedeskError) {
        LibXML2.initialise()
        // XML_PARSE_HUGE lifts libxml2's 10 MB limit on one text node: a report embeds whole bodies.
        let options = Int32(HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue | HTML_PARSE_NONET.rawValue)
            | Int32(XML_PARSE_HUGE.rawValue)
        let bytes = Array(html.utf8)
        guard !bytes.isEmpty else { throw .badInput("\(origin): empty") }
        guard bytes.count < Int(Int32.max) else { throw .badInput("\(origin): larger than 2 GB") }
        let parsed = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                htmlReadMemory($0, Int32(buffer.count), nil, "UTF-8", options)
            }
        }
        guard let parsed else { throw .badInput("\(origin): not HTML") }
        guard let html = xmlDocGetRootElement(parsed) else {
            xmlFreeDoc(parsed)
            throw .badInput("\(origin): holds no HTML element")
        }
        document = parsed
        (root, head, body) = Self.skeleton(of: parsed, html: html)
    }

    deinit {
        // Freed here, on the thread that let go of it: one way, with no queue to wait for. (Large
        // trees used to be freed on a utility queue; the time a free takes is the caller's again,
        // and the benchmark counted it all along.)
        xmlFreeDoc(document)
    }

    /// The head and body of `html`, created (head first) when missing.
    private static func skeleton(of document: htmlDocPtr, html: xmlNodePtr) -> (HTMLElement, HTMLElement, HTMLElement) {
        let root = HTMLElement(node: html)
        let head = root.children.first { $0.name == "head" } ?? {
            let node = xmlNewDocNode(document, nil, "head", nil)!
            if let first = html.pointee.children { xmlAddPrevSibling(first, node) } else { xmlAddChild(html, node) }
            return HTMLElement(node: node)
        }()
        let body = root.children.first { $0.name == "body" } ?? {
            let node = xmlNewDocNode(document, nil, "body", nil)!
            xmlAddChild(html, node)
            return HTMLElement(node: node)
        }()
        return (root, head, body)
    }

    // MARK: Building

    /// Appends a new element to `parent`, with attributes in the order given.
    @discardableResult
    public func element(_ name: String, in parent: HTMLElement, attributes: KeyValuePairs<String, String> = [:]) -> HTMLElement {
        let node = xmlNewDocNode(document, nil, name, nil)!
        xmlAddChild(parent.node, node)
        let element = HTMLElement(node: node)
        for (key, value) in attributes { element.setAttribute(key, value) }
        return element
    }

    /// Inserts a new element before `sibling`, with attributes in the order given.
    @discardableResult
    public func element(_ name: String, before sibling: HTMLElement, attributes: KeyValuePairs<String, String> = [:]) -> HTMLElement {
        let node = xmlNewDocNode(document, nil, name, nil)!
        xmlAddPrevSibling(sibling.node, node)
        let element = HTMLElement(node: node)
        for (key, value) in attributes { element.setAttribute(key, value) }
        return element
    }

    /// Appends a new element holding `text` (as a text node) to `parent`.
    @discardableResult
    public func element(_ name: String, in parent: HTMLElement, attributes: KeyValuePairs<String, String> = [:],
                        text: String) -> HTMLElement {
        let element = element(name, in: parent, attributes: attributes)
        self.text(text, in: element)
        return element
    }

    /// Appends `text` to `parent` as a text node: it is shown, never parsed.
    public func text(_ text: String, in parent: HTMLElement) {
        guard !text.isEmpty else { return }
        xmlAddChild(parent.node, text.withXMLString { xmlNewDocText(document, $0) })
    }

    /// Appends a large `text` to `parent` that is written straight into the output when the
    /// document is serialised, escaped exactly as libxml2 escapes a text node (`HTMLTextEscaper`),
    /// instead of being copied into the tree, escaped by libxml2 and copied out again.
    ///
    /// The output is the same, byte for byte, as with `text(_:in:)`, but for a NUL: a text node
    /// ends at one, where this drops it and keeps the rest. The tree does not hold the text, so
    /// `textContent` does not see it until the document is serialised and read back. For the
    /// report's embedded status bodies: megabytes each.
    public func bulkText(_ text: String, in parent: HTMLElement) {
        guard !text.isEmpty else { return }
        xmlAddChild(parent.node, xmlNewDocComment(document, "\(bulkMarker)-\(splices.count)"))
        splices.append(.text(text))
    }

    /// Appends to `parent` the markup `write` writes through an `HTMLWriter` (every text and
    /// attribute escaped as libxml2 escapes them): for the parts of a report that grow with the
    /// run, which would otherwise be hundreds of thousands of nodes built, written and freed.
    ///
    /// Like `bulkText`, the markup is in the output, not in the tree: it is read back by parsing.
    public func fragment(in parent: HTMLElement, _ write: (HTMLWriter) -> Void) {
        let writer = HTMLWriter()
        write(writer)
        xmlAddChild(parent.node, xmlNewDocComment(document, "\(bulkMarker)-\(splices.count)"))
        splices.append(.markup(writer.finish()))
    }

    /// Appends `text` as pieces that each end after one of `breaks`, each in a
    /// `<span class="piece">` the stylesheet makes an inline block: a long code such as
    /// `PRODUCT_COMPARISON_ADVISOR_COE` wraps at its underscores, not mid-word, and copies as it
    /// is (libxml2's HTML serialiser does not know `<wbr>`, and a zero-width space would be copied).
    public func text(_ text: String, in parent: HTMLElement, breakingAfter breaks: Set<Character>) {
        var piece = ""
        for character in text {
            piece.append(character)
            if breaks.contains(character) {
                element("span", in: parent, attributes: ["class": "piece"], text: piece)
                piece = ""
            }
        }
        if !piece.isEmpty { element("span", in: parent, attributes: ["class": "piece"], text: piece) }
    }

    /// `text` as the content of a `<pre>`, to show as it is: a browser drops one newline right
    /// after `<pre>`, so a text that begins with one gets another.
    public static func preformatted(_ text: String) -> String {
        text.hasPrefix("\n") || text.hasPrefix("\r\n") ? "\n" + text : text
    }

    /// Appends text that is trusted to be raw content of `<style>`, where HTML escapes do not apply.
    ///
    /// Only for the project's own stylesheet: the HTML serialiser writes a style element's text
    /// as it is, which is what CSS needs (`a > b`), and would be unsafe for text from a pod.
    public func styleSheet(_ css: String, in style: HTMLElement) {
        precondition(style.name == "style", "styleSheet only fills a <style> element")
        xmlAddChild(style.node, xmlNewDocText(document, css))
    }

    /// Appends a deep copy of `source`, an element of another document this program built (a
    /// trusted report, not pod markup: nothing is filtered), to `parent`. Every `id` in the copy
    /// gets `prefix`, and every in-page link (`href="#x"`) follows it, so that several copies of
    /// one kind of document live in one page without two elements sharing an id.
    @discardableResult
    public func appendCopy(of source: HTMLElement, in parent: HTMLElement, prefixingIdsWith prefix: String) -> HTMLElement? {
        guard let copy = xmlDocCopyNode(source.node, document, 1) else { return nil }
        xmlAddChild(parent.node, copy)
        func rewrite(_ element: HTMLElement) {
            if let id = element.attribute("id") { element.setAttribute("id", prefix + id) }
            if let href = element.attribute("href"), href.hasPrefix("#"), href.count > 1 {
                element.setAttribute("href", "#" + prefix + href.dropFirst())
            }
            element.children.forEach(rewrite)
        }
        let element = HTMLElement(node: copy)
        rewrite(element)
        return element
    }

    // MARK: Finding and reshaping

    /// The elements of the document, in document order, that satisfy `predicate`.
    ///
    /// Walked with the tree's own links (first child, next sibling, parent), not by recursion:
    /// a parsed file nested 300,000 elements deep is walked in constant stack.
    public func elements(where predicate: (HTMLElement) -> Bool) -> [HTMLElement] {
        var found: [HTMLElement] = []
        let top = root.node
        var current: xmlNodePtr? = top
        while let node = current {
            if node.pointee.type == XML_ELEMENT_NODE {
                let element = HTMLElement(node: node)
                if predicate(element) { found.append(element) }
                if let child = node.pointee.children {
                    current = child
                    continue
                }
            }
            // Next: the sibling, else the nearest ancestor's sibling, up to the root.
            var climbing: xmlNodePtr? = node
            current = nil
            while let here = climbing, here != top {
                if let sibling = here.pointee.next {
                    current = sibling
                    break
                }
                climbing = here.pointee.parent
            }
        }
        return found
    }

    /// Every element named `name` (lower case), in document order.
    public func elements(named name: String) -> [HTMLElement] {
        elements { $0.name == name }
    }

    /// Unlinks `element` from the tree and frees it with everything inside it.
    public func remove(_ element: HTMLElement) {
        xmlUnlinkNode(element.node)
        xmlFreeNode(element.node)
    }

    /// Removes everything inside `element`.
    public func removeChildren(of element: HTMLElement) {
        while let child = element.node.pointee.children {
            xmlUnlinkNode(child)
            xmlFreeNode(child)
        }
    }

    // MARK: Writing

    /// The document as HTML text, indented, in UTF-8, with its `<meta charset>`.
    public func serialized() -> String {
        String(decoding: serializedBytes(), as: UTF8.self)
    }

    /// The document as the UTF-8 bytes of its HTML text: what a file or a response holds,
    /// without making a Swift string of 25 MiB first.
    public func serializedBytes() -> [UInt8] {
        // Without it, non-ASCII characters are written as entities; libxml2 adds its own meta.
        // It only works when the document has a head, which every HTMLDocument has.
        htmlSetMetaEncoding(document, "UTF-8")
        var buffer: UnsafeMutablePointer<xmlChar>?
        var size: Int32 = 0
        htmlDocDumpMemoryFormat(document, &buffer, &size, 1)
        guard let buffer else { return [] }
        defer { clx_free(buffer) }
        let written = UnsafeBufferPointer(start: buffer, count: Int(size))
        guard !splices.isEmpty else { return Array(written) }
        return HTMLTextEscaper.splice(splices, marker: bulkMarker, into: written)
    }
}

/// A node read from a document: an element or a piece of text.
public enum HTMLNode {
    case element(HTMLElement)
    case text(String)
}

/// An element of an `HTMLDocument`; valid while the document lives.
public struct HTMLElement: Equatable {
    fileprivate let node: xmlNodePtr

    fileprivate init(node: xmlNodePtr) {
        self.node = node
    }

    /// The element's name as libxml2 holds it (lower case for parsed HTML).
    public var name: String {
        String(cString: node.pointee.name)
    }

    /// Sets an attribute; the value is escaped when the document is written.
    public func setAttribute(_ name: String, _ value: String) {
        name.withXMLString { name in value.withXMLString { value in _ = xmlSetProp(node, name, value) } }
    }

    /// An attribute's value, entities decoded; `nil` when absent.
    public func attribute(_ name: String) -> String? {
        guard let value = xmlGetProp(node, name) else { return nil }
        defer { clx_free(value) }
        return String(cString: value)
    }

    /// The element's attributes in document order.
    public var attributes: [(name: String, value: String)] {
        var result: [(String, String)] = []
        var current = node.pointee.properties
        while let attribute = current {
            let name = String(cString: attribute.pointee.name)
            result.append((name, self.attribute(name) ?? ""))
            current = attribute.pointee.next
        }
        return result
    }

    /// The class names of the element.
    public var classes: [String] {
        (attribute("class") ?? "").split(separator: " ").map(String.init)
    }

    /// The element's child elements.
    public var children: [HTMLElement] {
        childNodes.compactMap { if case .element(let element) = $0 { element } else { nil } }
    }

    /// The element's children that are elements or text (comments and the like left out).
    public var childNodes: [HTMLNode] {
        var nodes: [HTMLNode] = []
        var current = node.pointee.children
        while let child = current {
            switch child.pointee.type {
            case XML_ELEMENT_NODE:
                nodes.append(.element(HTMLElement(node: child)))
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if let content = child.pointee.content { nodes.append(.text(String(cString: content))) }
            default:
                break
            }
            current = child.pointee.next
        }
        return nodes
    }

    /// The element this one is inside, if any.
    public var parent: HTMLElement? {
        guard let parent = node.pointee.parent, parent.pointee.type == XML_ELEMENT_NODE else { return nil }
        return HTMLElement(node: parent)
    }

    /// Whether `other` holds this element, at any depth (an element does not hold itself).
    public func isInside(_ other: HTMLElement) -> Bool {
        var current = node.pointee.parent
        while let parent = current {
            if parent == other.node { return true }
            current = parent.pointee.parent
        }
        return false
    }

    /// All the text inside the element, as shown.
    public var textContent: String {
        guard let content = xmlNodeGetContent(node) else { return "" }
        defer { clx_free(content) }
        return String(cString: content)
    }
}

/// Process-wide libxml2 set-up.
enum LibXML2 {
    private static let initialised: Void = { xmlInitParser() }()

    /// Prepares libxml2 for use from several threads; cheap after the first call.
    static func initialise() { _ = initialised }
}

extension String {
    /// Calls `body` with the text as libxml2's `xmlChar` string, without a copy for a native
    /// string (passing a String where a pointer is expected copies it into a new array first).
    @inline(__always)
    func withXMLString<Result>(_ body: (UnsafePointer<xmlChar>) -> Result) -> Result {
        withCString { body(UnsafeRawPointer($0).assumingMemoryBound(to: xmlChar.self)) }
    }
}
