import Foundation
import SwiftProtobuf

/// Spans as the body of an OTLP/HTTP request: an `ExportTraceServiceRequest` in protobuf
/// (`application/x-protobuf`), with the resource every backend groups by.
public enum OTLPEncoding {
    /// The resource of every span Tracedesk sends.
    public struct Resource: Sendable, Equatable {
        /// `openinference.project.name`: the Phoenix project the spans go to.
        public var project: String
        /// `service.version`.
        public var version: String

        public init(project: String, version: String) {
            self.project = project
            self.version = version
        }
    }

    /// The instrumentation scope's name.
    public static let scopeName = "tracedesk"

    /// `spans` as one request's protobuf bytes.
    public static func request(_ spans: [ExportedSpan], resource: Resource) throws -> Data {
        try message(spans, resource: resource).serializedData()
    }

    /// What a backend's answer to an export says it did not keep: OTLP's `partial_success`
    /// (spans rejected, and why). `nil` when it kept everything, or the answer is not protobuf.
    public static func rejection(inResponse body: Data) -> (rejectedSpans: Int64, message: String)? {
        guard !body.isEmpty,
              let response = try? Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceResponse(serializedBytes: body),
              response.hasPartialSuccess, response.partialSuccess.rejectedSpans > 0 || !response.partialSuccess.errorMessage.isEmpty
        else { return nil }
        return (response.partialSuccess.rejectedSpans, response.partialSuccess.errorMessage)
    }

    /// An answer carrying a partial success, as a backend writes it (for tests and the fake backend).
    public static func partialSuccessResponse(rejectedSpans: Int64, message: String) -> Data {
        var response = Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceResponse()
        response.partialSuccess.rejectedSpans = rejectedSpans
        response.partialSuccess.errorMessage = message
        return (try? response.serializedData()) ?? Data()
    }

    static func message(_ spans: [ExportedSpan], resource: Resource) -> Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest {
        var scope = Opentelemetry_Proto_Common_V1_InstrumentationScope()
        scope.name = scopeName
        scope.version = resource.version
        var scopeSpans = Opentelemetry_Proto_Trace_V1_ScopeSpans()
        scopeSpans.scope = scope
        scopeSpans.spans = spans.map(span)
        var otlpResource = Opentelemetry_Proto_Resource_V1_Resource()
        otlpResource.attributes = [
            keyValue(Attribute("service.name", .string("tracedesk"))),
            keyValue(Attribute("service.version", .string(resource.version))),
            keyValue(Attribute("openinference.project.name", .string(resource.project))),
        ]
        var resourceSpans = Opentelemetry_Proto_Trace_V1_ResourceSpans()
        resourceSpans.resource = otlpResource
        resourceSpans.scopeSpans = [scopeSpans]
        var request = Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest()
        request.resourceSpans = [resourceSpans]
        return request
    }

    static func span(_ span: ExportedSpan) -> Opentelemetry_Proto_Trace_V1_Span {
        var otlp = Opentelemetry_Proto_Trace_V1_Span()
        otlp.traceID = bytes(hex: span.traceId)
        otlp.spanID = bytes(hex: span.spanId)
        if let parent = span.parentSpanId { otlp.parentSpanID = bytes(hex: parent) }
        otlp.name = span.name
        // Fusion runs on the pod: from the exporter's side every span is the work of a server.
        otlp.kind = span.parentSpanId == nil ? .server : .internal
        otlp.startTimeUnixNano = span.startTimeUnixNano
        otlp.endTimeUnixNano = span.endTimeUnixNano
        otlp.attributes = span.attributes.map(keyValue)
        otlp.events = span.events.map { event in
            var otlpEvent = Opentelemetry_Proto_Trace_V1_Span.Event()
            otlpEvent.name = event.name
            otlpEvent.timeUnixNano = event.timeUnixNano
            otlpEvent.attributes = event.attributes.map(keyValue)
            return otlpEvent
        }
        var status = Opentelemetry_Proto_Trace_V1_Status()
        switch span.status.code {
        case "OK": status.code = .ok
        case "ERROR": status.code = .error
        default: status.code = .unset
        }
        if let message = span.status.message { status.message = message }
        otlp.status = status
        return otlp
    }

    static func keyValue(_ attribute: Attribute) -> Opentelemetry_Proto_Common_V1_KeyValue {
        var keyValue = Opentelemetry_Proto_Common_V1_KeyValue()
        keyValue.key = attribute.key
        keyValue.value = anyValue(attribute.value)
        return keyValue
    }

    static func anyValue(_ value: AttributeValue) -> Opentelemetry_Proto_Common_V1_AnyValue {
        var any = Opentelemetry_Proto_Common_V1_AnyValue()
        switch value {
        case .string(let text): any.stringValue = text
        case .int(let number): any.intValue = number
        case .double(let number): any.doubleValue = number
        case .bool(let flag): any.boolValue = flag
        case .strings(let texts):
            var array = Opentelemetry_Proto_Common_V1_ArrayValue()
            array.values = texts.map { text in
                var item = Opentelemetry_Proto_Common_V1_AnyValue()
                item.stringValue = text
                return item
            }
            any.arrayValue = array
        }
        return any
    }

    /// The bytes a string of hex digits spells (an id); digits that are not hex read as 0.
    static func bytes(hex: String) -> Data {
        var data = Data(capacity: hex.utf8.count / 2)
        var high: UInt8?
        for byte in hex.utf8 {
            let nibble: UInt8 = switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
            default: 0
            }
            if let value = high {
                data.append(value << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return data
    }
}
