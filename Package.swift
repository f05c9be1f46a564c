// swift-tools-version: 6.1
import PackageDescription

// The targets are layers: each depends only on those listed above it here, so a wrong-direction
// import does not compile (docs/architecture.md draws the graph). Build with
// `--explicit-target-dependency-import-check error` to have SwiftPM refuse an import that is not
// a declared dependency even when the module happens to be built already (CI does).
let package = Package(
    name: "tracedesk",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "tracedesk", targets: ["tracedesk"]),
        .library(name: "TracedeskUseCases", targets: ["TracedeskUseCases"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // The simulator's HTTP server. Default traits off: swift-configuration is not needed.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        // SHA-256 for PKCE and RSA for RS256 JWT assertions (_CryptoExtras).
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // Already in Hummingbird's graph; named here because the simulator uses their types directly.
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        // For --cacert: Linux URLSession cannot add a CA to the trusted roots. Already built for the tests.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        // Prompt suites for `compare` are YAML (or JSON).
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // OTLP/HTTP protobuf for `export otlp`: the runtime only; the generated code is committed.
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // libxml2 through pkg-config; the shim header works around ICU and `xmlFree` (docs/architecture.md).
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),

        // Model: Fusion bodies, JSON values, run status, errors, formatting. Foundation only.
        .target(name: "TracedeskModel"),

        // History: the GRDB store, its migrations and queries, and the body-to-rows projection.
        .target(
            name: "TracedeskHistory",
            dependencies: [
                "TracedeskModel",
                .product(name: "GRDB", package: "GRDB.swift"),
                // SQLite's C API, to bind the recorder's values straight into prepared statements.
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),

        // Client: HTTP transports, OAuth token providers and their cache, the agent client, polling.
        // The only layer that talks to a network (AsyncHTTPClient and NIO only here).
        .target(
            name: "TracedeskClient",
            dependencies: [
                "TracedeskModel",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),

        // Compare: step alignment, word diff, statistics over repeats, suites, verdicts.
        .target(
            name: "TracedeskCompare",
            dependencies: [
                "TracedeskModel", "TracedeskHistory",
                .product(name: "Yams", package: "Yams"),
            ]
        ),

        // Documents: the libxml2 builder (the only code that sees CLibXML2), the sanitiser, the
        // run and comparison reports.
        .target(
            name: "TracedeskDocuments",
            dependencies: [
                "CLibXML2", "TracedeskModel", "TracedeskHistory", "TracedeskCompare",
            ]
        ),

        // Export: runs as OpenTelemetry spans (OpenInference and GenAI attributes), encoded as
        // OTLP protobuf. The generated code (Generated/) comes from proto/ by scripts/regenerate-otlp.
        .target(
            name: "TracedeskExport",
            dependencies: [
                "TracedeskModel", "TracedeskHistory",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),

        // Use cases: everything the command-line tool (and later the server and the exporter)
        // shares: following a run, importing, comparing, the demo tour, terminal text, the JSON
        // contract, and the command context that carries the collaborators.
        .target(
            name: "TracedeskUseCases",
            dependencies: [
                "TracedeskModel", "TracedeskHistory", "TracedeskClient", "TracedeskCompare", "TracedeskDocuments",
                "TracedeskExport", "FusionSimulator",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // `tracedesk serve`: the history as a local web UI (Hummingbird), pages built as libxml2
        // documents from the report templates, live over Server-Sent Events. Read-only.
        .target(
            name: "TracedeskServe",
            dependencies: [
                "TracedeskModel", "TracedeskHistory", "TracedeskCompare", "TracedeskDocuments", "TracedeskUseCases",
                .product(name: "Hummingbird", package: "hummingbird"),
                // HTTP1Channel's idle timeout and extra channel handlers (the connection cap).
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // A simulated Fusion pod. Shares no code with the Tracedesk layers: it writes bodies from
        // its own scenario types, so the client is tested against an independent producer.
        .target(
            name: "FusionSimulator",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Tracedesk's transport wired straight to the simulator's router, for tests and benchmarks.
        .target(
            name: "InProcessPod",
            dependencies: ["TracedeskModel", "TracedeskClient", "FusionSimulator"]
        ),

        // The benchmarks: `swift run -c release tracedesk-bench`.
        .executableTarget(
            name: "tracedesk-bench",
            dependencies: ["TracedeskUseCases", "FusionSimulator", "InProcessPod"]
        ),

        // The fuzz targets (docs/fuzzing.md): libFuzzer's entry with `scripts/fuzz`; an ordinary
        // build replays files through them.
        .executableTarget(
            name: "tracedesk-fuzz",
            dependencies: ["TracedeskModel", "TracedeskHistory", "TracedeskDocuments"]
        ),

        // The command line: one file per subcommand, each parsing its arguments into one use case
        // and running it in a `CommandContext`. A library, so that tests run commands in process.
        .target(
            name: "TracedeskCommandLine",
            dependencies: [
                "TracedeskModel", "TracedeskClient", "TracedeskCompare", "TracedeskDocuments", "TracedeskHistory",
                "TracedeskUseCases", "TracedeskServe",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // The binary: `main.swift` calls the command line, and nothing else.
        .executableTarget(
            name: "tracedesk",
            dependencies: ["TracedeskCommandLine"]
        ),

        // The layers and the use cases, in process: history on temporary databases, the client
        // against the in-process simulator, and the commands' behaviour through a test context.
        .testTarget(
            name: "TracedeskTests",
            dependencies: [
                "TracedeskModel", "TracedeskHistory", "TracedeskClient", "TracedeskCompare", "TracedeskDocuments",
                "TracedeskExport", "TracedeskUseCases", "TracedeskCommandLine", "TracedeskServe", "FusionSimulator", "InProcessPod",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "FusionSimulatorTests",
            dependencies: [
                "FusionSimulator",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // Runs the built `tracedesk` binary as a user would; depends on it so `swift test` builds it.
        .testTarget(
            name: "TracedeskEndToEndTests",
            dependencies: ["tracedesk", "tracedesk-fuzz", "TracedeskModel"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
