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

    /// Steps reached, by "language/lesson"; none when the file is missing, unreadable or not such a table.
    func load() -> [String: Int] {
        Self.steps(in: ((try? readFileIfPresent(path, limit: Self.sizeLimit)) ?? nil) ?? [])
    }

    /// Records that lesson `key` ("language/lesson") was left at `step`. The file is read, changed and
    /// rewritten (all or nothing) under a lock beside it (`lessons.json.lock`), so that another session's
    /// entries, written meanwhile, are kept.
    func record(step: Int, for key: String) throws(FileError) {
        try updateFile(path, limit: Self.sizeLimit) { current in
            var steps = Self.steps(in: current)
            steps[key] = step
            let data = try? JSONSerialization.data(withJSONObject: steps, options: [.sortedKeys])
            return data.map(Array.init) ?? current
        }
    }

    /// A progress file larger than this is not read (it holds a few dozen short entries).
    static let sizeLimit = 1 << 20

    private static func steps(in bytes: [UInt8]) -> [String: Int] {
        (try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Int]) ?? [:]
    }
}

extension Notebook {
    /// `next`, `back`, `goto N`, `again` (and `run`, which `run(_:)` handles as a cell).
    func moveInLesson(_ move: LessonMove) throws -> String {
        guard let lesson = openLesson else {
            throw NotebookError.unsupported(Message.noLessonOpen.localized)
        }
        var replayed: String?
        switch move {
        case .next:
            guard lessonStep + 1 < lesson.steps.count else {
                return (lesson.closing.isEmpty ? "" : lesson.closing + "\n\n") + endOfLesson(lesson)
            }
            lessonStep += 1
        case .back:
            lessonStep = max(0, lessonStep - 1)
        case .again, .run:
            break
        case .goto(let n):
            guard (1...lesson.steps.count).contains(n) else {
                throw NotebookError.unsupported(Message.gotoRange(lesson.steps.count).localized)
            }
            lessonStep = n - 1
            // Jumping forward runs the steps in between, so that this step's cell finds their variables.
            replayed = replay(before: lessonStep)
        }
        let warning = rememberProgress()
        recordStepProse()
        return [warning, replayed, showStep()].compactMap { $0 }.joined(separator: "\n")
    }

    /// What the end of a lesson says: the next lesson, if there is one.
    private func endOfLesson(_ lesson: Lesson) -> String {
        let titles = (try? lessons.titles(language: lesson.language)) ?? []
        let next = titles.first(where: { $0.0 > lesson.number })
        return Message.endOfLesson(next: next?.0, title: next?.1).localized
    }

    /// Runs, quietly, the cells of the steps before `step` that have not run in this session, so that the
    /// learner's next `run` finds their variables; says which ones, or `nil` when none were missing.
    func replay(before step: Int) -> String? {
        guard let lesson = openLesson else { return nil }
        let missing = (0..<min(step, lesson.steps.count)).filter { !ranSteps.contains($0) }
        guard !missing.isEmpty else { return nil }
        for index in missing {
            interpreter.library.printed = []
            _ = try? execute(lesson.steps[index].cell)
            ranSteps.insert(index)
        }
        interpreter.library.printed = []
        let ranges = stepRanges(missing.map { $0 + 1 })
        return Message.replayedSteps(ranges).localized
    }

    /// `1–10`, `1–3, 5`.
    private func stepRanges(_ steps: [Int]) -> String {
        var parts = [String]()
        var start = steps[0]
        var end = start
        for step in steps.dropFirst() {
            if step == end + 1 {
                end = step
                continue
            }
            parts.append(start == end ? "\(start)" : "\(start)–\(end)")
            (start, end) = (step, step)
        }
        parts.append(start == end ? "\(start)" : "\(start)–\(end)")
        return parts.joined(separator: ", ")
    }

    /// Opens a lesson where it was left (or at `step`), running the steps before it quietly, and returns what
    /// to show: a line saying which steps were replayed, then the step.
    ///
    /// Without the trained weights, the lesson's `ResNet50()` gets seeded random weights (it says so once,
    /// and every prediction says RANDOM), so that every step works offline.
    @discardableResult
    public func openLesson(_ number: Int, language: String, step: Int? = nil) throws -> String {
        let lesson = try lessons.lesson(number, language: language)
        openLesson = lesson
        lessonLanguage = language
        ranSteps = []
        defineLessonDirectory()
        if interpreter.library.cachedWeights == nil && randomWeightsFallbackSeed == nil {
            randomWeightsFallbackSeed = 1
        }
        let remembered = progress?.load()["\(language)/\(number)"] ?? 0
        lessonStep = min(max(0, step ?? remembered), max(0, lesson.steps.count - 1))
        let replayed = replay(before: lessonStep)
        recordStepProse()
        return [replayed, showStep()].compactMap { $0 }.joined(separator: "\n")
    }

