import ArgumentParser
import Notebook
import Platform
import ResNetCore
import ResNetIO

/// `reslab image`: what `image.load_img(path, target_size=(224, 224))` makes of a file, as a picture.
struct ImageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image",
        abstract: Message.cliImageAbstract.localized)

    @Argument(help: ArgumentHelp(Message.cliImage.localized))
    var image: String

    @Option(help: ArgumentHelp(Message.cliRawOut.localized))
    var rawOut: String?

    func run() throws {
        let original = try readImage(path: image)
        let resized = original.resized(width: 224, height: 224)
        if let rawOut { try resized.writeRaw(to: rawOut) }
        let terminal = Terminal.size
        let width = terminal?.columns ?? TextWidth.standard
        let prose = TextWidth.prose(columns: width)
        let name = styled(image, .bold, enabled: Terminal.colorsStandardOutput)
        print(
            wrap(
                Message.imageLoaded(name: name, width: original.width, height: original.height).localized,
                width: prose))
        if Terminal.standardOutputIsTerminal {
            let size = Self.pictureSize(width: width, height: terminal?.rows)
            print(TerminalPicture.draw(resized, mode: .standardOutput, size: size))
        }
        let input = preprocessInput(resized)
        let (low, high) = (input.data.min() ?? 0, input.data.max() ?? 0)
        print(
            wrap(
                Message.imagePreprocessed(
                    shape: weightShape(input.shape), low: fixed(Double(low), 1), high: fixed(Double(high), 1)
                ).localized,
                width: prose))
    }

    /// The cells the 224x224 picture takes on a terminal `width` columns wide and `height` rows high: all of
    /// the width, unless the picture (half as many rows as columns) would not fit on the screen with the
    /// lines around it; at most one column per pixel.
    static func pictureSize(width: Int, height: Int?) -> PictureCells {
        PictureCells(width: 224, height: 224, columns: min(width, 224), screenRows: height)
    }
}
