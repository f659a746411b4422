import Notebook
import Testing

@testable import reslab

@Suite struct ImageCommandTests {
    @Test func thePictureTakesTheTerminalsWidthAndStaysOnTheScreen() {
        #expect(ImageCommand.pictureSize(width: 80, height: nil) == PictureCells(columns: 80, rows: 40))
        #expect(ImageCommand.pictureSize(width: 80, height: 60).columns == 80)
        // 140 columns would make 70 rows: the picture shrinks to fit 40 rows with the lines around it.
        #expect(ImageCommand.pictureSize(width: 140, height: 40) == PictureCells(columns: 72, rows: 36))
        // Never more columns than the 224 pixels.
        #expect(ImageCommand.pictureSize(width: 300, height: 200).columns == 224)
    }
}
