import Foundation

/// Any JSON value, decoded without loss of kind: the substrate of tolerant decoding.
///
/// Fusion bodies have no published schema for nodes, chunks and citations, and their documented
/// fields come and go. Reading a body first as a `JSONValue` and then drawing fields from it by
/// several candidate names lets one decoder accept every shape we have seen or can foresee.
/// Integers are kept apart from fractional numbers so that epoch milliseconds survive exactly.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
}

extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

extension JSONValue {
    /// Parses JSON text; `nil` when the text is not JSON.
    public init?(parsing data: Data) {
        guard let value = try? JSONReader.read(data) else { return nil }
        self = value
    }

    /// Parses JSON text held in a string; `nil` when it is not JSON.
    public init?(parsing text: String) {
        guard let value = try? JSONReader.read(text) else { return nil }
        self = value
    }

    /// The member named `key` of an object, or `nil`.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The first member present (and not `null`) among several candidate names.
    ///
    /// Small objects (the items of a body) are scanned once against the candidates, which costs
    /// less than hashing every candidate name when most are absent, as they usually are.
    public func first(_ keys: [String]) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        if members.count > 24 || keys.count < 3 {
            for key in keys {
                if let value = members[key], value != .null { return value }
            }
            return nil
        }
        var best: (rank: Int, value: JSONValue)?
        for (name, value) in members where value != .null {
            guard let rank = keys.firstIndex(of: name), rank < (best?.rank ?? Int.max) else { continue }
            best = (rank, value)
            if rank == 0 { break }
        }
        return best?.value
    }

    public var objectValue: [String: JSONValue]? {
        if case .object(let members) = self { return members }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let items) = self { return items }
        return nil
    }

    public var isNull: Bool { self == .null }

    /// The value as text: strings as they are, numbers and booleans printed, `null` and containers `nil`.
    public var stringValue: String? {
        switch self {
        case .string(let value): return value
        case .integer(let value): return String(value)
        case .number(let value):
            if value.rounded() == value, abs(value) < 1e15 { return String(Int64(value)) }
            return String(value)
        case .bool(let value): return value ? "true" : "false"
        default: return nil
        }
    }

    /// The value as a whole number: numbers, and strings that spell one (`"13"`, `"13.0"`).
    public var int64Value: Int64? {
        switch self {
        case .integer(let value): return value
        case .number(let value):
            guard value.isFinite, abs(value) < 9e18 else { return nil }
            return Int64(value.rounded())
        case .string(let text):
            let trimmed = text.trimmedOfBlanks
            if let value = Int64(trimmed) { return value }
            if let value = Double(trimmed), value.isFinite, abs(value) < 9e18 { return Int64(value.rounded()) }
            return nil
        default: return nil
        }
    }

    public var intValue: Int? { int64Value.flatMap { Int(exactly: $0) } }

    /// The value as a number: numbers, and strings that spell one.
    public var doubleValue: Double? {
        switch self {
        case .integer(let value): return Double(value)
        case .number(let value): return value
        case .string(let text): return Double(text.trimmedOfBlanks)
        default: return nil
        }
    }

    /// The value as a boolean: booleans, `"true"`/`"false"`, and 0/1.
    public var boolValue: Bool? {
        switch self {
        case .bool(let value): return value
        case .integer(let value): return value != 0
        case .string(let text):
            switch text.lowercased() {
            case "true", "yes", "1": return true
            case "false", "no", "0": return false
            default: return nil
            }
        default: return nil
        }
    }

    /// A string that itself holds a JSON object or array is parsed; any other value is returned as is.
    ///
    /// Fusion sends `input`, and often node inputs and outputs, as JSON encoded in a string.
    public var parsingEmbeddedJSON: JSONValue {
        guard case .string(let text) = self, let first = text.firstNonBlankByte,
              first == UInt8(ascii: "{") || first == UInt8(ascii: "[") else { return self }
        return JSONValue(parsing: text) ?? self
    }

    /// Compact JSON text with sorted keys.
    public var compactText: String { JSONWriter.compact(self) }

    /// Indented JSON text with sorted keys, for people.
    public var prettyText: String { JSONWriter.pretty(self) }

    /// Text for display: a string as it is, anything else as compact JSON.
    public var displayText: String {
        if case .string(let value) = self { return value }
        return compactText
    }
}
