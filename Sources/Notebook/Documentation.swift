// `help NAME`, `NAME?` and `help(NAME)` for the Keras names the prompt knows: a signature, one
// sentence, one example and the lesson that uses it. A test checks that every built-in function and
// method has an entry here and that every entry names something the library defines.

/// What `help` says about one name.
struct Documentation: Sendable {
    /// The call as Keras writes it: `Conv2D(filters, kernel_size, strides=(1, 1), …)`.
    let signature: String
    /// One sentence: what it does.
    let summary: Message
    /// One line of the tutorial's code that uses it.
    let example: String
    /// The lesson that first uses it.
    let lesson: Int?

    /// The four parts, one a line, fitted to the width: the signature continues under its first parameter.
    var text: String {
        let width = TextWidth.current
        let parameters = signature.firstIndex(of: "(").map {
            signature.distance(from: signature.startIndex, to: $0) + 1
        }
        return
            ([wrap(signature, width: width, hangingIndent: parameters ?? 4), wrap(summary.localized, width: width)]
            + [Message.example(example).localized].map { wrap($0, width: width, hangingIndent: 4) }
            + (lesson.map { [Message.usedInLesson($0).localized] } ?? []))
            .joined(separator: "\n")
    }

    /// Every documented name: globals by their name, members as `owner.name` (`model.predict`).
    static let entries: [String: Documentation] = [
        "Input": .init(
            signature: "Input(shape, name=None)",
            summary: .docInput,
            example: "img_input = Input(shape=(224, 224, 3))", lesson: 1),
        "Conv2D": .init(
            signature:
                "Conv2D(filters, kernel_size, strides=(1, 1), padding='valid', activation=None, use_bias=True, name=None)",
            summary: .docConv2D,
            example: "x = Conv2D(64, (1, 1), name=conv_name_base + '2a')(input_tensor)", lesson: 1),
        "BatchNormalization": .init(
            signature: "BatchNormalization(axis=-1, epsilon=0.001, name=None)",
            summary: .docBatchNormalization,
            example: "x = BatchNormalization(name=bn_name_base + '2a')(x)", lesson: 2),
        "Activation": .init(
            signature: "Activation(activation, name=None)",
            summary: .docActivation,
            example: "x = Activation('relu')(x)", lesson: 1),
        "ZeroPadding2D": .init(
            signature: "ZeroPadding2D(padding=(1, 1), name=None)",
            summary: .docZeroPadding2D,
            example: "x = ZeroPadding2D((3, 3))(img_input)", lesson: 5),
        "MaxPooling2D": .init(
            signature: "MaxPooling2D(pool_size=(2, 2), strides=None, padding='valid', name=None)",
            summary: .docMaxPooling2D,
            example: "x = MaxPooling2D((3, 3), strides=(2, 2))(x)", lesson: 5),
        "AveragePooling2D": .init(
            signature: "AveragePooling2D(pool_size=(2, 2), strides=None, padding='valid', name=None)",
            summary: .docAveragePooling2D,
            example: "x = AveragePooling2D((7, 7), name='avg_pool')(x)", lesson: 5),
        "GlobalAveragePooling2D": .init(
            signature: "GlobalAveragePooling2D(name=None)",
            summary: .docGlobalAveragePooling2D,
            example: "x = GlobalAveragePooling2D()(x)", lesson: 7),
        "Flatten": .init(
            signature: "Flatten(name=None)", summary: .docFlatten,
            example: "x = Flatten()(x)", lesson: 5),
        "Dense": .init(
            signature: "Dense(units, activation=None, name=None)",
            summary: .docDense,
            example: "x = Dense(classes, activation='softmax', name='fc1000')(x)", lesson: 5),
        "Add": .init(
            signature: "Add(name=None)", summary: .docAdd,
            example: "x = Add()([x, shortcut])", lesson: nil),
        "add": .init(
            signature: "add(inputs, name=None)",
            summary: .docAddFunction,
            example: "x = add([x, input_tensor])", lesson: nil),
        "layers.add": .init(
            signature: "layers.add(inputs, name=None)",
            summary: .docLayersAdd,
            example: "x = layers.add([x, shortcut])", lesson: 1),
        "identity_block": .init(
            signature: "identity_block(input_tensor, kernel_size, filters, stage, block)",
            summary: .docIdentityBlock,
            example: "x = identity_block(x, 3, [64, 64, 256], stage=2, block='b')", lesson: 2),
        "conv_block": .init(
            signature: "conv_block(input_tensor, kernel_size, filters, stage, block, strides=(2, 2))",
            summary: .docConvBlock,
            example: "x = conv_block(x, 3, [128, 128, 512], stage=3, block='a')", lesson: 3),
        "ResNet50": .init(
            signature: "ResNet50(input_shape=[224, 224, 3], classes=1000)",
            summary: .docResNet50,
            example: "model = ResNet50()", lesson: 1),
        "Model": .init(
            signature: "Model(inputs, outputs, name='model')",
            summary: .docModel,
            example: "model = Model(img_input, x, name='resnet50')", lesson: 5),
        "model.summary": .init(
            signature: "model.summary()", summary: .docModelSummary,
            example: "model.summary()", lesson: 5),
        "model.load_weights": .init(
            signature: "model.load_weights(filepath)",
            summary: .docModelLoadWeights,
            example: "model.load_weights('resnet50_weights_tf_dim_ordering_tf_kernels.h5')", lesson: nil),
        "model.predict": .init(
            signature: "model.predict(x)",
            summary: .docModelPredict,
            example: "preds = model.predict(x)", lesson: 6),
        "model.count_params": .init(
            signature: "model.count_params()", summary: .docModelCountParams,
            example: "model.count_params()", lesson: nil),
        "image.load_img": .init(
            signature: "image.load_img(path, target_size=None)",
            summary: .docImageLoadImg,
            example: "img = image.load_img(img_path, target_size=(224, 224))", lesson: 6),
        "image.img_to_array": .init(
            signature: "image.img_to_array(img)", summary: .docImageImgToArray,
            example: "x = image.img_to_array(img)", lesson: 6),
        "np.expand_dims": .init(
            signature: "np.expand_dims(a, axis=0)",
            summary: .docNpExpandDims,
            example: "x = np.expand_dims(x, axis=0)", lesson: 6),
        "preprocess_input": .init(
            signature: "preprocess_input(x)",
            summary: .docPreprocessInput,
            example: "x = preprocess_input(x)", lesson: 6),
        "decode_predictions": .init(
            signature: "decode_predictions(preds, top=5)",
            summary: .docDecodePredictions,
            example: "print('Predicted:', decode_predictions(preds))", lesson: 6),
        "print": .init(
            signature: "print(*objects)", summary: .docPrint,
            example: "print('Input image shape:', x.shape)", lesson: 6),
        "str": .init(
            signature: "str(object)", summary: .docStr, example: "'res' + str(stage) + block + '_branch'",
            lesson: 2),
        "len": .init(
            signature: "len(object)", summary: .docLen,
            example: "len(model.layers)", lesson: nil),
        "range": .init(
            signature: "range(stop) or range(start, stop, step=1)", summary: .docRange,
            example: "for i in range(3):", lesson: nil),
        "int": .init(signature: "int(x)", summary: .docInt, example: "int('3')", lesson: nil),
        "float": .init(signature: "float(x)", summary: .docFloat, example: "float(2)", lesson: nil),
        "help": .init(
            signature: "help(object)",
            summary: .docHelp,
            example: "help(Conv2D)", lesson: nil),
    ]

    /// The entry for a name as typed: `Conv2D`, `layers.add`, `model.predict` (any variable holding a model).
    static func entry(for name: String) -> Documentation? {
        if let entry = entries[name] { return entry }
        guard let dot = name.lastIndex(of: ".") else { return nil }
        return entries["model." + name[name.index(after: dot)...]]
    }
}
