import ResNetCore

/// `%plan`: the engine's steps as a table, one row a step (the Keras layers wrapping under their
/// column when the terminal is narrow), then what the plan saves.
func planTable(_ plan: FusionPlan, width: Int) -> String {
    let model = plan.model
    let rows = plan.steps.enumerated().map { number, step in
        let layers = plan.layers(of: step).map { name, adds in
            adds.map { name + Message.planAdds($0).localized } ?? name
        }
        return [String(number + 1), plan.method(of: step), kerasShape(model.nodes[step.output].outputShape)] + layers
    }
    let header = [Message.columnStep, .columnRunsAs, .columnOutputShape, .columnKerasLayers].map(\.localized)
    let widths = (0..<3).map { column in ([header] + rows).map { displayWidth($0[column]) }.max() ?? 0 }
    let layersColumn = widths.reduce(0, +) + 3 * 2
    // The layers of a step fill the last column, a line breaking only before a `+ name`.
    let room = max(width - layersColumn, TextWidth.minimum / 2)
    let lines = ([header] + rows).map { row in
        var layerLines = [row[3]]
        for name in row.dropFirst(4) {
            let last = layerLines[layerLines.count - 1]
            if displayWidth(last) + 3 + displayWidth(name) <= room {
                layerLines[layerLines.count - 1] = last + " + " + name
            } else {
                layerLines.append("+ " + name)
            }
        }
        let start = row[0].leftPadded(widths[0]) + "  " + row[1].padded(widths[1]) + "  " + row[2].padded(widths[2])
        return ([start + "  " + layerLines[0]] + layerLines.dropFirst().map { "".padded(layersColumn) + $0 })
            .joined(separator: "\n")
    }
    var summary = [
        Message.planSummary(
            layers: model.nodes.count, steps: plan.steps.count, batchNorms: plan.foldedBatchNormCount,
            adds: plan.fusedAddCount, relus: plan.fusedReLUCount)
    ]
    let convolutions = plan.convolutions.count
    if convolutions > 0 {
        summary.append(
            .planConvolutions(
                count: convolutions, winograd4x4: plan.count(of: .winograd4x4), winograd2x2: plan.count(of: .winograd)))
    }
    return (lines + summary.map { wrap($0.localized, width: TextWidth.prose(columns: width)) }).joined(separator: "\n")
}
