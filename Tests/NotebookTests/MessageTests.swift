import Foundation
// The message catalogue: every message in both languages, the Chinese in Chinese, and the language
// that reslab speaks following --lang, then LC_ALL and LANG.
import Platform
import Testing

@testable import Notebook

/// One value of every message (a test fails when a case is missing here).
private let samples: [Message] = [
    .explainBeyondLimit(Bilingual("predict would need 1.6 TB", "需要 1.6 TB 内存")),
    .nameNotDefined("x"), .kerasWordUnquoted("relu"), .noAttribute(owner: "Model", name: "sumary"),
    .didYouMean(["a", "b"]), .cannotBeCalled("int 3"), .noWeights(model: "model"),
    .unknownCommand("shap", suggestion: "shape"), .interrupted, .inFunction("f", line: 2), .usage("%shape x"),
    .modelNotCallable, .missingComma(value: "64", article: "an", type: "int"), .missingArgument("filters"),
    .tooManyPositional(count: 2, names: "a, b", got: 3),
    .unexpectedKeyword("stride", suggestion: "strides", parameters: "filters, strides"), .twoValues("x"),
    .mustBe(parameter: "filters", expected: .anInteger, got: "str 'a'"), .anInteger, .aString, .aNumberOrDigits,
    .trueOrFalse, .aPositiveNumber, .aListOfIntegers, .anIntegerOrAPair, .aTensor,
    .activationNotSupported("gelu"), .paddingMustBe("full"), .layerTakesOneTensor,
    .takes(.anArray), .theImageLoadImgReturns, .aListOfTensors, .anArray, .anArrayLikePreprocessInputReturns,
    .anArrayOfRGBImages, .theArrayPredictReturns, .axisOutOfRange(5, shape: "(224, 224, 3)"), .batchNormalizationAxis,
    .stepZero, .rangeTooLong, .noLen("int"),
    .identityBlockMismatch(filters: 512, input: "(None, 55, 55, 256)", mainPath: "(None, 55, 55, 512)"),
    .usingCachedWeights(path: "w.h5", cached: "cache/w.h5"), .weightsFileRandom(path: "w.h5", seed: 1),
    .weightsFileNowhere("w.h5"), .resNet50Random(seed: 1), .yourFunction("f(x)", line: 1),
    .moduleMembers("layers", members: "layers.add"),
    .returnOutsideFunction, .breakOutsideLoop, .cannotUnpack(type: "int", count: 2), .forNeedsSequence("int"),
    .replacesBuiltIn("identity_block", checkable: true), .builtInAgain("identity_block"),
    .returnedWrongType(function: "f", type: "None", wantsModel: false), .tooDeep(function: "f", depth: 100),
    .cannotNegate("str"), .inNeedsSequence("int"), .cannotCompare(op: "<", left: "int", right: "str"),
    .divisionByZero, .integerOverflow("1 * 2"), .cannotAddTextAndNumber(left: "str", right: "int"),
    .addTensorsWithAdd, .unsupportedOperation("str - int"), .indicesMustBeIntegers,
    .indexOutOfRange(3, length: 2), .indexOutOfRangeForShape(9, shape: "(1, 1, 64, 64)"), .cannotBeIndexed("int"),
    .syntaxError(place: "line 1", message: "…"), .lineColumn(line: 1, column: 2), .notANumber("1e"),
    .numberTooLarge("9999"), .stringNotClosed("'"), .powerNotSupported, .dictionariesNotSupported,
    .unexpectedCharacter("$"), .expectedSymbol(")", context: .toCloseCall, found: .endOfLine),
    .afterFunctionName, .toCloseParameters, .toCloseCall, .toCloseSubscript, .toCloseTuple, .toCloseList,
    .token("'x'"), .aStringToken, .endOfLine, .outsideReslab(.quoted("while")), .quoted("while"),
    .importing("os"), .starArgs, .listComprehension, .conditionalExpression, .chainedComparison, .delTakesNames,
    .opensBlock("if"), .onlyNamesAssigned, .expectedModuleName, .expectedBlockKeyword, .expectedFunctionName,
    .parameterAfterDefault, .parameterTwice("x"), .expectedForIn, .doesNotOpenBlock("else"),
    .oneStatementPerCell(.token("'y'")), .nestedTooDeep(100), .keywordTwice("x"), .positionalAfterKeyword,
    .expectedNameAfterDot, .slicesNotSupported, .unexpected(.token("')'")), .unexpectedIndent,
    .bracketNeverClosed, .noLessonOpen, .gotoRange(19), .cellFailedButExpectedToWork(skipped: true),
    .noHelp("x"), .noVariables, .cleared, .noShape("int"), .pathTakesTensor,
    .parameters(model: "m", total: "1", trainable: "1", nonTrainable: "0"),
    .multiplyAdds(model: "m", count: "1", gflop: "0.1"), .notWrittenYet("identity_block"), .randomWeightsTakesModel,
    .nowRandomWeights("model", seed: 1), .notOneInput("x"), .expectedModelOrTensor("int"), .randomClassesMeanNothing,
    .showImage("img", width: 224, height: 224), .showArray("x", shape: "(224, 224, 3)"),
    .showPreprocessed("x", shape: "(1, 224, 224, 3)"), .showTakes(type: "array", shape: "(1, 1000)"),
    .summaryShape, .summaryPath, .summaryCompare, .summaryParams, .summaryFlops, .summaryLayers, .summaryPlan,
    .summaryCheck, .summaryClassify, .summaryRandomWeights, .summaryTime, .summarySleep, .summaryWho,
    .summaryHistory, .summaryReset, .summaryLessons, .summaryLesson, .summaryRun, .summaryNext, .summaryBack,
    .summaryGoto, .summaryAgain, .summarySave, .summaryHelp, .summaryShow, .helpIntro, .helpCommands, .lessonSteps,
    .exitLine,
    .usedInLesson(1),
    .docInput, .docConv2D, .docBatchNormalization, .docActivation, .docZeroPadding2D, .docMaxPooling2D,
    .docAveragePooling2D, .docGlobalAveragePooling2D, .docFlatten, .docDense, .docAdd, .docAddFunction,
    .docLayersAdd, .docIdentityBlock, .docConvBlock, .docResNet50, .docModel, .docModelSummary, .docModelLoadWeights,
    .docModelPredict, .docModelCountParams, .docImageLoadImg, .docImageImgToArray, .docNpExpandDims,
    .docPreprocessInput, .docDecodePredictions, .docPrint, .docStr, .docLen, .docRange, .docInt, .docFloat, .docHelp,
    .example("x = Flatten()(x)"),
    .notInsideResidualBlock("x"), .pathTwoInputs, .mainPath, .shortcut, .shortcutIdentity, .noLayers,
    .shortcutProjection(kernel: "1x1", stride: 2), .blockInput("input_1", shape: "(None, 55, 55, 64)"),
    .blockAdd("add_1", shape: "(None, 55, 55, 64)"), .notPossibleHere("identity_block(x, 3, [64, 64, 512])"),
    .whyOnlyConvBlockChangesShape, .columnLayer, .columnType, .columnOutput, .columnParams, .columnMultiplyAdds,
    .totalShapes(input: "(None, 55, 55, 256)", output: "(None, 28, 28, 512)"),
    .totalCounts(parameters: "1", multiplyAdds: "2"),
    .columnStep, .columnRunsAs, .columnOutputShape, .columnKerasLayers, .planAdds("bn2a_branch1"),
    .planSummary(layers: 177, steps: 58, batchNorms: 53, adds: 16, relus: 49),
    .planConvolutions(count: 53, winograd4x4: 7, winograd2x2: 6),
    .noTrainedWeights, .lessonExpects("(None, 55, 55, 64)"), .banner, .weightsFound("weights.h5"), .noWeightsYet,
    .endOfLesson(next: 2, title: "t"), .replayedSteps("1–3"), .stepHint, .saveFormats, .savedCells(3, path: "a.ipynb"),
    .savedPictures(2, folder: "a_files"),
    .elapsed("1.0"), .historyUnusable(path: "h", reason: "r"), .historyNotSaved(path: "h", reason: "r"),
    .modelRepr(
        name: "resnet50", layers: 177, parameters: "25,636,712", input: "(None, 224, 224, 3)",
        output: "(None, 1000)", weights: .randomWeightsSeed(1)),
    .noWeightsLoaded, .weightsFrom("w.h5"), .randomWeightsSeed(1), .arrayRepr(shape: "(1, 3)", low: "0", high: "1"),
    .computedWithRandomWeights, .randomWeightsTag,
    .cliAbstract, .cliReplAbstract, .cliRunAbstract, .cliRunFile, .cliLessonAbstract, .cliLessonNumber,
    .cliNonInteractive, .cliLang, .cliSummaryAbstract, .cliVariant, .cliClassifyAbstract, .cliClassifyDiscussion,
    .cliImages, .cliTop, .cliJSON, .cliAllProbs, .cliWeightsFile, .cliVariantDetected, .cliRandomWeights,
    .cliImageAbstract, .cliImage, .cliRawOut, .cliWeightsAbstract, .cliDownloadAbstract, .cliURL, .cliMD5,
    .cliPathAbstract, .cliVerifyAbstract, .cliVerifyDiscussion, .cliVerifyFile, .cliBenchAbstract,
    .giveAnImage, .topRange, .allProbsNeedsJSON, .weightsOrRandomWeights, .notAURL("x"),
    .cannotReadFile("f", reason: "r"), .lessonCellsFailed(number: 1, language: "zh", count: 2),
    .variantMismatch(path: "w.h5", found: "tutorial", asked: "keras-applications"), .cannotTellVariant("w.h5"),
    .noWeightsAt("w.h5"), .alreadyDownloaded(path: "w.h5", md5: "a"), .downloading("http://x"),
    .savedWeights(path: "w.h5", md5: "a"), .md5OK(path: "w.h5", md5: "a"),
    .imageLoaded(name: "a.jpg", width: 1, height: 2),
    .imagePreprocessed(shape: "(1, 224, 224, 3)", low: "0", high: "1"),
    .checkPassed(
        function: "conv_block",
        calls: [.checkCall(block: "2a", strides: "(1, 1)"), .checkCall(block: "3a", strides: nil)],
        layers: [12], parameters: ["76,928", "383,232"], outputs: .checkOutputsIdentical),
    .checkCall(block: "2a", strides: nil), .checkOutputsIdentical, .checkOutputsAgree(within: "1.0e-06"),
    .checkOutputsNotCompared("OpenBLAS is missing"),
    .checkWith(call: "identity_block(x)", .checkDidNotFinish), .checkCode("conv1"), .checkConvolution(branch: "2b"),
    .checkBatchNormalization(branch: "1"), .checkBlockInput, .checkFinalReLU, .checkItsInput, .checkShortcutBranch1,
    .checkReLUAfter("2a"), .checkOwner(block: "3a", inBlock: false),
    .checkYour(owner: .checkOwner(block: nil, inBlock: true), what: .checkConvolution(branch: "2a")),
    .checkThe(block: "3a", resNet: true, what: .checkCode("add")),
    .checkTutorialNotBuilt(function: "ResNet50", error: "e"), .checkStoppedBeforeInput(function: "f", error: "e"),
    .checkStoppedWithError(function: "f", error: "e"), .checkDidNotFinish, .checkOutputNotFromInput(resNet: false),
    .checkReturnsNotFromInput(resNet: true, name: "x"), .checkAnotherInput(resNet: false, name: "input_2"),
    .checkReturns(resNet: false, found: .checkCode("add"), expected: .checkFinalReLU),
    .checkExtra(resNet: false, code: "Activation('relu')", after: .checkCode("add")),
    .checkAddBeforeNormalization(name: "bn2b_branch2c", branch: "2c"),
    .checkShortcutUnchanged(owner: .checkOwner(block: nil, inBlock: false)),
    .checkEndsWithAdd(block: nil, resNet: false, code: "Activation('relu')"),
    .checkActivationBeforeAdd(resNet: false, code: "Activation('relu')", source: .checkItsInput),
    .checkAddOperands(
        owner: .checkOwner(block: nil, inBlock: true), found: [.checkItsInput], expected: [.checkBlockInput]),
    .checkAppliesInstead(resNet: false, source: .checkItsInput, found: "Flatten()", expected: "Conv2D(64, (1, 1))"),
    .checkEndsWith(resNet: false, found: .checkCode("add"), expected: "Activation('relu')", after: .checkCode("add")),
    .checkHasNo(resNet: false, what: .checkFinalReLU, expected: "Activation('relu')", to: .checkCode("add")),
    .checkNoName(subject: .checkCode("x"), found: "conv2d_1", expected: "res2b_branch2a", hint: nil),
    .checkNamed(
        subject: .checkCode("x"), found: "a", expected: "b", hint: .checkNameHint(base: "bn_name_base", branch: "2a")),
    .checkNameHintStage(base: "conv_name_base", prefix: "res"), .checkNameHint(base: "conv_name_base", branch: "2a"),
    .checkInputShape(found: "(None, 1, 1, 3)", function: "ResNet50", expected: "(None, 224, 224, 3)"),
    .checkShapes(found: "(None, 53, 53, 64)", expected: "(None, 55, 55, 64)"),
    .checkOutputs(subject: .checkCode("x"), shapes: .checkShapes(found: "a", expected: "b")),
    .checkFilters(subject: .checkCode("x"), found: 64, expected: 256, hint: .checkFiltersHint(branch: "2c")),
    .checkFiltersHint(branch: "1"),
    .checkStrides(
        subject: .checkCode("x"), found: nil, expected: "(2, 2)", shapes: .checkShapes(found: "a", expected: "b"),
        misplaced: .checkStrideMisplaced(
            resNet: false, what: .checkConvolution(branch: "2b"), places: [.checkCode("2a")])),
    .checkStrideMisplaced(resNet: true, what: .checkConvolution(branch: "2b"), places: [.checkShortcutBranch1]),
    .checkNoPaddingSame(subject: .checkCode("x"), shapes: .checkShapes(found: "a", expected: "b")),
    .checkPaddingSameNotValid(subject: .checkCode("x"), shapes: .checkShapes(found: "a", expected: "b")),
    .checkKernelSize(subject: .checkCode("x"), found: "1x1", expected: "3x3", shapes: nil, counts: nil),
    .checkCounts(expected: "1", found: "2"),
    .checkUseBias(subject: .checkCode("x"), value: "False", counts: .checkCounts(expected: "1", found: "2")),
    .checkParameterCount(subject: .checkCode("x"), found: "1", expected: "2"),
    .checkActivationInConv(subject: .checkCode("x"), found: "relu"),
    .checkSetting(subject: .checkCode("x"), found: "padding='valid'", expected: "padding='same'"),
    .checkIsInstead(subject: .checkCode("x"), found: "a", expected: "b"),
    .checkEpsilon(subject: .checkCode("x"), found: "0.1", expected: "0.001"),
    .checkPads(subject: .checkCode("x"), found: "((1, 1), (1, 1))", expected: "((3, 3), (3, 3))"),
    .checkOutputsDiffer(resNet: true, by: "0.5"), .checkOutsideTensor(resNet: false),
    .checkShortcutNeedsConv(owner: .checkOwner(block: nil, inBlock: false), input: "64", output: "256", channels: true),
    .checkAddShapesDiffer(["(None, 55, 55, 64)", "(None, 55, 55, 256)"]),
    .summaryDiagram, .identityArrow, .diagramTitle("resnet50", layers: 177), .diagramBlockTitle("x", block: "add_1"),
    .diagramWritten(format: "SVG", path: "block.svg", what: "x", layers: 12),
    .summaryCam, .summaryFeatures, .needsForwardPass("%cam"), .camNeedsGlobalPooling(model: "m"),
    .unknownClass("tuskr", suggestion: "tusker"), .classOutOfRange(1000, classes: 1000),
    .layerNotInModel("res2a", model: "resnet50", suggestion: "res2a_branch1"),
    .notFeatureMaps(layer: "fc1000", shape: "(None, 1000)"),
    .camCaption(
        className: "tusker (101)", probability: "0.4111", dense: "fc1000", features: "activation_49", size: "7×7",
        low: "-1", high: "2", random: true),
    .camMeaningless,
    .featuresCaption(
        layer: "res2a_branch2c", kind: "Conv2D", shape: "(None, 55, 55, 256)", channels: 16, of: 256, low: "-1",
        high: "2"),
    .featuresAddCaption(
        layer: "add_1", main: "bn2a_branch2c", shortcut: "bn2a_branch1", channels: 16, of: 256, low: "-1", high: "2"),
    .wrotePicture(path: "a.png", width: 224, height: 224), .wroteValues(path: "a.npy", shape: "(7, 7)"),
    .cliCam, .camOneImage, .cliBatch, .batchRange, .cliNoKernelCache, .noImagesInFolder("photos"),
    .noMatch("photos/*.jpg"),
    .explainHeading(layer: "activation_1", index: "[3, 4, 5]", chain: "conv1 → bn_conv1 → activation_1"),
    .explainConvolution(layer: "conv1", kernel: "7x7", stride: 2, padding: "valid", filter: 5, input: "x"),
    .explainWindow(rows: "6–12", columns: "8–14", kernel: "3x3", channels: 3, products: 147, padded: 2),
    .explainLargest(count: 5, input: "x", vector: false), .explainOthers(count: 142, sum: "0.1"),
    .explainSum(dot: "1", bias: "0.1", value: "1.1"), .explainBatchNorm(layer: "bn", channel: 5, epsilon: "0.001"),
    .explainFolded(conv: "conv1"), .explainFoldedValue(dot: "1", bias: "0.1", value: "1.1"),
    .explainRelu(layer: "activation_1"), .explainAdd(layer: "add_1"),
    .explainAddInput(layer: "bn2a_branch2c", index: "[1, 2, 3]", value: "0.5", role: 1),
    .explainReluAfter(layer: "activation_4", value: "0.5"),
    .explainPool(
        layer: "max_pooling2d_1", maximum: true, input: "activation_1", rows: "0–2", columns: "0–2", channel: 1,
        count: 9),
    .explainGlobalPool(layer: "gap", input: "x", channel: 1, count: 49),
    .explainPadding(layer: "zero_padding2d_1", input: "input_1", source: nil),
    .explainDense(
        layer: "fc1000", unit: 386, input: "flatten_1", count: 2048), .explainSoftmax,
    .explainNetwork(layer: "activation_1", index: "[3, 4, 5]", value: "0.5"),
    .explainIndexCount(layer: "conv1", shape: "(None, 109, 109, 64)", expected: 3, got: 2),
    .explainIndexOutside("[1, 2, 64]", layer: "conv1", shape: "(None, 109, 109, 64)"),
    .explainNotCovered(layer: "flatten_1", kind: "Flatten"), .summaryExplain, .outputNotFinite(image: "cat.jpg"),
    .expressionTooTall(200), .timeNestedTooDeep(10), .evaluationTooDeep(1000), .valueNestedTooDeep(200),
    .scriptTooLarge(nil, limit: 10),
    .scriptTooLarge("a.py", limit: 10), .notAJupyterNotebook("a.ipynb"), .cellTooLong(limit: 10),
    .progressNotSaved(path: "p", reason: "r"),
]

