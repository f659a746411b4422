import Foundation
import Testing

@testable import Notebook
@testable import ResNetCore

/// Runs cells in a fresh notebook and returns the last cell.
@discardableResult
func run(_ lines: [String], in notebook: Notebook = Notebook()) -> Cell {
    var last: Cell!
    for line in lines { last = notebook.run(line) }
    return last
}

@Suite struct TutorialLinesTests {
    /// The tutorial's identity_block body, typed line by line with stage 2, block 'b'.
    static let identityBlockLines = [
        "from keras import layers",
        "input_tensor = Input(shape=(55, 55, 256))",
        "kernel_size = 3",
        "filters = [64, 64, 256]",
        "stage = 2",
        "block = 'b'",
        "filters1, filters2, filters3 = filters",
        "conv_name_base = 'res' + str(stage) + block + '_branch'",
        "bn_name_base = 'bn' + str(stage) + block + '_branch'",
        "x = Conv2D(filters1, (1, 1), name=conv_name_base + '2a')(input_tensor)",
        "x = BatchNormalization(name=bn_name_base + '2a')(x)",
        "x = Activation('relu')(x)",
        "x = Conv2D(filters2, kernel_size,padding='same', name=conv_name_base + '2b')(x)",
        "x = BatchNormalization(name=bn_name_base + '2b')(x)",
        "x = Activation('relu')(x)",
        "x = Conv2D(filters3, (1, 1), name=conv_name_base + '2c')(x)",
        "x = BatchNormalization(name=bn_name_base + '2c')(x)",
        "x = layers.add([x, input_tensor])",
        "x = Activation('relu')(x)",
    ]

    @Test func identityBlockTypedLineByLineEndsAt55x55x256() {
        let notebook = Notebook()
        let cells = Self.identityBlockLines.map { notebook.run($0) }
        #expect(cells.allSatisfy { !$0.isError }, "\(cells.filter(\.isError).map(\.output))")
        #expect(cells[9].output == "x = <tensor res2b_branch2a (Conv2D) (None, 55, 55, 64)>")
        #expect(cells.last!.output.hasSuffix("(Activation) (None, 55, 55, 256)>"))
    }

    @Test func convBlockOfStage3HalvesTheImageAndDoublesTheChannels() {
        let cell = run([
            "x = Input(shape=(55, 55, 256))",
            "y = conv_block(x, 3, [128, 128, 512], stage=3, block='a')",
        ])
        #expect(cell.output.hasSuffix("(None, 28, 28, 512)>"))
    }

    @Test func identityBlockOnTheWrongChannelsTeachesAboutTheShortcut() {
        let cell = run(["x = Input(shape=(55, 55, 64))", "y = identity_block(x, 3, [64, 64, 256], stage=2, block='b')"])
        #expect(cell.isError)
        #expect(cell.output.contains("(None, 55, 55, 64)") && cell.output.contains("(None, 55, 55, 256)"))
        #expect(cell.output.contains("shortcut adds the input unchanged") && cell.output.contains("conv_block"))
    }

    @Test func modelSummaryTotalsMatchTheEngine() {
        let cell = run(["model = ResNet50()", "model.summary()"])
        let totals = (try? ResNet50())!.parameterCount
        #expect(cell.output.contains("Total params: \(totals.total.formatted(thousandsSeparator: ","))"))
        #expect(cell.output.contains("Non-trainable params: 53,120"))
    }

    @Test func addOfDifferentShapesShowsBoth() {
        let cell = run(["a = Input(shape=(8, 8, 4))", "b = Conv2D(8, 1)(a)", "layers.add([a, b])"])
        #expect(cell.isError && cell.output.contains("(None, 8, 8, 4)") && cell.output.contains("(None, 8, 8, 8)"))
    }

    @Test func tensorShapeIsAPythonTuple() {
        #expect(run(["x = Input(shape=(7, 7, 3))", "x.shape"]).output == "(None, 7, 7, 3)")
    }

    @Test func importsAreAcceptedAndDoNothing() {
        let notebook = Notebook()
        for line in ["import numpy as np", "from keras.layers import Input, Dense", "import keras.backend as K"] {
            #expect(!notebook.run(line).isError)
        }
    }
}

