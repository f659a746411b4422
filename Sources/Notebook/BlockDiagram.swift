import ResNetCore

/// A residual block as `%path` and the diagram files see it: the `add` where the two branches meet, the
/// layers of each branch back to the block input they share, and the ReLU after the add.
struct ResidualBlock: Sendable {
    /// The `add` node.
    let add: Int
    /// The node both branches start from (`nil` when the branches share none).
    let input: Int?
    /// The main path's nodes, first to last (the longer branch).
    let main: [Int]
    /// The shortcut's nodes, first to last: none for an identity block.
    let shortcut: [Int]
    /// The ReLU applied to the add's output, if any.
    let activation: Int?

    /// The block of the add at or just before `tensor` (the ReLU after a block's add leads back to it).
    init(containing tensor: KerasTensor) throws {
        let nodes = tensor.graph.nodes
        guard let addIndex = Self.nearestAdd(from: tensor.node, in: nodes) else {
            throw NotebookError.teaching(Message.notInsideResidualBlock(tensor.layerName).localized)
        }
        guard let block = ResidualBlock(add: addIndex, in: nodes) else {
            throw NotebookError.unsupported(Message.pathTwoInputs.localized)
        }
        self = block
    }

    /// The block whose add is `nodes[addIndex]`; `nil` unless that add has two inputs.
    init?(add addIndex: Int, in nodes: [Node]) {
        let add = nodes[addIndex]
        guard add.layer is Add, add.inputs.count == 2 else { return nil }
        // Walk each branch back until it reaches a node the other branch also reaches: the block input.
        let chains = add.inputs.map { Self.chain(from: $0, in: nodes) }
        let shared = Set(chains[0]).intersection(chains[1])
        let branches = chains.map { Array($0.prefix { !shared.contains($0) }.reversed()) }
        self.add = addIndex
        input = chains[0].first { shared.contains($0) }
        // The main path is the longer branch (keras.applications lists the shortcut first).
        (main, shortcut) =
            branches[0].count >= branches[1].count ? (branches[0], branches[1]) : (branches[1], branches[0])
        activation = nodes.indices.first {
            nodes[$0].inputs == [addIndex] && (nodes[$0].layer as? Activation)?.function == .relu
        }
    }

    /// What the shortcut is: the identity, a projection (its convolution's kernel and stride), or layers.
    func shortcutTitle(in nodes: [Node]) -> Message {
        if shortcut.isEmpty { return .shortcutIdentity }
        if let conv = shortcut.compactMap({ nodes[$0].layer as? Conv2D }).first {
            return .shortcutProjection(kernel: "\(conv.kernelSize.0)x\(conv.kernelSize.1)", stride: conv.strides.0)
        }
        return .shortcut
    }

    /// The add at or just before `index` (the ReLU after a block's add leads back to it).
    private static func nearestAdd(from index: Int, in nodes: [Node]) -> Int? {
        var queue = [index]
        var seen = Set<Int>()
        while !queue.isEmpty {
            let current = queue.removeFirst()
            guard seen.insert(current).inserted else { continue }
            if nodes[current].layer is Add { return current }
            queue.append(contentsOf: nodes[current].inputs)
        }
        return nil
    }

    /// `index` and its ancestors along first inputs, nearest first.
    private static func chain(from index: Int, in nodes: [Node]) -> [Int] {
        var result = [index]
        var current = index
        while let next = nodes[current].inputs.first {
            result.append(next)
            current = next
        }
        return result
    }
}