/// A message's case name: `nameNotDefined` for `.nameNotDefined("x")`.
private func caseName(_ message: Message) -> String {
    Mirror(reflecting: message).children.first?.label ?? String(describing: message)
}

/// The case names `Messages.swift` declares.
private func declaredCases() throws -> Set<String> {
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources/Notebook/Messages.swift").path
    let source = try String(contentsOfFile: path, encoding: .utf8)
    let body = source.components(separatedBy: "enum Message")[1].components(separatedBy: "public var text")[0]
    var names = Set<String>()
    for line in body.split(separator: "\n") where line.hasPrefix("    case ") {
        var depth = 0
        var current = ""
        for character in line.dropFirst("    case ".count) {
            if character == "(" { depth += 1 }
            if character == ")" { depth -= 1 }
            if character == "," && depth == 0 {
                names.insert(current)
                current = ""
            } else if depth == 0 && character != ")" && character != " " {
                current.append(character)
            }
        }
        names.insert(current)
    }
    return names
}

private func containsCJK(_ text: String) -> Bool {
    text.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) || (0x3000...0x303F).contains($0.value) }
}

@Suite struct MessageCatalogueTests {
    @Test func everyMessageIsSampled() throws {
        #expect(Set(samples.map(caseName)) == (try declaredCases()))
    }

