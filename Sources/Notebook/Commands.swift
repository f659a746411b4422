import Platform
import ResNetCore
import ResNetIO

// What each command does: the one place a parsed `Command` is carried out.

extension Notebook {
    /// Carries out a command (other than a lesson step, which `run` handles) and returns what it shows.
    func execute(_ command: Command) throws -> String {
        switch command {
        case .help(let topic):
            guard let topic else { return CommandSpec.helpText }
            guard let text = CommandSpec.help(for: topic) ?? Documentation.entry(for: topic)?.text else {
                throw NotebookError.unsupported(Message.noHelp(topic).localized)
            }
            return text
        case .save(let path):
            return try save(to: path)
        case .who:
            let names = interpreter.variables.keys.sorted()
            return names.isEmpty
                ? Message.noVariables.localized
                : names.map { "\($0): \(interpreter.variables[$0]!.typeName)" }.joined(separator: "\n")
        case .history:
            return cells.map { "In [\($0.number)]: \($0.source)" }.joined(separator: "\n")
        case .reset:
            interpreter.reset()
            // What the open lesson provides stays: a lesson may start afresh and still find its images.
            if openLesson != nil { defineLessonDirectory() }
            return Message.cleared.localized
        case .shape(let name):
            switch try interpreter.lookup(name) {
            case .tensor(let t): return kerasShape(t.shape)
            case .array(let a, _, _): return weightShape(a.shape)
            case .model(let m): return "\(kerasShape(m.model.inputShape)) → \(kerasShape(m.model.outputShape))"
            case .image(let img): return "\(img.width)x\(img.height) RGB"
            case let value: throw NotebookError.typeMismatch(Message.noShape(value.typeName).localized)
            }
        case .path(let name):
            guard case .tensor(let t) = try interpreter.lookup(name) else {
                throw NotebookError.typeMismatch(Message.pathTakesTensor.localized)
            }
            return try BlockDiagram.draw(t)
        case .params(let name):
            let model = try upstreamModel(try interpreter.lookup(name))
            let counts = model.parameterCount
            return Message.parameters(
                model: model.name, total: counts.total.grouped, trainable: counts.trainable.grouped,
                nonTrainable: counts.nonTrainable.grouped
            ).localized
        case .flops(let name):
            let model = try upstreamModel(try interpreter.lookup(name))
            let macs = model.multiplyAdds
            return Message.multiplyAdds(
                model: model.name, count: macs.grouped, gflop: String(format1: Double(2 * macs) / 1e9)
            ).localized
        case .plan(let name):
            return planTable(FusionPlan(try upstreamModel(try interpreter.lookup(name))), width: TextWidth.current)
        case .check(let name):
            guard let kind = BlockKind(function: name) else {
                throw NotebookError.unsupported(Message.usage("%check NAME").localized)
            }
            guard case .userFunction(let function)? = interpreter.variables[name] else {
                throw NotebookError.teaching(Message.notWrittenYet(name).localized)
            }
            let result = BlockCheck.check(kind) { call, graph in try self.interpreter.build(function, call, in: graph) }
            guard result.passed else { throw NotebookError.teaching(result.message) }
            return result.message
        case .layers(let name, let filter):
            let model = try upstreamModel(try interpreter.lookup(name))
            return model.kerasLayerOrder.filter { filter == nil || model.nodes[$0].name.contains(filter!) }.map {
                index in
                let node = model.nodes[index]
                let kind = type(of: node.layer).kerasClassName
                return node.name.padded(22) + " " + kind.padded(19) + " " + kerasShape(node.outputShape).padded(22)
                    + " " + model.parameterCount(ofNode: index).grouped.leftPadded(11)
            }.joined(separator: "\n")
        case .compare(let input, let filters, let stride):
            return try Comparison.render(input: input, filters: filters, stride: stride)
        case .classify(let image, let weights, let top):
            return try classify(image, weights: weights, top: top)
        case .show(let source):
            guard case .expression(let expression) = try Parser.statement(source) else {
                throw NotebookError.unsupported(Message.usage(CommandSpec.byName["show"]!.usage).localized)
            }
            interpreter.library.pictures.append(try picture(of: try interpreter.evaluate(expression), named: source))
            return ""
        case .randomWeights(let name, let seed):
            guard case .model(let handle) = try interpreter.lookup(name) else {
                throw NotebookError.typeMismatch(Message.randomWeightsTakesModel.localized)
            }
            try handle.loadWeights(.random(seed: seed))
            return Message.nowRandomWeights(name, seed: seed).localized
        case .time(let line):
            guard timeNesting < Self.maximumTimeNesting else {
                throw NotebookError.unsupported(Message.timeNestedTooDeep(Self.maximumTimeNesting).localized)
            }
            timeNesting += 1
            defer { timeNesting -= 1 }
            let clock = ContinuousClock()
            let start = clock.now
            let output = try execute(line).text
            let milliseconds = (clock.now - start).seconds * 1000
            return (output.isEmpty ? "" : output + "\n") + Message.elapsed(String(format1: milliseconds)).localized
        case .sleep(let seconds):
            let clock = ContinuousClock()
            let end = clock.now + .milliseconds(Int(seconds * 1000))
            while clock.now < end {
                if interpreter.library.shouldCancel() { throw NotebookError.interrupted }
                usleep(20_000)
            }
            return ""
        case .lessons:
            return try listLessons()
        case .lesson(let number, let language):
            return try openLesson(number, language: language ?? lessonLanguage)
        case .lessonStep(let move):
            return try moveInLesson(move)
        case .diagram(let request):
            return try writeDiagram(request)
        case .classActivationMap(let classWord, let png, let npy):
            return try classActivationMap(classWord, png: png, npy: npy)
        case .featureMaps(let name, let count, let png):
            return try featureMaps(name, count: count, png: png)
        case .explain(let layer, let index, let json):
            return try explain(ExplainRequest(layer: layer, index: index, json: json))
        }
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
                throw NotebookError.typeMismatch(Message.notOneInput(t.layerName).localized)
            }
            return try Model(
                inputs: KerasTensor(graph: t.graph, node: inputs[0]), outputs: t, name: "up to \(t.layerName)")
        default:
            throw NotebookError.typeMismatch(Message.expectedModelOrTensor(value.typeName).localized)
        }
    }

    /// `%classify IMAGE [--weights FILE] [--random]`: the tutorial's prediction steps in one command.
    private func classify(_ image: PathArgument, weights: ClassifyWeights?, top count: Int) throws -> String {
        let path = resolve(image)
        let input = preprocessInput(try loadImage(path: path, targetSize: (224, 224)))
        let handle = try classifier(
            weights.map {
                switch $0 {
                case .file(let file): return .file(resolve(file))
                case .random: return .random(seed: 1)
                }
            })
        let probabilities: Tensor
        do {
            probabilities = try handle.inferenceEngine().predict(input, shouldCancel: interpreter.library.shouldCancel)
            interpreter.library.lastPrediction = (handle, input)
        } catch is ForwardPassCancelled {
            throw NotebookError.interrupted
        }
        let top = try ImageNetLabels.bundled().decodePredictions(probabilities, top: count)
        var lines = [
            predictionTable(title: path, predictions: top[0], color: color), "Predicted: " + predictedList(top),
        ]
        if handle.hasRandomWeights { lines.append(Message.randomClassesMeanNothing.localized) }
        return lines.joined(separator: "\n")
    }

    /// `%show EXPR`: an image as it is; an array of shape (H, W, 3) or (1, H, W, 3) as R, G, B values
    /// (rounded, clipped to 0…255); what `preprocess_input` returned with its work undone first.
    private func picture(of value: Value, named name: String) throws -> Picture {
        switch value {
        case .image(let image):
            return Picture(
                image: image, caption: Message.showImage(name, width: image.width, height: image.height).localized)
        case .array(let tensor, _, let preprocessed):
            let shape = tensor.shape
            guard shape.last == 3, shape.count == 3 || (shape.count == 4 && shape[0] == 1),
                shape.allSatisfy({ $0 > 0 })
            else {
                throw NotebookError.typeMismatch(
                    Message.showTakes(type: value.typeName, shape: weightShape(shape)).localized)
            }
            let (height, width) = (shape[shape.count - 3], shape[shape.count - 2])
            let rgb = preprocessed ? deprocessInput(tensor) : tensor
            let caption: Message =
                preprocessed
                ? .showPreprocessed(name, shape: weightShape(shape)) : .showArray(name, shape: weightShape(shape))
            return Picture(
                image: RGBImage(rgbValues: rgb.data, width: width, height: height), caption: caption.localized)
        default:
            throw NotebookError.typeMismatch(Message.showTakes(type: value.typeName, shape: nil).localized)
        }
    }

    /// A path as typed: quoted text as written, a variable holding a string, or the word itself.
    func resolve(_ path: PathArgument) -> String {
        switch path {
        case .quoted(let text): return text
        case .word(let word):
            if case .string(let text)? = interpreter.variables[word] { return text }
            return word
        }
    }

    /// The network `%classify` uses: the tutorial's ResNet50 (or keras.applications', for its weight file) in a
    /// graph of its own, kept between cells.
    private func classifier(_ source: ModelHandle.WeightsSource?) throws -> ModelHandle {
        if source == nil, let model = sessionClassifier() { return model }
        let wanted =
            source ?? interpreter.library.cachedWeights.map { .cachedTutorialFile($0) }
            ?? interpreter.library.randomWeightsFallbackSeed.map { .random(seed: $0) }
        guard let wanted else {
            throw NotebookError.unsupported(Message.noTrainedWeights.localized)
        }
        if let cached = classifierCache, cached.weightsSource == wanted { return cached }
        // A weight file of keras.applications' ResNet50 gets that network (its layer names tell).
        var variant = ResNet50Variant.tutorial
        if case .file(let path) = wanted, let found = try KerasWeightsFile(path: path).resNet50Variant {
            variant = found
        }
        let handle = ModelHandle(model: try variant.build(), weightsSource: wanted)
        classifierCache = handle
        return handle
    }
}

