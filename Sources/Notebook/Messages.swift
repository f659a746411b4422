// The learner's language, and every message reslab prints to a learner in both of its languages.
// One case per message; one switch gives its English and its Chinese together, so a message cannot
// exist in one language only. Keras's own words (class names, `padding='same'`, shapes, code) stay as
// Keras prints them inside the Chinese text.
import Foundation
import Platform

/// A message to the learner; `localized` says it in `Language.current`.
public indirect enum Message: Sendable {
    // MARK: Names, calls and values
    case nameNotDefined(String)
    case kerasWordUnquoted(String)
    case noAttribute(owner: String, name: String)
    case didYouMean([String])
    case cannotBeCalled(String)
    case noWeights(model: String)
    case unknownCommand(String, suggestion: String?)
    case interrupted
    case inFunction(String, line: Int)
    case usage(String)
    case modelNotCallable
    case missingComma(value: String, article: String, type: String)
    case missingArgument(String)
    case tooManyPositional(count: Int, names: String, got: Int)
    case unexpectedKeyword(String, suggestion: String?, parameters: String)
    case twoValues(String)
    case mustBe(parameter: String, expected: Message, got: String)
    case anInteger, aString, aNumberOrDigits, trueOrFalse, aPositiveNumber, aListOfIntegers, anIntegerOrAPair, aTensor
    case activationNotSupported(String)
    case paddingMustBe(String)
    case layerTakesOneTensor
    // MARK: The tutorial's functions
    case takes(Message)
    case theImageLoadImgReturns, aListOfTensors, anArray, anArrayLikePreprocessInputReturns, anArrayOfRGBImages
    case theArrayPredictReturns
    case axisOutOfRange(Int, shape: String)
    case batchNormalizationAxis
    case stepZero
    case rangeTooLong
    case noLen(String)
    case identityBlockMismatch(filters: Int, input: String, mainPath: String)
    case usingCachedWeights(path: String, cached: String)
    case weightsFileRandom(path: String, seed: UInt64)
    case weightsFileNowhere(String)
    case resNet50Random(seed: UInt64)
    case yourFunction(String, line: Int)
    case moduleMembers(String, members: String)
    // MARK: Running statements
    case returnOutsideFunction
    case breakOutsideLoop
    case cannotUnpack(type: String, count: Int)
    case forNeedsSequence(String)
    case replacesBuiltIn(String, checkable: Bool)
    case builtInAgain(String)
    case returnedWrongType(function: String, type: String, wantsModel: Bool)
    case tooDeep(function: String, depth: Int)
    case cannotNegate(String)
    case inNeedsSequence(String)
    case cannotCompare(op: String, left: String, right: String)
    case divisionByZero
    case integerOverflow(String)
    case cannotAddTextAndNumber(left: String, right: String)
    case addTensorsWithAdd
    case unsupportedOperation(String)
    case indicesMustBeIntegers
    case indexOutOfRange(Int, length: Int?)
    case indexOutOfRangeForShape(Int, shape: String)
    case cannotBeIndexed(String)
    // MARK: Syntax
    case syntaxError(place: String?, message: String)
    case lineColumn(line: Int?, column: Int?)
    case notANumber(String)
    case numberTooLarge(String)
    case stringNotClosed(String)
    case powerNotSupported
    case dictionariesNotSupported
    case unexpectedCharacter(String)
    case expectedSymbol(String, context: Message, found: Message)
    case afterFunctionName, toCloseParameters, toCloseCall, toCloseSubscript, toCloseTuple, toCloseList
    case token(String)
    case aStringToken
    case endOfLine
    case outsideReslab(Message)
    case quoted(String)
    case importing(String)
    case starArgs
    case listComprehension
    case conditionalExpression
    case chainedComparison
    case delTakesNames
    case opensBlock(String)
    case onlyNamesAssigned
    case expectedModuleName
    case expectedBlockKeyword
    case expectedFunctionName
    case parameterAfterDefault
    case parameterTwice(String)
    case expectedForIn
    case doesNotOpenBlock(String)
    case oneStatementPerCell(Message)
    case nestedTooDeep(Int)
    case keywordTwice(String)
    case positionalAfterKeyword
    case expectedNameAfterDot
    case slicesNotSupported
    case unexpected(Message)
    case unexpectedIndent
    case bracketNeverClosed
    // MARK: Commands
    case noHelp(String)
    case noVariables
    case cleared
    case noShape(String)
    case pathTakesTensor
    case parameters(model: String, total: String, trainable: String, nonTrainable: String)
    case multiplyAdds(model: String, count: String, gflop: String)
    case notWrittenYet(String)
    case randomWeightsTakesModel
    case nowRandomWeights(String, seed: UInt64)
    case notOneInput(String)
    case expectedModelOrTensor(String)
    case randomClassesMeanNothing
    case noTrainedWeights
    case showImage(String, width: Int, height: Int)
    case showArray(String, shape: String)
    case showPreprocessed(String, shape: String)
    case showTakes(type: String, shape: String?)
    // MARK: Help
    case summaryShape, summaryPath, summaryCompare, summaryParams, summaryFlops, summaryLayers, summaryPlan
    case summaryCheck, summaryClassify, summaryRandomWeights, summaryTime, summarySleep, summaryWho, summaryHistory
    case summaryReset, summaryLessons, summaryLesson, summaryRun, summaryNext, summaryBack, summaryGoto
    case summaryAgain, summarySave, summaryHelp, summaryShow
    case helpIntro, helpCommands, lessonSteps, exitLine
    case usedInLesson(Int)
    // MARK: Documentation
    case docInput, docConv2D, docBatchNormalization, docActivation, docZeroPadding2D, docMaxPooling2D
    case docAveragePooling2D, docGlobalAveragePooling2D, docFlatten, docDense, docAdd, docAddFunction, docLayersAdd
    case docIdentityBlock, docConvBlock, docResNet50, docModel, docModelSummary, docModelLoadWeights
    case docModelPredict, docModelCountParams, docImageLoadImg, docImageImgToArray, docNpExpandDims
    case docPreprocessInput, docDecodePredictions, docPrint, docStr, docLen, docRange, docInt, docFloat, docHelp
    case example(String)
    // MARK: Drawing blocks (%path, %compare)
    case notInsideResidualBlock(String)
    case pathTwoInputs
    case mainPath, shortcut, shortcutIdentity, noLayers
    case shortcutProjection(kernel: String, stride: Int)
    case blockInput(String, shape: String)
    case blockAdd(String, shape: String)
    case notPossibleHere(String)
    case whyOnlyConvBlockChangesShape
    case columnLayer, columnType, columnOutput, columnParams, columnMultiplyAdds
    case totalShapes(input: String, output: String)
    // MARK: %plan
    case columnStep, columnRunsAs, columnOutputShape, columnKerasLayers
    case planAdds(String)
    case planSummary(layers: Int, steps: Int, batchNorms: Int, adds: Int, relus: Int)
    case planConvolutions(count: Int, winograd4x4: Int, winograd2x2: Int)
    case totalCounts(parameters: String, multiplyAdds: String)
    // MARK: Lessons and the program
    case noLessonOpen
    case gotoRange(Int)
    case cellFailedButExpectedToWork(skipped: Bool)
    case lessonExpects(String)
    case banner
    case weightsFound(String)
    case noWeightsYet
    case endOfLesson(next: Int?, title: String?)
    case replayedSteps(String)
    case stepHint
    case saveFormats
    case savedCells(Int, path: String)
    case savedPictures(Int, folder: String)
    case elapsed(String)
    case historyUnusable(path: String, reason: String)
    case historyNotSaved(path: String, reason: String)
    // MARK: Values as the prompt shows them
    case modelRepr(name: String, layers: Int, parameters: String, input: String, output: String, weights: Message)
    case noWeightsLoaded
    case weightsFrom(String)
    case randomWeightsSeed(UInt64)
    case arrayRepr(shape: String, low: String, high: String)
    case computedWithRandomWeights, randomWeightsTag
    // MARK: The command line (`reslab --help` and what its commands print)
    case cliAbstract, cliReplAbstract, cliRunAbstract, cliRunFile, cliLessonAbstract, cliLessonNumber
    case cliNonInteractive, cliLang, cliSummaryAbstract, cliVariant, cliClassifyAbstract, cliClassifyDiscussion
    case cliImages, cliTop, cliJSON, cliAllProbs, cliWeightsFile, cliVariantDetected, cliRandomWeights
    case cliImageAbstract, cliImage, cliRawOut, cliWeightsAbstract, cliDownloadAbstract, cliURL, cliMD5
    case cliPathAbstract, cliVerifyAbstract, cliVerifyDiscussion, cliVerifyFile, cliBenchAbstract
    case giveAnImage, topRange, allProbsNeedsJSON, weightsOrRandomWeights
    case notAURL(String)
    case cannotReadFile(String, reason: String)
    case lessonCellsFailed(number: Int, language: String, count: Int)
    case variantMismatch(path: String, found: String, asked: String)
    case cannotTellVariant(String)
    case noWeightsAt(String)
    case alreadyDownloaded(path: String, md5: String)
    case downloading(String)
    case savedWeights(path: String, md5: String)
    case md5OK(path: String, md5: String)
    case imageLoaded(name: String, width: Int, height: Int)
    case imagePreprocessed(shape: String, low: String, high: String)
    // MARK: %check
    case checkPassed(function: String, calls: [Message], layers: [Int], parameters: [String], outputs: Message)
    case checkCall(block: String, strides: String?)
    case checkOutputsIdentical
    case checkOutputsAgree(within: String)
    case checkOutputsNotCompared(String)
    case checkWith(call: String, Message)
    case checkCode(String)
    case checkConvolution(branch: String)
    case checkBatchNormalization(branch: String)
    case checkBlockInput, checkFinalReLU, checkItsInput, checkShortcutBranch1
    case checkReLUAfter(String)
    case checkOwner(block: String?, inBlock: Bool)
    case checkYour(owner: Message, what: Message)
    case checkThe(block: String?, resNet: Bool, what: Message)
    case checkTutorialNotBuilt(function: String, error: String)
    case checkStoppedBeforeInput(function: String, error: String)
    case checkStoppedWithError(function: String, error: String)
    case checkDidNotFinish
    case checkOutputNotFromInput(resNet: Bool)
    case checkReturnsNotFromInput(resNet: Bool, name: String)
    case checkAnotherInput(resNet: Bool, name: String)
    case checkReturns(resNet: Bool, found: Message, expected: Message)
    case checkExtra(resNet: Bool, code: String, after: Message?)
    case checkAddBeforeNormalization(name: String, branch: String?)
    case checkShortcutUnchanged(owner: Message)
    case checkEndsWithAdd(block: String?, resNet: Bool, code: String)
    case checkActivationBeforeAdd(resNet: Bool, code: String, source: Message)
    case checkAddOperands(owner: Message, found: [Message], expected: [Message])
    case checkAppliesInstead(resNet: Bool, source: Message, found: String, expected: String)
    case checkEndsWith(resNet: Bool, found: Message, expected: String, after: Message)
    case checkHasNo(resNet: Bool, what: Message, expected: String, to: Message)
    case checkNoName(subject: Message, found: String, expected: String, hint: Message?)
    case checkNamed(subject: Message, found: String, expected: String, hint: Message?)
    case checkNameHintStage(base: String, prefix: String)
    case checkNameHint(base: String, branch: String)
    case checkInputShape(found: String, function: String, expected: String)
    case checkShapes(found: String, expected: String)
    case checkOutputs(subject: Message, shapes: Message)
    case checkFilters(subject: Message, found: Int, expected: Int, hint: Message?)
    case checkFiltersHint(branch: String)
    case checkStrides(subject: Message, found: String?, expected: String?, shapes: Message, misplaced: Message?)
    case checkStrideMisplaced(resNet: Bool, what: Message, places: [Message])
    case checkNoPaddingSame(subject: Message, shapes: Message)
    case checkPaddingSameNotValid(subject: Message, shapes: Message)
    case checkKernelSize(subject: Message, found: String, expected: String, shapes: Message?, counts: Message?)
    case checkCounts(expected: String, found: String)
    case checkUseBias(subject: Message, value: String, counts: Message)
    case checkParameterCount(subject: Message, found: String, expected: String)
    case checkActivationInConv(subject: Message, found: String)
    case checkSetting(subject: Message, found: String, expected: String)
    case checkIsInstead(subject: Message, found: String, expected: String)
    case checkEpsilon(subject: Message, found: String, expected: String)
    case checkPads(subject: Message, found: String, expected: String)
    case checkOutputsDiffer(resNet: Bool, by: String)
    case checkOutsideTensor(resNet: Bool)
    case checkShortcutNeedsConv(owner: Message, input: String, output: String, channels: Bool)
    case checkAddShapesDiffer([String])
    // MARK: Diagrams as files (%path x --svg FILE, %diagram model --dot FILE)
    case summaryDiagram
    case identityArrow
    case diagramTitle(String, layers: Int)
    case diagramBlockTitle(String, block: String)
    case diagramWritten(format: String, path: String, what: String, layers: Int)
    // MARK: Pictures of the last forward pass (%cam, %features, classify --cam)
    case summaryCam, summaryFeatures
    case needsForwardPass(String)
    case camNeedsGlobalPooling(model: String)
    case unknownClass(String, suggestion: String?)
    case classOutOfRange(Int, classes: Int)
    case layerNotInModel(String, model: String, suggestion: String?)
    case notFeatureMaps(layer: String, shape: String)
    case camCaption(
        className: String, probability: String, dense: String, features: String, size: String, low: String,
        high: String, random: Bool)
    case camMeaningless
    case featuresCaption(layer: String, kind: String, shape: String, channels: Int, of: Int, low: String, high: String)
    case featuresAddCaption(
        layer: String, main: String, shortcut: String, channels: Int, of: Int, low: String, high: String)
    case wrotePicture(path: String, width: Int, height: Int)
    case wroteValues(path: String, shape: String)
    case cliCam, camOneImage
    case cliBatch, batchRange, cliNoKernelCache
    case noImagesInFolder(String)
    case noMatch(String)
    // MARK: %explain
    case explainHeading(layer: String, index: String, chain: String)
    case explainConvolution(layer: String, kernel: String, stride: Int, padding: String, filter: Int, input: String)
    case explainWindow(rows: String, columns: String, kernel: String, channels: Int, products: Int, padded: Int)
    case explainLargest(count: Int, input: String, vector: Bool)
    case explainOthers(count: Int, sum: String)
    case explainSum(dot: String, bias: String?, value: String)
    case explainBatchNorm(layer: String, channel: Int, epsilon: String)
    case explainFolded(conv: String)
    case explainFoldedValue(dot: String, bias: String, value: String)
    case explainRelu(layer: String)
    case explainAdd(layer: String)
    case explainAddInput(layer: String, index: String, value: String, role: Int?)
    case explainReluAfter(layer: String, value: String)
    case explainPool(
        layer: String, maximum: Bool, input: String, rows: String, columns: String, channel: Int, count: Int)
    case explainGlobalPool(layer: String, input: String, channel: Int, count: Int)
    case explainPadding(layer: String, input: String, source: String?)
    case explainDense(layer: String, unit: Int, input: String, count: Int)
    case explainSoftmax
    case explainNetwork(layer: String, index: String, value: String)
    case explainIndexCount(layer: String, shape: String, expected: Int, got: Int)
    case explainIndexOutside(String, layer: String, shape: String)
    case explainNotCovered(layer: String, kind: String)
    case summaryExplain
    /// `%explain`'s pass would go past a size or memory limit of the engine.
    case explainBeyondLimit(Bilingual)
    case outputNotFinite(image: String)
    case expressionTooTall(Int)
    case timeNestedTooDeep(Int)
    case evaluationTooDeep(Int)
    case valueNestedTooDeep(Int)
    case scriptTooLarge(String?, limit: Int)
    case notAJupyterNotebook(String)
    case cellTooLong(limit: Int)
    case progressNotSaved(path: String, reason: String)

    /// The message in English and in Chinese.
    public var text: Bilingual {
        switch self {
        case .nameNotDefined(let name):
            return Bilingual("name '\(name)' is not defined", "名字 '\(name)' 还没有定义")
        case .kerasWordUnquoted(let name):
            return Bilingual(
                "name '\(name)' is not defined: Keras takes it as a string, in quotes: '\(name)'",
                "名字 '\(name)' 还没有定义：Keras 要的是字符串，加上引号：'\(name)'"
            )
        case .noAttribute(let owner, let name):
            return Bilingual("\(owner) has no attribute '\(name)'", "\(owner) 没有属性 '\(name)'")
        case .didYouMean(let suggestions):
            guard let last = suggestions.last else { return Bilingual("", "") }
            let en = suggestions.count == 1 ? last : suggestions.dropLast().joined(separator: ", ") + " or \(last)"
            let zh = suggestions.count == 1 ? last : suggestions.dropLast().joined(separator: "、") + " 还是 \(last)"
            return Bilingual("; did you mean \(en)?", "；你是想写 \(zh) 吗？")
        case .cannotBeCalled(let what):
            return Bilingual("\(what) cannot be called", "\(what) 不能调用")
        case .noWeights(let model):
            return Bilingual(
                "model '\(model)' has no weights yet: run `reslab weights download` in a shell for the tutorial's file, "
                    + "or model.load_weights('file.h5'), or %random_weights model for seeded random weights "
                    + "(outputs then say so)",
                "模型 '\(model)' 还没有权重：在 shell 里运行 `reslab weights download` 下载教程的权重文件，"
                    + "或者 model.load_weights('file.h5')，或者 %random_weights model 换上固定种子的随机权重（输出会注明）"
            )
        case .unknownCommand(let name, let suggestion):
            return Bilingual(
                "unknown command %\(name)" + (suggestion.map { " (did you mean %\($0)?)" } ?? "")
                    + "; type help for the list",
                "没有 %\(name) 这个命令" + (suggestion.map { "（你是想写 %\($0) 吗？）" } ?? "") + "；输入 help 查看命令列表"
            )
        case .interrupted:
            return Bilingual("interrupted", "已中断")
        case .inFunction(let name, let line):
            return Bilingual("in \(name), line \(line): ", "在 \(name) 的第 \(line) 行：")
        case .usage(let usage):
            return Bilingual("usage: \(usage)", "用法：\(usage)")
        case .modelNotCallable:
            return Bilingual("a Model (use model.predict(x) to run it on data)", "Model（要在数据上运行它，用 model.predict(x)）")
        case .missingComma(let value, let article, let type):
            return Bilingual(
                "\(value) is \(article) \(type), not a function, yet brackets follow it: is a comma missing before "
                    + "the '('? As in Conv2D(64, (1, 1))",
                "\(value) 是 \(type)，不是函数，后面却跟着括号：'(' 前面是不是少了一个逗号？比如 Conv2D(64, (1, 1))"
            )
        case .missingArgument(let name):
            return Bilingual("missing argument '\(name)'", "缺少参数 '\(name)'")
        case .tooManyPositional(let count, let names, let got):
            return Bilingual(
                "takes at most \(count) positional argument\(count == 1 ? "" : "s") (\(names)), got \(got)",
                "最多接受 \(count) 个位置参数（\(names)），却给了 \(got) 个"
            )
        case .unexpectedKeyword(let name, let suggestion, let parameters):
            return Bilingual(
                "unexpected keyword argument '\(name)'" + (suggestion.map { " (did you mean \($0)?)" } ?? "")
                    + "; its parameters are " + parameters,
                "没有关键字参数 '\(name)'" + (suggestion.map { "（你是想写 \($0) 吗？）" } ?? "") + "；它的参数是 " + parameters
            )
        case .twoValues(let name):
            return Bilingual("got two values for '\(name)'", "'\(name)' 得到了两个值")
        case .mustBe(let parameter, let expected, let got):
            let kind = expected.text
            return Bilingual("'\(parameter)' must be \(kind.en), got \(got)", "'\(parameter)' 应该是\(kind.zh)，却是 \(got)")
        case .anInteger: return Bilingual("an integer", "整数")
        case .aString: return Bilingual("a string", "字符串")
        case .aNumberOrDigits: return Bilingual("a number or a string of digits", "数字或由数字组成的字符串")
        case .trueOrFalse: return Bilingual("True or False", " True 或 False")
        case .aPositiveNumber: return Bilingual("a positive number", "正数")
        case .aListOfIntegers: return Bilingual("a list of integers", "整数列表")
        case .anIntegerOrAPair: return Bilingual("an integer or a pair of integers", "整数或一对整数")
        case .aTensor:
            return Bilingual("a tensor (the output of Input(...) or of a layer)", "张量（Input(...) 或某一层的输出）")
        case .activationNotSupported(let name):
            return Bilingual(
                "activation '\(name)' is not supported; use 'relu', 'softmax' or 'linear'",
                "不支持激活函数 '\(name)'；请用 'relu'、'softmax' 或 'linear'"
            )
        case .paddingMustBe(let name):
            return Bilingual(
                "padding must be 'valid' or 'same', got '\(name)'", "padding 只能是 'valid' 或 'same'，却是 '\(name)'")
        case .layerTakesOneTensor:
            return Bilingual("a layer is called on one tensor: layer(x)", "一个层只作用在一个张量上：layer(x)")

        case .takes(let expected):
            let kind = expected.text
            return Bilingual("takes \(kind.en)", "要的是\(kind.zh)")
        case .theImageLoadImgReturns: return Bilingual("the image image.load_img returns", " image.load_img 返回的图片")
        case .aListOfTensors:
            return Bilingual("a list of tensors: layers.add([x, shortcut])", "张量列表：layers.add([x, shortcut])")
        case .anArray: return Bilingual("an array", "数组")
        case .anArrayLikePreprocessInputReturns:
            return Bilingual("an array like preprocess_input returns", "像 preprocess_input 返回的那种数组")
        case .anArrayOfRGBImages:
            return Bilingual(
                "an array of RGB images, e.g. np.expand_dims(image.img_to_array(img), axis=0)",
                "由 RGB 图片组成的数组，比如 np.expand_dims(image.img_to_array(img), axis=0)"
            )
        case .theArrayPredictReturns: return Bilingual("the array model.predict returns", " model.predict 返回的数组")
        case .axisOutOfRange(let axis, let shape):
            return Bilingual("axis \(axis) is out of range for shape \(shape)", "axis \(axis) 超出了形状 \(shape) 的范围")
        case .batchNormalizationAxis:
            return Bilingual("axis must be -1 or 3 (channels last, as in the tutorial)", "axis 只能是 -1 或 3（通道在最后，和教程一样）")
        case .stepZero: return Bilingual("step must not be zero", "step 不能是零")
        case .rangeTooLong: return Bilingual("reslab's range stops at a million numbers", "reslab 的 range 最多只能有一百万个数")
        case .noLen(let type): return Bilingual("\(type) has no len()", "\(type) 没有 len()")
        case .identityBlockMismatch(let filters, let input, let mainPath):
            return Bilingual(
                "identity_block cannot take this input: its shortcut adds the input unchanged to the main path, "
                    + "so the input needs filters[2] = \(filters) channels. Input \(input), main path output \(mainPath). "
                    + "Use conv_block, whose 1x1 convolution on the shortcut changes the channels (and, with strides, the size).",
                "identity_block 不能接受这个输入：它的捷径把输入原样加到主路径上，"
                    + "所以输入需要 filters[2] = \(filters) 个通道。输入 \(input)，主路径输出 \(mainPath)。"
                    + "请改用 conv_block：它在捷径上用 1x1 卷积改变通道数（加上 strides 还能改变尺寸）。"
            )
        case .usingCachedWeights(let path, let cached):
            return Bilingual(
                "(\(path) is not in this folder: using the verified copy in reslab's cache, \(cached))",
                "（\(path) 不在这个文件夹里：改用 reslab 缓存里校验过的副本，\(cached)）"
            )
        case .weightsFileRandom(let path, let seed):
            return Bilingual(
                "(\(path) is not here: this run gives the model seeded RANDOM weights, seed \(seed); every prediction says so)",
                "（\(path) 不在这里：这次运行给模型一组固定种子的随机权重（RANDOM），种子 \(seed)；每次预测都会注明）"
            )
        case .weightsFileNowhere(let path):
            return Bilingual(
                "(\(path) is neither in this folder nor in reslab's cache: `reslab weights download` in a shell fetches it; "
                    + "meanwhile %random_weights model gives seeded random weights)",
                "（\(path) 既不在这个文件夹里，也不在 reslab 的缓存里：在 shell 里运行 `reslab weights download` 下载它；"
                    + "在那之前，%random_weights model 可以换上固定种子的随机权重）"
            )
        case .resNet50Random(let seed):
            return Bilingual(
                "(no trained weights here: this run gives ResNet50() seeded RANDOM weights, seed \(seed); every prediction says so)",
                "（这里没有训练好的权重：这次运行给 ResNet50() 一组固定种子的随机权重（RANDOM），种子 \(seed)；每次预测都会注明）"
            )
        case .yourFunction(let signature, let line):
            return Bilingual(
                "\(signature): your function, defined at line \(line)", "\(signature)：你自己的函数，定义在第 \(line) 行")
        case .moduleMembers(let name, let members):
            return Bilingual("module \(name): \(members)", "模块 \(name)：\(members)")

        case .returnOutsideFunction:
            return Bilingual("'return' outside a function", "'return' 只能写在函数里")
        case .breakOutsideLoop:
            return Bilingual("'break' or 'continue' outside a loop", "'break' 和 'continue' 只能写在循环里")
        case .cannotUnpack(let type, let count):
            return Bilingual("cannot unpack \(type) into \(count) names", "无法把 \(type) 拆成 \(count) 个名字")
        case .forNeedsSequence(let type):
            return Bilingual(
                "a for loop goes through a list, a tuple, a string or range(…), not \(type)",
                "for 循环遍历的是列表、元组、字符串或 range(…)，不是 \(type)"
            )
        case .replacesBuiltIn(let name, let checkable):
            return Bilingual(
                "(your \(name) replaces the built-in for this session; del \(name) brings the tutorial's back"
                    + (checkable ? "; %check \(name) compares them)" : ")"),
                "（在这次会话里，你的 \(name) 取代了内置的版本；del \(name) 换回教程的版本"
                    + (checkable ? "；%check \(name) 比较两者）" : "）")
            )
        case .builtInAgain(let name):
            return Bilingual("(\(name) is the tutorial's built-in again)", "（\(name) 又是教程内置的版本了）")
        case .returnedWrongType(let function, let type, let wantsModel):
            return Bilingual(
                "\(function) returned \(type), not " + (wantsModel ? "a Model" : "a tensor: end it with return x"),
                "\(function) 返回了 \(type)，而不是" + (wantsModel ? " Model" : "张量：最后写上 return x")
            )
        case .tooDeep(let function, let depth):
            return Bilingual(
                "\(function) called itself (or another function) more than \(depth) levels deep: "
                    + "is there a call that never stops?",
                "\(function) 调用自己（或别的函数）超过了 \(depth) 层：是不是有一个永远不会停下的调用？"
            )
        case .cannotNegate(let type):
            return Bilingual("cannot negate \(type)", "\(type) 不能取负")
        case .inNeedsSequence(let type):
            return Bilingual(
                "'in' looks in a list, a tuple or a string, not in \(type)", "'in' 在列表、元组或字符串里查找，不能在 \(type) 里查找"
            )
        case .cannotCompare(let op, let left, let right):
            return Bilingual(
                "'\(op)' compares numbers or strings, not \(left) and \(right)",
                "'\(op)' 比较的是数字或字符串，不能比较 \(left) 和 \(right)"
            )
        case .divisionByZero:
            return Bilingual("division by zero", "除数为零")
        case .integerOverflow(let expression):
            return Bilingual("integer overflow in \(expression)", "\(expression) 整数溢出")
        case .cannotAddTextAndNumber(let left, let right):
            return Bilingual(
                "cannot add \(left) and \(right): turn the number into text first, e.g. 'res' + str(stage)",
                "\(left) 和 \(right) 不能相加：先把数字变成文本，比如 'res' + str(stage)"
            )
        case .addTensorsWithAdd:
            return Bilingual(
                "tensors are added with layers.add([a, b]), as the tutorial does at the end of each block",
                "张量要用 layers.add([a, b]) 相加，就像教程在每个块的末尾那样"
            )
        case .unsupportedOperation(let operation):
            return Bilingual("unsupported operation: \(operation)", "不支持的运算：\(operation)")
        case .indicesMustBeIntegers:
            return Bilingual("indices must be integers", "下标必须是整数")
        case .indexOutOfRange(let index, let length):
            return Bilingual(
                "index \(index) out of range" + (length.map { " (length \($0))" } ?? ""),
                "下标 \(index) 超出范围" + (length.map { "（长度 \($0)）" } ?? "")
            )
        case .indexOutOfRangeForShape(let index, let shape):
            return Bilingual("index \(index) out of range for shape \(shape)", "下标 \(index) 超出了形状 \(shape) 的范围")
        case .cannotBeIndexed(let type):
            return Bilingual("\(type) cannot be indexed", "\(type) 不能用下标访问")

        case .syntaxError(let place, let message):
            return Bilingual(
                "syntax error" + (place.map { " at \($0)" } ?? "") + ": " + message,
                "语法错误" + (place.map { "（\($0)）" } ?? "") + "：" + message
            )
        case .lineColumn(let line, let column):
            let en = [line.map { "line \($0)" }, column.map { "column \($0)" }].compactMap { $0 }
            let zh = [line.map { "第 \($0) 行" }, column.map { "第 \($0) 列" }].compactMap { $0 }
            return Bilingual(en.joined(separator: ", "), zh.joined(separator: "，"))
        case .notANumber(let text):
            return Bilingual("'\(text)' is not a number", "'\(text)' 不是数字")
        case .numberTooLarge(let text):
            return Bilingual("the number \(text) is too large", "数字 \(text) 太大了")
        case .stringNotClosed(let quote):
            return Bilingual("the string is not closed: add \(quote)", "字符串没有结束：补上 \(quote)")
        case .powerNotSupported:
            return Bilingual("'**' is not supported", "不支持 '**'")
        case .dictionariesNotSupported:
            return Bilingual("dictionaries and sets are not supported", "不支持字典和集合")
        case .unexpectedCharacter(let character):
            return Bilingual("unexpected character '\(character)'", "意外的字符 '\(character)'")
        case .expectedSymbol(let symbol, let context, let found):
            return Bilingual(
                "expected '\(symbol)' \(context.text.en), found \(found.text.en)",
                "\(context.text.zh)应该是 '\(symbol)'，这里却是\(found.text.zh)"
            )
        case .afterFunctionName: return Bilingual("after the function's name", "函数名后面")
        case .toCloseParameters: return Bilingual("to close the parameters", "参数列表的结尾")
        case .toCloseCall: return Bilingual("to close the call", "调用的结尾")
        case .toCloseSubscript: return Bilingual("to close the subscript", "下标的结尾")
        case .toCloseTuple: return Bilingual("to close the tuple", "元组的结尾")
        case .toCloseList: return Bilingual("to close the list", "列表的结尾")
        case .token(let token): return Bilingual(token, " \(token)")
        case .aStringToken: return Bilingual("a string", "一个字符串")
        case .endOfLine: return Bilingual("the end of the line", "行尾")
        case .outsideReslab(let what):
            return Bilingual(
                "\(what.text.en) is outside what reslab runs: it runs the tutorial's Python (assignments, calls, "
                    + "def, return, if, for); classes, while, lambda, try, with and comprehensions are not part of it",
                "\(what.text.zh) 不在 reslab 能运行的范围内：它运行的是教程用到的 Python（赋值、调用、"
                    + "def、return、if、for）；class、while、lambda、try、with 和推导式都不在其中"
            )
        case .quoted(let word): return Bilingual("'\(word)'", "'\(word)'")
        case .importing(let module): return Bilingual("importing '\(module)'", "导入 '\(module)'")
        case .starArgs: return Bilingual("'*args'", "'*args'")
        case .listComprehension: return Bilingual("a list comprehension", "列表推导式")
        case .conditionalExpression:
            return Bilingual("a conditional expression (x if c else y)", "条件表达式（x if c else y）")
        case .chainedComparison: return Bilingual("a chained comparison (a < b < c)", "连续比较（a < b < c）")
        case .delTakesNames: return Bilingual("del takes names: del x", "del 后面跟名字：del x")
        case .opensBlock(let keyword):
            return Bilingual("'\(keyword)' opens a block: its line ends with ':'", "'\(keyword)' 开启一个代码块：这一行要以 ':' 结尾")
        case .onlyNamesAssigned:
            return Bilingual("only names can be assigned to (x = …, or a, b = …)", "只能给名字赋值（x = …，或 a, b = …）")
        case .expectedModuleName: return Bilingual("expected a module name", "这里应该是模块名")
        case .expectedBlockKeyword:
            return Bilingual("expected def, if, elif, else or for before ':'", "':' 前面应该是 def、if、elif、else 或 for")
        case .expectedFunctionName: return Bilingual("expected the function's name after def", "def 后面应该是函数名")
        case .parameterAfterDefault:
            return Bilingual("a parameter without a default follows one with a default", "没有默认值的参数跟在了有默认值的参数后面")
        case .parameterTwice(let name): return Bilingual("parameter '\(name)' appears twice", "参数 '\(name)' 出现了两次")
        case .expectedForIn: return Bilingual("expected 'for NAME in …'", "这里应该是 'for NAME in …'")
        case .doesNotOpenBlock(let keyword):
            return Bilingual("'\(keyword)' does not open a block", "'\(keyword)' 不开启代码块")
        case .oneStatementPerCell(let found):
            return Bilingual("unexpected \(found.text.en); one statement per cell", "多出了\(found.text.zh)；一格只写一条语句")
        case .nestedTooDeep(let depth): return Bilingual("nested more than \(depth) levels deep", "嵌套超过了 \(depth) 层")
        case .keywordTwice(let name):
            return Bilingual("keyword argument '\(name)' given twice", "关键字参数 '\(name)' 给了两次")
        case .positionalAfterKeyword:
            return Bilingual("positional argument after keyword arguments", "位置参数写在了关键字参数后面")
        case .expectedNameAfterDot: return Bilingual("expected a name after '.'", "'.' 后面应该是名字")
        case .slicesNotSupported: return Bilingual("slices are not supported", "不支持切片")
        case .unexpected(let found): return Bilingual("unexpected \(found.text.en)", "意外的\(found.text.zh)")
        case .unexpectedIndent: return Bilingual("unexpected indent", "意外的缩进")
        case .bracketNeverClosed: return Bilingual("a bracket opened here is never closed", "这里打开的括号一直没有关闭")

        case .noHelp(let topic):
            return Bilingual(
                "no help for '\(topic)'; help lists the commands, help NAME tells a command or a Keras name",
                "没有 '\(topic)' 的帮助；help 列出所有命令，help NAME 介绍一个命令或一个 Keras 名字"
            )
        case .noVariables: return Bilingual("no variables yet", "还没有变量")
        case .cleared: return Bilingual("variables and layers cleared", "变量和层都已清空")
        case .noShape(let type): return Bilingual("\(type) has no shape", "\(type) 没有形状")
        case .pathTakesTensor:
            return Bilingual(
                "%path takes a tensor, e.g. the output of identity_block or conv_block",
                "%path 要的是一个张量，比如 identity_block 或 conv_block 的输出"
            )
        case .parameters(let model, let total, let trainable, let nonTrainable):
            return Bilingual(
                "\(model): \(total) parameters (trainable \(trainable), non-trainable \(nonTrainable))",
                "\(model)：\(total) 个参数（可训练 \(trainable)，不可训练 \(nonTrainable)）"
            )
        case .multiplyAdds(let model, let count, let gflop):
            return Bilingual(
                "\(model): \(count) multiply-adds (\(gflop) GFLOP) per image",
                "\(model)：每张图片 \(count) 次乘加（\(gflop) GFLOP）"
            )
        case .notWrittenYet(let name):
            return Bilingual(
                "you have not written \(name) yet: def \(name)(…): with its body, then %check \(name) compares it "
                    + "with the tutorial's",
                "你还没有写 \(name)：先写 def \(name)(…): 和它的函数体，然后 %check \(name) 会把它和教程的版本比较"
            )
        case .randomWeightsTakesModel:
            return Bilingual(
                "%random_weights takes a model, e.g. model = ResNet50()",
                "%random_weights 要的是一个模型，比如 model = ResNet50()"
            )
        case .nowRandomWeights(let name, let seed):
            return Bilingual(
                "\(name) now has RANDOM weights (seed \(seed)): its predictions mean nothing, every output will say so",
                "\(name) 现在是随机权重（种子 \(seed)）：它的预测没有意义，每次输出都会注明"
            )
        case .notOneInput(let layer):
            return Bilingual("\(layer) does not come from exactly one Input", "\(layer) 不是恰好来自一个 Input")
        case .expectedModelOrTensor(let type):
            return Bilingual("expected a model or a tensor, got \(type)", "这里要的是模型或张量，却是 \(type)")
        case .randomClassesMeanNothing:
            return Bilingual("[RANDOM weights: these classes mean nothing]", "[RANDOM 随机权重：这些类别没有意义]")
        case .noTrainedWeights:
            return Bilingual(
                "no trained weights: run `reslab weights download` in a shell, or %classify IMAGE --weights FILE, "
                    + "or %classify IMAGE --random for seeded random weights (the output then says so)",
                "没有训练好的权重：在 shell 里运行 `reslab weights download`，或者 %classify IMAGE --weights FILE，"
                    + "或者 %classify IMAGE --random 换上固定种子的随机权重（输出会注明）"
            )
        case .showImage(let name, let width, let height):
            return Bilingual("\(name): image, \(width)×\(height) pixels", "\(name)：图片，\(width)×\(height) 像素")
        case .showArray(let name, let shape):
            return Bilingual(
                "\(name): array \(shape), its values shown as R, G, B (0–255)",
                "\(name)：数组 \(shape)，它的值按 R、G、B（0–255）显示"
            )
        case .showPreprocessed(let name, let shape):
            return Bilingual(
                "\(name): preprocessed input \(shape), de-processed: + ImageNet means, BGR → RGB",
                "\(name)：预处理后的输入 \(shape)，已还原：加回 ImageNet 均值，BGR → RGB"
            )
        case .showTakes(let type, let shape):
            return Bilingual(
                "%show draws an image (image.load_img) or an array of shape (H, W, 3) or (1, H, W, 3), got \(type)"
                    + (shape.map { " of shape \($0)" } ?? ""),
                "%show 画的是图片（image.load_img）或形状为 (H, W, 3) 或 (1, H, W, 3) 的数组，却是 \(type)"
                    + (shape.map { "，形状 \($0)" } ?? "")
            )

        case .summaryShape: return Bilingual("the shape of a tensor, array, model or image", "张量、数组、模型或图片的形状")
        case .summaryPath:
            return Bilingual(
                "the block that made x: main path and shortcut side by side; with --svg or --dot, written to FILE as "
                    + "an SVG picture or a Graphviz graph",
                "生成 x 的那个块：主路径和捷径并排显示；加上 --svg 或 --dot 时写进 FILE，成为 SVG 图片或 Graphviz 图"
            )
        case .summaryCompare:
            return Bilingual(
                "conv block vs identity block: layers, shapes, parameters, multiply-adds",
                "Conv Block 对比 Identity Block：层、形状、参数、乘加次数"
            )
        case .summaryParams:
            return Bilingual("the parameters of a model, or of everything that leads to x", "模型的参数，或通向 x 的所有层的参数")
        case .summaryFlops:
            return Bilingual(
                "the multiply-adds of a model, or of everything that leads to x", "模型的乘加次数，或通向 x 的所有层的乘加次数")
        case .summaryLayers:
            return Bilingual("the model's layers (those whose name contains TEXT)", "模型的层（名字里含有 TEXT 的那些）")
        case .summaryPlan:
            return Bilingual(
                "what the engine runs: which layers fuse into one step, and why batch norm disappears",
                "引擎实际运行的步骤：哪些层合并成一步，以及批归一化为什么消失了"
            )
        case .summaryCheck:
            return Bilingual(
                "your function against the tutorial's: layers, names, shapes, parameters, outputs",
                "把你的函数和教程的版本比较：层、名字、形状、参数、输出"
            )
        case .summaryClassify:
            return Bilingual(
                "load_img, preprocess_input, predict, decode_predictions in one",
                "一条命令完成 load_img、preprocess_input、predict 和 decode_predictions"
            )
        case .summaryRandomWeights:
            return Bilingual(
                "give a model seeded random weights (every output then says so)", "给模型换上固定种子的随机权重（之后每次输出都会注明）")
        case .summaryTime: return Bilingual("run LINE and say how long it took", "运行 LINE，并报告用了多长时间")
        case .summarySleep: return Bilingual("wait (for testing Ctrl-C)", "等待（用来测试 Ctrl-C）")
        case .summaryWho: return Bilingual("the variables and what they hold", "所有变量和它们的值")
        case .summaryHistory: return Bilingual("the cells so far", "到目前为止输入过的每一格")
        case .summaryReset: return Bilingual("forget every variable and layer", "清空所有变量和层")
        case .summaryLessons: return Bilingual("the lessons", "课程列表")
        case .summaryLesson: return Bilingual("open lesson N where it was left", "打开第 N 课，从上次离开的地方继续")
        case .summaryRun: return Bilingual("in a lesson: run this step's cell", "课程中：运行这一步的那一格")
        case .summaryNext: return Bilingual("in a lesson: the next step", "课程中：下一步")
        case .summaryBack: return Bilingual("in a lesson: the step before", "课程中：上一步")
        case .summaryGoto: return Bilingual("in a lesson: step N", "课程中：跳到第 N 步")
        case .summaryAgain: return Bilingual("in a lesson: show this step again", "课程中：再显示一遍这一步")
        case .summarySave:
            return Bilingual("the session as a Jupyter notebook or as Markdown", "把这次会话存成 Jupyter 笔记本或 Markdown")
        case .summaryHelp: return Bilingual("this list, or one command's usage", "这份列表，或一个命令的用法")
        case .summaryShow:
            return Bilingual(
                "draw an image, or an array of one (what img_to_array or preprocess_input returns)",
                "把一张图片，或一个图片数组（img_to_array 或 preprocess_input 的结果）画出来"
            )
        case .helpIntro:
            return Bilingual(
                "Type the tutorial's Keras lines; every result shows at once:", "输入教程里的 Keras 代码，每个结果都会立刻显示：")
        case .helpCommands: return Bilingual("Commands (help NAME for one):", "命令（help NAME 查看其中一个）：")
        case .lessonSteps: return Bilingual("in a lesson: run its cell, move, show again", "课程中：运行这一步的那一格、前后移动、再显示一遍")
        case .exitLine: return Bilingual("leave (or Ctrl-D)", "退出（或按 Ctrl-D）")
        case .usedInLesson(let lesson): return Bilingual("used in lesson \(lesson)", "在第 \(lesson) 课中用到")

        case .docInput:
            return Bilingual(
                "The start of a network: a symbolic tensor of the given shape (without the batch axis).",
                "网络的起点：给定形状（不含批次轴）的符号张量。"
            )
        case .docConv2D:
            return Bilingual(
                "A 2-D convolution layer: `filters` kernels of `kernel_size` slide over the image; call it on a tensor.",
                "二维卷积层：`filters` 个大小为 `kernel_size` 的卷积核在图片上滑动；把它作用在一个张量上。"
            )
        case .docBatchNormalization:
            return Bilingual(
                "Normalizes each channel with the moving mean and variance, then scales by gamma and shifts by beta.",
                "用滑动均值和方差把每个通道归一化，再乘以 gamma、加上 beta。"
            )
        case .docActivation:
            return Bilingual(
                "Applies an activation function element by element: 'relu', 'softmax' or 'linear'.",
                "逐个元素地应用激活函数：'relu'、'softmax' 或 'linear'。"
            )
        case .docZeroPadding2D: return Bilingual("Adds rows and columns of zeros around the image.", "在图片四周补上几行几列的零。")
        case .docMaxPooling2D:
            return Bilingual(
                "Keeps the largest value of each window: a smaller image with the same channels.",
                "每个窗口只保留最大值：图片变小，通道数不变。"
            )
        case .docAveragePooling2D:
            return Bilingual(
                "Averages each window; ResNet50's 7x7 average pool turns each channel into one number.",
                "对每个窗口取平均；ResNet50 的 7x7 平均池化把每个通道变成一个数。"
            )
        case .docGlobalAveragePooling2D:
            return Bilingual(
                "Averages each channel over the whole image: (None, H, W, C) becomes (None, C).",
                "对每个通道在整张图片上取平均：(None, H, W, C) 变成 (None, C)。"
            )
        case .docFlatten: return Bilingual("Lays every value of each image out in one row.", "把每张图片的所有值排成一行。")
        case .docDense:
            return Bilingual(
                "A fully connected layer: every output is a weighted sum of every input, plus a bias.",
                "全连接层：每个输出都是所有输入的加权和，再加上偏置。"
            )
        case .docAdd:
            return Bilingual(
                "The layer behind layers.add: adds tensors of the same shape.", "layers.add 背后的层：把形状相同的张量相加。")
        case .docAddFunction:
            return Bilingual(
                "layers.add under the name `from keras.layers import add` gives it.",
                "layers.add 的另一个名字，来自 `from keras.layers import add`。"
            )
        case .docLayersAdd:
            return Bilingual(
                "Adds a list of tensors of the same shape: the residual connection, main path plus shortcut.",
                "把一组形状相同的张量相加：这就是残差连接，主路径加上捷径。"
            )
        case .docIdentityBlock:
            return Bilingual(
                "The tutorial's block whose shortcut is its input itself, so input and output shapes match.",
                "教程里捷径就是输入本身的那种块，所以输入和输出的形状相同。"
            )
        case .docConvBlock:
            return Bilingual(
                "The tutorial's block with a 1x1 convolution on the shortcut, so it can change size and channels.",
                "教程里捷径上有 1x1 卷积的那种块，所以它能改变尺寸和通道数。"
            )
        case .docResNet50:
            return Bilingual(
                "The tutorial's whole network: the stem, 16 blocks in four stages, pooling and the classifier.",
                "教程的整个网络：开头的几层（stem）、分成四个阶段的 16 个块、池化和分类器。"
            )
        case .docModel:
            return Bilingual(
                "A network from an Input to an output tensor, with summary(), predict() and load_weights().",
                "从一个 Input 到一个输出张量的网络，带有 summary()、predict() 和 load_weights()。"
            )
        case .docModelSummary:
            return Bilingual(
                "Prints Keras's table of layers, output shapes and parameters.", "打印 Keras 的表格：各层、输出形状和参数。")
        case .docModelLoadWeights:
            return Bilingual(
                "Reads the weights of every layer from a Keras HDF5 file, by layer name.",
                "按层的名字，从 Keras 的 HDF5 文件读入每一层的权重。"
            )
        case .docModelPredict:
            return Bilingual(
                "Runs the network on a batch of images: one row of outputs per image.", "在一批图片上运行网络：每张图片一行输出。")
        case .docModelCountParams:
            return Bilingual("The number of parameters, trainable or not.", "参数的个数，可训练的和不可训练的都算在内。")
        case .docImageLoadImg:
            return Bilingual(
                "Reads a JPEG or PNG as RGB, resized to target_size (height, width) as Pillow's nearest rule does.",
                "把 JPEG 或 PNG 读成 RGB，并像 Pillow 的最近邻规则那样缩放到 target_size（高, 宽）。"
            )
        case .docImageImgToArray:
            return Bilingual("The image as an array of shape (height, width, 3).", "把图片变成形状为 (height, width, 3) 的数组。")
        case .docNpExpandDims:
            return Bilingual(
                "Adds an axis of length 1: one image becomes a batch of one.", "加一个长度为 1 的轴：一张图片变成只有一张图片的一批。")
        case .docPreprocessInput:
            return Bilingual(
                "What the weights expect: RGB to BGR, minus the ImageNet mean of each channel.",
                "权重所要求的输入：RGB 转成 BGR，再减去每个通道的 ImageNet 均值。"
            )
        case .docDecodePredictions:
            return Bilingual(
                "The top classes of each prediction as (WordNet id, label, probability).",
                "每个预测的前几个类别，形式是 (WordNet id, 标签, 概率)。"
            )
        case .docPrint: return Bilingual("Prints its arguments separated by spaces.", "打印它的参数，用空格隔开。")
        case .docStr: return Bilingual("The object as text.", "把对象变成文本。")
        case .docLen: return Bilingual("The number of items of a list, a tuple or a string.", "列表、元组或字符串里的元素个数。")
        case .docRange: return Bilingual("The whole numbers from start up to stop.", "从 start 开始、到 stop 之前为止的整数。")
        case .docInt: return Bilingual("A whole number.", "整数。")
        case .docFloat: return Bilingual("A floating-point number.", "浮点数。")
        case .docHelp:
            return Bilingual(
                "What this page says: the signature, a sentence, an example, the lesson.",
                "这一页显示的内容：签名、一句说明、一个例子、用到它的课程。"
            )
        case .example(let code): return Bilingual("example: \(code)", "例子：\(code)")

        case .notInsideResidualBlock(let layer):
            return Bilingual(
                "\(layer) is not inside a residual block: no layers.add([...]) leads to it",
                "\(layer) 不在任何残差块里：没有哪个 layers.add([...]) 通向它"
            )
        case .pathTwoInputs: return Bilingual("%path draws blocks whose add has two inputs", "%path 只画 add 有两个输入的块")
        case .mainPath: return Bilingual("main path", "主路径")
        case .shortcut: return Bilingual("shortcut", "捷径")
        case .shortcutIdentity: return Bilingual("shortcut: identity (the input itself)", "捷径：恒等（就是输入本身）")
        case .noLayers: return Bilingual("(no layers)", "（没有层）")
        case .shortcutProjection(let kernel, let stride):
            return Bilingual("shortcut: \(kernel) projection, stride \(stride)", "捷径：\(kernel) 投影，步长 \(stride)")
        case .blockInput(let name, let shape): return Bilingual("input: \(name) \(shape)", "输入：\(name) \(shape)")
        case .blockAdd(let name, let shape):
            return Bilingual("\(name) (Add): main path + shortcut → \(shape)", "\(name) (Add)：主路径 + 捷径 → \(shape)")
        case .notPossibleHere(let call): return Bilingual("\(call): not possible here.", "\(call)：这里建不出来。")
        case .whyOnlyConvBlockChangesShape:
            return Bilingual(
                "Why: the identity block adds its input unchanged to the main path, so its output must have the input's shape: "
                    + "it cannot change the number of channels or the image size, and identity blocks can be chained any number of times. "
                    + "The conv block puts a 1x1 convolution with a stride on the shortcut, so the two paths can change the shape together; "
                    + "its output no longer matches its input, which is why it starts each stage and is not chained like the identity block.",
                "为什么：Identity Block 把输入原样加到主路径上，所以它的输出必须和输入形状相同：它既不能改变通道数，"
                    + "也不能改变图片大小，因此 Identity Block 可以一个接一个地串上任意多个。"
                    + "Conv Block 在捷径上放了一个带步长的 1x1 卷积，两条路径可以一起改变形状；"
                    + "它的输出不再和输入形状一致，所以它放在每个阶段的开头，不能像 Identity Block 那样一个接一个地串起来。"
            )
        case .columnLayer: return Bilingual("layer", "层")
        case .columnStep: return Bilingual("step", "步骤")
        case .columnRunsAs: return Bilingual("runs as", "运行方式")
        case .columnOutputShape: return Bilingual("output shape", "输出形状")
        case .columnKerasLayers: return Bilingual("Keras layers", "Keras 层")
        case .planAdds(let other): return Bilingual(" (adds \(other))", "（加上 \(other)）")
        case .planSummary(let layers, let steps, let batchNorms, let adds, let relus):
            return Bilingual(
                "\(counted(layers, "Keras layer")) run as \(counted(steps, "step")): "
                    + "\(counted(batchNorms, "batch norm")) folded into the convolution before "
                    + "\(batchNorms == 1 ? "it" : "them"), \(counted(adds, "add")) and \(counted(relus, "ReLU")) "
                    + "fused into a convolution; the input layer is not a step.",
                "\(layers) 个 Keras 层分 \(steps) 步运行：\(batchNorms) 个批归一化并进了它前面的卷积，"
                    + "\(adds) 个 add 和 \(relus) 个 ReLU 在卷积里一并完成；输入层不算一步。"
            )
        case .planConvolutions(let count, let winograd4x4, let winograd2x2):
            let winograd = winograd4x4 + winograd2x2
            // "7 F(4x4,3x3), 6 F(2x2,3x3)", or the one algorithm used.
            let kinds = [(winograd4x4, "F(4x4,3x3)"), (winograd2x2, "F(2x2,3x3)")].filter { $0.0 > 0 }
            let en =
                kinds.count == 1
                ? " \(kinds[0].1)" : " (" + kinds.map { "\($0.0) \($0.1)" }.joined(separator: ", ") + ")"
            let zh =
                kinds.count == 1
                ? " \(kinds[0].1)" : "（" + kinds.map { "\($0.0) 个 \($0.1)" }.joined(separator: "，") + "）"
            return Bilingual(
                "\(counted(count, "convolution")): \(winograd) by Winograd\(winograd > 0 ? en : ""), "
                    + "\(count - winograd) by one GEMM each.",
                "\(count) 个卷积：\(winograd) 个用 Winograd\(winograd > 0 ? zh : "")，其余 \(count - winograd) 个各是一次 GEMM。"
            )
        case .columnType: return Bilingual("type", "类型")
        case .columnOutput: return Bilingual("output", "输出")
        case .columnParams: return Bilingual("params", "参数")
        case .columnMultiplyAdds: return Bilingual("mult-adds", "乘加")
        case .totalShapes(let input, let output):
            return Bilingual("total: \(input) → \(output),", "合计：\(input) → \(output)")
        case .totalCounts(let parameters, let multiplyAdds):
            return Bilingual(
                "\(parameters) params, \(multiplyAdds) multiply-adds", "（\(parameters) 个参数，\(multiplyAdds) 次乘加）")

        case .noLessonOpen:
            return Bilingual(
                "no lesson is open: %lessons lists them, %lesson N opens one", "还没有打开课程：%lessons 列出所有课程，%lesson N 打开一课"
            )
        case .gotoRange(let count):
            return Bilingual("goto takes a step from 1 to \(count)", "goto 后面跟 1 到 \(count) 之间的步数")
        case .cellFailedButExpectedToWork(let skipped):
            return Bilingual(
                "this cell failed, but the lesson expects it to work"
                    + (skipped ? " (a step before it may have been skipped: back, or goto N)" : ""),
                "这一格出错了，但课程期望它能运行" + (skipped ? "（可能跳过了前面的某一步：back，或 goto N）" : "")
            )
        case .lessonExpects(let expected): return Bilingual("the lesson expects:\n" + expected, "课程期望的输出：\n" + expected)
        case .banner:
            return Bilingual(
                "reslab: the tutorial's ResNet50, piece by piece. Type its Keras lines; help lists the commands; "
                    + "Ctrl-D leaves.",
                "reslab：一块一块地搭出教程里的 ResNet50。输入教程的 Keras 代码；help 列出命令；Ctrl-D 退出。"
            )
        case .weightsFound(let path): return Bilingual("Weights: \(path)", "权重：\(path)")
        case .noWeightsYet:
            return Bilingual(
                "No trained weights yet: `reslab weights download` fetches them (98 MB); shapes and summaries need none.",
                "还没有训练好的权重：`reslab weights download` 会下载它们（98 MB）；看形状和摘要不需要权重。"
            )
        case .endOfLesson(let next?, let title?):
            return Bilingual(
                "That is the end of this lesson. Next: %lesson \(next) (\(title)); %lessons lists them all.",
                "这一课结束了。下一课：%lesson \(next)（\(title)）；%lessons 列出所有课程。"
            )
        case .endOfLesson:
            return Bilingual(
                "That is the end of this lesson, the last one. %lessons lists them all.",
                "这一课结束了，也是最后一课。%lessons 列出所有课程。"
            )
        case .stepHint:
            return Bilingual(
                "(type run to run it, next for the next step, back to go back)", "（输入 run 运行这一格，next 下一步，back 上一步）")
        case .replayedSteps(let ranges): return Bilingual("(replayed steps \(ranges))", "（已重新运行第 \(ranges) 步）")
        case .saveFormats:
            return Bilingual(
                "save writes NAME.ipynb (Jupyter) or NAME.md (Markdown)",
                "save 写的是 NAME.ipynb（Jupyter）或 NAME.md（Markdown）"
            )
        case .savedCells(let count, let path):
            return Bilingual("saved \(count) cell\(count == 1 ? "" : "s") to \(path)", "已把 \(count) 个单元保存到 \(path)")
        case .savedPictures(let count, let folder):
            return Bilingual(
                count == 1 ? ", its picture in \(folder)" : ", its \(count) pictures in \(folder)",
                "，\(count) 张图片在 \(folder) 里")
        case .elapsed(let milliseconds): return Bilingual("time: \(milliseconds) ms", "用时：\(milliseconds) ms")
        case .historyUnusable(let path, let reason):
            return Bilingual("history file \(path) unusable: \(reason)", "历史文件 \(path) 用不了：\(reason)")
        case .historyNotSaved(let path, let reason):
            return Bilingual("cannot save the history to \(path): \(reason)", "无法把历史保存到 \(path)：\(reason)")
        case .modelRepr(let name, let layers, let parameters, let input, let output, let weights):
            return Bilingual(
                "<Model '\(name)': \(layers) layers, \(parameters) params, \(input) → \(output), \(weights.text.en)>",
                "<Model '\(name)'：\(layers) 层，\(parameters) 个参数，\(input) → \(output)，\(weights.text.zh)>"
            )
        case .noWeightsLoaded: return Bilingual("no weights", "没有权重")
        case .weightsFrom(let path): return Bilingual("weights " + path, "权重 " + path)
        case .randomWeightsSeed(let seed): return Bilingual("RANDOM weights (seed \(seed))", "RANDOM 随机权重（种子 \(seed)）")
        case .arrayRepr(let shape, let low, let high):
            return Bilingual(
                "array of shape \(shape), float32, values \(low) … \(high)",
                "数组，形状 \(shape)，float32，数值 \(low) … \(high)"
            )
        case .computedWithRandomWeights:
            return Bilingual("  [computed with RANDOM weights]", "  [用 RANDOM 随机权重算出]")
        case .randomWeightsTag: return Bilingual("  [RANDOM weights]", "  [RANDOM 随机权重]")
        case .cliAbstract:
            return Bilingual(
                "Learn how ResNet50 works by building it, then run it on a real image.",
                "一块一块地搭出 ResNet50，弄懂它怎样工作，再在真实图像上运行它。"
            )
        case .cliReplAbstract:
            return Bilingual(
                "The notebook prompt (what `reslab` starts with no command).", "笔记本式提示符（不带命令的 `reslab` 就是它）。"
            )
        case .cliRunAbstract:
            return Bilingual(
                "Run a file (the tutorial's code, say) cell by cell, as if pasted at the prompt (no prompts, no colour).",
                "逐个单元运行一个文件（比如教程的代码），就像粘贴到提示符里一样（不显示提示符，没有颜色）。"
            )
        case .cliRunFile:
            return Bilingual(
                "A file of Python for the prompt, or a notebook (.ipynb, e.g. one `save` wrote): its code cells in turn.",
                "给提示符运行的 Python 文件，或者一个笔记本（.ipynb，比如 `save` 存下的）：依次运行它的代码单元。")
        case .cliLessonAbstract:
            return Bilingual(
                "Open lesson N at the prompt, or run it whole and check every cell.",
                "在提示符里打开第 N 课，或者整课运行并检查每个单元。"
            )
        case .cliLessonNumber:
            return Bilingual(
                "The lesson's number (`%lessons` at the prompt lists them).", "课的编号（在提示符里用 `%lessons` 列出）。"
            )
        case .cliNonInteractive:
            return Bilingual(
                "Print the lesson with every cell run; exit 1 if a cell fails or prints something else.",
                "打印整课并运行每个单元；有单元失败或输出不符时退出码为 1。"
            )
        case .cliLang:
            return Bilingual(
                "zh or en: the language of lessons, help and errors (default: from LC_ALL, then LANG).",
                "zh 或 en：课程、帮助和错误信息的语言（默认看 LC_ALL，再看 LANG）。"
            )
        case .cliSummaryAbstract:
            return Bilingual(
                "Print the network's layers as Keras's model.summary() does.", "像 Keras 的 model.summary() 一样打印网络的各层。"
            )
        case .cliVariant:
            return Bilingual(
                "Which ResNet50: tutorial or keras-applications.", "哪个 ResNet50：tutorial 或 keras-applications。")
        case .cliClassifyAbstract:
            return Bilingual(
                "Classify JPEG or PNG images and print the top classes, as the tutorial's decode_predictions does.",
                "对 JPEG 或 PNG 图像分类，像教程的 decode_predictions 一样打印最可能的类别。"
            )
        case .cliClassifyDiscussion:
            return Bilingual(
                "An image that cannot be read gets its own error line on stderr and the others are still "
                    + "classified; the exit status is then 1. With --random-weights every output says RANDOM.",
                "读不了的图像在 stderr 上各有一行错误，其余图像照样分类，此时退出码为 1。"
                    + "用 --random-weights 时每个输出都注明 RANDOM。"
            )
        case .cliImages:
            return Bilingual(
                "JPEG or PNG images, folders (their .jpg, .jpeg and .png files, not subfolders) or quoted globs.",
                "JPEG 或 PNG 图像、文件夹（其中的 .jpg、.jpeg 和 .png 文件，不含子文件夹）或加引号的通配符。")
        case .cliTop: return Bilingual("How many classes to list per image.", "每张图像列出几个类别。")
        case .cliJSON:
            return Bilingual("Print one JSON array on stdout instead of tables.", "在 stdout 上打印一个 JSON 数组，而不是表格。")
        case .cliAllProbs:
            return Bilingual(
                "With --json, include all 1000 probabilities per image.", "与 --json 一起用：每张图像带上全部 1000 个概率。"
            )
        case .cliWeightsFile:
            return Bilingual(
                "Keras HDF5 weight file (default: the tutorial's file in the reslab cache).",
                "Keras 的 HDF5 权重文件（默认：reslab 缓存里教程用的那个文件）。"
            )
        case .cliVariantDetected:
            return Bilingual(
                "Which ResNet50: tutorial or keras-applications (default: told from the weight file, else tutorial).",
                "哪个 ResNet50：tutorial 或 keras-applications（默认从权重文件看出来，否则用 tutorial）。"
            )
        case .cliRandomWeights:
            return Bilingual(
                "Use seeded random weights instead of a weight file (what they predict means nothing).",
                "不用权重文件，改用固定种子的随机权重（它们的预测没有意义）。"
            )
        case .cliImageAbstract:
            return Bilingual(
                "Show what load_img(path, target_size=(224, 224)) makes of an image.",
                "显示 load_img(path, target_size=(224, 224)) 把一张图像变成什么样。"
            )
        case .cliImage: return Bilingual("A JPEG or PNG image.", "一张 JPEG 或 PNG 图像。")
        case .cliRawOut:
            return Bilingual(
                "Write the 224x224 RGB pixels (224*224*3 bytes, row by row) to this file.",
                "把 224x224 的 RGB 像素（224*224*3 字节，逐行）写到这个文件。"
            )
        case .cliWeightsAbstract:
            return Bilingual(
                "Download, locate or verify the tutorial's Keras weight file.", "下载、查找或校验教程用的 Keras 权重文件。"
            )
        case .cliDownloadAbstract:
            return Bilingual(
                "Fetch the tutorial's weights (98 MB) into the reslab cache, checking their md5.",
                "把教程的权重（98 MB）下载到 reslab 的缓存里，并校验 md5。"
            )
        case .cliURL:
            return Bilingual(
                "Download from this URL instead of the tutorial's release.", "从这个 URL 下载，而不是教程发布的地址。"
            )
        case .cliMD5: return Bilingual("The md5 the file must have.", "文件应有的 md5。")
        case .cliPathAbstract:
            return Bilingual(
                "Print where reslab keeps the tutorial's weights; the exit status is 1 if no file is there yet.",
                "打印 reslab 存放教程权重的位置；那里还没有文件时退出码为 1。"
            )
        case .cliVerifyAbstract:
            return Bilingual("Check a weight file's md5 against the tutorial's file.", "用教程文件的 md5 校验一个权重文件。")
        case .cliVerifyDiscussion:
            return Bilingual(
                "When the md5 differs, the file is read as a ResNet50 to tell a valid weight file of another "
                    + "origin (named with its variant and md5) from a damaged one (with the reason it does not load). "
                    + "Either way the exit status is 1: it is not the tutorial's file.",
                "md5 不同时，会把文件当作 ResNet50 读一遍，分清它是别处来的完好权重文件（给出版本和 md5），"
                    + "还是损坏的文件（给出读不进来的原因）。两种情况退出码都是 1：它不是教程的文件。"
            )
        case .cliVerifyFile:
            return Bilingual("The file to check (default: the cached file).", "要校验的文件（默认：缓存里的文件）。")
        case .cliBenchAbstract:
            return Bilingual(
                "Time the forward pass of one 224x224 image (weights loaded once, one warm-up run first).",
                "测一张 224x224 图像前向传播的时间（权重只加载一次，先预热一次）。"
            )
        case .giveAnImage: return Bilingual("give at least one image", "至少给一张图像")
        case .topRange: return Bilingual("--top must be between 1 and 1000", "--top 必须在 1 到 1000 之间")
        case .allProbsNeedsJSON: return Bilingual("--all-probs goes with --json", "--all-probs 要和 --json 一起用")
        case .weightsOrRandomWeights:
            return Bilingual(
                "--weights and --random-weights: give one or the other", "--weights 和 --random-weights 只能给一个"
            )
        case .notAURL(let text): return Bilingual("'\(text)' is not a URL", "'\(text)' 不是 URL")
        case .cannotReadFile(let file, let reason):
            return Bilingual("cannot read '\(file)': \(reason)", "读不了 '\(file)'：\(reason)")
        case .lessonCellsFailed(let number, let language, let count):
            return Bilingual(
                "lesson \(number) (\(language)): \(count) cell\(count == 1 ? "" : "s") failed or printed something else",
                "第 \(number) 课（\(language)）：\(count) 个单元失败或输出不符"
            )
        case .variantMismatch(let path, let found, let asked):
            return Bilingual(
                "'\(path)' holds \(found) weights, not \(asked); drop --variant or pass --variant \(found)",
                "'\(path)' 装的是 \(found) 的权重，不是 \(asked)；去掉 --variant，或者写 --variant \(found)"
            )
        case .cannotTellVariant(let path):
            return Bilingual(
                "cannot tell which ResNet50 '\(path)' holds (no layer named res2a_branch2a or conv2_block1_1_conv); "
                    + "pass --variant",
                "看不出 '\(path)' 装的是哪个 ResNet50（没有叫 res2a_branch2a 或 conv2_block1_1_conv 的层）；"
                    + "请用 --variant 指定"
            )
        case .noWeightsAt(let path):
            return Bilingual(
                "no weights at \(path): run `reslab weights download` to fetch the tutorial's file (98 MB), "
                    + "or pass --weights FILE",
                "\(path) 没有权重：运行 `reslab weights download` 下载教程的文件（98 MB），或者用 --weights FILE 指定"
            )
        case .alreadyDownloaded(let path, let md5):
            return Bilingual("already there: \(path) (md5 \(md5))", "已经有了：\(path)（md5 \(md5)）")
        case .downloading(let url): return Bilingual("downloading \(url)", "正在下载 \(url)")
        case .savedWeights(let path, let md5):
            return Bilingual("saved \(path) (md5 \(md5) verified)", "已保存 \(path)（md5 \(md5) 校验通过）")
        case .md5OK(let path, let md5): return Bilingual("\(path): md5 \(md5) OK", "\(path)：md5 \(md5) 正确")
        case .imageLoaded(let name, let width, let height):
            return Bilingual(
                "\(name): \(width)x\(height) RGB → load_img: 224x224 (nearest neighbour)",
                "\(name)：\(width)x\(height) RGB → load_img：224x224（最近邻缩放）"
            )
        case .imagePreprocessed(let shape, let low, let high):
            return Bilingual(
                "preprocess_input (caffe): RGB → BGR, minus the ImageNet means → shape \(shape), values \(low) … \(high)",
                "preprocess_input（caffe）：RGB → BGR，减去 ImageNet 均值 → 形状 \(shape)，数值 \(low) … \(high)"
            )
        case .checkPassed(let function, let calls, let layers, let parameters, let outputs):
            let en =
                (calls.count > 1
                    ? " in both calls (" + calls.map(\.text.en).joined(separator: ", ") + ")" : "")
            let zh = calls.count > 1 ? "（两次调用：" + calls.map(\.text.zh).joined(separator: "；") + "）" : ""
            let count = layers.map(String.init)
            return Bilingual(
                "\(function) matches the tutorial\(en): \(count.joined(separator: " and ")) layers after the Input, "
                    + "the same names, shapes and "
                    + (parameters.count == 1
                        ? "\(parameters[0]) parameters" : "parameters (\(parameters.joined(separator: " and ")))")
                    + outputs.text.en,
                "\(function) 与教程一致\(zh)：Input 之后 \(count.joined(separator: " 和 ")) 层，层名、形状都相同，"
                    + (parameters.count == 1
                        ? "参数量同为 \(parameters[0])" : "参数量也相同（\(parameters.joined(separator: " 和 "))）")
                    + outputs.text.zh
            )
        case .checkCall(let block, let strides):
            return Bilingual(
                "block \(block)" + (strides.map { " with strides=\($0)" } ?? " with the default strides"),
                "块 \(block)" + (strides.map { " 用 strides=\($0)" } ?? " 用默认步长")
            )
        case .checkOutputsIdentical:
            return Bilingual("; outputs are identical on seeded weights.", "；在随机种子权重下，输出完全相同。")
        case .checkOutputsAgree(let within):
            return Bilingual(
                "; outputs agree within \(within) on seeded weights.", "；在随机种子权重下，输出相差不超过 \(within)。"
            )
        case .checkOutputsNotCompared(let reason):
            return Bilingual("; the outputs could not be compared: \(reason).", "；输出没法比较：\(reason)。")
        case .checkWith(let call, let message):
            return Bilingual("With \(call), \(message.text.en)", "调用 \(call) 时，\(message.text.zh)")
        case .checkCode(let code): return Bilingual(code, code)
        case .checkConvolution(let branch):
            return branch == "1"
                ? Bilingual("shortcut convolution (branch 1)", "捷径卷积（分支 1）")
                : Bilingual("\(branch) convolution", "\(branch) 卷积")
        case .checkBatchNormalization(let branch):
            return branch == "1"
                ? Bilingual("shortcut batch normalization", "捷径的批归一化")
                : Bilingual("\(branch) batch normalization", "\(branch) 批归一化")
        case .checkBlockInput: return Bilingual("the block's input", "块的输入")
        case .checkFinalReLU: return Bilingual("final ReLU", "最后的 ReLU")
        case .checkItsInput: return Bilingual("its input", "它的输入")
        case .checkShortcutBranch1: return Bilingual("the shortcut (branch 1)", "捷径（分支 1）")
        case .checkReLUAfter(let name): return Bilingual("ReLU after \(name)", "\(name) 之后的 ReLU")
        case .checkOwner(let block, let inBlock):
            if inBlock { return Bilingual("block's ", "块里的 ") }
            return block.map { Bilingual("block \($0)'s ", "块 \($0) 里的 ") } ?? Bilingual("", "")
        case .checkYour(let owner, let what):
            let zh = owner.text.zh
            return Bilingual("your " + owner.text.en + what.text.en, "你的" + (zh.isEmpty ? " " : zh) + what.text.zh)
        case .checkThe(let block, let resNet, let what):
            if case .checkBlockInput = what { return what.text }
            if resNet {
                return block.map { Bilingual("block \($0)'s \(what.text.en)", "块 \($0) 的 \(what.text.zh)") }
                    ?? what.text
            }
            return Bilingual("the " + what.text.en, what.text.zh)
        case .checkTutorialNotBuilt(let function, let error):
            return Bilingual("the tutorial's \(function) could not be built: \(error)", "教程的 \(function) 搭不出来：\(error)")
        case .checkStoppedBeforeInput(let function, let error):
            return Bilingual(
                "your \(function) stopped before it used its input: \(error)", "你的 \(function) 还没用到输入就停下了：\(error)"
            )
        case .checkStoppedWithError(let function, let error):
            return Bilingual("your \(function) stopped with an error: \(error)", "你的 \(function) 出错停下了：\(error)")
        case .checkDidNotFinish: return Bilingual("the function did not finish", "函数没有运行完")
        case .checkOutputNotFromInput(let resNet):
            return Bilingual(
                "your \(noun(resNet))'s output is not computed from its input: a layer reads a tensor made outside "
                    + "the function; start from the input_tensor argument",
                "\(yourNoun(resNet))的输出不是从它的输入算出来的：有一层读了函数外面做的张量；请从参数 input_tensor 开始"
            )
        case .checkReturnsNotFromInput(let resNet, let name):
            return Bilingual(
                "your \(noun(resNet)) returns \(name), which is not computed from its input: "
                    + "start from the input_tensor argument",
                "\(yourNoun(resNet))返回的 \(name) 不是从它的输入算出来的：请从参数 input_tensor 开始"
            )
        case .checkAnotherInput(let resNet, let name):
            return Bilingual(
                "your \(noun(resNet)) makes another Input (\(name)): start from the input_tensor argument",
                "\(yourNoun(resNet))又建了一个 Input（\(name)）：请从参数 input_tensor 开始"
            )
        case .checkReturns(let resNet, let found, let expected):
            return Bilingual(
                "your \(noun(resNet)) returns \(found.text.en) where the tutorial returns \(expected.text.en)",
                "\(yourNoun(resNet))返回的是 \(found.text.zh)，教程返回的是 \(expected.text.zh)"
            )
        case .checkExtra(let resNet, let code, let after):
            return Bilingual(
                "your \(noun(resNet)) has an extra \(code)" + (after.map { " after \($0.text.en)" } ?? "")
                    + ": the tutorial has none there",
                "\(yourNoun(resNet))多了一个 \(code)" + (after.map { "（在 \($0.text.zh) 之后）" } ?? "") + "：教程在那里没有这一层"
            )
        case .checkAddBeforeNormalization(let name, let branch):
            return Bilingual(
                "your add comes before \(name): the tutorial normalizes " + (branch.map { "\($0) first" } ?? "first")
                    + ", then adds the shortcut",
                "你的 add 放在了 \(name) 之前：教程先" + (branch.map { "对 \($0) " } ?? "") + "做批归一化，再加上捷径"
            )
        case .checkShortcutUnchanged(let owner):
            let zh = owner.text.zh
            return Bilingual(
                "your \(owner.text.en)shortcut adds the block's input unchanged: a conv block's shortcut needs its own "
                    + "1x1 Conv2D (filters3, with the block's strides) and BatchNormalization before layers.add",
                "你的\(zh.isEmpty ? "" : " " + zh)捷径把块的输入原样加了上去：Conv Block 的捷径在 layers.add 之前需要自己的 "
                    + "1x1 Conv2D（filters3，用块的 strides）和 BatchNormalization"
            )
        case .checkEndsWithAdd(let block, let resNet, let code):
            return Bilingual(
                "your \(block.map { "block \($0)" } ?? noun(resNet)) ends with the add: the tutorial applies \(code) "
                    + "after layers.add",
                (block.map { "你的块 \($0) " } ?? yourNoun(resNet)) + "以 add 结尾：教程在 layers.add 之后还有 \(code)"
            )
        case .checkActivationBeforeAdd(let resNet, let code, let source):
            return Bilingual(
                "your \(noun(resNet)) applies \(code) to \(source.text.en) before the add: the tutorial adds the "
                    + "shortcut first and applies the ReLU after layers.add",
                "\(yourNoun(resNet))在 add 之前就对 \(source.text.zh) 用了 \(code)：教程先加上捷径，在 layers.add 之后才用 ReLU"
            )
        case .checkAddOperands(let owner, let found, let expected):
            let zh = owner.text.zh
            return Bilingual(
                "your \(owner.text.en)add adds " + found.map(\.text.en).joined(separator: " and ")
                    + " where the tutorial adds " + expected.map(\.text.en).joined(separator: " and "),
                "你的" + (zh.isEmpty ? " " : zh) + "add 加的是 " + found.map(\.text.zh).joined(separator: " 和 ")
                    + "，教程加的是 " + expected.map(\.text.zh).joined(separator: " 和 ")
            )
        case .checkAppliesInstead(let resNet, let source, let found, let expected):
            return Bilingual(
                "after \(source.text.en) your \(noun(resNet)) applies \(found) where the tutorial applies \(expected)",
                "在 \(source.text.zh) 之后，\(yourNoun(resNet))用的是 \(found)，教程用的是 \(expected)"
            )
        case .checkEndsWith(let resNet, let found, let expected, let after):
            return Bilingual(
                "your \(noun(resNet)) ends with \(found.text.en): the tutorial applies \(expected) after \(after.text.en)",
                "\(yourNoun(resNet))到 \(found.text.zh) 就结束了：教程在 \(after.text.zh) 之后还有 \(expected)"
            )
        case .checkHasNo(let resNet, let what, let expected, let to):
            return Bilingual(
                "your \(noun(resNet)) has no \(what.text.en): the tutorial applies \(expected) to \(to.text.en)",
                "\(yourNoun(resNet))缺了 \(what.text.zh)：教程对 \(to.text.zh) 用了 \(expected)"
            )
        case .checkNoName(let subject, let found, let expected, let hint):
            return Bilingual(
                "\(subject.text.en) has no name (Keras called it '\(found)') where the tutorial names it '\(expected)'"
                    + (hint?.text.en ?? ""),
                "\(subject.text.zh) 没有名字（Keras 把它叫作 '\(found)'），教程给它起名 '\(expected)'" + (hint?.text.zh ?? "")
            )
        case .checkNamed(let subject, let found, let expected, let hint):
            return Bilingual(
                "\(subject.text.en) is named '\(found)' where the tutorial has '\(expected)'" + (hint?.text.en ?? ""),
                "\(subject.text.zh) 名叫 '\(found)'，教程里叫 '\(expected)'" + (hint?.text.zh ?? "")
            )
        case .checkNameHintStage(let base, let prefix):
            let formula = "\(base) = '\(prefix)' + str(stage) + block + '_branch'"
            return Bilingual(": check stage and block (\(formula))", "：检查 stage 和 block（\(formula)）")
        case .checkNameHint(let base, let branch):
            return Bilingual(": name=\(base) + '\(branch)'", "：应写 name=\(base) + '\(branch)'")
        case .checkInputShape(let found, let function, let expected):
            return Bilingual(
                "your Input has shape \(found) where the tutorial's \(function)() takes \(expected), its default input_shape",
                "你的 Input 形状是 \(found)，教程的 \(function)() 用的是默认的 input_shape \(expected)"
            )
        case .checkShapes(let found, let expected):
            return Bilingual("\(found) where the tutorial has \(expected)", "\(found)，教程是 \(expected)")
        case .checkOutputs(let subject, let shapes):
            return Bilingual("\(subject.text.en) outputs \(shapes.text.en)", "\(subject.text.zh) 输出 \(shapes.text.zh)")
        case .checkFilters(let subject, let found, let expected, let hint):
            return Bilingual(
                "\(subject.text.en) has \(found) filters where the tutorial has \(expected)" + (hint?.text.en ?? ""),
                "\(subject.text.zh) 有 \(found) 个过滤器，教程是 \(expected) 个" + (hint?.text.zh ?? "")
            )
        case .checkFiltersHint(let branch):
            let unpack = "filters1, filters2, filters3 = filters"
            switch branch {
            case "2a":
                return Bilingual(": \(unpack), and 2a takes filters1, the first", "：\(unpack)，2a 用的是第一个 filters1")
            case "2b": return Bilingual(": \(unpack), and 2b takes filters2", "：\(unpack)，2b 用的是 filters2")
            case "2c":
                return Bilingual(
                    ": \(unpack), and 2c takes filters3, the block's output channels",
                    "：\(unpack)，2c 用的是 filters3，也就是块的输出通道数"
                )
            default:
                return Bilingual(
                    ": the shortcut takes filters3, the block's output channels, so that layers.add gets one shape",
                    "：捷径用的是 filters3，也就是块的输出通道数，这样 layers.add 拿到的两个张量才同形"
                )
            }
        case .checkStrides(let subject, let found, let expected, let shapes, let misplaced):
            let en = { (strides: String?) in strides.map { "strides=\($0)" } ?? "no strides" }
            let zh = { (strides: String?) in strides.map { "用 strides=\($0)" } ?? "没有步长" }
            return Bilingual(
                "\(subject.text.en) has \(en(found)) where the tutorial has \(en(expected)): \(shapes.text.en)"
                    + (misplaced?.text.en ?? ""),
                "\(subject.text.zh) \(zh(found))，教程\(zh(expected))：\(shapes.text.zh)" + (misplaced?.text.zh ?? "")
            )
        case .checkStrideMisplaced(let resNet, let what, let places):
            return Bilingual(
                "; your \(noun(resNet)) puts the stride on its \(what.text.en): the tutorial puts strides on "
                    + places.map(\.text.en).joined(separator: " and on "),
                "；\(yourNoun(resNet))把步长放在了 \(what.text.zh) 上：教程把步长放在 "
                    + places.map(\.text.zh).joined(separator: " 和 ") + " 上"
            )
        case .checkNoPaddingSame(let subject, let shapes):
            return Bilingual(
                "\(subject.text.en) has no padding='same': \(shapes.text.en)",
                "\(subject.text.zh) 没有 padding='same'：\(shapes.text.zh)"
            )
        case .checkPaddingSameNotValid(let subject, let shapes):
            return Bilingual(
                "\(subject.text.en) has padding='same' where the tutorial keeps the default padding='valid': "
                    + shapes.text.en,
                "\(subject.text.zh) 用了 padding='same'，教程保持默认的 padding='valid'：" + shapes.text.zh
            )
        case .checkKernelSize(let subject, let found, let expected, let shapes, let counts):
            return Bilingual(
                "\(subject.text.en) is \(found) where the tutorial has kernel_size \(expected)"
                    + (shapes.map { ": \($0.text.en)" } ?? "") + (counts.map { " \($0.text.en)" } ?? ""),
                "\(subject.text.zh) 是 \(found)，教程的 kernel_size 是 \(expected)"
                    + (shapes.map { "：\($0.text.zh)" } ?? "") + (counts?.text.zh ?? "")
            )
        case .checkCounts(let expected, let found):
            return Bilingual("(\(expected) parameters, yours \(found))", "（教程 \(expected) 个参数，你的 \(found) 个）")
        case .checkUseBias(let subject, let value, let counts):
            return Bilingual(
                "\(subject.text.en) has use_bias=\(value) \(counts.text.en)",
                "\(subject.text.zh) 用了 use_bias=\(value)\(counts.text.zh)"
            )
        case .checkParameterCount(let subject, let found, let expected):
            return Bilingual(
                "\(subject.text.en) has \(found) parameters where the tutorial has \(expected)",
                "\(subject.text.zh) 有 \(found) 个参数，教程是 \(expected) 个"
            )
        case .checkActivationInConv(let subject, let found):
            return Bilingual(
                "\(subject.text.en) has activation='\(found)' where the tutorial's has none: "
                    + "the ReLU is a layer of its own, Activation('relu'), after the batch normalization",
                "\(subject.text.zh) 用了 activation='\(found)'，教程的没有：ReLU 是单独的一层 Activation('relu')，放在批归一化之后"
            )
        case .checkSetting(let subject, let found, let expected):
            return Bilingual(
                "\(subject.text.en) has \(found) where the tutorial has \(expected)",
                "\(subject.text.zh) 用的是 \(found)，教程用的是 \(expected)"
            )
        case .checkIsInstead(let subject, let found, let expected):
            return Bilingual(
                "\(subject.text.en) is \(found) where the tutorial has \(expected)",
                "\(subject.text.zh) 是 \(found)，教程是 \(expected)"
            )
        case .checkEpsilon(let subject, let found, let expected):
            return Bilingual(
                "\(subject.text.en) has epsilon=\(found) where the tutorial keeps the default epsilon=\(expected)",
                "\(subject.text.zh) 用了 epsilon=\(found)，教程保持默认的 epsilon=\(expected)"
            )
        case .checkPads(let subject, let found, let expected):
            return Bilingual(
                "\(subject.text.en) pads \(found) where the tutorial pads \(expected)",
                "\(subject.text.zh) 的填充是 \(found)，教程是 \(expected)"
            )
        case .checkOutputsDiffer(let resNet, let by):
            return Bilingual(
                "your \(noun(resNet))'s outputs differ from the tutorial's by up to \(by) on the same seeded weights "
                    + "and input, though its layers, names, shapes, parameters and settings agree",
                "\(yourNoun(resNet))的输出和教程的最多相差 \(by)（同一组随机种子权重、同一个输入），尽管层、层名、形状、参数和设置都一致"
            )
        case .checkOutsideTensor(let resNet):
            return Bilingual(
                "your \(noun(resNet)) adds a tensor made outside the function (a variable from an earlier cell?) to "
                    + "one made from its input: every layer must start from the input_tensor argument",
                "\(yourNoun(resNet))把函数外面做的张量（前面某个单元格里的变量？）和从输入算出的张量加在一起："
                    + "每一层都必须从参数 input_tensor 开始"
            )
        case .checkShortcutNeedsConv(let owner, let input, let output, let channels):
            let zh = owner.text.zh
            return Bilingual(
                "your \(owner.text.en)shortcut adds the block's input, but a conv block's input "
                    + (channels
                        ? "has \(input) channels and its output \(output)" : "is \(input) and its output \(output)")
                    + ": the shortcut needs its own 1x1 Conv2D (filters3 filters, the block's strides), then "
                    + "BatchNormalization, before layers.add",
                "你的\(zh.isEmpty ? "" : " " + zh)捷径加的是块的输入，但 Conv Block 的输入"
                    + (channels ? "有 \(input) 个通道，输出有 \(output) 个" : "是 \(input)，输出是 \(output)")
                    + "：捷径需要自己的 1x1 Conv2D（filters3 个过滤器、块的 strides），再接 BatchNormalization，然后才能 layers.add"
            )
        case .checkAddShapesDiffer(let shapes):
            return Bilingual(
                "your layers.add gets tensors of different shapes, " + shapes.joined(separator: " and ")
                    + ": the main path and the shortcut must end in one shape",
                "你的 layers.add 收到的张量形状不同，" + shapes.joined(separator: " 和 ") + "：主路径和捷径最后必须是同一个形状"
            )
        case .summaryDiagram:
            return Bilingual(
                "every layer of a model (or of all that leads to a tensor) as an SVG picture or a Graphviz graph, "
                    + "each block's shortcut beside its main path",
                "模型的所有层（或通向一个张量的所有层）写成 SVG 图片或 Graphviz 图，每个块的捷径画在主路径旁边"
            )
        case .identityArrow: return Bilingual("identity", "恒等")
        case .diagramTitle(let name, let layers):
            return Bilingual("\(name): \(layers) layers", "\(name)：\(layers) 层")
        case .diagramBlockTitle(let name, let block):
            return Bilingual("\(block) (the block that made \(name))", "\(block)（生成 \(name) 的块）")
        case .diagramWritten(let format, let path, let what, let layers):
            return Bilingual(
                "wrote \(what) as \(format) to '\(path)' (\(layers) layers)",
                "已把 \(what)以 \(format) 格式写入 '\(path)'（\(layers) 层）"
            )
        case .summaryCam:
            return Bilingual(
                "the class activation map of the last prediction: where the image made CLASS (default: the top "
                    + "class) score, over the image; --png writes it, --npy writes the raw 7x7 map (float32 .npy)",
                "上一次预测的类激活图：图像的哪些地方让 CLASS（默认是第一名）得分，叠在图像上；"
                    + "--png 保存图片，--npy 保存未缩放的 7x7 原始值（float32 .npy）"
            )
        case .summaryFeatures:
            return Bilingual(
                "the first N (16) feature maps of a layer or tensor for the last prediction's image; for an add "
                    + "layer, main path, shortcut and sum side by side; --png writes it",
                "上一次预测的图像在某层（或张量）的前 N 个（16）特征图；add 层则并排显示主路径、捷径和它们的和；--png 保存图片"
            )
        case .needsForwardPass(let command):
            return Bilingual(
                "\(command) shows the last forward pass, and there has been none yet: run model.predict(x) or "
                    + "%classify IMAGE first",
                "\(command) 显示的是上一次前向计算，可现在还没有：先运行 model.predict(x) 或 %classify IMAGE"
            )
        case .camNeedsGlobalPooling(let model):
            return Bilingual(
                "a class activation map needs a network that averages its last feature maps over every position "
                    + "(AveragePooling2D((7, 7)) + Flatten, or GlobalAveragePooling2D) and ends in one Dense layer; "
                    + "\(model) does not",
                "类激活图要求网络把最后的特征图在所有位置上取平均（AveragePooling2D((7, 7)) + Flatten，"
                    + "或 GlobalAveragePooling2D），最后只接一个 Dense 层；\(model) 不是这样"
            )
        case .unknownClass(let word, let suggestion):
            return Bilingual(
                "no ImageNet class '\(word)': give an index 0-999 or a label such as tusker"
                    + (suggestion.map { " (did you mean '\($0)'?)" } ?? ""),
                "没有叫 '\(word)' 的 ImageNet 类别：请给出 0-999 的编号，或 tusker 这样的标签"
                    + (suggestion.map { "（是不是 '\($0)'？）" } ?? "")
            )
        case .classOutOfRange(let index, let classes):
            return Bilingual(
                "class \(index) is out of range: the network has \(classes) classes, 0-\(classes - 1)",
                "类别 \(index) 超出范围：网络有 \(classes) 个类别，编号 0-\(classes - 1)"
            )
        case .layerNotInModel(let name, let model, let suggestion):
            return Bilingual(
                "\(model), the model of the last prediction, has no layer '\(name)'"
                    + (suggestion.map { " (did you mean '\($0)'?)" } ?? "") + "; %layers model lists them",
                "上一次预测用的模型 \(model) 里没有层 '\(name)'"
                    + (suggestion.map { "（是不是 '\($0)'？）" } ?? "") + "；%layers model 可以列出所有层"
            )
        case .notFeatureMaps(let layer, let shape):
            return Bilingual(
                "\(layer) makes \(shape), not feature maps (None, height, width, channels): choose a layer before "
                    + "the pooling",
                "\(layer) 输出的是 \(shape)，不是特征图 (None, height, width, channels)：请选池化之前的层"
            )
        case .camCaption(
            let className, let probability, let dense, let features, let size, let low, let high, let random):
            return Bilingual(
                "class activation map of \(className), probability \(probability): \(dense)'s weights for it times "
                    + "\(features)'s \(size) maps, summed; raw values \(low) … \(high), upsampled to the image "
                    + "(red = high, blue = low)" + (random ? " [RANDOM weights: this map means nothing]" : ""),
                "\(className) 的类激活图，概率 \(probability)：\(dense) 对这个类别的权重乘以 \(features) 的 \(size) 特征图再求和；"
                    + "原始值 \(low) … \(high)，放大到图像大小（红 = 高，蓝 = 低）"
                    + (random ? " [RANDOM 随机权重：这张图没有意义]" : "")
            )
        case .camMeaningless:
            return Bilingual(
                "[RANDOM weights: the map shows where random weights respond, not where a class is]",
                "[RANDOM 随机权重：这张图只显示随机权重在哪里有反应，并不是类别所在的位置]"
            )
        case .featuresCaption(let layer, let kind, let shape, let channels, let of, let low, let high):
            return Bilingual(
                "feature maps of \(layer) (\(kind)) \(shape): channels 0-\(channels - 1) of \(of), values \(low) … "
                    + "\(high) on one scale (dark = low, yellow = high)",
                "\(layer) (\(kind)) \(shape) 的特征图：\(of) 个通道中的 0-\(channels - 1)，数值 \(low) … \(high)，"
                    + "同一个颜色尺度（暗 = 低，黄 = 高）"
            )
        case .featuresAddCaption(let layer, let main, let shortcut, let channels, let of, let low, let high):
            return Bilingual(
                "\(layer): main path (\(main)) | shortcut (\(shortcut)) | their sum, channels 0-\(channels - 1) of "
                    + "\(of), values \(low) … \(high) on one scale (dark = low, yellow = high)",
                "\(layer)：主路径（\(main)）| 捷径（\(shortcut)）| 两者之和，\(of) 个通道中的 0-\(channels - 1)，"
                    + "数值 \(low) … \(high)，同一个颜色尺度（暗 = 低，黄 = 高）"
            )
        case .wrotePicture(let path, let width, let height):
            return Bilingual("wrote \(path) (\(width)×\(height) PNG)", "已写入 \(path)（\(width)×\(height) PNG）")
        case .wroteValues(let path, let shape):
            return Bilingual(
                "wrote \(path) (the raw map, float32 \(shape), numpy.load reads it)",
                "已写入 \(path)（原始的图，float32 \(shape)，可用 numpy.load 读取）"
            )
        case .cliCam:
            return Bilingual(
                "Also write the class activation map of the top class over the image, as a PNG (one image only).",
                "另外把第一名类别的类激活图叠在图像上，保存为 PNG（只能给一张图像）。"
            )
        case .cliBatch:
            return Bilingual(
                "How many images go through the network at once, each core taking its share (images are decoded on "
                    + "another thread meanwhile); fewer than the cores leaves some idle, more takes more memory.",
                "一次送进网络的图像数，每个核心各算一份（同时在另一个线程上解码后面的图像）；少于核心数会让核心闲着，越多越占内存。")
        case .batchRange: return Bilingual("--batch must be 1 to 64", "--batch 必须在 1 到 64 之间")
        case .cliNoKernelCache:
            return Bilingual(
                "Fold and pack the weights afresh instead of reusing the kernels an earlier run packed from the "
                    + "same weight file (kept in the cache directory's packed/, written again whenever the file or "
                    + "reslab changes), and keep none.",
                "重新折叠、打包权重，不用之前从同一文件打包好的卷积核（保存在缓存目录的 packed/ 中，权重文件或 reslab 一变就重写），也不保存。")
        case .noImagesInFolder(let path):
            return Bilingual(
                "\(path): no .jpg, .jpeg or .png file in this folder", "\(path)：此文件夹里没有 .jpg、.jpeg 或 .png 文件")
        case .noMatch(let pattern):
            return Bilingual("\(pattern): no file matches", "\(pattern)：没有匹配的文件")
        case .camOneImage:
            return Bilingual(
                "--cam takes one image: give a single IMAGE", "--cam 只能用于一张图像：请只给一个 IMAGE"
            )
        case .explainHeading(let layer, let index, let chain):
            return Bilingual("how \(layer)\(index) came to be: \(chain)", "\(layer)\(index) 是怎么算出来的：\(chain)")
        case .explainConvolution(let layer, let kernel, let stride, let padding, let filter, let input):
            return Bilingual(
                "\(layer) (Conv2D \(kernel), strides=\(stride), padding='\(padding)'): filter \(filter) slides over \(input)",
                "\(layer)（Conv2D \(kernel)，strides=\(stride)，padding='\(padding)'）：第 \(filter) 个过滤器在 \(input) 上滑动"
            )
        case .explainWindow(let rows, let columns, let kernel, let channels, let products, let padded):
            return Bilingual(
                "  its window: rows \(rows), columns \(columns), all \(channels) channels: \(products) products "
                    + "input × weight, summed"
                    + (padded > 0
                        ? " (\(padded) of the \(kernel) positions fall on padding zeros and add nothing)" : ""),
                "  窗口：第 \(rows) 行、第 \(columns) 列，全部 \(channels) 个通道：\(products) 个“输入 × 权重”的乘积相加"
                    + (padded > 0 ? "（\(kernel) 个位置里有 \(padded) 个落在补的零上，不起作用）" : "")
            )
        case .explainLargest(let count, let input, let vector):
            return Bilingual(
                "  the \(count) largest, \(input)\(vector ? "[i]" : "[row, column, channel]"): input × weight = product",
                "  最大的 \(count) 个，\(input)\(vector ? "[i]" : "[行, 列, 通道]")：输入 × 权重 = 乘积"
            )
        case .explainOthers(let count, let sum):
            return Bilingual("  the other \(count) products add up to \(sum)", "  其余 \(count) 个乘积加起来是 \(sum)")
        case .explainSum(let dot, let bias, let value):
            guard let bias else {
                return Bilingual("  sum \(dot) (no bias) = \(value)", "  总和 \(dot)（没有偏置 bias）= \(value)")
            }
            return Bilingual("  sum \(dot) + bias \(bias) = \(value)", "  总和 \(dot) + 偏置 bias \(bias) = \(value)")
        case .explainBatchNorm(let layer, let channel, let epsilon):
            return Bilingual(
                "\(layer) (BatchNormalization), channel \(channel): (x − moving_mean) / √(moving_variance + ε) · gamma "
                    + "+ beta, ε = \(epsilon)",
                "\(layer)（BatchNormalization），第 \(channel) 个通道：(x − moving_mean) / √(moving_variance + ε) · gamma "
                    + "+ beta，ε = \(epsilon)"
            )
        case .explainFolded(let conv):
            return Bilingual(
                "  the engine folds it into \(conv): kernel · scale, bias · scale + shift, with "
                    + "scale = gamma / √(moving_variance + ε), shift = beta − moving_mean · scale",
                "  引擎把它折叠进 \(conv)：kernel · scale，bias · scale + shift，其中 "
                    + "scale = gamma / √(moving_variance + ε)，shift = beta − moving_mean · scale"
            )
        case .explainFoldedValue(let dot, let bias, let value):
            return Bilingual(
                "  one multiply-add: the folded kernel's sum \(dot) + folded bias \(bias) = \(value), the same value",
                "  一次乘加就够了：折叠后 kernel 的总和 \(dot) + 折叠后的 bias \(bias) = \(value)，同一个值"
            )
        case .explainRelu(let layer):
            return Bilingual(
                "\(layer) (Activation('relu')): max(0, x), negatives become 0",
                "\(layer)（Activation('relu')）：max(0, x)，负数变成 0"
            )
        case .explainAdd(let layer):
            return Bilingual(
                "\(layer) (layers.add): the two paths added element by element",
                "\(layer)（layers.add）：两条路径逐个元素相加"
            )
        case .explainAddInput(let layer, let index, let value, let role):
            let en = role.map { $0 == 0 ? " (main path)" : " (shortcut)" } ?? ""
            let zh = role.map { $0 == 0 ? "（主路径）" : "（捷径）" } ?? "（输入）"
            return Bilingual("  \(layer)\(index) = \(value)\(en)", "  \(layer)\(index) = \(value)\(zh)")
        case .explainReluAfter(let layer, let value):
            return Bilingual(
                "then \(layer) (Activation('relu')) makes the block's output: max(0, sum) = \(value)",
                "接着 \(layer)（Activation('relu')）得到块的输出：max(0, 和) = \(value)"
            )
        case .explainPool(let layer, let maximum, let input, let rows, let columns, let channel, let count):
            return maximum
                ? Bilingual(
                    "\(layer) (MaxPooling2D): the largest of the \(count) values of \(input) in rows \(rows), "
                        + "columns \(columns), channel \(channel)",
                    "\(layer)（MaxPooling2D）：\(input) 第 \(rows) 行、第 \(columns) 列、第 \(channel) 个通道里 \(count) 个值的最大值"
                )
                : Bilingual(
                    "\(layer) (AveragePooling2D): the mean of the \(count) values of \(input) in rows \(rows), "
                        + "columns \(columns), channel \(channel)",
                    "\(layer)（AveragePooling2D）：\(input) 第 \(rows) 行、第 \(columns) 列、第 \(channel) 个通道里 \(count) 个值的平均值"
                )
        case .explainGlobalPool(let layer, let input, let channel, let count):
            return Bilingual(
                "\(layer) (GlobalAveragePooling2D): the mean of channel \(channel) of \(input) over its \(count) "
                    + "positions",
                "\(layer)（GlobalAveragePooling2D）：\(input) 第 \(channel) 个通道在全部 \(count) 个位置上的平均值"
            )
        case .explainPadding(let layer, let input, let source):
            guard let source else {
                return Bilingual(
                    "\(layer) (ZeroPadding2D): this position is in the padding around \(input), a zero",
                    "\(layer)（ZeroPadding2D）：这个位置在 \(input) 四周补的边上，是 0"
                )
            }
            return Bilingual(
                "\(layer) (ZeroPadding2D): a copy of \(input)\(source), shifted by the padding",
                "\(layer)（ZeroPadding2D）：照抄 \(input)\(source)，只是位置因补边而移动"
            )
        case .explainDense(let layer, let unit, let input, let count):
            return Bilingual(
                "\(layer) (Dense): unit \(unit), a dot product over the \(count) values of \(input)",
                "\(layer)（Dense）：第 \(unit) 个单元，对 \(input) 的 \(count) 个值做点积"
            )
        case .explainSoftmax:
            return Bilingual(
                "  softmax: exp(z − max z) / Σ exp(z_j − max z) over all the units",
                "  softmax：exp(z − max z) / Σ exp(z_j − max z)，对所有单元求和"
            )
        case .explainNetwork(let layer, let index, let value):
            return Bilingual(
                "= \(value), the value the network computed for \(layer)\(index)",
                "= \(value)，正是网络为 \(layer)\(index) 算出的值"
            )
        case .explainIndexCount(let layer, let shape, let expected, let got):
            let names = expected == 3 ? "(h, w, c)" : expected == 1 ? "(c)" : "\(expected)"
            return Bilingual(
                "\(layer)'s output is \(shape): give \(expected) numbers \(names), not \(got)",
                "\(layer) 的输出是 \(shape)：要给 \(expected) 个数 \(names)，而不是 \(got) 个"
            )
        case .explainIndexOutside(let index, let layer, let shape):
            return Bilingual(
                "\(index) is outside \(layer)'s output \(shape): each number counts from 0 and stays below its size",
                "\(index) 超出了 \(layer) 的输出 \(shape)：每个数从 0 数起，必须小于对应的大小"
            )
        case .explainNotCovered(let layer, let kind):
            return Bilingual(
                "\(layer) is \(kind): %explain works out Conv2D, BatchNormalization, Activation('relu'), layers.add, "
                    + "pooling, ZeroPadding2D and Dense values",
                "\(layer) 是 \(kind)：%explain 能讲解的是 Conv2D、BatchNormalization、Activation('relu')、layers.add、"
                    + "池化、ZeroPadding2D 和 Dense 的值"
            )
        case .summaryExplain:
            return Bilingual(
                "one value of the last forward pass worked out by hand: a conv's dot product, batch norm, ReLU, add",
                "把上一次前向传播里的一个值亲手算一遍：卷积的点积、批归一化、ReLU、相加"
            )
        case .explainBeyondLimit(let text):
            return text
        case .outputNotFinite(let image):
            return Bilingual(
                "\(image): the network's probabilities are not finite numbers (NaN or infinity): the weights make "
                    + "the values overflow on the way through",
                "\(image)：网络算出的概率不是有限的数（NaN 或无穷大）：这些权重让数值在传递中溢出了"
            )
        case .expressionTooTall(let limit):
            return Bilingual(
                "this expression is more than \(limit) operations deep (operators, calls, attributes and subscripts "
                    + "one on another); reslab's limit: split it over several lines with variables",
                "这个表达式一层套一层超过了 \(limit) 层（运算符、调用、属性、下标）；这是 reslab 的上限："
                    + "用变量把它分成几行"
            )
        case .timeNestedTooDeep(let limit):
            return Bilingual(
                "%time inside %time more than \(limit) deep: reslab's limit; time the line itself",
                "%time 里套 %time 超过了 \(limit) 层：这是 reslab 的上限；直接给那一行计时"
            )
        case .evaluationTooDeep(let limit):
            return Bilingual(
                "more than \(limit) expressions evaluated one inside another (through the calls of a function that "
                    + "calls itself): reslab's limit",
                "一层套一层求值的表达式超过了 \(limit) 个（经由一个调用自己的函数的各次调用）：这是 reslab 的上限"
            )
        case .valueNestedTooDeep(let limit):
            return Bilingual(
                "lists and tuples nested more than \(limit) deep: reslab's limit",
                "列表和元组嵌套超过了 \(limit) 层：这是 reslab 的上限"
            )
        case .scriptTooLarge(let file, let limit):
            return Bilingual(
                "\(file.map { "'\($0)'" } ?? "standard input") holds more than \(limit) bytes: reslab's limit for a script",
                "\(file.map { "'\($0)'" } ?? "标准输入")超过了 \(limit) 字节：这是 reslab 对脚本的上限"
            )
        case .notAJupyterNotebook(let file):
            return Bilingual(
                "'\(file)' is not a Jupyter notebook: reslab runs the code cells of a .ipynb (JSON with a list of cells)",
                "'\(file)' 不是 Jupyter 笔记本：reslab 运行的是 .ipynb（含单元列表的 JSON）里的代码单元"
            )
        case .cellTooLong(let limit):
            return Bilingual(
                "this cell holds more than \(limit) bytes: reslab's limit for one cell; split it into several",
                "这个单元格超过了 \(limit) 字节：这是 reslab 对一个单元格的上限；请把它分成几个"
            )
        case .progressNotSaved(let path, let reason):
            return Bilingual(
                "warning: cannot remember where this lesson is in \(path) (\(reason)); the lesson goes on",
                "警告：无法在 \(path) 里记下这一课学到哪里（\(reason)）；课程照常继续")
        }
    }

    /// The message in the learner's language.
    public var localized: String { Language.current.pick(text) }
}

/// `1 step`, `2 steps`.
private func counted(_ count: Int, _ noun: String) -> String { "\(count) \(noun)\(count == 1 ? "" : "s")" }

/// "block" or "ResNet50": what the learner wrote, for %check's sentences.
private func noun(_ resNet: Bool) -> String { resNet ? "ResNet50" : "block" }

/// "你的块" or "你的 ResNet50 ", ready for what follows.
private func yourNoun(_ resNet: Bool) -> String { resNet ? "你的 ResNet50 " : "你的块" }
