import Foundation
import Platform
import ResNetCore

// `%explain LAYER (h, w, c)`: how one value of a layer came to be, worked out by hand with the real
// numbers of the last forward pass, as CNN Explainer shows it on hover. The explanation is data (a
// list of steps, each with its numbers), computed from the raw weights and the layer-by-layer
// activations; rendering it as text or JSON is separate.

// MARK: - The request

/// `%explain LAYER (h, w, c) [--json]` as typed: the index as numpy counts, from 0, batch left out.
struct ExplainRequest: Equatable, Sendable {
    let layer: String
    let index: [Int]
    let json: Bool

    /// Reads `LAYER (h, w, c)`, `LAYER h w c`, `LAYER (h,w,c)` or `LAYER [h, w, c]`, with `--json`
    /// anywhere; `nil` when the words do not fit.
    static func parse(_ text: String) -> ExplainRequest? {
        var words = text.split(whereSeparator: \.isWhitespace).map(String.init)
        let json = words.contains("--json")
        words.removeAll { $0 == "--json" }
        guard let layer = words.first, !layer.hasPrefix("-"), !layer.contains("(") else { return nil }
        let numbers = words.dropFirst().joined(separator: " ")
            .map { "()[],".contains($0) ? " " : $0 }
            .split(separator: " ").map { Int(String($0)) }
        guard !numbers.isEmpty, numbers.allSatisfy({ $0 != nil }) else { return nil }
        let rest = words.dropFirst().joined()
        // Brackets, if any, open before the numbers and close after them.
        let opens = rest.filter { $0 == "(" || $0 == "[" }.count
        let closes = rest.filter { $0 == ")" || $0 == "]" }.count
        guard opens == closes, opens <= 1 else { return nil }
        if opens == 1, !(rest.first == "(" || rest.first == "["), !(rest.last == ")" || rest.last == "]") {
            return nil
        }
        return ExplainRequest(layer: layer, index: numbers.map { $0! }, json: json)
    }
}

// MARK: - The explanation as data

/// One term of a dot product: an input value times a weight, and where the input value is.
struct ProductTerm: Equatable, Sendable {
    /// The input's position: `[row, column, channel]` of a feature map, `[i]` of a vector.
    let position: [Int]
    let input: Double
    let weight: Double
    var product: Double { input * weight }
}

/// A dot product as shown: its largest terms by size, the others summed.
struct DotProduct: Equatable, Sendable {
    /// The largest terms, largest first.
    let largest: [ProductTerm]
    /// How many other terms there are, and their sum.
    let otherCount: Int
    let otherSum: Double
    /// The sum of every term.
    var total: Double { largest.reduce(otherSum) { $0 + $1.product } }

    /// Keeps the `shown` largest of `terms` by size.
    init(_ terms: [ProductTerm], shown: Int = 5) {
        let order = terms.indices.sorted { abs(terms[$0].product) > abs(terms[$1].product) }
        largest = order.prefix(shown).map { terms[$0] }
        otherCount = max(0, terms.count - shown)
        otherSum = order.dropFirst(shown).reduce(0) { $0 + terms[$1].product }
    }
}

/// How a batch norm was folded into the convolution before it, as the engine runs it.
struct FoldedBatchNorm: Equatable, Sendable {
    /// `gamma / √(moving_variance + ε)` and `beta − moving_mean · scale`, as the engine computes them.
    let scale: Double
    let shift: Double
    /// The folded kernel's dot product plus the folded bias (`bias · scale + shift`).
    let foldedBias: Double
    let value: Double
}