    /// The compiler already asks for both languages in one switch: here neither may be empty, and the
    /// Chinese must be Chinese (short fragments that are code, such as `'*args'`, excepted).
    @Test func everyMessageSaysSomethingInBothLanguages() {
        let code: Set<String> = ["token", "quoted", "starArgs", "trueOrFalse", "didYouMean", "checkCode"]
        for message in samples {
            let text = message.text
            #expect(!text.en.isEmpty && !text.zh.isEmpty, "\(message)")
            if !code.contains(caseName(message)) { #expect(containsCJK(text.zh), "\(message): \(text.zh)") }
            #expect(!containsCJK(text.en), "\(message): \(text.en)")
        }
    }
}

/// A task-scoped language: the process's stays English for the tests running beside these.
@Suite struct LearnerLanguageTests {
    private func inChinese<T>(_ body: () throws -> T) rethrows -> T {
        try Language.$scoped.withValue(.zh) { try body() }
    }

    @Test func errorsFollowTheLanguage() {
        let notebook = Notebook()
        let english = notebook.run("undefined_thing").error
        let chinese = inChinese { notebook.run("undefined_thing").error }
        #expect(english == "name 'undefined_thing' is not defined")
        #expect(chinese == "名字 'undefined_thing' 还没有定义")
    }

    @Test func keraswordsStayInEnglishInsideChinese() {
        let error = inChinese { Notebook().run("x = Conv2D(64 (1, 1))").error } ?? ""
        #expect(error.contains("Conv2D(64, (1, 1))") && containsCJK(error), "\(error)")
    }
}
