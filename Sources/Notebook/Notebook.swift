import Platform
import ResNetCore
import ResNetIO

/// One executed cell: what was typed, what it printed, its value or its error.
public struct Cell: Sendable {
    /// Jupyter's execution count: `In [3]:`.
    public let number: Int
    public let source: String
    /// The text shown under the cell before its value or error: `print` output, an assignment's echo.
    public let printed: String
    /// The value of a bare expression: Jupyter shows it as `Out[n]:`.
    public var result: String? = nil
    /// What went wrong, in one message (shown after `error: `).
    public var error: String? = nil
    /// The line of the cell (1-based) where its error is, when known.
    public var errorLine: Int? = nil
    /// The pictures it drew, after its text: drawn in the terminal, saved as `image/png` outputs.
    public var pictures: [Picture] = []

    public var isError: Bool { error != nil }

    /// What the cell printed, its value and its error, without colour.
    public var text: String {
        [printed, result ?? "", error.map { "error: " + $0 } ?? ""].filter { !$0.isEmpty }.joined(separator: "\n")
    }

    /// Everything shown under the cell as text: ``text``, then its pictures by their captions.
    public var output: String { ([text] + pictures.map(\.caption)).filter { !$0.isEmpty }.joined(separator: "\n") }
}

/// A picture a cell shows (an image, feature maps, a class activation map), with one line saying
/// what it is: the terminal draws the image (or only the caption where it cannot), a saved notebook
/// keeps it as a PNG.
public struct Picture: Sendable, Equatable {
    public let image: RGBImage
    /// What the picture shows, in the learner's language: `feature maps of res2a_branch2c: …`.
    public let caption: String

    public init(image: RGBImage, caption: String) {
        self.image = image
        self.caption = caption
    }
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
    /// The session as a notebook shows it: code cells, and the prose of the lesson steps shown between them.
    public private(set) var entries: [Entry] = []
    /// The code cells, in order.
    public var cells: [Cell] { entries.compactMap { if case .code(let cell) = $0 { cell } else { nil } } }

    /// One entry of the session.
    public enum Entry: Sendable {
        case code(Cell)
        /// Markdown: a lesson step's title and prose.
        case markdown(String)
    }
    let interpreter = Interpreter()
    /// Whether output may carry ANSI colour (tables and bars).
    public var color = false
    /// The terminal's width in columns (80 without one): lesson prose wraps to it (at most 100 columns,
    /// see ``TextWidth``), and `%path` and `%compare` choose a layout that fits it.
    public var width = TextWidth.standard
    /// The network `%classify` keeps between cells.
    var classifierCache: ModelHandle?
    /// How many `%time` commands are running, one inside another (`%time %time x`).
    var timeNesting = 0
    /// The most `%time` commands one line may hold one inside another: each runs the rest as a line of its own.
    static let maximumTimeNesting = 10

    // MARK: Lessons
    /// Where the lessons are.
    public var lessons = LessonLibrary.standard()
    /// The language `%lesson N` opens (default from `LANG`).
    public var lessonLanguage = Language.current.rawValue
    /// Where lesson progress is remembered; `nil` remembers nothing.
    public var progress: LessonProgress?
    /// Whether this session has said that progress could not be written (it says so once).
    var warnedAboutProgress = false
    var openLesson: Lesson?
    var lessonStep = 0
    /// The open lesson's steps whose cells have run in this session.
    var ranSteps = Set<Int>()
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
    public var nextNumber: Int { codeCellCount + 1 }
    private var codeCellCount = 0

    /// Runs one cell and records it. Errors become the cell's output; nothing is thrown.
    ///
    /// Moving through a lesson (`next`, `back`, `goto N`, `again`) is not a cell: it is neither numbered
    /// nor saved. `run` runs the lesson's cell as a cell of its own.
    ///
    /// - Parameter shouldCancel: polled during long work (a forward pass, `%sleep`); `true` stops it.
    /// - Parameter firstLine: the line `source` starts on in its file, so that errors name the file's lines.
    @discardableResult
    public func run(_ source: String, firstLine: Int = 1, shouldCancel: @escaping () -> Bool = { false }) -> Cell {
        interpreter.library.shouldCancel = shouldCancel
        guard source.utf8.count <= SourceText.maximumCellBytes else {
            let error = Message.cellTooLong(limit: SourceText.maximumCellBytes).localized
            let cell = Cell(number: nextNumber, source: "", printed: "", error: error, errorLine: firstLine)
            entries.append(.code(cell))
            codeCellCount += 1
            return cell
        }
        let trimmed = source.trimmingWhitespace()
        if case .lessonStep(let move)? = try? Command.parse(trimmed), openLesson != nil {
            if move == .run { return runLessonCell() }
            do {
                return Cell(number: nextNumber, source: source, printed: try moveInLesson(move))
            } catch {
                return Cell(number: nextNumber, source: source, printed: "", error: "\(error)")
            }
        }
        interpreter.library.printed = []
        interpreter.library.pictures = []
        var cell: Cell
        do {
            let shown = try TextWidth.$current.withValue(width) { try execute(trimmed, firstLine: firstLine) }
            cell = Cell(
                number: nextNumber, source: source, printed: shown.printed.joined(separator: "\n"),
                result: shown.result)
        } catch {
            cell = Cell(
                number: nextNumber, source: source, printed: interpreter.library.printed.joined(separator: "\n"),
                error: "\(error)",
                errorLine: (error as? StatementError)?.line ?? (error as? SyntaxError)?.line ?? firstLine)
        }
        cell.pictures = interpreter.library.pictures
        if !trimmed.isEmpty {
            entries.append(.code(cell))
            codeCellCount += 1
        }
        return cell
    }

