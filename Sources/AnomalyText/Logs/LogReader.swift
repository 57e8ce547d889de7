import AnomalyKit
import Foundation

/// How the lines of a log are read: an optional label field and an optional session key, each a
/// regular expression with one capture group.
///
/// - Label: where `labelPattern` matches a line, its capture is the line's label field — the line is
///   anomalous when the field is anything but empty or `-` (BGL's convention) — and the whole match
///   is removed from the text, so the label never reaches the embedding. A line it does not match is
///   normal. `^(\S+) ` reads BGL.
/// - Session: `sessionPattern`'s capture is the line's session key (an HDFS block id, a node, a
///   request id); lines that share a key form one session. Lines it does not match belong to no
///   session and are left out (and counted).
public struct LogFormat: Sendable {
    public let labelPattern: String?
    public let sessionPattern: String?
    private let label: Pattern?
    private let session: Pattern?

    /// A compiled expression (NSRegularExpression is immutable and safe to share once built).
    private struct Pattern: @unchecked Sendable {
        let regex: NSRegularExpression
    }

    /// - Throws: `.parameter` naming `label-regex` or `session-regex` when an expression does not
    ///   compile or has other than one capture group.
    public init(labelPattern: String? = nil, sessionPattern: String? = nil) throws {
        self.labelPattern = labelPattern
        self.sessionPattern = sessionPattern
        label = try labelPattern.map { Pattern(regex: try Self.compile($0, option: "label-regex", capture: "the label field")) }
        session = try sessionPattern.map { Pattern(regex: try Self.compile($0, option: "session-regex", capture: "the session key")) }
    }

    private static func compile(_ pattern: String, option: String, capture: String) throws -> NSRegularExpression {
        let regex: NSRegularExpression
        do { regex = try NSRegularExpression(pattern: pattern) } catch {
            throw AnomalyError.parameter(option, "the regular expression '\(pattern)' does not compile")
        }
        guard regex.numberOfCaptureGroups == 1 else {
            throw AnomalyError.parameter(option, "'\(pattern)' needs exactly one capture group, (…), for \(capture); it has \(regex.numberOfCaptureGroups)")
        }
        return regex
    }

    /// Whether lines carry labels.
    public var hasLabels: Bool { label != nil }
    /// Whether lines are grouped into sessions.
    public var hasSessions: Bool { session != nil }

    /// `line` without its label field, and whether that field marks it anomalous.
    func splitLabel(_ line: String) -> (text: String, anomalous: Bool) {
        guard let label else { return (line, false) }
        let ns = line as NSString
        guard let match = label.regex.firstMatch(in: line, range: NSRange(location: 0, length: ns.length)) else { return (line, false) }
        let group = match.range(at: 1)
        let field = group.location == NSNotFound ? "" : ns.substring(with: group)
        return (ns.replacingCharacters(in: match.range, with: ""), !(field.isEmpty || field == "-"))
    }

    /// The session key of `line`, nil when the pattern does not match (or there is no pattern).
    func sessionKey(_ line: String) -> String? {
        guard let session else { return nil }
        let ns = line as NSString
        guard let match = session.regex.firstMatch(in: line, range: NSRange(location: 0, length: ns.length)) else { return nil }
        let group = match.range(at: 1)
        return group.location == NSNotFound ? nil : ns.substring(with: group)
    }
}

/// The records of a log file: its non-blank lines with their line numbers, labels and sessions.
public struct LogLines: Sendable {
    /// The lines' texts, label fields removed.
    public var texts: [String]
    /// Each text's line in the file (1-based).
    public var lineNumbers: [Int]
    /// 1 for an anomalous line, 0 for a normal one; nil without a label pattern.
    public var labels: [Int]?
    /// Each line's session key; nil without a session pattern.
    public var sessionKeys: [String?]?

    /// The lines grouped by session key, in the order each session first appears; lines without
    /// a key are left out. - Precondition: the lines have session keys.
    public func sessions() -> LogSessions {
        guard let sessionKeys else { return LogSessions(keys: [], lines: [], firstLines: [], labels: nil, unkeyedLines: texts.count) }
        var index: [String: Int] = [:]
        var keys: [String] = [], lines: [[String]] = [], first: [Int] = [], anomalous: [Bool] = []
        var unkeyed = 0
        for i in texts.indices {
            guard let key = sessionKeys[i] else { unkeyed += 1; continue }
            let s: Int
            if let known = index[key] { s = known } else {
                s = keys.count
                index[key] = s
                keys.append(key); lines.append([]); first.append(lineNumbers[i]); anomalous.append(false)
            }
            lines[s].append(texts[i])
            if labels?[i] == 1 { anomalous[s] = true }
        }
        return LogSessions(keys: keys, lines: lines, firstLines: first, labels: labels == nil ? nil : anomalous.map { $0 ? 1 : 0 },
                           unkeyedLines: unkeyed)
    }
}

/// A log's lines grouped into sessions. A session is anomalous when any of its lines is.
public struct LogSessions: Sendable {
    public var keys: [String]
    /// Each session's lines (label fields removed), in file order.
    public var lines: [[String]]
    /// The line number of each session's first line.
    public var firstLines: [Int]
    public var labels: [Int]?
    /// Lines the session pattern did not match (in no session).
    public var unkeyedLines: Int

    /// Each session as one text, its lines joined by line feeds: the form a `LogEncoderStep`
    /// reads (a row per session).
    public var texts: [String] { lines.map { $0.joined(separator: "\n") } }
}

public enum LogReader {
    /// The records of the log at `path` read with `format`: every non-blank line (blank lines are
    /// not records but keep the numbering).
    /// - Throws: `.data` naming the file (and the line, for invalid UTF-8) when it cannot be read,
    ///   is not UTF-8 or has no records. - Complexity: O(file size).
    public static func read(path: String, format: LogFormat) throws -> LogLines {
        let raw = try TextReader.lines(of: try NumPy.readFile(path), file: path)
        var texts: [String] = [], numbers: [Int] = [], labels: [Int] = [], keys: [String?] = []
        texts.reserveCapacity(raw.count)
        for (i, line) in raw.enumerated() where !line.allSatisfy(\.isWhitespace) {
            let (text, anomalous) = format.splitLabel(line)
            texts.append(text)
            numbers.append(i + 1)
            if format.hasLabels { labels.append(anomalous ? 1 : 0) }
            if format.hasSessions { keys.append(format.sessionKey(line)) }
        }
        guard !texts.isEmpty else { throw AnomalyError.data("the log has only blank lines: no record to read", file: path) }
        return LogLines(texts: texts, lineNumbers: numbers, labels: format.hasLabels ? labels : nil,
                        sessionKeys: format.hasSessions ? keys : nil)
    }
}
