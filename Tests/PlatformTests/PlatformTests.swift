import Foundation
import Platform
import Testing

@Suite struct XDGTests {
    @Test func absoluteValuesAreUsedWithoutTrailingSlashes() {
        let environment = ["XDG_STATE_HOME": "/x/state/", "XDG_CACHE_HOME": "/x/cache", "HOME": "/home/u"]
        #expect(XDG.stateHome(environment: environment) == "/x/state")
        #expect(XDG.cacheHome(environment: environment) == "/x/cache")
    }

    @Test(arguments: [nil, "", "relative", "./state", "~/state"])
    func unsetEmptyOrRelativeValuesFallBackToHome(value: String?) {
        var environment = ["HOME": "/home/u/"]
        environment["XDG_STATE_HOME"] = value
        environment["XDG_CACHE_HOME"] = value
        #expect(XDG.stateHome(environment: environment) == "/home/u/.local/state")
        #expect(XDG.cacheHome(environment: environment) == "/home/u/.cache")
    }

    @Test func rootAsHomeGivesNoDoubleSlash() {
        #expect(XDG.cacheHome(environment: ["HOME": "/"]) == "/.cache")
    }

    @Test func withoutHomeTheUserDatabaseIsAsked() {
        let fromDatabase = getpwuid(getuid()).flatMap { $0.pointee.pw_dir }.map { String(cString: $0) }
        guard let fromDatabase, !fromDatabase.isEmpty else { return }
        #expect(XDG.home(environment: [:]) == fromDatabase)
        #expect(XDG.home(environment: ["HOME": ""]) == fromDatabase)
    }
}

@Suite struct AtomicWriteTests {
    @Test func writesTheBytesAndLeavesNothingElse() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/out.bin"
        try atomicWrite([1, 2, 3] as [UInt8], to: path)
        #expect(directory.contents == ["out.bin"])
        #expect(try bytes(at: path) == [1, 2, 3])
        try atomicWrite("replaced".utf8, to: path)
        #expect(try bytes(at: path) == Array("replaced".utf8))
        #expect(directory.contents == ["out.bin"])
    }

    @Test func intoAMissingDirectoryItFailsNamingThePathAndTheReason() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/missing/out.bin"
        let error = #expect(throws: FileError.self) { try atomicWrite([1] as [UInt8], to: path) }
        #expect(error == FileError(action: .write, path: path, code: ENOENT))
        #expect(error?.description == "cannot write '\(path)': No such file or directory")
        #expect(directory.contents.isEmpty)
    }

    @Test func aFailedWriteRemovesTheTemporaryFileAndKeepsTheOldOne() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/out.bin"
        try atomicWrite([7] as [UInt8], to: path)
        // A directory where the file should go: everything up to the rename works, the rename fails.
        let blocked = directory.path + "/blocked"
        #expect(mkdir(blocked, 0o755) == 0)
        #expect(mkdir(blocked + "/inside", 0o755) == 0)
        let error = #expect(throws: FileError.self) { try atomicWrite([1, 2] as [UInt8], to: blocked) }
        #expect(error?.path == blocked)
        #expect(directory.contents == ["blocked", "out.bin"])
        #expect(try bytes(at: path) == [7])
    }

    @Test func droppingAnUncommittedFileRemovesIt() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        do {
            let file = try AtomicFile(replacing: directory.path + "/out.bin")
            try file.write([1, 2, 3] as [UInt8])
            #expect(directory.contents.count == 1)
            #expect(directory.contents.first?.hasPrefix(".out.bin.partial-") == true)
        }
        #expect(directory.contents.isEmpty)
    }

    @Test func relativePathsLandInTheWorkingDirectory() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let previous = getcwd(nil, 0)!
        defer {
            chdir(previous)
            free(previous)
        }
        #expect(chdir(directory.path) == 0)
        try atomicWrite([5] as [UInt8], to: "plain.bin")
        #expect(directory.contents == ["plain.bin"])
    }
}

@Suite struct RegularFileTests {
    /// The whole regular file at `path`, as the readers of images, weights and scripts get it.
    private func readRegularFile(_ path: String, limit: Int = .max) throws(FileError) -> [UInt8]? {
        let (descriptor, size) = try openRegularFile(path)
        defer { close(descriptor) }
        return try readToEnd(descriptor, path: path, limit: limit, sizeHint: size)
    }

