import Testing

@testable import Notebook

/// Prose from the lessons (lesson 2, step 1, and lesson 1, step 1).
private let englishProse = """
    Its main path is a "bottleneck": a 1×1 convolution first reduces the channels (256 → 64), the more expensive 3×3 convolution then works on those few channels, and a second 1×1 convolution restores them (64 → 256). Every convolution is followed by BatchNormalization; relu follows the first two; the third result is first added to the input, then passed through relu.
    """
private let chineseProse = """
    它的主路是一个"瓶颈"：先用 1×1 卷积把通道压少（256 → 64），在少量通道上做比较贵的 3×3 卷积，再用 1×1 卷积把通道恢复（64 → 256）。每个卷积后面跟一个 BatchNormalization；前两次之后做 relu；第三次的结果先和输入相加，再做 relu。
    """
private let chineseProse2 = """
    这样，后面那一层拿到的是两份东西的和：中间几层新算出来的结果，加上原封不动送过来的旧输入。中间几层只需学"在输入上改多少"，这个差值就叫残差。如果某几层没什么可改的，它们学成接近 0 就行，整段近似于把输入原样传下去——所以多加几层，至少不会让网络变差。
    """

/// The lines of `text`, blank ones included.
func lines(_ text: String) -> [String] {
    text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
}

@Suite struct DisplayWidthTests {
    @Test func latinTakesOneColumnACJKCharacterTwo() {
        #expect(displayWidth("residual") == 8)
        #expect(displayWidth("残差网络") == 8)
        #expect(displayWidth("（输入 run）") == 2 + 4 + 1 + 3 + 2)
        #expect(displayWidth("，。：；！？、") == 14)
    }

    @Test func arrowsBoxesAndTimesTakeOneColumn() {
        #expect(displayWidth("56×56 → ├─┐│…·") == 14)
    }

    @Test func combiningMarksAndEscapeSequencesTakeNone() {
        #expect(displayWidth("e\u{301}") == 1)
        #expect(displayWidth("\u{1B}[1mbold\u{1B}[0m") == 4)
        #expect(displayWidth("\u{1B}[38;2;1;2;3;48;2;4;5;6m▀\u{1B}[0m") == 1)
        #expect(displayWidth("\u{1B}]0;title\u{07}ok") == 2)
    }
}

@Suite struct WrapTests {
    @Test(arguments: [40, 80, 100]) func englishBreaksOnlyAtSpaces(width: Int) {
        let wrapped = wrap(englishProse, width: width)
        #expect(lines(wrapped).allSatisfy { displayWidth($0) <= width })
        #expect(lines(wrapped).count > 1)
        // Every word is whole: joining the lines with spaces gives the text back.
        #expect(lines(wrapped).joined(separator: " ") == englishProse)
    }

    @Test(arguments: [40, 80, 100]) func chineseBreaksBetweenCharactersCountingTwoColumnsEach(width: Int) {
        for prose in [chineseProse, chineseProse2] {
            let wrapped = lines(wrap(prose, width: width))
            #expect(wrapped.allSatisfy { displayWidth($0) <= width }, "\(wrapped)")
            #expect(wrapped.count > 1)
            // Only spaces at line ends go missing.
            #expect(wrapped.joined().filter { $0 != " " } == prose.filter { $0 != " " })
            // A line breaks only where what starts the next one (a CJK character, or a word) would not fit.
            for (line, next) in zip(wrapped, wrapped.dropFirst()) {
                let first =
                    displayWidth(String(next.first!)) == 2
                    ? String(next.prefix(1)) : String(next.prefix { $0 != " " && displayWidth(String($0)) == 1 })
                #expect(displayWidth(line) + 1 + displayWidth(first) > width, "\(line) | \(next)")
            }
            for line in wrapped {
                #expect(!"，。：；！？、）」”".contains(line.first!), "a line starts with closing punctuation: \(line)")
                #expect(!"（「“".contains(line.last!), "a line ends with opening punctuation: \(line)")
            }
        }
    }

    @Test func aLineThatFitsAndCodeStayAsTheyAre() {
        let text =
            "A short line.\n\n    x = Conv2D(filters1, (1, 1), name=conv_name_base + '2a')(input_tensor)  # long code"
        #expect(wrap(text, width: 40) == text)
    }

