// The command table: parsing a line into a `Command` (pure), usage lines, help and completion, all
// from the one declaration per command.
import Testing

@testable import Notebook
@testable import ResNetCore

@Suite struct CommandParsingTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let line: String
        let command: Command?
        var testDescription: String { line }
    }

    @Test(arguments: [
        Case(line: "%path x", command: .path("x")),
        Case(line: "  %shape   y  ", command: .shape("y")),
        Case(line: "%layers model", command: .layers(model: "model", filter: nil)),
        Case(line: "%layers model res5c", command: .layers(model: "model", filter: "res5c")),
        Case(line: "%plan model", command: .plan("model")),
        Case(line: "%compare", command: .compare(input: [55, 55, 256], filters: [64, 64, 256], stride: 2)),
        Case(
            line: "%compare 28 28 512", command: .compare(input: [28, 28, 512], filters: [128, 128, 512], stride: 2)),
        Case(
            line: "%compare 55 55 64 64 64 256 1",
            command: .compare(input: [55, 55, 64], filters: [64, 64, 256], stride: 1)),
        Case(line: "%classify img_path", command: .classify(image: .word("img_path"), weights: nil, top: 5)),
        Case(
            line: "%classify img.png --random --top 2",
            command: .classify(image: .word("img.png"), weights: .random, top: 2)),
        Case(
            line: "%classify 'my cat.png' --random",
            command: .classify(image: .quoted("my cat.png"), weights: .random, top: 5)),
        Case(
            line: "%classify --weights w.h5 cat.png",
            command: .classify(image: .word("cat.png"), weights: .file(.word("w.h5")), top: 5)),
        Case(line: "%random_weights model", command: .randomWeights(model: "model", seed: 1)),
        Case(line: "%random_weights model 7", command: .randomWeights(model: "model", seed: 7)),
        Case(line: "%time x = Input(shape=(4, 4, 3))", command: .time("x = Input(shape=(4, 4, 3))")),
        Case(line: "%lesson 2", command: .lesson(2, language: nil)),
        Case(line: "%lesson 2 zh", command: .lesson(2, language: "zh")),
        Case(line: "save nb.ipynb", command: .save(path: "nb.ipynb")),
        Case(line: "save /tmp/nb.md", command: .save(path: "/tmp/nb.md")),
        Case(line: "save ./nb.md", command: .save(path: "./nb.md")),
        Case(line: "save 'my notes.md'", command: .save(path: "my notes.md")),
        Case(line: "save - 1", command: nil),
        Case(line: "save / 2", command: nil),
        Case(line: "help", command: .help(topic: nil)),
        Case(line: "help %path", command: .help(topic: "%path")),
        Case(line: "next", command: .lessonStep(.next)),
        Case(line: "%run", command: .lessonStep(.run)),
        Case(line: "goto 4", command: .lessonStep(.goto(4))),
        // Python, not commands:
        Case(line: "x = Input(shape=(55, 55, 256))", command: nil),
        Case(line: "save = 3", command: nil),
        Case(line: "help(Conv2D)", command: nil),
        Case(line: "next + 1", command: nil),
        Case(line: "path", command: nil),
    ])
    func lineParsesToItsCommand(_ c: Case) throws {
        #expect(try Command.parse(c.line) == c.command)
    }

    @Test(arguments: [
        ("%path", "usage: %path x [--svg FILE] [--dot FILE]"),
        ("%path x y", "usage: %path x [--svg FILE] [--dot FILE]"),
        ("%compare 1 2", "usage: %compare [H W C] [F1 F2 F3] [STRIDE]"),
        ("%compare 55 55 0", "usage: %compare [H W C] [F1 F2 F3] [STRIDE]"),
        ("%classify a.png --weights w.h5 --random", "usage: %classify IMAGE [--weights FILE] [--random] [--top N]"),
        ("%classify a.png --top two", "usage: %classify IMAGE [--weights FILE] [--random] [--top N]"),
        ("%classify a.png --depth 2", "usage: %classify IMAGE [--weights FILE] [--random] [--top N]"),
        ("%lesson two", "usage: %lesson N [zh|en]"),
        ("%lesson 2 fr", "usage: %lesson N [zh|en]"),
        ("save notes.txt", "usage: save NAME.ipynb|NAME.md"),
        ("goto x", "usage: goto N"),
        ("%time", "usage: %time LINE"),
    ])
    func wordsThatDoNotFitGiveTheUsageLine(_ line: String, _ message: String) {
        #expect(throws: CommandError.self) { try Command.parse(line) }
        #expect((try? Command.parse(line)) == nil)
        do {
            _ = try Command.parse(line)
        } catch {
            #expect(error.description == message)
        }
    }

    @Test func unknownCommandSuggestsTheClosest() {
        #expect(throws: CommandError.unknown("pth", suggestions: ["path"])) { try Command.parse("%pth x") }
    }

    @Test func everyCommandHasOneSpecAndAUsageFromItsParameters() {
        #expect(Set(CommandSpec.all.map(\.name)).count == CommandSpec.all.count)
        #expect(CommandSpec.byName["layers"]?.usage == "%layers model [TEXT]")
        #expect(CommandSpec.byName["compare"]?.usage == "%compare [H W C] [F1 F2 F3] [STRIDE]")
    }

    @Test func helpListsEveryVisibleCommandAndNoHiddenOne() {
        let help = CommandSpec.helpText
        for spec in CommandSpec.all where !spec.isHidden { #expect(help.contains(spec.usage), "\(spec.name)") }
        #expect(!help.contains("%sleep"))
    }

    @Test func helpForOneCommandGivesUsageSummaryAndLesson() {
        let text = Notebook().run("help %path").output
        #expect(text.hasPrefix("usage: %path x [--svg FILE] [--dot FILE]\nthe block that made x"))
        #expect(text.contains("lesson 1"))
        #expect(Notebook().run("help %nothing").isError)
    }
}

