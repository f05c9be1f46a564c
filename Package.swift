// swift-tools-version: 6.0
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
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The command-line tool: parses arguments, calls the core, prints.
        .executableTarget(
            name: "tracedesk",
            dependencies: [
                "TracedeskCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "TracedeskCoreTests",
            dependencies: ["TracedeskCore"]
        ),
        // Runs the built `tracedesk` binary as a user would; depends on it so `swift test` builds it.
        .testTarget(
            name: "TracedeskCLITests",
            dependencies: ["tracedesk", "TracedeskCore"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
