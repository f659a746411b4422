import ResNetCore

// The prompt's commands, declared once. Each `CommandSpec` says a command's name, its arguments, a
// one-line summary and the lesson that teaches it; parsing, `help`, usage errors and Tab completion
// all read this table (as IPython's magics and swift-argument-parser's declarations do).

// MARK: - Commands as values

/// A command typed at the prompt, parsed: what to do and with which words.
public enum Command: Equatable, Sendable {
    case help(topic: String?)
    case save(path: String)
    case who
    case history
    case reset
    case shape(String)
    case path(String)
    case params(String)
    case flops(String)
    case layers(model: String, filter: String?)
    case plan(String)
    /// `%check identity_block`: the learner's function against the tutorial's.
    case check(String)
    case compare(input: Shape, filters: [Int], stride: Int)
    case classify(image: PathArgument, weights: ClassifyWeights?, top: Int)
    /// `%show EXPR`: an image, or an array of one, drawn as a picture.
    case show(String)
    case randomWeights(model: String, seed: UInt64)
    case time(String)
    case sleep(seconds: Double)
    case lessons
    case lesson(Int, language: String?)
    /// Moving through the open lesson: `run`, `next`, `back`, `again`, `goto N`.
    case lessonStep(LessonMove)
    /// `%path x --svg FILE`, `%diagram model --dot FILE`: a block or a whole model drawn into files.
    case diagram(DiagramRequest)
    /// `%cam [CLASS] [--png FILE] [--npy FILE]`: the class activation map of the last forward pass.
    case classActivationMap(classWord: String?, png: PathArgument?, npy: PathArgument?)
    /// `%features LAYER [N] [--png FILE]`: a grid of a layer's first N feature maps.
    case featureMaps(String, count: Int, png: PathArgument?)
    /// `%explain LAYER (h, w, c) [--json]`: one value of the last forward pass, worked out by hand.
    case explain(layer: String, index: [Int], json: Bool)
}

/// A step through the open lesson.
public enum LessonMove: Equatable, Sendable {
    case run, next, back, again
    case goto(Int)
}

/// A file named after a command: `'a.png'` (quoted, taken as written) or a bare word, which may be a
/// variable holding a string (`img_path`).
public enum PathArgument: Equatable, Sendable {
    case quoted(String)
    case word(String)
}

/// The weights `%classify` runs with when told.
public enum ClassifyWeights: Equatable, Sendable {
    case file(PathArgument)
    case random
}

// MARK: - The table

/// What one argument of a command is: for parsing, the usage line and completion.
enum CommandArgument: Sendable {
    /// A variable's name, completed from the variables whose value is one of `kinds`.
    case variable(String, kinds: Set<ValueKind>)
    /// A positive whole number.
    case integer(String)
    /// Several positive whole numbers that go together (`H W C`).
    case integers([String])
    /// A lesson's number, completed from the lessons there are.
    case lessonNumber
    /// One of a few words.
    case choice([String])
    /// Any one word.
    case word(String)
    /// A file: quoted, or a variable holding a string.
    case path(String)
    /// `--name VALUE`, anywhere after the command.
    case option(String, value: CommandArgumentValue)
    /// `--name`, anywhere after the command.
    case flag(String)
    /// The rest of the line as typed.
    case line(String)
    /// An expression: the rest of the line as typed, whose value should be one of `kinds` (Tab completes
    /// the variables that hold one).
    case expression(String, kinds: Set<ValueKind>)

    /// Whether the argument takes the rest of the line, spaces and all.
    var takesRestOfLine: Bool {
        switch self {
        case .line, .expression: return true
        default: return false
        }
    }

    var usage: String {
        switch self {
        case .variable(let name, _), .integer(let name), .word(let name), .path(let name), .line(let name),
            .expression(let name, _):
            return name
        case .integers(let names): return names.joined(separator: " ")
        case .lessonNumber: return "N"
        case .choice(let words): return words.joined(separator: "|")
        case .option(let name, let value): return "--\(name) \(value.rawValue)"
        case .flag(let name): return "--\(name)"
        }
    }
}

/// The value an option takes.
enum CommandArgumentValue: String, Sendable {
    case FILE, N
}

/// An argument and whether it may be left out.
struct CommandParameter: Sendable {
    let argument: CommandArgument
    let isOptional: Bool

