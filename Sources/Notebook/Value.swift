import Platform
import ResNetCore
import ResNetIO

/// A model at the prompt: the graph, and its weights once loaded (or drawn at random on request).
public final class ModelHandle {
    public let model: Model
    /// Where the weights come from: a file, or `nil` until loaded.
    private(set) var weightsSource: WeightsSource?
    private var engine: InferenceEngine?

    enum WeightsSource: Equatable {
        case file(String)
        case random(seed: UInt64)
        /// The tutorial's file in the cache, read on first use.
        case cachedTutorialFile(String)
    }

    init(model: Model, weightsSource: WeightsSource? = nil) {
        self.model = model
        self.weightsSource = weightsSource
    }

    var hasRandomWeights: Bool { if case .random = weightsSource { return true } else { return false } }

    /// Reads the weights now (they are otherwise read on the first `predict`).
    func loadWeights(_ source: WeightsSource) throws {
        switch source {
        case .file(let path), .cachedTutorialFile(let path):
            engine = try InferenceEngine(model: model, weightsFile: try KerasWeightsFile(path: path))
        case .random(let seed):
            engine = try InferenceEngine(model: model, weights: try .random(for: model, seed: seed))
        }
        weightsSource = source
    }

    /// The weights as the file (or the seed) gives them, before the engine folds batch norm into the
    /// convolutions: read again on each call, so that the session does not hold two copies. Loads
    /// OpenBLAS, which the unfused pass they are for runs on, so that a missing library is an error line
    /// here (`%explain` or a picture may come before any `predict`), never a trap in the middle of it.
    func rawWeights() throws -> ModelWeights {
        guard let source = weightsSource else { throw NotebookError.noWeights(model: model.name) }
        _ = try BLAS.info()
        return try Self.weights(of: model, from: source)
    }

    private static func weights(of model: Model, from source: WeightsSource) throws -> ModelWeights {
        switch source {
        case .file(let path), .cachedTutorialFile(let path):
            return try KerasWeightsFile(path: path).weights(for: model)
        case .random(let seed):
            return try .random(for: model, seed: seed)
        }
    }

    /// The compiled model, reading the weights first if they were deferred.
    func inferenceEngine() throws -> InferenceEngine {
        if let engine { return engine }
        guard let source = weightsSource else { throw NotebookError.noWeights(model: model.name) }
        try loadWeights(source)
        return engine!
    }
}

/// A value at the prompt: Python's numbers, strings, tuples and lists, and Keras's objects.
public enum Value {
    case none
    case bool(Bool)
    case integer(Int)
    case float(Double)
    case string(String)
    case tuple([Value])
    case list([Value])
    /// A symbolic tensor: the output of a layer, with a shape and no values.
    case tensor(KerasTensor)
    /// A layer made but not yet applied: `Conv2D(64, (1, 1))`.
    case layer(any Layer)
    case function(Builtin)
    /// A function the learner wrote with `def`.
    case userFunction(UserFunction)
    case module(String)
    case model(ModelHandle)
    /// What `image.load_img` returns.
    case image(RGBImage)
    /// A numpy-like array; `randomWeights` marks values computed with random weights, `preprocessed` what
    /// `preprocess_input` returned (BGR, minus the ImageNet means; kept through `np.expand_dims` and
    /// indexing), so that `%show` can undo it.
    case array(Tensor, randomWeights: Bool, preprocessed: Bool = false)
    /// What `decode_predictions` returns.
    case predictions([[Prediction]], randomWeights: Bool)

    /// What kind of value this is, without its payload (commands say which kinds they take).
    var kind: ValueKind {
        switch self {
        case .none: return .none
        case .bool: return .bool
        case .integer: return .integer
        case .float: return .float
        case .string: return .string
        case .tuple: return .tuple
        case .list: return .list
        case .tensor: return .tensor
        case .layer: return .layer
        case .function, .userFunction: return .function
        case .module: return .module
        case .model: return .model
        case .image: return .image
        case .array: return .array
        case .predictions: return .predictions
        }
    }

    /// How deeply lists and tuples nest in this value (`1` is 0, `[1]` is 1, `[[1], 2]` is 2), counted
    /// without recursion; a depth above `limit` is reported as `limit + 1`.
    func nestingDepth(limit: Int) -> Int {
        var deepest = 0
        var pending: [(items: [Value], depth: Int)] = []
        if case .list(let items) = self { pending.append((items, 1)) }
        if case .tuple(let items) = self { pending.append((items, 1)) }
        while let (items, depth) = pending.popLast() {
            deepest = max(deepest, depth)
            if deepest > limit { return limit + 1 }
            for item in items {
                switch item {
                case .list(let inner), .tuple(let inner): pending.append((inner, depth + 1))
                default: continue
                }
            }
        }
        return deepest
    }

