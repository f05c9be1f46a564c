import Foundation

/// One span of a run as Tracedesk sends it to an OpenTelemetry backend: what `export otlp
/// --dry-run` prints, and what `OTLPEncoding` turns into protobuf.
///
/// Ids are lowercase hex (32 digits for a trace, 16 for a span), times nanoseconds since the
/// epoch. `kind` is the OpenInference span kind (`AGENT`, `LLM`, `TOOL`, `RETRIEVER`, `CHAIN`),
/// which Phoenix shows and which is also sent as the `openinference.span.kind` attribute.
public struct ExportedSpan: Sendable, Equatable, Encodable {
    /// A span's outcome.
    public struct Status: Sendable, Equatable, Encodable {
        /// `OK`, `ERROR` or `UNSET`.
        public var code: String
        public var message: String?
    }

    /// Something that happened at an instant during the span (time spent WAITING).
    public struct Event: Sendable, Equatable, Encodable {
        public var name: String
        public var timeUnixNano: UInt64
        public var attributes: [Attribute]

        enum CodingKeys: String, CodingKey { case name, timeUnixNano, attributes }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(timeUnixNano, forKey: .timeUnixNano)
            try container.encode(Attribute.object(attributes), forKey: .attributes)
        }
    }

    public var traceId: String
    public var spanId: String
    public var parentSpanId: String?
    public var name: String
    public var kind: String
    public var startTimeUnixNano: UInt64
    public var endTimeUnixNano: UInt64
    public var status: Status
    public var attributes: [Attribute]
    public var events: [Event]

    enum CodingKeys: String, CodingKey {
        case traceId, spanId, parentSpanId, name, kind, startTimeUnixNano, endTimeUnixNano, status, attributes, events
    }

    /// As JSON (`--dry-run`), attributes are an object keyed by name.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(traceId, forKey: .traceId)
        try container.encode(spanId, forKey: .spanId)
        try container.encodeIfPresent(parentSpanId, forKey: .parentSpanId)
        try container.encode(name, forKey: .name)
        try container.encode(kind, forKey: .kind)
        try container.encode(startTimeUnixNano, forKey: .startTimeUnixNano)
        try container.encode(endTimeUnixNano, forKey: .endTimeUnixNano)
        try container.encode(status, forKey: .status)
        try container.encode(Attribute.object(attributes), forKey: .attributes)
        try container.encode(events, forKey: .events)
    }

    /// The attribute named `key`, if the span has it.
    public func attribute(_ key: String) -> AttributeValue? {
        attributes.first { $0.key == key }?.value
    }
}

/// A span attribute: a key and a value of one of the kinds every OTLP backend accepts (never
/// bytes: Phoenix drops a span that has a bytes value).
public struct Attribute: Sendable, Equatable, Encodable {
    public var key: String
    public var value: AttributeValue

    public init(_ key: String, _ value: AttributeValue) {
        self.key = key
        self.value = value
    }

    /// Attributes as one object, for JSON.
    static func object(_ attributes: [Attribute]) -> [String: AttributeValue] {
        Dictionary(attributes.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
    }
}

/// The value of an attribute.
public enum AttributeValue: Sendable, Equatable, Encodable {
    case string(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
    case strings([String])

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .strings(let value): try container.encode(value)
        }
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var intValue: Int64? {
        if case .int(let value) = self { return value }
        return nil
    }
}
