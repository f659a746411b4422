// Runs a model fast. The graph the learner sees keeps every Keras layer; here, at load time,
// batch norm is folded into the convolution before it, and the ReLU and the shortcut `add` that
// follow a convolution run inside its GEMM epilogue:
//
//   conv → BN → relu            one GEMM (BN folded into kernel and bias), then max(·, 0)
//   conv → BN → add(·, s) → relu   one GEMM whose C starts as s + bias, then max(·, 0)
//
// Anything else runs layer by layer through `Layer.forward`.

#if canImport(Glibc)
    import Glibc
#endif

/// What the engine does at one step, reading and writing node values by index.
enum Step {
    /// A convolution with folded batch norm, optional shortcut `residual` and optional ReLU.
    case convolution(
        input: Int, output: Int, kernel: [Float], bias: [Float]?, geometry: WindowGeometry, filters: Int,
        residual: Int?, relu: Bool)
    /// A 3×3 stride-1 `same` convolution with folded batch norm by Winograd F(2×2, 3×3), optional ReLU.
    case winograd(input: Int, output: Int, transformedKernel: [Float], bias: [Float]?, filters: Int, relu: Bool)
    /// Any layer, computed by its own `forward`.
    case layer(node: Int, inputs: [Int], weights: [Tensor])

    var inputs: [Int] {
        switch self {
        case .convolution(let input, _, _, _, _, _, let residual, _): return [input] + (residual.map { [$0] } ?? [])
        case .winograd(let input, _, _, _, _, _): return [input]
        case .layer(_, let inputs, _): return inputs
        }
    }
    var output: Int {
        switch self {
        case .convolution(_, let output, _, _, _, _, _, _): return output
        case .winograd(_, let output, _, _, _, _): return output
        case .layer(let node, _, _): return node
        }
    }
}

/// The forward pass was stopped by its caller (Ctrl-C at the prompt).
public struct ForwardPassCancelled: Error, CustomStringConvertible {
    public var description: String { "forward pass cancelled" }
}

/// A model with its weights, compiled for inference.
public final class InferenceEngine {
    public let model: Model
    let steps: [Step]
    private let workspace = Workspace()
    /// How many threads each convolution is split over (default: the processors online).
    public var threadCount: Int {
        get { pool.threadCount }
        set { pool = WorkerPool(threadCount: newValue) }
    }
    private var pool = WorkerPool(threadCount: sysconf(Int32(_SC_NPROCESSORS_ONLN)))

    /// Compiles `model` with `weights`, folding each batch norm into its convolution.
    ///
    /// - Throws: ``WeightsMismatch`` when a layer's weights are missing or have the wrong shape;
    ///   ``BLASError`` when OpenBLAS cannot be loaded.
    public init(model: Model, weights: consuming ModelWeights) throws {
        try weights.validate(for: model)
        _ = try BLAS.info()
        self.model = model
        self.steps = Self.compile(model, weights: &weights)
    }

    /// The number of steps after fusion (for `bench` and lessons).
    public var stepCount: Int { steps.count }

    /// Runs the model on a batch `[N, …input shape]` and returns the output `[N, …output shape]`.
    ///
    /// - Parameters:
    ///   - shouldCancel: polled between steps; returning `true` stops with ``ForwardPassCancelled``.
    ///   - stepFinished: called after each step with its description and duration (for profiling).
    public func predict(
        _ input: Tensor, shouldCancel: () -> Bool = { false }, stepFinished: ((String, Duration) -> Void)? = nil
    ) throws -> Tensor {
        guard input.shape.count == model.inputShape.count + 1, Array(input.shape.dropFirst()) == model.inputShape,
            input.shape[0] > 0
        else { throw ShapeError.inputMismatch(expected: model.inputShape, found: input.shape) }

        var remainingUses = [Int](repeating: 0, count: model.nodes.count)
        for step in steps { for i in step.inputs { remainingUses[i] += 1 } }
        var values = [Tensor?](repeating: nil, count: model.nodes.count)
        values[model.inputIndex] = input

        let clock = ContinuousClock()
        // The pool's helper threads spin for the whole pass, so each split starts at once.
        return try pool.spinning {
            for step in steps {
                if shouldCancel() { throw ForwardPassCancelled() }
                let start = clock.now
                switch step {
                case .convolution(
                    let input, let output, let kernel, let bias, let geometry, let filters, let residual, let relu):
                    values[output] = conv2D(
                        values[input]!, kernel: kernel, bias: bias, geometry: geometry, filters: filters,
                        residual: residual.map { values[$0]! }, relu: relu, pool: pool, workspace: workspace)
                case .winograd(let input, let output, let kernel, let bias, let filters, let relu):
                    values[output] = winogradConv3x3(
                        values[input]!, transformedKernel: kernel, bias: bias, filters: filters, relu: relu,
                        pool: pool, workspace: workspace)
                case .layer(let node, let inputs, let weights):
                    values[node] = model.nodes[node].layer.forward(inputs.map { values[$0]! }, weights: weights)
                }
                if let stepFinished { stepFinished(describe(step), clock.now - start) }
                for i in step.inputs {
                    remainingUses[i] -= 1
                    if remainingUses[i] == 0 && i != model.outputIndex { values[i] = nil }
                }
            }
            return values[model.outputIndex]!
        }
    }

