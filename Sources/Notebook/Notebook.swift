import ResNetCore
import ResNetIO

/// One executed cell: what was typed, what it printed, its value, and whether it failed.
public struct Cell: Sendable {
    /// Jupyter's execution count: `In [3]:`.
    public let number: Int
    public let source: String
    /// The text shown under the cell before its value: `print` output, an assignment's echo, an error.
    public let printed: String
    /// The value of a bare expression: Jupyter shows it as `Out[n]:`.
    public let result: String?
    public let isError: Bool

    /// Everything shown under the cell, without colour.
    public var output: String { [printed, result ?? ""].filter { !$0.isEmpty }.joined(separator: "\n") }
}

/// What running a line shows: printed text, then (for a bare expression) its value.
struct Shown {
    var printed: [String] = []
    var result: String?

    /// Everything as one text (`%time` shows the inner line's value as printed text).
    var text: String { (printed + [result].compactMap { $0 }).joined(separator: "\n") }
}

/// A notebook session: variables and layers persist from cell to cell, as in Jupyter.
///
/// Cells are the tutorial's Keras lines, or commands (`%path x`, `%compare`, `save NAME.ipynb`, `help`;
/// see ``CommandSpec``).
public final class Notebook {
    public private(set) var cells: [Cell] = []
    let interpreter = Interpreter()
    /// Whether output may carry ANSI colour (tables and bars).
    public var color = false
    /// The network `%classify` keeps between cells.
    var classifierCache: ModelHandle?

    // MARK: Lessons
    /// Where the lessons are.
    public var lessons = LessonLibrary.standard()
    /// The language `%lesson N` opens (default from `LANG`).
    public var lessonLanguage = LessonLibrary.defaultLanguage()
    /// Where lesson progress is remembered; `nil` remembers nothing.
    public var progress: LessonProgress?
    var openLesson: Lesson?
    var lessonStep = 0
    /// When set, `ResNet50()` without trained weights gets seeded random weights (lessons run in CI).
    public var randomWeightsFallbackSeed: UInt64? {
        get { interpreter.library.randomWeightsFallbackSeed }
        set { interpreter.library.randomWeightsFallbackSeed = newValue }
    }

    /// - Parameter cachedWeightsPath: the tutorial's weight file, used by `ResNet50()` when it exists.
    public init(cachedWeightsPath: String? = nil) {
        interpreter.library.cachedWeightsPath = cachedWeightsPath
    }

    /// The number the next cell will get.
    public var nextNumber: Int { cells.count + 1 }

    /// Runs one cell and records it. Errors become the cell's output; nothing is thrown.
    ///
    /// Moving through a lesson (`next`, `back`, `goto N`, `again`) is not a cell: it is neither numbered
    /// nor saved. `run` runs the lesson's cell as a cell of its own.
    ///
    /// - Parameter shouldCancel: polled during long work (a forward pass, `%sleep`); `true` stops it.
    @discardableResult
    public func run(_ source: String, shouldCancel: @escaping () -> Bool = { false }) -> Cell {
        interpreter.library.shouldCancel = shouldCancel
        let trimmed = source.trimmingWhitespace()
        if case .lessonStep(let move)? = try? Command.parse(trimmed), openLesson != nil {
            if move == .run { return runLessonCell() }
            do {
                return Cell(
                    number: nextNumber, source: source, printed: try moveInLesson(move), result: nil, isError: false)
            } catch {
                return Cell(number: nextNumber, source: source, printed: "error: \(error)", result: nil, isError: true)
            }
        }
        interpreter.library.printed = []
        let cell: Cell
        do {
            let shown = try execute(trimmed)
            cell = Cell(
                number: nextNumber, source: source, printed: shown.printed.joined(separator: "\n"),
                result: shown.result, isError: false)
        } catch {
            cell = Cell(
                number: nextNumber, source: source,
                printed: (interpreter.library.printed + ["error: \(error)"]).joined(separator: "\n"), result: nil,
                isError: true)
        }
        if !trimmed.isEmpty { cells.append(cell) }
        return cell
    }