    static func required(_ argument: CommandArgument) -> CommandParameter {
        .init(argument: argument, isOptional: false)
    }
    static func optional(_ argument: CommandArgument) -> CommandParameter {
        .init(argument: argument, isOptional: true)
    }
}

/// How a command is typed.
enum CommandForm: Sendable {
    /// `%name …`.
    case magic
    /// `name …` with no `%` (`help`, `save`).
    case word
    /// Inside a lesson: `name` or `%name`.
    case lessonStep
}

/// One command: everything the prompt knows about it.
struct CommandSpec: Sendable {
    let name: String
    let form: CommandForm
    let parameters: [CommandParameter]
    /// One line for `help`.
    let summary: Message
    /// The lesson that first uses it.
    let lesson: Int?
    /// Left out of `help` and completion (test helpers).
    var isHidden = false
    /// The typed command, from the arguments as parsed.
    let make: @Sendable (ParsedArguments) throws(CommandError) -> Command

    /// `%layers model [TEXT]`.
    var usage: String {
        ([typedName] + parameters.map { $0.isOptional ? "[\($0.argument.usage)]" : $0.argument.usage })
            .joined(separator: " ")
    }

    /// The name as typed: `%path`, `save`, `next`.
    var typedName: String { form == .magic ? "%" + name : name }
}

