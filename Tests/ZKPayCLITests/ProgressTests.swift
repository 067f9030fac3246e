import Testing
@testable import ZKPayCLI

@Suite("Progress")
struct ProgressTests {
    @Test("progress is written only to a terminal and never with --json or captured output")
    func quietUnlessTerminal() {
        #expect(Progress(console: Console(), json: false, isTerminal: true).isEnabled)
        #expect(!Progress(console: Console(), json: true, isTerminal: true).isEnabled)
        #expect(!Progress(console: Console(), json: false, isTerminal: false).isEnabled)
        let captured = Console(capture: true)
        let p = Progress(console: captured, json: false)
        #expect(!p.isEnabled)
        p.tick("building", 1, 2)
        p.finish("done")
        #expect(captured.err.isEmpty && captured.out.isEmpty)
    }

    @Test("a shorter status line blanks what is left of the longer one before it")
    func padding() {
        #expect(Progress.padded("ab", over: 5) == "ab   ")
        #expect(Progress.padded("abcdef", over: 3) == "abcdef")
    }
}
