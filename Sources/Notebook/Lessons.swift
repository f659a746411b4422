import Foundation
import Platform

// Lessons are Markdown files in `Lessons/<language>/NN-name.md`: prose, then fenced cells of prompt
// input (```reslab), each optionally followed by its expected output (```output).

/// One step of a lesson: the prose before a cell, the cell, and what it should print.
public struct LessonStep: Sendable, Equatable {
    public let prose: String
    public let cell: String
    /// The expected output; `…` matches any text within a line, a line of only `…` any lines.
    public let expected: String?
}

/// A lesson in one language.
public struct Lesson: Sendable {
    public let number: Int
    public let language: String
    public let title: String
    public let steps: [LessonStep]
    /// The prose after the last cell.
    public let closing: String

    /// `[第2课 · 3/19]` or `[Lesson 2 · 3/19]`.
    public func progress(step: Int) -> String {
        (language == "zh" ? "[第\(number)课 · " : "[Lesson \(number) · ") + "\(step)/\(steps.count)]"
    }

    /// Reads the Markdown format described in `Lessons/README.md`.
    public init(markdown: String, number: Int, language: String) throws {
        var title = ""
        var steps = [LessonStep]()
        var prose = [String]()
        var pendingCell: String?
        var lines = markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)[...]
        func flushCell(expected: String?) {
            if let cell = pendingCell {
                steps.append(
                    LessonStep(
                        prose: prose.joined(separator: "\n").trimmingWhitespace(), cell: cell, expected: expected))
                prose = []
                pendingCell = nil
            }
        }
        while let line = lines.popFirst() {
            if title.isEmpty, line.hasPrefix("# ") {
                title = String(line.dropFirst(2)).trimmingWhitespace()
                continue
            }
            let fence = line.trimmingWhitespace()
            if fence == "```reslab" || fence == "```output" {
                var body = [String]()
                var closed = false
                while let inner = lines.popFirst() {
                    if inner.trimmingWhitespace() == "```" {
                        closed = true
                        break
                    }
                    body.append(inner)
                }
                guard closed else {
                    throw LessonError.malformed(
                        number: number, language: language, reason: "a \(fence) block is not closed")
                }
                let text = body.joined(separator: "\n")
                if fence == "```reslab" {
                    flushCell(expected: nil)
                    pendingCell = text
                } else {
                    guard pendingCell != nil else {
                        throw LessonError.malformed(
                            number: number, language: language, reason: "an output block with no cell before it")
                    }
                    flushCell(expected: text)
                }
                continue
            }
            if pendingCell != nil && !line.trimmingWhitespace().isEmpty { flushCell(expected: nil) }
            prose.append(line)
        }
        flushCell(expected: nil)
        guard !title.isEmpty else {
            throw LessonError.malformed(number: number, language: language, reason: "no '# title' line")
        }
        self.number = number
        self.language = language
        self.title = title
        self.steps = steps
        self.closing = prose.joined(separator: "\n").trimmingWhitespace()
    }
}

public enum LessonError: Error, CustomStringConvertible {
    case notFound(directory: String)
    case noSuchLesson(Int, language: String, available: [Int])
    case malformed(number: Int, language: String, reason: String)

    public var description: String { text.localized }

    /// The error in English and in Chinese.
    public var text: Bilingual {
        switch self {
        case .notFound(let directory):
            return Bilingual(
                "cannot find the lessons in \(directory) (set RESLAB_LESSONS to the Lessons folder)",
                "在 \(directory) 里找不到课程（把 RESLAB_LESSONS 设为 Lessons 文件夹）")
        case .noSuchLesson(let n, let language, let available):
            let list = available.map(String.init)
            return Bilingual(
                "there is no lesson \(n) in \(language); lessons: " + list.joined(separator: ", "),
                "\(language) 里没有第 \(n) 课；现有的课：" + list.joined(separator: "、"))
        case .malformed(let n, let language, let reason):
            return Bilingual(
                "lesson \(n) (\(language)) is malformed: \(reason)", "第 \(n) 课（\(language)）格式不对：\(reason)")
        }
    }
}

/// The `Lessons` folder: where it is and what it holds.
public struct LessonLibrary: Sendable {
    public let directory: String

    /// `$RESLAB_LESSONS`, else the `Lessons` folder of the source tree reslab was built from.
    public static func standard() -> LessonLibrary {
        if let path = ProcessInfo.processInfo.environment["RESLAB_LESSONS"] { return LessonLibrary(directory: path) }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return LessonLibrary(directory: root.appendingPathComponent("Lessons").path)
    }

    public init(directory: String) { self.directory = directory }

    /// Lesson numbers and file names for a language, in order.
    public func files(language: String) throws -> [(number: Int, path: String)] {
        let folder = directory + "/" + language
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
            throw LessonError.notFound(directory: folder)
        }
        return names.filter { $0.hasSuffix(".md") }.compactMap { name in
            Int(name.prefix { $0.isNumber }).map { ($0, folder + "/" + name) }
        }.sorted { $0.number < $1.number }
    }

    public func lesson(_ number: Int, language: String) throws -> Lesson {
        let all = try files(language: language)
        guard let file = all.first(where: { $0.number == number }) else {
            throw LessonError.noSuchLesson(number, language: language, available: all.map(\.number))
        }
        guard let text = try? String(contentsOfFile: file.path, encoding: .utf8) else {
            throw LessonError.notFound(directory: file.path)
        }
        return try Lesson(markdown: text, number: number, language: language)
    }

    public func titles(language: String) throws -> [(Int, String)] {
        try files(language: language).map { ($0.number, (try? lesson($0.number, language: language).title) ?? "?") }
    }
}

/// Whether `output` matches `expected`, `…` matching any text (a line of only `…`, any lines). Spaces
/// and line breaks are left out of the comparison, so that text wrapped to any terminal's width (and
/// columns padded to any width) matches the lesson's text, written at 80 columns.
public func outputMatches(_ output: String, expected: String) -> Bool {
    func compact(_ text: String) -> String { String(text.unicodeScalars.filter { !$0.properties.isWhitespace }) }
    return lineMatches(compact(output), compact(expected))
}

/// One line against a pattern whose `…` matches any text.
func lineMatches(_ line: String, _ pattern: String) -> Bool {
    let parts = pattern.components(separatedBy: "…")
    guard parts.count > 1 else { return line == pattern }
    guard line.hasPrefix(parts[0]) else { return false }
    var rest = line.dropFirst(parts[0].count)
    for part in parts.dropFirst().dropLast() where !part.isEmpty {
        guard let range = rest.range(of: part) else { return false }
        rest = rest[range.upperBound...]
    }
    return rest.hasSuffix(parts.last!)
}