    @Test func aListItemContinuesUnderItsText() {
        let wrapped = lines(wrap("- The tutorial's file comes from release v0.2 of the models repository.", width: 30))
        #expect(wrapped.first!.hasPrefix("- The"))
        #expect(wrapped.dropFirst().allSatisfy { $0.hasPrefix("  ") && !$0.hasPrefix("   ") })
    }

    @Test func aWordLongerThanTheLineIsBroken() {
        let wrapped = lines(wrap("see storage.googleapis.com/tensorflow/keras-applications/resnet/ for it", width: 20))
        #expect(wrapped.allSatisfy { displayWidth($0) <= 20 })
        #expect(wrapped.joined() == "seestorage.googleapis.com/tensorflow/keras-applications/resnet/for it")
    }

    @Test func shapesAndListsOfNumbersStayOnOneLine() {
        let text = "Input (None, 55, 55, 256), main path output (None, 55, 55, 512), filters [64, 64, 256]"
        for width in 20...40 {
            let wrapped = wrap(text, width: width)
            #expect(wrapped.contains("(None, 55, 55, 256),") && wrapped.contains("(None, 55, 55, 512),"))
            #expect(wrapped.contains("[64, 64, 256]"))
        }
    }

    @Test func escapeSequencesTakeNoRoomAndAreKept() {
        let bold = "\u{1B}[1mchelsea.png\u{1B}[0m: 451x300 RGB → load_img: 224x224 (nearest neighbour)"
        let wrapped = wrap(bold, width: 40)
        #expect(
            lines(wrapped) == ["\u{1B}[1mchelsea.png\u{1B}[0m: 451x300 RGB → load_img:", "224x224 (nearest neighbour)"])
    }

    @Test func proseWidthIsTheTerminalsWithinFortyAndAHundred() {
        #expect(TextWidth.prose(columns: 140) == 100)
        #expect(TextWidth.prose(columns: 80) == 80)
        #expect(TextWidth.prose(columns: 20) == 40)
    }

    @Test func aLongValueWrapsUnderItsNameAndATableRowIsLeftAlone() {
        let model =
            "model = <Model 'resnet50': 177 layers, 25,636,712 params, (None, 224, 224, 3) → (None, 1000), no weights>"
        #expect(
            fitted(model, width: 80)
                == "model = <Model 'resnet50': 177 layers, 25,636,712 params, (None, 224, 224, 3) →\n"
                + "        (None, 1000), no weights>")
        let row = "conv1 (Conv2D)                  (None, 112, 112, 64)         9472        ['zero_padding2d_1[0][0]']"
        #expect(fitted(row, width: 80) == row)
        let predicted =
            "Predicted: [[('n02504458', 'African_elephant', 0.41), ('n01871265', 'tusker', 0.39), ('n0', 'x', 0.1)]]"
        #expect(fitted(predicted, width: 80) == predicted)
        #expect(fitted("short", width: 80) == "short")
    }

    @Test func aWideLineOfCodeBreaksAfterACommaUnderItsBracket() {
        let line = "        x = Conv2D(filters2, kernel_size, padding='same', name=conv_name_base + '2b')(x)"
        #expect(
            wrapCode(line, width: 80)
                == "        x = Conv2D(filters2, kernel_size, padding='same',\n"
                + "                   name=conv_name_base + '2b')(x)")
        let nested =
            "    stages = [(2, [64, 64, 256], 'bc', (1, 1)), (3, [128, 128, 512], 'bcd', (2, 2)), (4, [256, 256, 1024], 'bcdef', (2, 2))]"
        let wrapped = wrapCode(nested, width: 80)
        #expect(wrapped.split(separator: "\n").allSatisfy { displayWidth($0) <= 80 }, "\(wrapped)")
        #expect(wrapped.split(separator: "\n").dropFirst().allSatisfy { $0.hasPrefix("              (") }, "\(wrapped)")
        // A comma inside a string is no place to break; a line that fits stays.
        #expect(wrapCode("    print('a, b, c, d')", width: 10) == "    print('a, b, c, d')")
        #expect(wrapCode("x = f(a, b)", width: 80) == "x = f(a, b)")
        #expect(
            wrapCode("        # stage, filters, the identity blocks after the conv block, the strides", width: 60)
                == "        # stage, filters, the identity blocks after the conv\n        # block, the strides")
    }
}
