import Testing

@testable import reslab

@Suite struct ImageCommandTests {
    @Test func thePictureTakesTheTerminalsWidthAndStaysOnTheScreen() {
        #expect(ImageCommand.pictureColumns(width: 80, height: nil) == 80)
        #expect(ImageCommand.pictureColumns(width: 80, height: 60) == 80)
        // 140 columns would make 70 rows: the picture shrinks to fit 40 rows with the lines around it.
        #expect(ImageCommand.pictureColumns(width: 140, height: 40) == 72)
        // Never more columns than the 224 pixels.
        #expect(ImageCommand.pictureColumns(width: 300, height: 200) == 224)
    }
}
