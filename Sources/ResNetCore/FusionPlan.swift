// What the engine runs, decided from the graph's shapes alone (no weights): which Keras layers
// run together as one step. A convolution takes the layers after it when nothing else reads
// what lies between them:
//
//   conv → BN → relu               one step: BN folded into the kernel and bias, then max(·, 0)
//   conv → BN → add(·, s) → relu   one step: the GEMM's C starts as s + bias, then max(·, 0)
//
// (the BN and the ReLU are each optional). Every other layer is a step of its own. The engine
// then lowers this plan with the weights (see `InferenceEngine`).

/// How a convolution step computes.
public enum ConvolutionAlgorithm: Sendable, Equatable {
    /// Every receptive field laid out as a row (im2col), then one matrix product (GEMM) with the
    /// kernel; a 1×1 convolution, strided or not, multiplies the input's pixels in place, with no copy.
    case im2col
    /// Winograd F(2×2, 3×3): each 2×2 block of outputs from a 4×4 tile with 16 multiplies instead of 36.
    /// Only for 3×3, stride-1, `same` convolutions, and only without a fused `add`.
    case winograd
    /// Winograd F(4×4, 3×3): each 4×4 block of outputs from a 6×6 tile with 36 multiplies instead of 144.
    /// Its rounding errors grow with the channels summed, so only on images of at least 28×28
    /// (ResNet50's stages 2 and 3, 64 and 128 channels).
    case winograd4x4

    /// Whether the algorithm is one of Winograd's.
    public var isWinograd: Bool { self != .im2col }

    /// The rule, for 3×3, stride 1, `same` (when no `add` is fused): F(4×4) on images of at least 28×28,
    /// F(2×2) down to 14×14, and im2col on smaller ones. On ResNet50's 7×7 images (stage 5) F(2×2)'s
    /// tiles cover 8×8 and its transformed kernels take 16/9 the memory: 22 MB more, to save a sixth of
    /// those convolutions' time. Every other convolution runs by im2col (none for a 1×1).
    static func choose(for conv: Conv2D, input: Shape, fusesAdd: Bool) -> ConvolutionAlgorithm {
        guard conv.kernelSize == (3, 3) && conv.strides == (1, 1) && conv.padding == .same && !fusesAdd else {
            return .im2col
        }
        switch min(input[0], input[1]) {
        case 28...: return .winograd4x4
        case 14...: return .winograd
        default: return .im2col
        }
    }
}

/// The engine's plan for a model: its layers grouped into the steps it runs, in order.
public struct FusionPlan: Sendable {
    /// A convolution with the layers that run inside it: conv [→ BN] [→ add] [→ ReLU].
    public struct FusedConvolution: Sendable, Equatable {
        /// The `add` a convolution's result flows into, computed as the GEMM's C.
        public struct FusedAdd: Sendable, Equatable {
            /// The add's node.
            public let node: Int
            /// The add's other input, the value the GEMM's C starts from: the shortcut in the tutorial's
            /// blocks (the main path in `keras.applications`' first blocks, whose shortcut comes first).
            public let otherInput: Int
        }
        /// The `Conv2D` node (linear activation).
        public let conv: Int
        /// The node the convolution reads.
        public let input: Int
        /// The batch norm folded into the kernel and bias, if the convolution feeds one and nothing else.
        public let batchNorm: Int?
        /// The add fused into the GEMM, if any.
        public let add: FusedAdd?
        /// The ReLU applied to the result, if any.
        public let relu: Int?
        /// How the convolution computes.
        public let algorithm: ConvolutionAlgorithm

        /// The node whose value the step makes: the last layer it runs.
        public var output: Int { relu ?? add?.node ?? batchNorm ?? conv }
        /// The nodes the step runs, in the graph's order.
        public var nodes: [Int] { [conv] + [batchNorm, add?.node, relu].compactMap { $0 } }
    }

    /// One step of the plan.
    public enum Step: Sendable, Equatable {
        /// A convolution and the layers fused into it.
        case convolution(FusedConvolution)
        /// One layer computed by its own `forward` (padding, pooling, dense, or anything not fused).
        case layer(node: Int)

        /// The node whose value the step makes.
        public var output: Int {
            switch self {
            case .convolution(let fused): return fused.output
            case .layer(let node): return node
            }
        }
        /// The nodes the step runs.
        public var nodes: [Int] {
            switch self {
            case .convolution(let fused): return fused.nodes
            case .layer(let node): return [node]
            }
        }
    }

    /// The model planned.
    public let model: Model
    /// The steps, in the order they run. The input layer is not a step: it is where the image goes in.
    public let steps: [Step]

    /// Plans `model`: the same shapes always give the same plan.
    public init(_ model: Model) {
        self.model = model
        let soleReader = Self.soleReaders(model)
        // First, what each convolution takes with it; a convolution that takes an add runs at the add,
        // when both of the add's inputs exist. When both inputs of an add are convolutions that could
        // take it, the first in the graph does and the other runs on its own.
        var convolutionAt = [Int: FusedConvolution]()
        var addsTaken = Set<Int>()
        var fused = Set<Int>()
        for index in model.nodes.indices {
            guard
                let convolution = Self.fusedConvolution(
                    at: index, in: model.nodes, soleReader: soleReader, addsTaken: addsTaken)
            else { continue }
            if let add = convolution.add { addsTaken.insert(add.node) }
            convolutionAt[convolution.add?.node ?? index] = convolution
            fused.formUnion(convolution.nodes)
        }
        // Then the steps in the graph's order.
        steps = model.nodes.indices.compactMap { index in
            if let convolution = convolutionAt[index] { return .convolution(convolution) }
            if fused.contains(index) || model.nodes[index].layer is InputLayer { return nil }
            return .layer(node: index)
        }
    }

