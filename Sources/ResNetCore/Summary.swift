// `model.summary()` as Keras 2 prints it for a functional model: columns at 33%, 55% and 67% of
// 98 characters, one row per layer (plus one per extra inbound tensor), layers in Keras's order.

extension Model {
    /// The layers in the order Keras lists them: deepest first (distance from the output), and
    /// among equally deep layers, the order a depth-first walk back from the output meets them.
    /// This is why Keras prints a conv block's shortcut `res2a_branch1` right after `res2a_branch2c`.
    public var kerasLayerOrder: [Int] {
        var depth = [Int](repeating: 0, count: nodes.count)
        for index in nodes.indices.reversed() {
            for input in nodes[index].inputs { depth[input] = max(depth[input], depth[index] + 1) }
        }
        var visitOrder = [Int: Int]()
        var stack = [outputIndex]
        while let index = stack.popLast() {
            guard visitOrder[index] == nil else { continue }
            visitOrder[index] = visitOrder.count
            stack.append(contentsOf: nodes[index].inputs.reversed())
        }
        return nodes.indices.sorted {
            (depth[$0], -visitOrder[$0, default: .max]) > (depth[$1], -visitOrder[$1, default: .max])
        }
    }

    /// The number of weights of one node, as Keras's "Param #" column shows it.
    public func parameterCount(ofNode index: Int) -> Int {
        nodes[index].weightSpecs(in: nodes).reduce(0) { $0 + $1.count }
    }

    /// Multiply-adds of one node for one image: convolutions and dense layers (the rest is negligible).
    public func multiplyAdds(ofNode index: Int) -> Int {
        let node = nodes[index]
        // Checked when the layer was applied, so it cannot fail here.
        return
            (try? ResNetCore.multiplyAdds(of: node.layer, inputs: node.inputShapes(in: nodes), output: node.outputShape))
            ?? 0
    }

    /// Multiply-adds of one forward pass of one image (ResNet50: about 3.9 billion).
    public var multiplyAdds: Int { nodes.indices.reduce(0) { $0 + multiplyAdds(ofNode: $1) } }

    /// The text `model.summary()` prints in Keras 2.
    public func summary() -> String {
        let lineLength = 98
        let positions = [32, 53, 65, 98]
        var lines = ["Model: \"\(name)\"", String(repeating: "_", count: lineLength)]
        func row(_ fields: [String]) {
            var line = ""
            for (i, field) in fields.enumerated() {
                if i > 0 { line = String(line.dropLast()) + " " }
                line = String((line + field).prefix(positions[i]))
                line += String(repeating: " ", count: positions[i] - line.count)
            }
            lines.append(line)
        }
        row(["Layer (type)", "Output Shape", "Param #", "Connected to"])
        lines.append(String(repeating: "=", count: lineLength))
        let order = kerasLayerOrder
        for (position, index) in order.enumerated() {
            let node = nodes[index]
            let connections = node.inputs.map { "\(nodes[$0].name)[0][0]" }
            row([
                "\(node.name) (\(type(of: node.layer).kerasClassName))", kerasShape(node.outputShape),
                String(parameterCount(ofNode: index)), connections.first ?? "",
            ])
            for extra in connections.dropFirst() { row(["", "", "", extra]) }
            lines.append(String(repeating: position == order.count - 1 ? "=" : "_", count: lineLength))
        }
        let counts = parameterCount
        lines.append("Total params: \(counts.total.formatted(thousandsSeparator: ","))")
        lines.append("Trainable params: \(counts.trainable.formatted(thousandsSeparator: ","))")
        lines.append("Non-trainable params: \(counts.nonTrainable.formatted(thousandsSeparator: ","))")
        lines.append(String(repeating: "_", count: lineLength))
        return lines.joined(separator: "\n")
    }
}

extension Int {
    /// `25636712` → `25,636,712`.
    public func formatted(thousandsSeparator separator: String) -> String {
        let digits = String(magnitude)
        var groups = [Substring]()
        var end = digits.endIndex
        while end > digits.startIndex {
            let start = digits.index(end, offsetBy: -3, limitedBy: digits.startIndex) ?? digits.startIndex
            groups.insert(digits[start..<end], at: 0)
            end = start
        }
        return (self < 0 ? "-" : "") + groups.joined(separator: separator)
    }
}
