import Platform
import ResNetCore
import ResNetIO

// `%cam` and `%features`: pictures of the session's last forward pass (`model.predict(x)`, `%classify`).

extension Notebook {
    /// `%cam [CLASS] [--png FILE] [--npy FILE]`: the class activation map of CLASS (default: the top
    /// class) laid over the input image, as a picture; `--npy` writes the raw map (float32, `(7, 7)`).
    func classActivationMap(_ classWord: String?, png: PathArgument?, npy: PathArgument?) throws -> String {
        guard let (handle, input) = interpreter.library.lastPrediction else {
            throw ActivationPictureError.noForwardPass(command: "%cam")
        }
        _ = try ClassActivationSite(model: handle.model)
        let labels = try? ImageNetLabels.bundled()
        let map = try ClassActivationMap(model: handle.model, weights: try handle.rawWeights(), input: input) {
            try ClassArgument.index(classWord, outputs: $0, labels: labels)
        }
        let picture = map.picture
        let caption = camCaption(map, model: handle.model, labels: labels, random: handle.hasRandomWeights)
        interpreter.library.pictures.append(Picture(image: picture, caption: caption))
        var lines = [String]()
        if handle.hasRandomWeights { lines.append(Message.camMeaningless.localized) }
        if let png {
            let path = resolve(png)
            try picture.writePNG(to: path)
            lines.append(Message.wrotePicture(path: path, width: picture.width, height: picture.height).localized)
        }
        if let npy {
            let path = resolve(npy)
            try atomicWrite(npyData(shape: [map.height, map.width], values: map.values), to: path)
            lines.append(Message.wroteValues(path: path, shape: "(\(map.height), \(map.width))").localized)
        }
        return lines.joined(separator: "\n")
    }

    /// `%features LAYER_OR_TENSOR [N] [--png FILE]`: the first N channels of a layer's output for the
    /// last forward pass's image; for an `add` layer, its main path, its shortcut and their sum.
    func featureMaps(_ name: String, count: Int, png: PathArgument?) throws -> String {
        guard let (handle, input) = interpreter.library.lastPrediction else {
            throw ActivationPictureError.noForwardPass(command: "%features")
        }
        let model = handle.model
        var layerName = name
        if case .tensor(let tensor)? = interpreter.variables[name] { layerName = tensor.layerName }
        guard let index = model.nodeIndex(named: layerName) else {
            throw ActivationPictureError.unknownLayer(
                layerName, model: model.name,
                suggestion: closest(to: layerName, among: model.nodes.map(\.name)).first)
        }
        let node = model.nodes[index]
        guard node.outputShape.count == 3 else {
            throw ActivationPictureError.notFeatureMaps(layer: layerName, shape: kerasShape(node.outputShape))
        }
        let isAdd = node.layer is Add && node.inputs.count >= 2
        let shown = isAdd ? [node.inputs[0], node.inputs[1], index] : [index]
        let kept = try model.forwardLayerByLayer(
            firstImage(input), weights: try handle.rawWeights(), keeping: Set(shown))
        let grid = FeatureGrid(panels: shown.map { kept[$0]! }, channels: count)
        let caption: Message
        if isAdd {
            caption = .featuresAddCaption(
                layer: layerName, main: model.nodes[node.inputs[0]].name, shortcut: model.nodes[node.inputs[1]].name,
                channels: grid.channels, of: node.outputShape[2], low: short(grid.low), high: short(grid.high))
        } else {
            caption = .featuresCaption(
                layer: layerName, kind: type(of: node.layer).kerasClassName, shape: kerasShape(node.outputShape),
                channels: grid.channels, of: node.outputShape[2], low: short(grid.low), high: short(grid.high))
        }
        interpreter.library.pictures.append(Picture(image: grid.image, caption: caption.localized))
        guard let png else { return "" }
        let path = resolve(png)
        try grid.image.writePNG(to: path)
        return Message.wrotePicture(path: path, width: grid.image.width, height: grid.image.height).localized
    }
}

/// The caption of a class activation map: the class, its probability, the layers it is read from and
/// the raw map's range.
public func camCaption(_ map: ClassActivationMap, model: Model, labels: ImageNetLabels?, random: Bool) -> String {
    let classes = model.nodes[map.site.dense].outputShape.last ?? 0
    let label = labels.flatMap { $0.classes.count == classes ? $0.classes[map.classIndex].label : nil }
    return Message.camCaption(
        className: label.map { "\($0) (\(map.classIndex))" } ?? "\(map.classIndex)",
        probability: fourDecimals(map.probability), dense: model.nodes[map.site.dense].name,
        features: model.nodes[map.site.features].name, size: "\(map.height)×\(map.width)",
        low: short(map.values.min() ?? 0), high: short(map.values.max() ?? 0), random: random
    ).localized
}

/// A probability with four decimals: `0.4111`; `nan` or `inf` for a value that is not a finite number
/// (never a trap), a negative one as `0.0000`.
func fourDecimals(_ value: Float) -> String {
    if value.isNaN { return "nan" }
    if value.isInfinite { return value > 0 ? "inf" : "0.0000" }
    let scaled = Int((min(1e12, Double(max(0, value))) * 10000).rounded())  // bounded: Int never overflows
    let decimals = String(scaled % 10000)
    return "\(scaled / 10000)." + String(repeating: "0", count: 4 - decimals.count) + decimals
}
