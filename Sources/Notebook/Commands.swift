import ResNetCore
import ResNetIO

#if canImport(Glibc)
    import Glibc
#endif

/// The commands Keras has no line for: `%path x`, `%compare`, `%params`, `%flops`, `%layers`, …
enum Commands {
    static let all = [
        "shape", "path", "compare", "params", "flops", "layers", "who", "history", "reset", "classify",
        "random_weights", "sleep", "time", "lessons", "lesson",
    ]

    static let help = """
        Type the tutorial's Keras lines; every result shows at once:
          x = Input(shape=(55, 55, 256))
          y = identity_block(x, 3, [64, 64, 256], stage=2, block='b')
          model = ResNet50()
          model.summary()
        Commands:
          %shape x                 the shape of a tensor, array or model
          %path x                  the block that made x: main path and shortcut side by side
          %compare [H W C] [F1 F2 F3] [STRIDE]
                                   conv block vs identity block: layers, shapes, parameters, multiply-adds
          %params x, %flops x      parameters / multiply-adds of a model, or of everything that leads to x
          %layers model [TEXT]     the model's layers (those whose name contains TEXT)
          %classify IMAGE [--weights FILE | --random]
                                   load_img → preprocess_input → predict → decode_predictions, as one command
          %random_weights model [SEED]
                                   give a model seeded random weights (every output then says so)
          %time LINE               run LINE and say how long it took
          %lessons, %lesson N [zh|en]
                                   the lessons; in one: run, next, back, goto N, again
          %who, %history, %reset   variables, the cells so far, start again
          save NAME.ipynb | NAME.md  the session as a Jupyter notebook or Markdown
          help, exit()
        """
}

extension Notebook {
    func runCommand(_ source: String) throws -> String {
        if source == "help" { return Commands.help }
        var words = source.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        let command = words.removeFirst()
        if command == "save" {
            guard words.count == 1 else { throw NotebookError.unsupported("save NAME.ipynb or save NAME.md") }
            return try save(to: words[0])
        }
        let name = String(command.dropFirst())
        switch name {
        case "who":
            let names = interpreter.variables.keys.sorted()
            return names.isEmpty
                ? "no variables yet"
                : names.map { "\($0): \(interpreter.variables[$0]!.typeName)" }.joined(separator: "\n")
        case "history":
            return cells.map { "In [\($0.number)]: \($0.source)" }.joined(separator: "\n")
        case "reset":
            interpreter.variables = [:]
            interpreter.graph = LayerGraph()
            return "variables and layers cleared"
        case "shape":
            let value = try argumentValue(words, usage: "%shape x")
            switch value {
            case .tensor(let t): return kerasShape(t.shape)
            case .array(let a, _): return weightShape(a.shape)
            case .model(let m): return "\(kerasShape(m.model.inputShape)) → \(kerasShape(m.model.outputShape))"
            case .image(let img): return "\(img.width)x\(img.height) RGB"
            default: throw NotebookError.typeMismatch("\(value.typeName) has no shape")
            }
        case "path":
            guard case .tensor(let t) = try argumentValue(words, usage: "%path x") else {
                throw NotebookError.typeMismatch(
                    "%path takes a tensor, e.g. the output of identity_block or conv_block")
            }
            return try BlockDiagram.draw(t)
        case "params", "flops":
            let model = try upstreamModel(try argumentValue(words, usage: "%\(name) x"))
            let counts = model.parameterCount
            if name == "params" {
                return "\(model.name): \(counts.total.formatted(thousandsSeparator: ",")) parameters "
                    + "(trainable \(counts.trainable.formatted(thousandsSeparator: ",")), non-trainable \(counts.nonTrainable.formatted(thousandsSeparator: ",")))"
            }
            let macs = model.multiplyAdds
            return
                "\(model.name): \(macs.formatted(thousandsSeparator: ",")) multiply-adds (\(String(format1: Double(2 * macs) / 1e9)) GFLOP) per image"
        case "layers":
            guard let first = words.first else { throw NotebookError.unsupported("usage: %layers model [TEXT]") }
            let model = try upstreamModel(try interpreter.lookup(first))
            let filter = words.dropFirst().first
            return model.kerasLayerOrder.filter { filter == nil || model.nodes[$0].name.contains(filter!) }.map {
                index in
                let node = model.nodes[index]
                let kind = type(of: node.layer).kerasClassName
                return node.name.padded(22) + " " + kind.padded(19) + " " + kerasShape(node.outputShape).padded(22)
                    + " " + model.parameterCount(ofNode: index).formatted(thousandsSeparator: ",").leftPadded(11)
            }.joined(separator: "\n")
        case "compare":
            return try Comparison.render(words)
        case "lessons":
            return try listLessons()
        case "lesson":
            return try openLessonCommand(words)
        case "time":
            let line = source.dropFirst("%time".count).trimmingCharactersInPlace()
            guard !line.isEmpty else { throw NotebookError.unsupported("usage: %time LINE") }
            let clock = ContinuousClock()
            let start = clock.now
            let output = try execute(line)
            let elapsed = clock.now - start
            let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            return (output.isEmpty ? "" : output + "\n") + "time: \(String(format1: milliseconds)) ms"
        case "sleep":
            guard let seconds = words.first.flatMap(Double.init), seconds >= 0, seconds <= 3600 else {
                throw NotebookError.unsupported("usage: %sleep SECONDS")
            }
            let clock = ContinuousClock()
            let end = clock.now + .milliseconds(Int(seconds * 1000))
            while clock.now < end {
                if interpreter.shouldCancel() { throw NotebookError.interrupted }
                usleep(20_000)
            }
            return ""
        case "random_weights":
            guard let first = words.first, case .model(let handle) = try interpreter.lookup(first) else {
                throw NotebookError.unsupported("usage: %random_weights model [SEED]")
            }
            let seed = words.dropFirst().first.flatMap(UInt64.init) ?? 1
            try handle.loadWeights(.random(seed: seed))
            return
                "\(first) now has RANDOM weights (seed \(seed)): its predictions mean nothing, every output will say so"
        case "classify":
            return try classify(words)
        default:
            throw NotebookError.unknownCommand(name, suggestions: closest(to: name, among: Commands.all))
        }
    }