    /// Python's name for the value's type, for error messages.
    var typeName: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .integer: return "int"
        case .float: return "float"
        case .string: return "str"
        case .tuple: return "tuple"
        case .list: return "list"
        case .tensor: return "tensor"
        case .layer(let layer): return type(of: layer).kerasClassName + " layer"
        case .function, .userFunction: return "function"
        case .module: return "module"
        case .model: return "Model"
        case .image: return "image"
        case .array: return "array"
        case .predictions: return "predictions"
        }
    }

    /// Python's `str()`.
    var text: String {
        if case .string(let s) = self { return s }
        return representation
    }

    /// Python's `repr()`, and Keras's way of showing its objects.
    var representation: String {
        switch self {
        case .none: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .integer(let i): return String(i)
        case .float(let f): return pythonFloat(f)
        case .string(let s): return pythonStringLiteral(s)
        case .tuple(let items):
            return items.count == 1
                ? "(\(items[0].representation),)" : "(" + items.map(\.representation).joined(separator: ", ") + ")"
        case .list(let items): return "[" + items.map(\.representation).joined(separator: ", ") + "]"
        case .tensor(let t):
            let layer = t.graph.nodes[t.node].layer
            return "<tensor \(t.layerName) (\(type(of: layer).kerasClassName)) \(kerasShape(t.shape))>"
        case .layer(let layer):
            let summary = layer.configSummary
            return "<\(type(of: layer).kerasClassName) layer" + (layer.name.map { " '\($0)'" } ?? "")
                + (summary.isEmpty ? "" : ": \(summary)") + ">"
        case .function(let f): return "<function \(f.name)>"
        case .userFunction(let f): return "<function \(f.name) (yours)>"
        case .module(let name): return "<module '\(name)'>"
        case .model(let handle):
            let m = handle.model
            let weights: Message
            switch handle.weightsSource {
            case .none: weights = .noWeightsLoaded
            case .file(let path), .cachedTutorialFile(let path): weights = .weightsFrom(path)
            case .random(let seed): weights = .randomWeightsSeed(seed)
            }
            return Message.modelRepr(
                name: m.name, layers: m.nodes.count,
                parameters: m.parameterCount.total.formatted(thousandsSeparator: ","),
                input: kerasShape(m.inputShape), output: kerasShape(m.outputShape), weights: weights
            ).localized
        case .image(let image): return "<image \(image.width)x\(image.height) RGB>"
        case .array(let tensor, let random, _):
            let low = tensor.data.min() ?? 0
            let high = tensor.data.max() ?? 0
            return Message.arrayRepr(shape: weightShape(tensor.shape), low: "\(low)", high: "\(high)").localized
                + (random ? Message.computedWithRandomWeights.localized : "")
        case .predictions(let batches, let random):
            return predictedList(batches) + (random ? "\n" + Message.randomClassesMeanNothing.localized : "")
        }
    }
}

/// The kinds of ``Value``.
enum ValueKind: Hashable, Sendable {
    case none, bool, integer, float, string, tuple, list, tensor, layer, function, module, model, image, array,
        predictions
}

/// Python's repr of a float: shortest round-trip digits, with a `.0` for whole numbers.
func pythonFloat(_ value: Double) -> String {
    if value.isNaN { return "nan" }
    if value.isInfinite { return value > 0 ? "inf" : "-inf" }
    return "\(value)"
}

/// Python's repr of a string: single quotes, or double quotes when it holds a single quote.
func pythonStringLiteral(_ text: String) -> String {
    if text.contains("'") && !text.contains("\"") { return "\"" + text + "\"" }
    var escaped = ""
    for character in text {
        switch character {
        case "'": escaped += "\\'"
        case "\\": escaped += "\\\\"
        case "\n": escaped += "\\n"
        case "\t": escaped += "\\t"
        default: escaped.append(character)
        }
    }
    return "'" + escaped + "'"
}

/// `decode_predictions`' result as Python prints it: `[[('n01871265', 'tusker', 0.41107917), …]]`.
public func predictedList(_ batches: [[Prediction]]) -> String {
    "["
        + batches.map { predictions in
            "["
                + predictions.map { p -> String in
                    let wnid = pythonStringLiteral(p.imageNetClass.wnid)
                    let label = pythonStringLiteral(p.imageNetClass.label)
                    return "(\(wnid), \(label), \(p.probability))"
                }.joined(separator: ", ") + "]"
        }.joined(separator: ", ") + "]"
}

/// A top-k table with a bar per probability; `color` adds ANSI styling.
public func predictionTable(title: String, predictions: [Prediction], color: Bool) -> String {
    let labelWidth = max(5, predictions.map(\.imageNetClass.label.count).max() ?? 0)
    func pad(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - text.count))
    }
    var lines = [styled(title, .bold, enabled: color)]
    lines.append(styled("   #  " + pad("class", labelWidth) + "  wnid       probability", .dim, enabled: color))
    for (rank, prediction) in predictions.enumerated() {
        let p = prediction.probability
        // Clamped before converting: a probability that is not a finite number draws an empty bar, never a trap.
        let filled = p.isNaN ? 0 : Int((min(1, max(0, p)) * 20).rounded())
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: 20 - filled)
        let number = String(rank + 1)
        let probability = fourDecimals(p)
        lines.append(
            "  " + String(repeating: " ", count: 2 - min(2, number.count)) + number + "  "
                + pad(prediction.imageNetClass.label, labelWidth) + "  " + prediction.imageNetClass.wnid + "  "
                + pad(probability, 6) + "  " + styled(bar, .cyan, enabled: color))
    }
    return lines.joined(separator: "\n")
}