    /// For each node, the one node that reads its value, or `nil` when several do, none does or the
    /// caller reads it (the model's output). A node reading it twice (`add([x, x])`) counts as two.
    private static func soleReaders(_ model: Model) -> [Int?] {
        var readers = [[Int]](repeating: [], count: model.nodes.count)
        for (index, node) in model.nodes.enumerated() {
            for input in node.inputs { readers[input].append(index) }
        }
        return readers.indices.map { $0 != model.outputIndex && readers[$0].count == 1 ? readers[$0][0] : nil }
    }

    /// The convolution starting at node `index` with the layers it takes, or `nil` if `index` is
    /// not a linear `Conv2D`.
    private static func fusedConvolution(at index: Int, in nodes: [Node], soleReader: [Int?], addsTaken: Set<Int>)
        -> FusedConvolution?
    {
        guard let conv = nodes[index].layer as? Conv2D, conv.activation == .linear else { return nil }
        func reader(of node: Int, if isWanted: (any Layer) -> Bool) -> Int? {
            guard let reader = soleReader[node], isWanted(nodes[reader].layer) else { return nil }
            return reader
        }
        let isReLU = { (layer: any Layer) in (layer as? Activation)?.function == .relu }
        let batchNorm = reader(of: index) { $0 is BatchNormalization }
        let end = batchNorm ?? index
        var add: FusedConvolution.FusedAdd?
        var relu = reader(of: end, if: isReLU)
        if relu == nil, let addNode = reader(of: end, if: { $0 is Add }), nodes[addNode].inputs.count == 2,
            !addsTaken.contains(addNode), let other = nodes[addNode].inputs.first(where: { $0 != end })
        {
            add = .init(node: addNode, otherInput: other)
            relu = reader(of: addNode, if: isReLU)
        }
        return FusedConvolution(
            conv: index, input: nodes[index].inputs[0], batchNorm: batchNorm, add: add, relu: relu,
            algorithm: .choose(for: conv, input: nodes[nodes[index].inputs[0]].outputShape, fusesAdd: add != nil))
    }

    // MARK: - Counts

    /// Batch norms folded into the convolution before them.
    public var foldedBatchNormCount: Int { convolutions.filter { $0.batchNorm != nil }.count }
    /// Adds computed inside a convolution's GEMM.
    public var fusedAddCount: Int { convolutions.filter { $0.add != nil }.count }
    /// ReLUs applied at the end of a convolution step.
    public var fusedReLUCount: Int { convolutions.filter { $0.relu != nil }.count }
    /// Convolutions run by Winograd.
    public var winogradCount: Int { convolutions.filter(\.algorithm.isWinograd).count }
    /// Convolutions run by `algorithm`.
    public func count(of algorithm: ConvolutionAlgorithm) -> Int {
        convolutions.filter { $0.algorithm == algorithm }.count
    }
    /// The convolution steps, in order.
    public var convolutions: [FusedConvolution] {
        steps.compactMap {
            guard case .convolution(let fused) = $0 else { return nil }
            return fused
        }
    }

    // MARK: - Describing steps

    /// How a step computes, in a few words: `Winograd F(4x4,3x3)`, `im2col GEMM 7x7/2`, `GEMM 1x1/2`,
    /// `MaxPooling2D`.
    public func method(of step: Step) -> String {
        switch step {
        case .convolution(let fused):
            let conv = model.nodes[fused.conv].layer as! Conv2D
            let window = "\(conv.kernelSize.0)x\(conv.kernelSize.1)"
            switch fused.algorithm {
            case .winograd: return "Winograd F(2x2,3x3)"
            case .winograd4x4: return "Winograd F(4x4,3x3)"
            // A 1×1 convolution multiplies its input in place, strided or not: no im2col.
            case .im2col where conv.kernelSize == (1, 1) && conv.strides == (1, 1): return "GEMM \(window)"
            case .im2col where conv.kernelSize == (1, 1): return "GEMM \(window)/\(conv.strides.0)"
            case .im2col: return "im2col GEMM \(window)/\(conv.strides.0)"
            }
        case .layer(let node):
            return type(of: model.nodes[node].layer).kerasClassName
        }
    }

    /// The Keras layers a step runs, in order, each with the other input of an add:
    /// `res2c_branch2c, bn2c_branch2c, add_3 (adds activation_7), activation_10`.
    public func layers(of step: Step) -> [(name: String, adds: String?)] {
        let name = { (node: Int) in self.model.nodes[node].name }
        guard case .convolution(let fused) = step else { return [(name(step.output), nil)] }
        var parts = [(name(fused.conv), String?.none)]
        if let batchNorm = fused.batchNorm { parts.append((name(batchNorm), nil)) }
        if let add = fused.add { parts.append((name(add.node), name(add.otherInput))) }
        if let relu = fused.relu { parts.append((name(relu), nil)) }
        return parts
    }
}