/// One step of an explanation: a layer, the numbers it took and the value it made.
enum ExplanationStep: Equatable, Sendable {
    /// `rows` and `columns`: the window's positions inside the input (`paddedPositions` fall outside).
    case convolution(
        layer: String, conv: ConvolutionSetting, input: String, filter: Int, rows: ClosedRange<Int>,
        columns: ClosedRange<Int>, channels: Int, paddedPositions: Int, terms: DotProduct, bias: Double?,
        value: Double)
    case batchNormalization(
        layer: String, input: Double, gamma: Double, beta: Double, mean: Double, variance: Double, epsilon: Double,
        folded: FoldedBatchNorm?, foldedInto: String?, value: Double)
    case relu(layer: String, input: Double, value: Double)
    case add(layer: String, inputs: [(layer: String, value: Double)], value: Double)
    case pool(
        layer: String, maximum: Bool, input: String, rows: ClosedRange<Int>, columns: ClosedRange<Int>,
        values: [Double], value: Double)
    case globalAveragePool(layer: String, input: String, count: Int, sum: Double, value: Double)
    case zeroPadding(layer: String, input: String, source: [Int]?, value: Double)
    case dense(
        layer: String, input: String, unit: Int, terms: DotProduct, bias: Double, softmax: Softmax?, value: Double)

    /// The layer the step computes.
    var layer: String {
        switch self {
        case .convolution(let layer, _, _, _, _, _, _, _, _, _, _),
            .batchNormalization(let layer, _, _, _, _, _, _, _, _, _),
            .relu(let layer, _, _), .add(let layer, _, _), .pool(let layer, _, _, _, _, _, _),
            .globalAveragePool(let layer, _, _, _, _), .zeroPadding(let layer, _, _, _),
            .dense(let layer, _, _, _, _, _, _):
            return layer
        }
    }

    /// The value the step makes, computed by hand.
    var value: Double {
        switch self {
        case .convolution(_, _, _, _, _, _, _, _, _, _, let value),
            .batchNormalization(_, _, _, _, _, _, _, _, _, let value),
            .relu(_, _, let value), .add(_, _, let value), .pool(_, _, _, _, _, _, let value),
            .globalAveragePool(_, _, _, _, let value), .zeroPadding(_, _, _, let value),
            .dense(_, _, _, _, _, _, let value):
            return value
        }
    }

    static func == (a: ExplanationStep, b: ExplanationStep) -> Bool { a.layer == b.layer && a.value == b.value }
}

/// A convolution's settings, for the heading of its step.
struct ConvolutionSetting: Equatable, Sendable {
    let kernel: (Int, Int)
    let stride: Int
    let padding: String
    static func == (a: Self, b: Self) -> Bool {
        a.kernel == b.kernel && a.stride == b.stride && a.padding == b.padding
    }
}

/// A softmax over a dense layer's outputs: the logit, and the sum of every exp(logit − max).
struct Softmax: Equatable, Sendable {
    let logit: Double
    let maxLogit: Double
    let expSum: Double
}

/// How one value of a layer came to be: the steps that lead to it, and the value the network computed.
struct Explanation: Sendable {
    /// The layer asked about and the index in its output (batch left out).
    let layer: String
    let index: [Int]
    let kind: String
    let steps: [ExplanationStep]
    /// The same element as the network computed it, layer by layer.
    let networkValue: Float
    /// The ReLU that follows an add, and its value there.
    let reluAfter: (layer: String, value: Double)?
}

// MARK: - Errors

/// Why `%explain` cannot explain.
enum ExplainError: Error, Equatable, CustomStringConvertible {
    case noForwardPass
    case unknownLayer(String, model: String, suggestion: String?)
    case wrongIndexCount(layer: String, shape: Shape, got: Int)
    case indexOutside([Int], layer: String, shape: Shape)
    case notCovered(layer: String, kind: String)
    /// The layer-by-layer pass would go past a size or memory limit.
    case beyondLimit(ShapeError)

    var message: Message {
        switch self {
        case .noForwardPass: return .needsForwardPass("%explain")
        case .unknownLayer(let name, let model, let suggestion):
            return .layerNotInModel(name, model: model, suggestion: suggestion)
        case .wrongIndexCount(let layer, let shape, let got):
            return .explainIndexCount(layer: layer, shape: kerasShape(shape), expected: shape.count, got: got)
        case .indexOutside(let index, let layer, let shape):
            return .explainIndexOutside(indexText(index), layer: layer, shape: kerasShape(shape))
        case .notCovered(let layer, let kind): return .explainNotCovered(layer: layer, kind: kind)
        case .beyondLimit(let error): return .explainBeyondLimit(error.text)
        }
    }

