import Foundation
import Platform

// `save NAME.ipynb` and `save NAME.md`: the session as a Jupyter notebook (nbformat 4) or as Markdown.

extension Notebook {
    func save(to path: String) throws -> String {
        let text: String
        if path.hasSuffix(".ipynb") {
            text = ipynb()
        } else if path.hasSuffix(".md") {
            text = markdown()
        } else {
            throw NotebookError.unsupported(Message.saveFormats.localized)
        }
        // Written beside the target and renamed, so a failed save never leaves half a file.
        do {
            try atomicWrite(text.utf8, to: path)
        } catch {
            throw NotebookError.unsupported(error.description)
        }
        return Message.savedCells(cells.count, path: path).localized
    }

    /// nbformat 4.5: one code cell per cell, with its output as a stream (or an error), and a markdown cell
    /// for each lesson step's prose. No terminal escape codes.
    public func ipynb() -> String {
        let cellsJSON = entries.enumerated().map { (position, entry) -> [String: Any] in
            guard case .code(let cell) = entry else {
                guard case .markdown(let text) = entry else { return [:] }
                return [
                    "cell_type": "markdown", "id": "cell-\(position + 1)", "metadata": [String: Any](),
                    "source": lines(text.withoutEscapeSequences),
                ]
            }
            var outputs = [[String: Any]]()
            if cell.isError {
                let text = cell.output.withoutEscapeSequences
                outputs.append(["output_type": "error", "ename": "ReslabError", "evalue": text, "traceback": [text]])
            } else {
                // Printed text as a stream; a bare expression's value as the cell's result, as Jupyter does.
                if !cell.printed.isEmpty {
                    outputs.append([
                        "output_type": "stream", "name": "stdout", "text": lines(cell.printed.withoutEscapeSequences),
                    ])
                }
                if let result = cell.result {
                    outputs.append([
                        "output_type": "execute_result", "execution_count": cell.number, "metadata": [String: Any](),
                        "data": ["text/plain": lines(result.withoutEscapeSequences)],
                    ])
                }
            }
            return [
                "cell_type": "code", "id": "cell-\(position + 1)", "execution_count": cell.number,
                "metadata": [String: Any](),
                "source": lines(cell.source), "outputs": outputs,
            ]
        }
        let notebook: [String: Any] = [
            "nbformat": 4, "nbformat_minor": 5,
            "metadata": [
                "kernelspec": ["name": "python3", "display_name": "Python 3 (Keras)", "language": "python"],
                "language_info": ["name": "python"], "reslab": ["generator": "reslab"],
            ],
            "cells": cellsJSON,
        ]
        let data =
            (try? JSONSerialization.data(
                withJSONObject: notebook, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// Each cell as a fenced Python block, its output as a plain block below it; lesson prose as it is.
    public func markdown() -> String {
        var text = "# reslab session\n"
        for entry in entries {
            switch entry {
            case .markdown(let prose):
                text += "\n" + prose.withoutEscapeSequences + "\n"
            case .code(let cell):
                text += "\n**In [\(cell.number)]:**\n\n```python\n\(cell.source)\n```\n"
                if !cell.output.isEmpty { text += "\n```\n\(cell.output.withoutEscapeSequences)\n```\n" }
            }
        }
        return text
    }

    /// Jupyter stores text as a list of lines, each but the last ending in a newline.
    private func lines(_ text: String) -> [String] {
        let parts = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        return parts.enumerated().map { $0.offset < parts.count - 1 ? $0.element + "\n" : $0.element }.filter {
            !$0.isEmpty
        }
    }
}
