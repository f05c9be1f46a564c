import Foundation

#if FUZZING
/// libFuzzer's entry: built by `scripts/fuzz` with `-sanitize=fuzzer,address -D FUZZING`; the
/// target is chosen by `TRACEDESK_FUZZ_TARGET` (body, report or scanner; body by default).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    FuzzTargets.run(Data(bytes: data, count: size), target: fuzzTarget)
    return 0
}

let fuzzTarget = ProcessInfo.processInfo.environment["TRACEDESK_FUZZ_TARGET"] ?? "body"

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

/// SwiftPM links an executable's `main` to `<module>_main`: here it hands over to libFuzzer's driver.
@_cdecl("tracedesk_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments, fuzzOneInput)
}
#else
/// Without the fuzzer: replays files (a corpus, a crash the fuzzer found) through a target, so
/// that an input is checked with an ordinary build: `tracedesk-fuzz body Fuzz/corpus/body/*`.
@main
struct FuzzReplay {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard let target = arguments.first, FuzzTargets.names.contains(target) else {
            FileHandle.standardError.write(Data("usage: tracedesk-fuzz body|report|scanner FILE...\n".utf8))
            exit(2)
        }
        var count = 0
        for path in arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("tracedesk-fuzz: cannot read \(path)\n".utf8))
                exit(2)
            }
            FuzzTargets.run(data, target: target)
            count += 1
        }
        print("replayed \(count) input\(count == 1 ? "" : "s") through \(target)")
    }
}
#endif