/// `%path x`: the residual block that made `x`, its main path and its shortcut side by side, or (when that
/// is wider than the terminal) the shortcut above the main path.
enum BlockDiagram {
    static func draw(_ tensor: KerasTensor, width: Int = TextWidth.current) throws -> String {
        let nodes = tensor.graph.nodes
        let block = try ResidualBlock(containing: tensor)
        let (main, shortcut) = (block.main, block.shortcut)

        /// A layer in one line, or (`split`) its name above its kind and shape.
        func rows(_ path: [Int], split: Bool) -> [String] {
            path.flatMap { index in
                let node = nodes[index]
                let kind = "\(describe(node.layer))  \(kerasShape(node.outputShape))"
                return split ? [node.name, "  " + kind] : ["\(node.name)  \(kind)"]
            }
        }
        let shortcutKind = block.shortcutTitle(in: nodes).localized
        var before = [String]()
        if let blockInput = block.input {
            before.append(
                Message.blockInput(nodes[blockInput].name, shape: kerasShape(nodes[blockInput].outputShape)).localized)
        }
        let add = nodes[block.add]
        var after = [Message.blockAdd(add.name, shape: kerasShape(add.outputShape)).localized]
        if let relu = block.activation {
            after.append("\(nodes[relu].name) (Activation relu) \(kerasShape(nodes[relu].outputShape))")
        }
        let layouts = [false, true].flatMap { split in
            let left = [Message.mainPath.localized] + rows(main, split: split)
            let right =
                [shortcutKind] + (shortcut.isEmpty ? [Message.noLayers.localized] : rows(shortcut, split: split))
            return [sideBySide(left, right), shortcutAbove(left, right)]
        }
        let drawings = layouts.map {
            (before.map { wrap($0, width: width) } + $0 + after.map { wrap($0, width: width) }).joined(separator: "\n")
        }
        return drawings.first { fits($0, in: width) } ?? drawings.last!
    }

    /// The main path on the left, the shortcut on the right, joined at the top and at the bottom.
    private static func sideBySide(_ left: [String], _ right: [String]) -> [String] {
        let width = (left.map(displayWidth).max() ?? 0) + 2
        var lines = ["├" + String(repeating: "─", count: width + 1) + "┐"]
        for i in 0..<max(left.count, right.count) {
            let row = i < left.count ? left[i] : ""
            lines.append("│ " + row.padded(width) + "│ " + (i < right.count ? right[i] : ""))
        }
        return lines + ["├" + String(repeating: "─", count: width + 1) + "┘"]
    }

    /// The shortcut first, on its own line down the left, which then runs down the right of the main path.
    private static func shortcutAbove(_ left: [String], _ right: [String]) -> [String] {
        let width = (left.map(displayWidth).max() ?? 0) + 2
        return ["├─┐"] + right.map { "│ │ " + $0 } + ["│ └" + String(repeating: "─", count: width - 1) + "┐"]
            + left.map { "│ " + $0.padded(width) + "│" } + ["├" + String(repeating: "─", count: width + 1) + "┘"]
    }

    static func describe(_ layer: any Layer) -> String {
        let kind = type(of: layer).kerasClassName
        if let conv = layer as? Conv2D { return "Conv2D \(conv.kernelSize.0)x\(conv.kernelSize.1)/\(conv.strides.0)" }
        if let activation = layer as? Activation { return "\(kind) \(activation.function.rawValue)" }
        return kind
    }
}

/// `%compare`: a conv block and an identity block on the same input, layer by layer.
enum Comparison {
    /// Both blocks on an input of shape `input` (H, W, C), with `filters` and the conv block's `stride`,
    /// fitted to `width` columns.
    static func render(input: Shape, filters: [Int], stride: Int, width: Int = TextWidth.current) throws -> String {
        let prose = TextWidth.prose(columns: width)
        var sections = [String]()
        let graph = LayerGraph()
        let x = try Input(shape: input, in: graph)
        let conv = try convBlock(x, kernelSize: 3, filters: filters, stage: 0, block: "c", strides: (stride, stride))
        sections.append(
            try table("conv_block(x, 3, \(filters), strides=(\(stride), \(stride)))", x, conv, width: width))
        if input[2] == filters[2] {
            let identity = try identityBlock(x, kernelSize: 3, filters: filters, stage: 0, block: "i")
            sections.append(try table("identity_block(x, 3, \(filters))", x, identity, width: width))
        } else {
            sections.append(
                wrap(
                    Message.notPossibleHere("identity_block(x, 3, \(filters))").localized + "\n"
                        + Teaching.identityBlockMismatch(input: input, filters: filters), width: prose))
        }
        sections.append(wrap(Message.whyOnlyConvBlockChangesShape.localized, width: prose))
        return sections.joined(separator: "\n\n")
    }

