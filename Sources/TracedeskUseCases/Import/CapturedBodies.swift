import Foundation
import TracedeskClient
import TracedeskDocuments
import TracedeskHistory
import TracedeskModel

/// Status bodies captured elsewhere, read from a file's text with each body's exact bytes kept.
///
/// A file holds one JSON object, an array of them, several objects one after another (JSON
/// lines, or pretty-printed objects back to back), exchanges recorded with `--record`, or is a
/// run report written by Tracedesk, whose embedded bodies are read with the instants they were seen. The text of every body is cut out of the file
/// as it is, so the history stores what was captured, not a re-encoding of it.
public struct CapturedBodies: Sendable {
    /// One body found in a file: where it was, its verbatim text, and its decoding.
    public struct Item: Sendable {
        /// The 1-based position of the body in the file, for messages.
        public var index: Int
        /// The 1-based line on which the body starts.
        public var line: Int
        public var text: String
        public var body: StatusBody
        /// When the body was first seen, where the capture says (a report does).
        public var seenAt: Int64? = nil
    }

    public var items: [Item]
    /// The run context a report carries (team, prompt, label); `nil` for JSON captures.
    public var embeddedRun: EmbeddedRun?
    /// Recorded exchanges (`--record`) that hold no status body: token calls, error answers.
    public var skippedExchanges = 0

    /// Reads every body of `data`; `origin` names the file in errors.
    ///
    /// Throws `TracedeskError.badInput` naming the file, the body's position and line, and the
    /// reason, for text that is not JSON, a value that is not an object, or an object with no jobId.
    public init(data: Data, origin: String) throws(TracedeskError) {
        if EmbeddedRun.looksLikeHTML(data) {
            let report = try EmbeddedRun.read(data, origin: origin)
            embeddedRun = report.run
            var items: [Item] = []
            for (offset, embedded) in report.bodies.enumerated() {
                do {
                    let body = try StatusBody(data: Data(embedded.text.utf8))
                    items.append(Item(index: offset + 1, line: 0, text: embedded.text, body: body, seenAt: embedded.firstSeenAt))
                } catch {
                    throw .badInput("\(origin): embedded body \(offset + 1) \(error.description)")
                }
            }
            self.items = items
            return
        }
        let bytes = [UInt8](data)
        var scanner = JSONTextScanner(bytes: bytes)
        var pieces: [JSONTextScanner.Piece] = []
        do throws(JSONTextScanner.Failure) {
            for piece in try scanner.topLevelValues() {
                if bytes[piece.range.lowerBound] == UInt8(ascii: "[") {
                    var inner = JSONTextScanner(bytes: bytes)
                    pieces += try inner.elements(ofArrayAt: piece.range)
                } else {
                    pieces.append(piece)
                }
            }
        } catch {
            throw .badInput("\(origin): not JSON (line \(error.line): \(error.reason))")
        }
        if pieces.isEmpty { throw .badInput("\(origin): holds no status body (the file is empty)") }

        var items: [Item] = []
        for (offset, piece) in pieces.enumerated() {
            var text = String(decoding: bytes[piece.range], as: UTF8.self)
            let where_ = pieces.count == 1 ? "" : " body \(offset + 1) (line \(piece.line))"
            // A recorded exchange (--record): its response body, kept as text, is the status body.
            if bytes[piece.range.lowerBound] == UInt8(ascii: "{"), text.contains(RecordingTransport.marker),
               let exchange = JSONValue(parsing: text), exchange[RecordingTransport.marker] != nil {
                guard let response = exchange["response"]?["body"]?.stringValue,
                      (200...299).contains(exchange["response"]?["status"]?.intValue ?? 0),
                      let body = try? StatusBody(data: Data(response.utf8)) else {
                    skippedExchanges += 1
                    continue
                }
                text = response
                items.append(Item(index: offset + 1, line: piece.line, text: text, body: body))
                continue
            }
            do {
                let body = try StatusBody(data: Data(bytes[piece.range]))
                items.append(Item(index: offset + 1, line: piece.line, text: text, body: body))
            } catch {
                throw .badInput("\(origin):\(where_) \(error.description)")
            }
        }
        self.items = items
    }
}
