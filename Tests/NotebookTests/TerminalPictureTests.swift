// Pictures: drawn in the terminal (blocks in 24-bit and 256 colours, plain text, kitty and iTerm2 images),
// fitted to a width and a screen; `%show`; and pictures in saved notebooks (.ipynb and .md).
import Foundation
import Platform
import ResNetIO
import Testing

@testable import Notebook

// MARK: - Helpers

private let escape = "\u{1B}"

/// 4×4 pixels, two per character up and down: red over green, black, white; blue, grey, white, black.
private let smallImage: RGBImage = {
    let red: [UInt8] = [255, 0, 0]
    let green: [UInt8] = [0, 255, 0]
    let blue: [UInt8] = [0, 0, 255]
    let black: [UInt8] = [0, 0, 0]
    let white: [UInt8] = [255, 255, 255]
    let grey: [UInt8] = [100, 100, 100]
    let rows = [
        [red, red, black, white], [green, green, black, white], [blue, grey, white, black], [blue, grey, white, black],
    ]
    return RGBImage(width: 4, height: 4, pixels: rows.flatMap { $0.flatMap { $0 } })
}()

/// A `width`×`height` image whose colour changes from pixel to pixel (so that every cell differs).
private func gradient(width: Int, height: Int) -> RGBImage {
    var pixels = [UInt8]()
    for y in 0..<height {
        for x in 0..<width {
            pixels += [UInt8(x * 255 / max(1, width - 1)), UInt8(y * 255 / max(1, height - 1)), UInt8((x + y) % 256)]
        }
    }
    return RGBImage(width: width, height: height, pixels: pixels)
}

/// Pixels a PNG's compression cannot shrink, so that its base64 takes several chunks.
private func noise(width: Int, height: Int) -> RGBImage {
    var generator = SystemRandomNumberGenerator()
    return RGBImage(
        width: width, height: height,
        pixels: (0..<width * height * 3).map { _ in UInt8.random(in: 0...255, using: &generator) })
}

/// The sample image the lessons use.
private let chelsea = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Lessons/images/chelsea.png").path

/// A fresh empty directory, removed by the caller.
private func temporaryDirectory() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("reslab-pictures-\(UUID().uuidString)")
        .path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

// MARK: - Drawing

@Suite struct TerminalPictureDrawingTests {
    @Test func truecolorBlocksShowTheTopPixelInFrontAndTheBottomOneBehind() {
        let drawn = TerminalPicture.draw(smallImage, mode: .truecolor, size: PictureCells(columns: 4, rows: 2))
        let expected = [
            "\(escape)[38;2;255;0;0;48;2;0;255;0m▀▀\(escape)[38;2;0;0;0;48;2;0;0;0m▀"
                + "\(escape)[38;2;255;255;255;48;2;255;255;255m▀\(escape)[0m",
            "\(escape)[38;2;0;0;255;48;2;0;0;255m▀\(escape)[38;2;100;100;100;48;2;100;100;100m▀"
                + "\(escape)[38;2;255;255;255;48;2;255;255;255m▀\(escape)[38;2;0;0;0;48;2;0;0;0m▀\(escape)[0m",
        ]
        #expect(drawn == expected.joined(separator: "\n"))
    }

    @Test func palette256BlocksUseTheNearestCubeColourOrGrey() {
        let drawn = TerminalPicture.draw(smallImage, mode: .palette256, size: PictureCells(columns: 4, rows: 2))
        let expected = [
            "\(escape)[38;5;196;48;5;46m▀▀\(escape)[38;5;16;48;5;16m▀\(escape)[38;5;231;48;5;231m▀\(escape)[0m",
            "\(escape)[38;5;21;48;5;21m▀\(escape)[38;5;241;48;5;241m▀\(escape)[38;5;231;48;5;231m▀"
                + "\(escape)[38;5;16;48;5;16m▀\(escape)[0m",
        ]
        #expect(drawn == expected.joined(separator: "\n"))
    }