    @Test func aFIFOIsRefusedAtOnceWithoutWaitingForAWriter() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fifo = directory.path + "/pipe"
        #expect(mkfifo(fifo, 0o600) == 0)
        let error = #expect(throws: FileError.self) { try readRegularFile(fifo) }
        #expect(error == FileError(action: .read, path: fifo, notRegular: .fifo))
        #expect(error?.description == "cannot read '\(fifo)': it is a named pipe (FIFO), not a regular file")
    }

    @Test func aDirectoryIsRefusedAndAMissingFileGivesItsErrno() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        #expect(throws: FileError(action: .read, path: directory.path, notRegular: .directory)) {
            try readRegularFile(directory.path)
        }
        #expect(throws: FileError(action: .read, path: directory.path + "/x", code: ENOENT)) {
            try readRegularFile(directory.path + "/x")
        }
    }

    @Test func aRegularFileIsReadWholeNULBytesIncluded() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try atomicWrite([0x61, 0, 0x62] as [UInt8], to: directory.path + "/f")
        #expect(try readRegularFile(directory.path + "/f") == [0x61, 0, 0x62])
        #expect(try readRegularFile(directory.path + "/f", limit: 3) == [0x61, 0, 0x62])
        #expect(try readRegularFile(directory.path + "/f", limit: 2) == nil)
    }
}

@Suite struct AtomicReplaceTests {
    @Test func anExistingFIFOIsNotReplaced() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fifo = directory.path + "/pipe"
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(throws: FileError(action: .write, path: fifo, notRegular: .fifo)) {
            try atomicWrite([1] as [UInt8], to: fifo)
        }
        var info = stat()
        #expect(lstat(fifo, &info) == 0 && info.st_mode & S_IFMT == S_IFIFO)
        #expect(directory.contents == ["pipe"])
    }

    @Test func aSymbolicLinkToAFIFOIsRefusedAndKept() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        #expect(mkfifo(directory.path + "/pipe", 0o600) == 0)
        #expect(symlink("pipe", directory.path + "/link") == 0)
        #expect(throws: FileError(action: .write, path: directory.path + "/link", notRegular: .fifo)) {
            try atomicWrite([1] as [UInt8], to: directory.path + "/link")
        }
        var info = stat()
        #expect(lstat(directory.path + "/link", &info) == 0 && info.st_mode & S_IFMT == S_IFLNK)
    }

    @Test func aSymbolicLinkToARegularFileKeepsPointingToTheNewContents() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try atomicWrite([1] as [UInt8], to: directory.path + "/real")
        #expect(symlink("real", directory.path + "/link") == 0)
        try atomicWrite([2] as [UInt8], to: directory.path + "/link")
        var info = stat()
        #expect(lstat(directory.path + "/link", &info) == 0 && info.st_mode & S_IFMT == S_IFLNK)
        #expect(try bytes(at: directory.path + "/real") == [2])
        #expect(directory.contents == ["link", "real"])
    }

    @Test func aTemporaryFileNoProcessHoldsIsRemovedByTheNextWriteOfThatFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // What a process killed while writing leaves: the temporary file, no longer locked by anyone.
        try atomicWrite([9] as [UInt8], to: directory.path + "/.out.bin.partial-dead")
        try atomicWrite([9] as [UInt8], to: directory.path + "/.other.partial-dead")
        try atomicWrite([1] as [UInt8], to: directory.path + "/out.bin")
        #expect(directory.contents == [".other.partial-dead", "out.bin"])
    }

    @Test func aTemporaryFileBeingWrittenIsLeftAlone() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let writing = try AtomicFile(replacing: directory.path + "/out.bin")
        // flock locks belong to the open file description: a second open is another owner, as another process is.
        try atomicWrite([1] as [UInt8], to: directory.path + "/out.bin")
        #expect(directory.contents.contains((writing.temporaryPath as NSString).lastPathComponent))
        try writing.write([2] as [UInt8])
        try writing.commit()
        #expect(try bytes(at: directory.path + "/out.bin") == [2])
        #expect(directory.contents == ["out.bin"])
    }
}

@Suite struct UpdateFileTests {
    @Test func aMissingFileIsNothingAFIFOIsRefusedAndABigFileIsTooLarge() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        #expect(try readFileIfPresent(directory.path + "/none") == nil)
        let fifo = directory.path + "/pipe"
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(throws: FileError(action: .read, path: fifo, notRegular: .fifo)) { try readFileIfPresent(fifo) }
        try atomicWrite([1, 2, 3] as [UInt8], to: directory.path + "/f")
        #expect(try readFileIfPresent(directory.path + "/f", limit: 3) == [1, 2, 3])
        #expect(throws: FileError(action: .read, path: directory.path + "/f", code: EFBIG)) {
            try readFileIfPresent(directory.path + "/f", limit: 2)
        }
    }

    @Test func theChangeGetsTheCurrentBytesAndOnlyTheFileAndItsLockRemain() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/state/app/f"
        try updateFile(path) { current in current + [1] }
        try updateFile(path) { current in current + [2] }
        #expect(try bytes(at: path) == [1, 2])
        #expect(TemporaryDirectory.contents(of: directory.path + "/state/app") == ["f", "f.lock"])
    }

    @Test func concurrentUpdatesLoseNothing() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/count"
        // Each update opens the lock file anew: a separate owner of the lock, as another process is.
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<25 {
                try? updateFile(path) { current in
                    let count = Int(String(decoding: current, as: UTF8.self)) ?? 0
                    return Array(String(count + 1).utf8)
                }
            }
        }
        #expect(String(decoding: try bytes(at: path), as: UTF8.self) == "200")
    }

    @Test func aFileThatCannotBeReadIsLeftAsItWas() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        #expect(mkdir(directory.path + "/f", 0o700) == 0)
        #expect(throws: FileError(action: .read, path: directory.path + "/f", notRegular: .directory)) {
            try updateFile(directory.path + "/f") { _ in [1] }
        }
        #expect(directory.contents == ["f", "f.lock"])
    }
}

