// The learner's language, chosen once per process (or per task), read by every module that speaks to
// the learner. Each message is written in both languages side by side where it is defined.
import Foundation
import Synchronization

/// The language reslab speaks to the learner in: lessons, help, errors and their teaching.
public enum Language: String, Sendable, CaseIterable {
    case en, zh

    private static let storage = Mutex(Language.en)

    /// A language for one task and what it calls (`Language.$scoped.withValue(.zh) { … }`), leaving the
    /// process's alone: tests that run side by side speak each their own.
    @TaskLocal public static var scoped: Language?

    /// The language of this process: set once by the program (`--lang`, else the environment); English by default.
    public static var current: Language {
        get { scoped ?? storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }

    /// The text of `text` in this language.
    public func pick(_ text: Bilingual) -> String { self == .zh ? text.zh : text.en }

    /// Chinese when `LC_ALL` (else `LANG`) names a `zh` locale, else English.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment)
        -> Language
    {
        let locale = environment["LC_ALL"].flatMap { $0.isEmpty ? nil : $0 } ?? environment["LANG"] ?? ""
        return locale.hasPrefix("zh") ? .zh : .en
    }
}

/// A sentence in both of reslab's languages, written side by side where the message is defined.
public struct Bilingual: Sendable, Hashable {
    public var en: String
    public var zh: String

    public init(_ en: String, _ zh: String) {
        self.en = en
        self.zh = zh
    }

    /// Words that are the same in both languages: a file name, code, the system's own message.
    public init(verbatim text: String) { self.init(text, text) }

    /// The text in the learner's language.
    public var localized: String { Language.current.pick(self) }
}
