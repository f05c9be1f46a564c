import Foundation
import Testing
@testable import TracedeskDocuments
import TracedeskModel

/// An answer's Markdown, as Tracedesk reads and draws it: the structure agents write, nothing
/// active, and time linear in the text whatever it holds.
@Suite("Markdown answers")
struct MarkdownTextTests {
    /// `markdown` drawn into a fresh document's `<div id="holder">`, serialised.
    func drawn(_ markdown: String) -> (html: String, holder: HTMLElement, document: HTMLDocument) {
        let document = HTMLDocument()
        let holder = document.element("div", in: document.body, attributes: ["id": "holder"])
        document.appendMarkdown(markdown, in: holder)
        return (document.serialized(), holder, document)
    }

    @Test("headings, paragraphs, emphasis, code, lists nested by indentation, quotes, rules and tables")
    func structure() {
        let markdown = """
            # Result ##

            Item **M1000034** is *cheaper* and ~~slower~~; see `FETCH_ITEM_1`.
            A second line.

            - one
            - two
              1. inner
              2. inner again
            - three

            > quoted **bold**

            ---

            | item | price |
            |:---|---:|
            | M1000034 | 12.50 |
            | M1000040 |

            ```swift
            let x = "<b>"
            ```
            """
        let (html, _, _) = drawn(markdown)
        #expect(html.contains("<h1>Result</h1>"))
        #expect(html.contains("<strong>M1000034</strong>") && html.contains("<em>cheaper</em>") && html.contains("<del>slower</del>"))
        #expect(html.contains("<code>FETCH_ITEM_1</code>"))
        #expect(html.contains("<ul>\n<li>one</li>") || html.contains("<ul><li>one</li>"), "\(html)")
        #expect(html.contains("<ol>") && html.contains("inner again"))
        #expect(html.contains("<blockquote><p>quoted <strong>bold</strong></p></blockquote>"), "\(html)")
        #expect(html.contains("<hr>"))
        #expect(html.contains("<th align=\"left\">item</th>") && html.contains("<td align=\"right\">12.50</td>"), "\(html)")
        #expect(html.contains("<td align=\"right\"></td>"), "a short row is filled")
        #expect(html.contains("<pre><code>let x = \"&lt;b&gt;\"</code></pre>"), "\(html)")
    }

