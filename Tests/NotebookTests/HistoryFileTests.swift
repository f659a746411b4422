import Foundation
import Notebook
import Platform
import Testing

@Suite struct HistoryFileTests {
    @Test func keepsTheLastLinesOneEntryPerLineWithoutBlankOnes() throws {
        let directory = try historyDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let history = HistoryFile(path: directory + "/state/history", limit: 3)
        #expect(try history.load() == [])
        try history.append("a = 1")
        try history.append("def f(x):\n    return x\n\n")
        try history.append("b = 2")
        #expect(try String(contentsOfFile: history.path, encoding: .utf8) == "def f(x):\n    return x\nb = 2\n")
        #expect(try history.load() == ["def f(x):", "    return x", "b = 2"])
    }

    @Test func anotherSessionsLinesAreKept() throws {
        let directory = try historyDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = HistoryFile(path: directory + "/history")
        let second = HistoryFile(path: directory + "/history")
        try first.append("x = 1")
        try second.append("y = 2")
        try first.append("z = 3")
        #expect(try first.load() == ["x = 1", "y = 2", "z = 3"])
    }

    @Test func aFileThatCannotBeWrittenIsLeftAsItWasAndSaysWhy() throws {
        let directory = try historyDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        FileManager.default.createFile(atPath: directory + "/state", contents: Data("not a folder".utf8))
        let history = HistoryFile(path: directory + "/state/history")
        #expect(throws: FileError(action: .write, path: directory + "/state/history.lock", code: ENOTDIR)) {
            try history.append("x = 1")
        }
        #expect(try String(contentsOfFile: directory + "/state", encoding: .utf8) == "not a folder")
    }
}

private func historyDirectory() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("reslab-history-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}
