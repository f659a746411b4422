import Foundation
import Platform
import Testing

@testable import Notebook

@Suite struct LessonFormatTests {
    static let sample = """
        # Lesson 9 · A test

        First, an input.

        ```reslab
        x = Input(shape=(8, 8, 3))
        ```

        ```output
        x = <tensor input_1 (InputLayer) (None, 8, 8, 3)>
        ```

        A wrong add teaches.

        ```reslab
        layers.add([x, Conv2D(4, 1)(x)])
        ```

        ```output
        error: …(None, 8, 8, 3)…
        ```

        No expected output here.

        ```reslab
        x.shape
        ```

        That's all.
        """

    @Test func markdownGivesStepsWithProseCellAndExpectedOutput() throws {
        let lesson = try Lesson(markdown: Self.sample, number: 9, language: "en")
        #expect(lesson.title == "Lesson 9 · A test")
        #expect(
            lesson.steps.map(\.cell) == ["x = Input(shape=(8, 8, 3))", "layers.add([x, Conv2D(4, 1)(x)])", "x.shape"])
        #expect(lesson.steps[0].prose == "First, an input.")
        #expect(lesson.steps[2].expected == nil)
        #expect(lesson.closing == "That's all.")
        #expect(lesson.progress(step: 2) == "[Lesson 9 · 2/3]")
    }

    @Test func chineseProgressLine() throws {
        let lesson = try Lesson(markdown: Self.sample, number: 2, language: "zh")
        #expect(lesson.progress(step: 3) == "[第2课 · 3/3]")
    }

    @Test func wildcardsMatchWithinLinesAndAcrossLines() {
        #expect(
            outputMatches(
                "Predicted: [[('n1', 'cat', 0.5)]]\n[RANDOM weights]", expected: "Predicted: [[('n…', '…', …)]]\n…"))
        #expect(outputMatches("a\nb\nc", expected: "a\n…\nc"))
        #expect(outputMatches("a\nc", expected: "a\n…\nc"))
        #expect(!outputMatches("a\nb", expected: "a\nc"))
        #expect(!outputMatches("x = 1", expected: "x = 2…"))
    }

    @Test func textWrappedToAnyWidthMatchesTheLessonsText() {
        let expected = "177 Keras layers run as 58 steps: 53 batch norms folded into the convolution\nbefore them."
        #expect(
            outputMatches(
                "177 Keras layers run as 58 steps: 53 batch norms folded\ninto the convolution before them.",
                expected: expected))
        #expect(outputMatches("ReLU 在卷积里一并\n完成；输入层不算一步。", expected: "ReLU 在卷积里一并完成；\n输入层不算一步。"))
        #expect(!outputMatches("53 batch norms folded", expected: "54 batch norms folded"))
        // Two wildcards in a row, as a line ending in `…` before a line of `…` makes them.
        #expect(outputMatches("pool_2  MaxPooling2D  0\nfc1000  Dense  9", expected: "pool_… …\n…\nfc1000 …"))
    }

    @Test func unclosedBlockIsAClearError() {
        #expect(throws: LessonError.self) { try Lesson(markdown: "# T\n```reslab\nx = 1\n", number: 1, language: "en") }
    }
}

@Suite struct LessonSessionTests {
    func library() throws -> LessonLibrary {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "reslab-lessons-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("en"), withIntermediateDirectories: true)
        try LessonFormatTests.sample.write(
            to: folder.appendingPathComponent("en/09-test.md"), atomically: true, encoding: .utf8)
        return LessonLibrary(directory: folder.path)
    }

    @Test func wholeLessonRunsAndChecksEveryCell() throws {
        let notebook = Notebook()
        notebook.lessons = try library()
        let (transcript, failures) = try notebook.runWholeLesson(9, language: "en")
        #expect(failures == 0, "\(transcript)")
        #expect(transcript.contains("[Lesson 9 · 3/3]") && transcript.contains("(None, 8, 8, 3)"))
    }

    @Test func stepsMoveWithNextBackGotoAndTheLearnerMayTypeBetween() throws {
        let notebook = Notebook()
        notebook.lessons = try library()
        #expect(notebook.run("%lesson 9 en").output.contains("[Lesson 9 · 1/3]"))
        let ran = notebook.run("run")
        #expect(ran.source == "x = Input(shape=(8, 8, 3))" && ran.output.hasSuffix("(None, 8, 8, 3)>"))
        #expect(notebook.run("y = 1 + 1").output == "")  // anything in between
        #expect(notebook.run("next").output.contains("[Lesson 9 · 2/3]"))
        #expect(notebook.run("run").output.hasPrefix("error: "))  // the lesson expects this error: no complaint
        #expect(!notebook.run("run").output.contains("the lesson expects"))
        #expect(notebook.run("goto 3").output.contains("[Lesson 9 · 3/3]"))
        #expect(notebook.run("back").output.contains("[Lesson 9 · 2/3]"))
        #expect(!notebook.cells.map(\.source).contains("next"), "moving through a lesson is not a cell")
    }

    @Test func progressIsRememberedAcrossSessions() throws {
        let library = try library()
        let store = LessonProgress(path: library.directory + "/state/lessons.json")
        let first = Notebook()
        first.lessons = library
        first.progress = store
        _ = first.run("%lesson 9 en")
        _ = first.run("next")
        _ = first.run("next")
        let second = Notebook()
        second.lessons = library
        second.progress = store
        #expect(second.run("%lesson 9 en").output.contains("[Lesson 9 · 3/3]"))
    }

