import Testing

@testable import Notebook

/// A lesson's step at the prompt, on terminals 80 and 140 columns wide.
@Suite struct FittedLessonStepTests {
    @Test(arguments: [("en", 80), ("zh", 80), ("en", 140), ("zh", 140)])
    func stepsWrapToTheTerminalAtMostAHundredColumns(language: String, width: Int) throws {
        let notebook = Notebook()
        notebook.width = width
        try notebook.openLesson(1, language: language, step: 0)
        let lesson = try LessonLibrary.standard().lesson(1, language: language)
        for index in lesson.steps.indices {
            let shown = index == 0 ? notebook.currentLessonStep! : run(["next"], in: notebook).output
            #expect(lines(shown).allSatisfy { displayWidth($0) <= min(width, 100) }, "\(shown)")
            // Nothing lost but the spaces where lines break.
            let prose = lesson.steps[index].prose
            #expect(prose.isEmpty || shown.filter { !$0.isWhitespace }.contains(prose.filter { !$0.isWhitespace }))
            #expect(shown.contains("\n    " + lesson.steps[index].cell.split(separator: "\n")[0] + "\n"))
        }
    }
}
