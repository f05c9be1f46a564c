import Foundation
import Testing
@testable import TracedeskModel

/// What each built-in detector takes out of free text, and what it leaves: the numbers a run is
/// made of are not personal values.
@Suite("Redaction: the built-in detectors")
struct RedactionDetectorTests {
    func redacted(_ text: String, _ detectors: [RedactionDetector] = RedactionDetector.allCases) throws -> String {
        try Redactor(rules: RedactionRules(detectors: detectors)).redact(text)
    }

    @Test("each detector finds its kind of value", arguments: [
        ("Write to ada.lovelace+hr@example.co.uk today.", "Write to «email-1» today."),
        ("Call +44 20 7946 0958 or (555) 123-4567.", "Call «phone-1» or «phone-2»."),
        ("Office 020 7946 0958, cell 555-123-4567", "Office «phone-1», cell «phone-2»"),
        ("Pay GB82 WEST 1234 5698 7654 32 or DE89370400440532013000.", "Pay «iban-1» or «iban-2»."),
        ("Card 4111 1111 1111 1111, Amex 378282246310005.", "Card «card-1», Amex «card-2»."),
        ("SSN 123-45-6789 on file", "SSN «ssn-1» on file"),
        ("From 192.168.10.4 and 2001:db8::8a2e:370:7334 and ::1.", "From «ip-1» and «ip-2» and «ip-3»."),
        ("Authorization: Bearer abC123-token.value_9 sent", "Authorization: Bearer «token-1» sent"),
        ("jwt eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJl end", "jwt «token-1» end"),
    ])
    func finds(text: String, expected: String) throws {
        #expect(try redacted(text) == expected)
    }

    @Test("what a run is made of is left alone", arguments: [
        "took 1234567 ms over 42 steps, 15000 tokens",
        "person 300000047736512 in assignment E1042",   // Fusion's 15-digit ids fail no check but are no card
        "started 2026-12-04 20:32:01.123Z, ended 2026-12-04T20:33:00Z",
        "on 04.12.2026 10:15 and 12/04/2026",
        "journal JE-2026-03-0417 and document 2026-03-0417",
        "REST 11.13.18.05 of /hcmRestApi/resources/11.13.18.05/workers",
        "version 1.2.3.4567 and v2.10",
        "card-like 4111 1111 1111 1112 fails Luhn",
        "SSN-like 000-12-3456 and 666-12-3456 are never issued",
        "IBAN-like GB82 WEST 1234 5698 7654 33 fails mod 97",
        "time 20:32:01 and ratio 3:2, std::vector",
        "the bearer of good news arrived",
        "«email-3» is a pseudonym already",
    ])
    func leaves(text: String) throws {
        #expect(try redacted(text) == text)
    }

    @Test("only the named detectors run")
    func named() throws {
        let text = "ada@example.com from 10.0.0.1"
        #expect(try redacted(text, [.email]) == "«email-1» from 10.0.0.1")
        #expect(try redacted(text, [.ip]) == "ada@example.com from «ip-1»")
    }

    @Test("the same value is the same pseudonym; each kind counts on its own")
    func stable() throws {
        let redactor = try Redactor(rules: .builtIn)
        #expect(redactor.redact("a@example.com, b@example.com, a@example.com, 10.0.0.1") == "«email-1», «email-2», «email-1», «ip-1»")
        #expect(redactor.redact("again b@example.com") == "again «email-2»")
    }
}