extension Notebook {
    /// The model of the session `%classify` uses when not told otherwise: `model` if it has weights and takes
    /// a 224×224 image to 1000 classes, else the first such model by name.
    private func sessionClassifier() -> ModelHandle? {
        let models = interpreter.variables.sorted { a, b in
            a.key == "model" || (b.key != "model" && a.key < b.key)
        }
        .compactMap { entry -> ModelHandle? in
            guard case .model(let handle) = entry.value, handle.weightsSource != nil,
                handle.model.inputShape == [224, 224, 3], handle.model.outputShape == [1000]
            else { return nil }
            return handle
        }
        return models.first
    }
}

extension String {
    /// The text with spaces after it, to `width` columns (a Chinese character takes two).
    public func padded(_ width: Int) -> String {
        self + String(repeating: " ", count: max(0, width - displayWidth(self)))
    }
    /// The text with spaces before it, to `width` columns (a Chinese character takes two).
    public func leftPadded(_ width: Int) -> String {
        String(repeating: " ", count: max(0, width - displayWidth(self))) + self
    }
    init(format1 value: Double) {
        let tenths = Int((value * 10).rounded())
        self = "\(tenths / 10).\(abs(tenths % 10))"
    }
}

extension Int {
    /// `25,636,712`.
    var grouped: String { formatted(thousandsSeparator: ",") }
}