@Suite struct CompletionTests {
    private func notebook(_ lines: [String]) -> Notebook {
        let notebook = Notebook()
        for line in lines { notebook.run(line) }
        return notebook
    }

    @Test func firstWordOffersCommandsAndNames() {
        let n = notebook(["x = Input(shape=(4, 4, 3))"])
        #expect(n.completions(line: "%pat", word: "%pat") == ["%path"])
        #expect(n.completions(line: "x", word: "x").contains("x"))
        #expect(!n.completions(line: "%sl", word: "%sl").contains("%sleep"))
        #expect(!n.completions(line: "ne", word: "ne").contains("next"), "lesson steps only inside a lesson")
    }

    @Test func commandArgumentsOfferWhatTheCommandTakes() {
        let n = notebook(["x = Input(shape=(4, 4, 3))", "model = ResNet50()", "s = 'a.png'", "k = 3"])
        #expect(n.completions(line: "%path ", word: "") == ["x"])
        #expect(n.completions(line: "%layers ", word: "") == ["model", "x"])
        #expect(n.completions(line: "%random_weights ", word: "") == ["model"])
        #expect(n.completions(line: "%classify ", word: "") == ["s"])
        #expect(n.completions(line: "%classify s --", word: "--") == ["--random", "--top", "--weights"])
        #expect(n.completions(line: "%lesson 2 ", word: "") == ["en", "zh"])
        #expect(n.completions(line: "%lesson ", word: "").contains("7"))
        #expect(n.completions(line: "%time mo", word: "mo") == ["model"])
    }

    @Test func tabAfterALongTimeChainOffersNothingAndReturns() {
        let n = notebook(["model = ResNet50()"])
        #expect(n.completions(line: "%time %time %show mo", word: "mo") == ["model"])
        let chain = String(repeating: "%time ", count: 20_000) + "mo"
        #expect(n.completions(line: chain, word: "mo").isEmpty)
        #expect(n.completions(line: String(repeating: "%show ", count: 20_000) + "mo", word: "mo").isEmpty)
    }

    @Test func lessonNumbersAreListedWithTheirTitles() {
        let n = notebook([])
        let labels = n.completionLabels(line: "%lesson ")
        #expect(labels.count == 7)
        #expect(labels["3"]?.hasPrefix("3  ") == true && (labels["3"]?.count ?? 0) > 5, "\(labels)")
        #expect(n.completionLabels(line: "%lesson 3") == labels)
        #expect(n.completionLabels(line: "%lesson 3 ").isEmpty)
        #expect(n.completionLabels(line: "%path ").isEmpty)
        #expect(n.completionLabels(line: "mod").isEmpty)
    }

