import Foundation
import Testing
import TracedeskClient
import TracedeskCommandLine
import TracedeskCompare
import TracedeskDocuments
import TracedeskHistory
import TracedeskModel
import TracedeskUseCases

@Suite("config.toml and its profiles")
struct ProfileTests {
    @Test("the TOML subset: tables, dotted tables, strings of both kinds, numbers, booleans, comments")
    func parse() throws {
        let file = try ConfigFile(text: """
            # Tracedesk settings
            default = "dev"   # used without --profile

            [profiles.dev]
            pod = "https://fa-abcd.fa.ocs.oraclecloud.com"
            client_id = 'abc#123'
            note = "a \\"quoted\\" word"
            port = 8_765
            verbose = true
            """, origin: "config.toml")
        #expect(file.tables[""]?["default"] == .string("dev"))
        #expect(file.tables["profiles.dev"]?["client_id"] == .string("abc#123"), "a # inside a string is not a comment")
        #expect(file.tables["profiles.dev"]?["note"] == .string(#"a "quoted" word"#))
        #expect(file.tables["profiles.dev"]?["port"] == .integer(8765))
        #expect(file.tables["profiles.dev"]?["verbose"] == .bool(true))
    }

    @Test("arrays of strings, on one line or several, with comments and a trailing comma; a string is a list of one")
    func arrays() throws {
        let file = try ConfigFile(text: """
            [redact]
            keys = ["PersonNumber", '*Salary*']
            patterns = [
              "E\\\\d{4}",   # assignment numbers
              "x]y",
            ]
            detectors = "email"
            """, origin: "config.toml")
        #expect(file.tables["redact"]?["keys"] == .strings(["PersonNumber", "*Salary*"]))
        #expect(file.tables["redact"]?["patterns"] == .strings(["E\\d{4}", "x]y"]))
        #expect(file.tables["redact"]?["detectors"]?.strings == ["email"])
    }

    @Test("what the subset does not cover is refused with its line", arguments: [
        ("ports = [1, 2]", "config.toml:1: an array holds strings only"),
        ("keys = [\"a\",\n  \"b\"", "config.toml:1: an array is not closed"),
        ("[[profiles]]", "config.toml:1: a table header is [name]"),
        ("name = \"open", "config.toml:1: a string is not closed"),
        ("a = 1\na = 2", "config.toml:2: a is set twice"),
        ("just words", "config.toml:1: expected key = value"),
    ])
    func refusals(text: String, message: String) {
        #expect {
            _ = try ConfigFile(text: text, origin: "config.toml")
        } throws: { error in
            (error as? TracedeskError)?.message.hasPrefix(message) == true
        }
    }

    func withConfig(_ text: String, _ body: ([String: String]) throws -> Void) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("tracedesk"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(text.utf8).write(to: folder.appendingPathComponent("tracedesk/config.toml"))
        try body(["XDG_CONFIG_HOME": folder.path, "HOME": "/home/casey"])
    }

    @Test("a profile by name or by default, with ~ expanded; flags and the environment come first")
    func profiles() throws {
        try withConfig("""
            default = "dev"
            [profiles.dev]
            pod = "https://dev.example.com"
            token_url = "https://idcs.example.com/oauth2/v1/token"
            client_id = "dev-client"
            grant = "jwt"
            user = "casey.brown"
            private_key = "~/.keys/tracedesk.pem"
            [profiles.prod]
            pod = "https://prod.example.com"
            """) { environment in
            let dev = try #require(try Profile.load(named: nil, environment: environment))
            #expect(dev.name == "dev" && dev[.pod] == "https://dev.example.com")
            #expect(dev[.privateKey] == "/home/casey/.keys/tracedesk.pem")
            #expect(try Profile.load(named: "prod", environment: environment)?[.pod] == "https://prod.example.com")
            #expect(throws: TracedeskError.self) { try Profile.load(named: "staging", environment: environment) }

            let sources = PodSettings(flags: [.clientId: "flag-client"], environment: ["TRACEDESK_TOKEN_URL": "https://env.example.com/oauth2/v1/token",
                                                                                    "TRACEDESK_CLIENT_SECRET": "s"], profile: dev)
            #expect(throws: TracedeskError.self, "the profile's key file does not exist here") {
                try sources.oauthSettings(pod: URL(string: "https://dev.example.com")!)
            }
            var clientCredentials = sources
            clientCredentials.flags[.grant] = "client_credentials"
            let settings = try #require(try clientCredentials.oauthSettings(pod: URL(string: "https://dev.example.com")!))
            #expect(settings.clientId == "flag-client", "a flag wins")
            #expect(settings.tokenURL.host == "env.example.com", "then the environment")
        }
    }

    @Test("a secret written in a profile is refused, naming the key to use instead")
    func secretsRefused() throws {
        try withConfig("[profiles.dev]\nclient_id = \"c\"\nclient_secret = \"hunter2\"\n") { environment in
            #expect {
                _ = try Profile.load(named: "dev", environment: environment)
            } throws: { error in
                let message = (error as? TracedeskError)?.message ?? ""
                return message.contains("secrets belong in files or the environment: use client_secret_file") && !message.contains("hunter2")
            }
        }
        try withConfig("[profiles.dev]\nfavourite_colour = \"blue\"\n") { environment in
            #expect(throws: TracedeskError.self) { try Profile.load(named: "dev", environment: environment) }
        }
    }
}
