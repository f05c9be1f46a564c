import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The callback token of a suspended run (`waitingNodeDetails.callbackToken`, sent back as
/// `resumeInput.messageInstanceId`): a credential that resumes the run as whoever holds it.
///
/// It is needed only to resume, so it never enters the history, a report, a page, an export, a
/// recording or a log: `redacting(_:)` replaces every occurrence of a token in a text (a status
/// body, a stream event, a recorded exchange) with `marker`, byte for byte elsewhere, and hands
/// the tokens to the caller, which keeps them apart (`CallbackTokenStore`).
public enum CallbackTokens {
    /// What stands in a kept text where a callback token was.
    public static let marker = "[callback token kept apart by Tracedesk]"

    /// The keys whose string values are callback tokens.
    static let keys: Set<String> = ["callbackToken", "messageInstanceId"]

    /// `text` with every callback token replaced by `marker`, and the tokens found (most recent last).
    ///
    /// Tokens are looked for under `callbackToken` and `messageInstanceId` at any depth, in JSON
    /// held in strings too (a nested run's body in a step's output). Each is then replaced
    /// wherever it stands in the text, in its plain and its JSON-escaped spellings, so that no
    /// copy survives in an escaped string either. A text naming neither key is returned as it is.
    public static func redacting(_ text: String) -> (text: String, tokens: [String]) {
        guard mentionsToken(text) else { return (text, []) }
        var found: [String] = []
        if let value = JSONValue(parsing: text) {
            collect(value, into: &found, depth: 0)
        } else {
            // Not JSON (a recorded exchange's text, an event cut short): the string after each key.
            found = scanned(text)
        }
        let tokens = Set(found).subtracting([marker])
        if tokens.contains(where: { $0.count < 8 }), let value = JSONValue(parsing: text) {
            // Too short to replace wherever it stands without touching other text: replaced by key, and re-encoded.
            return (replacingByKey(value, depth: 0).compactText, found.filter { $0 != marker })
        }
        var redacted = text
        for token in tokens {
            redacted = redacted.replacingOccurrences(of: token, with: marker)
            let escaped = JSONValue.string(token).compactText.dropFirst().dropLast()
            if escaped != token[...] { redacted = redacted.replacingOccurrences(of: String(escaped), with: marker) }
        }
        return (redacted, found.filter { $0 != marker })
    }

    /// The string values after each key in a text that is not JSON as a whole: past the key's
    /// closing quote (escaped or not), blanks and a colon, the quoted value up to its closing quote.
    static func scanned(_ text: String) -> [String] {
        var found: [String] = []
        let bytes = Array(text.utf8)
        for key in keys {
            let needle = Array(key.utf8)
            var index = 0
            while index + needle.count <= bytes.count {
                guard bytes[index..<(index + needle.count)].elementsEqual(needle) else {
                    index += 1
                    continue
                }
                var cursor = index + needle.count
                func skip(_ allowed: Set<UInt8>) { while cursor < bytes.count, allowed.contains(bytes[cursor]) { cursor += 1 } }
                skip([UInt8(ascii: "\\"), UInt8(ascii: "\"")])
                skip([UInt8(ascii: " "), UInt8(ascii: "\t")])
                guard cursor < bytes.count, bytes[cursor] == UInt8(ascii: ":") else {
                    index += needle.count
                    continue
                }
                cursor += 1
                skip([UInt8(ascii: " "), UInt8(ascii: "\t")])
                if cursor < bytes.count, bytes[cursor] == UInt8(ascii: "\\") { cursor += 1 }
                // Only a string is a token (not `null`).
                guard cursor < bytes.count, bytes[cursor] == UInt8(ascii: "\"") else {
                    index = cursor
                    continue
                }
                cursor += 1
                let start = cursor
                while cursor < bytes.count, bytes[cursor] != UInt8(ascii: "\""), bytes[cursor] != UInt8(ascii: "\\") { cursor += 1 }
                if cursor - start >= 4 { found.append(String(decoding: bytes[start..<cursor], as: UTF8.self)) }
                index = cursor
            }
        }
        return found
    }

    /// Whether `text` names a key a token is kept under (a byte search, before any parsing).
    public static func mentionsToken(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in contains(bytes, "callbackToken") || contains(bytes, "messageInstanceId") }
    }

    /// A byte search, jumping between the word's last letter with memchr: it runs on every body
    /// recorded, some of them megabytes long.
    private static func contains(_ bytes: UnsafeBufferPointer<UInt8>, _ word: StaticString) -> Bool {
        let length = word.utf8CodeUnitCount
        guard let base = bytes.baseAddress, bytes.count >= length else { return false }
        let needle = UnsafeBufferPointer(start: word.utf8Start, count: length)
        let last = Int32(needle[length - 1])
        var offset = length - 1
        while offset < bytes.count {
            guard let found = memchr(base + offset, last, bytes.count - offset) else { return false }
            let end = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            if memcmp(base + end - (length - 1), needle.baseAddress!, length) == 0 { return true }
            offset = end + 1
        }
        return false
    }

    private static func replacingByKey(_ value: JSONValue, depth: Int) -> JSONValue {
        guard depth < 64 else { return value }
        switch value {
        case .object(let members):
            var copy: [String: JSONValue] = [:]
            for (key, member) in members {
                copy[key] = keys.contains(key) && member.stringValue != nil ? .string(marker) : replacingByKey(member, depth: depth + 1)
            }
            return .object(copy)
        case .array(let items):
            return .array(items.map { replacingByKey($0, depth: depth + 1) })
        case .string(let text) where depth < 16 && mentionsToken(text):
            let inner = value.parsingEmbeddedJSON
            return inner == value ? value : .string(replacingByKey(inner, depth: depth + 1).compactText)
        default:
            return value
        }
    }

    private static func collect(_ value: JSONValue, into found: inout [String], depth: Int) {
        guard depth < 64 else { return }
        switch value {
        case .object(let members):
            for (key, member) in members {
                if keys.contains(key), let token = member.stringValue { found.append(token) }
                collect(member, into: &found, depth: depth + 1)
            }
        case .array(let items):
            for item in items { collect(item, into: &found, depth: depth + 1) }
        case .string(let text) where depth < 16 && mentionsToken(text):
            let inner = value.parsingEmbeddedJSON
            if inner != value { collect(inner, into: &found, depth: depth + 1) }
        default:
            break
        }
    }
}
