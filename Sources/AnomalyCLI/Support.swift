import AnomalyKit
import AnomalyMeta
import AnomalyTransfer
import ArgumentParser
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Writes a line to the command's standard output (tables, JSON).
func output(_ text: String = "") {
    Console.current.write(text + "\n", to: .output)
}

/// Writes a line to the command's standard error (progress and notes; stdout stays clean for
/// tables and JSON).
func note(_ text: String) {
    Console.current.write(text + "\n", to: .error)
}

/// True when stderr is a terminal (progress bars only then).
var stderrIsTerminal: Bool { Console.current.isTerminal && isatty(2) != 0 }
