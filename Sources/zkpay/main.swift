import CMalloc
import Foundation
import ZKPayCLI

// Large temporary arrays stay in the heap between batches (Sources/CMalloc). A failure
// only costs speed, so it is not an error.
_ = zk_tune_malloc()
exit(ZKPayCLI.run(Array(CommandLine.arguments.dropFirst())))
