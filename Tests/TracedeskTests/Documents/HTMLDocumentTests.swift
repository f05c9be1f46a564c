import Foundation
import Testing
@testable import TracedeskClient
@testable import TracedeskCommandLine
@testable import TracedeskCompare
@testable import TracedeskDocuments
@testable import TracedeskHistory
@testable import TracedeskModel
@testable import TracedeskUseCases

@Suite("The libxml2 document builder")
struct HTMLDocumentTests {
    @Test("writes an HTML5 doctype, UTF-8 text as it is, and attributes in order")
    func basicDocument() {
        let document = HTMLDocument()
        let body = document.body
        let heading = document.element("h1", in: body, attributes: ["class": "title", "data-job": "c73c1580"])
        document.text("Ledger closure — Mar-26 ✓", in: heading)
        let html = document.serialized()
        #expect(html.hasPrefix("<!DOCTYPE html>\n"))
        #expect(html.contains(#"<html lang="en">"#))
        #expect(html.contains(#"<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">"#))
        #expect(html.contains(#"<h1 class="title" data-job="c73c1580">Ledger closure — Mar-26 ✓</h1>"#))
    }

    @Test("text from a pod stays text: markup, entities and quotes are escaped")
    func textIsInert() {
        let document = HTMLDocument()
        let body = document.body
        let hostile = #"<script>alert(1)</script><img src=x onerror="alert(2)"> &amp; &lt;"#
        document.text(hostile, in: document.element("p", in: body, attributes: ["title": hostile]))
        let html = document.serialized()
        #expect(!html.contains("<script"))
        #expect(!html.contains("<img"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("&amp;amp; &amp;lt;"), "an entity in the text is shown, not interpreted")
        // A value holding a double quote is written in single quotes; one holding both escapes the double.
        #expect(html.contains(#"title='&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror="alert(2)"&gt; &amp;amp; &amp;lt;'"#))
        document.element("p", in: body, attributes: ["title": #"a' onmouseover='x" b"#])
        #expect(document.serialized().contains(#"title="a' onmouseover='x&quot; b""#))
    }
}
