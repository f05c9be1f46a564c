import Foundation

/// Cuts a `text/event-stream` into events as its bytes arrive, by the HTML standard's rules:
/// lines end with LF, CR LF or CR; a line that starts with `:` is a comment; `field: value` sets
/// a field (one space after the colon is dropped); `data` lines accumulate, joined by LF; a blank
/// line dispatches the event. Fields other than `data`, `event`, `id` and `retry` are ignored.
///
/// Tolerance beyond the standard, since nothing received may be lost: data still pending when
/// the stream ends is dispatched (the standard drops it), and a line longer than
/// `maximumLineBytes` fails the stream instead of growing memory without bound.
public struct ServerSentEventParser: Sendable {
    /// One event: its data (the `data` lines joined), and its `event` name and `id` if given.
    public struct Event: Sendable, Equatable {
        public var data: String
        public var name: String?
        public var id: String?

        public init(data: String, name: String? = nil, id: String? = nil) {
            self.data = data
            self.name = name
            self.id = id
        }
    }

    /// A line too long to be an event's: the stream is refused from there.
    public struct LineTooLong: Error, Sendable, CustomStringConvertible {
        public var limit: Int
        public var description: String { "a line of the event stream is longer than \(limit >> 20) MiB" }
    }

    public let maximumLineBytes: Int
    private var line: [UInt8] = []
    private var afterCR = false
    private var data: [String] = []
    private var hasData = false
    private var name: String?
    private var id: String?

    public init(maximumLineBytes: Int = 64 << 20) {
        self.maximumLineBytes = maximumLineBytes
    }

    /// Feeds the next bytes; returns the events they completed.
    public mutating func feed<Bytes: Sequence>(_ bytes: Bytes) throws(LineTooLong) -> [Event] where Bytes.Element == UInt8 {
        var events: [Event] = []
        for byte in bytes {
            if afterCR {
                afterCR = false
                if byte == 0x0A { continue }
            }
            switch byte {
            case 0x0A:
                if let event = endLine() { events.append(event) }
            case 0x0D:
                afterCR = true
                if let event = endLine() { events.append(event) }
            default:
                line.append(byte)
                if line.count > maximumLineBytes { throw LineTooLong(limit: maximumLineBytes) }
            }
        }
        return events
    }

    /// Ends the stream: a last line without its end, and data not yet dispatched, as an event.
    public mutating func finish() -> [Event] {
        var events: [Event] = []
        if !line.isEmpty, let event = endLine() { events.append(event) }
        if let event = dispatch() { events.append(event) }
        return events
    }

    private mutating func endLine() -> Event? {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty { return dispatch() }
        if line.first == UInt8(ascii: ":") { return nil }
        let field: String
        var value: String
        if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
            field = String(decoding: line[..<colon], as: UTF8.self)
            var start = colon + 1
            if start < line.count, line[start] == UInt8(ascii: " ") { start += 1 }
            value = String(decoding: line[start...], as: UTF8.self)
        } else {
            field = String(decoding: line, as: UTF8.self)
            value = ""
        }
        switch field {
        case "data":
            data.append(value)
            hasData = true
        case "event":
            name = value
        case "id":
            if !value.contains("\0") { id = value }
        default:
            value = ""
        }
        return nil
    }

    private mutating func dispatch() -> Event? {
        defer {
            data.removeAll()
            hasData = false
            name = nil
        }
        guard hasData else { return nil }
        return Event(data: data.joined(separator: "\n"), name: name, id: id)
    }
}
