import Foundation
import TracedeskClient
import TracedeskDocuments
import TracedeskHistory
import TracedeskModel

/// Where captured bodies come from: a file, standard input, or text already in memory.
public enum CaptureSource: Sendable {
    case file(path: String, origin: String)
    case stream(FileHandle, origin: String)
    case data(Data, origin: String)

    /// The name used for it in messages.
    public var origin: String {
        switch self {
        case .file(_, let origin), .stream(_, let origin), .data(_, let origin): origin
        }
    }
}

/// Status bodies captured elsewhere, read one at a time with each body's exact bytes kept.
///
/// A source holds one JSON object, an array of them, several objects one after another (JSON
/// lines, or pretty-printed objects back to back), exchanges recorded with `--record`, or is a
/// run report written by Tracedesk, whose embedded bodies are read with the instants they were
/// seen. The text of every body is cut out of the source as it is, so the history stores what
/// was captured, not a re-encoding of it. JSON is read in a bounded window (`chunkBytes`), so a
/// file of any size is read in little memory; a single value larger than `maximumValueBytes` is
/// refused.
public final class CaptureReader {
    /// One body found in a source: where it was, its verbatim text, and its decoding.
    public struct Item: Sendable {
        /// The 1-based position of the body in the source, for messages.
        public var index: Int
        /// The 1-based line on which the body starts (0 for a report's embedded bodies).
        public var line: Int
        public var text: String
        public var body: StatusBody
        /// When the body was first seen, where the capture says (a report does).
        public var seenAt: Int64? = nil
        /// The pod it came from, where the capture says (a recorded exchange's URL does).
        public var pod: String? = nil
    }

    /// The pod of a recorded request's URL: everything before `/api/`, when it is an http(s) URL.
    static func pod(ofRequestURL text: String?) -> String? {
        guard let text, text.utf8.count <= 2_048, let range = text.range(of: "/api/"),
              let url = URL(string: String(text[..<range.lowerBound])), ["http", "https"].contains(url.scheme?.lowercased() ?? ""),
              url.host?.isEmpty == false else { return nil }
        return url.absoluteString
    }

    static let chunkBytes = 4 << 20

    public let origin: String
    /// The run context a report carries (team, prompt, label); `nil` for JSON captures.
    public private(set) var embeddedRun: EmbeddedRun?
    /// Recorded exchanges (`--record`) that hold no status body: token calls, error answers.
    public private(set) var skippedExchanges = 0
    /// Debug streams met so far: recorded `/debug` exchanges, or a streamed run's report events.
    public private(set) var streams: [CapturedStream] = []
    /// AI-unit rates from recorded feature-configuration exchanges, by pod.
    public private(set) var aiUnitRates: [String: AIUnitRates] = [:]
    /// Bytes read so far.
    public private(set) var bytesRead = 0

    private let handle: FileHandle?
    private var pending: Data?
    private var scanner: JSONTextScanner
    private var queue: [JSONTextScanner.Piece] = []
    private var queueStart = 0
    private var atEnd = false
    private var piecesSeen = 0
    private var reportItems: [Item]?

    /// Opens `source`; throws `badInput` when it cannot be read.
    public init(_ source: CaptureSource, maximumValueBytes: Int = 64 << 20) throws(TracedeskError) {
        origin = source.origin
        scanner = JSONTextScanner(maximumValueBytes: maximumValueBytes)
        switch source {
        case .file(let path, let origin):
            // Opened without blocking: a FIFO with no writer would otherwise hold the open
            // forever. It then reads as empty; a regular file is not affected.
            let descriptor = open(path, O_RDONLY | O_NONBLOCK)
            guard descriptor >= 0 else { throw .badInput("\(origin): cannot be read") }
            let flags = fcntl(descriptor, F_GETFL)
            _ = fcntl(descriptor, F_SETFL, flags & ~O_NONBLOCK)
            self.handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        case .stream(let handle, _):
            self.handle = handle
        case .data(let data, _):
            handle = nil
            pending = data
        }
    }

