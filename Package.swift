// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "tracedesk",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "tracedesk", targets: ["tracedesk"]),
        .library(name: "TracedeskCore", targets: ["TracedeskCore"]),
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
        // Markdown to HTML for an answer in a report; the result is sanitised before it enters the document.
        .package(url: "https://github.com/JohnSundell/Ink", from: "0.6.0"),
        // Prompt suites for `compare` are YAML (or JSON).
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // libxml2 through pkg-config; the shim header works around ICU and `xmlFree` (TOOLCHAIN.md).
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),
        // The engine: model, history, presentation. No argument parsing, no terminal I/O.
        .target(
            name: "TracedeskCore",
            dependencies: [
                "CLibXML2",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Ink", package: "Ink"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // A simulated Fusion pod. Shares no code with TracedeskCore: it writes bodies from its own
        // scenario types, so the client is tested against an independent producer.
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
        // Tracedesk's transport wired straight to the simulator, for tests and benchmarks.
        .target(
            name: "InProcessPod",
            dependencies: ["TracedeskCore", "FusionSimulator"]
        ),
        // The benchmarks: `swift run -c release tracedesk-bench`.
        .executableTarget(
            name: "tracedesk-bench",
            dependencies: ["TracedeskCore", "FusionSimulator", "InProcessPod"]
        ),
        // The command-line tool: parses arguments, calls the core, prints.
        .executableTarget(
            name: "tracedesk",
            dependencies: [
                "TracedeskCore",
                "FusionSimulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "TracedeskCoreTests",
            dependencies: ["TracedeskCore"]
        ),
        // The client, the token providers and the poll loop against the simulator, in-process.
        .testTarget(
            name: "TracedeskClientTests",
            dependencies: [
                "TracedeskCore", "FusionSimulator", "InProcessPod",
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
            name: "TracedeskCLITests",
            dependencies: ["tracedesk", "TracedeskCore"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
