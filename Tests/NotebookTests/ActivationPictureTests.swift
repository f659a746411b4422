// %cam and %features, the parts that need no Keras: colour maps, grid layout, class arguments, the
// .npy bytes, errors, and both commands on a small network built at the prompt. The numbers are
// checked against tf-keras in tests/test_pictures_oracle.py.
import Foundation
import ResNetCore
import ResNetIO
import Testing

@testable import Notebook

private let chelsea = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Lessons/images/chelsea.png").path

@Suite struct ColourMapTests {
    @Test func viridisRunsFromDarkVioletToYellow() {
        #expect(ColourMap.viridis.colour(0) == (0x44, 0x01, 0x54))
        #expect(ColourMap.viridis.colour(1) == (0xFD, 0xE7, 0x25))
        #expect(ColourMap.viridis.colour(-3) == ColourMap.viridis.colour(0))
        #expect(ColourMap.viridis.colour(.nan) == ColourMap.viridis.colour(0))
        #expect(ColourMap.viridis.colour(7) == ColourMap.viridis.colour(1))
    }

    @Test func viridisGetsLighterAsTheValueGrows() {
        let luma = (0...255).map { i -> Float in
            let c = ColourMap.viridis.colour(Float(i) / 255)
            return 0.299 * Float(c.r) + 0.587 * Float(c.g) + 0.114 * Float(c.b)
        }
        #expect(zip(luma, luma.dropFirst()).allSatisfy { $1 >= $0 - 1 })
        #expect(luma.last! - luma.first! > 150)
    }

    @Test func jetRunsFromDarkBlueThroughGreenToDarkRed() {
        #expect(ColourMap.jet.colour(0) == (0, 0, 128))
        #expect(ColourMap.jet.colour(0.5) == (128, 255, 128))
        #expect(ColourMap.jet.colour(1) == (128, 0, 0))
    }
}

@Suite struct FeatureGridLayoutTests {
    @Test func sixteenMapsOf55Make4By4TilesTwoPixelsApart() {
        let layout = FeatureGridLayout(count: 16, mapHeight: 55, mapWidth: 55)
        #expect((layout.columns, layout.rows, layout.scale) == (4, 4, 1))
        #expect((layout.width, layout.height) == (4 * 55 + 3 * 2, 4 * 55 + 3 * 2))
        #expect(layout.tileOrigin(5) == (57, 57))
    }

    @Test func smallMapsAreEnlargedByAWholeFactor() {
        let layout = FeatureGridLayout(count: 10, mapHeight: 7, mapWidth: 7)
        #expect((layout.columns, layout.rows, layout.scale, layout.tileWidth) == (4, 3, 9, 63))
        #expect((layout.width, layout.height) == (4 * 63 + 3 * 2, 3 * 63 + 2 * 2))
        #expect(layout.size(panels: 3) == (3 * layout.width + 2 * FeatureGridLayout.panelGap, layout.height))
    }

    @Test func oneMapIsOneTile() {
        let layout = FeatureGridLayout(count: 1, mapHeight: 112, mapWidth: 112)
        #expect((layout.columns, layout.rows, layout.width, layout.height) == (1, 1, 112, 112))
    }

    @Test func aGridSharesOneScaleAcrossItsPanels() {
        let low = Tensor(shape: [1, 1, 1, 1], data: [-1])
        let high = Tensor(shape: [1, 1, 1, 1], data: [3])
        let grid = FeatureGrid(panels: [low, high], channels: 16)
        #expect(grid.channels == 1 && grid.low == -1 && grid.high == 3)
        let right = grid.layout.width + FeatureGridLayout.panelGap
        #expect(grid.image.pixel(x: 0, y: 0) == ColourMap.viridis.colour(0))
        #expect(grid.image.pixel(x: right, y: 0) == ColourMap.viridis.colour(1))
        #expect(grid.image.pixel(x: grid.layout.width, y: 0) == (255, 255, 255), "the gap between panels")
    }
}

@Suite struct ClassArgumentTests {
    private let outputs: [Float] = (0..<1000).map { $0 == 7 ? 0.9 : 0.0001 }
    private func index(_ word: String?) throws -> Int {
        try ClassArgument.index(word, outputs: outputs, labels: try ImageNetLabels.bundled())
    }

