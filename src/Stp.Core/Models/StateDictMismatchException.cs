namespace Stp.Models;

/// <summary>A state dict does not fit the module it is loaded into; <see cref="Key"/> names the first offending entry.</summary>
public sealed class StateDictMismatchException : IOException
{
    /// <summary>Creates the exception.</summary>
    public StateDictMismatchException(StateDictMismatchKind kind, string key, string message) : base(message)
    {
        Kind = kind;
        Key = key;
    }

    /// <summary>What is wrong.</summary>
    public StateDictMismatchKind Kind { get; }

    /// <summary>The state-dict key (as written in the file, prefix included).</summary>
    public string Key { get; }
}