    @Test func plainTextIsABrightnessRampWithNoEscapeCodes() {
        let drawn = TerminalPicture.draw(smallImage, mode: .plain, size: PictureCells(columns: 4, rows: 2))
        // red over green: brightness 113 of 255; blue 29; grey 100; black none; white all.
        #expect(drawn == "== @\n.-@ ")
    }

    @Test func thePaletteHasTheCubeAndTheGreyRamp() {
        #expect(TerminalPicture.xterm256((255, 135, 0)) == 208)  // orange: cube (5, 2, 0)
        #expect(TerminalPicture.xterm256((95, 95, 95)) == 59)  // a cube grey, exactly
        #expect(TerminalPicture.xterm256((238, 238, 238)) == 255)  // the lightest grey of the ramp
        #expect(TerminalPicture.xterm256((10, 10, 10)) == 232)  // nearer the ramp's 8 than the cube's 0
        #expect(TerminalPicture.xterm256((0, 0, 0)) == 16)
    }

    @Test(arguments: [40, 80, 140], [PictureMode.truecolor, .palette256, .plain])
    func linesAreExactlyAsWideAsAsked(columns: Int, mode: PictureMode) {
        for image in [gradient(width: 224, height: 224), gradient(width: 300, height: 100), smallImage] {
            let size = PictureCells(width: image.width, height: image.height, columns: columns, screenRows: nil)
            #expect(size.columns == columns)
            let lines = TerminalPicture.draw(image, mode: mode, size: size).split(
                separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.count == size.rows)
            #expect(lines.allSatisfy { displayWidth(String($0).withoutEscapeSequences) == columns })
        }
    }

    @Test func aPictureIsHalfAsHighAsWideAndShrinksToStayOnTheScreen() {
        #expect(
            PictureCells(width: 224, height: 224, columns: 80, screenRows: nil) == PictureCells(columns: 80, rows: 40))
        #expect(
            PictureCells(width: 300, height: 100, columns: 60, screenRows: nil) == PictureCells(columns: 60, rows: 10))
        // 140 columns would take 70 rows: on a screen of 40, 36 rows (the caption and the prompt stay).
        #expect(
            PictureCells(width: 224, height: 224, columns: 140, screenRows: 40) == PictureCells(columns: 72, rows: 36))
        // A tiny screen still gets 8 rows.
        #expect(PictureCells(width: 224, height: 224, columns: 80, screenRows: 5) == PictureCells(columns: 16, rows: 8))
    }

    @Test func atThePromptAPictureIsAtMost64ColumnsUnderItsCaption() {
        let picture = Picture(image: gradient(width: 224, height: 224), caption: "a gradient")
        let lines = picture.drawn(mode: .plain, width: 200, screenRows: nil).split(separator: "\n")
        #expect(lines.first == "a gradient")
        #expect(lines.dropFirst().allSatisfy { $0.count == TerminalPicture.widest })
        #expect(lines.count == 1 + 32)
        let narrow = picture.drawn(mode: .truecolor, width: 40, screenRows: 24).split(separator: "\n").dropFirst()
        #expect(narrow.count == 20 && narrow.allSatisfy { displayWidth(String($0).withoutEscapeSequences) == 40 })
    }
}

// MARK: - Inline images

@Suite struct InlineImageTests {
    /// The base64 payloads of the kitty escapes in `text`, with each one's control keys.
    private func kittyChunks(_ text: String) -> [(keys: String, payload: String)] {
        text.components(separatedBy: "\(escape)_G").dropFirst().map { part in
            let body = part.components(separatedBy: "\(escape)\\")[0]
            let semicolon = body.firstIndex(of: ";")!
            return (String(body[..<semicolon]), String(body[body.index(after: semicolon)...]))
        }
    }

