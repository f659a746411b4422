// ResNet50 as the tutorial writes it in Keras: "Deep Residual Learning for Image Recognition",
// He, Zhang, Ren and Sun, 2015 (https://arxiv.org/abs/1512.03385). The two block functions and
// `ResNet50` follow the tutorial's `identity_block`, `conv_block` and `ResNet50` line by line,
// with the same layer names; those names are the keys of the Keras HDF5 weight file.

/// The tutorial's `identity_block`: three convolutions on the main path and nothing on the shortcut,
/// so the input is added unchanged and the output has the input's shape — blocks can be chained.
///
/// - Parameters:
///   - input: `(None, H, W, filters[2])`: the channels must equal `filters[2]` for the `add`.
///   - kernelSize: the middle convolution's kernel (3 in ResNet50).
///   - filters: channels of the three main-path convolutions, e.g. `[64, 64, 256]`.
///   - stage, block: name parts, e.g. stage 2, block "b" → `res2b_branch2a`.
/// - Returns: `(None, H, W, filters[2])`.
public func identityBlock(
    _ input: KerasTensor, kernelSize: Int, filters: [Int], stage: Int, block: String
) throws(ShapeError) -> KerasTensor {
    let (filters1, filters2, filters3) = try threeFilters(filters, stage: stage, block: block)
    let convNameBase = "res\(stage)\(block)_branch"
    let bnNameBase = "bn\(stage)\(block)_branch"

    var x = try Conv2D(filters1, kernelSize: (1, 1), name: convNameBase + "2a")(input)
    x = try BatchNormalization(name: bnNameBase + "2a")(x)
    x = try Activation(.relu)(x)

    x = try Conv2D(filters2, kernelSize: kernelSize, padding: .same, name: convNameBase + "2b")(x)
    x = try BatchNormalization(name: bnNameBase + "2b")(x)
    x = try Activation(.relu)(x)

    x = try Conv2D(filters3, kernelSize: (1, 1), name: convNameBase + "2c")(x)
    x = try BatchNormalization(name: bnNameBase + "2c")(x)

    x = try add([x, input])  // the shortcut: the input itself
    x = try Activation(.relu)(x)
    return x
}

/// The tutorial's `conv_block`: like the identity block, but the shortcut is a 1×1 convolution
/// with the same stride as the main path, so the block can change the number of channels and
/// shrink the image. Its input and output shapes differ, which is why it starts each stage.
///
/// - Parameters:
///   - strides: applied on `2a` and on the shortcut `1`; `(2, 2)` halves height and width
///     (stage 2 uses `(1, 1)`, since the max pool already shrank the image).
/// - Returns: `(None, ⌈H/s⌉, ⌈W/s⌉, filters[2])`.
public func convBlock(
    _ input: KerasTensor, kernelSize: Int, filters: [Int], stage: Int, block: String,
    strides: (Int, Int) = (2, 2)
) throws(ShapeError) -> KerasTensor {
    let (filters1, filters2, filters3) = try threeFilters(filters, stage: stage, block: block)
    let convNameBase = "res\(stage)\(block)_branch"
    let bnNameBase = "bn\(stage)\(block)_branch"

    var x = try Conv2D(filters1, kernelSize: (1, 1), strides: strides, name: convNameBase + "2a")(input)
    x = try BatchNormalization(name: bnNameBase + "2a")(x)
    x = try Activation(.relu)(x)

    x = try Conv2D(filters2, kernelSize: kernelSize, padding: .same, name: convNameBase + "2b")(x)
    x = try BatchNormalization(name: bnNameBase + "2b")(x)
    x = try Activation(.relu)(x)

    x = try Conv2D(filters3, kernelSize: (1, 1), name: convNameBase + "2c")(x)
    x = try BatchNormalization(name: bnNameBase + "2c")(x)

    var shortcut = try Conv2D(filters3, kernelSize: (1, 1), strides: strides, name: convNameBase + "1")(input)
    shortcut = try BatchNormalization(name: bnNameBase + "1")(shortcut)

    x = try add([x, shortcut])
    x = try Activation(.relu)(x)
    return x
}

/// The tutorial's `ResNet50()`: stem, 16 blocks in four stages, average pool and the classifier.
///
/// Shapes: 224 → 230 (pad) → 112 (conv1) → 55 (max pool, unpadded) → 55 (stage 2) → 28 (stage 3)
/// → 14 (stage 4) → 7 (stage 5) → 1 (average pool) → 1000 classes.
public func ResNet50(inputShape: Shape = [224, 224, 3], classes: Int = 1000, in graph: LayerGraph = LayerGraph())
    throws(ShapeError) -> Model
{
    let imgInput = try Input(shape: inputShape, in: graph)
    var x = try ZeroPadding2D(padding: (3, 3))(imgInput)
    x = try Conv2D(64, kernelSize: (7, 7), strides: (2, 2), name: "conv1")(x)
    x = try BatchNormalization(name: "bn_conv1")(x)
    x = try Activation(.relu)(x)
    x = try MaxPooling2D(poolSize: (3, 3), strides: (2, 2))(x)

    x = try convBlock(x, kernelSize: 3, filters: [64, 64, 256], stage: 2, block: "a", strides: (1, 1))
    x = try identityBlock(x, kernelSize: 3, filters: [64, 64, 256], stage: 2, block: "b")
    x = try identityBlock(x, kernelSize: 3, filters: [64, 64, 256], stage: 2, block: "c")

    x = try convBlock(x, kernelSize: 3, filters: [128, 128, 512], stage: 3, block: "a")
    x = try identityBlock(x, kernelSize: 3, filters: [128, 128, 512], stage: 3, block: "b")
    x = try identityBlock(x, kernelSize: 3, filters: [128, 128, 512], stage: 3, block: "c")
    x = try identityBlock(x, kernelSize: 3, filters: [128, 128, 512], stage: 3, block: "d")

    x = try convBlock(x, kernelSize: 3, filters: [256, 256, 1024], stage: 4, block: "a")
    x = try identityBlock(x, kernelSize: 3, filters: [256, 256, 1024], stage: 4, block: "b")
    x = try identityBlock(x, kernelSize: 3, filters: [256, 256, 1024], stage: 4, block: "c")
    x = try identityBlock(x, kernelSize: 3, filters: [256, 256, 1024], stage: 4, block: "d")
    x = try identityBlock(x, kernelSize: 3, filters: [256, 256, 1024], stage: 4, block: "e")
    x = try identityBlock(x, kernelSize: 3, filters: [256, 256, 1024], stage: 4, block: "f")

    x = try convBlock(x, kernelSize: 3, filters: [512, 512, 2048], stage: 5, block: "a")
    x = try identityBlock(x, kernelSize: 3, filters: [512, 512, 2048], stage: 5, block: "b")
    x = try identityBlock(x, kernelSize: 3, filters: [512, 512, 2048], stage: 5, block: "c")

    x = try AveragePooling2D(poolSize: (7, 7), name: "avg_pool")(x)
    x = try Flatten()(x)
    x = try Dense(classes, activation: .softmax, name: "fc1000")(x)

    return try Model(inputs: imgInput, outputs: x, name: "resnet50")
}

private func threeFilters(_ filters: [Int], stage: Int, block: String) throws(ShapeError) -> (Int, Int, Int) {
    guard filters.count == 3 else {
        throw .invalidArgument(
            layer: "block \(stage)\(block)", argument: "filters", value: "\(filters)",
            reason: .notThreeFilters)
    }
    return (filters[0], filters[1], filters[2])
}
