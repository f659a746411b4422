// Keras's functional API: `Input` makes a symbolic tensor, applying a layer to symbolic tensors
// records a node, and `Model(inputs, outputs)` keeps the nodes between them.

/// One application of a layer: the layer, the nodes it reads and the shape it makes.
public struct Node: Sendable {
    /// The layer, with its name filled in.
    public let layer: any Layer
    /// Indices of the nodes whose outputs this one reads, in order.
    public let inputs: [Int]
    /// The output shape, batch left out.
    public let outputShape: Shape

    /// The layer's name (always set once applied).
    public var name: String { layer.name ?? "" }
    /// Whether the name has the form Keras gives a layer left unnamed: `activation_7`, `add_3`.
    public var hasAutomaticName: Bool {
        let prefix = type(of: layer).autoNamePrefix + "_"
        let number = name.dropFirst(prefix.count)
        return name.hasPrefix(prefix) && !number.isEmpty && number.allSatisfy(\.isASCII)
            && number.allSatisfy(\.isNumber)
    }
    /// The shapes of the inputs, looked up in `nodes`.
    func inputShapes(in nodes: [Node]) -> [Shape] { inputs.map { nodes[$0].outputShape } }
    /// The layer's weights for this node's inputs.
    public func weightSpecs(in nodes: [Node]) -> [WeightSpec] { layer.weightSpecs(for: inputShapes(in: nodes)) }
}

/// The layers applied so far in one session: the record that `Model` reads.
///
/// Like a Keras session, it gives automatic names (`activation_1`, `activation_2`, …).
public final class LayerGraph {
    public private(set) var nodes: [Node] = []
    private var nameCounts: [String: Int] = [:]

    public init() {}

    /// Records `layer` applied to `inputs` and returns its symbolic output.
    public func apply<L: Layer>(_ layer: L, to inputs: [KerasTensor]) throws(ShapeError) -> KerasTensor {
        var layer = layer
        if layer.name == nil {
            let prefix = L.autoNamePrefix
            nameCounts[prefix, default: 0] += 1
            layer.name = "\(prefix)_\(nameCounts[prefix]!)"
        }
        guard inputs.allSatisfy({ $0.graph === self }) else { throw .differentGraphs(layer: layer.displayName) }
        let inputShapes = inputs.map(\.shape)
        let shape = try layer.outputShape(for: inputShapes)
        // Every tensor and count this node brings must be computable before anything uses it.
        _ = try checkedElementCount(shape, layer: layer.displayName, role: .output)
        for spec in layer.weightSpecs(for: inputShapes) {
            _ = try checkedElementCount(spec.shape, layer: layer.displayName, role: .weight(spec.name))
        }
        _ = try multiplyAdds(of: layer, inputs: inputShapes, output: shape)
        nodes.append(Node(layer: layer, inputs: inputs.map(\.node), outputShape: shape))
        return KerasTensor(graph: self, node: nodes.count - 1)
    }
}

/// A symbolic tensor: the output of one layer in a graph, with a shape and no values.
public struct KerasTensor: CustomStringConvertible {
    public let graph: LayerGraph
    /// Index of the node that makes it.
    public let node: Int

    /// The output of node `node` of `graph`.
    public init(graph: LayerGraph, node: Int) {
        precondition(graph.nodes.indices.contains(node), "no node \(node) in the graph")
        self.graph = graph
        self.node = node
    }

    /// The shape, batch left out: `[55, 55, 256]`.
    public var shape: Shape { graph.nodes[node].outputShape }
    /// The name of the layer that made it.
    public var layerName: String { graph.nodes[node].name }
    public var description: String { "<tensor \(layerName) \(kerasShape(shape))>" }
}

/// `Input(shape=…)`: starts a graph (or adds an input to `graph`).
public func Input(shape: Shape, name: String? = nil, in graph: LayerGraph = LayerGraph()) throws(ShapeError)
    -> KerasTensor
{
    for size in shape { try positive(size, "shape", layer: name ?? "Input") }
    return try graph.apply(InputLayer(shape: shape, name: name), to: [])
}

/// `layers.add([a, b])`: the element-wise sum, where a shortcut meets the main path.
public func add(_ tensors: [KerasTensor], name: String? = nil) throws(ShapeError) -> KerasTensor {
    guard let first = tensors.first else {
        throw .wrongInputCount(layer: name ?? "add", expected: "2 or more", found: 0)
    }
    return try first.graph.apply(Add(name: name), to: tensors)
}

