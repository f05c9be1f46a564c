import Foundation
import Testing
import TracedeskClient
import TracedeskCommandLine
import TracedeskCompare
import TracedeskDocuments
import TracedeskHistory
import TracedeskModel
import TracedeskUseCases

@Suite("Reading capture files: one object, an array, or JSON lines, verbatim")
struct CapturedBodiesTests {
    func read(_ text: String) throws(TracedeskError) -> CapturedBodies {
        try CapturedBodies(data: Data(text.utf8), origin: "capture.json")
    }

    @Test("one object: the file's text is the body")
    func singleObject() throws {
        let text = try Fixtures.text("coe-invoke-running.json")
        let captured = try read(text)
        #expect(captured.items.count == 1)
        #expect(captured.items[0].text == text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test("an array: each element cut out exactly as written")
    func array() throws {
        let captured = try read("[\n  {\"jobId\": \"a\", \"s\": \"x,]}\"},\n  {\"jobId\":\"b\"}\n]\n")
        #expect(captured.items.map(\.body.jobId) == ["a", "b"])
        #expect(captured.items[0].text == #"{"jobId": "a", "s": "x,]}"}"#, "brackets inside strings do not end a body")
        #expect(captured.items[1].text == #"{"jobId":"b"}"#)
        #expect(captured.items[1].line == 3)
    }

    @Test("JSON lines, and pretty-printed objects back to back")
    func jsonLines() throws {
        let lines = try read("{\"jobId\":\"a\"}\n{\"jobId\":\"b\",\"status\":\"RUNNING\"}\n\n{\"jobId\":\"c\"}\n")
        #expect(lines.items.map(\.body.jobId) == ["a", "b", "c"])
        #expect(lines.items.map(\.line) == [1, 2, 4])
        let pretty = try read("{\n  \"jobId\": \"a\"\n}\n{\n  \"jobId\": \"b\"\n}")
        #expect(pretty.items.map(\.body.jobId) == ["a", "b"])
    }

    @Test("a byte-order mark and escaped quotes do not confuse the reader")
    func bomAndEscapes() throws {
        var data = Data([0xEF, 0xBB, 0xBF])
        data.append(Data(#"{"jobId": "a", "output": "say \"hi\" {"}"#.utf8))
        let captured = try CapturedBodies(data: data, origin: "bom.json")
        #expect(captured.items[0].body.outputText == #"say "hi" {"#)
    }

    @Test("errors name the file, the body and its line")
    func errors() {
        #expect(throws: TracedeskError.badInput("capture.json: holds no status body (the file is empty)")) { try read("  \n") }
        #expect(throws: TracedeskError.badInput("capture.json: body 2 (line 2) not a status body: it has no jobId")) {
            try read("{\"jobId\":\"a\"}\n{\"status\":\"RUNNING\"}\n")
        }
        #expect(throws: TracedeskError.badInput("capture.json: not JSON (line 1: the value that starts here is not closed)")) {
            try read("{\"jobId\": \"a\"")
        }
        #expect(throws: TracedeskError.self) { try read("hello there") }
        #expect(throws: TracedeskError.badInput("capture.json: not a status body: a JSON array, where an object was expected")) {
            try read("[[1, 2]]")
        }
    }
}