    var description: String { message.localized }
}

/// `[3, 4, 5]`.
func indexText(_ index: [Int]) -> String { "[" + index.map(String.init).joined(separator: ", ") + "]" }

// MARK: - Computing

extension Explanation {
    /// Explains `layer` at `index` (batch left out) for `input` through `model` with `weights`.
    ///
    /// Every number comes from the raw (unfolded) weights and the layer-by-layer activations; along a
    /// chain (conv → batch norm → ReLU) each step takes the value the step before it computed by hand.
    static func compute(
        layer name: String, index requested: [Int], model: Model, weights: ModelWeights, input: Tensor
    ) throws(ExplainError) -> Explanation {
        guard let target = model.nodeIndex(named: name) else {
            throw .unknownLayer(
                name, model: model.name, suggestion: closest(to: name, among: model.nodes.map(\.name)).first)
        }
        let shape = model.nodes[target].outputShape
        var index = requested
        if index.count == shape.count + 1, index.first == 0 { index.removeFirst() }
        guard index.count == shape.count else { throw .wrongIndexCount(layer: name, shape: shape, got: index.count) }
        guard zip(index, shape).allSatisfy({ (0..<$1).contains($0) }) else {
            throw .indexOutside(index, layer: name, shape: shape)
        }
        let chain = Self.chain(ending: target, in: model)
        let kind = type(of: model.nodes[target].layer).kerasClassName
        var keep = Set(chain)
        for node in chain { keep.formUnion(model.nodes[node].inputs) }
        let reluAfter = model.nodes.indices.first {
            model.nodes[target].layer is Add && model.nodes[$0].inputs == [target]
                && (model.nodes[$0].layer as? Activation)?.function == .relu
        }
        let values: [Int: Tensor]
        do {
            values = try Self.activations(of: keep, upTo: target, in: model, input: input, weights: weights)
        } catch {
            throw .beyondLimit(error)
        }
        var steps = [ExplanationStep]()
        for node in chain {
            let previous = steps.last.flatMap { step in
                model.nodes[node].inputs.first.map { model.nodes[$0].name } == step.layer ? step.value : nil
            }
            steps.append(
                try Self.step(
                    node, at: index, in: model, weights: weights, values: values, handComputedInput: previous))
        }
        let flat = Self.flatIndex(index, shape: shape)
        return Explanation(
            layer: name, index: index, kind: kind, steps: steps, networkValue: values[target]!.data[flat],
            reluAfter: reluAfter.map { (model.nodes[$0].name, max(0, steps.last!.value)) })
    }

    /// The values of the nodes in `keep` (all of them before `target` or `target` itself), by the
    /// layer-by-layer pass through only the layers that lead to `target`.
    private static func activations(
        of keep: Set<Int>, upTo target: Int, in model: Model, input: Tensor, weights: ModelWeights
    ) throws(ShapeError) -> [Int: Tensor] {
        guard let part = try? Self.part(of: model, endingAt: target) else {
            return try model.forwardLayerByLayer(input, weights: weights, keeping: keep)
        }
        let wanted = Set(keep.compactMap { part.nodeIndex(named: model.nodes[$0].name) })
        let values = try part.forwardLayerByLayer(input, weights: weights, keeping: wanted)
        var byNode = [Int: Tensor]()
        for node in keep { byNode[node] = part.nodeIndex(named: model.nodes[node].name).flatMap { values[$0] } }
        return byNode
    }