    /// One row of a table: a layer, or the column names.
    private struct Row {
        var name, kind, shortKind, shape, parameters, multiplyAdds: String

        /// The columns of the wide table, each as wide as it always was.
        var wide: String {
            "  " + name.padded(18) + " " + kind.padded(19) + " " + shape.padded(22) + " " + parameters.leftPadded(9)
                + " " + multiplyAdds.leftPadded(12)
        }
    }

    /// A block's layers with their output shapes, parameters and multiply-adds, then its totals: in the
    /// wide columns when they fit `width`, else in columns only as wide as their text, with short layer
    /// kinds (`BatchNorm`, `relu`) if need be, else each layer on two lines.
    private static func table(_ title: String, _ input: KerasTensor, _ output: KerasTensor, width: Int) throws
        -> String
    {
        let model = try Model(inputs: input, outputs: output, name: title)
        let type = Message.columnType.localized
        let header = Row(
            name: Message.columnLayer.localized, kind: type, shortKind: type, shape: Message.columnOutput.localized,
            parameters: Message.columnParams.localized, multiplyAdds: Message.columnMultiplyAdds.localized)
        let rows =
            [header]
            + model.nodes.indices.filter { !(model.nodes[$0].layer is InputLayer) }.map { index in
                let node = model.nodes[index]
                return Row(
                    name: node.name, kind: BlockDiagram.describe(node.layer), shortKind: shortDescription(node.layer),
                    shape: kerasShape(node.outputShape),
                    parameters: model.parameterCount(ofNode: index).formatted(thousandsSeparator: ","),
                    multiplyAdds: model.multiplyAdds(ofNode: index).formatted(thousandsSeparator: ","))
            }
        let layouts = [
            rows.map(\.wide),
            aligned(rows.map { [$0.name, $0.kind, $0.shape, $0.parameters, $0.multiplyAdds] }, indent: 2, numbers: 2),
            aligned(
                rows.map { [$0.name, $0.shortKind, $0.shape, $0.parameters, $0.multiplyAdds] }, indent: 2, numbers: 2),
            Array(
                zip(
                    aligned(rows.map { [$0.name, $0.kind] }, indent: 2, numbers: 0),
                    aligned(rows.map { [$0.shape, $0.parameters, $0.multiplyAdds] }, indent: 4, numbers: 2)
                ).map { [$0, $1] }.joined()),
        ]
        let lines = layouts.first { fits($0.joined(separator: "\n"), in: width) } ?? layouts.last!
        let shapes =
            "  " + Message.totalShapes(input: kerasShape(input.shape), output: kerasShape(output.shape)).localized
        let counts = Message.totalCounts(
            parameters: model.parameterCount.total.formatted(thousandsSeparator: ","),
            multiplyAdds: model.multiplyAdds.formatted(thousandsSeparator: ",")
        ).localized
        let total =
            displayWidth(shapes + " " + counts) <= width ? [shapes + " " + counts] : [shapes, "         " + counts]
        return ([title] + lines + total).joined(separator: "\n")
    }

    /// Columns as wide as their widest text, two spaces apart; the last `numbers` columns to the right.
    private static func aligned(_ rows: [[String]], indent: Int, numbers: Int) -> [String] {
        let widths = rows[0].indices.map { column in rows.map { displayWidth($0[column]) }.max() ?? 0 }
        return rows.map { row in
            var line =
                String(repeating: " ", count: indent)
                + row.indices.map { column in
                    column >= row.count - numbers
                        ? row[column].leftPadded(widths[column]) : row[column].padded(widths[column])
                }.joined(separator: "  ")
            while line.hasSuffix(" ") { line.removeLast() }
            return line
        }
    }

    /// A layer's kind in a few letters: `BatchNorm`, `relu`, `Conv2D 3x3/1`.
    private static func shortDescription(_ layer: any Layer) -> String {
        if layer is BatchNormalization { return "BatchNorm" }
        if let activation = layer as? Activation { return activation.function.rawValue }
        return BlockDiagram.describe(layer)
    }
}
