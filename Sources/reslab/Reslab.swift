import ArgumentParser
import Notebook
import Platform
import ResNetCore
import ResNetIO

/// `reslab`: build the tutorial's ResNet50 piece by piece, then run it on a real image.
@main
struct Reslab: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reslab",
        abstract: Message.cliAbstract.localized,
        subcommands: [
            ReplCommand.self, RunCommand.self, LessonCommand.self, SummaryCommand.self, ClassifyCommand.self,
            ImageCommand.self,
            WeightsCommand.self, BenchCommand.self,
        ],
        defaultSubcommand: ReplCommand.self)

    /// Runs the command; an error the learner can act on is printed as one line, with no usage dump.
    static func main() async {
        // Help and usage errors are written before any command runs: they speak the language asked for.
        Language.current = languageAsked(in: CommandLine.arguments) ?? Language.fromEnvironment()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error where isReslabError(error) {
            Terminal.printError(String(describing: error))
            Glibc.exit(1)
        } catch {
            exit(withError: error)
        }
    }

    /// The language of `--lang zh` or `--lang=zh` among `arguments`, if one is given.
    static func languageAsked(in arguments: [String]) -> Language? {
        for (index, argument) in arguments.enumerated() {
            if argument.hasPrefix("--lang=") { return Language(rawValue: String(argument.dropFirst("--lang=".count))) }
            if argument == "--lang", index + 1 < arguments.count { return Language(rawValue: arguments[index + 1]) }
        }
        return nil
    }

    static func isReslabError(_ error: any Error) -> Bool {
        error is ShapeError || error is WeightsError || error is ImageError || error is LabelsError
            || error is BLASError || error is GEMMError || error is WeightsMismatch || error is ForwardPassCancelled
            || error is UsageError
            || error is LessonError
    }
}

/// A mistake in how reslab was called that the argument parser cannot see (e.g. a missing weight file).
struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// `--variant`: which ResNet50 to build.
extension ResNet50Variant: ExpressibleByArgument {}