@Suite struct TeachingErrorTests {
    @Test func unknownNameSuggestsTheClosest() {
        let cell = run(["identiy_block"])
        #expect(cell.output == "error: name 'identiy_block' is not defined; did you mean identity_block?")
    }

    @Test func wrongKeywordNamesTheParameters() {
        let cell = run(["Conv2D(64, (1, 1), stride=(2, 2))"])
        #expect(cell.output.contains("unexpected keyword argument 'stride' (did you mean strides?)"))
        #expect(cell.output.contains("filters, kernel_size, strides, padding"))
    }

    @Test func unsupportedPythonSaysWhatIsSupported() {
        let cell = run(["while True: pass"])
        #expect(cell.isError && cell.output.contains("assignments, calls"))
    }

    @Test func predictWithoutWeightsSaysHowToGetThem() {
        let chelsea = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Lessons/images/chelsea.png").path
        let cell = run([
            "model = ResNet50()",
            "x = np.expand_dims(image.img_to_array(image.load_img('\(chelsea)', target_size=(224, 224))), axis=0)",
            "model.predict(preprocess_input(x))",
        ])
        #expect(cell.isError)
        #expect(cell.output.contains("reslab weights download"))
        #expect(cell.output.contains("%random_weights model"))
    }

    @Test func aMissingCommaBeforeABracketIsNamed() {
        #expect(run(["x = Conv2D(64 (1, 1))"]).error?.contains("is a comma missing before the '('?") == true)
    }

    @Test func aKerasWordTypedBareIsToBeQuoted() {
        #expect(
            run(["a = Activation(relu)"]).error
                == "name 'relu' is not defined: Keras takes it as a string, in quotes: 'relu'")
    }

    @Test func unknownCommandSuggests() {
        #expect(run(["%pth x"]).output.contains("did you mean %path?"))
    }
}

@Suite struct CommandTests {
    @Test func pathShowsAnIdentityShortcut() {
        let cell = run([
            "x = Input(shape=(55, 55, 256))", "y = identity_block(x, 3, [64, 64, 256], stage=2, block='b')", "%path y",
        ])
        #expect(cell.output.contains("shortcut: identity"))
        #expect(cell.output.contains("res2b_branch2b  Conv2D 3x3/1  (None, 55, 55, 64)"))
        #expect(cell.output.contains("add_1 (Add): main path + shortcut → (None, 55, 55, 256)"))
    }

    @Test func pathShowsAProjectionShortcutWithItsStride() {
        let cell = run([
            "x = Input(shape=(55, 55, 256))", "y = conv_block(x, 3, [128, 128, 512], stage=3, block='a')", "%path y",
        ])
        #expect(cell.output.contains("shortcut: 1x1 projection, stride 2"))
        #expect(cell.output.contains("res3a_branch1  Conv2D 1x1/2  (None, 28, 28, 512)"))
    }

    @Test func compareExplainsWhyIdentityBlocksKeepTheShape() {
        let cell = run(["%compare 56 56 64 64 64 256"])
        #expect(!cell.isError)
        #expect(cell.output.contains("conv_block") && cell.output.contains("not possible here"))
        #expect(cell.output.contains("multiply-adds"))
    }

    @Test func paramsAndFlopsOfTheWholeModel() {
        #expect(run(["m = ResNet50()", "%params m"]).output.contains("25,636,712 parameters"))
        #expect(run(["m = ResNet50()", "%flops m"]).output.contains("GFLOP"))
    }

    @Test func layersFiltersByName() {
        let output = run(["m = ResNet50()", "%layers m res5c"]).output
        #expect(output.split(separator: "\n").count == 3)
    }

    @Test func timeRunsTheLineAndSaysHowLong() {
        let output = run(["%time x = Input(shape=(4, 4, 3))"]).output
        #expect(output.hasPrefix("x = <tensor input_1") && output.contains("time: ") && output.hasSuffix(" ms"))
    }

    @Test func resetForgetsVariables() {
        let notebook = Notebook()
        run(["a = 1", "%reset"], in: notebook)
        #expect(notebook.run("a").isError)
    }