extension CommandSpec {
    /// Every command, in the order `help` lists them.
    static let all: [CommandSpec] = [
        CommandSpec(
            name: "shape", form: .magic,
            parameters: [.required(.variable("x", kinds: [.tensor, .array, .model, .image]))],
            summary: .summaryShape, lesson: nil
        ) { a throws(CommandError) in .shape(try a.word(0)) },
        CommandSpec(
            name: "path", form: .magic,
            parameters: [
                .required(.variable("x", kinds: [.tensor])), .optional(.option("svg", value: .FILE)),
                .optional(.option("dot", value: .FILE)),
            ],
            summary: .summaryPath, lesson: 1
        ) { a throws(CommandError) in
            let name = try a.word(0)
            guard a.optionalPath(1) != nil || a.optionalPath(2) != nil else { return .path(name) }
            return .diagram(DiagramRequest(name: name, scope: .block, svg: a.optionalPath(1), dot: a.optionalPath(2)))
        },
        CommandSpec(
            name: "compare", form: .magic,
            parameters: [
                .optional(.integers(["H", "W", "C"])), .optional(.integers(["F1", "F2", "F3"])),
                .optional(.integer("STRIDE")),
            ],
            summary: .summaryCompare,
            lesson: 4, make: Self.makeCompare),
        CommandSpec(
            name: "params", form: .magic, parameters: [.required(.variable("x", kinds: [.tensor, .model]))],
            summary: .summaryParams, lesson: 1
        ) { a throws(CommandError) in .params(try a.word(0)) },
        CommandSpec(
            name: "flops", form: .magic, parameters: [.required(.variable("x", kinds: [.tensor, .model]))],
            summary: .summaryFlops, lesson: 4
        ) { a throws(CommandError) in .flops(try a.word(0)) },
        CommandSpec(
            name: "layers", form: .magic,
            parameters: [.required(.variable("model", kinds: [.model, .tensor])), .optional(.word("TEXT"))],
            summary: .summaryLayers, lesson: 5
        ) { a throws(CommandError) in .layers(model: try a.word(0), filter: a.optionalWord(1)) },
        CommandSpec(
            name: "plan", form: .magic, parameters: [.required(.variable("model", kinds: [.model, .tensor]))],
            summary: .summaryPlan,
            lesson: 5
        ) { a throws(CommandError) in .plan(try a.word(0)) },
        CommandSpec(
            name: "check", form: .magic,
            parameters: [.required(.choice(["identity_block", "conv_block", "ResNet50"]))],
            summary: .summaryCheck, lesson: 2
        ) { a throws(CommandError) in .check(try a.word(0)) },
        CommandSpec(
            name: "classify", form: .magic,
            parameters: [
                .required(.path("IMAGE")), .optional(.option("weights", value: .FILE)), .optional(.flag("random")),
                .optional(.option("top", value: .N)),
            ],
            summary: .summaryClassify, lesson: 1,
            make: Self.makeClassify),
        CommandSpec(
            name: "show", form: .magic, parameters: [.required(.expression("EXPR", kinds: [.image, .array]))],
            summary: .summaryShow, lesson: 6
        ) { a throws(CommandError) in .show(try a.word(0)) },
        CommandSpec(
            name: "random_weights", form: .magic,
            parameters: [.required(.variable("model", kinds: [.model])), .optional(.integer("SEED"))],
            summary: .summaryRandomWeights, lesson: nil
        ) { a throws(CommandError) in
            .randomWeights(model: try a.word(0), seed: UInt64(a.optionalNumbers(1)?.first ?? 1))
        },
        CommandSpec(
            name: "time", form: .magic, parameters: [.required(.line("LINE"))],
            summary: .summaryTime, lesson: nil
        ) { a throws(CommandError) in .time(try a.word(0)) },
        CommandSpec(
            name: "sleep", form: .magic, parameters: [.required(.word("SECONDS"))],
            summary: .summarySleep, lesson: nil, isHidden: true
        ) { a throws(CommandError) in
            guard let seconds = Double(try a.word(0)), seconds >= 0, seconds <= 3600 else {
                throw .usage(a.spec)
            }
            return .sleep(seconds: seconds)
        },
        CommandSpec(
            name: "who", form: .magic, parameters: [], summary: .summaryWho, lesson: nil
        ) { _ throws(CommandError) in .who },
        CommandSpec(
            name: "history", form: .magic, parameters: [], summary: .summaryHistory, lesson: nil
        ) { _ throws(CommandError) in .history },
        CommandSpec(
            name: "reset", form: .magic, parameters: [], summary: .summaryReset, lesson: nil
        ) { _ throws(CommandError) in .reset },
        CommandSpec(
            name: "lessons", form: .magic, parameters: [], summary: .summaryLessons, lesson: nil
        ) { _ throws(CommandError) in .lessons },
        CommandSpec(
            name: "lesson", form: .magic, parameters: [.required(.lessonNumber), .optional(.choice(["zh", "en"]))],
            summary: .summaryLesson, lesson: nil
        ) { a throws(CommandError) in .lesson(try a.number(0), language: a.optionalWord(1)) },
        CommandSpec(
            name: "run", form: .lessonStep, parameters: [], summary: .summaryRun, lesson: nil
        ) { _ throws(CommandError) in .lessonStep(.run) },
        CommandSpec(
            name: "next", form: .lessonStep, parameters: [], summary: .summaryNext, lesson: nil
        ) { _ throws(CommandError) in .lessonStep(.next) },
        CommandSpec(
            name: "back", form: .lessonStep, parameters: [], summary: .summaryBack, lesson: nil
        ) { _ throws(CommandError) in .lessonStep(.back) },
        CommandSpec(
            name: "goto", form: .lessonStep, parameters: [.required(.integer("N"))],
            summary: .summaryGoto, lesson: nil
        ) { a throws(CommandError) in .lessonStep(.goto(try a.number(0))) },
        CommandSpec(
            name: "again", form: .lessonStep, parameters: [], summary: .summaryAgain,
            lesson: nil
        ) { _ throws(CommandError) in .lessonStep(.again) },
        CommandSpec(
            name: "save", form: .word, parameters: [.required(.path("NAME.ipynb|NAME.md"))],
            summary: .summarySave, lesson: nil
        ) { a throws(CommandError) in
            let path: String
            switch try a.path(0) {
            case .quoted(let text), .word(let text): path = text
            }
            guard path.hasSuffix(".ipynb") || path.hasSuffix(".md") else { throw .usage(a.spec) }
            return .save(path: path)
        },
        CommandSpec(
            name: "help", form: .word, parameters: [.optional(.word("NAME"))],
            summary: .summaryHelp, lesson: nil
        ) { a throws(CommandError) in .help(topic: a.optionalWord(0)) },
        CommandSpec(
            name: "diagram", form: .magic,
            parameters: [
                .required(.variable("model", kinds: [.model, .tensor])), .optional(.option("svg", value: .FILE)),
                .optional(.option("dot", value: .FILE)),
            ],
            summary: .summaryDiagram, lesson: nil
        ) { a throws(CommandError) in
            guard a.optionalPath(1) != nil || a.optionalPath(2) != nil else { throw .usage(a.spec) }
            return .diagram(
                DiagramRequest(name: try a.word(0), scope: .model, svg: a.optionalPath(1), dot: a.optionalPath(2)))
        },
        CommandSpec(
            name: "cam", form: .magic,
            parameters: [
                .optional(.word("CLASS")), .optional(.option("png", value: .FILE)),
                .optional(.option("npy", value: .FILE)),
            ],
            summary: .summaryCam, lesson: 6
        ) { a throws(CommandError) in
            .classActivationMap(classWord: a.optionalWord(0), png: a.optionalPath(1), npy: a.optionalPath(2))
        },
        CommandSpec(
            name: "features", form: .magic,
            parameters: [
                .required(.variable("LAYER", kinds: [.tensor])), .optional(.integer("N")),
                .optional(.option("png", value: .FILE)),
            ],
            summary: .summaryFeatures, lesson: 1
        ) { a throws(CommandError) in
            let count = a.optionalNumbers(1)?.first ?? 16
            guard (1...256).contains(count) else { throw .usage(a.spec) }
            return .featureMaps(try a.word(0), count: count, png: a.optionalPath(2))
        },
        CommandSpec(
            name: "explain", form: .magic, parameters: [.required(.line("LAYER (H, W, C) [--json]"))],
            summary: .summaryExplain, lesson: 6
        ) { a throws(CommandError) in
            guard let request = ExplainRequest.parse(try a.word(0)) else { throw .usage(a.spec) }
            return .explain(layer: request.layer, index: request.index, json: request.json)
        },
    ]