    @Test func kittyGetsThePNGInChunksOfAtMost4096() throws {
        let image = noise(width: 64, height: 48)
        let drawn = TerminalPicture.draw(image, mode: .kitty, size: PictureCells(columns: 20, rows: 8))
        let chunks = kittyChunks(drawn)
        #expect(chunks.count > 2)
        #expect(chunks[0].keys == "a=T,f=100,q=2,c=20,r=8,m=1")
        #expect(chunks.dropFirst().dropLast().allSatisfy { $0.keys == "m=1" })
        #expect(chunks.last?.keys == "m=0")
        #expect(chunks.allSatisfy { $0.payload.utf8.count <= 4096 })
        let png = try #require(Data(base64Encoded: chunks.map(\.payload).joined()))
        #expect(Array(png) == (try image.pngData()))
        #expect(try decodeImage(Array(png), path: "kitty.png") == image)
    }

    @Test func aSmallPictureIsOneKittyChunk() {
        let chunks = kittyChunks(
            TerminalPicture.draw(smallImage, mode: .kitty, size: PictureCells(columns: 4, rows: 2)))
        #expect(chunks.count == 1 && chunks[0].keys == "a=T,f=100,q=2,c=4,r=2,m=0")
    }

    @Test func iTerm2GetsThePNGInOneOSC1337() throws {
        let image = noise(width: 40, height: 30)
        let drawn = TerminalPicture.draw(image, mode: .iTerm2, size: PictureCells(columns: 30, rows: 11))
        let prefix = "\(escape)]1337;File=inline=1;width=30;preserveAspectRatio=1:"
        #expect(drawn.hasPrefix(prefix) && drawn.hasSuffix("\u{07}"))
        let png = try #require(Data(base64Encoded: String(drawn.dropFirst(prefix.count).dropLast())))
        #expect(try decodeImage(Array(png), path: "iterm2.png") == image)
    }

    @Test func aPhotoAtFullSizeIsSentAtMost1024PixelsWide() throws {
        let drawn = TerminalPicture.draw(
            gradient(width: 2048, height: 1024), mode: .iTerm2, size: PictureCells(columns: 60, rows: 15))
        let prefix = "\(escape)]1337;File=inline=1;width=60;preserveAspectRatio=1:"
        let png = try #require(Data(base64Encoded: String(drawn.dropFirst(prefix.count).dropLast())))
        let sent = try decodeImage(Array(png), path: "sent.png")
        #expect(sent.width == 1024 && sent.height == 512)
    }
}

// MARK: - Which mode

@Suite struct PictureModeTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let environment: [String: String]
        let isTerminal: Bool
        let mode: PictureMode
        var testDescription: String { "\(environment) tty=\(isTerminal) → \(mode)" }
    }

    static let cases: [Case] = [
        Case(environment: ["TERM": "xterm-256color", "COLORTERM": "truecolor"], isTerminal: false, mode: .plain),
        Case(environment: ["TERM": "xterm-256color", "NO_COLOR": "1"], isTerminal: true, mode: .plain),
        Case(environment: ["TERM": "xterm-kitty", "NO_COLOR": ""], isTerminal: true, mode: .plain),
        Case(environment: ["TERM": "dumb"], isTerminal: true, mode: .plain),
        Case(environment: [:], isTerminal: true, mode: .plain),
        Case(environment: ["TERM": "xterm-kitty"], isTerminal: true, mode: .kitty),
        Case(environment: ["TERM": "xterm-256color", "KITTY_WINDOW_ID": "1"], isTerminal: true, mode: .kitty),
        Case(environment: ["TERM": "xterm-ghostty", "COLORTERM": "truecolor"], isTerminal: true, mode: .kitty),
        Case(environment: ["TERM": "xterm-256color", "TERM_PROGRAM": "iTerm.app"], isTerminal: true, mode: .iTerm2),
        Case(environment: ["TERM": "xterm-256color", "LC_TERMINAL": "iTerm2"], isTerminal: true, mode: .iTerm2),
        Case(environment: ["TERM": "xterm-256color", "TERM_PROGRAM": "WezTerm"], isTerminal: true, mode: .iTerm2),
        // tmux and screen pass no inline images on: colour blocks instead.
        Case(
            environment: ["TERM": "tmux-256color", "KITTY_WINDOW_ID": "1", "TMUX": "/tmp/tmux-0/default,1,0"],
            isTerminal: true, mode: .palette256),
        Case(
            environment: ["TERM": "screen-256color", "TERM_PROGRAM": "iTerm.app", "COLORTERM": "truecolor"],
            isTerminal: true, mode: .truecolor),
        Case(environment: ["TERM": "xterm-256color", "COLORTERM": "truecolor"], isTerminal: true, mode: .truecolor),
        Case(environment: ["TERM": "xterm", "COLORTERM": "24bit"], isTerminal: true, mode: .truecolor),
        Case(environment: ["TERM": "xterm-256color"], isTerminal: true, mode: .palette256),
        Case(environment: ["TERM": "xterm"], isTerminal: true, mode: .palette256),
        Case(environment: ["TERM": "linux"], isTerminal: true, mode: .palette256),
    ]

    @Test(arguments: cases) func theModeFollowsTheEnvironment(_ c: Case) {
        #expect(PictureMode.detect(environment: c.environment, isTerminal: c.isTerminal) == c.mode)
    }
}