    @Test func noClassMeansTheTopOne() throws { #expect(try index(nil) == 7) }

    @Test func aClassIsAnIndexOrALabel() throws {
        #expect(try index("3") == 3)
        #expect(try index("tusker") == 101)
        #expect(try index("'African_elephant'") == 386)
        #expect(try index("african elephant") == 386)
    }

    @Test func anUnknownLabelSuggestsTheClosest() {
        #expect(throws: ActivationPictureError.unknownClass("tuskr", suggestion: "tusker")) { try index("tuskr") }
        #expect(throws: ActivationPictureError.classOutOfRange(1000, classes: 1000)) { try index("1000") }
    }
}

@Suite struct ActivationPictureCommandTests {
    @Test func camAndFeaturesParse() throws {
        #expect(
            try Command.parse("%cam tusker --png a.png --npy 'b c.npy'")
                == .classActivationMap(classWord: "tusker", png: .word("a.png"), npy: .quoted("b c.npy")))
        #expect(try Command.parse("%cam") == .classActivationMap(classWord: nil, png: nil, npy: nil))
        #expect(try Command.parse("%features res2a_branch2c 9") == .featureMaps("res2a_branch2c", count: 9, png: nil))
        #expect(
            try Command.parse("%features x --png f.png") == .featureMaps("x", count: 16, png: .word("f.png")))
        #expect(throws: CommandError.self) { try Command.parse("%features x 0") }
        #expect(throws: CommandError.self) { try Command.parse("%features") }
    }

    @Test func withoutAForwardPassTheySayWhatToRunFirst() {
        let n = Notebook()
        for line in ["%cam", "%features res2a_branch2c"] {
            let error = n.run(line).error ?? ""
            #expect(error.contains("run model.predict(x) or %classify IMAGE first"), "\(error)")
        }
    }

    /// A small network built at the prompt: a convolution, global average pooling and one Dense layer.
    private func smallNetwork(pooling: String = "GlobalAveragePooling2D()(x)") -> Notebook {
        let n = Notebook()
        for line in [
            "inputs = Input(shape=(16, 16, 3))",
            "x = Conv2D(6, (3, 3), padding='same', name='conv')(inputs)",
            "y = Activation('relu')(x)",
            "p = \(pooling)",
            "out = Dense(5, activation='softmax', name='fc')(p)",
            "model = Model(inputs, out)",
            "%random_weights model 2",
            "z = model.predict(preprocess_input(np.expand_dims(image.img_to_array(image.load_img('\(chelsea)', "
                + "target_size=(16, 16))), axis=0)))",
        ] {
            let cell = n.run(line)
            #expect(!cell.isError, "\(line): \(cell.output)")
        }
        return n
    }

    @Test func featuresOfATensorVariableShowItsLayer() {
        let cell = smallNetwork().run("%features x 4")
        #expect(!cell.isError, "\(cell.output)")
        #expect(cell.pictures.count == 1)
        #expect(cell.pictures.first?.caption.hasPrefix("feature maps of conv (Conv2D) (None, 16, 16, 6)") == true)
        #expect(
            cell.pictures.first.map { ($0.image.width, $0.image.height) } ?? (0, 0) == (4 * 2 * 16 + 2, 4 * 2 * 16 + 2))
    }

    @Test func anUnknownLayerSuggestsTheClosest() {
        let n = smallNetwork()
        #expect(n.run("%features cnv").error?.contains("did you mean 'conv'?") == true)
        #expect(n.run("%features fc").error?.contains("not feature maps") == true)
    }

    @Test func camFindsThePoolingByStructureAndSaysTheWeightsAreRandom() {
        let cell = smallNetwork().run("%cam 3")
        #expect(!cell.isError, "\(cell.output)")
        #expect(cell.output.contains("[RANDOM weights"))
        let caption = cell.pictures.first?.caption ?? ""
        #expect(caption.contains("of 3, probability") && caption.contains("fc's weights") && caption.contains("16×16"))
        #expect(cell.pictures.first.map { ($0.image.width, $0.image.height) } ?? (0, 0) == (16, 16))
        #expect(smallNetwork().run("%cam 5").error?.contains("out of range") == true)
    }

    @Test func camNeedsPoolingOverEveryPosition() {
        let n = smallNetwork(pooling: "Flatten()(AveragePooling2D((2, 2))(y))")
        #expect(n.run("%cam").error?.contains("GlobalAveragePooling2D") == true)
    }
}

@Suite struct NumpyFileTests {
    @Test func npyHeaderIsAlignedAndValuesAreLittleEndianFloat32() {
        let bytes = npyData(shape: [2, 3], values: [0, 1, 2, 3, 4, -1.5])
        #expect(Array(bytes.prefix(8)) == [0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = Int(bytes[8]) | Int(bytes[9]) << 8
        #expect((10 + length) % 64 == 0)
        let header = String(decoding: bytes[10..<(10 + length)], as: UTF8.self)
        #expect(
            header.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }") && header.hasSuffix("\n"))
        #expect(bytes.count == 10 + length + 24)
        #expect(Array(bytes.suffix(4)) == [0x00, 0x00, 0xC0, 0xBF])
    }

    @Test func deprocessingUndoesPreprocessInput() throws {
        let image = try loadImage(path: chelsea, targetSize: (224, 224))
        #expect(deprocessedImage(preprocessInput(image)) == image)
    }
}
