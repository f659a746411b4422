import Foundation
import Platform

// Lessons at the prompt: `%lessons`, `%lesson N [zh|en]`, then `run`, `next`, `back`, `goto N`,
// `again`. The learner may type anything between steps; the lesson waits where it was.

/// Where each lesson was left, kept across restarts (`$XDG_STATE_HOME/reslab/lessons.json`).
public struct LessonProgress {
    public let path: String

    /// The file in the XDG state directory; `nil` when there is no home to keep it in.
    public static func standard(environment: [String: String] = XDG.processEnvironment) -> LessonProgress? {
        XDG.stateHome(environment: environment).map { LessonProgress(path: $0 + "/reslab/lessons.json") }
    }

    /// Steps reached, by "language/lesson".
    func load() -> [String: Int] {
        guard let data = FileManager.default.contents(atPath: path),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Int]
        else { return [:] }
        return object
    }

    /// Writes all or nothing, so a crash never leaves half a file.
    func save(_ steps: [String: Int]) throws(FileError) {
        try makeDirectories((path as NSString).deletingLastPathComponent, permissions: 0o700)
        guard let data = try? JSONSerialization.data(withJSONObject: steps, options: [.sortedKeys]) else { return }
        try atomicWrite(data, to: path)
    }
}

extension Notebook {
    /// `next`, `back`, `goto N`, `again` (and `run`, which `run(_:)` handles as a cell).
    func moveInLesson(_ move: LessonMove) throws -> String {
        guard let lesson = openLesson else {
            throw NotebookError.unsupported("no lesson is open: %lessons lists them, %lesson N opens one")
        }
        switch move {
        case .next:
            guard lessonStep + 1 < lesson.steps.count else {
                return (lesson.closing.isEmpty ? "" : lesson.closing + "\n\n")
                    + (lesson.language == "zh"
                        ? "这一课结束了。%lessons 列出所有课程。" : "That is the end of this lesson. %lessons lists them all.")
            }
            lessonStep += 1
        case .back:
            lessonStep = max(0, lessonStep - 1)
        case .again, .run:
            break
        case .goto(let n):
            guard (1...lesson.steps.count).contains(n) else {
                throw NotebookError.unsupported("goto takes a step from 1 to \(lesson.steps.count)")
            }
            lessonStep = n - 1
        }
        rememberProgress()
        return showStep()
    }

    public func openLesson(_ number: Int, language: String, step: Int? = nil) throws {
        let lesson = try lessons.lesson(number, language: language)
        openLesson = lesson
        lessonLanguage = language
        interpreter.variables["lesson_dir"] = .string(URL(fileURLWithPath: lessons.directory).standardizedFileURL.path)
        let remembered = progress?.load()["\(language)/\(number)"] ?? 0
        lessonStep = min(max(0, step ?? remembered), max(0, lesson.steps.count - 1))
    }

    func listLessons() throws -> String {
        try lessons.titles(language: lessonLanguage).map { "  \($0.0). \($0.1)" }.joined(separator: "\n")
            + (lessonLanguage == "zh" ? "\n%lesson N 打开一课。" : "\n%lesson N opens one.")
    }

    /// The open lesson's current step as shown at the prompt, if a lesson is open.
    public var currentLessonStep: String? { openLesson == nil ? nil : showStep() }

    /// The current step: progress, prose, and the cell to type or `run`.
    func showStep() -> String {
        guard let lesson = openLesson, lesson.steps.indices.contains(lessonStep) else { return "" }
        let step = lesson.steps[lessonStep]
        let hint =
            lesson.language == "zh"
            ? "（输入 run 运行这一格，next 下一步，back 上一步）" : "(type run to run it, next for the next step, back to go back)"
        let cell = step.cell.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n")
        // The progress tag already names the lesson: `[第1课 · 1/10] 什么是残差网络`.
        let title = lesson.title.components(separatedBy: " · ").dropFirst().joined(separator: " · ")
        return [
            lesson.progress(step: lessonStep + 1) + " " + (title.isEmpty ? lesson.title : title), step.prose, cell,
            hint,
        ]
        .filter { !$0.isEmpty }.joined(separator: "\n\n")
    }

    /// Runs the current step's cell as if typed, and says whether it printed what the lesson expects.
    func runLessonCell() -> Cell {
        guard let lesson = openLesson else { return run("") }
        let step = lesson.steps[lessonStep]
        let cell = run(step.cell, shouldCancel: interpreter.library.shouldCancel)
        guard let verdict = check(cell, against: step.expected) else { return cell }
        // The verdict follows what the cell showed; a failed cell stays failed.
        var checked = Cell(number: cell.number, source: cell.source, printed: cell.output + "\n" + verdict)
        if cell.isError {
            checked = Cell(
                number: cell.number, source: cell.source, printed: cell.printed, error: cell.error! + "\n" + verdict,
                errorLine: cell.errorLine)
        }
        return checked
    }

    /// `nil` when the cell did what the lesson expects, else what differs.
    func check(_ cell: Cell, against expected: String?) -> String? {
        let expectsError = expected?.trimmingWhitespace().hasPrefix("error:") ?? false
        if cell.isError && !expectsError {
            let skipped =
                cell.output.contains("is not defined")
                ? " (a step before it may have been skipped: back, or goto N)" : ""
            return "this cell failed, but the lesson expects it to work" + skipped
        }
        guard let expected else { return nil }
        if outputMatches(cell.output, expected: expected) { return nil }
        return "the lesson expects:\n" + expected
    }

    private func rememberProgress() {
        guard let lesson = openLesson, let progress else { return }
        var steps = progress.load()
        steps["\(lesson.language)/\(lesson.number)"] = lessonStep
        // Progress is a convenience: a lesson goes on when it cannot be written.
        try? progress.save(steps)
    }

    /// `reslab lesson N --non-interactive`: every step's prose and cell, its output, and a check.
    /// - Returns: the transcript and the number of cells that failed or printed something else.
    public func runWholeLesson(_ number: Int, language: String) throws -> (transcript: String, failures: Int) {
        try openLesson(number, language: language, step: 0)
        guard let lesson = openLesson else { return ("", 0) }
        var transcript = ["# " + lesson.title]
        var failures = 0
        for (index, step) in lesson.steps.enumerated() {
            lessonStep = index
            transcript.append(lesson.progress(step: index + 1))
            if !step.prose.isEmpty { transcript.append(step.prose) }
            let cell = run(step.cell)
            transcript.append("In [\(cell.number)]: " + step.cell.replacingOccurrences(of: "\n", with: "\n   ...: "))
            if !cell.output.isEmpty { transcript.append(cell.output) }
            if let problem = check(cell, against: step.expected) {
                failures += 1
                transcript.append("FAILED: " + problem)
            }
        }
        if !lesson.closing.isEmpty { transcript.append(lesson.closing) }
        return (transcript.joined(separator: "\n\n"), failures)
    }
}