    /// The visible commands by name, for lookup.
    static let byName: [String: CommandSpec] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    /// `%compare [H W C] [F1 F2 F3] [STRIDE]`: the tutorial's stage-2 block by default; given only the
    /// input, filters of a quarter, a quarter and all of its channels.
    private static func makeCompare(_ a: ParsedArguments) throws(CommandError) -> Command {
        let input = a.optionalNumbers(0) ?? [55, 55, 256]
        let filters = a.optionalNumbers(1) ?? [input[2] / 4, input[2] / 4, input[2]]
        let stride = a.optionalNumbers(2)?.first ?? 2
        guard (input + filters + [stride]).allSatisfy({ (1...4096).contains($0) }) else { throw .usage(a.spec) }
        return .compare(input: input, filters: filters, stride: stride)
    }

    private static func makeClassify(_ a: ParsedArguments) throws(CommandError) -> Command {
        let image = try a.path(0)
        let file = a.optionalPath(1)
        let random = a.has(2)
        if file != nil && random { throw .usage(a.spec) }
        var top = 5
        if case .word(let word)? = a.optionalPath(3) {
            guard let number = Int(word), (1...1000).contains(number) else { throw .usage(a.spec) }
            top = number
        }
        return .classify(image: image, weights: file.map { .file($0) } ?? (random ? .random : nil), top: top)
    }
}

// MARK: - Parsing

/// A command line that does not fit its command.
public enum CommandError: Error, Equatable, CustomStringConvertible {
    /// The words do not fit the command: its usage line says what does.
    case usage(String)
    /// `%name` is no command; the closest names.
    case unknown(String, suggestions: [String])

    static func usage(_ spec: CommandSpec) -> CommandError { .usage(spec.usage) }

    public var description: String {
        switch self {
        case .usage(let usage): return Message.usage(usage).localized
        case .unknown(let name, let suggestions):
            return Message.unknownCommand(name, suggestion: suggestions.first).localized
        }
    }
}

/// A command's words matched to its parameters, by parameter position.
struct ParsedArguments: Sendable {
    let spec: CommandSpec
    fileprivate var words: [Int: String] = [:]
    fileprivate var numbers: [Int: [Int]] = [:]
    fileprivate var paths: [Int: PathArgument] = [:]
    fileprivate var flags: Set<Int> = []

