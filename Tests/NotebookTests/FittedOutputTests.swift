import Testing

@testable import Notebook

/// `%path` and `%compare` on terminals 80 and 140 columns wide.
@Suite struct FittedDrawingTests {
    static func notebook(width: Int) -> Notebook {
        let notebook = Notebook()
        notebook.width = width
        return notebook
    }

    static let convBlock = [
        "x = Input(shape=(55, 55, 256))", "y = conv_block(x, 3, [128, 128, 512], stage=3, block='a')", "%path y",
    ]
    static let identityBlock = [
        "x = Input(shape=(55, 55, 256))", "y = identity_block(x, 3, [64, 64, 256], stage=2, block='b')", "%path y",
    ]

    @Test(arguments: [80, 140]) func pathFitsTheTerminal(width: Int) {
        for cells in [Self.convBlock, Self.identityBlock] {
            let output = run(cells, in: Self.notebook(width: width)).output
            #expect(lines(output).allSatisfy { displayWidth($0) <= width }, "\(output)")
        }
    }

    @Test func pathAt140ColumnsShowsThePathsSideBySide() {
        let output = run(Self.convBlock, in: Self.notebook(width: 140)).output
        #expect(output.contains("│ main path"))
        #expect(
            lines(output).contains {
                $0.hasPrefix("│ main path ") && $0.hasSuffix("│ shortcut: 1x1 projection, stride 2")
            })
        #expect(
            lines(output).contains {
                $0.hasPrefix("│ res3a_branch2a  Conv2D 1x1/2  (None, 28, 28, 128) ")
                    && $0.hasSuffix("│ res3a_branch1  Conv2D 1x1/2  (None, 28, 28, 512)")
            })
    }

    @Test func pathAt80ColumnsPutsTheShortcutAboveTheMainPath() {
        let output = lines(run(Self.convBlock, in: Self.notebook(width: 80)).output)
        #expect(output.first == "input: input_1 (None, 55, 55, 256)")
        #expect(
            Array(output[1...4]) == [
                "├─┐",
                "│ │ shortcut: 1x1 projection, stride 2",
                "│ │ res3a_branch1  Conv2D 1x1/2  (None, 28, 28, 512)",
                "│ │ bn3a_branch1  BatchNormalization  (None, 28, 28, 512)",
            ])
        #expect(output[5].hasPrefix("│ └─") && output[5].hasSuffix("─┐"))
        #expect(output[6].hasPrefix("│ main path ") && output[6].hasSuffix("│"))
        #expect(output[7].hasPrefix("│ res3a_branch2a  Conv2D 1x1/2  (None, 28, 28, 128) "))
        // The right-hand line is the shortcut running down to the add.
        #expect(output.filter { $0.hasSuffix("│") }.map(displayWidth).allSatisfy { $0 == displayWidth(output[5]) })
        #expect(
            output.suffix(2) == [
                "add_1 (Add): main path + shortcut → (None, 28, 28, 512)",
                "activation_3 (Activation relu) (None, 28, 28, 512)",
            ])
    }

    @Test func pathOnAVeryNarrowTerminalPutsEachLayersKindUnderItsName() {
        let output = run(Self.convBlock, in: Self.notebook(width: 50)).output
        #expect(lines(output).allSatisfy { displayWidth($0) <= 50 }, "\(output)")
        #expect(lines(output).contains { $0.hasPrefix("│ │ res3a_branch1") })
        #expect(lines(output).contains { $0.hasPrefix("│ │   Conv2D 1x1/2  (None, 28, 28, 512)") })
    }

    static let comparisons = ["%compare", "%compare 55 55 256 128 128 512 2", "%compare 7 7 2048 512 512 2048 1"]

    @Test(arguments: [80, 140]) func compareFitsTheTerminalAndKeepsEveryFact(width: Int) {
        for command in Self.comparisons {
            let output = lines(run([command], in: Self.notebook(width: width)).output)
            #expect(output.allSatisfy { displayWidth($0) <= width }, "\(output.joined(separator: "\n"))")
            // Each layer's name, shape, parameters and multiply-adds are on its line, as in the wide table.
            let wide = lines(run([command], in: Self.notebook(width: 200)).output)
            for row in wide where row.hasPrefix("  ") && row.contains("(None") && !row.hasPrefix("  total") {
                let words = row.split(separator: " ").map(String.init)
                let shape = row[row.range(of: "(None")!.lowerBound...].prefix { $0 != ")" } + ")"
                #expect(
                    output.contains {
                        $0.hasPrefix("  \(words[0]) ") && $0.contains(shape)
                            && $0.split(separator: " ").suffix(2).map(String.init) == words.suffix(2)
                    }, "\(words[0]) in \(command) at \(width)")
            }
            let totals = wide.filter { $0.hasPrefix("  total: ") }
            #expect(!totals.isEmpty)
            for total in totals {
                let counts = String(total[total.range(of: "), ")!.upperBound...])
                #expect(output.contains { $0.hasSuffix(counts) }, "\(counts) in \(command) at \(width)")
            }
        }
    }

    @Test func compareAt140ColumnsKeepsTheWideTable() {
        let output = run(["%compare"], in: Self.notebook(width: 140)).output
        #expect(
            output.contains("  layer              type                output                    params    mult-adds"))
        #expect(
            output.contains(
                "  total: (None, 55, 55, 256) → (None, 28, 28, 256), 138,368 params, 105,971,712 multiply-adds"))
        // The explanation is prose: wrapped to at most 100 columns.
        #expect(lines(output).allSatisfy { displayWidth($0) <= 100 })
    }

    @Test func compareAt80ColumnsPutsTheTotalsOnTwoLines() {
        let output = lines(run(["%compare"], in: Self.notebook(width: 80)).output)
        let total = try! #require(output.firstIndex(of: "  total: (None, 55, 55, 256) → (None, 28, 28, 256),"))
        #expect(output[total + 1] == "         138,368 params, 105,971,712 multiply-adds")
    }
}

/// A lesson's step at the prompt, on terminals 80 and 140 columns wide.
@Suite struct FittedLessonStepTests {
    @Test(arguments: [("en", 80), ("zh", 80), ("en", 140), ("zh", 140)])
    func stepsWrapToTheTerminalAtMostAHundredColumns(language: String, width: Int) throws {
        let notebook = Notebook()
        notebook.width = width
        let opening = try notebook.openLesson(1, language: language, step: 0)
        let lesson = try LessonLibrary.standard().lesson(1, language: language)
        for index in lesson.steps.indices {
            let shown = index == 0 ? opening : run(["next"], in: notebook).output
            #expect(lines(shown).allSatisfy { displayWidth($0) <= min(width, 100) }, "\(shown)")
            // Nothing lost but the spaces where lines break.
            let prose = lesson.steps[index].prose
            #expect(prose.isEmpty || shown.filter { !$0.isWhitespace }.contains(prose.filter { !$0.isWhitespace }))
            #expect(shown.contains("\n    " + lesson.steps[index].cell.split(separator: "\n")[0] + "\n"))
        }
    }
}
