namespace Stp.Data;

/// <summary>
/// A file that Stp reads (molecules, arrays, model files, checkpoints, caches) is malformed, truncated, implausible or
/// not what its name says. This is the data-error type of every Stp reader: the message is one line that names the
/// file (<see cref="File"/>), where in it the problem is when that is known (<see cref="Location"/>: a record and line,
/// an array, a tensor, an entry) and what is wrong (<see cref="Problem"/>). Readers never let other exceptions of
/// their parsers escape for bad content, and they bound every allocation by the file's real size.
/// </summary>
public class DataFileException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="file">The file's path or name (an archive entry as "archive:entry").</param>
    /// <param name="problem">What is wrong, as a sentence fragment without the file name.</param>
    /// <param name="location">Where in the file (e.g. "record 3, line 17", "tensor 'w'"), or null.</param>
    /// <param name="inner">The parser's exception, if any (kept for diagnostics, not shown in the message).</param>
    public DataFileException(string file, string problem, string? location = null, Exception? inner = null)
        : base(OneLine(location is null ? $"{file}: {problem}" : $"{file}: {location}: {problem}"), inner)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(problem);
        File = file; Problem = problem; Location = location;
    }

    /// <summary>The message with control characters (line breaks, NULs quoted from a damaged file) shown as spaces.</summary>
    private static string OneLine(string message) =>
        message.Any(char.IsControl) ? new string(message.Select(c => char.IsControl(c) ? ' ' : c).ToArray()) : message;

    /// <summary>File name or path.</summary>
    public string File { get; }
    /// <summary>Where in the file the problem is (record and line, array, tensor, entry), or null.</summary>
    public string? Location { get; }
    /// <summary>What is wrong.</summary>
    public string Problem { get; }
}