// MARK: - %show

@Suite struct ShowCommandTests {
    /// A notebook holding the tutorial's steps: `img` loaded, `x` its array, `y` preprocessed.
    private func notebook() -> Notebook {
        let n = Notebook()
        run(
            [
                "img = image.load_img('\(chelsea)', target_size=(224, 224))", "x = image.img_to_array(img)",
                "y = preprocess_input(np.expand_dims(x, axis=0))", "n = 3",
            ], in: n)
        return n
    }

    @Test func anImageIsShownAsItIs() throws {
        let cell = notebook().run("%show img")
        #expect(!cell.isError && cell.text.isEmpty && cell.output == cell.pictures.first?.caption, "\(cell.output)")
        let picture = try #require(cell.pictures.first)
        #expect(cell.pictures.count == 1)
        #expect(picture.image == (try loadImage(path: chelsea)))
        #expect(picture.caption == "img: image, 224×224 pixels")
    }

    @Test func aRawArrayIsShownAsRGBValues() throws {
        let n = notebook()
        let image = try loadImage(path: chelsea)
        #expect(n.run("%show x").pictures == [Picture(image: image, caption: n.run("%show x").pictures[0].caption)])
        let batch = n.run("%show np.expand_dims(x, axis=0)")
        #expect(batch.pictures.first?.image == image)
        #expect(
            batch.pictures.first?.caption
                == "np.expand_dims(x, axis=0): array (1, 224, 224, 3), its values shown as R, G, B (0–255)")
    }

    @Test func thePreprocessedInputIsDeprocessedBackToTheImage() throws {
        let n = notebook()
        let image = try loadImage(path: chelsea)
        for name in ["y", "y[0]"] {
            let picture = try #require(n.run("%show \(name)").pictures.first)
            // Adding the means back in float32 and rounding gives every byte again.
            let differences = zip(picture.image.pixels, image.pixels).map { abs(Int($0) - Int($1)) }
            #expect(differences.max() == 0)
            #expect(picture.caption.hasSuffix("de-processed: + ImageNet means, BGR → RGB"))
        }
        let chinese = Language.$scoped.withValue(.zh) { n.run("%show y").pictures.first?.caption }
        #expect(chinese == "y：预处理后的输入 (1, 224, 224, 3)，已还原：加回 ImageNet 均值，BGR → RGB")
    }

    @Test func otherValuesAreOneLineErrors() {
        let n = notebook()
        run(["z = np.expand_dims(y, 0)"], in: n)
        for (line, expected) in [
            ("%show n", "got int"), ("%show z", "got array of shape (1, 1, 224, 224, 3)"),
            ("%show 'cat.png'", "got str"), ("%show", "usage: %show EXPR"), ("%show nothing", "not defined"),
            ("%show a = img", "usage: %show EXPR"),
        ] {
            let cell = n.run(line)
            #expect(cell.isError && cell.error?.contains(expected) == true, "\(line): \(cell.error ?? "")")
            #expect(cell.error?.contains("\n") == false && cell.pictures.isEmpty)
        }
    }

    @Test func tabOffersTheImagesAndArraysThenPython() {
        let n = notebook()
        #expect(n.completions(line: "%show ", word: "") == ["img", "x", "y"])
        #expect(n.completions(line: "%show i", word: "i") == ["img"])
        #expect(n.completions(line: "%show ima", word: "ima").contains("image"))
        #expect(n.completions(line: "%show np.exp", word: "np.exp") == ["np.expand_dims("])
        #expect(n.completions(line: "%sh", word: "%sh") == ["%shape", "%show"])
    }

    @Test func helpTellsTheCommand() {
        let text = Notebook().run("help %show").output
        #expect(text.hasPrefix("usage: %show EXPR\n") && text.contains("preprocess_input"))
        #expect(CommandSpec.helpText.contains("%show EXPR"))
    }
}

