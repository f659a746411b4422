// `%plan`: one row a step, the Keras layers wrapping under their column on a narrow terminal, the
// headings and the summary in the learner's language.
import Platform
import ResNetCore
import Testing

@testable import Notebook

@Suite struct PlanTableTests {
    @Test func onAWideTerminalEachStepIsOneLineThenWhatWasFused() throws {
        let lines = planTable(FusionPlan(try ResNet50()), width: 140).split(separator: "\n").map(String.init)
        #expect(lines.count == 1 + 58 + 3)
        #expect(
            Array(lines[0...7]) == [
                "step  runs as              output shape          Keras layers",
                "   1  ZeroPadding2D        (None, 230, 230, 3)   zero_padding2d_1",
                "   2  im2col GEMM 7x7/2    (None, 112, 112, 64)  conv1 + bn_conv1 + activation_1",
                "   3  MaxPooling2D         (None, 55, 55, 64)    max_pooling2d_1",
                "   4  GEMM 1x1             (None, 55, 55, 64)    res2a_branch2a + bn2a_branch2a + activation_2",
                "   5  Winograd F(4x4,3x3)  (None, 55, 55, 64)    res2a_branch2b + bn2a_branch2b + activation_3",
                "   6  GEMM 1x1             (None, 55, 55, 256)   res2a_branch1 + bn2a_branch1",
                "   7  GEMM 1x1             (None, 55, 55, 256)   "
                    + "res2a_branch2c + bn2a_branch2c + add_1 (adds bn2a_branch1) + activation_4",
            ])
        #expect(lines[58] == "  58  Dense                (None, 1000)          fc1000")
        // The summary is prose: at most 100 columns, however wide the terminal.
        #expect(
            lines[59...60].joined(separator: " ")
                == "177 Keras layers run as 58 steps: 53 batch norms folded into the convolution before them, "
                + "16 adds and 49 ReLUs fused into a convolution; the input layer is not a step.")
        #expect(lines[59...].allSatisfy { displayWidth($0) <= TextWidth.reading })
        #expect(
            lines[61] == "53 convolutions: 13 by Winograd (7 F(4x4,3x3), 6 F(2x2,3x3)), 40 by one GEMM each.")
    }

    @Test func atEightyColumnsTheLayersWrapUnderTheirColumnBeforeAPlus() throws {
        let text = planTable(FusionPlan(try ResNet50()), width: 80)
        #expect(text.split(separator: "\n").allSatisfy { displayWidth($0) <= 80 })
        #expect(
            text.contains(
                """
                   7  GEMM 1x1             (None, 55, 55, 256)   res2a_branch2c + bn2a_branch2c
                                                                 + add_1 (adds bn2a_branch1)
                                                                 + activation_4
                """))
    }

    @Test func inChineseTheHeadingsAndTheSummaryAreChinese() throws {
        let text = Language.$scoped.withValue(.zh) { planTable(try! FusionPlan(ResNet50()), width: 80) }
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines[0] == "步骤  运行方式             输出形状              Keras 层")
        #expect(text.contains("add_1（加上 bn2a_branch1）"))
        // Chinese prose wraps between characters, with no space added.
        #expect(
            text.split(separator: "\n").suffix(2).joined()
                == "53 个卷积：13 个用 Winograd（7 个 F(4x4,3x3)，6 个 F(2x2,3x3)），其余 40 个各是一次 GEMM。")
        #expect(lines.allSatisfy { displayWidth($0) <= 80 })
    }
}
