import CMalloc
import Foundation
import ZKPayCLI
import ZKPayTools

// Large temporary arrays stay in the heap between batches (Sources/CMalloc). A failure
// only costs speed, so it is not an error.
_ = zk_tune_malloc()
// The user commands (ZKPayCLI) and the tool commands (ZKPayTools) in one binary.
exit(ZKPayCLI.run(Array(CommandLine.arguments.dropFirst()), tools: ZKPayTools.commands))