    deinit {
        if case .some(let handle) = handle { try? handle.close() }
    }

    /// The next body, or `nil` at the end. Throws `badInput` naming the source, the body's
    /// position and line, and the reason, for text that is not JSON, a value that is not an
    /// object, or an object with no jobId.
    public func next() throws(TracedeskError) -> Item? {
        while true {
            if let reportItems {
                guard !reportItems.isEmpty else { return nil }
                return self.reportItems!.removeFirst()
            }
            guard let piece = try nextPiece() else {
                if reportItems != nil { continue }
                if piecesSeen == 0 { throw .badInput("\(origin): holds no status body (the file is empty)") }
                return nil
            }
            if let item = try decode(piece) { return item }
        }
    }

    /// Every body left, for callers that want them all at once.
    public func all() throws(TracedeskError) -> [Item] {
        var items: [Item] = []
        while let item = try next() { items.append(item) }
        return items
    }

    private func decode(_ piece: JSONTextScanner.Piece) throws(TracedeskError) -> Item? {
        let index = piecesSeen
        let bytes = piece.bytes
        // A recorded exchange (--record): its response body, kept as text, is the status body.
        if bytes.first == UInt8(ascii: "{"), Self.contains(bytes, RecordingTransport.marker),
           let exchange = bytes.withUnsafeBufferPointer({ try? JSONReader.read($0) }), exchange[RecordingTransport.marker] != nil {
            let url = exchange["request"]?["url"]?.stringValue
            let pod = Self.pod(ofRequestURL: url)
            let path = url.flatMap(URL.init(string:))?.path ?? ""
            if let response = exchange["response"]?["body"]?.stringValue,
               (200...299).contains(exchange["response"]?["status"]?.intValue ?? 0),
               path.hasSuffix("/debug") {
                let body = exchange["request"]?["body"]?.stringValue.flatMap { JSONValue(parsing: $0) }
                let arrivals = exchange["response"]?["eventArrivals"]?.arrayValue?.compactMap(\.int64Value)
                let stream = CapturedStream(exchangeRequest: body, response: response, at: exchange["at"]?.int64Value ?? 0,
                                            arrivals: arrivals, pod: pod)
                if stream.jobId == nil { skippedExchanges += 1 } else { streams.append(stream) }
                return nil
            }
            // The pod's feature configuration: the rates its runs' AI units are counted by.
            if path.hasSuffix("/featureConfigurations"), let pod, let response = exchange["response"]?["body"]?.stringValue,
               (200...299).contains(exchange["response"]?["status"]?.intValue ?? 0),
               let value = JSONValue(parsing: response), let rates = AIUnitRates(featureConfiguration: value) {
                aiUnitRates[pod] = rates
                skippedExchanges += 1
                return nil
            }
            guard let response = exchange["response"]?["body"]?.stringValue,
                  (200...299).contains(exchange["response"]?["status"]?.intValue ?? 0),
                  let body = try? StatusBody(data: Data(response.utf8)) else {
                skippedExchanges += 1
                return nil
            }
            return Item(index: index, line: piece.line, text: response, body: body, pod: pod)
        }
        do {
            let body = try StatusBody(data: Data(bytes))
            return Item(index: index, line: piece.line, text: String(decoding: bytes, as: UTF8.self), body: body)
        } catch {
            // A source of one body is named alone; among several, the body and its line are named.
            let alone = index == 1 && (try? nextPiece()) == nil
            let place = alone ? "" : " body \(index) (line \(piece.line))"
            throw .badInput("\(origin):\(place) \(error.description)")
        }
    }

    private static func contains(_ bytes: [UInt8], _ word: String) -> Bool {
        let needle = Array(word.utf8)
        guard bytes.count >= needle.count, let first = needle.first else { return false }
        var index = 0
        while index <= bytes.count - needle.count {
            if bytes[index] == first, bytes[index..<(index + needle.count)].elementsEqual(needle) { return true }
            index += 1
        }
        return false
    }

