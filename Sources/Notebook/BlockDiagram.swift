import ResNetCore

/// `%path x`: the residual block that made `x`, its main path and its shortcut side by side.
enum BlockDiagram {
    static func draw(_ tensor: KerasTensor) throws -> String {
        let nodes = tensor.graph.nodes
        guard let addIndex = nearestAdd(from: tensor.node, in: nodes) else {
            throw NotebookError.teaching(
                "\(tensor.layerName) is not inside a residual block: no layers.add([...]) leads to it")
        }
        let add = nodes[addIndex]
        guard add.inputs.count == 2 else {
            throw NotebookError.unsupported("%path draws blocks whose add has two inputs")
        }

        // Walk each branch back until it reaches a node the other branch also reaches: the block input.
        let chains = add.inputs.map { chain(from: $0, in: nodes) }
        let shared = Set(chains[0]).intersection(chains[1])
        let branches = chains.map { Array($0.prefix { !shared.contains($0) }.reversed()) }
        let blockInput = chains[0].first { shared.contains($0) }
        // The main path is the longer branch (keras.applications lists the shortcut first).
        let (main, shortcut) =
            branches[0].count >= branches[1].count ? (branches[0], branches[1]) : (branches[1], branches[0])

        func row(_ index: Int) -> String {
            let node = nodes[index]
            return "\(node.name)  \(describe(node.layer))  \(kerasShape(node.outputShape))"
        }
        let shortcutKind: String
        if shortcut.isEmpty {
            shortcutKind = "shortcut: identity (the input itself)"
        } else if let conv = shortcut.compactMap({ nodes[$0].layer as? Conv2D }).first {
            shortcutKind = "shortcut: \(conv.kernelSize.0)x\(conv.kernelSize.1) projection, stride \(conv.strides.0)"
        } else {
            shortcutKind = "shortcut"
        }
        let leftRows = ["main path"] + main.map(row)
        let rightRows = [shortcutKind] + (shortcut.isEmpty ? ["(no layers)"] : shortcut.map(row))
        let width = (leftRows.map(\.count).max() ?? 0) + 2
        var lines = [String]()
        if let blockInput {
            lines.append("input: \(nodes[blockInput].name) \(kerasShape(nodes[blockInput].outputShape))")
        }
        lines.append("├" + String(repeating: "─", count: width + 1) + "┐")
        for i in 0..<max(leftRows.count, rightRows.count) {
            let left = i < leftRows.count ? leftRows[i] : ""
            let right = i < rightRows.count ? rightRows[i] : ""
            lines.append("│ " + left.padded(width) + "│ " + right)
        }
        lines.append("├" + String(repeating: "─", count: width + 1) + "┘")
        lines.append("\(add.name) (Add): main path + shortcut → \(kerasShape(add.outputShape))")
        if let after = nodes.indices.first(where: {
            nodes[$0].inputs == [addIndex] && (nodes[$0].layer as? Activation)?.function == .relu
        }) {
            lines.append("\(nodes[after].name) (Activation relu) \(kerasShape(nodes[after].outputShape))")
        }
        return lines.joined(separator: "\n")
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

    static func describe(_ layer: any Layer) -> String {
        let kind = type(of: layer).kerasClassName
        if let conv = layer as? Conv2D { return "Conv2D \(conv.kernelSize.0)x\(conv.kernelSize.1)/\(conv.strides.0)" }
        if let activation = layer as? Activation { return "\(kind) \(activation.function.rawValue)" }
        return kind
    }
}

/// `%compare`: a conv block and an identity block on the same input, layer by layer.
enum Comparison {
    /// Both blocks on an input of shape `input` (H, W, C), with `filters` and the conv block's `stride`.
    static func render(input: Shape, filters: [Int], stride: Int) throws -> String {
        var sections = [String]()
        let graph = LayerGraph()
        let x = try Input(shape: input, in: graph)
        let conv = try convBlock(x, kernelSize: 3, filters: filters, stage: 0, block: "c", strides: (stride, stride))
        sections.append(try table("conv_block(x, 3, \(filters), strides=(\(stride), \(stride)))", x, conv))
        if input[2] == filters[2] {
            let identity = try identityBlock(x, kernelSize: 3, filters: filters, stage: 0, block: "i")
            sections.append(try table("identity_block(x, 3, \(filters))", x, identity))
        } else {
            sections.append(
                "identity_block(x, 3, \(filters)): not possible here.\n"
                    + Teaching.identityBlockMismatch(input: input, filters: filters))
        }
        sections.append(
            """
            Why: the identity block adds its input unchanged to the main path, so its output must have the input's shape: \
            it cannot change the number of channels or the image size, and identity blocks can be chained any number of times. \
            The conv block puts a 1x1 convolution with a stride on the shortcut, so the two paths can change the shape together; \
            its output no longer matches its input, which is why it starts each stage and is not chained like the identity block.
            """)
        return sections.joined(separator: "\n\n")
    }

    private static func table(_ title: String, _ input: KerasTensor, _ output: KerasTensor) throws -> String {
        let model = try Model(inputs: input, outputs: output, name: title)
        var lines = [
            title,
            "  " + "layer".padded(18) + " " + "type".padded(19) + " " + "output".padded(22) + " "
                + "params".leftPadded(9) + " " + "mult-adds".leftPadded(12),
        ]
        for index in model.nodes.indices where !(model.nodes[index].layer is InputLayer) {
            let node = model.nodes[index]
            let own = model.multiplyAdds(ofNode: index)
            lines.append(
                "  " + node.name.padded(18) + " " + BlockDiagram.describe(node.layer).padded(19) + " "
                    + kerasShape(node.outputShape).padded(22)
                    + " " + model.parameterCount(ofNode: index).formatted(thousandsSeparator: ",").leftPadded(9) + " "
                    + own.formatted(thousandsSeparator: ",").leftPadded(12))
        }
        lines.append(
            "  total: \(kerasShape(input.shape)) → \(kerasShape(output.shape)), \(model.parameterCount.total.formatted(thousandsSeparator: ",")) params, "
                + "\(model.multiplyAdds.formatted(thousandsSeparator: ",")) multiply-adds")
        return lines.joined(separator: "\n")
    }
}