    /// The model from its input to `target`: the same layers and names, none after it.
    private static func part(of model: Model, endingAt target: Int) throws(ShapeError) -> Model {
        let graph = LayerGraph()
        var tensors = [KerasTensor]()
        for node in model.nodes[...target] {
            tensors.append(try graph.apply(node.layer, to: node.inputs.map { tensors[$0] }))
        }
        return try Model(inputs: tensors[model.inputIndex], outputs: tensors[target], name: model.name)
    }

    /// The nodes to show, ending at `target`: conv → batch norm → ReLU, add → ReLU, or the layer alone.
    static func chain(ending target: Int, in model: Model) -> [Int] {
        let node = model.nodes[target]
        let source = node.inputs.count == 1 ? node.inputs[0] : nil
        switch node.layer {
        case is Activation:
            guard let source else { return [target] }
            if model.nodes[source].layer is BatchNormalization || model.nodes[source].layer is Add {
                return chain(ending: source, in: model) + [target]
            }
            return [target]
        case is BatchNormalization:
            guard let source, model.nodes[source].layer is Conv2D else { return [target] }
            return [source, target]
        default:
            return [target]
        }
    }

    private static func flatIndex(_ index: [Int], shape: Shape) -> Int {
        zip(index, shape).reduce(0) { $0 * $1.1 + $1.0 }
    }