    /// The next value of the JSON text, reading more as needed.
    private func nextPiece() throws(TracedeskError) -> JSONTextScanner.Piece? {
        while queueStart == queue.count {
            queue.removeAll(keepingCapacity: true)
            queueStart = 0
            if atEnd { return nil }
            guard let chunk = try readChunk() else {
                atEnd = true
                do { queue = try scanner.finish() } catch { throw notJSON(error) }
                continue
            }
            if bytesRead == chunk.count, EmbeddedRun.looksLikeHTML(chunk) {
                try readReport(startingWith: chunk)
                return nil
            }
            do {
                queue = try scanner.feed([UInt8](chunk))
            } catch {
                throw notJSON(error)
            }
        }
        defer { queueStart += 1 }
        piecesSeen += 1
        return queue[queueStart]
    }

    private func notJSON(_ failure: JSONTextScanner.Failure) -> TracedeskError {
        .badInput("\(origin): not JSON (line \(failure.line): \(failure.reason))")
    }

    private func readChunk() throws(TracedeskError) -> Data? {
        if let data = pending {
            pending = nil
            bytesRead += data.count
            return data.isEmpty ? nil : data
        }
        guard let handle else { return nil }
        do {
            guard let chunk = try handle.read(upToCount: Self.chunkBytes), !chunk.isEmpty else { return nil }
            bytesRead += chunk.count
            return chunk
        } catch {
            throw .badInput("\(origin): cannot be read (\(error.localizedDescription))")
        }
    }

    /// The largest report read: the same bound as one JSON body.
    public static let maximumReportBytes = 64 << 20

    /// A report written by `tracedesk report`: read whole (up to `maximumReportBytes`), its
    /// embedded bodies in order.
    private func readReport(startingWith first: Data) throws(TracedeskError) {
        var data = first
        while let chunk = try readChunk() {
            data.append(chunk)
            if data.count > Self.maximumReportBytes {
                throw .badInput("\(origin): an HTML file larger than \(Self.maximumReportBytes >> 20) MiB; refused (a report of one run is far smaller)")
            }
        }
        let report = try EmbeddedRun.read(data, origin: origin)
        embeddedRun = report.run
        if !report.events.isEmpty {
            streams.append(CapturedStream(request: nil, jobId: report.run?.jobId, sentAt: report.run?.sentAt ?? report.events[0].receivedAt,
                                          events: report.events, embedded: report.run,
                                          pod: report.run?.pod.flatMap { Self.pod(ofRequestURL: $0 + "/api/") }))
        }
        var items: [Item] = []
        for (offset, embedded) in report.bodies.enumerated() {
            do {
                let body = try StatusBody(data: Data(embedded.text.utf8))
                items.append(Item(index: offset + 1, line: 0, text: embedded.text, body: body, seenAt: embedded.firstSeenAt,
                                  pod: report.run?.pod.flatMap { Self.pod(ofRequestURL: $0 + "/api/") }))
            } catch {
                throw .badInput("\(origin): embedded body \(offset + 1) \(error.description)")
            }
        }
        reportItems = items
        atEnd = true
    }
}

/// Every body of a capture at once, for tests and small files (see `CaptureReader`).
public struct CapturedBodies: Sendable {
    public typealias Item = CaptureReader.Item

    public var items: [Item]
    public var embeddedRun: EmbeddedRun?
    public var skippedExchanges: Int
    public var streams: [CapturedStream]

    /// Reads every body of `data`; `origin` names it in errors.
    public init(data: Data, origin: String) throws(TracedeskError) {
        let reader = try CaptureReader(.data(data, origin: origin))
        items = try reader.all()
        embeddedRun = reader.embeddedRun
        skippedExchanges = reader.skippedExchanges
        streams = reader.streams
    }
}