    /// Runs a command or a line of Python and returns what it shows.
    func execute(_ source: String) throws -> Shown {
        guard !source.isEmpty else { return Shown() }
        if let command = try Command.parse(source), !isPythonName(command) {
            return Shown(printed: [try execute(command)].filter { !$0.isEmpty })
        }
        let statement = try Parser.statement(source)
        let (value, assigned) = try interpreter.execute(statement)
        var shown = Shown(printed: interpreter.library.printed)
        guard let value else { return shown }
        switch (value, assigned.isEmpty) {
        case (.none, _):
            break
        case (_, true):
            shown.result = value.representation
        case (.tensor, false), (.model, false), (.layer, false), (.array, false), (.image, false),
            (.predictions, false):
            // The tutorial's lines are assignments: show what each one made, so every shape is seen at once.
            shown.printed.append("\(assigned.joined(separator: ", ")) = \(value.representation)")
        default:
            break
        }
        return shown
    }

    /// A lesson word with no lesson open is Python when a variable has that name (`next = 3; next`).
    private func isPythonName(_ command: Command) -> Bool {
        guard case .lessonStep(let move) = command, openLesson == nil else { return false }
        let word: String? =
            switch move {
            case .run: "run"
            case .next: "next"
            case .back: "back"
            case .again: "again"
            case .goto: nil
            }
        return word.map { interpreter.variables[$0] != nil } ?? false
    }

    // MARK: Completion

    /// What Tab offers for `word`, the last word of `line` (the text before the cursor): command names
    /// first on a line, a command's arguments after it, else variables, built-ins, members and layer names.
    public func completions(line: String, word: String) -> [String] {
        let before = String(line.dropLast(word.count))
        if let (spec, words, _) = CommandSpec.parsedStart(of: line) {
            let position = words.count - (word.isEmpty ? 0 : 1)
            return argumentCompletions(spec.argument(at: position), word: word, line: line, spec: spec)
        }
        var candidates = pythonNames(for: word)
        if before.trimmingWhitespace().isEmpty {
            candidates += CommandSpec.typedNames(lessonOpen: openLesson != nil) + ["exit()"]
        }
        return Array(Set(candidates.filter { $0.hasPrefix(word) })).sorted()
    }

    private func argumentCompletions(_ argument: CommandArgument?, word: String, line: String, spec: CommandSpec)
        -> [String]
    {
        let candidates: [String]
        switch argument {
        case .variable(_, let kinds)?:
            candidates = interpreter.variables.filter { kinds.contains($0.value.kind) }.map(\.key)
        case .path?:
            candidates = interpreter.variables.filter { $0.value.kind == .string }.map(\.key)
        case .lessonNumber?:
            candidates = ((try? lessons.files(language: lessonLanguage)) ?? []).map { String($0.number) }
        case .choice(let words)?:
            candidates = words
        case .line?:
            // `%time LINE`: complete LINE as a line of its own.
            let rest = CommandSpec.parsedStart(of: line)?.rest ?? ""
            return completions(line: rest, word: word)
        default:
            candidates = []
        }
        let options = spec.parameters.compactMap { parameter -> String? in
            switch parameter.argument {
            case .option(let name, _), .flag(let name): return "--" + name
            default: return nil
            }
        }
        return Array(Set((candidates + (word.hasPrefix("-") ? options : [])).filter { $0.hasPrefix(word) })).sorted()
    }

    /// Variables, built-ins, `owner.member` names and the graph's layer names.
    private func pythonNames(for word: String) -> [String] {
        if let dot = word.lastIndex(of: ".") {
            let owner = String(word[..<dot])
            guard let value = try? interpreter.lookup(owner), let members = interpreter.library.members(of: value)
            else { return [] }
            return members.names.map { owner + "." + $0 + (members.methods.contains($0) ? "(" : "") }
        }
        return Array(interpreter.variables.keys) + Array(interpreter.library.globals.keys)
            + interpreter.library.graph.nodes.map(\.name)
    }
}

extension String {
    /// The text without leading and trailing white space.
    public func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