    func word(_ index: Int) throws(CommandError) -> String {
        guard let word = words[index] else { throw .usage(spec) }
        return word
    }
    func optionalWord(_ index: Int) -> String? { words[index] }
    func number(_ index: Int) throws(CommandError) -> Int {
        guard let number = numbers[index]?.first else { throw .usage(spec) }
        return number
    }
    func optionalNumbers(_ index: Int) -> [Int]? { numbers[index] }
    func path(_ index: Int) throws(CommandError) -> PathArgument {
        guard let path = paths[index] else { throw .usage(spec) }
        return path
    }
    func optionalPath(_ index: Int) -> PathArgument? { paths[index] }
    func has(_ index: Int) -> Bool { flags.contains(index) }
}

extension Command {
    /// The command in `source`, or `nil` when `source` is not a command (it is Python, then).
    ///
    /// `%name …` is always a command (an unknown name is an error); `help`, `save` and the lesson steps
    /// are commands only as a line's first word followed by nothing or by arguments, so that
    /// `save = 1` or `help(Conv2D)` stay Python.
    public static func parse(_ source: String) throws(CommandError) -> Command? {
        let line = source.trimmingWhitespace()
        // `Conv2D?`, `model.predict?`, `%path?`: IPython's way of asking for help.
        if line.hasSuffix("?"), line.count > 1 {
            let name = line.dropLast()
            let body = name.hasPrefix("%") ? name.dropFirst() : name
            if body.first?.isLetter == true || body.first == "_",
                body.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." })
            {
                return .help(topic: String(name))
            }
        }
        let isMagic = line.hasPrefix("%")
        let body = isMagic ? String(line.dropFirst()) : line
        let name = String(body.prefix { !$0.isWhitespace })
        let rest = String(body.dropFirst(name.count)).trimmingWhitespace()
        guard let spec = CommandSpec.byName[name], isMagic ? spec.form != .word : spec.form != .magic else {
            if isMagic {
                let visible = CommandSpec.all.filter { !$0.isHidden && $0.form != .word }.map(\.name)
                throw .unknown(name, suggestions: closest(to: name, among: visible))
            }
            return nil
        }
        // `save = 1`, `help(Conv2D)`, `next - 1` are Python; `save /tmp/s.md` and `save ./s.md` are paths.
        if !isMagic, let next = rest.first {
            let followedBySpace = rest.dropFirst().first.map(\.isWhitespace) ?? true
            if "=([,".contains(next) || ("+-*/".contains(next) && followedBySpace) { return nil }
        }
        return try spec.make(try parseArguments(rest, for: spec))
    }

    /// Matches the words after a command's name to its parameters, in order; options and flags may
    /// stand anywhere.
    static func parseArguments(_ text: String, for spec: CommandSpec) throws(CommandError) -> ParsedArguments {
        var parsed = ParsedArguments(spec: spec)
        if let index = spec.parameters.firstIndex(where: \.argument.takesRestOfLine) {
            if !text.isEmpty { parsed.words[index] = text }
            guard !text.isEmpty || spec.parameters[index].isOptional else { throw .usage(spec) }
            return parsed
        }
        var words = splitWords(text)
        // Options and flags first, wherever they are.
        for (index, parameter) in spec.parameters.enumerated() {
            switch parameter.argument {
            case .flag(let name):
                if let at = words.firstIndex(of: "--" + name) {
                    words.remove(at: at)
                    parsed.flags.insert(index)
                }
            case .option(let name, _):
                if let at = words.firstIndex(of: "--" + name) {
                    guard at + 1 < words.count else { throw .usage(spec) }
                    parsed.paths[index] = pathArgument(words[at + 1])
                    words.removeSubrange(at...(at + 1))
                }
            default: break
            }
        }
        if words.contains(where: { $0.hasPrefix("--") }) { throw .usage(spec) }
        // Then the positional arguments, in order; an optional group of numbers is taken only whole.
        var remaining = words[...]
        for (index, parameter) in spec.parameters.enumerated() {
            if case .integers(let names) = parameter.argument {
                let group = remaining.prefix(names.count).compactMap { Int($0) }
                if group.count == names.count {
                    parsed.numbers[index] = group
                    remaining = remaining.dropFirst(names.count)
                } else if !parameter.isOptional {
                    throw .usage(spec)
                }
                continue
            }
            if case .flag = parameter.argument { continue }
            if case .option = parameter.argument { continue }
            guard let word = remaining.popFirst() else {
                if parameter.isOptional { continue } else { throw .usage(spec) }
            }
            switch parameter.argument {
            case .integer, .lessonNumber:
                guard let number = Int(word), number >= 0 else { throw .usage(spec) }
                parsed.numbers[index] = [number]
            case .choice(let choices):
                guard choices.contains(word) else { throw .usage(spec) }
                parsed.words[index] = word
            case .path:
                parsed.paths[index] = pathArgument(word)
            default:
                parsed.words[index] = word
            }
        }
        guard remaining.isEmpty else { throw .usage(spec) }
        return parsed
    }