    /// A short description of a step: `conv 3x3/1 → (None, 55, 55, 64) +relu` or `MaxPooling2D max_pooling2d_1`.
    func describe(_ step: Step) -> String {
        switch step {
        case .convolution(_, let output, _, _, let g, _, let residual, let relu):
            return
                "conv \(g.rows.window)x\(g.columns.window)/\(g.rows.stride) → \(kerasShape(model.nodes[output].outputShape))"
                + (residual != nil ? " +add" : "") + (relu ? " +relu" : "")
        case .winograd(_, let output, _, _, _, let relu):
            return "conv 3x3/1 winograd → \(kerasShape(model.nodes[output].outputShape))" + (relu ? " +relu" : "")
        case .layer(let node, _, _):
            return "\(type(of: model.nodes[node].layer).kerasClassName) \(model.nodes[node].name)"
        }
    }

    // MARK: - Compilation

    private static func compile(_ model: Model, weights: inout ModelWeights) -> [Step] {
        let nodes = model.nodes
        var consumers = [[Int]](repeating: [], count: nodes.count)
        for (index, node) in nodes.enumerated() { for input in node.inputs { consumers[input].append(index) } }
        consumers[model.outputIndex].append(-1)  // the model's output is read by the caller

        func onlyConsumer(_ node: Int) -> Int? {
            consumers[node].count == 1 && consumers[node][0] >= 0 ? consumers[node][0] : nil
        }
        func isReLU(_ node: Int) -> Bool { (nodes[node].layer as? Activation)?.function == .relu }

        /// A conv (linear) and the batch norm folded into it; ends at `end`, the node whose value it makes.
        struct Chain {
            var conv: Int
            var batchNorm: Int?
            var end: Int
        }
        func chain(startingAt index: Int) -> Chain? {
            guard let conv = nodes[index].layer as? Conv2D, conv.activation == .linear else { return nil }
            var result = Chain(conv: index, batchNorm: nil, end: index)
            if let next = onlyConsumer(index), nodes[next].layer is BatchNormalization {
                result.batchNorm = next
                result.end = next
            }
            return result
        }

        var absorbed = Set<Int>()
        var deferredChains = [Int: (Chain, residual: Int)]()  // add node → the chain to run there
        var steps = [Step]()

        func convolutionStep(_ chain: Chain, output: Int, residual: Int?, relu: Bool) -> Step {
            let node = nodes[chain.conv]
            let conv = node.layer as! Conv2D
            let input = nodes[node.inputs[0]].outputShape
            var arrays = weights.byLayer.removeValue(forKey: node.name)!
            var kernel = arrays[0].data
            var bias: [Float]? = conv.useBias ? arrays[1].data : nil
            arrays = []
            if let bnIndex = chain.batchNorm {
                let bn = nodes[bnIndex].layer as! BatchNormalization
                let (scale, shift) = bn.scaleAndShift(
                    weights: weights.byLayer.removeValue(forKey: nodes[bnIndex].name)!)
                let filters = conv.filters
                kernel.withUnsafeMutableBufferPointer { k in
                    for row in 0..<(k.count / filters) {
                        for f in 0..<filters { k[row * filters + f] *= scale[f] }
                    }
                }
                var folded = shift
                if let b = bias { for f in 0..<filters { folded[f] += b[f] * scale[f] } }
                bias = folded
            }
            let geometry = try! conv.geometry(for: input)  // shapes were checked when the graph was built
            if conv.kernelSize == (3, 3), conv.strides == (1, 1), conv.padding == .same, residual == nil {
                return .winograd(
                    input: node.inputs[0], output: output,
                    transformedKernel: winogradKernel(kernel, inputChannels: input[2], filters: conv.filters),
                    bias: bias, filters: conv.filters, relu: relu)
            }
            return .convolution(
                input: node.inputs[0], output: output, kernel: kernel, bias: bias, geometry: geometry,
                filters: conv.filters, residual: residual, relu: relu)
        }

        for index in nodes.indices where !absorbed.contains(index) {
            let node = nodes[index]
            if node.layer is InputLayer { continue }
            if let (chain, residual) = deferredChains[index] {
                // conv → BN → add(·, residual) [→ relu]
                var output = index
                var relu = false
                if let next = onlyConsumer(index), isReLU(next) {
                    output = next
                    relu = true
                    absorbed.insert(next)
                }
                steps.append(convolutionStep(chain, output: output, residual: residual, relu: relu))
                continue
            }
            if let chain = chain(startingAt: index) {
                if let bn = chain.batchNorm { absorbed.insert(bn) }
                if let next = onlyConsumer(chain.end), isReLU(next) {
                    absorbed.insert(next)
                    steps.append(convolutionStep(chain, output: next, residual: nil, relu: true))
                } else if let next = onlyConsumer(chain.end), nodes[next].layer is Add, nodes[next].inputs.count == 2,
                    deferredChains[next] == nil, let residual = nodes[next].inputs.first(where: { $0 != chain.end })
                {
                    // Run at the add, with the other input as the GEMM's C.
                    deferredChains[next] = (chain, residual)
                } else {
                    steps.append(convolutionStep(chain, output: chain.end, residual: nil, relu: false))
                }
                continue
            }
            let layerWeights = weights.byLayer.removeValue(forKey: node.name) ?? []
            steps.append(.layer(node: index, inputs: node.inputs, weights: layerWeights))
        }
        // A conv whose add is deferred writes its value at the add; steps that read the add's value
        // (or the relu after it) come later in node order, so the order above is already valid.
        return steps
    }
}
