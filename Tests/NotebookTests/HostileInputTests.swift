// Input made to break the prompt: each pathological line is one error naming reslab's limit, never a crash,
// and the session goes on; a cell of many continuation lines is read in time linear in its length.
import Testing

@testable import Notebook

@Suite struct HostileInputTests {
    /// Runs `source` in a fresh notebook, then `1 + 1`: the first must fail with `message`, the second still run.
    private func expectRefused(_ source: String, with message: Message) {
        let notebook = Notebook()
        let cell = notebook.run(source)
        #expect(cell.error?.contains(message.localized) == true, "\(cell.error ?? "no error")")
        #expect(notebook.run("1 + 1").result == "2")
    }

    private let tall = Message.expressionTooTall(Parser.maximumHeight)
    private let nested = Message.nestedTooDeep(Parser.maximumDepth)

    @Test func aLongChainOfSignsIsNestedTooDeep() {
        expectRefused(String(repeating: "+", count: 100_000) + "1", with: nested)
        expectRefused(String(repeating: "-", count: 100_000) + "1", with: nested)
    }

    @Test func aLongChainOfBinaryOperatorsIsTooTall() {
        expectRefused(Array(repeating: "1", count: 100_000).joined(separator: "+"), with: tall)
        expectRefused(Array(repeating: "2", count: 100_000).joined(separator: " * "), with: tall)
        expectRefused(Array(repeating: "x", count: 100_000).joined(separator: " or "), with: tall)
    }

    @Test func longPostfixChainsAreTooTall() {
        expectRefused("x" + String(repeating: ".shape", count: 100_000), with: tall)
        expectRefused("x" + String(repeating: "[0]", count: 100_000), with: tall)
        expectRefused("x" + String(repeating: "()", count: 100_000), with: tall)
    }

    @Test func chainsWithinTheLimitStillRun() {
        let notebook = Notebook()
        let sum = Array(repeating: "1", count: Parser.maximumHeight + 1).joined(separator: "+")
        #expect(notebook.run(sum).result == "\(Parser.maximumHeight + 1)")
        #expect(notebook.run(String(repeating: "-", count: 10) + "3").result == "3")
    }

    @Test func timeInsideTimeIsBounded() {
        expectRefused(
            String(repeating: "%time ", count: 20_000) + "1", with: .timeNestedTooDeep(Notebook.maximumTimeNesting))
        #expect(Notebook().run("%time %time 1 + 1").error == nil)
    }

    @Test func listsNestedInALoopStopAtTheLimitAndTheSessionGoesOn() {
        let notebook = Notebook()
        let cell = notebook.run("x = 1\nfor i in range(100000):\n    x = [x]")
        let refusal = Message.valueNestedTooDeep(Interpreter.maximumValueNesting).localized
        #expect(cell.error?.contains(refusal) == true, "\(cell.error ?? "no error")")
        #expect(notebook.run("len(str(x)) > 0").result == "True")
        #expect(notebook.run("x == x").result == "True")
        #expect(notebook.run("y = ((1,),)").error == nil)
        #expect(notebook.run("y[0][0]").result == "1")
    }

    @Test func blocksNestedBeyondTheLimitAreRefused() {
        let lines = (0...Parser.maximumDepth).map { String(repeating: " ", count: $0) + "if 1:" }
        let source = (lines + [String(repeating: " ", count: Parser.maximumDepth + 1) + "pass"]).joined(separator: "\n")
        expectRefused(source, with: nested)
    }

    @Test func recursionThroughTallExpressionsIsBoundedAsAWhole() {
        let notebook = Notebook()
        let body = "f(n - 1)" + String(repeating: " + 0", count: Parser.maximumHeight - 5)
        let cell = notebook.run("def f(n):\n    if n == 0:\n        return 0\n    return \(body)")
        #expect(cell.error == nil)
        let call = notebook.run("f(99)")
        #expect(
            call.error?.contains(Message.evaluationTooDeep(Interpreter.maximumEvaluationDepth).localized) == true,
            "\(call.error ?? "no error")")
        #expect(notebook.run("f(3)").result == "0")
    }

    @Test func aCellLongerThanTheLimitIsRefusedBeforeItIsParsed() {
        let source = "x = (" + String(repeating: "1,", count: SourceText.maximumCellBytes / 2) + ")"
        expectRefused(source, with: .cellTooLong(limit: SourceText.maximumCellBytes))
    }

    @Test func fortyThousandContinuationLinesMakeOneCell() {
        var pending = PendingCell()
        pending.append("x = (")
        for _ in 0..<40_000 {
            #expect(pending.needsMoreInput)
            pending.append("1,")
        }
        pending.append(")")
        #expect(!pending.needsMoreInput)
        let source = "x = (\n" + String(repeating: "1,\n", count: 40_000) + ")"
        let notebook = Notebook()
        let cells = notebook.cells(of: source).cells
        #expect(cells.count == 1)
        #expect(notebook.run(cells[0].text).error == nil)
        #expect(notebook.run("len(x)").result == "40000")
    }

    @Test func aPendingCellAgreesWithTheWholeText() {
        let samples = [
            "def f(x):", "def f(x):\n    return x", "def f(x):\n    return x\n", "x = Conv2D(64,", "x = (1",
            "def f(a,\n      b):", "if x == ':'", "s = '''a\nb", "x = 1 \\", "for i in range(3):\n    print(i)\n\n",
            "y = [1,\n 2]", "if (a and\n    b):\n    pass",
        ]
        for sample in samples {
            var pending = PendingCell()
            for line in sample.split(separator: "\n", omittingEmptySubsequences: false) { pending.append(String(line)) }
            var whole = PendingCell()
            whole.append(sample)
            #expect(pending.needsMoreInput == whole.needsMoreInput, "\(sample)")
        }
        #expect(SourceText.needsMoreInput("def f(a,\n      b):"))
        #expect(!SourceText.needsMoreInput("if x == ':'"))
    }
}