    /// Words split at white space; a quoted word keeps its quotes and its spaces.
    static func splitWords(_ text: String) -> [String] {
        var words = [String]()
        var current = ""
        var quote: Character?
        for character in text {
            if let open = quote {
                current.append(character)
                if character == open { quote = nil }
            } else if character.isWhitespace {
                if !current.isEmpty { words.append(current) }
                current = ""
            } else {
                if character == "'" || character == "\"", current.isEmpty { quote = character }
                current.append(character)
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    private static func pathArgument(_ word: String) -> PathArgument {
        if word.count >= 2, let first = word.first, first == "'" || first == "\"", word.last == first {
            return .quoted(String(word.dropFirst().dropLast()))
        }
        return .word(word)
    }
}

// MARK: - Help and completion

extension CommandSpec {
    /// `help`: how to use the prompt, then every visible command with its summary.
    static var helpText: String {
        var lines = [
            Message.helpIntro.localized,
            "  x = Input(shape=(55, 55, 256))",
            "  y = identity_block(x, 3, [64, 64, 256], stage=2, block='b')",
            "  model = ResNet50()",
            "  model.summary()",
            Message.helpCommands.localized,
        ]
        func entry(_ usage: String, _ summary: String) -> String {
            let usage = "  " + usage
            let line = usage.count <= 27 ? usage.padded(28) + summary : usage + "\n" + "".padded(28) + summary
            return line.split(separator: "\n").map { wrap(String($0), width: TextWidth.current, hangingIndent: 28) }
                .joined(separator: "\n")
        }
        let visible = all.filter { !$0.isHidden }
        for spec in visible where spec.form != .lessonStep { lines.append(entry(spec.usage, spec.summary.localized)) }
        let steps = visible.filter { $0.form == .lessonStep }
        lines.append(entry(steps.map(\.usage).joined(separator: ", "), Message.lessonSteps.localized))
        lines.append(entry("exit()", Message.exitLine.localized))
        return lines.joined(separator: "\n")
    }

    /// `help NAME`: the usage line, the summary and the lesson that uses the command.
    static func help(for topic: String) -> String? {
        let name = topic.hasPrefix("%") ? String(topic.dropFirst()) : topic
        guard let spec = byName[name], !spec.isHidden else { return nil }
        return "usage: \(spec.usage)\n" + wrap(spec.summary.localized, width: TextWidth.current)
            + (spec.lesson.map { "\n" + Message.usedInLesson($0).localized } ?? "")
    }

    /// The names a line may start with: `%path`, `help`, and the lesson steps when a lesson is open.
    static func typedNames(lessonOpen: Bool) -> [String] {
        all.filter { !$0.isHidden && ($0.form != .lessonStep || lessonOpen) }.map(\.typedName)
    }

    /// The argument a word at `position` (0 = the first after the name) would fill, if any.
    func argument(at position: Int) -> CommandArgument? {
        let positional = parameters.map(\.argument).filter {
            switch $0 {
            case .flag, .option: return false
            default: return true
            }
        }
        var index = 0
        for argument in positional {
            if argument.takesRestOfLine { return argument }
            let width: Int
            if case .integers(let names) = argument { width = names.count } else { width = 1 }
            if position < index + width { return argument }
            index += width
        }
        return nil
    }

    /// The spec of the command a line starts with, and the words typed after its name.
    static func parsedStart(of line: String) -> (spec: CommandSpec, words: [String], rest: String)? {
        let isMagic = line.hasPrefix("%")
        let body = isMagic ? String(line.dropFirst()) : line
        let name = String(body.prefix { !$0.isWhitespace })
        guard name.count < body.count, let spec = byName[name], isMagic || spec.form != .magic else { return nil }
        let rest = String(body.dropFirst(name.count).drop { $0.isWhitespace })
        return (spec, Command.splitWords(rest), rest)
    }
}
