import Foundation

/// One item of a status body's `supportingChunks` or `citations`: a passage a document tool found.
///
/// No schema is published. Titles, sources, scores and texts are read under the names seen in
/// retrieval APIs; an item that is a bare string is taken as the text. The item as received is
/// kept in `raw`, so nothing unrecognised is lost.
public struct DocumentReference: Sendable, Hashable {
    public var title: String?
    public var source: String?
    public var score: Double?
    public var text: String?
    public var page: String?
    public var raw: JSONValue

    public init(title: String? = nil, source: String? = nil, score: Double? = nil,
                text: String? = nil, page: String? = nil, raw: JSONValue) {
        self.title = title
        self.source = source
        self.score = score
        self.text = text
        self.page = page
        self.raw = raw
    }

    /// Reads an item of `supportingChunks` or `citations`, whatever its shape.
    public init(reading item: JSONValue) {
        let item = item.parsingEmbeddedJSON
        guard item.objectValue != nil else {
            self.init(text: item.displayText, raw: item)
            return
        }
        self.init(
            title: item.first(["title", "documentTitle", "documentName", "docName", "fileName", "name"])?.stringValue,
            source: item.first(["source", "url", "uri", "documentUrl", "sourceUrl", "link", "path", "documentId", "docId"])?.displayText,
            score: item.first(["score", "relevanceScore", "similarity", "similarityScore", "confidence"])?.doubleValue,
            text: item.first(["text", "content", "chunk", "chunkText", "pageContent", "snippet", "excerpt", "quote"])?.displayText,
            page: item.first(["page", "pageNumber", "pageNo"])?.stringValue,
            raw: item
        )
    }
}