@Suite struct MakeDirectoriesTests {
    @Test func createsMissingParentsAndReportsThemDeepestFirst() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let created = try makeDirectories(directory.path + "/a/b/c/", permissions: 0o700)
        #expect(created == [directory.path + "/a/b/c", directory.path + "/a/b", directory.path + "/a"])
        #expect(try makeDirectories(directory.path + "/a/b").isEmpty)
    }

    @Test func underAFileItFailsAndRemovesWhatItMade() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try atomicWrite([1] as [UInt8], to: directory.path + "/file")
        #expect(throws: FileError.self) { try makeDirectories(directory.path + "/file/x") }
        #expect(directory.contents == ["file"])
    }
}

@Suite struct TerminalTests {
    @Test func colourNeedsATerminalNoNOCOLORAndASmartTerm() {
        #expect(Terminal.mayColor(isTerminal: true, environment: ["TERM": "xterm-256color"]))
        #expect(Terminal.mayColor(isTerminal: true, environment: [:]))
        #expect(!Terminal.mayColor(isTerminal: false, environment: ["TERM": "xterm"]))
        #expect(!Terminal.mayColor(isTerminal: true, environment: ["NO_COLOR": ""]))
        #expect(!Terminal.mayColor(isTerminal: true, environment: ["NO_COLOR": "1", "TERM": "xterm"]))
        #expect(!Terminal.mayColor(isTerminal: true, environment: ["TERM": "dumb"]))
    }

    @Test func styledWrapsTextOnlyWhenEnabled() {
        #expect(styled("x", .bold, enabled: false) == "x")
        #expect(styled("x", .bold, enabled: true) == "\u{1B}[1mx\u{1B}[0m")
        #expect(styled("error:", .boldRed, enabled: true) == "\u{1B}[1;31merror:\u{1B}[0m")
        #expect(
            styled("▀", .truecolor(foreground: (1, 2, 3), background: (4, 5, 6)), enabled: true)
                == "\u{1B}[38;2;1;2;3;48;2;4;5;6m▀\u{1B}[0m")
    }

    @Test func aPipeIsNotATerminal() {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { for end in ends { close(end) } }
        #expect(!Terminal.isTerminal(ends[0]))
    }
}

@Test func durationInSeconds() {
    #expect(Duration.milliseconds(1500).seconds == 1.5)
    #expect(Duration.seconds(2).seconds == 2)
    #expect(Duration.zero.seconds == 0)
}

@Test func errnoInWords() {
    #expect(errnoText(ENOENT).en == "No such file or directory")
}

// MARK: - Helpers

/// A fresh directory under the temporary directory, removed with everything in it by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent("reslab-platform-" + UUID().uuidString)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// The names in the directory, sorted, hidden ones included.
    var contents: [String] { Self.contents(of: path) }

    /// The names in `directory`, sorted, hidden ones included.
    static func contents(of directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

private func bytes(at path: String) throws -> [UInt8] {
    Array(try Data(contentsOf: URL(fileURLWithPath: path)))
}

@Suite struct EscapeSequenceTests {
    @Test func escapeSequencesAreRemovedAndTheTextKept() {
        #expect(styled("cat", .bold, enabled: true).withoutEscapeSequences == "cat")
        #expect("a\u{1B}[38;2;1;2;3mb\u{1B}[0mc\u{1B}[K".withoutEscapeSequences == "abc")
        #expect("第2课 · 3/9".withoutEscapeSequences == "第2课 · 3/9")
    }
}

@Suite struct EnvironmentVariableTests {
    @Test(arguments: [nil, "8"])
    func aVariableIsSetForTheBodyAndPutBackAfter(previous: String?) {
        let name = "RESLAB_TEST_SETTING"
        if let previous { setenv(name, previous, 1) } else { unsetenv(name) }
        defer { unsetenv(name) }
        let inside = withEnvironmentVariable(name, setTo: "1") { getenv(name).map { String(cString: $0) } }
        #expect(inside == "1")
        #expect(getenv(name).map { String(cString: $0) } == previous)
    }
}