    /// One node's step at `index`; `handComputedInput` is the value the step before computed for its input.
    private static func step(
        _ node: Int, at index: [Int], in model: Model, weights: ModelWeights, values: [Int: Tensor],
        handComputedInput: Double?
    ) throws(ExplainError) -> ExplanationStep {
        let current = model.nodes[node]
        let arrays = weights.byLayer[current.name] ?? []
        let flat = flatIndex(index, shape: current.outputShape)
        func inputValue(_ position: Int = 0) -> Double {
            handComputedInput ?? Double(values[current.inputs[position]]!.data[flat])
        }
        func inputName(_ position: Int = 0) -> String { model.nodes[current.inputs[position]].name }
        switch current.layer {
        case let conv as Conv2D:
            return convolution(conv, node: node, at: index, in: model, weights: arrays, values: values)
        case let bn as BatchNormalization:
            let x = inputValue()
            let (gamma, beta, mean, variance) = (
                Double(arrays[0].data[index.last!]), Double(arrays[1].data[index.last!]),
                Double(arrays[2].data[index.last!]), Double(arrays[3].data[index.last!])
            )
            let epsilon = Double(bn.epsilon)
            let value = (x - mean) / (variance + epsilon).squareRoot() * gamma + beta
            var folded: FoldedBatchNorm?
            var foldedInto: String?
            if let fused = FusionPlan(model).convolutions.first(where: { $0.batchNorm == node }) {
                let convNode = model.nodes[fused.conv]
                let conv = convNode.layer as! Conv2D
                let convWeights = weights.byLayer[convNode.name] ?? []
                let c = index.last!
                let (scales, shifts) = bn.scaleAndShift(weights: arrays)
                let scale = scales[c]
                // The engine's folded kernel column and bias.
                var scaled = convWeights
                scaled[0] = Tensor(
                    shape: convWeights[0].shape,
                    data: convWeights[0].data.enumerated().map {
                        $0.offset % conv.filters == c ? $0.element * scale : 0
                    }
                )
                let bias = conv.useBias ? convWeights[1].data[c] : 0
                let foldedBias = bias * scale + shifts[c]
                if conv.useBias { scaled[1] = Tensor(shape: [conv.filters], repeating: 0) }
                guard
                    case .convolution(_, _, _, _, _, _, _, _, let terms, _, _) = convolution(
                        conv, node: fused.conv, at: index, in: model, weights: scaled, values: values)
                else { preconditionFailure("a convolution's step is a convolution") }
                folded = FoldedBatchNorm(
                    scale: Double(scale), shift: Double(shifts[c]), foldedBias: Double(foldedBias),
                    value: terms.total + Double(foldedBias))
                foldedInto = convNode.name
            }
            return .batchNormalization(
                layer: current.name, input: x, gamma: gamma, beta: beta, mean: mean, variance: variance,
                epsilon: epsilon, folded: folded, foldedInto: foldedInto, value: value)
        case let activation as Activation:
            guard activation.function == .relu else {
                throw .notCovered(layer: current.name, kind: "Activation('\(activation.function.rawValue)')")
            }
            let x = inputValue()
            return .relu(layer: current.name, input: x, value: max(0, x))
        case is Add:
            let inputs = current.inputs.indices.map {
                (layer: inputName($0), value: Double(values[current.inputs[$0]]!.data[flat]))
            }
            return .add(layer: current.name, inputs: inputs, value: inputs.reduce(0) { $0 + $1.value })
        case let pooling as any Pooling2DLayer:
            let source = values[current.inputs[0]]!
            let inputShape = model.nodes[current.inputs[0]].outputShape
            let g = WindowGeometry(
                input: inputShape, window: pooling.poolSize, strides: pooling.strides, padding: pooling.padding)!
            let (rows, columns) = (window(g.rows, at: index[0]), window(g.columns, at: index[1]))
            var taken = [Double]()
            for r in rows where (0..<inputShape[0]).contains(r) {
                for c in columns where (0..<inputShape[1]).contains(c) {
                    taken.append(Double(source.data[(r * inputShape[1] + c) * inputShape[2] + index[2]]))
                }
            }
            let maximum = type(of: pooling).mode == .max
            let value = maximum ? taken.max()! : taken.reduce(0, +) / Double(taken.count)
            return .pool(
                layer: current.name, maximum: maximum, input: inputName(), rows: inside(rows, inputShape[0]),
                columns: inside(columns, inputShape[1]), values: taken,
                value: value)
        case is GlobalAveragePooling2D:
            let source = values[current.inputs[0]]!
            let channels = model.nodes[current.inputs[0]].outputShape[2]
            let taken = stride(from: index[0], to: source.count, by: channels).map { Double(source.data[$0]) }
            let sum = taken.reduce(0, +)
            return .globalAveragePool(
                layer: current.name, input: inputName(), count: taken.count, sum: sum, value: sum / Double(taken.count))
        case let padding as ZeroPadding2D:
            let inputShape = model.nodes[current.inputs[0]].outputShape
            let (r, c) = (index[0] - padding.top, index[1] - padding.left)
            guard (0..<inputShape[0]).contains(r), (0..<inputShape[1]).contains(c) else {
                return .zeroPadding(layer: current.name, input: inputName(), source: nil, value: 0)
            }
            let value = values[current.inputs[0]]!.data[(r * inputShape[1] + c) * inputShape[2] + index[2]]
            return .zeroPadding(
                layer: current.name, input: inputName(), source: [r, c, index[2]], value: Double(value))
        case let dense as Dense:
            let x = values[current.inputs[0]]!.data
            let (kernel, biases) = (arrays[0].data, arrays[1].data)
            func logit(_ unit: Int) -> Double {
                var sum = Double(biases[unit])
                for i in x.indices { sum += Double(x[i]) * Double(kernel[i * dense.units + unit]) }
                return sum
            }
            let unit = index[0]
            let terms = DotProduct(
                x.indices.map {
                    ProductTerm(position: [$0], input: Double(x[$0]), weight: Double(kernel[$0 * dense.units + unit]))
                })
            let z = terms.total + Double(biases[unit])
            var softmax: Softmax?
            if dense.activation == .softmax {
                let logits = (0..<dense.units).map(logit)
                let top = logits.max()!
                softmax = Softmax(logit: z, maxLogit: top, expSum: logits.reduce(0) { $0 + exp($1 - top) })
            }
            return .dense(
                layer: current.name, input: inputName(), unit: unit, terms: terms, bias: Double(biases[unit]),
                softmax: softmax,
                value: softmax.map { exp($0.logit - $0.maxLogit) / $0.expSum }
                    ?? (dense.activation == .relu ? max(0, z) : z))
        default:
            throw .notCovered(layer: current.name, kind: type(of: current.layer).kerasClassName)
        }
    }