    private func argumentValue(_ words: [String], usage: String) throws -> Value {
        guard words.count == 1 else { throw NotebookError.unsupported("usage: \(usage)") }
        return try interpreter.lookup(words[0])
    }

    /// A model, or the model from the `Input` to a tensor.
    func upstreamModel(_ value: Value) throws -> Model {
        switch value {
        case .model(let handle): return handle.model
        case .tensor(let t):
            var stack = [t.node]
            var seen = Set<Int>()
            var inputs = [Int]()
            while let index = stack.popLast() {
                guard seen.insert(index).inserted else { continue }
                if t.graph.nodes[index].layer is InputLayer { inputs.append(index) }
                stack.append(contentsOf: t.graph.nodes[index].inputs)
            }
            guard inputs.count == 1 else {
                throw NotebookError.typeMismatch("\(t.layerName) does not come from exactly one Input")
            }
            return try Model(
                inputs: KerasTensor(graph: t.graph, node: inputs[0]), outputs: t, name: "up to \(t.layerName)")
        default:
            throw NotebookError.typeMismatch("expected a model or a tensor, got \(value.typeName)")
        }
    }

    /// `%classify IMAGE [--weights FILE | --random]`: the tutorial's prediction steps in one command.
    private func classify(_ words: [String]) throws -> String {
        var path: String?
        var source: ModelHandle.WeightsSource?
        var index = 0
        while index < words.count {
            switch words[index] {
            case "--weights":
                guard index + 1 < words.count else { throw NotebookError.unsupported("--weights needs a file") }
                source = .file(words[index + 1])
                index += 2
            case "--random":
                source = .random(seed: 1)
                index += 1
            default:
                path = try pathArgument(words[index])
                index += 1
            }
        }
        guard let path else { throw NotebookError.unsupported("usage: %classify IMAGE [--weights FILE | --random]") }
        let input = preprocessInput(try loadImage(path: path, targetSize: (224, 224)))
        let handle = try classifier(source)
        let probabilities: Tensor
        do {
            probabilities = try handle.inferenceEngine().predict(input, shouldCancel: interpreter.shouldCancel)
        } catch is ForwardPassCancelled {
            throw NotebookError.interrupted
        }
        let top = try ImageNetLabels.bundled().decodePredictions(probabilities, top: 5)
        var lines = [
            predictionTable(title: path, predictions: top[0], color: color), "Predicted: " + predictedList(top),
        ]
        if handle.hasRandomWeights { lines.append("[RANDOM weights: these classes mean nothing]") }
        return lines.joined(separator: "\n")
    }

    /// A path typed after a command: `'a.png'` or `"a.png"` (quotes dropped), a variable holding a
    /// string (`img_path`), or the text itself.
    private func pathArgument(_ word: String) throws -> String {
        if word.count >= 2, let first = word.first, first == "'" || first == "\"", word.last == first {
            return String(word.dropFirst().dropLast())
        }
        if case .string(let text)? = interpreter.variables[word] { return text }
        return word
    }

    /// The network `%classify` uses: the tutorial's ResNet50 in a graph of its own, kept between cells.
    private func classifier(_ source: ModelHandle.WeightsSource?) throws -> ModelHandle {
        let wanted =
            source ?? interpreter.cachedWeights.map { .cachedTutorialFile($0) }
            ?? interpreter.randomWeightsFallbackSeed.map { .random(seed: $0) }
        guard let wanted else {
            throw NotebookError.unsupported(
                "no trained weights: run `reslab weights download` in a shell, or %classify IMAGE --weights FILE, "
                    + "or %classify IMAGE --random for seeded random weights (the output then says so)")
        }
        if let cached = classifierCache, cached.weightsSource == wanted { return cached }
        let handle = ModelHandle(model: try ResNet50(), weightsSource: wanted)
        classifierCache = handle
        return handle
    }
}

extension Substring {
    func trimmingCharactersInPlace() -> String { String(self).trimmingWhitespace() }
}

extension String {
    /// The text with spaces after it, to `width` characters.
    public func padded(_ width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
    /// The text with spaces before it, to `width` characters.
    public func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
    init(format1 value: Double) {
        let tenths = Int((value * 10).rounded())
        self = "\(tenths / 10).\(abs(tenths % 10))"
    }
}
