import Foundation
import ZKPayCLI

exit(ZKPayCLI.run(Array(CommandLine.arguments.dropFirst())))