// MARK: - Saved notebooks

@Suite struct SavedPictureTests {
    private func notebook() -> Notebook {
        let n = Notebook()
        run(
            ["img = image.load_img('\(chelsea)', target_size=(224, 224))", "%show img", "x = image.img_to_array(img)"],
            in: n)
        run(["y = preprocess_input(np.expand_dims(x, axis=0))", "%show y[0]", "print('done')"], in: n)
        return n
    }

    @Test func ipynbHasEachPictureAsDisplayDataAfterTheText() throws {
        let n = notebook()
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(try n.ipynb().utf8)) as? [String: Any])
        let cells = try #require(json["cells"] as? [[String: Any]])
        let outputs = cells.map { ($0["outputs"] as? [[String: Any]]) ?? [] }
        let pictures = outputs.flatMap { $0 }.filter { $0["output_type"] as? String == "display_data" }
        #expect(pictures.count == 2)
        let shown = try #require(outputs[1].first?["data"] as? [String: Any])
        let base64 = try #require(shown["image/png"] as? String)
        let png = try #require(Data(base64Encoded: base64))
        #expect(try decodeImage(Array(png), path: "out.png") == (try loadImage(path: chelsea)))
        #expect(shown["text/plain"] as? [String] == ["img: image, 224×224 pixels"])
        #expect(outputs[1].first?["metadata"] is [String: Any])
    }

    @Test func markdownLinksEachPictureInItsFolder() {
        let markdown = notebook().markdown(picturesFolder: "my notes_files")
        #expect(markdown.contains("\n![img: image, 224×224 pixels](my%20notes_files/cell-2-1.png)\n"))
        #expect(
            markdown.contains(
                "![y\\[0\\]: preprocessed input (224, 224, 3), de-processed: + ImageNet means, BGR → RGB]"
                    + "(my%20notes_files/cell-5-1.png)"))
    }

    @Test func saveMdWritesEachPictureBesideIt() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // (`save /abs/path.md` at the prompt reads as Python's division: the tests call `save(to:)`.)
        let said = try notebook().save(to: directory + "/session.md")
        #expect(said == "saved 6 cells to \(directory)/session.md, its 2 pictures in \(directory)/session_files")
        let saved = try readImage(path: directory + "/session_files/cell-2-1.png")
        #expect(saved == (try loadImage(path: chelsea)))
        #expect(FileManager.default.fileExists(atPath: directory + "/session_files/cell-5-1.png"))
        let text = try String(contentsOfFile: directory + "/session.md", encoding: .utf8)
        #expect(text.contains("](session_files/cell-2-1.png)"))
    }

    @Test func aPictureThatCannotBeWrittenIsOneLineAndNoMarkdown() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // A file where the pictures' folder should be.
        #expect(FileManager.default.createFile(atPath: directory + "/session_files", contents: Data("x".utf8)))
        let error = #expect(throws: NotebookError.self) { try notebook().save(to: directory + "/session.md") }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains("session_files") && !text.contains("\n"), "\(text)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/session.md"))
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: directory) == ["session_files"], "nothing half-written")
    }

    @Test func aSessionWithoutPicturesMakesNoFolder() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let n = Notebook()
        run(["a = 1"], in: n)
        #expect(try n.save(to: directory + "/plain.md") == "saved 1 cell to \(directory)/plain.md")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["plain.md"])
    }
}