    /// The input positions a window at output position `output` covers (some may be padding).
    private static func window(_ axis: WindowAxis, at output: Int) -> ClosedRange<Int> {
        let first = output * axis.stride - axis.padBefore
        return first...(first + axis.window - 1)
    }

    /// The part of `range` within `0..<size`.
    private static func inside(_ range: ClosedRange<Int>, _ size: Int) -> ClosedRange<Int> {
        max(range.lowerBound, 0)...min(range.upperBound, size - 1)
    }

    /// A convolution's value at `index`: its receptive field and dot product, term by term.
    private static func convolution(
        _ conv: Conv2D, node: Int, at index: [Int], in model: Model, weights: [Tensor], values: [Int: Tensor]
    ) -> ExplanationStep {
        let inputNode = model.nodes[node].inputs[0]
        let inputShape = model.nodes[inputNode].outputShape
        let source = values[inputNode]!.data
        let g = WindowGeometry(
            input: inputShape, window: conv.kernelSize, strides: conv.strides, padding: conv.padding)!
        var (rows, columns) = (window(g.rows, at: index[0]), window(g.columns, at: index[1]))
        let (kernel, filter, channels) = (weights[0].data, index[2], inputShape[2])
        var terms = [ProductTerm]()
        var padded = 0
        for (i, r) in rows.enumerated() {
            for (j, c) in columns.enumerated() {
                guard (0..<inputShape[0]).contains(r), (0..<inputShape[1]).contains(c) else {
                    padded += 1
                    continue
                }
                for channel in 0..<channels {
                    let x = source[(r * inputShape[1] + c) * channels + channel]
                    let w = kernel[((i * conv.kernelSize.1 + j) * channels + channel) * conv.filters + filter]
                    terms.append(ProductTerm(position: [r, c, channel], input: Double(x), weight: Double(w)))
                }
            }
        }
        let dot = DotProduct(terms)
        let bias = conv.useBias ? Double(weights[1].data[filter]) : nil
        // The rows and columns shown are those inside the input; the others are padding zeros.
        (rows, columns) = (inside(rows, inputShape[0]), inside(columns, inputShape[1]))
        return .convolution(
            layer: model.nodes[node].name,
            conv: ConvolutionSetting(kernel: conv.kernelSize, stride: conv.strides.0, padding: conv.padding.rawValue),
            input: model.nodes[inputNode].name, filter: filter, rows: rows, columns: columns, channels: channels,
            paddedPositions: padded, terms: dot, bias: bias, value: dot.total + (bias ?? 0))
    }
}

// MARK: - Rendering

extension Explanation {
    /// The explanation as the prompt shows it: each step's heading in words, its numbers below.
    func text(width: Int) -> String {
        var lines = [
            Message.explainHeading(
                layer: layer, index: indexText(index), chain: steps.map(\.layer).joined(separator: " → ")
            ).localized, "",
        ]
        for step in steps {
            lines += Self.lines(of: step, at: index)
            lines.append("")
        }
        if let (relu, value) = reluAfter {
            lines.append(Message.explainReluAfter(layer: relu, value: number(value)).localized)
        }
        lines.append(
            Message.explainNetwork(layer: layer, index: indexText(index), value: number(Double(networkValue)))
                .localized)
        return lines.map { wrap($0, width: width, hangingIndent: $0.prefix { $0 == " " }.count + 2) }
            .joined(separator: "\n")
    }

