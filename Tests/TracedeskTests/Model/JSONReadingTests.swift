import Foundation
import Testing
@testable import TracedeskModel

/// Reading JSON close to the bytes: the reader, the writer, and the scanner that cuts values out
/// of text arriving in pieces.
@Suite("Reading and writing JSON")
struct JSONReadingTests {
    @Test("values of every kind; integers stay integers, epoch milliseconds exact")
    func kinds() throws {
        let value = try JSONReader.read(#" {"a": [1, -2, 3.5, 1e3, true, false, null], "t": 1773341443081, "big": 92233720368547758070} "#)
        #expect(value["a"] == .array([.integer(1), .integer(-2), .number(3.5), .number(1000), .bool(true), .bool(false), .null]))
        #expect(value["t"] == .integer(1_773_341_443_081))
        #expect(value["big"] == .number(9.223372036854775807e19), "too large for Int64: a number")
    }

    @Test("escapes, surrogate pairs, and broken surrogates replaced rather than refused")
    func strings() throws {
        let value = try JSONReader.read(#"["a\"b\\c\/d\n\t", "\u00e9\ud83d\ude00", "\ud83d x", "caf\u00E9"]"#)
        #expect(value == .array([.string("a\"b\\c/d\n\t"), .string("é😀"), .string("\u{FFFD} x"), .string("café")]))
    }

    @Test("what is not JSON is refused with where and why")
    func refusals() {
        let cases: [(String, String)] = [
            (#"{"a": }"#, "unexpected '}' at line 1, column 7"),
            ("[1, 2", "the text ends inside an array at line 1, column 6"),
            (#"{"a" 1}"#, "expected ':' after a key"),
            ("\"tab\there\"", "a control character"),
            ("[1,]", "unexpected ']'"),
            ("{} {}", "unexpected text after the value"),
            (#""\x""#, "an unknown escape"),
            // A word is named as written; the end of the text is blamed only for the start of a literal.
            ("not json", "unexpected 'not' at line 1, column 1"),
            ("nope", "unexpected 'nope' at line 1, column 1"),
            ("[nul", "unexpected end of the text at line 1, column 2"),
            ("[n", "unexpected end of the text"),
            ("fals", "unexpected end of the text"),
            ("trust me", "unexpected 'trust' at line 1, column 1"),
        ]
        for (text, reason) in cases {
            #expect { _ = try JSONReader.read(text) } throws: { error in
                String(describing: error).contains(reason)
            }
        }
    }

    @Test("nesting deeper than the limit is refused at once, without exhausting the stack")
    func depth() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect { _ = try JSONReader.read(deep) } throws: { error in
            String(describing: error).contains("nested more than 512 levels deep")
        }
        let fine = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect(throws: Never.self) { _ = try JSONReader.read(fine) }
    }

    @Test("written back compact or indented, keys sorted, slashes kept, control characters escaped")
    func writing() throws {
        let value = try JSONReader.read(#"{"b": "x/y\u0001", "a": [1, 2.5, {"z": null}], "c": {}}"#)
        #expect(value.compactText == #"{"a":[1,2.5,{"z":null}],"b":"x/y\u0001","c":{}}"#)
        #expect(value.prettyText == """
            {
              "a" : [
                1,
                2.5,
                {
                  "z" : null
                }
              ],
              "b" : "x/y\\u0001",
              "c" : {}
            }
            """)
        #expect(try JSONReader.read(value.compactText) == value, "what is written reads back the same")
    }

    @Test("values cut from text in pieces of any size are the values cut from the whole text")
    func scannerChunks() throws {
        let text = "\u{FEFF}{\"jobId\": \"a\", \"s\": \"}]\\\"{\"}\n[{\"jobId\": \"b\"}, {\"jobId\": \"c\"}]\n{\"jobId\": \"d\",\n \"n\": [1, [2]]}\n"
        let bytes = Array(text.utf8)
        var whole = JSONTextScanner()
        let expected = try whole.feed(bytes) + whole.finish()
        #expect(expected.map { String(decoding: $0.bytes, as: UTF8.self) }
                == [#"{"jobId": "a", "s": "}]\"{"}"#, #"{"jobId": "b"}"#, #"{"jobId": "c"}"#, "{\"jobId\": \"d\",\n \"n\": [1, [2]]}"])
        #expect(expected.map(\.line) == [1, 2, 2, 3])
        for size in [1, 2, 3, 7, 16] {
            var scanner = JSONTextScanner()
            var pieces: [JSONTextScanner.Piece] = []
            var start = 0
            while start < bytes.count {
                pieces += try scanner.feed(Array(bytes[start..<min(start + size, bytes.count)]))
                start += size
            }
            pieces += try scanner.finish()
            #expect(pieces.map(\.bytes) == expected.map(\.bytes), "chunks of \(size)")
            #expect(pieces.map(\.line) == expected.map(\.line))
        }
    }

    @Test("a value larger than the window, or bytes that start no value, are refused at once")
    func scannerLimits() throws {
        var scanner = JSONTextScanner(maximumValueBytes: 1024)
        #expect(throws: JSONTextScanner.Failure(line: 1, reason: "the value that starts here is larger than 0 MiB")) {
            _ = try scanner.feed(Array(("{\"a\": \"" + String(repeating: "x", count: 2000)).utf8))
        }
        var zeros = JSONTextScanner()
        #expect(throws: JSONTextScanner.Failure(line: 1, reason: "unexpected byte 0x00")) {
            _ = try zeros.feed([UInt8](repeating: 0, count: 4096))
        }
    }
}
