import ResNetCore
import ResNetIO

/// One executed cell: what was typed, what it printed, and whether it failed.
public struct Cell: Sendable {
    /// Jupyter's execution count: `In [3]:`.
    public let number: Int
    public let source: String
    /// The text shown under the cell (`print` output, then the echoed value), without colour.
    public let output: String
    public let isError: Bool
    /// The value of a bare expression (the last part of `output`): Jupyter shows it as `Out[n]:`.
    public let result: String?
}

/// A notebook session: variables and layers persist from cell to cell, as in Jupyter.
///
/// Cells are the tutorial's Keras lines, or commands that start with `%` (`%path x`, `%compare`, …),
/// or `save NAME.ipynb`, `help`.
public final class Notebook {
    public private(set) var cells: [Cell] = []
    let interpreter = Interpreter()
    /// Whether output may carry ANSI colour (tables and bars).
    public var color = false
    /// The network `%classify` keeps between cells.
    var classifierCache: ModelHandle?
    /// The bare-expression value of the cell being run.
    private var lastResult: String?

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
        get { interpreter.randomWeightsFallbackSeed }
        set { interpreter.randomWeightsFallbackSeed = newValue }
    }

    /// - Parameter cachedWeightsPath: the tutorial's weight file, used by `ResNet50()` when it exists.
    public init(cachedWeightsPath: String? = nil) {
        interpreter.cachedWeightsPath = cachedWeightsPath
    }

    /// The number the next cell will get.
    public var nextNumber: Int { cells.count + 1 }

    /// Runs one cell and records it. Errors become the cell's output; nothing is thrown.
    ///
    /// - Parameter shouldCancel: polled during long work (a forward pass, `%sleep`); `true` stops it.
    @discardableResult
    public func run(_ source: String, shouldCancel: @escaping () -> Bool = { false }) -> Cell {
        let trimmed = source.trimmingWhitespace()
        if openLesson != nil && (trimmed == "run" || trimmed == "%run") {
            interpreter.shouldCancel = shouldCancel
            return runLessonCell()
        }
        // Moving through a lesson is not a cell: it is neither numbered nor saved.
        if isLessonCommand(trimmed) {
            do {
                return Cell(
                    number: nextNumber, source: source, output: try lessonCommand(trimmed), isError: false, result: nil)
            } catch {
                return Cell(number: nextNumber, source: source, output: "error: \(error)", isError: true, result: nil)
            }
        }
        interpreter.shouldCancel = shouldCancel
        interpreter.printed = []
        var output: String
        var isError = false
        lastResult = nil
        do {
            output = try execute(trimmed)
        } catch {
            isError = true
            output = (interpreter.printed + ["error: \(error)"]).joined(separator: "\n")
        }
        let cell = Cell(
            number: nextNumber, source: source, output: output, isError: isError, result: isError ? nil : lastResult)
        if !trimmed.isEmpty { cells.append(cell) }
        return cell
    }

    func execute(_ source: String) throws -> String {
        guard !source.isEmpty else { return "" }
        if isLessonCommand(source) { return try lessonCommand(source) }
        if source.hasPrefix("%") || source == "help" || source.hasPrefix("save ") || source == "save" {
            return try runCommand(source)
        }
        let statement = try Parser.statement(source)
        let (value, assigned) = try interpreter.execute(statement)
        var lines = interpreter.printed
        if let value {
            switch (value, assigned.isEmpty) {
            case (.none, _):
                break
            case (_, true):
                lastResult = value.representation
                lines.append(value.representation)
            case (.tensor, false), (.model, false), (.layer, false), (.array, false), (.image, false),
                (.predictions, false):
                // The tutorial's lines are assignments: show what each one made, so every shape is seen at once.
                lines.append("\(assigned.joined(separator: ", ")) = \(value.representation)")
            default:
                break
            }
        }
        return lines.joined(separator: "\n")
    }

    /// Names for Tab: commands, variables, built-ins and layer names of the graph so far.
    public func completions(for word: String) -> [String] {
        var candidates = Set(interpreter.variables.keys).union(interpreter.builtins.keys)
        candidates.formUnion(Commands.all.map { "%" + $0 })
        candidates.formUnion(["help", "save", "exit()"])
        candidates.formUnion(interpreter.graph.nodes.map(\.name))
        for module in ["layers.add", "image.load_img", "image.img_to_array", "np.expand_dims"] {
            candidates.insert(module)
        }
        for (name, value) in interpreter.variables {
            if case .model = value {
                for method in ["summary()", "load_weights(", "predict(", "layers", "count_params()"] {
                    candidates.insert("\(name).\(method)")
                }
            }
        }
        return candidates.filter { $0.hasPrefix(word) }.sorted()
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