    @Test func ipynbHasOneCodeCellPerCell() throws {
        let notebook = Notebook()
        run(["x = Input(shape=(4, 4, 3))", "x.shape", "nope"], in: notebook)
        let json = try notebook.ipynb()
        #expect(json.contains("\"nbformat\" : 4"))
        #expect(json.components(separatedBy: "\"cell_type\" : \"code\"").count == 4)
    }

    @Test func aSavedNotebookGivesBackItsCodeCellsInOrder() throws {
        let notebook = Notebook()
        let sources = ["x = Input(shape=(4, 4, 3))", "y = Conv2D(8, (3, 3))(x)\ny.shape", "nope"]
        run(sources, in: notebook)
        #expect(Notebook.codeCells(ofJupyterNotebook: try notebook.ipynb()) == sources)
    }

    @Test func codeCellsAreReadFromAStringOrLinesAndMarkdownIsSkipped() {
        let json = """
            {"cells": [{"cell_type": "markdown", "source": "# title"}, {"cell_type": "code", "source": ["a = 1\\n", "a"]},
             {"cell_type": "code", "source": "b = 2"}, {"cell_type": "raw", "source": "c"}]}
            """
        #expect(Notebook.codeCells(ofJupyterNotebook: json) == ["a = 1\na", "b = 2"])
    }

    @Test(arguments: ["x = 1", "[]", "{\"cells\": 3}", "{\"cells\": [", ""])
    func textThatIsNotANotebookHasNoCodeCells(_ text: String) {
        #expect(Notebook.codeCells(ofJupyterNotebook: text) == nil)
    }
}

@Suite struct RobustnessTests {
    @Test(arguments: [
        "(((((", ")))", "[1, 2", "x = ", "= 3", "'unclosed", "99999999999999999999999999", "1 / 0",
        String(repeating: "(", count: 10_000) + String(repeating: ")", count: 10_000),
        String(repeating: "-", count: 100_000) + "1", String(repeating: "a", count: 1_000_000),
        "Conv2D(-5, 3)(Input(shape=(4, 4, 3)))", "Input(shape=(0, 4, 3))",
        "MaxPooling2D((9, 9))(Input(shape=(4, 4, 3)))",
        "\u{0}", "x = x", "a, b = 1", "print(" + String(repeating: "1,", count: 1000) + "1)", "%", "%shape", "save",
        "ZeroPadding2D(((1, 2), (3, 4)))(Input(shape=(4, 4, 3)))", "np.expand_dims(1)", "layers.add([])",
    ])
    func badLinesEndInAMessageNotACrash(_ line: String) {
        let notebook = Notebook()
        let cell = notebook.run(line)
        #expect(cell.output.count < 5000)
        #expect(!notebook.run("1 + 1").isError)
    }

    /// Seeded, so a failure names the seed that reproduces it.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func randomAndMutatedLinesNeverCrash(seed: UInt64) {
        var generator = SplitMix64(seed: seed)
        let seeds =
            TutorialLinesTests.identityBlockLines + [
                "%path x", "%compare 55 55 256 64 64 256 2", "%classify 'a.png' --random", "%layers m res2",
                "%time x = 1", "help %path", "%lesson 2 zh", "goto 3", "def f(x, y=2):\n    return x * y",
                "if x == 1:\n    y = 1\nelif x > 2 and not y:\n    y = 2\nelse:\n    pass",
                "for b in ['b', 'c']:\n    if b in 'bc':\n        continue", "# a comment\nz = 3  # and another",
            ]
        let alphabet = Array("()[],=+-*/.:%'\"xyz0123456789 _abcConv2D")
        let notebook = Notebook()
        for _ in 0..<2000 {
            var characters = Array(seeds.randomElement(using: &generator)!)
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let position = Int.random(in: 0...characters.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: characters.insert(alphabet.randomElement(using: &generator)!, at: position)
                case 1 where position < characters.count: characters.remove(at: position)
                default:
                    characters.insert(
                        contentsOf: String(repeating: "(", count: Int.random(in: 1...80, using: &generator)),
                        at: min(position, characters.count))
                }
            }
            _ = notebook.run(String(characters))
        }
        #expect(!notebook.run("2 * 3").isError)
    }
}