/// `Model(inputs, outputs, name)`: the layers that lead from one input to one output, in the order
/// they were applied. A plain value: it owns no weights (see ``ModelWeights``).
public struct Model: Sendable {
    public let name: String
    /// The model's nodes in execution order; `inputs` indices refer to this array.
    public let nodes: [Node]
    /// Index of the input node (always 0) and of the output node (always the last).
    public var inputIndex: Int { 0 }
    public var outputIndex: Int { nodes.count - 1 }
    public var inputShape: Shape { nodes[inputIndex].outputShape }
    public var outputShape: Shape { nodes[outputIndex].outputShape }

    /// Keeps the nodes on the paths from `inputs` to `outputs`.
    public init(inputs: KerasTensor, outputs: KerasTensor, name: String = "model") throws(ShapeError) {
        let graph = outputs.graph
        guard inputs.graph === graph else { throw .differentGraphs(layer: name) }
        // Walk back from the output; keep what depends on the input.
        var needed = Set<Int>()
        var stack = [outputs.node]
        while let index = stack.popLast() {
            guard needed.insert(index).inserted else { continue }
            stack.append(contentsOf: graph.nodes[index].inputs)
        }
        guard needed.contains(inputs.node), graph.nodes[inputs.node].layer is InputLayer else {
            throw .outputNotConnected(output: outputs.layerName, input: inputs.layerName)
        }
        let order = needed.sorted()
        var position = [Int: Int]()
        for (new, old) in order.enumerated() { position[old] = new }
        var seen = Set<String>()
        var nodes = [Node]()
        for old in order {
            let node = graph.nodes[old]
            if node.layer is InputLayer, old != inputs.node {
                throw .outputNotConnected(output: outputs.layerName, input: node.name)
            }
            guard seen.insert(node.name).inserted else { throw .duplicateLayerName(node.name) }
            nodes.append(
                Node(layer: node.layer, inputs: node.inputs.map { position[$0]! }, outputShape: node.outputShape))
        }
        self.name = name
        self.nodes = nodes
        // Each node's counts were checked when it was applied; their totals must fit too.
        var parameters = 0
        var macs = 0
        for index in nodes.indices {
            guard let sum = Checked.sum(parameters, parameterCount(ofNode: index)) else {
                throw .countOverflow(layer: name, count: .parameters)
            }
            parameters = sum
            guard let sum = Checked.sum(macs, multiplyAdds(ofNode: index)) else {
                throw .countOverflow(layer: name, count: .multiplyAdds)
            }
            macs = sum
        }
    }

    /// Finds a layer's node by name.
    public func node(named name: String) -> Node? { nodes.first { $0.name == name } }

    /// The index of the node of the layer called `name`.
    public func nodeIndex(named name: String) -> Int? { nodes.firstIndex { $0.name == name } }

    /// Runs every node through its own `forward`, unfused, as Keras's layers compute: the reference the
    /// engine's fusions must reproduce, and the activations pictures and explanations show. Returns the
    /// output of each node in `keeping` (and of the last node); every other value is dropped once no
    /// later node reads it. Throws ``ShapeError/overMemoryBudget(use:bytes:limit:)`` before computing
    /// anything when the activations would not fit in memory.
    public func forwardLayerByLayer(_ input: Tensor, weights: ModelWeights, keeping: Set<Int> = [])
        throws(ShapeError) -> [Int: Tensor]
    {
        try checkActivationsFit(batch: input.shape.first ?? 1, operation: "predict")
        var lastUse = [Int](repeating: -1, count: nodes.count)
        for (index, node) in nodes.enumerated() { for source in node.inputs { lastUse[source] = index } }
        var values = [Tensor?](repeating: nil, count: nodes.count)
        var kept = [Int: Tensor]()
        for (index, node) in nodes.enumerated() {
            let value =
                node.layer is InputLayer
                ? input : node.layer.forward(node.inputs.map { values[$0]! }, weights: weights.byLayer[node.name] ?? [])
            if keeping.contains(index) || index == outputIndex { kept[index] = value }
            values[index] = value
            for source in Set(node.inputs) where lastUse[source] == index { values[source] = nil }
        }
        return kept
    }

    /// The nodes that own weights, with what they expect.
    public var weightedLayers: [(name: String, specs: [WeightSpec])] {
        nodes.compactMap { node in
            let specs = node.weightSpecs(in: nodes)
            return specs.isEmpty ? nil : (node.name, specs)
        }
    }

    /// Parameter counts as Keras's summary gives them.
    public var parameterCount: (total: Int, trainable: Int, nonTrainable: Int) {
        var trainable = 0
        var frozen = 0
        for node in nodes {
            for spec in node.weightSpecs(in: nodes) {
                if spec.trainable { trainable += spec.count } else { frozen += spec.count }
            }
        }
        return (trainable + frozen, trainable, frozen)
    }
}