    private static func lines(of step: ExplanationStep, at index: [Int]) -> [String] {
        switch step {
        case .convolution(
            let layer, let conv, let input, let filter, let rows, let columns, let channels, let padded, let terms,
            let bias, let value):
            let kernel = "\(conv.kernel.0)x\(conv.kernel.1)"
            return [
                Message.explainConvolution(
                    layer: layer, kernel: kernel, stride: conv.stride, padding: conv.padding, filter: filter,
                    input: input
                ).localized,
                Message.explainWindow(
                    rows: range(rows), columns: range(columns), kernel: kernel, channels: channels,
                    products: terms.largest.count + terms.otherCount, padded: padded
                ).localized,
            ] + dotProductLines(terms, input: input)
                + [
                    Message.explainSum(dot: number(terms.total), bias: bias.map(operand), value: number(value))
                        .localized
                ]
        case .batchNormalization(
            let layer, let x, let gamma, let beta, let mean, let variance, let epsilon, let folded, let foldedInto,
            let value):
            var lines = [
                Message.explainBatchNorm(layer: layer, channel: index.last!, epsilon: number(epsilon)).localized,
                "  (\(number(x)) − \(operand(mean))) / √(\(number(variance)) + \(number(epsilon))) · \(operand(gamma))"
                    + " + \(operand(beta)) = \(number(value))",
            ]
            if let folded, let foldedInto {
                lines += [
                    Message.explainFolded(conv: foldedInto).localized,
                    "  scale = \(number(folded.scale)), shift = \(number(folded.shift))",
                    Message.explainFoldedValue(
                        dot: number(folded.value - folded.foldedBias), bias: operand(folded.foldedBias),
                        value: number(folded.value)
                    ).localized,
                ]
            }
            return lines
        case .relu(let layer, let x, let value):
            return [Message.explainRelu(layer: layer).localized, "  max(0, \(number(x))) = \(number(value))"]
        case .add(let layer, let inputs, let value):
            return [Message.explainAdd(layer: layer).localized]
                + inputs.enumerated().map { position, input in
                    Message.explainAddInput(
                        layer: input.layer, index: indexText(index), value: number(input.value),
                        role: inputs.count == 2 ? position : nil
                    ).localized
                } + ["  " + inputs.map { operand($0.value) }.joined(separator: " + ") + " = " + number(value)]
        case .pool(let layer, let maximum, let input, let rows, let columns, let values, let value):
            let shown = values.count <= 9 ? values.map(number).joined(separator: ", ") : nil
            return [
                Message.explainPool(
                    layer: layer, maximum: maximum, input: input, rows: range(rows), columns: range(columns),
                    channel: index[2], count: values.count
                ).localized,
                maximum
                    ? "  max(\(shown ?? "…")) = \(number(value))"
                    : "  \(number(values.reduce(0, +))) / \(values.count) = \(number(value))",
            ]
        case .globalAveragePool(let layer, let input, let count, let sum, let value):
            return [
                Message.explainGlobalPool(layer: layer, input: input, channel: index[0], count: count).localized,
                "  \(number(sum)) / \(count) = \(number(value))",
            ]
        case .zeroPadding(let layer, let input, let source, let value):
            return [
                Message.explainPadding(layer: layer, input: input, source: source.map(indexText)).localized,
                "  = \(number(value))",
            ]
        case .dense(let layer, let input, let unit, let terms, let bias, let softmax, let value):
            var lines =
                [
                    Message.explainDense(
                        layer: layer, unit: unit, input: input, count: terms.largest.count + terms.otherCount
                    ).localized
                ] + dotProductLines(terms, input: input)
            let z = terms.total + bias
            lines.append(Message.explainSum(dot: number(terms.total), bias: operand(bias), value: number(z)).localized)
            if let softmax {
                lines.append(Message.explainSoftmax.localized)
                lines.append(
                    "  exp(\(number(z)) − \(operand(softmax.maxLogit))) / \(number(softmax.expSum)) = \(number(value))")
            } else if value != z {
                lines.append("  max(0, \(number(z))) = \(number(value))")
            }
            return lines
        }
    }

