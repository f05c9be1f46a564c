import Foundation
import Testing
@testable import TracedeskModel

/// The redactor over JSON: keys by pattern, learned values found again in text, nested JSON,
/// numbers, idempotence, and failing closed.
@Suite("Redaction: rules over JSON and text")
struct RedactorTests {
    func redactor(keys: [String] = [], patterns: [String] = [], detectors: [RedactionDetector]? = nil) throws -> Redactor {
        try Redactor(rules: RedactionRules(keys: keys, patterns: patterns, detectors: detectors))
    }

    @Test("a key pattern matches the key or its dotted path, without regard to case; * spans dots", arguments: [
        ("PersonNumber", "PersonNumber", true), ("personnumber", "PersonNumber", true), ("PersonNumber", "PersonNumberX", false),
        ("*.email", "worker.contact.email", true), ("*.email", "email", false), ("*Salary*", "BaseSalaryAmount", true),
        ("work?r.id", "worker.id", true), ("*", "anything", true), ("items.*.number", "items.number", false),
    ])
    func keyPatterns(pattern: String, key: String, matches: Bool) {
        #expect(KeyPattern(pattern).matches(key) == matches)
    }

    @Test("values under matched keys become pseudonyms named after the key, numbers included; other numbers, the layout and the key order stay")
    func keys() throws {
        let redactor = try redactor(keys: ["PersonNumber", "*Salary*"], detectors: [])
        let body = #"{"worker":{"PersonNumber":"955160","BaseSalary":85000,"inputTokens":1200,"hours":[40,38]}}"#
        redactor.learn(json: body)
        #expect(redactor.redact(document: body)
                == #"{"worker":{"PersonNumber":"«PersonNumber-1»","BaseSalary":"«BaseSalary-1»","inputTokens":1200,"hours":[40,38]}}"#)
        #expect(redactor.redact(document: "{ \"a\" : [ 1 , \"x\" ] }") == "{ \"a\" : [ 1 , \"x\" ] }")
        // A learned value is found again in free text, as a whole word only.
        #expect(redactor.redact("Worker 955160 earns 85000; not 9551601.") == "Worker «PersonNumber-1» earns «BaseSalary-1»; not 9551601.")
    }

    @Test("names by Fusion's fields: the whole name and each of its words, wherever they appear")
    func names() throws {
        let redactor = try redactor(detectors: [.name])
        redactor.learn(json: #"{"items":[{"DisplayName":"Ada Lovelace","FirstName":"Ada"}]}"#)
        #expect(redactor.redact("Ada Lovelace approved; Lovelace signed. Adam did not.")
                == "«name-1» approved; «name-3» signed. Adam did not.")
    }

    @Test("a value learned later is taken out of a text redacted before it was known (a recording redacts its earlier files again)")
    func learnedLater() throws {
        let redactor = try redactor(detectors: [.name])
        let prompt = #"{"message":"Show the card of Ada Lovelace, please: quickly"}"#
        #expect(redactor.redact(document: prompt) == prompt)
        redactor.learn(json: #"{"DisplayName":"Ada Lovelace"}"#)
        #expect(redactor.redact(document: prompt) == #"{"message":"Show the card of «name-1», please: quickly"}"#)
    }

    @Test("JSON inside a string is redacted as JSON: its keys count")
    func nested() throws {
        let redactor = try redactor(keys: ["PersonNumber"], detectors: [.email])
        let body = #"{"output":"{\"PersonNumber\":\"955160\",\"mail\":\"ada@example.com\"}"}"#
        redactor.learn(json: body)
        let redacted = redactor.redact(document: body)
        #expect(!redacted.contains("955160") && !redacted.contains("ada@example.com"))
        #expect(redacted.contains("«PersonNumber-1»") && redacted.contains("«email-1»"))
    }

    @Test("patterns are regular expressions over any text; one that does not compile is refused")
    func patterns() throws {
        let redactor = try redactor(patterns: ["E\\d{4}"], detectors: [])
        #expect(redactor.redact("assignment E1042 and E2001") == "assignment «pattern-1» and «pattern-2»")
        #expect(throws: TracedeskError.self) { try self.redactor(patterns: ["(unclosed"]) }
    }

    @Test("redacting twice changes nothing")
    func idempotent() throws {
        let redactor = try redactor(keys: ["PersonNumber"])
        let body = #"{"PersonNumber":"955160","note":"mail ada@example.com from 10.1.2.3"}"#
        redactor.learn(json: body)
        let once = redactor.redact(document: body)
        let again = try self.redactor(keys: ["PersonNumber"])
        again.learn(json: once)
        #expect(again.redact(document: once) == once)
    }

    @Test("a document that looks like JSON but does not parse is withheld whole", arguments: [
        #"{"PersonNumber": "955160", oops"#, #"{"a": "unclosed}"#, #"{"a": "bad \q escape"}"#, #"{"a": 1} trailing"#,
        #"{"a": tru}"#, "[1, 2", #"{"a" 1}"#,
    ])
    func withheld(document: String) throws {
        let redactor = try redactor(keys: ["PersonNumber"])
        #expect(redactor.redact(document: document) == "«withheld-1»")
    }

    @Test("escapes are read as JSON reads them: what is redacted is the text, and the document stays the same JSON")
    func escapes() throws {
        let redactor = try redactor(detectors: [.email])
        let document = #"{"a":"say \"hi\" to ada@example.com \u00e9 \ud83d\ude00 \\ done","b":"\/plain\/"}"#
        let redacted = redactor.redact(document: document)
        let value = try #require(JSONValue(parsing: redacted))
        #expect(value["a"]?.stringValue == "say \"hi\" to «email-1» é 😀 \\ done")
        #expect(redacted.hasSuffix(#","b":"\/plain\/"}"#))   // untouched strings keep their bytes
        // A value spelled with escapes is found all the same; nested JSON after escaped whitespace is read as JSON.
        #expect(redactor.redact(document: #"{"a":"ada\u0040example.com"}"#) == #"{"a":"«email-1»"}"#)
        let keyed = try self.redactor(keys: ["PersonNumber"], detectors: [])
        let nested = #"{"out":"\n  {\"PersonNumber\": \"955160\"}"}"#
        keyed.learn(json: nested)
        #expect(!keyed.redact(document: nested).contains("955160"))
    }

    @Test("rules tables: unknown keys, detectors and stages are refused; rules merge")
    func tables() throws {
        let rules = try RedactionRules(table: ["keys": ["PersonNumber"], "detectors": ["email", "IBAN"], "at": ["record"]], origin: "t")
        #expect(rules.activeDetectors == [.email, .iban] && rules.stage == .record)
        #expect(throws: TracedeskError.self) { try RedactionRules(table: ["detector": ["email"]], origin: "t") }
        #expect(throws: TracedeskError.self) { try RedactionRules(table: ["detectors": ["emails"]], origin: "t") }
        #expect(throws: TracedeskError.self) { try RedactionRules(table: ["at": ["later"]], origin: "t") }
        #expect(throws: TracedeskError.self) { try RedactionRules(table: ["keys": ["*"]], origin: "t") }
        let merged = RedactionRules.builtIn.merging(RedactionRules(keys: ["Salary"]))
        #expect(merged.activeDetectors == RedactionDetector.allCases && merged.keys == ["Salary"])
        #expect(RedactionRules(detectors: [.ip]).merging(RedactionRules(detectors: [.email])).activeDetectors == [.email, .ip])
    }
}
