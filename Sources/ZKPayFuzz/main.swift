// zkpay-fuzz: libFuzzer entry point for the decoders that read bytes from the network or
// the disk (docs/notes/fuzzing.md). Built only by `make fuzz` (Package.swift declares the
// target when ZKPAY_FUZZ is set), with -sanitize=fuzzer,address.
//
//     zkpay-fuzz TARGET [libFuzzer flags] [corpus directories or reproducer files]
//
// The target may also come from ZKPAY_FUZZ_TARGET. libFuzzer's own processes (-fork,
// -jobs, -merge) re-run this executable with the remaining arguments, so the chosen
// target is put into the environment, which they inherit.
import Foundation

var arguments = CommandLine.arguments
if arguments.count > 1, FuzzTarget.named(arguments[1]) != nil {
    setenv(FuzzTarget.environmentKey, arguments[1], 1)
    arguments.remove(at: 1)
}
guard let name = ProcessInfo.processInfo.environment[FuzzTarget.environmentKey], FuzzTarget.named(name) != nil else {
    var usage = "usage: zkpay-fuzz TARGET [libFuzzer flags] [corpus dirs | files]\ntargets:\n"
    for t in FuzzTarget.all { usage += "  \(t.name.padding(toLength: 10, withPad: " ", startingAt: 0)) \(t.summary)\n" }
    FileHandle.standardError.write(Data(usage.utf8))
    exit(2)
}

var argc = Int32(arguments.count)
var argvStorage: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
let status = argvStorage.withUnsafeMutableBufferPointer { buffer in
    var argv = buffer.baseAddress!
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        selectedTarget.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
        return 0
    }
}
exit(status)
