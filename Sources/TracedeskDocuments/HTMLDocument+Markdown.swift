import Foundation

extension HTMLDocument {
    /// Answers larger than this are shown as they are, in a `<pre>`, rather than rendered.
    public static let largestRenderedMarkdown = 4 << 20

    /// How deep inline styles nest in the document; a style opened deeper keeps its text, unstyled.
    static let maximumInlineDepth = 16

    /// Appends `markdown`, rendered, to `parent`: headings, paragraphs, lists, quotes, code,
    /// tables, emphasis and links, each an element `allowlist` allows, and every text a text node.
    ///
    /// A link keeps its address only when `allowlist` accepts it (else its text stays, unlinked),
    /// and gets the allow-list's added attributes (`rel`). Raw HTML in the text is shown as text.
    ///
    /// `under`, when given, is the level of the page's heading the text sits under: the text's own
    /// headings are drawn one level below it and on down, its highest heading first, so that the
    /// page's outline never skips a level (an answer's `## Summary` under a report's `h4` is `h5`).
    public func appendMarkdown(_ markdown: String, in parent: HTMLElement, allowlist: MarkupAllowlist = .answer, under: Int? = nil) {
        guard markdown.utf8.count <= Self.largestRenderedMarkdown else {
            // Scrollable, so reachable from the keyboard.
            element("pre", in: parent, attributes: ["tabindex": "0"], text: Self.preformatted(markdown))
            return
        }
        let blocks = MarkdownText(parsing: markdown).blocks
        let highest = blocks.compactMap { block -> Int? in if case .heading(let level, _) = block { level } else { nil } }.min() ?? 1
        let shift = under.map { max(1, $0 + 1) - highest } ?? 0
        for block in blocks { append(block, in: parent, allowlist: allowlist, shift: shift) }
    }

    private func append(_ block: MarkdownText.Block, in parent: HTMLElement, allowlist: MarkupAllowlist, tight: Bool = false, shift: Int = 0) {
        switch block {
        case .heading(let level, let inlines):
            append(inlines, in: allowed("h\(min(max(level + shift, 1), 6))", in: parent, allowlist), allowlist: allowlist)
        case .paragraph(let inlines):
            append(inlines, in: tight ? parent : allowed("p", in: parent, allowlist), allowlist: allowlist)
        case .code(let code):
            text(Self.preformatted(code), in: allowed("code", in: allowed("pre", in: parent, allowlist), allowlist))
        case .quote(let blocks):
            let quote = allowed("blockquote", in: parent, allowlist)
            for inner in blocks { append(inner, in: quote, allowlist: allowlist, shift: shift) }
        case .list(let ordered, let start, let isTight, let items):
            let list = allowed(ordered ? "ol" : "ul", in: parent, allowlist)
            if ordered, start != 1, allowlist.elements["ol"]?.contains("start") == true { list.setAttribute("start", String(start)) }
            for item in items {
                let entry = allowed("li", in: list, allowlist)
                for inner in item { append(inner, in: entry, allowlist: allowlist, tight: isTight, shift: shift) }
            }
        case .table(let alignments, let header, let rows):
            let table = allowed("table", in: parent, allowlist)
            let headRow = allowed("tr", in: allowed("thead", in: table, allowlist), allowlist)
            for (column, cell) in header.enumerated() {
                append(cell, in: tableCell("th", in: headRow, alignment: alignments[column], allowlist), allowlist: allowlist)
            }
            if !rows.isEmpty {
                let body = allowed("tbody", in: table, allowlist)
                for row in rows {
                    let line = allowed("tr", in: body, allowlist)
                    for (column, cell) in row.enumerated() {
                        append(cell, in: tableCell("td", in: line, alignment: alignments[column], allowlist), allowlist: allowlist)
                    }
                }
            }
        case .rule:
            _ = allowed("hr", in: parent, allowlist)
        }
    }

    /// A new element `name` in `parent` when the allow-list has it; else `parent` itself, so
    /// that what would be inside it stays, as text, where it stood.
    private func allowed(_ name: String, in parent: HTMLElement, _ allowlist: MarkupAllowlist) -> HTMLElement {
        allowlist.elements[name] != nil ? element(name, in: parent) : parent
    }

    private func tableCell(_ name: String, in row: HTMLElement, alignment: MarkdownText.Alignment, _ allowlist: MarkupAllowlist) -> HTMLElement {
        let cell = allowed(name, in: row, allowlist)
        let value: String? = switch alignment {
        case .none: nil
        case .left: "left"
        case .center: "center"
        case .right: "right"
        }
        if let value, cell != row, allowlist.elements[name]?.contains("align") == true { cell.setAttribute("align", value) }
        return cell
    }

    /// Appends inlines, keeping a stack of the styles open: opens and closes nest properly, and a
    /// style opened deeper than `maximumInlineDepth` is not drawn (nor is its close). Texts that
    /// meet in one element are joined before they become a node (libxml2 would join them by
    /// copying the node's text each time).
    private func append(_ inlines: [MarkdownText.Inline], in parent: HTMLElement, allowlist: MarkupAllowlist) {
        var open: [HTMLElement] = [parent]
        var undrawn = 0
        var pending = ""
        func flush() {
            if !pending.isEmpty {
                text(pending, in: open[open.count - 1])
                pending = ""
            }
        }
        for inline in inlines {
            switch inline {
            case .text(let text):
                pending += text
            case .code(let code):
                flush()
                text(code, in: allowed("code", in: open[open.count - 1], allowlist))
            case .lineBreak:
                flush()
                _ = allowed("br", in: open[open.count - 1], allowlist)
            case .open(let style):
                let name = style == .strong ? "strong" : style == .emphasis ? "em" : "del"
                if open.count > Self.maximumInlineDepth || allowlist.elements[name] == nil {
                    undrawn += 1
                } else {
                    flush()
                    open.append(element(name, in: open[open.count - 1]))
                }
            case .close:
                if undrawn > 0 {
                    undrawn -= 1
                } else if open.count > 1 {
                    flush()
                    open.removeLast()
                }
            case .link(let destination, let title, let content):
                flush()
                let current = open[open.count - 1]
                guard allowlist.allowsURL(destination), allowlist.elements["a"] != nil else {
                    append(content, in: current, allowlist: allowlist)
                    continue
                }
                let link = element("a", in: current, attributes: ["href": destination])
                if let title { link.setAttribute("title", title) }
                for (attribute, value) in allowlist.addedAttributes["a"] ?? [:] { link.setAttribute(attribute, value) }
                // A link says where it goes even when its text is empty.
                if InlineReader.plainText(content).trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    text(destination, in: link)
                } else {
                    append(content, in: link, allowlist: allowlist)
                }
            }
        }
        flush()
    }
}