    /// The largest products, one a line, then the others summed.
    private static func dotProductLines(_ terms: DotProduct, input: String) -> [String] {
        let positions = terms.largest.map { indexText($0.position) }
        let inputs = terms.largest.map { number($0.input) }
        let weights = terms.largest.map { number($0.weight) }
        let (p, i, w) = (
            positions.map(\.count).max() ?? 0, inputs.map(\.count).max() ?? 0, weights.map(\.count).max() ?? 0
        )
        var lines = [
            Message.explainLargest(
                count: terms.largest.count, input: input, vector: terms.largest.first?.position.count == 1
            ).localized
        ]
        for (index, term) in terms.largest.enumerated() {
            lines.append(
                "    " + positions[index].padded(p) + "  " + inputs[index].leftPadded(i) + " × "
                    + weights[index].leftPadded(w) + " = " + number(term.product))
        }
        if terms.otherCount > 0 {
            lines.append(Message.explainOthers(count: terms.otherCount, sum: number(terms.otherSum)).localized)
        }
        return lines
    }

    /// `6–12`, or `6` for one position.
    private static func range(_ range: ClosedRange<Int>) -> String {
        range.count == 1 ? "\(range.lowerBound)" : "\(range.lowerBound)–\(range.upperBound)"
    }

    /// The explanation as one JSON object: each step's layer, kind and value, with the network's value.
    var json: String {
        func stepObject(_ step: ExplanationStep) -> [String: Any] {
            var object: [String: Any] = ["layer": step.layer, "value": step.value]
            switch step {
            case .convolution(_, _, let input, _, _, _, _, _, let terms, let bias, _):
                object["kind"] = "Conv2D"
                object["input"] = input
                object["products"] = terms.largest.count + terms.otherCount
                object["dot"] = terms.total
                object["bias"] = bias ?? 0
            case .batchNormalization(_, let x, _, _, _, _, _, let folded, _, _):
                object["kind"] = "BatchNormalization"
                object["input_value"] = x
                if let folded { object["folded"] = folded.value }
            case .relu(_, let x, _):
                object["kind"] = "Activation"
                object["input_value"] = x
            case .add(_, let inputs, _):
                object["kind"] = "Add"
                object["inputs"] = inputs.map { ["layer": $0.layer, "value": $0.value] as [String: Any] }
            case .pool(_, let maximum, let input, _, _, _, _):
                object["kind"] = maximum ? "MaxPooling2D" : "AveragePooling2D"
                object["input"] = input
            case .globalAveragePool(_, let input, _, _, _):
                object["kind"] = "GlobalAveragePooling2D"
                object["input"] = input
            case .zeroPadding(_, let input, _, _):
                object["kind"] = "ZeroPadding2D"
                object["input"] = input
            case .dense(_, let input, _, let terms, let bias, _, _):
                object["kind"] = "Dense"
                object["input"] = input
                object["logit"] = terms.total + bias
            }
            return object
        }
        var object: [String: Any] = [
            "layer": layer, "index": index, "kind": kind, "network": Double(networkValue),
            "steps": steps.map(stepObject),
        ]
        if let (relu, value) = reluAfter { object["relu_after"] = ["layer": relu, "value": value] }
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}

/// A value after an operator: negative ones in brackets, `(-0.02737)`.
private func operand(_ value: Double) -> String { value < 0 ? "(\(number(value)))" : number(value) }

/// A value with four significant digits: `0.3456`, `-12.35`, `1.234e-05`.
private func number(_ value: Double) -> String {
    value == 0 ? "0" : String(format: "%.4g", value)
}

// MARK: - The command

extension Notebook {
    /// `%explain LAYER (h, w, c)`: one value of the last forward pass, worked out by hand.
    func explain(_ request: ExplainRequest) throws -> String {
        guard let (handle, input) = interpreter.library.lastPrediction else { throw ExplainError.noForwardPass }
        var name = request.layer
        if case .tensor(let tensor)? = interpreter.variables[name] { name = tensor.layerName }
        let explanation = try Explanation.compute(
            layer: name, index: request.index, model: handle.model, weights: try handle.rawWeights(), input: input)
        return request.json ? explanation.json : explanation.text(width: TextWidth.current)
    }
}
