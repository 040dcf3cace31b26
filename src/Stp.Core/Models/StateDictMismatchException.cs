using Stp.Data;

namespace Stp.Models;

/// <summary>
/// A state dict does not fit the module it is loaded into; <see cref="Key"/> names the first offending entry. A
/// <see cref="DataFileException"/>: <see cref="DataFileException.File"/> is the file the entries came from ("state dict"
/// for entries held in memory).
/// </summary>
public sealed class StateDictMismatchException : DataFileException
{
    /// <summary>Creates the exception.</summary>
    public StateDictMismatchException(StateDictMismatchKind kind, string key, string file, string problem) : base(file, problem)
    {
        Kind = kind;
        Key = key;
    }

    /// <summary>What is wrong.</summary>
    public StateDictMismatchKind Kind { get; }

    /// <summary>The state-dict key (as written in the file, prefix included).</summary>
    public string Key { get; }
}