    @Test func membersComeFromTheValuesTable() {
        let n = notebook(["model = ResNet50()", "x = Input(shape=(4, 4, 3))"])
        let members = n.completions(line: "model.", word: "model.")
        for name in ["model.summary(", "model.predict(", "model.load_weights(", "model.layers", "model.name"] {
            #expect(members.contains(name), "\(name)")
        }
        #expect(n.completions(line: "x.sh", word: "x.sh") == ["x.shape"])
        #expect(n.completions(line: "np.", word: "np.") == ["np.expand_dims("])
    }

    @Test func unknownMemberSuggestsFromTheSameTable() {
        let n = notebook(["model = ResNet50()"])
        #expect(n.run("model.summry()").output.contains("did you mean summary?"))
        #expect(n.run("model.input_shap").output.contains("did you mean input_shape?"))
    }
}

@Suite struct HelpTests {
    @Test(arguments: ["help Conv2D", "Conv2D?", "help(Conv2D)", "help model.predict", "%path?", "help(layers.add)"])
    func helpForANameGivesSignatureSentenceExampleAndLesson(_ line: String) {
        let notebook = Notebook()
        _ = notebook.run("model = ResNet50()")
        let output = notebook.run(line).output
        #expect(output.contains("example: ") || output.hasPrefix("usage: "), "\(output)")
        #expect(output.contains("used in lesson"), "\(output)")
    }

    @Test func everyBuiltInFunctionAndMethodIsDocumentedAndEveryEntryIsDefined() throws {
        let library = Library()
        let functions = library.globals.filter { if case .function = $0.value { true } else { false } }.map(\.key)
        let input = try Input(shape: [4, 4, 3], in: library.graph)
        let model = ModelHandle(
            model: try Model(inputs: input, outputs: try library.graph.apply(Flatten(), to: [input])))
        var members = [String]()
        for (name, owner) in [
            ("model", Value.model(model)), ("layers", .module("layers")), ("image", .module("image")),
            ("np", .module("np")),
        ] {
            let table = try #require(library.members(of: owner))
            // A model's attributes (name, layers, …) are values, not functions: help documents its methods.
            members += table.names.filter { name != "model" || table.methods.contains($0) }.map { name + "." + $0 }
        }
        let documented = Set(Documentation.entries.keys)
        for name in functions + members where name != "layers.Add" {
            #expect(documented.contains(name), "\(name) has no help entry")
        }
        for name in documented {
            #expect(functions.contains(name) || members.contains(name), "help for \(name), which is not defined")
        }
    }

    /// The lesson a help entry names is the first lesson whose cells use the name.
    @Test func theLessonNamedIsTheFirstThatUsesIt() throws {
        let library = LessonLibrary.standard()
        let lessons = try library.files(language: "en").map { try library.lesson($0.number, language: "en") }
        /// Whether `text` uses `word` as a whole name (`int(` is not in `print(`).
        func uses(_ text: String, _ word: String) -> Bool {
            var rest = Substring(text)
            while let range = rest.range(of: word) {
                let before = range.lowerBound > text.startIndex ? text[text.index(before: range.lowerBound)] : " "
                if word.first == "." || !(before.isLetter || before.isNumber || before == "_" || before == ".") {
                    return true
                }
                rest = rest[range.upperBound...]
            }
            return false
        }
        func firstLesson(using word: String) -> Int? {
            lessons.first { lesson in lesson.steps.contains { uses($0.cell, word) } }?.number
        }
        for (name, entry) in Documentation.entries {
            let word = name.hasPrefix("model.") ? String(name.dropFirst("model".count)) : name + "("
            #expect(
                entry.lesson == firstLesson(using: word),
                "\(name): help says lesson \(entry.lesson ?? 0), first used in \(firstLesson(using: word) ?? 0)")
        }
        for spec in CommandSpec.all where spec.form == .magic && !spec.isHidden {
            guard let lesson = spec.lesson else { continue }
            #expect(
                lesson == firstLesson(using: "%" + spec.name),
                "%\(spec.name): help says lesson \(lesson), first used in \(firstLesson(using: "%" + spec.name) ?? 0)")
        }
    }
}
