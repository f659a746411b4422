// Putting back the indentation a web page lost: the tutorial's own page, and what is left alone.
import Foundation
import Testing

@testable import Notebook

@Suite struct IndentationRestoreTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The code section of the tutorial's page as it shows it, every line at column 0: from the comment
    /// banner before `from __future__ import print_function` to `print('Predicted:', …)`, with the two
    /// prose lines between the `ResNet50` function and `if __name__ == '__main__':`.
    static func tutorialPageSection() throws -> String {
        let text = try String(contentsOf: repository.appendingPathComponent("Lessons/tutorial-zh.txt"), encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var start = try #require(lines.firstIndex(of: "from __future__ import print_function"))
        while start > 0 && lines[start - 1].hasPrefix("#") { start -= 1 }
        let end = try #require(lines.firstIndex { $0.hasPrefix("print('Predicted:'") })
        return lines[start...end].joined(separator: "\n") + "\n"
    }

    static func fixture() throws -> String {
        try String(contentsOf: repository.appendingPathComponent("tests/fixtures/tutorial.py"), encoding: .utf8)
    }

    /// The lines that are neither blank nor only a comment.
    private func code(_ source: String) -> [Substring] {
        source.split(separator: "\n").filter { line in
            !line.allSatisfy(\.isWhitespace) && !line.drop(while: { $0 == " " }).hasPrefix("#")
        }
    }

    @Test func theTutorialsPageRestoresToTheIndentedFixture() throws {
        let page = try Self.tutorialPageSection()
        #expect(page.split(separator: "\n").allSatisfy { !$0.hasPrefix(" ") }, "the page's lines start at column 0")
        let restored = try #require(restoreIndentation(page))
        #expect(
            restored.note
                == "restored the indentation the page lost: 3 function bodies and 1 if-block; "
                + "skipped 2 lines that are not Python")
        #expect(code(restored.source) == code(try Self.fixture()))
        #expect(!restored.source.contains("图片预测") && !restored.source.contains("建立网络后"))
        #expect(restored.source.hasPrefix("#-------------------------------------------------------------#\n"))
    }

    @Test func indentedCodeIsNeverRewritten() throws {
        #expect(restoreIndentation(try Self.fixture()) == nil)
        #expect(restoreIndentation("def f(x):\n    return x\n\nif __name__ == '__main__':\n    f(1)\n") == nil)
        #expect(restoreIndentation("def f(x):\n    图 = x\n    return 图\ny = f(1)\n") == nil, "names Python allows")
    }

    @Test func codeWithoutBlocksIsLeftAlone() {
        #expect(restoreIndentation("") == nil)
        #expect(restoreIndentation("x = Input(shape=(8, 8, 3))\ny = Conv2D(16, (3, 3),\npadding='same')(x)\n") == nil)
        #expect(restoreIndentation("def f(x): return x\nif __name__ == '__main__': f(1)\n") == nil)
        #expect(
            restoreIndentation("label = 'if x:'\nd = dict(a=1)  # a note:\nx = 1\n") == nil,
            "a colon in a string or a comment")
        #expect(restoreIndentation("图片预测\nx = 1\n") == nil, "prose alone is not a lost indentation")
    }

    @Test func continuationLinesLineUpUnderTheirBracket() throws {
        let source = """
            def conv(x, strides=(2, 2)):
            x = Conv2D(64, (1, 1), strides=strides,
            name='res2a_branch2a')(x)
            y = add([
            x,
            x])
            return y
            z = conv(Input(shape=(8, 8, 3)),
            strides=(1, 1))

            """
        let restored = try #require(restoreIndentation(source))
        #expect(
            restored.source == """
                def conv(x, strides=(2, 2)):
                    x = Conv2D(64, (1, 1), strides=strides,
                               name='res2a_branch2a')(x)
                    y = add([
                        x,
                        x])
                    return y
                z = conv(Input(shape=(8, 8, 3)),
                         strides=(1, 1))

                """)
        #expect(restored.note == "restored the indentation the page lost: 1 function body")
    }

    @Test func theMainBlockRunsToTheEnd() throws {
        let restored = try #require(
            restoreIndentation("if __name__ == \"__main__\":  # run\nmodel = ResNet50()\n\nmodel.summary()"))
        #expect(restored.source == "if __name__ == \"__main__\":  # run\n    model = ResNet50()\n\n    model.summary()")
        #expect(restored.note == "restored the indentation the page lost: 1 if-block")
    }

    @Test func crlfLineEndsAndAByteOrderMark() throws {
        let restored = try #require(restoreIndentation("\u{FEFF}def f(x):\r\ny = x\r\nreturn y\r\nprint(f(1))\r\n"))
        #expect(restored.source == "def f(x):\n    y = x\n    return y\nprint(f(1))\n")
        #expect(try #require(restoreIndentation("def f(x):\rreturn x\r")).source == "def f(x):\n    return x\n")
    }

    @Test func commentsStringsAndProse() throws {
        let source = """
            # a banner: not a block
            def f(x):
            # a comment in the body
            s = 'return: # not a comment'
            t = '''a string
            return x
            that runs on'''
            return s + t  # done:
            # between the blocks
            说明:
            g = f('预测')

            """
        let restored = try #require(restoreIndentation(source))
        #expect(
            restored.source == """
                # a banner: not a block
                def f(x):
                    # a comment in the body
                    s = 'return: # not a comment'
                    t = '''a string
                return x
                that runs on'''
                    return s + t  # done:
                # between the blocks

                g = f('预测')

                """)
        #expect(
            restored.note
                == "restored the indentation the page lost: 1 function body; skipped 1 line that is not Python")
    }

    @Test func otherShapesAreNotGuessed() {
        #expect(restoreIndentation("for i in range(3):\nprint(i)\n") == nil, "an unindented for body")
        #expect(restoreIndentation("if x:\ny = 1\n") == nil, "an if that is not the main guard")
        #expect(restoreIndentation("def f(x):\ny = x\n") == nil, "a body without its return")
        #expect(restoreIndentation("def f(x):\nif x:\nreturn 1\nreturn 2\n") == nil, "a block inside a body")
        #expect(restoreIndentation("def f(x):\ny = x\n    return y\n") == nil, "some lines indented, some not")
        #expect(restoreIndentation("def f(x):\n") == nil, "an opener with nothing after it")
        #expect(restoreIndentation("if __name__ == '__main__':\n图片预测\n") == nil, "a main guard with only prose")
    }
}
