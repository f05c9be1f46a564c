import Foundation
import Testing
@testable import TracedeskDocuments

/// What a report writes without building it as a tree: status bodies escaped on the way out, and
/// the step tree written into a libxml2 buffer. Both must read as the tree would.
@Suite("Bulk text and written fragments")
struct BulkOutputTests {
    /// Texts that test every rule of the escaping, at every offset of an eight-byte word.
    static let texts: [String] = {
        var texts = [
            "plain", "a & b < c > d", #""double" 'single'"#, "CR\rLF\nCRLF\r\n", "tab\there", "é ü 日本 🎉",
            "\u{1}bell\u{7}escape\u{1B}[0m\u{7F}delete", "<!--comment-->", "]]> and &amp; already", "\nleading newline",
            "<!--tracedesk-text-00000000-0000-0000-0000-000000000000-0-->",
            String(repeating: #"{"key" : "value", "n" : 12345}"#, count: 300),
        ]
        for offset in 0..<9 {
            for special in ["&", "<", ">", "\u{2}", "\t", "é"] {
                texts.append(String(repeating: "x", count: offset) + special + String(repeating: "y", count: 17 - offset))
            }
        }
        return texts
    }()

    @Test("bulk text is written byte for byte as libxml2 writes the same text node")
    func sameAsLibxml2() {
        let byTree = HTMLDocument(), byBulk = HTMLDocument()
        for text in Self.texts {
            byTree.text(text, in: byTree.element("pre", in: byTree.body))
            byBulk.bulkText(text, in: byBulk.element("pre", in: byBulk.body))
        }
        let tree = byTree.serialized(), bulk = byBulk.serialized()
        #expect(tree == bulk)
        #expect(!bulk.contains("<!--"), "every marker was replaced")
    }

    @Test("a written fragment escapes a text byte for byte as libxml2 writes the same text node")
    func fragmentSameAsLibxml2() throws {
        let byTree = HTMLDocument(), byWriter = HTMLDocument()
        for text in Self.texts { byTree.text(text, in: byTree.element("pre", in: byTree.body)) }
        byWriter.fragment(in: byWriter.body) { writer in
            for text in Self.texts { writer.element("pre", text: text) }
        }
        func contents(_ html: String) -> [Substring] {
            html.split(separator: "<pre>").dropFirst().map { $0.prefix { $0 != "<" } }
        }
        let tree = contents(byTree.serialized()), written = contents(byWriter.serialized())
        #expect(tree.count == Self.texts.count)
        #expect(written == tree)
    }

    @Test("the writer escapes texts and attribute values byte for byte as libxml2 does, on every text of the corpus and on random ones")
    func escapersSameAsLibxml2() {
        var random = SystemRandomNumberGenerator()
        let alphabet: [Character] = ["a", "<", ">", "&", "\"", "'", "\n", "\r", "\t", "\u{1}", "\u{7F}", "é", "🎉", " ", ";", "#"]
        let generated = (0..<300).map { _ in String((0..<Int.random(in: 0...40, using: &random)).map { _ in alphabet.randomElement(using: &random)! }) }
        for text in Self.texts + generated + ["cut\u{0}here"] {
            var asText: [UInt8] = [], asAttribute: [UInt8] = []
            HTMLTextEscaper.appendText(text, to: &asText)
            HTMLTextEscaper.appendAttribute(text, to: &asAttribute)
            let reference = HTMLTextEscaper.libxml2Escaping(text)
            #expect(asText == reference.text, "text \(text.debugDescription)")
            #expect(asAttribute == reference.attribute, "attribute \(text.debugDescription)")
        }
    }

    @Test("a marker spelled by a text is escaped like any text, and a marker that is not one of ours is left alone")
    func forgedMarkers() throws {
        let document = HTMLDocument()
        document.bulkText("real", in: document.element("pre", in: document.body))
        document.text("<!--tracedesk-text-x-0-->", in: document.element("p", in: document.body))
        let html = document.serialized()
        #expect(html.contains("&lt;!--tracedesk-text-x-0--&gt;"))
        let read = try HTMLDocument(parsing: html, origin: "test")
        #expect(read.elements(named: "pre").first?.textContent == "real")
        // The splice itself: an unknown number, or no number, is copied through.
        let written = Array("a<!--m-7-->b<!--m--->c<!--m-0-->d".utf8)
        let spliced = written.withUnsafeBufferPointer { HTMLTextEscaper.splice([.text("<0>")], marker: "m", into: $0) }
        #expect(String(decoding: spliced, as: UTF8.self) == "a<!--m-7-->b<!--m--->c&lt;0&gt;d")
    }

    @Test("a written fragment escapes texts and attributes, closes every element with an end tag, and reads back")
    func fragment() throws {
        let document = HTMLDocument()
        let hostile = #"<script>alert("x")</script> & 'q' — é ✓ tab"# + "\there"
        document.fragment(in: document.body) { writer in
            writer.element("div", attributes: ["class": "box", "title": hostile]) {
                writer.element("span", attributes: ["class": "empty"])
                writer.text(hostile)
                writer.preformatted("\nfirst line kept")
            }
        }
        let html = document.serialized()
        #expect(!html.contains("<script"))
        #expect(html.contains(#"<span class="empty"></span>"#))
        #expect(html.contains("— é ✓"), "non-ASCII text stays UTF-8, not character references")
        let read = try HTMLDocument(parsing: html, origin: "test")
        let box = try #require(read.elements { $0.classes.contains("box") }.first)
        #expect(box.attribute("title") == hostile)
        #expect(box.childNodes.contains { if case .text(let text) = $0 { text == hostile } else { false } })
        // A browser drops the newline right after <pre> (libxml2 keeps it): a text that begins with one gets two.
        #expect(html.contains("<pre>\n\nfirst line kept</pre>"))
        #expect(read.elements(named: "span").first?.children.isEmpty == true, "the span did not swallow what follows it")
    }
}