    /// Runs a command or a line of Python and returns what it shows.
    func execute(_ source: String, firstLine: Int = 1) throws -> Shown {
        guard !source.isEmpty else { return Shown() }
        if let command = try Command.parse(source), !isPythonName(command) {
            return Shown(printed: [try execute(command)].filter { !$0.isEmpty })
        }
        let statements = try Parser.cell(source, firstLine: firstLine)
        // A block runs as Python runs it, showing only what it prints; a single line shows what it made.
        guard statements.count == 1, let statement = statements.first?.statement, statement.isSimple else {
            try interpreter.runTopLevel(statements)
            return Shown(printed: interpreter.library.printed)
        }
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

    /// Records a lesson step's prose as a markdown entry (once, when it is shown again).
    func recordProse(_ markdown: String) {
        if case .markdown(markdown)? = entries.last { return }
        entries.append(.markdown(markdown))
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

    /// The cells of a file or a paste: one per top-level statement (see ``SourceText/cells(_:)``), and a
    /// note when something had to be said about the text as a whole.
    /// Code copied from the tutorial's page, whose indentation was lost, gets it back first (the note
    /// says so); the text's lines keep their numbers.
    public func cells(of text: String) -> (cells: [CellSource], note: String?) {
        if let (restored, note) = restoreIndentation(text) { return (SourceText.cells(restored), note) }
        return (SourceText.cells(text), nil)
    }

    // MARK: Completion

    /// What Tab offers for `word`, the last word of `line` (the text before the cursor): command names
    /// first on a line, a command's arguments after it, else variables, built-ins, members and layer names.
    public func completions(line: String, word: String) -> [String] {
        var line = line
        // What follows `%time ` (or `%show ` past its first word) is completed as a line of its own: a loop
        // as deep as a cell may nest `%time`, then nothing, however long the chain typed.
        for _ in 0...Self.maximumTimeNesting {
            guard let (spec, words, rest) = CommandSpec.parsedStart(of: line) else {
                var candidates = pythonNames(for: word)
                if String(line.dropLast(word.count)).trimmingWhitespace().isEmpty {
                    candidates += CommandSpec.typedNames(lessonOpen: openLesson != nil) + ["exit()"]
                }
                return Array(Set(candidates.filter { $0.hasPrefix(word) })).sorted()
            }
            let argument = spec.argument(at: words.count - (word.isEmpty ? 0 : 1))
            switch argument {
            case .line?: line = rest
            case .expression? where rest != word: line = rest
            default: return argumentCompletions(argument, word: word, spec: spec)
            }
        }
        return []
    }

    /// How Tab lists the completions of `line` when a completion alone says too little: after `%lesson `,
    /// each lesson number with its title (`3  Conv Block`). Empty otherwise.
    public func completionLabels(line: String) -> [String: String] {
        guard let (spec, words, _) = CommandSpec.parsedStart(of: line) else { return [:] }
        let typing = !(line.last?.isWhitespace ?? true)
        guard case .lessonNumber? = spec.argument(at: words.count - (typing ? 1 : 0)),
            let titles = try? lessons.titles(language: lessonLanguage)
        else { return [:] }
        let width = titles.map { String($0.0).count }.max() ?? 1
        return Dictionary(
            uniqueKeysWithValues: titles.map { number, title in
                let digits = String(number)
                return (digits, digits + String(repeating: " ", count: width - digits.count) + "  " + title)
            })
    }

    /// The completions of `word` as `spec`'s `argument`.
    private func argumentCompletions(_ argument: CommandArgument?, word: String, spec: CommandSpec) -> [String] {
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
        case .expression(_, let kinds)?:
            // `%show EXPR`'s first word: the variables that hold one of `kinds`, or what Python would offer.
            let fitting = interpreter.variables.filter { kinds.contains($0.value.kind) }.map(\.key)
            candidates = fitting.contains { $0.hasPrefix(word) } ? fitting : pythonNames(for: word)
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
