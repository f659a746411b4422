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
        if Terminal.colorsStandardOutput {
            print(Self.preview(resized, columns: Self.pictureColumns(width: width, height: terminal?.rows)))
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

    /// How many columns the 224x224 picture takes on a terminal `width` columns wide and `height` rows
    /// high: all of the width, unless the picture (half as many rows as columns) would not fit on the screen
    /// with the lines around it; at most one column per pixel.
    static func pictureColumns(width: Int, height: Int?) -> Int {
        let onScreen = height.map { 2 * max(8, $0 - 4) } ?? width
        return max(1, min(width, onScreen, 224))
    }

    /// The image drawn with upper-half blocks: each character shows two pixels (24-bit colour).
    static func preview(_ image: RGBImage, columns: Int) -> String {
        let scale = Double(image.width) / Double(columns)
        let rows = Int(Double(image.height) / scale / 2)
        var text = ""
        for row in 0..<rows {
            for column in 0..<columns {
                let x = min(image.width - 1, Int(Double(column) * scale))
                let top = image.pixel(x: x, y: min(image.height - 1, Int(Double(row * 2) * scale)))
                let bottom = image.pixel(x: x, y: min(image.height - 1, Int(Double(row * 2 + 1) * scale)))
                text += styled("▀", .truecolor(foreground: top, background: bottom), enabled: true)
            }
            text += "\n"
        }
        return text
    }
}