    /// `lesson_dir`: the lessons folder, for the images the lessons read.
    func defineLessonDirectory() {
        interpreter.variables["lesson_dir"] = .string(URL(fileURLWithPath: lessons.directory).standardizedFileURL.path)
    }

    /// The current step's title and prose, for a saved notebook.
    private func recordStepProse() {
        guard let lesson = openLesson, lesson.steps.indices.contains(lessonStep) else { return }
        let step = lesson.steps[lessonStep]
        recordProse("**\(lesson.progress(step: lessonStep + 1)) \(lesson.title)**\n\n" + step.prose)
    }

    /// `%lessons`: every lesson's title, and where the learner left it.
    func listLessons() throws -> String {
        let remembered = progress?.load() ?? [:]
        let zh = lessonLanguage == "zh"
        return try lessons.files(language: lessonLanguage).map { file in
            let lesson = try lessons.lesson(file.number, language: lessonLanguage)
            var line = "  \(file.number). \(lesson.title)"
            if let step = remembered["\(lessonLanguage)/\(file.number)"], step > 0 {
                line +=
                    zh
                    ? "（停在第 \(step + 1)/\(lesson.steps.count) 步）"
                    : " (left at step \(step + 1) of \(lesson.steps.count))"
            }
            return line
        }.joined(separator: "\n") + (zh ? "\n%lesson N 打开一课。" : "\n%lesson N opens one.")
    }

    /// The current step: progress, prose, and the cell to type or `run`.
    func showStep() -> String {
        guard let lesson = openLesson, lesson.steps.indices.contains(lessonStep) else { return "" }
        let step = lesson.steps[lessonStep]
        let hint = Message.stepHint.localized
        // The cell as it can be typed: a line too wide for the terminal breaks after a comma in brackets.
        let cell = step.cell.split(separator: "\n").map { wrapCode("    " + $0, width: width) }.joined(separator: "\n")
        // The progress tag already names the lesson: `[第1课 · 1/10] 什么是残差网络`.
        let title = lesson.title.components(separatedBy: " · ").dropFirst().joined(separator: " · ")
        let text = [
            lesson.progress(step: lessonStep + 1) + " " + (title.isEmpty ? lesson.title : title), step.prose, cell,
            hint,
        ]
        .filter { !$0.isEmpty }.joined(separator: "\n\n")
        // The cell's lines start with four spaces: the prose's wrapping leaves them as they are.
        return wrap(text, width: TextWidth.prose(columns: width))
    }

    /// Runs the current step's cell as if typed, and says whether it printed what the lesson expects.
    func runLessonCell() -> Cell {
        guard let lesson = openLesson else { return run("") }
        let step = lesson.steps[lessonStep]
        // Steps skipped with `next` run first, quietly, so that this cell finds what they made.
        let replayed = replay(before: lessonStep)
        ranSteps.insert(lessonStep)
        let cell = run(step.cell, shouldCancel: interpreter.library.shouldCancel)
        let verdict = check(cell, against: step.expected)
        guard replayed != nil || verdict != nil else { return cell }
        // The replay note before what the cell showed, the verdict after; a failed cell stays failed.
        let shown = [replayed, cell.isError ? cell.printed : cell.output, cell.isError ? nil : verdict]
        return Cell(
            number: cell.number, source: cell.source,
            printed: shown.compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "\n"),
            error: cell.error.map { error in [error, verdict].compactMap { $0 }.joined(separator: "\n") },
            errorLine: cell.errorLine, pictures: cell.pictures)
    }

    /// `nil` when the cell did what the lesson expects, else what differs.
    func check(_ cell: Cell, against expected: String?) -> String? {
        let expectsError = expected?.trimmingWhitespace().hasPrefix("error:") ?? false
        if cell.isError && !expectsError {
            // "name 'x' is not defined" (in the learner's language): a step before may have been skipped.
            let undefined = Message.nameNotDefined("").localized.components(separatedBy: "''").last ?? ""
            let skipped = cell.output.contains(undefined)
            return Message.cellFailedButExpectedToWork(skipped: skipped).localized
        }
        guard let expected else { return nil }
        if outputMatches(cell.output, expected: expected) { return nil }
        return Message.lessonExpects(expected).localized
    }

    /// Writes where the lesson is. Progress is a convenience: a lesson goes on when it cannot be written,
    /// but the first failure of a session is said, as a line to show before the step.
    private func rememberProgress() -> String? {
        guard let lesson = openLesson, let progress else { return nil }
        do throws(FileError) {
            try progress.record(step: lessonStep, for: "\(lesson.language)/\(lesson.number)")
            return nil
        } catch {
            guard !warnedAboutProgress else { return nil }
            warnedAboutProgress = true
            return Message.progressNotSaved(path: progress.path, reason: error.reason.localized).localized
        }
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