    @Test func defaultLanguageFollowsLANG() {
        #expect(Language.fromEnvironment(["LANG": "zh_CN.UTF-8"]) == .zh)
        #expect(Language.fromEnvironment(["LANG": "en_US.UTF-8"]) == .en)
        #expect(Language.fromEnvironment(["LC_ALL": "zh_TW.UTF-8", "LANG": "en_US.UTF-8"]) == .zh)
        #expect(Language.fromEnvironment([:]) == .en)
    }
}

@Suite struct ShippedLessonsTests {
    @Test func chineseAndEnglishLessonsHaveTheSameCells() throws {
        let library = LessonLibrary.standard()
        let zh = try library.files(language: "zh").map(\.number)
        let en = try library.files(language: "en").map(\.number)
        #expect(zh == en && !zh.isEmpty && zh == Array(1...zh.count), "zh \(zh), en \(en)")
        for number in zh {
            let a = try library.lesson(number, language: "zh")
            let b = try library.lesson(number, language: "en")
            #expect(a.steps.map(\.cell) == b.steps.map(\.cell), "lesson \(number): cells differ")
            // What reslab says itself is in the learner's language; everything else a cell prints is the same.
            for (zhStep, enStep) in zip(a.steps, b.steps) {
                #expect((zhStep.expected == nil) == (enStep.expected == nil), "lesson \(number): \(zhStep.cell)")
                guard let expected = zhStep.expected, !expected.unicodeScalars.contains(where: { $0.value >= 0x3000 })
                else { continue }
                #expect(expected == enStep.expected, "lesson \(number): expected outputs differ")
            }
        }
    }
}

/// Stepping the shipped lessons as a learner does: resuming, jumping, skipping, the end.
@Suite struct SteppingTests {
    private func notebook(progressAt directory: String? = nil) -> Notebook {
        let notebook = Notebook()
        if let directory { notebook.progress = LessonProgress(path: directory + "/lessons.json") }
        return notebook
    }

    private func temporaryDirectory() -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("reslab-stepping-\(UUID().uuidString)")
            .path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func aResumedLessonReplaysTheStepsBeforeAndItsNextRunWorks() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = notebook(progressAt: directory)
        _ = first.run("%lesson 2 en")
        for _ in 0..<5 { _ = first.run("next") }
        let second = notebook(progressAt: directory)
        let opening = second.run("%lesson 2 en").output
        #expect(opening.hasPrefix("(replayed steps 1–5)\n[Lesson 2 · 6/"), "\(opening)")
        let cell = second.run("run")
        #expect(!cell.isError && !cell.output.contains("the lesson expects"), "\(cell.output)")
    }

    @Test func gotoForwardReplaysAndBackDoesNot() {
        let n = notebook()
        _ = n.run("%lesson 2 en")
        _ = n.run("run")
        #expect(n.run("goto 8").output.hasPrefix("(replayed steps 2–7)"))
        #expect(!n.run("back").output.contains("replayed"))
        #expect(!n.run("run").isError)
    }

    @Test func runAfterSkippingWithNextRunsTheSkippedStepsFirst() {
        let n = notebook()
        _ = n.run("%lesson 2 en")
        _ = n.run("next")
        _ = n.run("next")
        let cell = n.run("run")
        #expect(cell.output.hasPrefix("(replayed steps 1–2)") && !cell.isError, "\(cell.output)")
    }

    @Test func theEndOfALessonOffersTheNextOne() {
        let n = notebook()
        _ = n.run("%lesson 1 en")
        let steps = n.openLesson?.steps.count ?? 0
        _ = n.run("goto \(steps)")
        #expect(n.run("next").output.contains("Next: %lesson 2 ("))
    }

    @Test func theLessonListSaysWhereEachWasLeft() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let n = notebook(progressAt: directory)
        _ = n.run("%lesson 3 en")
        _ = n.run("next")
        let list = n.run("%lessons").output
        #expect(list.contains("3. ") && list.contains("(left at step 2 of"), "\(list)")
    }

    @Test func classifyUsesTheWeightsOfTheSessionsModel() throws {
        let n = notebook()
        let chelsea = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Lessons/images/chelsea.png").path
        _ = n.run("model = ResNet50()")
        #expect(n.run("%classify '\(chelsea)'").error?.contains("no trained weights") == true)
        _ = n.run("%random_weights model 3")
        let cell = n.run("%classify '\(chelsea)'")
        #expect(!cell.isError && cell.output.contains("[RANDOM weights"), "\(cell.output)")
    }

    @Test func aLessonWithoutTrainedWeightsGivesResNet50RandomWeightsAndSaysSo() {
        let n = notebook()
        _ = n.run("%lesson 6 en")
        let cell = n.run("run")
        #expect(cell.output.contains("seeded RANDOM weights"), "\(cell.output)")
    }
}

@Suite struct SavedLessonTests {
    @Test func savedNotebookHasTheLessonsProseAsMarkdownAndNoEscapeCodes() throws {
        let n = Notebook()
        n.color = true
        _ = n.run("%lesson 2 en")
        _ = n.run("run")
        _ = n.run("next")
        _ = n.run("run")
        let chelsea = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Lessons/images/chelsea.png").path
        _ = n.run("m = ResNet50()")
        _ = n.run("%random_weights m")
        #expect(n.run("%classify '\(chelsea)'").output.contains("\u{1B}["), "coloured on the screen")
        let ipynb = try n.ipynb()
        #expect(!ipynb.contains("\\u001b") && !ipynb.contains("\u{1B}"))
        #expect(ipynb.components(separatedBy: "\"cell_type\" : \"markdown\"").count == 3, "two steps shown")
        #expect(ipynb.contains("[Lesson 2 · 1/"))
        let markdown = n.markdown()
        #expect(!markdown.contains("\u{1B}") && markdown.contains("**[Lesson 2 · 2/"))
    }
}