    @Test("codes with underscores stay as they are; emphasis pairs as CommonMark pairs it", arguments: [
        ("APPROVE_POSTING and XX_GL_JOURNAL_APPROVAL", "APPROVE_POSTING and XX_GL_JOURNAL_APPROVAL"),
        ("_under_ and __strong__", "<em>under</em> and <strong>strong</strong>"),
        ("***both***", "<em><strong>both</strong></em>"),
        ("a * b * c", "a * b * c"),
        ("*open only", "*open only"),
        ("**bold *and em* inside**", "<strong>bold <em>and em</em> inside</strong>"),
        ("2 * 3 = 6", "2 * 3 = 6"),
        ("`code *not em*`", "<code>code *not em*</code>"),
        (#"\*escaped\*"#, "*escaped*"),
    ])
    func emphasis(markdown: String, expected: String) {
        let (html, _, _) = drawn(markdown)
        #expect(html.contains(expected), "\(html)")
    }

    @Test("markers that pair with nothing stay in one text with the words around them")
    func unpairedMarkersJoinTheirText() {
        // 10,000 pieces side by side once became 10,000 texts, which libxml2 joins by copying the
        // text so far each time: a gigabyte allocated for a 60 KB answer (the fuzzer's out-of-memory).
        let text = String(repeating: "*a _b ", count: 3) + "~c"
        #expect(MarkdownText(parsing: text).blocks == [.paragraph([.text("*a _b *a _b *a _b ~c")])])
        let nested = "*x *y **z"
        #expect(MarkdownText(parsing: nested).blocks == [.paragraph([.text(nested)])])
        let paired = "*a _b* c"
        #expect(MarkdownText(parsing: paired).blocks == [.paragraph([.open(.emphasis), .text("a _b"), .close(.emphasis), .text(" c")])])
    }

    @Test("links keep only allowed addresses, marked rel; autolinks; images become their description")
    func links() throws {
        let (html, holder, document) = drawn("""
            [policy](https://example.com/p?a=1&b=2 "The policy") and [bad](javascript:alert(1)) and [tabbed](java\tscript:x)
            <https://example.com/auto> and ![a chart](https://evil.example/pixel.png) and [](https://example.com/empty)
            """)
        let links = document.elements { $0.name == "a" && $0.isInside(holder) }
        #expect(links.map { $0.attribute("href") } == ["https://example.com/p?a=1&b=2", "https://example.com/auto", "https://example.com/empty"])
        #expect(links.allSatisfy { $0.attribute("rel") == "noopener noreferrer nofollow" })
        #expect(links.first?.attribute("title") == "The policy")
        #expect(links.allSatisfy { !$0.textContent.isEmpty }, "a link with no text says where it goes")
        #expect(holder.textContent.contains("bad") && holder.textContent.contains("tabbed"))
        #expect(!html.lowercased().contains("javascript:alert"))
        #expect(document.elements(named: "img").isEmpty)
        #expect(holder.textContent.contains("a chart (image: https://evil.example/pixel.png)"))
    }

    @Test("raw HTML in an answer is text: nothing active, nothing hidden", arguments: ReportInjectionTests.corpus)
    func rawHTML(markup: String) {
        let (html, holder, document) = drawn(markup)
        #expect(document.elements { $0.isInside(holder) && !["p", "a", "br"].contains($0.name) }.isEmpty, "\(html)")
        for element in document.elements(where: { $0.isInside(holder) }) {
            #expect(element.attributes.allSatisfy { ["href", "rel", "title"].contains($0.name) }, "\(html)")
            if let href = element.attribute("href") { #expect(href.hasPrefix("https://evil.example") || href.hasPrefix("http")) }
        }
        #expect(!html.lowercased().contains("<script"))
    }

    @Test("<br> is a line break; two trailing spaces are too")
    func lineBreaks() {
        let (html, _, _) = drawn("one<br>two  \nthree\\\nfour")
        #expect(html.contains("one<br>two<br>three<br>four"), "\(html)")
    }

    /// Inputs that made a recursive or backtracking renderer crash or take minutes.
    static let hostile: [(name: String, text: String)] = [
        ("300,000 nested <div>", String(repeating: "<div>", count: 300_000)),
        ("200,000 [ then a link", String(repeating: "[", count: 200_000) + "x](http://a)"),
        ("nested images", String(repeating: "![", count: 50_000) + "a" + String(repeating: "](b)", count: 50_000)),
        ("160 KB of <!--", String(repeating: "<!--", count: 40_000)),
        ("100,000 *", String(repeating: "*", count: 100_000) + "x"),
        ("alternating emphasis", String(repeating: "*a _b ", count: 50_000) + String(repeating: "c* d_ ", count: 50_000)),
        ("100,000 backtick runs", (1...2_000).map { String(repeating: "`", count: $0 % 40 + 1) + " x " }.joined()),
        ("100,000 nested quotes", String(repeating: ">", count: 100_000) + " deep"),
        ("1,000 nested list items", (0..<1_000).map { String(repeating: " ", count: $0 * 2) + "- item" }.joined(separator: "\n")),
        ("50,000 list items nested by blockquote markers", (0..<50_000).map { _ in "> - > 1. item" }.joined(separator: "\n")),
        ("100,000 <", String(repeating: "<a", count: 100_000)),
        ("100,000 (", "[x](" + String(repeating: "(", count: 100_000)),
        ("entities", String(repeating: "&#x3C;&amp;&bogus;", count: 50_000)),
    ]

    @Test("hostile nesting and repetition render, bounded in depth", arguments: hostile.indices)
    func hostileInput(index: Int) {
        let (name, text) = Self.hostile[index]
        let (_, holder, document) = drawn(text)
        #expect(!holder.textContent.isEmpty, "\(name)")
        // Depth is bounded however deep the text nests.
        var deepest = 0
        for element in document.elements(where: { $0.isInside(holder) }) {
            var depth = 0
            var current = element
            while let parent = current.parent, parent != holder { depth += 1; current = parent }
            deepest = max(deepest, depth)
        }
        #expect(deepest <= 2 * MarkdownText.maximumNesting + HTMLDocument.maximumInlineDepth + 4, "\(name): \(deepest) deep")
    }
}
